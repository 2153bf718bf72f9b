/*
 * virtlab plan: how many guests fit on a host under each technique.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "experiments/capacity.h"
#include "sim/recorder.h"

static volatile int stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void help(void)
{
	printf("usage: virtlab plan FILE [--jobs N] [--db F] [--shard I/N] [--fresh] [--report-only]\n\n"
	       "Sweeps the guest count of a plan file (docs/capacity.md) for each technique:\n"
	       "every (technique, count, replication) is one host simulation, recorded in the\n"
	       "results database; finished runs are kept, so an interrupted plan resumes. Then\n"
	       "answers in one table: technique, guests that fit, the binding constraint, and\n"
	       "the slowdown and p99 latency at that count with 95%% intervals; writes\n"
	       "OUTPUT/index.html and plan.md (the same), curves.tsv and the knee plot.\n\n"
	       "  --jobs N        worker processes (default 1; results do not depend on it)\n"
	       "  --db F          results database (default OUTPUT/results.db)\n"
	       "  --shard I/N     run only shard I of N (0-based) into --db; combine the shards'\n"
	       "                  databases with `virtlab merge`, then `virtlab plan FILE --db\n"
	       "                  MERGED --report-only`\n"
	       "  --fresh         forget this plan's earlier runs in the database\n"
	       "  --report-only   answer from the runs already in the database\n");
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
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'j'},
		{"db", required_argument, NULL, 'd'},
		{"shard", required_argument, NULL, 's'},
		{"fresh", no_argument, NULL, 'f'},
		{"report-only", no_argument, NULL, 'r'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vl_cap_opts o = {.jobs = 1, .stop = &stop_flag};
	const char *dbpath = NULL;
	char dbbuf[1100];
	int fresh = 0, report_only = 0, ch;
	uint64_t jobs;
	struct vl_err err = {0};
	struct vl_cap_plan *p;
	struct vl_db *db;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "hj:", opts, NULL)) != -1) {
		switch (ch) {
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
	if (!report_only && vl_cap_run(p, dbpath, &o, &err)) {
		vl_cap_free(p);
		return cli_fail(&err);
	}
	if (o.nshards > 1) {
		printf("shard %u/%u of plan %s done: %s\n", o.shard, o.nshards, p->name, dbpath);
		vl_cap_free(p);
		return EXIT_OK;
	}
	struct vl_cap_answer a[VL_CAP_MAX_TECH];
	size_t na;
	if (vl_db_open(&db, dbpath, &err) || vl_cap_answer(p, db, a, &na, &err) ||
	    vl_cap_report(p, db, a, na, &err)) {
		vl_cap_free(p);
		return cli_fail(&err);
	}
	vl_db_close(db);
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
	cli_update_index(p->output);
	vl_cap_free(p);
	return EXIT_OK;
}
