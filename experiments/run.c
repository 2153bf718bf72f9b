/*
 * Running an experiment: check every system and workload first, then run
 * the runs not yet done in worker processes that each write their own
 * transactions (WAL lets them share the database), report progress through
 * a pipe, and summarize replications when all are in. A run's numbers
 * depend only on its spec, so any number of workers gives the same rows.
 */
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "experiments/experiment.h"
#include "experiments/runner.h"
#include "sim/registry.h"

/* Each system's model: built in, or from its plugin (loaded once, kept). */
static int find_models(const struct vl_experiment *e, const struct vl_model **models,
                       struct vl_err *err)
{
	for (size_t i = 0; i < e->ns; i++) {
		const struct vl_exp_system *s = &e->s[i];
		const struct vl_model *m = vl_model_find(s->model);
		if (!m && s->plugin[0]) {
			if (vl_model_load(s->plugin, &m, err))
				return vl_err_prefix(err, "%s:%d: [system %s] plugin", e->file, s->line, s->name);
			if (strcmp(m->name, s->model) != 0)
				return vl_err_set(err, VL_EINVAL, "%s:%d: [system %s] model: the plugin's model "
				                  "is '%s', not '%s'", e->file, s->line, s->name, m->name, s->model);
		}
		if (!m)
			return vl_err_set(err, VL_EINVAL, "%s:%d: [system %s] model: unknown model '%s'",
			                  e->file, s->line, s->name, s->model);
		models[i] = m;
	}
	return 0;
}

/* Checks that every system resolves and every workload opens, before any run. */
static int precheck(const struct vl_experiment *e, const struct vl_model **models,
                    const struct vl_exp_run *runs, size_t n, struct vl_err *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct vl_exp_run *r = &runs[i];
		const struct vl_exp_system *s = &e->s[r->s];
		const struct vl_model *m = models[r->s];
		struct vl_config c;
		if (vl_config_resolve(&c, m, s->profile[0] ? s->profile : NULL,
		                      r->host[0] ? r->host : NULL, r->ov, r->nov, err))
			return vl_err_prefix(err, "%s:%d: [system %s]", e->file, s->line, s->name);
		vl_config_release(&c);
	}
	for (size_t w = 0; w < e->nw; w++) {
		struct vl_source src;
		void *h;
		char name[256];
		if (vl_source_open(e->w[w].trace, e->seed, &src, &h, name, sizeof(name), err))
			return vl_err_prefix(err, "%s:%d: [workload %s] trace", e->file, e->w[w].line,
			                     e->w[w].name);
		vl_source_close(e->w[w].trace, h, NULL);
	}
	return 0;
}

static int run_one(const struct vl_experiment *e, const struct vl_model *model,
                   const struct vl_exp_run *r, int64_t exp_id, struct vl_db *db,
                   volatile sig_atomic_t *stop, struct vl_err *err)
{
	const struct vl_exp_system *s = &e->s[r->s];
	struct vl_run_spec spec = {
		.trace = e->w[r->w].trace,
		.model = model,
		.profile = s->profile[0] ? s->profile : NULL,
		.host = r->host[0] ? r->host : NULL,
		.ov = r->ov,
		.nov = r->nov,
		.seed = e->seed,
		.replication = r->rep,
		.baseline = 1,
		.label = r->label,
		.experiment_id = exp_id,
	};
	struct vl_run_result res;
	spec.sim.stop = stop;
	int rc = vl_run(&spec, db, &res, err);
	vl_run_result_release(&res);
	if (rc && rc != VL_EINTR)
		vl_err_prefix(err, "run %s", r->label);
	return rc;
}

/* Labels of the experiment's finished runs, as a sorted array. */
static int done_labels(struct vl_db *db, int64_t id, char ***out, size_t *n, struct vl_err *err)
{
	sqlite3_stmt *st;
	size_t cap = 0;

	*out = NULL;
	*n = 0;
	if (sqlite3_prepare_v2(vl_db_handle(db), "SELECT label FROM run WHERE experiment_id = ?1 "
	                       "AND status = 'ok' ORDER BY label", -1, &st, NULL) != SQLITE_OK)
		return vl_err_set(err, VL_EDB, "%s", sqlite3_errmsg(vl_db_handle(db)));
	sqlite3_bind_int64(st, 1, id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			char **p = realloc(*out, cap * sizeof(*p));
			if (!p)
				break;
			*out = p;
		}
		(*out)[(*n)++] = strdup((const char *)sqlite3_column_text(st, 0));
	}
	sqlite3_finalize(st);
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int open_db(const char *path, struct vl_db **db, struct vl_err *err)
{
	char dir[1024];
	const char *slash = strrchr(path, '/');

	if (slash && slash != path) {
		snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
		for (char *c = dir + 1; *c; c++) {
			if (*c == '/') {
				*c = '\0';
				mkdir(dir, 0777);
				*c = '/';
			}
		}
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			return vl_err_set(err, VL_EIO, "%s: cannot create directory: %s", dir,
			                  strerror(errno));
	}
	return vl_db_open(db, path, err);
}

/* A worker: runs todo[i] for i = k, k + jobs, ...; reports each on fd. */
static int worker(const struct vl_experiment *e, const struct vl_model **models,
                  const struct vl_exp_run *runs, size_t *todo,
                  size_t ntodo, unsigned k, unsigned jobs, int64_t exp_id, const char *db_path,
                  volatile sig_atomic_t *stop, int fd)
{
	struct vl_db *db;
	struct vl_err err = {0};
	int rc = 0;

	if (open_db(db_path, &db, &err)) {
		rc = err.code;
	} else {
		for (size_t i = k; i < ntodo && !rc; i += jobs) {
			rc = run_one(e, models[runs[todo[i]].s], &runs[todo[i]], exp_id, db, stop, &err);
			if (!rc && write(fd, "+", 1) != 1)
				rc = VL_EIO;
		}
		vl_db_close(db);
	}
	if (rc && rc != VL_EINTR) {
		char line[sizeof(err.msg) + 4];
		int len = snprintf(line, sizeof(line), "E%s\n", err.msg);
		if (write(fd, line, (size_t)len) < 0)
			rc = VL_EIO;
	}
	return rc;
}

int vl_exp_run(const struct vl_experiment *e, const char *db_path, const struct vl_exp_opts *o,
               struct vl_err *err)
{
	struct vl_exp_run *runs = NULL;
	struct vl_db *db = NULL;
	size_t n = 0, ntodo = 0, *todo = NULL;
	char **done = NULL;
	size_t ndone = 0;
	int64_t exp_id;
	int rc;

	const struct vl_model *models[VL_EXP_MAX];
	if ((rc = vl_exp_expand(e, &runs, &n, err)) || (rc = find_models(e, models, err)) ||
	    (rc = precheck(e, models, runs, n, err)))
		goto out;
	if ((rc = open_db(db_path, &db, err)) ||
	    (rc = vl_db_experiment(db, e->name, e->file, e->text, &exp_id, err)))
		goto out;
	if (!o->resume) {
		char sql[128];
		snprintf(sql, sizeof(sql), "DELETE FROM run WHERE experiment_id = %lld", (long long)exp_id);
		if (sqlite3_exec(vl_db_handle(db), sql, NULL, NULL, NULL) != SQLITE_OK) {
			rc = vl_err_set(err, VL_EDB, "%s: %s", db_path, sqlite3_errmsg(vl_db_handle(db)));
			goto out;
		}
	} else if ((rc = done_labels(db, exp_id, &done, &ndone, err))) {
		goto out;
	}
	todo = malloc((n ? n : 1) * sizeof(*todo));
	if (!todo) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}
	size_t skipped = 0;
	for (size_t i = 0; i < n; i++) {
		const char *key = runs[i].label;
		if (o->nshards > 1 && i % o->nshards != o->shard)
			continue; /* another shard's */
		if (!ndone || !bsearch(&key, done, ndone, sizeof(*done), cmp_str))
			todo[ntodo++] = i;
		else
			skipped++;
	}
	if (o->progress)
		o->progress(o->progress_ctx, 0, ntodo, skipped);

	unsigned jobs = o->jobs ? o->jobs : 1;
	if (jobs > ntodo)
		jobs = ntodo ? (unsigned)ntodo : 1;
	if (jobs == 1) {
		for (size_t i = 0; i < ntodo && !rc; i++) {
			rc = run_one(e, models[runs[todo[i]].s], &runs[todo[i]], exp_id, db, o->stop, err);
			if (!rc && o->progress)
				o->progress(o->progress_ctx, i + 1, ntodo, skipped);
		}
	} else {
		int fds[2];
		pid_t pids[256];
		if (jobs > 256)
			jobs = 256;
		vl_db_close(db); /* no connection may cross a fork */
		db = NULL;
		if (pipe(fds) != 0) {
			rc = vl_err_set(err, VL_EIO, "pipe: %s", strerror(errno));
			goto out;
		}
		for (unsigned k = 0; k < jobs; k++) {
			pids[k] = fork();
			if (pids[k] == 0) {
				close(fds[0]);
				_exit(-worker(e, models, runs, todo, ntodo, k, jobs, exp_id, db_path, o->stop,
				              fds[1]));
			}
		}
		close(fds[1]);
		char buf[4096], msg[sizeof(err->msg)] = "";
		size_t finished = 0, mlen = 0;
		ssize_t got;
		int in_msg = 0;
		while ((got = read(fds[0], buf, sizeof(buf))) != 0) {
			if (got < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			for (ssize_t i = 0; i < got; i++) {
				if (in_msg) {
					if (buf[i] == '\n')
						in_msg = 0;
					else if (mlen + 1 < sizeof(msg))
						msg[mlen++] = buf[i];
				} else if (buf[i] == '+') {
					finished++;
					if (o->progress)
						o->progress(o->progress_ctx, finished, ntodo, skipped);
				} else if (buf[i] == 'E' && !msg[0]) {
					in_msg = 1;
				}
			}
		}
		close(fds[0]);
		int worst = 0;
		for (unsigned k = 0; k < jobs; k++) {
			int st;
			while (waitpid(pids[k], &st, 0) < 0 && errno == EINTR)
				;
			int code = WIFEXITED(st) ? -(int)(signed char)WEXITSTATUS(st) : VL_EINTR;
			if (code && !worst)
				worst = code;
		}
		if (worst) {
			msg[mlen] = '\0';
			rc = worst == VL_EINTR ? vl_err_set(err, VL_EINTR, "interrupted")
			                       : vl_err_set(err, worst, "%s", msg[0] ? msg : "a worker failed");
		}
		if (!rc && (rc = open_db(db_path, &db, err)))
			goto out;
	}
	if (!rc)
		rc = vl_exp_summarize(e, db, err);
out:
	vl_db_close(db);
	for (size_t i = 0; i < ndone; i++)
		free(done[i]);
	free(done);
	free(todo);
	free(runs);
	return rc;
}

/* --- summary -------------------------------------------------------------- */

struct row {
	char group[VL_EXP_LABEL]; /* workload|system|point */
	char metric[80];
	double value;
};

static int cmp_row(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = strcmp(x->group, y->group);
	return c ? c : strcmp(x->metric, y->metric);
}

static double per_of(const struct vl_experiment *e, const char *workload)
{
	for (size_t i = 0; i < e->nw; i++)
		if (strcmp(e->w[i].name, workload) == 0)
			return e->w[i].per;
	return 1;
}

int vl_exp_summarize(const struct vl_experiment *e, struct vl_db *db, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	sqlite3_stmt *q = NULL, *ins = NULL;
	int64_t id;
	int rc = 0;

	if ((rc = vl_db_experiment(db, e->name, e->file, e->text, &id, err)))
		return rc;
	/*
	 * One row per run and metric, including per-mechanism cycles, ordered by
	 * group so that each group's replications are consecutive.
	 */
	static const char sql[] =
		"WITH r AS (SELECT id, label FROM run WHERE experiment_id = ?1 AND status = 'ok')"
		" SELECT r.label, m.name, m.value FROM r JOIN metric m ON m.run_id = r.id"
		"  WHERE m.name IN ('sim_cycles', 'slowdown')"
		" UNION ALL"
		" SELECT r.label, 'mech.' || b.mechanism, sum(b.cycles) FROM r"
		"  JOIN breakdown b ON b.run_id = r.id GROUP BY r.id, b.mechanism"
		" ORDER BY 1, 2";
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return vl_err_set(err, VL_EDB, "summary: %s", sqlite3_errmsg(h));
	char del[128];
	snprintf(del, sizeof(del), "DELETE FROM summary WHERE experiment_id = %lld", (long long)id);
	if (sqlite3_exec(h, del, NULL, NULL, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, sql, -1, &q, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "INSERT INTO summary VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
	                       -1, &ins, NULL) != SQLITE_OK) {
		rc = vl_err_set(err, VL_EDB, "summary: %s", sqlite3_errmsg(h));
		goto out;
	}
	sqlite3_bind_int64(q, 1, id);

	/* Collect (group, metric) -> values; runs of a group differ only in rep. */
	size_t cap = 256, n = 0;
	struct row *rows = malloc(cap * sizeof(*rows));
	while (rows && sqlite3_step(q) == SQLITE_ROW) {
		if (n + 2 > cap) {
			cap *= 2;
			struct row *r = realloc(rows, cap * sizeof(*r));
			if (!r)
				break;
			rows = r;
		}
		const char *label = (const char *)sqlite3_column_text(q, 0);
		const char *bar = label ? strrchr(label, '|') : NULL;
		int bars = 0;
		for (const char *c = label; c && *c; c++)
			bars += *c == '|';
		if (bars != 3 || !sqlite3_column_text(q, 1))
			continue; /* not a label this code wrote (a crafted database): no group */
		struct row *r = &rows[n++];
		snprintf(r->group, sizeof(r->group), "%.*s", (int)(bar - label), label);
		snprintf(r->metric, sizeof(r->metric), "%s", (const char *)sqlite3_column_text(q, 1));
		r->value = sqlite3_column_double(q, 2);
		if (strcmp(r->metric, "sim_cycles") == 0) {
			/* derived metrics of the same run */
			char wl[VL_NAME];
			const char *first = strchr(r->group, '|');
			snprintf(wl, sizeof(wl), "%.*s", (int)(first - r->group), r->group);
			struct row *c = &rows[n++];
			*c = *r;
			snprintf(c->metric, sizeof(c->metric), "cycles_per_op");
			c->value = r->value / per_of(e, wl);
		}
	}
	if (!rows) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}
	/* by (group, metric): a group's replications become adjacent, in run order */
	qsort(rows, n, sizeof(*rows), cmp_row);
	double *x = malloc((n ? n : 1) * sizeof(*x));
	for (size_t i = 0; x && i < n && !rc;) {
		size_t j = i, k = 0;
		while (j < n && strcmp(rows[j].group, rows[i].group) == 0 &&
		       strcmp(rows[j].metric, rows[i].metric) == 0)
			x[k++] = rows[j++].value;
		double mean, sd, lo, hi;
		vl_stats(x, k, &mean, &sd, &lo, &hi);
		char g[VL_EXP_LABEL];
		snprintf(g, sizeof(g), "%s", rows[i].group);
		char *w = g, *s = strchr(w, '|');
		*s++ = '\0';
		char *pt = strchr(s, '|');
		*pt++ = '\0';
		sqlite3_bind_int64(ins, 1, id);
		sqlite3_bind_text(ins, 2, w, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 3, s, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 4, pt, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(ins, 5, rows[i].metric, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(ins, 6, (sqlite3_int64)k);
		sqlite3_bind_double(ins, 7, mean);
		sqlite3_bind_double(ins, 8, sd);
		sqlite3_bind_double(ins, 9, lo);
		sqlite3_bind_double(ins, 10, hi);
		if (sqlite3_step(ins) != SQLITE_DONE)
			rc = vl_err_set(err, VL_EDB, "summary: %s", sqlite3_errmsg(h));
		sqlite3_reset(ins);
		i = j;
	}
	if (!x)
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
	free(x);
	free(rows);
out:
	sqlite3_finalize(q);
	sqlite3_finalize(ins);
	sqlite3_exec(h, rc ? "ROLLBACK" : "COMMIT", NULL, NULL, NULL);
	return rc;
}
