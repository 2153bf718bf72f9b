/*
 * virtlab export: any run's metrics and breakdown as CSV or JSON.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/recorder.h"

static void help(void)
{
	printf("usage: virtlab export [--db F] [--run N | --experiment NAME] [--format csv|json]\n\n"
	       "Prints the metrics and the breakdown (event x mechanism: count, cycles) of\n"
	       "the chosen runs: one run, every run of an experiment, or every run.\n\n"
	       "  --db F         results database (default " VL_DEFAULT_DB ")\n"
	       "  --run N        only run N\n"
	       "  --experiment E only the runs of experiment E\n"
	       "  --format F     csv (default) or json\n");
}

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			printf("\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			printf("\\u%04x", *s);
		else
			putchar(*s);
	}
	putchar('"');
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"run", required_argument, NULL, 'r'},
		{"experiment", required_argument, NULL, 'e'},
		{"format", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = VL_DEFAULT_DB, *exp = NULL;
	uint64_t run = 0;
	int json = 0, c;
	struct vl_err err = {0};

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': path = optarg; break;
		case 'r':
			if (cli_parse_u64(optarg, &run) || !run)
				return cli_usage_error("export", "--run '%s' is not a run number", optarg);
			break;
		case 'e': exp = optarg; break;
		case 'f':
			if (strcmp(optarg, "csv") && strcmp(optarg, "json"))
				return cli_usage_error("export", "--format '%s': csv or json", optarg);
			json = strcmp(optarg, "json") == 0;
			break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "virtlab: %s: no such results database\n", path);
		return EXIT_USAGE;
	}
	struct vl_db *db;
	if (vl_db_open_ro(&db, path, &err))
		return cli_fail(&err);
	sqlite3 *h = vl_db_handle(db);
	/* metrics and breakdown cells as (run, label, kind, name, mechanism, count, value) rows */
	static const char sql[] =
		"WITH r AS (SELECT run.id, coalesce(run.label, '') AS label, run.model,"
		"   coalesce(run.profile, run.host_profile) AS profile, run.trace FROM run"
		"   LEFT JOIN experiment x ON x.id = run.experiment_id"
		"   WHERE (?1 = 0 OR run.id = ?1) AND (?2 IS NULL OR x.name = ?2))"
		" SELECT r.id, r.label, r.model, r.profile, r.trace, 'metric', m.name, '', NULL, m.value"
		"  FROM r JOIN metric m ON m.run_id = r.id"
		" UNION ALL"
		" SELECT r.id, r.label, r.model, r.profile, r.trace, 'breakdown', b.event, b.mechanism,"
		"  b.count, b.cycles FROM r JOIN breakdown b ON b.run_id = r.id"
		" ORDER BY 1, 6, 7, 8";
	sqlite3_stmt *st;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "virtlab: %s: %s\n", path, sqlite3_errmsg(h));
		vl_db_close(db);
		return EXIT_FAIL;
	}
	sqlite3_bind_int64(st, 1, (sqlite3_int64)run);
	if (exp)
		sqlite3_bind_text(st, 2, exp, -1, SQLITE_STATIC);
	if (json)
		printf("[");
	else
		printf("run,label,model,profile,trace,kind,name,mechanism,count,value\n");
	int n = 0;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *col[8];
		for (int i = 1; i < 8; i++)
			col[i] = (const char *)sqlite3_column_text(st, i);
		double value = sqlite3_column_double(st, 9);
		int has_count = sqlite3_column_type(st, 8) != SQLITE_NULL;
		long long count = sqlite3_column_int64(st, 8);
		if (json) {
			printf("%s\n {\"run\": %lld, \"label\": ", n ? "," : "", sqlite3_column_int64(st, 0));
			json_str(col[1]);
			printf(", \"model\": ");
			json_str(col[2]);
			printf(", \"profile\": ");
			json_str(col[3] ? col[3] : "");
			printf(", \"trace\": ");
			json_str(col[4]);
			printf(", \"kind\": ");
			json_str(col[5]);
			printf(", \"name\": ");
			json_str(col[6]);
			if (has_count) {
				printf(", \"mechanism\": ");
				json_str(col[7]);
				printf(", \"count\": %lld", count);
			}
			printf(", \"value\": %.17g}", value);
		} else {
			printf("%lld,%s,%s,%s,\"%s\",%s,%s,%s,", sqlite3_column_int64(st, 0), col[1],
			       col[2], col[3] ? col[3] : "", col[4], col[5], col[6], col[7]);
			if (has_count)
				printf("%lld", count);
			printf(",%.17g\n", value);
		}
		n++;
	}
	if (json)
		printf("\n]\n");
	sqlite3_finalize(st);
	vl_db_close(db);
	if (!n) {
		fprintf(stderr, "virtlab: no such run in %s\n", path);
		return EXIT_USAGE;
	}
	return EXIT_OK;
}
