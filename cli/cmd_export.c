/*
 * virtlab export: any run's metrics and breakdown, an experiment's
 * summaries, and a capacity plan's runs, as CSV or JSON.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/json.h"
#include "sim/recorder.h"

static void help(void)
{
	printf("usage: virtlab export [--db F] [--run N | --experiment NAME] [--format csv|json]\n"
	       "                      [--wide [--units F] | --summary]\n"
	       "       virtlab export --plan NAME|all [--db F] [--format csv|json]\n\n"
	       "Prints the metrics and the breakdown (event x mechanism: count, cycles) of\n"
	       "the chosen runs: one run, every run of an experiment, or every run; one\n"
	       "value a row. --wide prints one row a run instead, for a data frame: the\n"
	       "run's workload, system, sweep point and replication, model, profiles and\n"
	       "trace, then every parameter (param.SCOPE.NAME), metric and mechanism's\n"
	       "cycles (mech.NAME) as columns; an absent value is empty (null in JSON).\n"
	       "--summary prints an experiment's summaries instead (every experiment's\n"
	       "without --experiment): workload, system, sweep point, metric, runs, mean,\n"
	       "standard deviation and 95%% interval. --plan prints the runs of a capacity\n"
	       "plan (or of all) in a plan's database, one value a row: the host's\n"
	       "figures as kind 'host', each guest kind's under its name.\n\n"
	       "  --db F         results database (default " VL_DEFAULT_DB ")\n"
	       "  --run N        only run N\n"
	       "  --experiment E only the runs of experiment E\n"
	       "  --format F     csv (default) or json\n"
	       "  --wide         one row a run, one column a quantity\n"
	       "  --units F      with --wide: write each column's unit to F (CSV: column,unit);\n"
	       "                 the JSON form carries them in its \"units\" object\n"
	       "  --summary      the summaries of the experiment(s)\n"
	       "  --plan NAME    the runs of capacity plan NAME, or of every plan (all)\n");
}

/* s as one CSV field: quoted when it holds a comma, quote or line break. */
static void csv_str(FILE *f, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, f);
		return;
	}
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', f);
		fputc(*s, f);
	}
	fputc('"', f);
}

/*
 * Every row of st as CSV (a header of its column names) or as a JSON array
 * of objects (numbers as numbers, NULL as null); the rows printed, or -1.
 */
static long print_rows(sqlite3_stmt *st, int json)
{
	int nc = sqlite3_column_count(st), rc;
	long n = 0;

	if (!json)
		for (int i = 0; i < nc; i++)
			printf("%s%s", i ? "," : "", sqlite3_column_name(st, i));
	printf(json ? "[" : "\n");
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		printf(json ? "%s\n {" : "", n ? "," : "");
		for (int i = 0; i < nc; i++) {
			int t = sqlite3_column_type(st, i);
			const char *text = (const char *)sqlite3_column_text(st, i);
			if (json) {
				printf("%s", i ? ", " : "");
				vl_json_quote(stdout, sqlite3_column_name(st, i));
				printf(": ");
			} else {
				printf("%s", i ? "," : "");
			}
			if (t == SQLITE_NULL)
				printf(json ? "null" : "");
			else if (t == SQLITE_INTEGER)
				printf("%lld", sqlite3_column_int64(st, i));
			else if (t == SQLITE_FLOAT)
				printf("%.17g", sqlite3_column_double(st, i));
			else if (json)
				vl_json_quote(stdout, text);
			else
				csv_str(stdout, text);
		}
		printf(json ? "}" : "\n");
		n++;
	}
	if (json)
		printf("%s]\n", n ? "\n" : "");
	return rc == SQLITE_DONE ? n : -1;
}

/* A capacity plan's host figures, each a column of capacity_run. */
static const char *const plan_host_cols[] = {
	"guests", "admitted", "stable", "offered", "cpu_util", "disk_util", "net_util", "idle_s",
	"memory_mb", "memory_host_mb", "slowdown", "p99_ms", "sim_s",
};

/* --summary and --plan: one query's rows; 0, or an exit status. */
static int export_table(sqlite3 *h, const char *path, const char *exp, const char *plan,
                        int json)
{
	char sql[4096];
	size_t used = 0;
	sqlite3_stmt *st;

	if (plan) {
		used += (size_t)snprintf(sql, sizeof(sql),
		        "WITH cr AS (SELECT c.*, p.name AS plan FROM capacity_run c"
		        " JOIN capacity_plan p ON p.id = c.plan_id WHERE ?1 = 'all' OR p.name = ?1)");
		used += (size_t)snprintf(sql + used, sizeof(sql) - used, " SELECT * FROM (");
		for (size_t i = 0; i < sizeof(plan_host_cols) / sizeof(plan_host_cols[0]); i++)
			used += (size_t)snprintf(sql + used, sizeof(sql) - used,
			        " SELECT plan, technique, count, replication, 'host' AS kind, '%s' AS metric,"
			        " %s AS value FROM cr UNION ALL", plan_host_cols[i], plan_host_cols[i]);
		snprintf(sql + used, sizeof(sql) - used,
		         " SELECT cr.plan, cr.technique, cr.count, cr.replication, m.kind, m.metric,"
		         " m.value FROM cr JOIN capacity_metric m ON m.run_id = cr.id)"
		         " ORDER BY plan, technique, count, replication, kind <> 'host', kind, metric");
	} else {
		snprintf(sql, sizeof(sql),
		         "SELECT x.name AS experiment, s.workload, s.system, s.point, s.metric, s.n,"
		         " s.mean, s.sd, s.ci_lo, s.ci_hi FROM summary s"
		         " JOIN experiment x ON x.id = s.experiment_id WHERE ?1 IS NULL OR x.name = ?1"
		         " ORDER BY 1, 2, 3, 4, 5");
	}
	if (plan && sqlite3_table_column_metadata(h, NULL, "capacity_run", "id", NULL, NULL, NULL,
	                                          NULL, NULL) != SQLITE_OK) {
		fprintf(stderr, "virtlab: %s: no capacity plans in this database\n", path);
		return EXIT_USAGE;
	}
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		fprintf(stderr, "virtlab: %s: %s\n", path, sqlite3_errmsg(h));
		return EXIT_FAIL;
	}
	if (plan || exp)
		sqlite3_bind_text(st, 1, plan ? plan : exp, -1, SQLITE_STATIC);
	long n = print_rows(st, json);
	sqlite3_finalize(st);
	if (n < 0) {
		fprintf(stderr, "virtlab: %s: %s\n", path, sqlite3_errmsg(h));
		return EXIT_FAIL;
	}
	if (!n) {
		fprintf(stderr, "virtlab: %s: no %s\n", path,
		        plan ? "runs of that plan" : exp ? "summaries of that experiment" : "summaries");
		return EXIT_USAGE;
	}
	return EXIT_OK;
}

/* ---- --wide: one row a run ---- */

/* A column of the wide table. */
struct wcol {
	char name[128];
	char unit[32];
	int text; /* a text column (the run's identity), else a number */
};

/* The runs --run/--experiment choose, as a CTE named r. */
#define WIDE_RUNS                                                                          \
	"WITH r AS (SELECT run.*, coalesce(x.name, '') AS experiment FROM run"                   \
	"   LEFT JOIN experiment x ON x.id = run.experiment_id"                                   \
	"   WHERE (?1 = 0 OR run.id = ?1) AND (?2 IS NULL OR x.name = ?2)) "

/* The identity columns, and how each is read from the run row (label split on '|'). */
static const struct {
	const char *name, *unit, *sql;
	int label_part; /* 0: from sql; k > 0: the k-th field of the label */
} idcols[] = {
	{"run", "", "r.id", 0},
	{"experiment", "", "r.experiment", 0},
	{"workload", "", NULL, 1},
	{"system", "", NULL, 2},
	{"point", "", NULL, 3},
	{"replication", "", "r.replication", 0},
	{"model", "", "r.model", 0},
	{"profile", "", "coalesce(r.profile, '')", 0},
	{"host_profile", "", "coalesce(r.host_profile, '')", 0},
	{"trace", "", "r.trace", 0},
	{"seed", "", "r.seed", 0},
	{"status", "", "r.status", 0},
	{"sim_seconds", "s", "r.sim_seconds", 0},
};
#define NIDCOLS (sizeof(idcols) / sizeof(idcols[0]))

/* Field k (1-based) of a "workload|system|point|replication" label into buf. */
static const char *label_part(const char *label, int k, char *buf, size_t len)
{
	for (int i = 1; i < k && label; i++)
		label = strchr(label, '|') ? strchr(label, '|') + 1 : NULL;
	size_t n = label ? strcspn(label, "|") : 0;
	snprintf(buf, len, "%.*s", (int)n, label ? label : "");
	return buf;
}

/* Appends the columns a query yields (name, unit) to *cols; 0 or -1. */
static int add_cols(sqlite3 *h, const char *sql, uint64_t run, const char *exp,
                    struct wcol **cols, size_t *n)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, (sqlite3_int64)run);
	if (exp)
		sqlite3_bind_text(st, 2, exp, -1, SQLITE_STATIC);
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct wcol *c = realloc(*cols, (*n + 1) * sizeof(**cols));
		if (!c) {
			sqlite3_finalize(st);
			return -1;
		}
		*cols = c;
		memset(&c[*n], 0, sizeof(c[*n]));
		snprintf(c[*n].name, sizeof(c[*n].name), "%s", (const char *)sqlite3_column_text(st, 0));
		snprintf(c[*n].unit, sizeof(c[*n].unit), "%s", (const char *)sqlite3_column_text(st, 1));
		(*n)++;
	}
	sqlite3_finalize(st);
	return 0;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct wcol *)a)->name, ((const struct wcol *)b)->name);
}

static int export_wide(sqlite3 *h, const char *path, uint64_t run, const char *exp, int json,
                       const char *units_path)
{
	struct wcol *cols = NULL;
	size_t ncols = 0, nq, first_q;
	double *v = NULL;
	int rc = EXIT_FAIL, n = 0;
	sqlite3_stmt *runs = NULL, *vals = NULL;

	for (size_t i = 0; i < NIDCOLS; i++) {
		struct wcol *c = realloc(cols, (ncols + 1) * sizeof(*cols));
		if (!c)
			goto out;
		cols = c;
		memset(&cols[ncols], 0, sizeof(cols[ncols]));
		snprintf(cols[ncols].name, sizeof(cols[ncols].name), "%s", idcols[i].name);
		snprintf(cols[ncols].unit, sizeof(cols[ncols].unit), "%s", idcols[i].unit);
		cols[ncols++].text = strcmp(idcols[i].name, "sim_seconds") != 0;
	}
	first_q = ncols;
	/* the quantities, each named once: parameters, metrics, mechanisms */
	if (add_cols(h, WIDE_RUNS "SELECT DISTINCT 'param.' || p.scope || '.' || p.name, p.unit"
	             " FROM r JOIN param p ON p.run_id = r.id", run, exp, &cols, &ncols) ||
	    add_cols(h, WIDE_RUNS "SELECT DISTINCT m.name, m.unit FROM r"
	             " JOIN metric m ON m.run_id = r.id", run, exp, &cols, &ncols) ||
	    add_cols(h, WIDE_RUNS "SELECT DISTINCT 'mech.' || b.mechanism, 'cycles' FROM r"
	             " JOIN breakdown b ON b.run_id = r.id", run, exp, &cols, &ncols)) {
		fprintf(stderr, "virtlab: %s: %s\n", path, sqlite3_errmsg(h));
		goto out;
	}
	nq = ncols - first_q;
	qsort(cols + first_q, nq, sizeof(*cols), by_name);
	if (!(v = malloc((nq ? nq : 1) * sizeof(*v))))
		goto out;
	if (units_path) {
		FILE *u = fopen(units_path, "w");
		if (!u) {
			fprintf(stderr, "virtlab: %s: cannot write\n", units_path);
			goto out;
		}
		fprintf(u, "column,unit\n");
		for (size_t i = 0; i < ncols; i++) {
			csv_str(u, cols[i].name);
			fputc(',', u);
			csv_str(u, cols[i].unit);
			fputc('\n', u);
		}
		if (fclose(u)) {
			fprintf(stderr, "virtlab: %s: cannot write\n", units_path);
			goto out;
		}
	}
	char sql[1024];
	int len = snprintf(sql, sizeof(sql), WIDE_RUNS "SELECT coalesce(r.label, '')");
	for (size_t i = 0; i < NIDCOLS; i++)
		len += snprintf(sql + len, sizeof(sql) - (size_t)len, ", %s",
		                idcols[i].sql ? idcols[i].sql : "NULL");
	snprintf(sql + len, sizeof(sql) - (size_t)len, " FROM r ORDER BY r.id");
	if (sqlite3_prepare_v2(h, sql, -1, &runs, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(h, "SELECT 'param.' || scope || '.' || name, value FROM param"
	                       " WHERE run_id = ?1 UNION ALL SELECT name, value FROM metric"
	                       " WHERE run_id = ?1 UNION ALL SELECT 'mech.' || mechanism, sum(cycles)"
	                       " FROM breakdown WHERE run_id = ?1 GROUP BY mechanism", -1, &vals,
	                       NULL) != SQLITE_OK) {
		fprintf(stderr, "virtlab: %s: %s\n", path, sqlite3_errmsg(h));
		goto out;
	}
	sqlite3_bind_int64(runs, 1, (sqlite3_int64)run);
	if (exp)
		sqlite3_bind_text(runs, 2, exp, -1, SQLITE_STATIC);
	if (json) {
		printf("{\"units\": {");
		for (size_t i = 0; i < ncols; i++) {
			printf("%s", i ? ", " : "");
			vl_json_quote(stdout, cols[i].name);
			printf(": ");
			vl_json_quote(stdout, cols[i].unit);
		}
		printf("},\n \"runs\": [");
	} else {
		for (size_t i = 0; i < ncols; i++) {
			printf("%s", i ? "," : "");
			csv_str(stdout, cols[i].name);
		}
		printf("\n");
	}
	while (sqlite3_step(runs) == SQLITE_ROW) {
		const char *label = (const char *)sqlite3_column_text(runs, 0);
		/* a mechanism a run never charged cost it 0 cycles; other absences stay empty */
		for (size_t i = 0; i < nq; i++)
			v[i] = strncmp(cols[first_q + i].name, "mech.", 5) ? NAN : 0;
		sqlite3_bind_int64(vals, 1, sqlite3_column_int64(runs, 1));
		while (sqlite3_step(vals) == SQLITE_ROW) {
			struct wcol key;
			snprintf(key.name, sizeof(key.name), "%s", (const char *)sqlite3_column_text(vals, 0));
			struct wcol *c = bsearch(&key, cols + first_q, nq, sizeof(*cols), by_name);
			if (c)
				v[c - cols - first_q] = sqlite3_column_double(vals, 1);
		}
		sqlite3_reset(vals);
		printf(json ? "%s\n  {" : "%s", json && n ? "," : "");
		for (size_t i = 0; i < ncols; i++) {
			char part[256], num[40] = "";
			const char *text = NULL;
			double x = NAN;
			if (i < NIDCOLS) {
				int col = 1 + (int)i;
				if (idcols[i].label_part)
					text = label_part(label, idcols[i].label_part, part, sizeof(part));
				else if (!cols[i].text)
					x = sqlite3_column_type(runs, col) == SQLITE_NULL
					    ? NAN : sqlite3_column_double(runs, col);
				else
					text = (const char *)sqlite3_column_text(runs, col);
			} else {
				x = v[i - first_q];
			}
			if (!text && !isnan(x))
				snprintf(num, sizeof(num), "%.17g", x);
			if (json) {
				printf("%s", i ? ", " : "");
				vl_json_quote(stdout, cols[i].name);
				printf(": ");
				if (text && (!strcmp(cols[i].name, "run") || !strcmp(cols[i].name, "seed") ||
				             !strcmp(cols[i].name, "replication")))
					printf("%s", text);
				else if (text)
					vl_json_quote(stdout, text);
				else
					printf("%s", num[0] ? num : "null");
			} else {
				printf("%s", i ? "," : "");
				csv_str(stdout, text ? text : num);
			}
		}
		printf(json ? "}" : "\n");
		n++;
	}
	if (json)
		printf("\n ]}\n");
	if (!n)
		fprintf(stderr, "virtlab: no such run in %s\n", path);
	rc = n ? EXIT_OK : EXIT_USAGE;
out:
	sqlite3_finalize(runs);
	sqlite3_finalize(vals);
	free(v);
	free(cols);
	return rc;
}

int cmd_export(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"run", required_argument, NULL, 'r'},
		{"experiment", required_argument, NULL, 'e'},
		{"format", required_argument, NULL, 'f'},
		{"wide", no_argument, NULL, 'w'},
		{"units", required_argument, NULL, 'u'},
		{"summary", no_argument, NULL, 's'},
		{"plan", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *path = VL_DEFAULT_DB, *exp = NULL, *units = NULL, *plan = NULL;
	uint64_t run = 0;
	int json = 0, wide = 0, summary = 0, c;
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
		case 'w': wide = 1; break;
		case 'u': units = optarg; break;
		case 's': summary = 1; break;
		case 'p': plan = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("export", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc)
		return cli_usage_error("export", "unexpected argument '%s'", argv[optind]);
	if (units && !wide)
		return cli_usage_error("export", "--units goes with --wide");
	if (wide + summary + !!plan > 1)
		return cli_usage_error("export", "one of --wide, --summary and --plan");
	if ((summary && run) || (plan && (run || exp)))
		return cli_usage_error("export", "%s", summary ? "--summary takes --experiment, not --run"
		                                               : "--plan takes no --run or --experiment");
	if (access(path, R_OK) != 0) {
		fprintf(stderr, "virtlab: %s: no such results database\n", path);
		return EXIT_USAGE;
	}
	struct vl_db *db;
	if (vl_db_open_ro(&db, path, &err))
		return cli_fail(&err);
	sqlite3 *h = vl_db_handle(db);
	if (wide || summary || plan) {
		int rc = wide ? export_wide(h, path, run, exp, json, units)
		              : export_table(h, path, exp, plan, json);
		vl_db_close(db);
		return rc;
	}
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
			vl_json_quote(stdout, col[1]);
			printf(", \"model\": ");
			vl_json_quote(stdout, col[2]);
			printf(", \"profile\": ");
			vl_json_quote(stdout, col[3] ? col[3] : "");
			printf(", \"trace\": ");
			vl_json_quote(stdout, col[4]);
			printf(", \"kind\": ");
			vl_json_quote(stdout, col[5]);
			printf(", \"name\": ");
			vl_json_quote(stdout, col[6]);
			if (has_count) {
				printf(", \"mechanism\": ");
				vl_json_quote(stdout, col[7]);
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
