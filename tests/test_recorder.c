/*
 * The results database: a run is all there or not there at all.
 */
#include <string.h>
#include <unistd.h>

#include "experiments/runner.h"
#include "models/native/native.h"
#include "sim/recorder.h"
#include "tests/util.h"

static long long count(struct vl_db *db, const char *sql)
{
	sqlite3_stmt *st;
	long long n = -1;

	if (sqlite3_prepare_v2(vl_db_handle(db), sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void test_recorder_records_whole_run(void)
{
	const char *path = t_path("rec.db");
	struct vl_db *db;
	struct vl_err err = {0};
	struct vl_run_spec spec = {.trace = "traces/samples/hello.vlt", .model = &vl_model_native,
	                           .seed = 3, .baseline = 1};
	struct vl_run_result res;

	unlink(path);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, path, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_run(&spec, db, &res, &err), 0);
	CU_ASSERT(res.run_id > 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run WHERE status = 'ok'"), 1);
	CU_ASSERT_EQUAL(count(db, "SELECT seed FROM run"), 3);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM param WHERE scope = 'host'"), VL_H__COUNT);
	CU_ASSERT_EQUAL(count(db, "SELECT sum(cycles) FROM breakdown"), (long long)res.bd.cycles);
	CU_ASSERT_EQUAL(count(db, "SELECT count FROM event_count WHERE event = 'syscall'"), 4);
	CU_ASSERT_EQUAL(count(db, "SELECT value FROM metric WHERE name = 'slowdown'"), 1);
	CU_ASSERT_EQUAL(count(db, "SELECT sim_cycles FROM run"), (long long)res.stats.end_cycles);
	CU_ASSERT(count(db, "SELECT count(*) FROM series") >= 2);
	CU_ASSERT_EQUAL(count(db, "SELECT length(trace_hash) FROM run"), 16);
	vl_run_result_release(&res);
	vl_db_close(db);
}

static void test_recorder_failure_leaves_no_rows(void)
{
	const char *path = t_path("rollback.db");
	struct vl_db *db;
	struct vl_err err = {0};
	struct vl_run_spec spec = {.trace = "traces/samples/aa-syscall.vlt",
	                           .model = &vl_model_native, .seed = 1};
	struct vl_run_result res;

	unlink(path);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, path, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_run(&spec, NULL, &res, &err), 0);
	/* Two metrics with one name: the second insert fails half way through. */
	struct vl_metric dup[2] = {{"same", 1, "count"}, {"same", 2, "count"}};
	struct vl_run_info info = {.trace = "t", .status = "ok", .seed = 1};
	struct vl_run_data data = {.cfg = &res.cfg, .stats = &res.stats, .bd = &res.bd,
	                           .metrics = dup, .nmetrics = 2};
	int64_t id;
	CU_ASSERT_EQUAL(vl_db_record_run(db, &info, &data, &id, &err), VL_EDB);
	T_ASSERT_STR_CONTAINS(err.msg, "cannot record the run");
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM param"), 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM metric"), 0);
	/* and the database still works afterwards */
	data.nmetrics = 1;
	CU_ASSERT_EQUAL(vl_db_record_run(db, &info, &data, &id, &err), 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 1);
	vl_run_result_release(&res);
	vl_db_close(db);
}

static void test_recorder_failed_run_records_nothing(void)
{
	const char *path = t_path("badtrace.db");
	const char *trace = t_write("bad.vlt", "vlt 1\nuser 10\nuser 10\nvmexit2\n");
	struct vl_db *db;
	struct vl_err err = {0};
	struct vl_run_spec spec = {.trace = trace, .model = &vl_model_native, .seed = 1,
	                           .baseline = 1};
	struct vl_run_result res;

	unlink(path);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, path, &err), 0);
	CU_ASSERT_EQUAL(vl_run(&spec, db, &res, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "bad.vlt:4: unknown event 'vmexit2'");
	vl_run_result_release(&res);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM breakdown"), 0);
	vl_db_close(db);
}

static void test_recorder_unwritable_path(void)
{
	struct vl_db *db;
	struct vl_err err = {0};

	CU_ASSERT_EQUAL(vl_db_open(&db, "/nonexistent-dir/results.db", &err), VL_EDB);
	T_ASSERT_STR_CONTAINS(err.msg, "/nonexistent-dir/results.db: cannot open the results database");
	/* a directory is not a database either */
	CU_ASSERT_EQUAL(vl_db_open(&db, "/tmp", &err), VL_EDB);
	T_ASSERT_STR_CONTAINS(err.msg, "/tmp: ");
	/* nor is a text file: invalid input, refused untouched */
	const char *txt = t_write("notadb.db", "this is not SQLite\n");
	CU_ASSERT_EQUAL(vl_db_open(&db, txt, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "not a virtlab results database");
}

static void test_recorder_schema_version(void)
{
	const char *path = t_path("schema.db");
	struct vl_db *db;
	struct vl_err err = {0};
	int64_t a, b;

	unlink(path);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, path, &err), 0);
	CU_ASSERT_EQUAL(vl_db_experiment(db, "exp", "x.ini", "[experiment]", &a, &err), 0);
	CU_ASSERT_EQUAL(vl_db_experiment(db, "exp", "x.ini", "[experiment]", &b, &err), 0);
	CU_ASSERT_EQUAL(a, b);
	sqlite3_exec(vl_db_handle(db), "UPDATE meta SET value = '99' WHERE key = 'schema_version'",
	             NULL, NULL, NULL);
	vl_db_close(db);
	CU_ASSERT_EQUAL(vl_db_open(&db, path, &err), VL_EVERSION);
	T_ASSERT_STR_CONTAINS(err.msg, "results schema version '99'");
}

void suite_recorder(void)
{
	static const struct t_case cases[] = {
		{"recorder_records_whole_run", test_recorder_records_whole_run},
		{"recorder_failure_leaves_no_rows", test_recorder_failure_leaves_no_rows},
		{"recorder_failed_run_records_nothing", test_recorder_failed_run_records_nothing},
		{"recorder_unwritable_path", test_recorder_unwritable_path},
		{"recorder_schema_version", test_recorder_schema_version},
		{NULL, NULL},
	};
	t_add_suite("recorder", cases);
}
