/*
 * Running an experiment: check every system and workload first, then run
 * the runs not yet done in worker processes that each write their own
 * transactions (WAL lets them share the database), report progress through
 * a pipe, and summarize replications when all are in. A run's numbers
 * depend only on its spec, so any number of workers gives the same rows.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <time.h>
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
		.steady = e->w[r->w].steady,
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
		const char *label = (const char *)sqlite3_column_text(st, 0);
		char *copy = label ? strdup(label) : NULL;
		if (!copy)
			continue; /* no label (a crafted database) or no memory: not a done run */
		if (*n == cap) {
			cap = cap ? 2 * cap : 64;
			char **p = realloc(*out, cap * sizeof(*p));
			if (!p) {
				free(copy);
				break;
			}
			*out = p;
		}
		(*out)[(*n)++] = copy;
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

/*
 * Resuming keeps runs by their labels, which name the sweep point but not
 * the file's other settings: resume only runs of the same text.
 */
static int same_text(const struct vl_experiment *e, struct vl_db *db, const char *db_path,
                     struct vl_err *err)
{
	sqlite3_stmt *st;
	int rc = 0;

	if (sqlite3_prepare_v2(vl_db_handle(db), "SELECT config FROM experiment WHERE name = ?1", -1,
	                       &st, NULL) != SQLITE_OK)
		return vl_err_set(err, VL_EDB, "%s: %s", db_path, sqlite3_errmsg(vl_db_handle(db)));
	sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) &&
	    strcmp((const char *)sqlite3_column_text(st, 0), e->text))
		rc = vl_err_set(err, VL_EINVAL, "%s: experiment '%s' in %s was run from another version "
		                "of the file: run it without --resume to redo every run, or give another "
		                "--db", e->file, e->name, db_path);
	sqlite3_finalize(st);
	return rc;
}

/*
 * Without --resume, the runs about to be done are forgotten first: all the
 * experiment's runs, or, for a shard, only its own (the other shards' stay).
 */
static int forget(struct vl_db *db, int64_t exp_id, const struct vl_exp_run *runs, size_t n,
                  const struct vl_exp_opts *o, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	sqlite3_stmt *st = NULL;
	int rc = SQLITE_OK;

	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return vl_err_set(err, VL_EDB, "forgetting earlier runs: %s", sqlite3_errmsg(h));
	if (o->nshards <= 1) {
		rc = sqlite3_prepare_v2(h, "DELETE FROM run WHERE experiment_id = ?1", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, exp_id);
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
		}
	} else {
		rc = sqlite3_prepare_v2(h, "DELETE FROM run WHERE experiment_id = ?1 AND label = ?2", -1,
		                        &st, NULL);
		for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
			if (i % o->nshards != o->shard)
				continue;
			sqlite3_bind_int64(st, 1, exp_id);
			sqlite3_bind_text(st, 2, runs[i].label, -1, SQLITE_STATIC);
			rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : SQLITE_ERROR;
			sqlite3_reset(st);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		vl_err_set(err, VL_EDB, "forgetting earlier runs: %s", sqlite3_errmsg(h));
		sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
		return err->code;
	}
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return vl_err_set(err, VL_EDB, "forgetting earlier runs: %s", sqlite3_errmsg(h));
	return 0;
}

/*
 * A worker: takes the next run not yet taken (todo[*next], the counter
 * shared by every worker) until none is left, so that a worker that drew
 * short runs takes more of them; tells the parent on fd, one line each
 * (shorter than PIPE_BUF, so lines of workers never mix): "S k i" before
 * todo[i], "+ k" after it, "E k message" on failure.
 */
static int worker(const struct vl_experiment *e, const struct vl_model **models,
                  const struct vl_exp_run *runs, const size_t *todo, size_t ntodo, unsigned k,
                  size_t *next, int64_t exp_id, const char *db_path,
                  volatile sig_atomic_t *stop, int fd)
{
	struct vl_db *db;
	struct vl_err err = {0};
	char line[sizeof(err.msg) + 32];
	int rc = 0, len;

	if (open_db(db_path, &db, &err)) {
		rc = err.code;
	} else {
		for (size_t i; !rc && (i = __atomic_fetch_add(next, 1, __ATOMIC_RELAXED)) < ntodo;) {
			len = snprintf(line, sizeof(line), "S %u %zu\n", k, i);
			if (write(fd, line, (size_t)len) != len) {
				rc = VL_EIO;
				break;
			}
			rc = run_one(e, models[runs[todo[i]].s], &runs[todo[i]], exp_id, db, stop, &err);
			len = snprintf(line, sizeof(line), "+ %u\n", k);
			if (!rc && write(fd, line, (size_t)len) != len)
				rc = VL_EIO;
		}
		vl_db_close(db);
	}
	if (rc && rc != VL_EINTR) {
		len = snprintf(line, sizeof(line), "E %u %s\n", k, err.msg); /* < PIPE_BUF */
		if (len >= (int)sizeof(line))
			len = (int)sizeof(line) - 1, line[len - 1] = '\n';
		if (write(fd, line, (size_t)len) < 0)
			rc = VL_EIO;
	}
	return rc;
}

/* Starts worker k on the runs not yet taken; returns its pid or -1. */
static pid_t spawn(const struct vl_experiment *e, const struct vl_model **models,
                   const struct vl_exp_run *runs, const size_t *todo, size_t ntodo, unsigned k,
                   size_t *next, int64_t exp_id, const char *db_path,
                   const struct vl_exp_opts *o, int fds[2])
{
	pid_t parent = getpid(), pid = fork();

	if (pid != 0)
		return pid;
	/* a worker dies with its parent, even one killed with -9 */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(-VL_EINTR);
	close(fds[0]);
	_exit(-worker(e, models, runs, todo, ntodo, k, next, exp_id, db_path, o->stop, fds[1]));
}

/* Records a run that crashed its worker as failed, with how it ended. */
static int record_crash(const struct vl_experiment *e, const struct vl_model *m,
                        const struct vl_exp_run *r, int64_t exp_id, const char *db_path,
                        const char *why, struct vl_err *err)
{
	const struct vl_exp_system *s = &e->s[r->s];
	struct vl_config c;
	struct vl_db *db;
	int64_t id;
	int rc;

	if ((rc = vl_config_resolve(&c, m, s->profile[0] ? s->profile : NULL,
	                            r->host[0] ? r->host : NULL, r->ov, r->nov, err)))
		return rc;
	struct vl_run_info info = {
		.experiment_id = exp_id,
		.label = r->label,
		.trace = e->w[r->w].trace,
		.seed = e->seed,
		.replication = r->rep,
		.status = "failed",
		.error = why,
		.started = time(NULL),
	};
	struct vl_run_data data = {.cfg = &c};
	if (!(rc = open_db(db_path, &db, err))) {
		rc = vl_db_record_run(db, &info, &data, &id, err);
		vl_db_close(db);
	}
	vl_config_release(&c);
	return rc;
}

/* What the parent reads from its workers. */
struct lines {
	char buf[8192];
	size_t have;
	size_t *current;       /* per worker: the todo index it is on, or SIZE_MAX */
	unsigned jobs;
	size_t ntodo, finished, skipped;
	const struct vl_exp_opts *o;
	char *msg;             /* the first worker's error */
	size_t msglen;
};

/* Reads what the workers wrote (non-blocking) and acts on each whole line. */
static void drain(int fd, struct lines *l)
{
	ssize_t got;

	while ((got = read(fd, l->buf + l->have, sizeof(l->buf) - l->have - 1)) > 0 ||
	       (got < 0 && errno == EINTR)) {
		if (got < 0)
			continue;
		l->have += (size_t)got;
		char *start = l->buf, *nl;
		while ((nl = memchr(start, '\n', l->have - (size_t)(start - l->buf)))) {
			unsigned k;
			size_t i;
			int off = 0;
			*nl = '\0';
			if (sscanf(start, "S %u %zu", &k, &i) == 2 && k < l->jobs && i < l->ntodo) {
				l->current[k] = i;
			} else if (sscanf(start, "+ %u", &k) == 1 && k < l->jobs) {
				l->current[k] = SIZE_MAX;
				l->finished++;
				if (l->o->progress)
					l->o->progress(l->o->progress_ctx, l->finished, l->ntodo, l->skipped);
			} else if (sscanf(start, "E %u %n", &k, &off) == 1 && off > 0 && !l->msg[0]) {
				snprintf(l->msg, l->msglen, "%s", start + off);
			}
			start = nl + 1;
		}
		l->have -= (size_t)(start - l->buf);
		memmove(l->buf, start, l->have);
		if (l->have == sizeof(l->buf) - 1)
			l->have = 0; /* not a line of ours: drop it */
	}
}

/*
 * The parent of jobs workers: forwards a stop request (SIGINT, SIGTERM) to
 * every worker, reports progress, and when a worker dies in the middle of a
 * run records that run as failed, names it, and starts a worker in its place
 * while runs are left. Returns 0, VL_EINTR, or the first failure.
 */
static int supervise(const struct vl_experiment *e, const struct vl_model **models,
                     const struct vl_exp_run *runs, const size_t *todo, size_t ntodo,
                     unsigned jobs, int64_t exp_id, const char *db_path,
                     const struct vl_exp_opts *o, size_t skipped, struct vl_err *err)
{
	pid_t pids[256];
	size_t current[256];   /* the todo index each worker is on, or SIZE_MAX */
	int fds[2], rc = 0, stopped = 0;
	unsigned alive = 0, crashed = 0;
	char crash_msg[sizeof(err->msg)] = "", msg[sizeof(err->msg)] = "";

	/* the next run to take, shared with the workers */
	size_t *next = mmap(NULL, sizeof(*next), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS,
	                    -1, 0);
	if (next == MAP_FAILED)
		return vl_err_set(err, VL_ENOMEM, "mmap: %s", strerror(errno));
	*next = 0;
	if (pipe(fds) != 0) {
		munmap(next, sizeof(*next));
		return vl_err_set(err, VL_EIO, "pipe: %s", strerror(errno));
	}
	for (unsigned k = 0; k < jobs; k++) {
		current[k] = SIZE_MAX;
		pids[k] = spawn(e, models, runs, todo, ntodo, k, next, exp_id, db_path, o, fds);
		if (pids[k] < 0) {
			rc = vl_err_set(err, VL_EIO, "fork: %s", strerror(errno));
			jobs = k;
			stopped = 1;
			break;
		}
		alive++;
	}
	struct lines l = {.current = current, .jobs = jobs, .ntodo = ntodo, .o = o,
	                  .skipped = skipped, .msg = msg, .msglen = sizeof(msg)};
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	while (alive) {
		if (o->stop && *o->stop && !stopped) {
			stopped = 1;
			for (unsigned k = 0; k < jobs; k++)
				if (pids[k] > 0)
					kill(pids[k], SIGTERM);
		}
		struct pollfd pfd = {.fd = fds[0], .events = POLLIN};
		poll(&pfd, 1, 200);
		drain(fds[0], &l);
		/* workers that ended */
		for (unsigned k = 0; k < jobs; k++) {
			int st;
			if (pids[k] <= 0 || waitpid(pids[k], &st, WNOHANG) != pids[k])
				continue;
			drain(fds[0], &l); /* what it wrote before it ended */
			pids[k] = 0;
			alive--;
			int code = WIFEXITED(st) ? -(int)(signed char)WEXITSTATUS(st) : 0;
			if (WIFEXITED(st) && (code == 0 || code == VL_EINTR)) {
				if (code && !rc)
					rc = vl_err_set(err, VL_EINTR, "interrupted");
				continue;
			}
			if (WIFEXITED(st) && msg[0]) {
				if (!rc || rc == VL_EINTR)
					rc = vl_err_set(err, code, "%s", msg);
				continue;
			}
			if (stopped && WIFSIGNALED(st) && (WTERMSIG(st) == SIGTERM || WTERMSIG(st) == SIGINT))
				continue;
			/* a crash: which run, how; the run is listed as failed and the rest goes on */
			char why[256];
			if (WIFSIGNALED(st))
				snprintf(why, sizeof(why), "the worker crashed: signal %d (%s)", WTERMSIG(st),
				         strsignal(WTERMSIG(st)));
			else
				snprintf(why, sizeof(why), "the worker died with exit status %d",
				         WEXITSTATUS(st));
			size_t i = current[k];
			if (i == SIZE_MAX) {
				if (!rc || rc == VL_EINTR)
					rc = vl_err_set(err, VL_EIO, "%s between runs", why);
				continue;
			}
			const struct vl_exp_run *r = &runs[todo[i]];
			struct vl_err rerr = {0};
			if (record_crash(e, models[r->s], r, exp_id, db_path, why, &rerr) && !rc)
				rc = vl_err_set(err, rerr.code, "%s", rerr.msg);
			if (!crashed++)
				snprintf(crash_msg, sizeof(crash_msg), "run %s: %s", r->label, why);
			current[k] = SIZE_MAX;
			if (!stopped && __atomic_load_n(next, __ATOMIC_RELAXED) < ntodo) {
				pids[k] = spawn(e, models, runs, todo, ntodo, k, next, exp_id, db_path, o, fds);
				if (pids[k] > 0)
					alive++;
				else if (!rc)
					rc = vl_err_set(err, VL_EIO, "fork: %s", strerror(errno));
			}
		}
	}
	close(fds[0]);
	close(fds[1]);
	munmap(next, sizeof(*next));
	if (!rc && stopped)
		rc = vl_err_set(err, VL_EINTR, "interrupted");
	if (crashed && (!rc || rc == VL_EINTR) && !stopped)
		rc = vl_err_set(err, VL_EIO, "%s; %u run%s recorded as failed, the others are done "
		                "('--resume' retries the failed)", crash_msg, crashed, crashed > 1 ? "s" : "");
	return rc;
}

/*
 * A run's expected length, for starting the longest runs first (a long run
 * started last keeps one worker busy while the others idle): its trace's
 * size in events, about half a byte's worth for a file (a binary trace
 * takes about two bytes an event), a hundred events an iteration of a
 * generator's (their iterations are tens to hundreds); three replays when
 * steady. Only the order depends on it, never a result.
 */
static double run_weight(const struct vl_experiment *e, const struct vl_exp_run *r)
{
	const struct vl_exp_workload *w = &e->w[r->w];
	double events = 1;
	struct stat st;

	if (strncmp(w->trace, "gen:", 4) != 0) {
		if (stat(w->trace, &st) == 0)
			events = (double)st.st_size / 2;
	} else {
		const char *colon = strchr(w->trace + 4, ':');
		char *end;
		events = colon ? strtod(colon + 1, &end) : 1e6;
		if (colon && *end == 'i')
			events *= 100;
	}
	return events * (w->steady ? 3 : 1);
}

struct weighted {
	double w;
	size_t i;
};

static int cmp_weighted(const void *a, const void *b)
{
	const struct weighted *x = a, *y = b;
	return x->w > y->w ? -1 : x->w < y->w ? 1 : x->i < y->i ? -1 : x->i > y->i;
}

/* Orders todo longest run first (ties: in the file's order). */
static int longest_first(const struct vl_experiment *e, const struct vl_exp_run *runs, size_t *todo,
                         size_t ntodo)
{
	struct weighted *w = malloc((ntodo ? ntodo : 1) * sizeof(*w));

	if (!w)
		return VL_ENOMEM;
	for (size_t k = 0; k < ntodo; k++)
		w[k] = (struct weighted){run_weight(e, &runs[todo[k]]), todo[k]};
	qsort(w, ntodo, sizeof(*w), cmp_weighted);
	for (size_t k = 0; k < ntodo; k++)
		todo[k] = w[k].i;
	free(w);
	return 0;
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
	if ((rc = open_db(db_path, &db, err)) || (o->resume && (rc = same_text(e, db, db_path, err))) ||
	    (rc = vl_db_experiment(db, e->name, e->file, e->text, &exp_id, err)))
		goto out;
	if (!o->resume) {
		if ((rc = forget(db, exp_id, runs, n, o, err)))
			goto out;
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
	if (longest_first(e, runs, todo, ntodo)) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
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
		if (jobs > 256)
			jobs = 256;
		vl_db_close(db); /* no connection may cross a fork */
		db = NULL;
		rc = supervise(e, models, runs, todo, ntodo, jobs, exp_id, db_path, o, skipped, err);
		/* what finished is summarized, also when a run crashed */
		struct vl_err serr = {0};
		if ((!rc || rc == VL_EIO) && !open_db(db_path, &db, &serr) &&
		    vl_exp_summarize(e, db, &serr) && !rc)
			rc = vl_err_set(err, serr.code, "%s", serr.msg);
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
	 * group so that each group's replications are consecutive. Simulated
	 * seconds live in the run row itself, not among its metrics.
	 */
	static const char sql[] =
		"WITH r AS (SELECT id, label, sim_seconds FROM run WHERE experiment_id = ?1 AND"
		"  status = 'ok')"
		" SELECT r.label, m.name, m.value FROM r JOIN metric m ON m.run_id = r.id"
		"  WHERE m.name IN ('sim_cycles', 'slowdown')"
		" UNION ALL"
		" SELECT r.label, 'sim_seconds', r.sim_seconds FROM r WHERE r.sim_seconds IS NOT NULL"
		" UNION ALL"
		" SELECT r.label, 'mech.' || b.mechanism, sum(b.cycles) FROM r"
		"  JOIN breakdown b ON b.run_id = r.id GROUP BY r.id, b.mechanism"
		" ORDER BY 1, 2";
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return vl_err_set(err, VL_EDB, "summary: %s", sqlite3_errmsg(h));
	sqlite3_stmt *del = NULL;
	int deleted = sqlite3_prepare_v2(h, "DELETE FROM summary WHERE experiment_id = ?1", -1, &del,
	                                 NULL) == SQLITE_OK &&
	              sqlite3_bind_int64(del, 1, id) == SQLITE_OK && sqlite3_step(del) == SQLITE_DONE;
	sqlite3_finalize(del);
	if (!deleted || sqlite3_prepare_v2(h, sql, -1, &q, NULL) != SQLITE_OK ||
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
