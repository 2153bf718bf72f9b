/*
 * SQLite recorder: schema creation and one transaction per run. Prepared
 * statements are reused across rows; nothing is written outside BEGIN/COMMIT.
 */
#include <errno.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "sim/recorder.h"
#include "sim/version.h"

struct vl_db {
	sqlite3 *h;
	char path[1024];
	char host[256];
};

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS experiment("
	"  id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, file TEXT, config TEXT,"
	"  created TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS run("
	"  id INTEGER PRIMARY KEY,"
	"  experiment_id INTEGER REFERENCES experiment(id),"
	"  label TEXT,"
	"  model TEXT NOT NULL, profile TEXT, host_profile TEXT,"
	"  trace TEXT NOT NULL, trace_hash TEXT NOT NULL,"
	"  seed INTEGER NOT NULL, replication INTEGER NOT NULL,"
	"  version TEXT NOT NULL, host TEXT NOT NULL,"
	"  status TEXT NOT NULL CHECK (status IN ('ok', 'failed')), error TEXT,"
	"  started TEXT NOT NULL, wall_s REAL NOT NULL,"
	"  sim_cycles INTEGER, sim_seconds REAL);"
	"CREATE TABLE IF NOT EXISTS param("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  scope TEXT NOT NULL, name TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, scope, name));"
	"CREATE TABLE IF NOT EXISTS metric("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  name TEXT NOT NULL, value REAL NOT NULL, unit TEXT NOT NULL,"
	"  PRIMARY KEY (run_id, name));"
	"CREATE TABLE IF NOT EXISTS event_count("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  event TEXT NOT NULL, count INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, event));"
	"CREATE TABLE IF NOT EXISTS breakdown("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  event TEXT NOT NULL, mechanism TEXT NOT NULL,"
	"  count INTEGER NOT NULL, cycles INTEGER NOT NULL,"
	"  PRIMARY KEY (run_id, event, mechanism));"
	"CREATE TABLE IF NOT EXISTS series("
	"  run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,"
	"  t_cycles INTEGER NOT NULL, name TEXT NOT NULL, value REAL NOT NULL,"
	"  PRIMARY KEY (run_id, t_cycles, name));"
	"CREATE TABLE IF NOT EXISTS summary("
	"  experiment_id INTEGER NOT NULL REFERENCES experiment(id) ON DELETE CASCADE,"
	"  workload TEXT NOT NULL, system TEXT NOT NULL, point TEXT NOT NULL,"
	"  metric TEXT NOT NULL, n INTEGER NOT NULL, mean REAL NOT NULL, sd REAL NOT NULL,"
	"  ci_lo REAL NOT NULL, ci_hi REAL NOT NULL,"
	"  PRIMARY KEY (experiment_id, workload, system, point, metric));"
	"CREATE INDEX IF NOT EXISTS run_experiment ON run(experiment_id, label);"
	"INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '2');";

static int db_fail(struct vl_db *db, struct vl_err *err, const char *what)
{
	return vl_err_set(err, VL_EDB, "%s: %s: %s", db->path, what, sqlite3_errmsg(db->h));
}

/*
 * Whether db is a results database of this schema version (*empty: a new,
 * empty file), reading only: a file of anything else is refused before a
 * byte of it is written.
 */
static int check_schema(struct vl_db *db, int *empty, struct vl_err *err)
{
	sqlite3_stmt *st;
	int rc;

	*empty = 0;
	if (sqlite3_prepare_v2(db->h, "SELECT count(*) FROM sqlite_master", -1, &st, NULL) != SQLITE_OK)
		return vl_err_set(err, sqlite3_errcode(db->h) == SQLITE_BUSY ? VL_EDB : VL_EINVAL,
		                  "%s: not a virtlab results database (%s): give another --db",
		                  db->path, sqlite3_errmsg(db->h));
	rc = sqlite3_step(st);
	*empty = rc == SQLITE_ROW && sqlite3_column_int(st, 0) == 0;
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return vl_err_set(err, rc == SQLITE_NOTADB ? VL_EINVAL : VL_EDB,
		                  "%s: not a virtlab results database (%s): give another --db", db->path,
		                  sqlite3_errmsg(db->h));
	if (*empty)
		return 0;
	const char *v = NULL;
	if (sqlite3_prepare_v2(db->h, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &st,
	                       NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = (const char *)sqlite3_column_text(st, 0);
	if (!v) {
		sqlite3_finalize(st);
		return vl_err_set(err, VL_EINVAL, "%s: an SQLite database, but not a virtlab results "
		                  "database (no schema version in its meta table): left as it is; give "
		                  "another --db", db->path);
	}
	char *end;
	long version = strtol(v, &end, 10);
	if (*end || version != VL_SCHEMA_VERSION) {
		vl_err_set(err, VL_EVERSION, "%s: results schema version '%s'; this virtlab reads and "
		           "writes version %d: left as it is; read it with the virtlab that wrote it "
		           "(its 'virtlab export' prints every run), and give this one another --db",
		           db->path, v, VL_SCHEMA_VERSION);
		sqlite3_finalize(st);
		return err->code;
	}
	sqlite3_finalize(st);
	return 0;
}

static int db_new(struct vl_db **out, const char *path, struct vl_err *err)
{
	struct vl_db *db = calloc(1, sizeof(*db));
	struct utsname u;

	*out = NULL;
	if (!db)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	snprintf(db->path, sizeof(db->path), "%s", path);
	if (uname(&u) == 0)
		snprintf(db->host, sizeof(db->host), "%s %s", u.nodename, u.machine);
	else
		snprintf(db->host, sizeof(db->host), "unknown");
	*out = db;
	return 0;
}

int vl_db_open(struct vl_db **out, const char *path, struct vl_err *err)
{
	struct vl_db *db;
	char *msg = NULL;
	int empty;

	if (db_new(&db, path, err))
		return err->code;
	int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (rc != SQLITE_OK) {
		vl_err_set(err, VL_EDB, "%s: cannot open the results database: %s", path,
		           db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		goto out_fail;
	}
	sqlite3_busy_timeout(db->h, 10000);
	if (check_schema(db, &empty, err))
		goto out_fail;
	if (sqlite3_exec(db->h, "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"
	                        "PRAGMA foreign_keys=ON;", NULL, NULL, &msg) != SQLITE_OK ||
	    sqlite3_exec(db->h, schema, NULL, NULL, &msg) != SQLITE_OK) {
		vl_err_set(err, VL_EDB, "%s: cannot use as a results database: %s", path,
		           msg ? msg : sqlite3_errmsg(db->h));
		sqlite3_free(msg);
		goto out_fail;
	}
	*out = db;
	return 0;

out_fail:
	sqlite3_close(db->h);
	free(db);
	return err->code;
}

int vl_db_open_ro(struct vl_db **out, const char *path, struct vl_err *err)
{
	struct vl_db *db;
	int empty;

	if (db_new(&db, path, err))
		return err->code;
	int rc = sqlite3_open_v2(path, &db->h, SQLITE_OPEN_READONLY, NULL);
	if (rc != SQLITE_OK) {
		vl_err_set(err, rc == SQLITE_CANTOPEN ? VL_EINVAL : VL_EDB, "%s: cannot open the results "
		           "database: %s", path, db->h ? sqlite3_errmsg(db->h) : sqlite3_errstr(rc));
		goto out_fail;
	}
	sqlite3_busy_timeout(db->h, 10000);
	if (check_schema(db, &empty, err))
		goto out_fail;
	if (empty) {
		vl_err_set(err, VL_EINVAL, "%s: an empty file, not a results database", path);
		goto out_fail;
	}
	sqlite3_exec(db->h, "PRAGMA query_only=1", NULL, NULL, NULL);
	*out = db;
	return 0;

out_fail:
	sqlite3_close(db->h);
	free(db);
	return err->code;
}

void vl_db_close(struct vl_db *db)
{
	if (!db)
		return;
	sqlite3_close(db->h);
	free(db);
}

sqlite3 *vl_db_handle(struct vl_db *db)
{
	return db->h;
}

static void iso_time(time_t t, char *buf, size_t len)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int vl_db_experiment(struct vl_db *db, const char *name, const char *file, const char *config,
                     int64_t *id, struct vl_err *err)
{
	sqlite3_stmt *st = NULL;
	char now[32];
	int rc;

	iso_time(time(NULL), now, sizeof(now));
	if (sqlite3_prepare_v2(db->h,
	                       "INSERT INTO experiment(name, file, config, created)"
	                       " VALUES (?1, ?2, ?3, ?4)"
	                       " ON CONFLICT(name) DO UPDATE SET file = excluded.file,"
	                       " config = excluded.config RETURNING id", -1, &st, NULL) != SQLITE_OK)
		return db_fail(db, err, "experiment");
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, config, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : db_fail(db, err, "experiment");
}

/* Steps and resets a prepared insert; returns SQLite's code. */
static int step(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int insert_run(struct vl_db *db, const struct vl_run_info *in,
                      const struct vl_run_data *d, int64_t *run_id)
{
	static const char sql[] =
		"INSERT INTO run(experiment_id, label, model, profile, host_profile, trace,"
		" trace_hash, seed, replication, version, host, status, error, started, wall_s,"
		" sim_cycles, sim_seconds)"
		" VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)";
	sqlite3_stmt *st;
	char hash[17], started[32];
	const struct vl_config *c = d->cfg;

	if (sqlite3_prepare_v2(db->h, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	snprintf(hash, sizeof(hash), "%016llx", (unsigned long long)in->trace_hash);
	iso_time(in->started, started, sizeof(started));
	if (in->experiment_id)
		sqlite3_bind_int64(st, 1, in->experiment_id);
	sqlite3_bind_text(st, 2, in->label, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c ? c->model->name : "?", -1, SQLITE_STATIC);
	if (c && c->profile)
		sqlite3_bind_text(st, 4, c->profile->name, -1, SQLITE_STATIC);
	if (c && c->hostprof)
		sqlite3_bind_text(st, 5, c->hostprof->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, in->trace, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, hash, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)in->seed);
	sqlite3_bind_int(st, 9, (int)in->replication);
	sqlite3_bind_text(st, 10, VL_VERSION, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, db->host, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 12, in->status, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 13, in->error, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 14, started, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 15, in->wall_s);
	if (d->stats && c) {
		sqlite3_bind_int64(st, 16, (sqlite3_int64)d->stats->end_cycles);
		sqlite3_bind_double(st, 17, (double)d->stats->end_cycles / c->host.v[VL_H_CLOCK_HZ]);
	}
	int rc = step(st);
	sqlite3_finalize(st);
	*run_id = sqlite3_last_insert_rowid(db->h);
	return rc;
}

static int insert_params(struct vl_db *db, int64_t run, const struct vl_config *c)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO param VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st,
	                       NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_text(st, 2, "host", -1, SQLITE_STATIC);
	for (int i = 0; i < VL_H__COUNT && rc == SQLITE_OK; i++) {
		sqlite3_bind_text(st, 3, vl_host_params[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, c->host.v[i]);
		sqlite3_bind_text(st, 5, vl_host_params[i].unit, -1, SQLITE_STATIC);
		rc = step(st);
	}
	sqlite3_bind_text(st, 2, c->model->name, -1, SQLITE_STATIC);
	for (size_t i = 0; i < c->model->nparams && rc == SQLITE_OK; i++) {
		sqlite3_bind_text(st, 3, c->model->params[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, c->v[i]);
		sqlite3_bind_text(st, 5, c->model->params[i].unit, -1, SQLITE_STATIC);
		rc = step(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static int insert_metrics(struct vl_db *db, int64_t run, const struct vl_run_data *d)
{
	const struct vl_sim_stats *s = d->stats;
	const struct vl_breakdown *b = d->bd;
	const struct vl_metric base[] = {
		{"sim_cycles", (double)s->end_cycles, "cycles"},
		{"events", (double)s->events, "count"},
		{"insns", b ? (double)b->insns : 0, "count"},
		{"guest_cycles", b ? (double)b->cycles : 0, "cycles"},
		{"holes", b ? (double)b->holes : 0, "count"},
		{"busy_cycles", (double)s->busy_cycles, "cycles"},
		{"idle_cycles", (double)s->idle_cycles, "cycles"},
		{"switches", (double)s->switches, "count"},
		{"batches", (double)s->batches, "count"},
		{"disk_requests", (double)s->io_requests[0], "count"},
		{"net_requests", (double)s->io_requests[1], "count"},
		{"disk_bytes", (double)s->io_bytes[0], "bytes"},
		{"net_bytes", (double)s->io_bytes[1], "bytes"},
		{"io_wait_cycles", (double)s->io_wait_cycles, "cycles"},
		{"irqs", (double)s->irqs, "count"},
	};
	sqlite3_stmt *st;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO metric VALUES (?1, ?2, ?3, ?4)", -1, &st,
	                       NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, run);
	for (size_t i = 0; i < sizeof(base) / sizeof(base[0]) + d->nmetrics && rc == SQLITE_OK;
	     i++) {
		const struct vl_metric *m = i < sizeof(base) / sizeof(base[0])
		                                ? &base[i] : &d->metrics[i - sizeof(base) / sizeof(base[0])];
		sqlite3_bind_text(st, 2, m->name, -1, SQLITE_TRANSIENT);
		sqlite3_bind_double(st, 3, m->value);
		sqlite3_bind_text(st, 4, m->unit, -1, SQLITE_STATIC);
		rc = step(st);
	}
	sqlite3_finalize(st);
	return rc;
}

static const char *row_name(int row)
{
	return row == VL_ROW_FINISH ? "(finish)" : vl_evdesc[row].name;
}

static int insert_breakdown(struct vl_db *db, int64_t run, const struct vl_breakdown *b)
{
	sqlite3_stmt *st, *ec;
	int rc = SQLITE_OK;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO breakdown VALUES (?1, ?2, ?3, ?4, ?5)", -1, &st,
	                       NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	if (sqlite3_prepare_v2(db->h, "INSERT INTO event_count VALUES (?1, ?2, ?3)", -1, &ec,
	                       NULL) != SQLITE_OK) {
		sqlite3_finalize(st);
		return SQLITE_ERROR;
	}
	sqlite3_bind_int64(st, 1, run);
	sqlite3_bind_int64(ec, 1, run);
	for (int e = 0; e < VL_ROWS && rc == SQLITE_OK; e++) {
		if (!b->events[e])
			continue;
		sqlite3_bind_text(ec, 2, row_name(e), -1, SQLITE_STATIC);
		sqlite3_bind_int64(ec, 3, (sqlite3_int64)b->events[e]);
		rc = step(ec);
		for (int m = 0; m < VL_MECH__COUNT && rc == SQLITE_OK; m++) {
			const struct vl_cell *c = &b->cell[e][m];
			if (!c->count)
				continue;
			sqlite3_bind_text(st, 2, row_name(e), -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 3, vl_mechdesc[m].name, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 4, (sqlite3_int64)c->count);
			sqlite3_bind_int64(st, 5, (sqlite3_int64)c->cycles);
			rc = step(st);
		}
	}
	sqlite3_finalize(st);
	sqlite3_finalize(ec);
	return rc;
}

static int insert_series(struct vl_db *db, int64_t run, const struct vl_sample *s, size_t n)
{
	sqlite3_stmt *st;
	int rc = SQLITE_OK;
	uint64_t last_t = UINT64_MAX;

	if (sqlite3_prepare_v2(db->h, "INSERT INTO series VALUES (?1, ?2, ?3, ?4)", -1, &st,
	                       NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, run);
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		if (s[i].t_cycles == last_t) /* the end sample may repeat the last one */
			continue;
		last_t = s[i].t_cycles;
		sqlite3_bind_int64(st, 2, (sqlite3_int64)s[i].t_cycles);
		sqlite3_bind_text(st, 3, "events", -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, (double)s[i].events);
		rc = step(st);
		sqlite3_bind_text(st, 3, "insns", -1, SQLITE_STATIC);
		sqlite3_bind_double(st, 4, (double)s[i].insns);
		if (rc == SQLITE_OK)
			rc = step(st);
		for (int m = 0; m < VL_MECH__COUNT && rc == SQLITE_OK; m++) {
			if (!s[i].mech_cycles[m])
				continue;
			sqlite3_bind_text(st, 3, vl_mechdesc[m].name, -1, SQLITE_STATIC);
			sqlite3_bind_double(st, 4, (double)s[i].mech_cycles[m]);
			rc = step(st);
		}
	}
	sqlite3_finalize(st);
	return rc;
}

int vl_db_record_run(struct vl_db *db, const struct vl_run_info *info,
                     const struct vl_run_data *d, int64_t *run_id, struct vl_err *err)
{
	int64_t id = 0;
	int rc;

	if (sqlite3_exec(db->h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(db, err, "cannot begin a transaction");
	/* an experiment's run is recorded once: a second process running it gets refused */
	if (info->experiment_id && info->label && !strcmp(info->status, "ok")) {
		sqlite3_stmt *st;
		int found = -1;
		if (sqlite3_prepare_v2(db->h, "SELECT 1 FROM run WHERE experiment_id = ?1 AND label = ?2 "
		                       "AND status = 'ok'", -1, &st, NULL) == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, info->experiment_id);
			sqlite3_bind_text(st, 2, info->label, -1, SQLITE_STATIC);
			rc = sqlite3_step(st);
			found = rc == SQLITE_ROW ? 1 : rc == SQLITE_DONE ? 0 : -1;
			sqlite3_finalize(st);
		}
		if (found) {
			if (found < 0)
				db_fail(db, err, "cannot record the run");
			else
				vl_err_set(err, VL_EDB, "%s: run %s is recorded already (is another process "
				           "running this experiment into the same database?)", db->path,
				           info->label);
			sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
			return err->code;
		}
	}
	rc = insert_run(db, info, d, &id);
	if (rc == SQLITE_OK && d->cfg)
		rc = insert_params(db, id, d->cfg);
	if (rc == SQLITE_OK && d->stats)
		rc = insert_metrics(db, id, d);
	if (rc == SQLITE_OK && d->bd)
		rc = insert_breakdown(db, id, d->bd);
	if (rc == SQLITE_OK && d->series)
		rc = insert_series(db, id, d->series, d->nseries);
	if (rc != SQLITE_OK) {
		db_fail(db, err, "cannot record the run");
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return err->code;
	}
	if (sqlite3_exec(db->h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		db_fail(db, err, "cannot commit the run");
		sqlite3_exec(db->h, "ROLLBACK", NULL, NULL, NULL);
		return err->code;
	}
	if (run_id)
		*run_id = id;
	return 0;
}
