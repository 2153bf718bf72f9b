/* The testbed's tables in the results database (docs/results-schema.md). */
#include <stdarg.h>
#include <sqlite3.h>
#include <string.h>

#include "sim/version.h"
#include "testbed/testbed.h"

static const char schema[] =
	"CREATE TABLE IF NOT EXISTS calibration("
	"  id INTEGER PRIMARY KEY, started TEXT NOT NULL, host TEXT NOT NULL, quick INTEGER NOT NULL,"
	"  tsc_hz REAL NOT NULL, kvm_kind TEXT NOT NULL, kvm_label TEXT, version TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS calib_sample("
	"  calibration_id INTEGER NOT NULL REFERENCES calibration(id) ON DELETE CASCADE,"
	"  backend TEXT NOT NULL, env TEXT NOT NULL, bench TEXT NOT NULL, idx INTEGER NOT NULL,"
	"  ns REAL NOT NULL, cycles REAL NOT NULL, ops INTEGER NOT NULL,"
	"  PRIMARY KEY (calibration_id, env, bench, idx));"
	"CREATE TABLE IF NOT EXISTS calib_summary("
	"  calibration_id INTEGER NOT NULL REFERENCES calibration(id) ON DELETE CASCADE,"
	"  backend TEXT NOT NULL, env TEXT NOT NULL, bench TEXT NOT NULL, n INTEGER NOT NULL,"
	"  median_ns REAL NOT NULL, lo_ns REAL NOT NULL, hi_ns REAL NOT NULL,"
	"  median_cycles REAL NOT NULL, PRIMARY KEY (calibration_id, env, bench));"
	"CREATE TABLE IF NOT EXISTS calib_kvm("
	"  calibration_id INTEGER NOT NULL REFERENCES calibration(id) ON DELETE CASCADE,"
	"  bench TEXT NOT NULL, mode TEXT NOT NULL, ok INTEGER NOT NULL, iters INTEGER NOT NULL,"
	"  cycles REAL, ns REAL, exits INTEGER, io_exits INTEGER, mmio_exits INTEGER,"
	"  halt_exits INTEGER, insn_emulation INTEGER, pf_taken INTEGER, user_exits INTEGER,"
	"  guest_gp INTEGER, guest_pf INTEGER, outcome TEXT, error TEXT,"
	"  PRIMARY KEY (calibration_id, bench, mode));"
	"CREATE TABLE IF NOT EXISTS calib_skip("
	"  calibration_id INTEGER NOT NULL REFERENCES calibration(id) ON DELETE CASCADE,"
	"  backend TEXT NOT NULL, env TEXT NOT NULL, reason TEXT NOT NULL);"
	"CREATE TABLE IF NOT EXISTS validation("
	"  calibration_id INTEGER NOT NULL REFERENCES calibration(id) ON DELETE CASCADE,"
	"  workload TEXT NOT NULL, env TEXT NOT NULL, model TEXT NOT NULL, profile TEXT NOT NULL,"
	"  unit TEXT NOT NULL, measured REAL, predicted REAL, error REAL, native_ns REAL,"
	"  env_ns REAL, ok INTEGER NOT NULL, note TEXT, fitted INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (calibration_id, workload, env));";

/* A validation table written before rows said whether they were fitted
 * gains the column (0 for its old rows: unknown, not predicted). */
static int add_fitted(sqlite3 *h)
{
	sqlite3_stmt *st;
	int have = 0;

	if (sqlite3_prepare_v2(h, "SELECT 1 FROM pragma_table_info('validation') WHERE "
	                       "name = 'fitted'", -1, &st, NULL) != SQLITE_OK)
		return -1;
	have = sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	if (have)
		return 0;
	return sqlite3_exec(h, "ALTER TABLE validation ADD COLUMN fitted INTEGER NOT NULL "
	                    "DEFAULT 0", NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

static int fail(sqlite3 *h, struct vl_err *err, const char *what)
{
	vl_err_set(err, VL_EDB, "results database: %s: %s", what, sqlite3_errmsg(h));
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return err->code;
}

/* Binds the values described by fmt (t text, i int64, d double) and steps. */
static int row(sqlite3 *h, sqlite3_stmt *st, const char *fmt, ...)
{
	va_list ap;
	int i = 1;

	sqlite3_reset(st);
	va_start(ap, fmt);
	for (const char *f = fmt; *f; f++, i++) {
		if (*f == 't')
			sqlite3_bind_text(st, i, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
		else if (*f == 'i')
			sqlite3_bind_int64(st, i, va_arg(ap, long long));
		else
			sqlite3_bind_double(st, i, va_arg(ap, double));
	}
	va_end(ap);
	(void)h;
	return sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
}

int vl_tb_record(struct vl_db *db, const struct vl_tb_calib *c, int64_t *id, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	sqlite3_stmt *st = NULL;
	const char *what = "schema";

	if (sqlite3_exec(h, schema, NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, err, what);
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, err, "begin");
	what = "calibration";
	if (sqlite3_prepare_v2(h, "INSERT INTO calibration(started, host, quick, tsc_hz, kvm_kind, "
	                       "kvm_label, version) VALUES (?,?,?,?,?,?,?)", -1, &st, NULL) ||
	    row(h, st, "ttidttt", c->started, c->host, (long long)c->quick, c->tsc_hz,
	        vl_kvm_kind_name(c->kvm.kind), c->kvm.kind ? c->kvm.label : c->kvm.reason,
	        VL_VERSION))
		goto out_fail;
	sqlite3_finalize(st);
	*id = sqlite3_last_insert_rowid(h);

	what = "calib_sample";
	if (sqlite3_prepare_v2(h, "INSERT INTO calib_sample VALUES (?,?,?,?,?,?,?,?)", -1, &st, NULL))
		goto out_fail;
	for (size_t i = 0; i < c->nsamples; i++) {
		const struct vl_tb_sample *s = &c->samples[i];
		/* samples of one (env, bench) are numbered in arrival order */
		long long n = 0;
		for (size_t j = 0; j < i; j++)
			n += !strcmp(c->samples[j].env, s->env) && !strcmp(c->samples[j].bench, s->bench);
		if (row(h, st, "itttiddi", (long long)*id, s->backend, s->env, s->bench, n, s->ns,
		        s->cycles, (long long)s->ops))
			goto out_fail;
	}
	sqlite3_finalize(st);

	what = "calib_summary";
	if (sqlite3_prepare_v2(h, "INSERT INTO calib_summary VALUES (?,?,?,?,?,?,?,?,?)", -1, &st,
	                       NULL))
		goto out_fail;
	for (size_t i = 0; i < c->nsums; i++) {
		const struct vl_tb_summary *s = &c->sums[i];
		if (row(h, st, "itttidddd", (long long)*id, s->backend, s->env, s->bench,
		        (long long)s->n, s->median_ns, s->lo_ns, s->hi_ns, s->median_cycles))
			goto out_fail;
	}
	sqlite3_finalize(st);

	what = "calib_kvm";
	if (sqlite3_prepare_v2(h, "INSERT INTO calib_kvm VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
	                       -1, &st, NULL))
		goto out_fail;
	for (size_t i = 0; i < c->nkvm; i++) {
		const struct vl_tb_kvm *k = &c->kvmres[i];
		const struct vl_kvm_counts *n = &k->r.c;
		if (row(h, st, "ittiiddiiiiiiiiitt", (long long)*id, vl_gbench[k->bench].name,
		        k->user ? "user" : "kernel", (long long)k->ok, (long long)k->r.iters, k->cycles,
		        k->ns, (long long)n->exits, (long long)n->io_exits, (long long)n->mmio_exits,
		        (long long)n->halt_exits, (long long)n->insn_emulation, (long long)n->pf_taken,
		        (long long)n->user_exits, (long long)n->guest_gp, (long long)n->guest_pf,
		        k->outcome, k->error))
			goto out_fail;
	}
	sqlite3_finalize(st);

	what = "calib_skip";
	if (sqlite3_prepare_v2(h, "INSERT INTO calib_skip VALUES (?,?,?,?)", -1, &st, NULL))
		goto out_fail;
	for (size_t i = 0; i < c->nskips; i++)
		if (row(h, st, "ittt", (long long)*id, c->skips[i].backend, c->skips[i].env,
		        c->skips[i].reason))
			goto out_fail;
	sqlite3_finalize(st);
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, err, "commit");
	return 0;
out_fail:
	sqlite3_finalize(st);
	return fail(h, err, what);
}

int vl_tb_record_validation(struct vl_db *db, int64_t calib_id, const struct vl_tb_validation *v,
                            struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	sqlite3_stmt *st = NULL;

	if (sqlite3_exec(h, schema, NULL, NULL, NULL) != SQLITE_OK || add_fitted(h))
		return fail(h, err, "schema");
	if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, err, "begin");
	if (sqlite3_prepare_v2(h, "INSERT OR REPLACE INTO validation (calibration_id, workload, env, "
	                       "model, profile, unit, measured, predicted, error, native_ns, env_ns, "
	                       "ok, note, fitted) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)", -1, &st, NULL))
		goto out_fail;
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vl_tb_valrow *r = &v->rows[i];
		if (row(h, st, "ittttt" "ddddd" "iti", (long long)calib_id, r->workload, r->env, r->model,
		        r->profile, r->unit, r->measured, r->predicted, r->error, r->native_ns, r->env_ns,
		        (long long)r->ok, r->note, (long long)r->fitted))
			goto out_fail;
	}
	sqlite3_finalize(st);
	if (sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
		return fail(h, err, "commit");
	return 0;
out_fail:
	sqlite3_finalize(st);
	return fail(h, err, "validation");
}
