/*
 * virtlab runs: the runs of a results database as a table.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/recorder.h"

static void help(void)
{
	printf("usage: virtlab runs [--db F] [--limit N]\n\n"
	       "Prints the recorded runs: model, profile, trace, simulated cycles and\n"
	       "slowdown against native, newest last.\n\n"
	       "  --db F      results database (default " VL_DEFAULT_DB ")\n"
	       "  --limit N   the last N runs only\n");
}

int cmd_runs(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"limit", required_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = VL_DEFAULT_DB;
	uint64_t limit = UINT32_MAX;
	struct vl_err err = {0};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'l':
			if (cli_parse_u64(optarg, &limit))
				return cli_usage_error("runs", "--limit '%s' is not a number", optarg);
			break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("runs", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("runs", "unexpected argument '%s'", argv[optind]);
	if (access(path, F_OK) != 0) {
		fprintf(stderr, "virtlab: %s: no such results database\n", path);
		return EXIT_USAGE;
	}
	struct vl_db *db;
	if (vl_db_open_ro(&db, path, &err))
		return cli_fail(&err);
	sqlite3_stmt *st;
	const char *sql =
		"SELECT id, model, coalesce(profile, host_profile), trace, sim_cycles,"
		" (SELECT value FROM metric WHERE run_id = run.id AND name = 'slowdown'), status"
		" FROM (SELECT * FROM run ORDER BY id DESC LIMIT ?1) AS run ORDER BY id";
	if (sqlite3_prepare_v2(vl_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "virtlab: %s: %s\n", path, sqlite3_errmsg(vl_db_handle(db)));
		vl_db_close(db);
		return EXIT_FAIL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	printf("%5s  %-9s %-16s %-34s %18s %9s\n", "run", "model", "profile", "trace",
	       "sim cycles", "slowdown");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char num[32], slow[16] = "-";
		const char *trace = (const char *)sqlite3_column_text(st, 3);
		size_t tl = strlen(trace);
		if (sqlite3_column_type(st, 5) != SQLITE_NULL)
			snprintf(slow, sizeof(slow), "%.3fx", sqlite3_column_double(st, 5));
		printf("%5lld  %-9s %-16s %-34s %18s %9s%s%s\n", sqlite3_column_int64(st, 0),
		       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		       tl > 34 ? trace + tl - 34 : trace,
		       cli_num((uint64_t)sqlite3_column_int64(st, 4), num, sizeof(num)), slow,
		       strcmp((const char *)sqlite3_column_text(st, 6), "ok") ? "  " : "",
		       strcmp((const char *)sqlite3_column_text(st, 6), "ok")
		           ? (const char *)sqlite3_column_text(st, 6) : "");
	}
	sqlite3_finalize(st);
	vl_db_close(db);
	return EXIT_OK;
}
