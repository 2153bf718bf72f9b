/*
 * The run pipeline shared by `virtlab run` and experiments.
 */
#include <errno.h>
#include <string.h>
#include <time.h>

#include <xxhash.h>

#include "experiments/runner.h"
#include "models/native/native.h"
#include "traces/gen.h"
#include "traces/trace.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int is_gen(const char *trace)
{
	return strncmp(trace, "gen:", 4) == 0;
}

int vl_source_open(const char *trace, uint64_t seed, struct vl_source *src, void **handle,
                   char *name, size_t namelen, struct vl_err *err)
{
	if (!is_gen(trace)) {
		struct vl_trace *t;
		if (vl_trace_open(&t, trace, err))
			return err->code;
		*src = vl_trace_source(t);
		*handle = t;
		snprintf(name, namelen, "%s", trace);
		return 0;
	}
	char kind[64];
	uint64_t events = VL_GEN_DEFAULT_EVENTS;
	int iters = 0;
	const char *k = trace + 4, *colon = strchr(k, ':');
	snprintf(kind, sizeof(kind), "%.*s", colon ? (int)(colon - k) : (int)strlen(k), k);
	if (colon) {
		char *end;
		errno = 0;
		events = strtoull(colon + 1, &end, 10);
		iters = *end == 'i';
		/* digits only: strtoull takes "-1" as 2^64 - 1, and saturates past 2^64 */
		if (end == colon + 1 || *(end + iters) || colon[1] < '0' || colon[1] > '9' ||
		    errno == ERANGE)
			return vl_err_set(err, VL_EINVAL, "'%s': expected gen:KIND[:EVENTS] or "
			                  "gen:KIND:ITERATIONSi", trace);
	}
	struct vl_gen *g;
	if ((iters ? vl_gen_new_iters(&g, kind, events, seed, err)
	           : vl_gen_new(&g, kind, events, seed, err)))
		return err->code;
	*src = vl_gen_source(g);
	*handle = g;
	snprintf(name, namelen, "gen:%s:%llu%s", kind, (unsigned long long)events, iters ? "i" : "");
	return 0;
}

void vl_source_close(const char *trace, void *handle, uint64_t *hash)
{
	if (!handle)
		return;
	if (is_gen(trace)) {
		if (hash)
			*hash = XXH3_64bits(trace, strlen(trace));
		vl_gen_free(handle);
	} else {
		if (hash)
			*hash = vl_trace_hash(handle);
		vl_trace_close(handle);
	}
}

/* One replay of the trace through cfg; fills stats and (optionally) bd. */
static int replay(const struct vl_run_spec *spec, const struct vl_config *cfg,
                  struct vl_run_result *res, int record_detail, struct vl_sim **keep,
                  uint64_t *hash, struct vl_err *err)
{
	struct vl_source src;
	void *handle = NULL;
	struct vl_sim *sim = NULL;
	struct vl_params p;
	char name[256];
	int rc;

	if (vl_source_open(spec->trace, spec->seed, &src, &handle, name, sizeof(name), err))
		return err->code;
	if (record_detail)
		snprintf(res->trace_name, sizeof(res->trace_name), "%s", name);
	struct vl_sim_config sc = spec->sim;
	sc.seed = spec->seed;
	sc.replication = spec->replication;
	if ((rc = vl_sim_new(&sim, &sc, &cfg->host, err)))
		goto out;
	vl_config_params(cfg, spec->seed, &p);
	if ((rc = vl_sim_add_guest(sim, "guest", cfg->model, &p, &src, 1, err)) < 0)
		goto out;
	if ((rc = vl_sim_run(sim, err)))
		goto out;
	if (record_detail) {
		res->stats = *vl_sim_stats(sim);
		res->bd = *vl_sim_breakdown(sim, 0);
	} else {
		res->native_cycles = vl_sim_stats(sim)->end_cycles;
	}
	rc = 0;
out:
	vl_source_close(spec->trace, handle, rc ? NULL : hash);
	if (!rc && keep)
		*keep = sim;
	else
		vl_sim_free(sim);
	return rc < 0 ? rc : 0;
}

static void collect(void *ctx, const char *name, double value, const char *unit)
{
	struct vl_run_result *r = ctx;

	if (r->ncounters == VL_RUN_MAX_COUNTERS)
		return;
	snprintf(r->counter_names[r->ncounters], sizeof(r->counter_names[0]), "%s.%s",
	         r->cfg.model->name, name);
	r->counters[r->ncounters] = (struct vl_metric){r->counter_names[r->ncounters], value, unit};
	r->ncounters++;
}

int vl_run(const struct vl_run_spec *spec, struct vl_db *db, struct vl_run_result *res,
           struct vl_err *err)
{
	struct vl_sim *sim = NULL;
	double t0 = now_s();
	time_t started = time(NULL);
	int rc;

	memset(res, 0, sizeof(*res));
	if (vl_config_resolve(&res->cfg, spec->model, spec->profile, spec->host, spec->ov,
	                      spec->nov, err))
		return err->code;
	if ((rc = replay(spec, &res->cfg, res, 1, &sim, &res->trace_hash, err)))
		return rc;

	if (spec->baseline) {
		if (spec->model == &vl_model_native) {
			res->native_cycles = res->stats.end_cycles;
		} else {
			/* Native on the same host, with the host overrides only. */
			struct vl_config nc;
			struct vl_override hov[64];
			size_t nh = 0;
			for (size_t i = 0; i < spec->nov && nh < 64; i++)
				if (vl_param_find(vl_host_params, VL_H__COUNT, spec->ov[i].name) >= 0 &&
				    vl_param_find(spec->model->params, spec->model->nparams,
				                  spec->ov[i].name) < 0)
					hov[nh++] = spec->ov[i];
			if ((rc = vl_config_resolve(&nc, &vl_model_native, NULL, res->cfg.hostprof->name,
			                            hov, nh, err)))
				goto out;
			rc = replay(spec, &nc, res, 0, NULL, NULL, err);
			vl_config_release(&nc);
			if (rc)
				goto out;
		}
		if (res->native_cycles)
			res->slowdown = (double)res->stats.end_cycles / (double)res->native_cycles;
	}
	vl_sim_report(sim, 0, collect, res);
	res->wall_s = now_s() - t0;

	if (db) {
		struct vl_metric extra[VL_RUN_MAX_COUNTERS + 2];
		size_t n = 0;
		if (spec->baseline) {
			extra[n++] = (struct vl_metric){"native_cycles", (double)res->native_cycles, "cycles"};
			extra[n++] = (struct vl_metric){"slowdown", res->slowdown, "ratio"};
		}
		for (size_t i = 0; i < res->ncounters; i++)
			extra[n++] = res->counters[i];
		size_t nseries;
		const struct vl_sample *series = vl_sim_series(sim, 0, &nseries);
		struct vl_run_info info = {
			.experiment_id = spec->experiment_id,
			.label = spec->label,
			.trace = res->trace_name,
			.trace_hash = res->trace_hash,
			.seed = spec->seed,
			.replication = spec->replication,
			.status = "ok",
			.started = started,
			.wall_s = res->wall_s,
		};
		struct vl_run_data data = {
			.cfg = &res->cfg,
			.stats = &res->stats,
			.bd = &res->bd,
			.series = series,
			.nseries = nseries,
			.metrics = extra,
			.nmetrics = n,
		};
		double r0 = now_s();
		rc = vl_db_record_run(db, &info, &data, &res->run_id, err);
		res->record_s = now_s() - r0;
		res->wall_s += res->record_s;
	}
out:
	vl_sim_free(sim);
	return rc;
}

void vl_run_result_release(struct vl_run_result *res)
{
	vl_config_release(&res->cfg);
}
