/*
 * virtlab plan: how many guests fit on a host under each technique.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "experiments/capacity.h"
#include "sim/recorder.h"
#include "util/json.h"
#include "util/progress.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void help(void)
{
	printf("usage: virtlab plan FILE [--jobs N] [--db F] [--shard I/N] [--fresh] [--report-only]\n"
	       "                        [--quiet|--json]\n"
	       "       virtlab plan check FILE [--db F]\n\n"
	       "Sweeps the guest count of a plan file (docs/capacity.md) for each technique:\n"
	       "every (technique, count, replication) is one host simulation, recorded in the\n"
	       "results database; finished runs are kept, so an interrupted plan resumes. Then\n"
	       "answers in one table: technique, guests that fit, the binding constraint, and\n"
	       "the slowdown and p99 latency at that count with 95%% intervals; writes\n"
	       "OUTPUT/index.html and plan.md (the same), curves.tsv and the knee plot.\n"
	       "check checks the observations the file's [check] sections expect of the\n"
	       "answer to the runs in the database, and prints N passed, N failed (exit\n"
	       "status 1 when one fails).\n\n"
	       "  --jobs N        worker processes (default 1; results do not depend on it)\n"
	       "  --db F          results database (default OUTPUT/results.db)\n"
	       "  --shard I/N     run only shard I of N (0-based) into --db; combine the shards'\n"
	       "                  databases with `virtlab merge`, then `virtlab plan FILE --db\n"
	       "                  MERGED --report-only`\n"
	       "  --fresh         forget this plan's earlier runs in the database\n"
	       "  --report-only   answer from the runs already in the database\n"
	       "  -q, --quiet     no progress: errors and one line of answers only\n"
	       "  --json          no progress; on standard output one JSON object: plan, title,\n"
	       "                  targets, mix, answers (technique, fit, binding, slowdown, p99\n"
	       "                  and their intervals), report, db; or the shard that was run\n");
}

/* virtlab plan check FILE: the file's [check] sections against the stored answer. */
static int do_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *dbpath = NULL;
	char dbbuf[1100];
	struct vl_err err = {0};
	struct vl_cap_plan *p;
	struct vl_db *db;
	int ch;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'd': dbpath = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("plan", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("plan", "check needs exactly one FILE");
	if (vl_cap_parse_file(&p, argv[optind], &err))
		return cli_fail(&err);
	if (!p->nchecks) {
		fprintf(stderr, "virtlab: %s: no [check] section\n", argv[optind]);
		vl_cap_free(p);
		return EXIT_USAGE;
	}
	if (!dbpath) {
		snprintf(dbbuf, sizeof(dbbuf), "%s/results.db", p->output);
		dbpath = dbbuf;
	}
	struct vl_cap_answer a[VL_CAP_MAX_TECH];
	struct vl_cap_check_result r[VL_CAP_MAX_CHECKS];
	size_t na = 0;
	int rc = access(dbpath, R_OK) ? vl_err_set(&err, VL_EINVAL, "%s: no results database (run "
	                                           "'virtlab plan %s' first)", dbpath, argv[optind])
	       : vl_db_open(&db, dbpath, &err);
	if (!rc) {
		rc = vl_cap_answer(p, db, a, &na, &err);
		vl_db_close(db);
	}
	unsigned runs = 0;
	for (size_t i = 0; i < na; i++)
		runs += a[i].n;
	if (!rc && !runs)
		rc = vl_err_set(&err, VL_EINVAL, "%s: no runs of plan %s (run 'virtlab plan %s' first)",
		                dbpath, p->name, argv[optind]);
	if (rc) {
		vl_cap_free(p);
		return cli_fail(&err);
	}
	vl_cap_check_run(p, a, na, r);
	unsigned passed = 0;
	for (size_t i = 0; i < p->nchecks; i++) {
		printf("%s  %s: %s\n      %s\n", r[i].passed ? "pass" : "FAIL", r[i].check->name,
		       r[i].check->says[0] ? r[i].check->says : r[i].check->expect, r[i].shown);
		passed += (unsigned)r[i].passed;
	}
	size_t failed = p->nchecks - passed;
	printf("%u passed, %zu failed\n", passed, failed);
	vl_cap_free(p);
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* Each finished run: its line above the display, then the count. */
struct plan_runs {
	struct vl_progress bar;
	int started;
};

static void progress(void *ctx, size_t done, size_t total, const char *line)
{
	struct plan_runs *r = ctx;

	if (!r->started) {
		r->started = 1;
		vl_progress_start(&r->bar, total);
	}
	vl_progress_line(&r->bar, "  %s", line);
	vl_progress_update(&r->bar, done);
}

static void print_json(const struct vl_cap_plan *p, const struct vl_cap_answer *a, size_t na,
                       const char *dbpath)
{
	char report[1100];
	struct vl_json j;

	vl_json_init(&j, stdout);
	vl_json_object(&j, NULL);
	vl_json_str(&j, "plan", p->name);
	vl_json_str(&j, "title", p->title);
	vl_json_object(&j, "targets");
	vl_json_num(&j, "max_slowdown", p->max_slowdown);
	if (p->max_p99_ms > 0)
		vl_json_num(&j, "max_p99_ms", p->max_p99_ms);
	else
		vl_json_null(&j, "max_p99_ms");
	vl_json_end(&j);
	vl_json_array(&j, "mix"); /* guests of each kind in one unit of count */
	for (size_t k = 0; k < p->nkinds; k++) {
		vl_json_object(&j, NULL);
		vl_json_str(&j, "kind", p->kinds[k].name);
		vl_json_uint(&j, "share", p->kinds[k].share);
		vl_json_end(&j);
	}
	vl_json_end(&j);
	vl_json_array(&j, "answers");
	for (size_t i = 0; i < na; i++) {
		vl_json_object(&j, NULL);
		vl_json_str(&j, "technique", a[i].tech);
		vl_json_uint(&j, "fit", a[i].fit);
		vl_json_str(&j, "binding", a[i].binding);
		/* at the count that fits; none when nothing does */
		vl_json_num(&j, "slowdown", a[i].fit ? a[i].slowdown : NAN);
		vl_json_num(&j, "slowdown_ci", a[i].fit ? a[i].slowdown_ci : NAN);
		vl_json_num(&j, "p99_ms", a[i].fit ? a[i].p99_ms : NAN);
		vl_json_num(&j, "p99_ci", a[i].fit ? a[i].p99_ci : NAN);
		vl_json_uint(&j, "replications", a[i].n);
		vl_json_end(&j);
	}
	vl_json_end(&j);
	snprintf(report, sizeof(report), "%s/index.html", p->output);
	vl_json_str(&j, "report", report);
	vl_json_str(&j, "db", dbpath);
	vl_json_end(&j);
}

int cli_parse_shard(const char *s, unsigned *i, unsigned *n)
{
	char extra;
	if (sscanf(s, "%u/%u%c", i, n, &extra) != 2 || *n < 1 || *i >= *n)
		return -1;
	return 0;
}

int cmd_plan(int argc, char **argv)
{
	if (argc > 1 && !strcmp(argv[1], "check"))
		return do_check(argc - 1, argv + 1);
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'j'},
		{"db", required_argument, NULL, 'd'},
		{"shard", required_argument, NULL, 's'},
		{"fresh", no_argument, NULL, 'f'},
		{"report-only", no_argument, NULL, 'r'},
		{"quiet", no_argument, NULL, 'q'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vl_cap_opts o = {.jobs = 1, .stop = &stop_flag};
	const char *dbpath = NULL;
	char dbbuf[1100];
	int fresh = 0, report_only = 0, quiet = 0, json = 0, ch;
	uint64_t jobs;
	struct vl_err err = {0};
	struct vl_cap_plan *p;
	struct vl_db *db;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "hqj:", opts, NULL)) != -1) {
		switch (ch) {
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		case 'j':
			if (cli_parse_u64(optarg, &jobs) || !jobs || jobs > 64)
				return cli_usage_error("plan", "--jobs '%s': a number from 1 to 64", optarg);
			o.jobs = (unsigned)jobs;
			break;
		case 'd': dbpath = optarg; break;
		case 's':
			if (cli_parse_shard(optarg, &o.shard, &o.nshards))
				return cli_usage_error("plan", "--shard '%s': I/N with 0 <= I < N", optarg);
			break;
		case 'f': fresh = 1; break;
		case 'r': report_only = 1; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("plan", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("plan", "expected one plan file");
	if (vl_cap_parse_file(&p, argv[optind], &err))
		return cli_fail(&err);
	if (!dbpath) {
		snprintf(dbbuf, sizeof(dbbuf), "%s/results.db", p->output);
		dbpath = dbbuf;
	}
	if (cli_ensure_parent(dbpath, &err) || vl_db_open(&db, dbpath, &err)) {
		vl_cap_free(p);
		return cli_fail(&err);
	}
	if (fresh && vl_cap_forget(p, db, &err)) {
		vl_db_close(db);
		vl_cap_free(p);
		return cli_fail(&err);
	}
	vl_db_close(db);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	struct plan_runs runs = {.started = 0};
	vl_progress_init(&runs.bar, stderr, "runs", 0, quiet || json ? VL_PROGRESS_QUIET : 0);
	o.quiet = quiet || json;
	o.progress = progress;
	o.progress_ctx = &runs;
	int rc = report_only ? 0 : vl_cap_run(p, dbpath, &o, &err);
	vl_progress_end(&runs.bar);
	if (rc) {
		vl_cap_free(p);
		return cli_fail(&err);
	}
	if (o.nshards > 1) {
		if (json) {
			struct vl_json j;
			vl_json_init(&j, stdout);
			vl_json_object(&j, NULL);
			vl_json_str(&j, "plan", p->name);
			vl_json_object(&j, "shard");
			vl_json_uint(&j, "index", o.shard);
			vl_json_uint(&j, "count", o.nshards);
			vl_json_end(&j);
			vl_json_str(&j, "db", dbpath);
			vl_json_end(&j);
		} else {
			printf("shard %u/%u of plan %s done: %s\n", o.shard, o.nshards, p->name, dbpath);
		}
		vl_cap_free(p);
		return EXIT_OK;
	}
	struct vl_cap_answer a[VL_CAP_MAX_TECH];
	size_t na;
	if (vl_db_open(&db, dbpath, &err)) {
		vl_cap_free(p);
		return cli_fail(&err);
	}
	rc = vl_cap_answer(p, db, a, &na, &err) || vl_cap_report(p, db, a, na, &err);
	vl_db_close(db);
	if (rc) {
		vl_cap_free(p);
		return cli_fail(&err);
	}
	if (json) {
		print_json(p, a, na, dbpath);
		cli_update_index(p->output, 1);
		vl_cap_free(p);
		return EXIT_OK;
	}
	if (quiet) { /* one line: the count that fits under each technique */
		printf("plan %s:", p->name);
		for (size_t i = 0; i < na; i++)
			printf("%s %s %u%s%s%s", i ? "," : "", a[i].tech, a[i].fit, a[i].binding[0] ? " (" : "",
			       a[i].binding, a[i].binding[0] ? ")" : "");
		printf("; report %s/index.html\n", p->output);
		cli_update_index(p->output, 1);
		vl_cap_free(p);
		return EXIT_OK;
	}
	printf("\n%s: %s\n", p->name, p->title);
	printf("targets: slowdown <= %.2fx", p->max_slowdown);
	if (p->max_p99_ms > 0)
		printf(", p99 <= %.1f ms", p->max_p99_ms);
	printf("; counts in units of the mix;");
	for (size_t k = 0; k < p->nkinds; k++)
		printf(" %u %s", p->kinds[k].share, p->kinds[k].name);
	printf(" per unit\n\n  %-14s %6s  %-22s %20s %20s\n", "technique", "fit", "binding constraint",
	       "slowdown [95% CI]", "p99 ms [95% CI]");
	for (size_t i = 0; i < na; i++) {
		char sd[64], p99[64];
		if (a[i].fit) {
			snprintf(sd, sizeof(sd), "%.3f ± %.3f", a[i].slowdown, a[i].slowdown_ci);
			snprintf(p99, sizeof(p99), "%.2f ± %.2f", a[i].p99_ms, a[i].p99_ci);
		} else {
			snprintf(sd, sizeof(sd), "-");
			snprintf(p99, sizeof(p99), "-");
		}
		printf("  %-14s %6u  %-22s %20s %20s\n", a[i].tech, a[i].fit, a[i].binding, sd, p99);
	}
	printf("\nreport: %s/index.html and plan.md (knee plot %s/knee.png); runs in %s\n",
	       p->output, p->output, dbpath);
	cli_update_index(p->output, 0);
	vl_cap_free(p);
	return EXIT_OK;
}
