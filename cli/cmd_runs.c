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
	       "Prints the recorded runs: model, profile, host, trace, simulated cycles,\n"
	       "slowdown against native, and the parameters that tell a run apart from\n"
	       "the other listed runs of its model, profile and host (NAME=VALUE, the\n"
	       "host's as host.NAME), newest last.\n\n"
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
	sqlite3_stmt *st, *dp;
	/* the listed runs, oldest first; then, in the same order, the parameters
	 * whose value is not the same in every listed run of a (model, profile,
	 * host) */
	const char *sql =
		"SELECT id, model, coalesce(profile, '-'), coalesce(host_profile, '-'), trace,"
		" sim_cycles, (SELECT value FROM metric WHERE run_id = run.id AND name = 'slowdown'),"
		" status FROM (SELECT * FROM run ORDER BY id DESC LIMIT ?1) AS run ORDER BY id";
	const char *diff_sql =
		"WITH listed AS (SELECT * FROM run ORDER BY id DESC LIMIT ?1),"
		" differ AS (SELECT l.model, l.profile, l.host_profile, p.scope, p.name"
		"  FROM listed l JOIN param p ON p.run_id = l.id"
		"  GROUP BY l.model, l.profile, l.host_profile, p.scope, p.name"
		"  HAVING count(DISTINCT p.value) > 1)"
		" SELECT l.id, p.scope, p.name, p.value FROM listed l"
		" JOIN param p ON p.run_id = l.id JOIN differ d ON d.model = l.model"
		"  AND d.profile IS l.profile AND d.host_profile IS l.host_profile"
		"  AND d.scope = p.scope AND d.name = p.name"
		" ORDER BY l.id, p.scope = 'host', p.name";
	if (sqlite3_prepare_v2(vl_db_handle(db), sql, -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(vl_db_handle(db), diff_sql, -1, &dp, NULL) != SQLITE_OK) {
		fprintf(stderr, "virtlab: %s: %s\n", path, sqlite3_errmsg(vl_db_handle(db)));
		sqlite3_finalize(st);
		vl_db_close(db);
		return EXIT_FAIL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)limit);
	sqlite3_bind_int64(dp, 1, (sqlite3_int64)limit);
	int have = sqlite3_step(dp) == SQLITE_ROW;
	printf("%5s  %-9s %-16s %-11s %-30s %14s %9s  %s\n", "run", "model", "profile", "host",
	       "trace", "sim cycles", "slowdown", "differs");
	while (sqlite3_step(st) == SQLITE_ROW) {
		char num[32], slow[16] = "-", differs[160] = "";
		int64_t id = sqlite3_column_int64(st, 0);
		const char *trace = (const char *)sqlite3_column_text(st, 4);
		const char *status = (const char *)sqlite3_column_text(st, 7);
		size_t tl = strlen(trace), used = 0, more = 0;
		if (sqlite3_column_type(st, 6) != SQLITE_NULL)
			snprintf(slow, sizeof(slow), "%.3fx", sqlite3_column_double(st, 6));
		for (; have && sqlite3_column_int64(dp, 0) <= id; have = sqlite3_step(dp) == SQLITE_ROW) {
			if (sqlite3_column_int64(dp, 0) < id)
				continue;
			int host = !strcmp((const char *)sqlite3_column_text(dp, 1), "host");
			char one[96];
			snprintf(one, sizeof(one), "%s%s%s=%g", used ? " " : "", host ? "host." : "",
			         sqlite3_column_text(dp, 2), sqlite3_column_double(dp, 3));
			if (used + strlen(one) + 8 < sizeof(differs) && !more)
				used += (size_t)snprintf(differs + used, sizeof(differs) - used, "%s", one);
			else
				more++;
		}
		if (more)
			snprintf(differs + used, sizeof(differs) - used, " +%zu more", more);
		int ok = !strcmp(status, "ok");
		printf("%5lld  %-9s %-16s %-11s %-30s %14s %9s%s%s%s%s\n", (long long)id,
		       sqlite3_column_text(st, 1), sqlite3_column_text(st, 2),
		       sqlite3_column_text(st, 3), tl > 30 ? trace + tl - 30 : trace,
		       cli_num((uint64_t)sqlite3_column_int64(st, 5), num, sizeof(num)), slow,
		       differs[0] ? "  " : "", differs, ok ? "" : "  ", ok ? "" : status);
	}
	sqlite3_finalize(st);
	sqlite3_finalize(dp);
	vl_db_close(db);
	return EXIT_OK;
}
