/*
 * A plan's sweep (techniques x guest counts x replications) into the
 * results database, in worker processes, resumable and shardable; and the
 * answer: per technique, the largest count that meets the targets, the
 * binding constraint, intervals, and a report with the knee of each curve.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "experiments/capacity.h"
#include "experiments/experiment.h"
#include "reports/doc.h"
#include "reports/report.h"
#include "sim/text.h"
#include "sim/version.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS capacity_plan("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, file TEXT, config TEXT NOT NULL,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS capacity_run("
	"  id INTEGER PRIMARY KEY, plan_id INTEGER NOT NULL REFERENCES capacity_plan(id),"
	"  technique TEXT NOT NULL, count INTEGER NOT NULL, replication INTEGER NOT NULL,"
	"  guests INTEGER NOT NULL, admitted INTEGER NOT NULL, stable INTEGER NOT NULL,"
	"  offered REAL, cpu_util REAL, disk_util REAL, net_util REAL, idle_s REAL,"
	"  memory_mb REAL, memory_host_mb REAL, slowdown REAL, p99_ms REAL, sim_s REAL,"
	"  wall_s REAL, version TEXT, host TEXT,"
	"  UNIQUE (plan_id, technique, count, replication));"
	"CREATE TABLE IF NOT EXISTS capacity_metric("
	"  run_id INTEGER NOT NULL REFERENCES capacity_run(id) ON DELETE CASCADE,"
	"  kind TEXT NOT NULL, metric TEXT NOT NULL, value REAL,"
	"  PRIMARY KEY (run_id, kind, metric));";

static const char *const kind_metrics[] = {
	"guests", "admitted", "throughput", "mean_ms", "p50_ms", "p95_ms", "p99_ms", "wait_ms",
	"slowdown", "work_s", "overhead_s", "steal_s", "memory_mb", "completed",
};
#define NKM (sizeof(kind_metrics) / sizeof(kind_metrics[0]))

static double kind_value(const struct vl_cap_kindres *k, size_t m)
{
	const double v[] = {k->guests, k->admitted, k->throughput, k->mean_ms, k->p50_ms,
	                    k->p95_ms, k->p99_ms, k->wait_ms, k->slowdown, k->work_s,
	                    k->overhead_s, k->steal_s, k->memory_mb, (double)k->completed};
	return v[m];
}

static int db_fail(sqlite3 *h, struct vl_err *err, const char *what)
{
	vl_err_set(err, VL_EDB, "results database: %s: %s", what, sqlite3_errmsg(h));
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return err->code;
}

int vl_cap_db_init(struct vl_db *db, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);

	return sqlite3_exec(h, schema, NULL, NULL, NULL) == SQLITE_OK ? 0 : db_fail(h, err, "schema");
}

/* The next line of *s that says something (not blank, not a comment), and its length. */
static const char *next_line(const char **s, size_t *len)
{
	while (**s) {
		const char *l = *s, *eol = strchr(l, '\n'), *t = l;
		*s = eol ? eol + 1 : l + strlen(l);
		while (*t == ' ' || *t == '\t' || *t == '\r')
			t++;
		if (t == *s || *t == '\n' || *t == ';' || *t == '#' || !*t)
			continue;
		*len = (size_t)((eol ? eol : *s) - l);
		while (*len && (l[*len - 1] == ' ' || l[*len - 1] == '\t' || l[*len - 1] == '\r'))
			(*len)--;
		return l;
	}
	return NULL;
}

/* Whether two texts of a plan file say the same: comments and blank lines aside. */
static int same_plan(const char *a, const char *b)
{
	for (;;) {
		size_t la = 0, lb = 0;
		const char *x = next_line(&a, &la), *y = next_line(&b, &lb);
		if (!x || !y)
			return !x && !y;
		if (la != lb || memcmp(x, y, la))
			return 0;
	}
}

static int plan_id(sqlite3 *h, const struct vl_cap_plan *p, int64_t *id, struct vl_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	time_t t = time(NULL);

	if (sqlite3_exec(h, schema, NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(h, err, "schema");
	strftime(now, sizeof(now), "%Y-%m-%dT%H:%M:%SZ", gmtime(&t));
	if (sqlite3_prepare_v2(h, "INSERT OR IGNORE INTO capacity_plan(name, file, config, created) "
	                       "VALUES (?1, ?2, ?3, ?4)", -1, &st, NULL) != SQLITE_OK)
		return db_fail(h, err, "capacity_plan");
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, p->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, p->text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return db_fail(h, err, "capacity_plan");
	if (sqlite3_prepare_v2(h, "SELECT id, config FROM capacity_plan WHERE name = ?1", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_fail(h, err, "capacity_plan");
	sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_fail(h, err, "capacity_plan");
	}
	*id = sqlite3_column_int64(st, 0);
	rc = same_plan((const char *)sqlite3_column_text(st, 1), p->text) ? 0
	   : vl_err_set(err, VL_EINVAL, "plan %s: this database holds runs of another version of "
	                "the plan file (use another --db, or delete it)", p->name);
	sqlite3_finalize(st);
	return rc;
}

static int record(sqlite3 *h, int64_t pid, const struct vl_cap_plan *p, size_t t,
                  unsigned count, unsigned rep, const struct vl_cap_result *r, double wall,
                  struct vl_err *err)
{
	sqlite3_stmt *st = NULL;
	char host[128] = "";

	gethostname(host, sizeof(host) - 1);
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(h, err, "begin");
	if (sqlite3_prepare_v2(h, "INSERT INTO capacity_run(plan_id, technique, count, replication, "
	                       "guests, admitted, stable, offered, cpu_util, disk_util, net_util, "
	                       "idle_s, memory_mb, memory_host_mb, slowdown, p99_ms, sim_s, wall_s, "
	                       "version, host) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                       -1, &st, NULL) != SQLITE_OK)
		return db_fail(h, err, "capacity_run");
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, p->techs[t].name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)count);
	sqlite3_bind_int(st, 4, (int)rep);
	sqlite3_bind_int(st, 5, (int)r->guests);
	sqlite3_bind_int(st, 6, (int)r->admitted);
	sqlite3_bind_int(st, 7, r->stable);
	const double d[] = {r->offered, r->cpu_util, r->disk_util, r->net_util, r->idle_s,
	                    r->memory_mb, r->memory_host_mb, r->slowdown, r->p99_ms, r->sim_s, wall};
	for (int i = 0; i < 11; i++)
		sqlite3_bind_double(st, 8 + i, d[i]);
	sqlite3_bind_text(st, 19, VL_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 20, host, -1, SQLITE_TRANSIENT);
	if (sqlite3_step(st) != SQLITE_DONE) {
		sqlite3_finalize(st);
		return db_fail(h, err, "capacity_run");
	}
	sqlite3_finalize(st);
	int64_t rid = sqlite3_last_insert_rowid(h);
	if (sqlite3_prepare_v2(h, "INSERT INTO capacity_metric VALUES (?,?,?,?)", -1, &st, NULL) !=
	    SQLITE_OK)
		return db_fail(h, err, "capacity_metric");
	for (size_t k = 0; k < p->nkinds; k++)
		for (size_t m = 0; m < NKM; m++) {
			double v = kind_value(&r->kind[k], m);
			sqlite3_reset(st);
			sqlite3_bind_int64(st, 1, rid);
			sqlite3_bind_text(st, 2, p->kinds[k].name, -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, kind_metrics[m], -1, SQLITE_STATIC);
			if (isnan(v))
				sqlite3_bind_null(st, 4);
			else
				sqlite3_bind_double(st, 4, v);
			if (sqlite3_step(st) != SQLITE_DONE) {
				sqlite3_finalize(st);
				return db_fail(h, err, "capacity_metric");
			}
		}
	sqlite3_finalize(st);
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(h, err, "commit");
	return 0;
}

static int done_run(sqlite3 *h, int64_t pid, const char *tech, unsigned count, unsigned rep)
{
	sqlite3_stmt *st;
	int found = 0;

	if (sqlite3_prepare_v2(h, "SELECT 1 FROM capacity_run WHERE plan_id = ?1 AND technique = ?2 "
	                       "AND count = ?3 AND replication = ?4", -1, &st, NULL) != SQLITE_OK)
		return 0;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, tech, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)count);
	sqlite3_bind_int(st, 4, (int)rep);
	found = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return found;
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct item {
	size_t t;
	unsigned count, rep;
};

/* Opens the database at db_path and finds (or records) the plan in it. */
static int open_plan(const struct vl_cap_plan *p, const char *db_path, struct vl_db **db,
                     int64_t *pid, struct vl_err *err)
{
	int rc = vl_db_open(db, db_path, err);

	if (!rc && (rc = plan_id(vl_db_handle(*db), p, pid, err))) {
		vl_db_close(*db);
		*db = NULL;
	}
	return rc;
}

/*
 * Says that a run finished, in one line: to o->progress in the calling
 * process, or from a worker down the pipe fd to its parent (a line is
 * shorter than PIPE_BUF, so lines of workers do not interleave); without a
 * progress function, on standard error unless quiet.
 */
static void say_done(const struct vl_cap_opts *o, int fd, size_t *done, size_t total,
                     const char *line)
{
	if (!o->progress) {
		if (!o->quiet)
			fprintf(stderr, "  %s\n", line);
	} else if (fd >= 0) {
		char buf[256];
		int n = snprintf(buf, sizeof(buf), "%s\n", line);
		if (write(fd, buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1) < 0)
			return; /* the parent is gone: it kills its workers */
	} else {
		o->progress(o->progress_ctx, ++*done, total, line);
	}
}

/* Passes on each whole line the workers wrote to fd; part holds a partial one. */
static void relay_done(const struct vl_cap_opts *o, int fd, char *part, size_t *plen,
                       size_t *done, size_t total)
{
	ssize_t n;

	while ((n = read(fd, part + *plen, 255 - *plen)) > 0) {
		*plen += (size_t)n;
		part[*plen] = '\0';
		char *nl, *at = part;
		while ((nl = strchr(at, '\n'))) {
			*nl = '\0';
			o->progress(o->progress_ctx, ++*done, total, at);
			at = nl + 1;
		}
		*plen -= (size_t)(at - part);
		memmove(part, at, *plen);
	}
}

static int work(const struct vl_cap_plan *p, struct vl_cap_ctx *c, const char *db_path,
                const struct item *todo, size_t ntodo, unsigned k, unsigned jobs,
                const struct vl_cap_opts *o, int fd, struct vl_err *err)
{
	struct vl_db *db;
	int64_t pid;
	size_t done = 0;
	int rc;

	if ((rc = open_plan(p, db_path, &db, &pid, err)))
		return rc;
	for (size_t i = k; i < ntodo && !rc; i += jobs) {
		struct vl_cap_result r;
		double t0 = now_s();
		if (o->stop && *o->stop) {
			rc = vl_err_set(err, VL_EINTR, "interrupted");
			break;
		}
		rc = vl_cap_simulate(c, todo[i].t, todo[i].count, todo[i].rep, &r, err);
		if (!rc)
			rc = record(vl_db_handle(db), pid, p, todo[i].t, todo[i].count, todo[i].rep, &r,
			            now_s() - t0, err);
		if (!rc) {
			char line[200];
			snprintf(line, sizeof(line), "%-12s x%-4u rep %u: %s slowdown %.3f p99 %.2f ms cpu "
			         "%.0f%%%s", p->techs[todo[i].t].name, todo[i].count, todo[i].rep,
			         r.stable ? "" : "UNSTABLE", r.slowdown, r.p99_ms, 100 * r.cpu_util,
			         r.admitted < r.guests ? " (guests refused: memory)" : "");
			say_done(o, fd, &done, ntodo, line);
		}
	}
	vl_db_close(db);
	return rc;
}

int vl_cap_run(const struct vl_cap_plan *p, const char *db_path, const struct vl_cap_opts *o,
               struct vl_err *err)
{
	struct vl_db *db;
	struct vl_cap_ctx *c = NULL;
	struct item *todo;
	size_t ntodo = 0, idx = 0;
	int64_t pid;
	int rc;

	if ((rc = open_plan(p, db_path, &db, &pid, err)))
		return rc;
	todo = malloc(p->ntechs * p->ncounts * p->replications * sizeof(*todo) + 1);
	if (!todo) {
		vl_db_close(db);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	for (size_t t = 0; t < p->ntechs; t++)
		for (size_t ci = 0; ci < p->ncounts; ci++)
			for (unsigned rep = 0; rep < p->replications; rep++, idx++) {
				if (o->nshards > 1 && idx % o->nshards != o->shard)
					continue;
				if (done_run(vl_db_handle(db), pid, p->techs[t].name, p->counts[ci], rep))
					continue;
				todo[ntodo++] = (struct item){t, p->counts[ci], rep};
			}
	vl_db_close(db);
	if (!o->quiet)
		fprintf(stderr, "plan %s: %zu runs to do of %zu%s\n", p->name, ntodo, idx,
		        o->nshards > 1 ? " (this shard's)" : "");
	if (!ntodo) {
		free(todo);
		return 0;
	}
	if (!o->quiet)
		fprintf(stderr, "profiling %zu workloads under %zu techniques\n", p->nkinds, p->ntechs);
	if ((rc = vl_cap_ctx_new(&c, p, err))) {
		free(todo);
		return rc;
	}
	unsigned jobs = o->jobs ? o->jobs : 1;
	if (jobs > ntodo)
		jobs = (unsigned)ntodo;
	if (jobs == 1) {
		rc = work(p, c, db_path, todo, ntodo, 0, 1, o, -1, err);
	} else {
		pid_t pids[64], parent = getpid();
		int fds[2] = {-1, -1};
		char part[256];
		size_t plen = 0, done = 0;
		if (jobs > 64)
			jobs = 64;
		if (o->progress && pipe(fds)) {
			vl_cap_ctx_free(c);
			free(todo);
			return vl_err_set(err, VL_EIO, "plan: pipe: %s", strerror(errno));
		}
		fflush(NULL); /* a worker must not inherit unwritten output */
		for (unsigned k = 0; k < jobs; k++) {
			pids[k] = fork();
			if (pids[k] == 0) {
				struct vl_err e = {0};
				/*
				 * A worker dies with its parent, even one killed with -9, and
				 * at once: a host simulation does not look at the stop flag,
				 * and a run killed midway leaves no rows (one transaction).
				 */
				prctl(PR_SET_PDEATHSIG, SIGKILL);
				if (getppid() != parent)
					_exit(1);
				if (fds[0] >= 0)
					close(fds[0]);
				int r = work(p, c, db_path, todo, ntodo, k, jobs, o, fds[1], &e);
				if (r)
					fprintf(stderr, "virtlab: %s\n", e.msg);
				_exit(r ? 1 : 0);
			}
		}
		if (fds[1] >= 0) {
			close(fds[1]);
			fcntl(fds[0], F_SETFL, O_NONBLOCK);
		}
		/* wait for every worker; a stop request (SIGINT, SIGTERM) stops each */
		int failed = 0, stopped = 0;
		unsigned alive = jobs;
		for (unsigned k = 0; k < jobs; k++)
			if (pids[k] < 0)
				alive--, failed = 1;
		while (alive) {
			if (o->stop && *o->stop && !stopped) {
				stopped = 1;
				for (unsigned k = 0; k < jobs; k++)
					if (pids[k] > 0)
						kill(pids[k], SIGKILL); /* as above */
			}
			unsigned before = alive;
			for (unsigned k = 0; k < jobs; k++) {
				int st;
				if (pids[k] <= 0 || waitpid(pids[k], &st, WNOHANG) != pids[k])
					continue;
				pids[k] = 0;
				alive--;
				failed |= !WIFEXITED(st) || WEXITSTATUS(st);
			}
			if (fds[0] >= 0)
				relay_done(o, fds[0], part, &plen, &done, ntodo);
			if (alive == before) {
				struct timespec ts = {0, 50 * 1000 * 1000};
				nanosleep(&ts, NULL);
			}
		}
		if (fds[0] >= 0) {
			relay_done(o, fds[0], part, &plen, &done, ntodo);
			close(fds[0]);
		}
		if (failed)
			rc = (o->stop && *o->stop) ? vl_err_set(err, VL_EINTR, "interrupted")
			                           : vl_err_set(err, VL_EIO, "a worker failed (above)");
	}
	vl_cap_ctx_free(c);
	free(todo);
	return rc;
}

int vl_cap_forget(const struct vl_cap_plan *p, struct vl_db *db, struct vl_err *err)
{
	static const char *const sql[] = {
		"DELETE FROM capacity_metric WHERE run_id IN (SELECT r.id FROM capacity_run r "
		"JOIN capacity_plan p ON r.plan_id = p.id WHERE p.name = ?1)",
		"DELETE FROM capacity_run WHERE plan_id IN (SELECT id FROM capacity_plan WHERE name = ?1)",
		"DELETE FROM capacity_plan WHERE name = ?1",
	};
	sqlite3 *h = vl_db_handle(db);
	sqlite3_stmt *st;

	/* a database without the plan tables has nothing to forget */
	if (sqlite3_prepare_v2(h, "SELECT 1 FROM sqlite_master WHERE name = 'capacity_run'", -1, &st,
	                       NULL) != SQLITE_OK)
		return db_fail(h, err, "forget");
	int have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (!have)
		return 0;
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(h, err, "forget");
	for (size_t i = 0; i < sizeof(sql) / sizeof(sql[0]); i++) {
		if (sqlite3_prepare_v2(h, sql[i], -1, &st, NULL) != SQLITE_OK)
			return db_fail(h, err, "forget");
		sqlite3_bind_text(st, 1, p->name, -1, SQLITE_STATIC);
		int rc = sqlite3_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return db_fail(h, err, "forget");
	}
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(h, err, "forget");
	return 0;
}

/* ---- the answer ---- */

struct point {
	unsigned n, stable, admitted_all;
	double sd_mean, sd_ci, p99_mean, p99_ci, cpu, disk, net, mem, memhost;
};

static void mean_ci(const double *x, size_t n, double *mean, double *half)
{
	double sd, lo, hi;
	vl_stats(x, n, mean, &sd, &lo, &hi);
	*half = (hi - lo) / 2;
}

static int load_point(sqlite3 *h, int64_t pid, const char *tech, unsigned count, struct point *pt)
{
	sqlite3_stmt *st;
	double sd[1024], p99[1024];
	size_t n = 0;

	memset(pt, 0, sizeof(*pt));
	if (sqlite3_prepare_v2(h, "SELECT stable, admitted = guests, slowdown, p99_ms, cpu_util, "
	                       "disk_util, net_util, memory_mb, memory_host_mb FROM capacity_run "
	                       "WHERE plan_id = ?1 AND technique = ?2 AND count = ?3 "
	                       "ORDER BY replication", -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, pid);
	sqlite3_bind_text(st, 2, tech, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, (int)count);
	pt->stable = pt->admitted_all = 1;
	while (sqlite3_step(st) == SQLITE_ROW && n < 1024) {
		pt->stable &= (unsigned)sqlite3_column_int(st, 0);
		pt->admitted_all &= (unsigned)sqlite3_column_int(st, 1);
		sd[n] = sqlite3_column_double(st, 2);
		p99[n] = sqlite3_column_double(st, 3);
		pt->cpu += sqlite3_column_double(st, 4);
		pt->disk += sqlite3_column_double(st, 5);
		pt->net += sqlite3_column_double(st, 6);
		pt->mem += sqlite3_column_double(st, 7);
		pt->memhost = sqlite3_column_double(st, 8);
		n++;
	}
	sqlite3_finalize(st);
	pt->n = (unsigned)n;
	if (!n)
		return 0;
	pt->cpu /= (double)n, pt->disk /= (double)n, pt->net /= (double)n, pt->mem /= (double)n;
	mean_ci(sd, n, &pt->sd_mean, &pt->sd_ci);
	mean_ci(p99, n, &pt->p99_mean, &pt->p99_ci);
	return 0;
}

static int meets(const struct vl_cap_plan *p, const struct point *pt)
{
	return pt->n && pt->stable && pt->admitted_all && pt->sd_mean <= p->max_slowdown &&
	       (p->max_p99_ms <= 0 || pt->p99_mean <= p->max_p99_ms);
}

/* What stopped the first count that fails. */
static void binding(const struct vl_cap_plan *p, const struct point *pt, char *out, size_t len)
{
	const char *res = "cpu";
	double u = pt->cpu;

	if (!pt->admitted_all) {
		snprintf(out, len, "memory");
		return;
	}
	if (pt->disk > u)
		res = "disk", u = pt->disk;
	if (pt->net > u)
		res = "network", u = pt->net;
	const char *why = !pt->stable ? "saturated" : pt->sd_mean > p->max_slowdown ? "slowdown" : "p99";
	/* no shared resource near its limit: the technique's own cost, or a guest's own vCPUs */
	if (u < 0.8 && pt->stable)
		res = "per-guest";
	snprintf(out, len, "%s (%s)", res, why);
}

int vl_cap_answer(const struct vl_cap_plan *p, struct vl_db *db, struct vl_cap_answer *a,
                  size_t *na, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	int64_t pid;
	int rc;

	*na = 0;
	if ((rc = plan_id(h, p, &pid, err)))
		return rc;
	for (size_t t = 0; t < p->ntechs; t++) {
		struct vl_cap_answer *x = &a[(*na)++];
		struct point pt, best = {0};
		memset(x, 0, sizeof(*x));
		snprintf(x->tech, sizeof(x->tech), "%s", p->techs[t].name);
		snprintf(x->binding, sizeof(x->binding), "none in the sweep");
		for (size_t ci = 0; ci < p->ncounts; ci++) {
			if (load_point(h, pid, p->techs[t].name, p->counts[ci], &pt))
				return db_fail(h, err, "capacity_run");
			if (!pt.n)
				return vl_err_set(err, VL_EINVAL, "plan %s: no runs of %s x%u in the database "
				                  "(run the plan, or merge its shards, first)", p->name,
				                  p->techs[t].name, p->counts[ci]);
			if (!meets(p, &pt)) {
				binding(p, &pt, x->binding, sizeof(x->binding));
				break;
			}
			x->fit = p->counts[ci];
			best = pt;
		}
		x->slowdown = best.sd_mean, x->slowdown_ci = best.sd_ci;
		x->p99_ms = best.p99_mean, x->p99_ci = best.p99_ci;
		x->n = best.n;
	}
	return 0;
}

static int mkdirs(const char *dir)
{
	char buf[1024];
	snprintf(buf, sizeof(buf), "%s", dir);
	for (char *c = buf + 1; *c; c++)
		if (*c == '/') {
			*c = '\0';
			mkdir(buf, 0777);
			*c = '/';
		}
	return mkdir(buf, 0777) && errno != EEXIST ? -1 : 0;
}

int vl_cap_report(const struct vl_cap_plan *p, struct vl_db *db, const struct vl_cap_answer *a,
                  size_t na, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	char path[1200];
	int64_t pid;
	FILE *f;
	int rc;

	if ((rc = plan_id(h, p, &pid, err)))
		return rc;
	if (mkdirs(p->output))
		return vl_err_set(err, VL_EIO, "%s: cannot create: %s", p->output, strerror(errno));
	snprintf(path, sizeof(path), "%s/curves.tsv", p->output);
	if (!(f = fopen(path, "w")))
		return vl_err_set(err, VL_EIO, "%s: cannot write", path);
	fprintf(f, "# technique\tcount\tslowdown\tslowdown_ci\tp99_ms\tp99_ci\tcpu_util\tdisk_util\t"
	           "net_util\tmemory_mb\tstable\tadmitted_all\n");
	for (size_t t = 0; t < p->ntechs; t++) {
		for (size_t ci = 0; ci < p->ncounts; ci++) {
			struct point pt;
			if (load_point(h, pid, p->techs[t].name, p->counts[ci], &pt) || !pt.n)
				continue;
			fprintf(f, "%s\t%u\t%.6g\t%.6g\t%.6g\t%.6g\t%.4f\t%.4f\t%.4f\t%.1f\t%u\t%u\n",
			        p->techs[t].name, p->counts[ci], pt.stable ? pt.sd_mean : NAN,
			        pt.sd_ci, pt.stable ? pt.p99_mean : NAN, pt.p99_ci, pt.cpu, pt.disk, pt.net,
			        pt.mem, pt.stable, pt.admitted_all);
		}
		fprintf(f, "\n\n"); /* a gnuplot data block per technique */
	}
	fclose(f);

	/* the answer, as plan.md and index.html (the same text) */
	struct vl_doc doc;
	char html[1200], buf[512];
	snprintf(path, sizeof(path), "%s/plan.md", p->output);
	snprintf(html, sizeof(html), "%s/index.html", p->output);
	if ((rc = vl_doc_open(&doc, path, html, p->name, err)))
		return rc;
	if (p->title[0])
		vl_doc_para(&doc, "%s", p->title);
	int used = snprintf(buf, sizeof(buf), "Targets: slowdown at most %.2fx", p->max_slowdown);
	if (p->max_p99_ms > 0)
		snprintf(buf + used, sizeof(buf) - (size_t)used, ", p99 latency at most %.1f ms",
		         p->max_p99_ms);
	vl_doc_para(&doc, "%s. Host: %u CPUs at %.2f GHz, %.0f MB, disk %.0f MB/s, network %.0f "
	            "MB/s. Each count is %u replication(s) of %.0f simulated seconds; intervals are "
	            "95%% (Student t).", buf, p->pcpus, p->clock_hz / 1e9, p->memory_mb, p->disk_mbs,
	            p->net_mbs, p->replications, p->duration_s);
	vl_doc_image(&doc, "knee.png", "knee.svg", "knees: slowdown and p99 latency against the count");
	static const char *const ahead[] = {"technique", "guests that fit", "binding constraint",
	                                    "slowdown", "p99 (ms)"};
	vl_doc_table(&doc, 5, ahead, "lrlrr");
	for (size_t i = 0; i < na; i++) {
		char fit[16], sd[64], p99[64];
		snprintf(fit, sizeof(fit), "%u", a[i].fit);
		snprintf(sd, sizeof(sd), "%.3f ± %.3f", a[i].slowdown, a[i].slowdown_ci);
		snprintf(p99, sizeof(p99), "%.2f ± %.2f", a[i].p99_ms, a[i].p99_ci);
		const char *row[] = {a[i].tech, fit, a[i].binding, a[i].fit ? sd : "-",
		                     a[i].fit ? p99 : "-"};
		vl_doc_row(&doc, 5, row);
	}
	vl_doc_table_end(&doc);
	/* what each kind of guest saw at the count that fits */
	vl_doc_heading(&doc, 2, "At the count that fits");
	vl_doc_para(&doc, "Means over the replications; CPU seconds over the measured window, all "
	            "guests of the kind. Memory policy: %s.",
	            p->swap ? "swap (every guest admitted; overcommitted memory is paged through the "
	                      "disk)" : "refuse (guests that do not fit are not started)");
	static const char *const khead[] = {"technique", "count", "guest kind", "guests (admitted)",
	                                    "throughput (/s)", "p50 ms", "p95 ms", "p99 ms", "work s",
	                                    "overhead s", "steal s", "memory MB"};
	vl_doc_table(&doc, 12, khead, "lrlrrrrrrrrr");
	for (size_t i = 0; i < na; i++) {
		if (!a[i].fit)
			continue;
		for (size_t k = 0; k < p->nkinds; k++) {
			sqlite3_stmt *st;
			double v[NKM] = {0};
			if (sqlite3_prepare_v2(h, "SELECT m.metric, avg(m.value) FROM capacity_metric m JOIN "
			                       "capacity_run r ON r.id = m.run_id WHERE r.plan_id = ?1 AND "
			                       "r.technique = ?2 AND r.count = ?3 AND m.kind = ?4 GROUP BY "
			                       "m.metric", -1, &st, NULL) != SQLITE_OK)
				continue;
			sqlite3_bind_int64(st, 1, pid);
			sqlite3_bind_text(st, 2, a[i].tech, -1, SQLITE_STATIC);
			sqlite3_bind_int(st, 3, (int)a[i].fit);
			sqlite3_bind_text(st, 4, p->kinds[k].name, -1, SQLITE_STATIC);
			while (sqlite3_step(st) == SQLITE_ROW)
				for (size_t m = 0; m < NKM; m++)
					if (!strcmp((const char *)sqlite3_column_text(st, 0), kind_metrics[m]))
						v[m] = sqlite3_column_double(st, 1);
			sqlite3_finalize(st);
			char c[12][48];
			snprintf(c[1], sizeof(c[1]), "%u", a[i].fit);
			snprintf(c[3], sizeof(c[3]), "%.0f (%.0f)", v[0], v[1]);
			snprintf(c[4], sizeof(c[4]), "%.1f", v[2]);
			snprintf(c[5], sizeof(c[5]), "%.3f", v[4]);
			snprintf(c[6], sizeof(c[6]), "%.3f", v[5]);
			snprintf(c[7], sizeof(c[7]), "%.3f", v[6]);
			snprintf(c[8], sizeof(c[8]), "%.2f", v[9]);
			snprintf(c[9], sizeof(c[9]), "%.2f", v[10]);
			snprintf(c[10], sizeof(c[10]), "%.2f", v[11]);
			snprintf(c[11], sizeof(c[11]), "%.0f", v[12]);
			const char *row[12] = {a[i].tech, c[1], p->kinds[k].name, c[3], c[4], c[5], c[6],
			                       c[7], c[8], c[9], c[10], c[11]};
			vl_doc_row(&doc, 12, row);
		}
	}
	vl_doc_table_end(&doc);
	used = 0;
	buf[0] = '\0';
	for (size_t k = 0; k < p->nkinds && used < (int)sizeof(buf); k++)
		used += snprintf(buf + used, sizeof(buf) - (size_t)used, " %u %s", p->kinds[k].share,
		                 p->kinds[k].name);
	vl_doc_para(&doc, "The count is in units of the mix:%s guest(s) per unit. Every point is in "
	            "curves.tsv; the runs are in the plan's results database.", buf);
	if ((rc = vl_doc_close(&doc, err)))
		return rc;

	snprintf(path, sizeof(path), "%s/knee.gp", p->output);
	if (!(f = fopen(path, "w")))
		return vl_err_set(err, VL_EIO, "%s: cannot write", path);
	/* names are checked when the plan is parsed, and quoted here all the same */
	char q[1600], mt[VL_CAP_NAME + 32];
	snprintf(mt, sizeof(mt), "%s: where each technique bends", p->name);
	fprintf(f, "set datafile separator '\\t'\nset termoption noenhanced\nset key top left\n"
	           "set grid\nset multiplot layout 1,2 title %s\n"
	           "set xlabel 'guests (units of the mix)'\nset ylabel 'slowdown (worst kind)'\n"
	           "set logscale y\n", vl_quote(VL_Q_GNUPLOT, mt, q, sizeof(q)));
	fprintf(f, "plot %.4g title 'target' lc rgb '#999999' dt 2", p->max_slowdown);
	for (size_t t = 0; t < p->ntechs; t++)
		fprintf(f, ", 'curves.tsv' index %zu using 2:3:4 with yerrorlines title %s", t,
		        vl_quote(VL_Q_GNUPLOT, p->techs[t].name, q, sizeof(q)));
	fprintf(f, "\nset ylabel 'p99 latency (ms)'\n");
	if (p->max_p99_ms > 0)
		fprintf(f, "plot %.4g title 'target' lc rgb '#999999' dt 2", p->max_p99_ms);
	else
		fprintf(f, "plot 1/0 notitle");
	for (size_t t = 0; t < p->ntechs; t++)
		fprintf(f, ", 'curves.tsv' index %zu using 2:5:6 with yerrorlines title %s", t,
		        vl_quote(VL_Q_GNUPLOT, p->techs[t].name, q, sizeof(q)));
	fprintf(f, "\nunset multiplot\n");
	fclose(f);
	if (vl_report_have_tool("gnuplot")) {
		const char *png[] = {"gnuplot", "-e", "set terminal pngcairo size 1200,500; "
		                     "set output 'knee.png'", "knee.gp", NULL};
		const char *svg[] = {"gnuplot", "-e", "set terminal svg size 1200,500; "
		                     "set output 'knee.svg'", "knee.gp", NULL};
		vl_report_run_tool(p->output, png);
		vl_report_run_tool(p->output, svg);
	}
	return 0;
}
