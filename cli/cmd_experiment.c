/*
 * virtlab experiment: run an experiment file (in parallel, resumable) or
 * list the runs it expands to.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "experiments/experiment.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void help(void)
{
	printf("usage: virtlab experiment run FILE [--jobs N] [--resume] [--db F]\n"
	       "       virtlab experiment runs FILE\n\n"
	       "run   runs every run of the experiment (workloads x systems x sweep points x\n"
	       "      replications) in N worker processes, records them, and summarizes the\n"
	       "      replications (mean, sd, 95%% confidence interval). Interrupted, it keeps\n"
	       "      the finished runs: run again with --resume to do only the rest.\n"
	       "runs  lists the runs the file expands to, without running them\n\n"
	       "  -j, --jobs N   worker processes (default 1); any N gives the same numbers\n"
	       "      --resume   keep the runs already recorded\n"
	       "      --db F     results database (default OUTPUT/results.db, OUTPUT from the\n"
	       "                 file's [experiment] output, default out/NAME)\n\n"
	       "The file format is in docs/experiments.md; 'virtlab report' draws the results.\n");
}

struct progress {
	int tty;
	double t0;
	size_t last_pct;
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void progress(void *ctx, size_t done, size_t total, size_t skipped)
{
	struct progress *p = ctx;
	double dt = now_s() - p->t0, rate = dt > 0 ? done / dt : 0;

	if (done == 0) {
		if (skipped)
			fprintf(stderr, "resuming: %zu runs already done, %zu to go\n", skipped, total);
		return;
	}
	if (p->tty) {
		int width = 30, fill = total ? (int)(width * done / total) : width;
		double eta = rate > 0 ? (total - done) / rate : 0;
		fprintf(stderr, "\r[%.*s%*s] %zu/%zu runs, %.1f runs/s, ETA %d:%02d ", fill,
		        "##############################", width - fill, "", done, total, rate,
		        (int)eta / 60, (int)eta % 60);
		if (done == total)
			fprintf(stderr, "\n");
	} else {
		size_t pct = total ? 100 * done / total : 100;
		if (pct / 10 != p->last_pct / 10 || done == total)
			fprintf(stderr, "%zu/%zu runs (%.1f runs/s)\n", done, total, rate);
		p->last_pct = pct;
	}
}

static int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'j'},
		{"resume", no_argument, NULL, 'r'},
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vl_exp_opts o = {.jobs = 1, .stop = &stop_flag};
	const char *db = NULL;
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "j:h", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			if (cli_parse_u64(optarg, &v) || v < 1 || v > 256)
				return cli_usage_error("experiment", "--jobs '%s': expected 1 to 256", optarg);
			o.jobs = (unsigned)v;
			break;
		case 'r': o.resume = 1; break;
		case 'd': db = optarg; break;
		case 'h': help(); return EXIT_OK;
		default:
			return cli_usage_error("experiment", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("experiment", "run needs exactly one FILE");
	struct vl_experiment *e;
	struct vl_err err = {0};
	if (vl_exp_load(&e, argv[optind], &err))
		return cli_fail(&err);
	char dbbuf[1024];
	if (!db) {
		snprintf(dbbuf, sizeof(dbbuf), "%s/results.db", e->output);
		db = dbbuf;
	}
	struct progress p = {.tty = isatty(STDERR_FILENO), .t0 = now_s()};
	o.progress = progress;
	o.progress_ctx = &p;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = vl_exp_run(e, db, &o, &err);
	if (rc == VL_EINTR) {
		fprintf(stderr, "\nvirtlab: interrupted; finished runs are kept: "
		                "'virtlab experiment run %s --resume' does the rest\n", argv[optind]);
		vl_exp_free(e);
		return EXIT_INTR;
	}
	if (rc) {
		if (p.tty)
			fprintf(stderr, "\n");
		vl_exp_free(e);
		return cli_fail(&err);
	}
	printf("experiment %s: results in %s; 'virtlab report %s' draws them\n", e->name, db, db);
	vl_exp_free(e);
	return EXIT_OK;
}

static int do_runs(int argc, char **argv)
{
	struct vl_experiment *e;
	struct vl_exp_run *runs;
	struct vl_err err = {0};
	size_t n;

	if (argc != 2)
		return cli_usage_error("experiment", "runs needs exactly one FILE");
	if (vl_exp_load(&e, argv[1], &err))
		return cli_fail(&err);
	if (vl_exp_expand(e, &runs, &n, &err)) {
		vl_exp_free(e);
		return cli_fail(&err);
	}
	for (size_t i = 0; i < n; i++)
		printf("%s\n", runs[i].label);
	fprintf(stderr, "%zu runs\n", n);
	free(runs);
	vl_exp_free(e);
	return EXIT_OK;
}

int cmd_experiment(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help();
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	if (strcmp(argv[1], "run") == 0)
		return do_run(argc - 1, argv + 1);
	if (strcmp(argv[1], "runs") == 0)
		return do_runs(argc - 1, argv + 1);
	return cli_usage_error("experiment", "unknown subcommand '%s' (run, runs)", argv[1]);
}
