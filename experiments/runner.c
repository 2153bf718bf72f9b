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

/* --- the operations, replayed again (vl_run_spec.steady) ------------------ */

/*
 * A trace with its operations replayed `passes` times: what comes before
 * phase 1, the events between phases 1 and 2 that many times over, then
 * what follows phase 2. A trace without phases is replayed whole that
 * many times. Each further pass reopens the trace (a generator anew, with
 * the same seed) and skips to its phase 1.
 */
struct repeat {
	const char *trace;
	uint64_t seed;
	struct vl_source in;
	void *handle;
	unsigned passes, pass;
	int in_ops;   /* past phase 1 */
	int skipping; /* a further pass: dropping events up to phase 1 */
	int after;    /* past the last pass's phase 2 */
};

static int repeat_reopen(struct repeat *r, struct vl_err *err)
{
	char name[256];

	vl_source_close(r->trace, r->handle, NULL);
	r->handle = NULL;
	if (vl_source_open(r->trace, r->seed, &r->in, &r->handle, name, sizeof(name), err))
		return err->code;
	r->pass++;
	r->skipping = r->in_ops; /* a phased trace: back to its phase 1 */
	return 0;
}

static long repeat_read(void *ctx, struct vl_event *buf, size_t max, struct vl_err *err)
{
	struct repeat *r = ctx;

	for (;;) {
		long n = r->in.read(r->in.ctx, buf, max, err);
		if (n < 0)
			return n;
		if (n == 0) {
			if (r->after || r->pass + 1 >= r->passes)
				return 0;
			if (repeat_reopen(r, err))
				return err->code;
			continue;
		}
		size_t k = 0;
		for (long i = 0; i < n; i++) {
			const struct vl_event *e = &buf[i];
			if (r->skipping) {
				r->skipping = e->type != VL_EV_PHASE;
				continue;
			}
			if (e->type == VL_EV_PHASE && !r->after) {
				if (!r->in_ops) {
					r->in_ops = 1;
				} else if (r->pass + 1 < r->passes) {
					/* the end of a pass that is not the last: the next one */
					if (repeat_reopen(r, err))
						return err->code;
					break; /* buf's remaining events are the old source's */
				} else {
					r->after = 1;
				}
			}
			buf[k++] = *e;
		}
		if (k)
			return (long)k;
	}
}

/* One replay of the trace through cfg with its operations `passes` times. */
static int replay_passes(const struct vl_run_spec *spec, const struct vl_config *cfg,
                         unsigned passes, struct vl_sim **out, char *name, size_t namelen,
                         uint64_t *hash, struct vl_err *err)
{
	struct repeat r = {.trace = spec->trace, .seed = spec->seed, .passes = passes};
	struct vl_source src;
	struct vl_sim *sim = NULL;
	struct vl_params p;
	int rc;

	*out = NULL;
	if (vl_source_open(spec->trace, spec->seed, &r.in, &r.handle, name, namelen, err))
		return err->code;
	src = passes == 1 ? r.in : (struct vl_source){repeat_read, &r};
	struct vl_sim_config sc = spec->sim;
	sc.seed = spec->seed;
	sc.replication = spec->replication;
	if ((rc = vl_sim_new(&sim, &sc, &cfg->host, err)))
		goto out;
	vl_config_params(cfg, spec->seed, &p);
	if ((rc = vl_sim_add_guest(sim, "guest", cfg->model, &p, &src, 1, err)) < 0)
		goto out;
	rc = vl_sim_run(sim, err);
out:
	/* the last pass read the trace to its end, as a single one does */
	vl_source_close(spec->trace, r.handle, rc ? NULL : hash);
	if (rc)
		vl_sim_free(sim);
	else
		*out = sim;
	return rc < 0 ? rc : 0;
}

static uint64_t minus(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

/* b - a: the second replay's extra pass. */
static void stats_minus(struct vl_sim_stats *b, const struct vl_sim_stats *a)
{
	b->end_cycles = minus(b->end_cycles, a->end_cycles);
	b->events = minus(b->events, a->events);
	b->busy_cycles = minus(b->busy_cycles, a->busy_cycles);
	b->idle_cycles = minus(b->idle_cycles, a->idle_cycles);
	b->switches = minus(b->switches, a->switches);
	b->batches = minus(b->batches, a->batches);
	for (int k = 0; k < 2; k++) {
		b->io_requests[k] = minus(b->io_requests[k], a->io_requests[k]);
		b->io_bytes[k] = minus(b->io_bytes[k], a->io_bytes[k]);
		b->io_busy_cycles[k] = minus(b->io_busy_cycles[k], a->io_busy_cycles[k]);
	}
	b->io_wait_cycles = minus(b->io_wait_cycles, a->io_wait_cycles);
	b->irqs = minus(b->irqs, a->irqs);
	b->q_scheduled = minus(b->q_scheduled, a->q_scheduled);
	b->q_executed = minus(b->q_executed, a->q_executed);
	b->q_cancelled = minus(b->q_cancelled, a->q_cancelled);
	b->ticks = minus(b->ticks, a->ticks);
}

static void breakdown_minus(struct vl_breakdown *b, const struct vl_breakdown *a)
{
	for (size_t i = 0; i < VL_ROWS; i++) {
		b->events[i] = minus(b->events[i], a->events[i]);
		for (size_t m = 0; m < VL_MECH__COUNT; m++) {
			b->cell[i][m].count = minus(b->cell[i][m].count, a->cell[i][m].count);
			b->cell[i][m].cycles = minus(b->cell[i][m].cycles, a->cell[i][m].cycles);
		}
	}
	b->insns = minus(b->insns, a->insns);
	b->holes = minus(b->holes, a->holes);
	b->cycles = minus(b->cycles, a->cycles);
}

/* One replay of the trace through cfg (spec->steady: the difference of
 * two); fills stats and (optionally) bd. */
static int replay(const struct vl_run_spec *spec, const struct vl_config *cfg,
                  struct vl_run_result *res, int record_detail, struct vl_sim **keep,
                  uint64_t *hash, struct vl_err *err)
{
	struct vl_sim *sim = NULL, *once = NULL;
	char name[256];
	int rc;

	if ((rc = replay_passes(spec, cfg, spec->steady ? 2 : 1, &sim, name, sizeof(name), hash,
	                        err)))
		return rc;
	struct vl_sim_stats st = *vl_sim_stats(sim);
	struct vl_breakdown bd = *vl_sim_breakdown(sim, 0);
	if (spec->steady) {
		if ((rc = replay_passes(spec, cfg, 1, &once, name, sizeof(name), NULL, err))) {
			vl_sim_free(sim);
			return rc;
		}
		stats_minus(&st, vl_sim_stats(once));
		breakdown_minus(&bd, vl_sim_breakdown(once, 0));
		vl_sim_free(once);
	}
	if (record_detail) {
		snprintf(res->trace_name, sizeof(res->trace_name), "%s", name);
		res->stats = st;
		res->bd = bd;
	} else {
		res->native_cycles = st.end_cycles;
	}
	if (keep)
		*keep = sim;
	else
		vl_sim_free(sim);
	return 0;
}

/*
 * Native baselines this process has replayed. The systems of an experiment
 * share their (trace, host, seed), and each needs the same native replay:
 * it is done once and its cycles reused, as a replay would give them again
 * bit for bit. The key is everything the native replay depends on: the
 * trace by its name and the content hash of the run's own replay, the
 * seed, replication, steady state, simulator settings, and every value of
 * the resolved native host.
 */
#define BASELINES 64
static struct baseline {
	char key[1024];
	uint64_t native_cycles;
} baselines[BASELINES];
static unsigned baselines_next;

static int baseline_key(char *key, size_t len, const struct vl_run_spec *spec,
                        const struct vl_host *host, uint64_t hash)
{
	const struct vl_sim_config *sc = &spec->sim;
	int n = snprintf(key, len, "%s|%016llx|%llu|%u|%d|%u|%llu|%d|%llu|%llu|%llu|%016llx",
	                 spec->trace, (unsigned long long)hash, (unsigned long long)spec->seed,
	                 spec->replication, spec->steady, sc->npcpus,
	                 (unsigned long long)sc->quantum_cycles, (int)sc->sched,
	                 (unsigned long long)sc->period_cycles, (unsigned long long)sc->end_cycles,
	                 (unsigned long long)sc->mark_cycles,
	                 (unsigned long long)XXH3_64bits(host->v, sizeof(host->v)));
	return n > 0 && (size_t)n < len; /* a key that does not fit is not cached */
}

static const struct baseline *baseline_find(const char *key)
{
	for (unsigned i = 0; i < BASELINES; i++)
		if (baselines[i].key[0] && strcmp(baselines[i].key, key) == 0)
			return &baselines[i];
	return NULL;
}

static void baseline_keep(const char *key, uint64_t native_cycles)
{
	struct baseline *b = &baselines[baselines_next++ % BASELINES];
	snprintf(b->key, sizeof(b->key), "%s", key);
	b->native_cycles = native_cycles;
}

/* The overrides in ov that set host parameters (not the model's own), into hov. */
static size_t host_overrides(const struct vl_run_spec *spec, struct vl_override *hov, size_t max)
{
	size_t nh = 0;

	for (size_t i = 0; i < spec->nov && nh < max; i++)
		if (vl_param_find(vl_host_params, VL_H__COUNT, spec->ov[i].name) >= 0 &&
		    vl_param_find(spec->model->params, spec->model->nparams, spec->ov[i].name) < 0)
			hov[nh++] = spec->ov[i];
	return nh;
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
		/* Native on the same host, with the host overrides only. */
		struct vl_override hov[64];
		struct vl_config nc;
		char key[sizeof(baselines[0].key)];
		if ((rc = vl_config_resolve(&nc, &vl_model_native, NULL, res->cfg.hostprof->name, hov,
		                            host_overrides(spec, hov, 64), err)))
			goto out;
		int cacheable = baseline_key(key, sizeof(key), spec, &nc.host, res->trace_hash);
		const struct baseline *b = cacheable ? baseline_find(key) : NULL;
		if (spec->model == &vl_model_native)
			res->native_cycles = res->stats.end_cycles;
		else if (b)
			res->native_cycles = b->native_cycles;
		else
			rc = replay(spec, &nc, res, 0, NULL, NULL, err);
		vl_config_release(&nc);
		if (rc)
			goto out;
		if (cacheable && !b)
			baseline_keep(key, res->native_cycles);
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
