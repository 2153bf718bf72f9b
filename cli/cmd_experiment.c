/*
 * virtlab experiment: run an experiment file (in parallel, resumable) or
 * list the runs it expands to.
 */
#include <getopt.h>
#include <signal.h>
#include <limits.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "experiments/capacity.h"
#include "experiments/experiment.h"
#include "sim/text.h"
#include "util/json.h"
#include "util/progress.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void help(void)
{
	printf("usage: virtlab experiment run FILE [--jobs N] [--resume] [--shard I/N] [--db F]\n"
	       "                              [-P K=V ...] [--quiet|--json]\n"
	       "       virtlab experiment runs FILE\n"
	       "       virtlab experiment check FILE [--db F]\n"
	       "       virtlab experiment slurm FILE [--shards N] [--out DIR]\n\n"
	       "run   runs every run of the experiment (workloads x systems x sweep points x\n"
	       "      replications) in N worker processes, records them, and summarizes the\n"
	       "      replications (mean, sd, 95%% confidence interval). Interrupted, it keeps\n"
	       "      the finished runs: run again with --resume to do only the rest.\n"
	       "runs  lists the runs the file expands to, without running them\n"
	       "check checks the observations the file's [check] sections expect, and the\n"
	       "      error of each reference with a bound (bound = N%%), against its results,\n"
	       "      one line each, then 'N passed, N failed' (exit 1 if any failed)\n"
	       "slurm writes a Slurm job array whose tasks are the shards of FILE (an\n"
	       "      experiment or a capacity plan) and a script that submits it with a merge\n"
	       "      step after it (docs/capacity.md, \"Scaling out\")\n\n"
	       "  -j, --jobs N   worker processes (default 1); any N gives the same numbers\n"
	       "      --resume   keep the runs already recorded\n"
	       "      --shard I/N  only shard I (0-based) of N: every Nth run; merge the shards'\n"
	       "                 databases with 'virtlab merge'\n"
	       "      --db F     results database (default OUTPUT/results.db, OUTPUT from the\n"
	       "                 file's [experiment] output, default out/NAME)\n"
	       "  -P, --param K=V  set parameter K of every system whose model (or host) has\n"
	       "                 it, over the file's value (repeatable); recorded with the runs\n"
	       "  -q, --quiet    no progress: errors and the closing line only\n"
	       "      --json     no progress; on standard output one JSON object: experiment,\n"
	       "                 file, db, runs (total, run now, kept from before), jobs, shard\n\n"
	       "The file format is in docs/experiments.md; 'virtlab report' draws the results.\n");
}

/* The runs' progress: the display, and the counts for --json. */
struct runs_done {
	struct vl_progress bar;
	int started;
	size_t done, total, skipped;
};

static void progress(void *ctx, size_t done, size_t total, size_t skipped)
{
	struct runs_done *p = ctx;

	p->done = done;
	p->total = total;
	p->skipped = skipped;
	if (!p->started) { /* the first call: the totals are known from here */
		p->started = 1;
		vl_progress_start(&p->bar, total);
		if (skipped)
			vl_progress_line(&p->bar, "resuming: %zu runs already done, %zu to go", skipped,
			                 total);
	}
	vl_progress_update(&p->bar, done);
}

static int do_run(int argc, char **argv)
{
	static const struct option opts[] = {
		{"jobs", required_argument, NULL, 'j'},
		{"resume", no_argument, NULL, 'r'},
		{"shard", required_argument, NULL, 's'},
		{"db", required_argument, NULL, 'd'},
		{"param", required_argument, NULL, 'P'},
		{"quiet", no_argument, NULL, 'q'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vl_exp_opts o = {.jobs = 1, .stop = &stop_flag};
	int quiet = 0, json = 0;
	struct vl_override ov[VL_EXP_MAX_OV];
	size_t nov = 0;
	struct vl_err err = {0};
	const char *db = NULL;
	uint64_t v;
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "j:P:qh", opts, NULL)) != -1) {
		switch (c) {
		case 'q': quiet = 1; break;
		case 'J': json = 1; break;
		case 'j':
			if (cli_parse_u64(optarg, &v) || v < 1 || v > 256)
				return cli_usage_error("experiment", "--jobs '%s': expected 1 to 256", optarg);
			o.jobs = (unsigned)v;
			break;
		case 'r': o.resume = 1; break;
		case 's':
			if (cli_parse_shard(optarg, &o.shard, &o.nshards))
				return cli_usage_error("experiment", "--shard '%s': I/N with 0 <= I < N", optarg);
			break;
		case 'd': db = optarg; break;
		case 'P':
			if (nov == sizeof(ov) / sizeof(ov[0]))
				return cli_usage_error("experiment", "too many --param options");
			if (vl_override_parse(&ov[nov], optarg, &err))
				return cli_usage_error("experiment", "--param %s", err.msg);
			nov++;
			break;
		case 'h': help(); return EXIT_OK;
		default:
			return cli_usage_error("experiment", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("experiment", "run needs exactly one FILE");
	struct vl_experiment *e;
	if (vl_exp_load(&e, argv[optind], &err))
		return cli_fail(&err);
	if (vl_exp_override(e, ov, nov, &err)) {
		vl_exp_free(e);
		return cli_fail(&err);
	}
	char dbbuf[1024];
	if (!db) {
		snprintf(dbbuf, sizeof(dbbuf), "%s/results.db", e->output);
		db = dbbuf;
	}
	struct runs_done p = {.started = 0};
	/* a plain line at every tenth when not on a terminal */
	vl_progress_init(&p.bar, stderr, "runs", 0,
	                 quiet || json ? VL_PROGRESS_QUIET : VL_PROGRESS_LINES);
	o.progress = progress;
	o.progress_ctx = &p;
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	int rc = vl_exp_run(e, db, &o, &err);
	vl_progress_end(&p.bar);
	if (rc == VL_EINTR) {
		fprintf(stderr, "virtlab: interrupted; finished runs are kept: "
		                "'virtlab experiment run %s --resume' does the rest\n", argv[optind]);
		vl_exp_free(e);
		return EXIT_INTR;
	}
	if (rc) {
		vl_exp_free(e);
		return cli_fail(&err);
	}
	if (json) {
		struct vl_json j;
		vl_json_init(&j, stdout);
		vl_json_object(&j, NULL);
		vl_json_str(&j, "experiment", e->name);
		vl_json_str(&j, "file", argv[optind]);
		vl_json_str(&j, "db", db);
		vl_json_object(&j, "runs");
		vl_json_uint(&j, "total", p.total + p.skipped);
		vl_json_uint(&j, "run", p.done);
		vl_json_uint(&j, "kept", p.skipped);
		vl_json_end(&j);
		vl_json_uint(&j, "jobs", o.jobs);
		if (o.nshards > 1) {
			vl_json_object(&j, "shard");
			vl_json_uint(&j, "index", o.shard);
			vl_json_uint(&j, "count", o.nshards);
			vl_json_end(&j);
		} else {
			vl_json_null(&j, "shard");
		}
		vl_json_end(&j);
	} else {
		printf("experiment %s: results in %s; 'virtlab report %s' draws them\n", e->name, db, db);
	}
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

/* A check's operand as written: a number, or W/S[@POINT] = VALUE. */
static void print_operand(const struct vl_experiment *e, const struct vl_exp_operand *o)
{
	if (o->number)
		printf("%.6g", o->value);
	else
		printf("%s/%s%s%s = %.6g", e->w[o->w].name, e->s[o->s].name, o->has_point ? "@" : "",
		       o->point, o->value);
}

static int do_check(int argc, char **argv)
{
	static const struct option opts[] = {
		{"db", required_argument, NULL, 'd'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *db = NULL;
	char dbbuf[1024];
	struct vl_experiment *e;
	struct vl_db *h;
	struct vl_err err = {0};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'd': db = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("experiment", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("experiment", "check needs exactly one FILE");
	if (vl_exp_load(&e, argv[optind], &err))
		return cli_fail(&err);
	size_t nbound = 0;
	for (size_t i = 0; i < e->nref; i++)
		nbound += e->ref[i].has_bound;
	if (!e->ncheck && !nbound) {
		fprintf(stderr, "virtlab: %s: no [check] section and no reference with a bound\n",
		        argv[optind]);
		vl_exp_free(e);
		return EXIT_USAGE;
	}
	if (!db) {
		snprintf(dbbuf, sizeof(dbbuf), "%s/results.db", e->output);
		db = dbbuf;
	}
	struct vl_exp_check_result *r = calloc(e->ncheck + 1, sizeof(*r));
	struct vl_exp_bound_result *b = calloc(e->nref + 1, sizeof(*b));
	int rc = !r || !b ? vl_err_set(&err, VL_ENOMEM, "out of memory")
	       : access(db, R_OK) ? vl_err_set(&err, VL_EINVAL, "%s: no results database (run "
	                                       "'virtlab experiment run %s' first)", db, argv[optind])
	       : vl_db_open_ro(&h, db, &err);
	if (!rc) {
		rc = vl_exp_check_run(e, h, r, &err);
		if (!rc)
			rc = vl_exp_bound_run(e, h, b, &nbound, &err);
		vl_db_close(h);
	}
	if (rc) {
		free(r);
		free(b);
		vl_exp_free(e);
		return cli_fail(&err);
	}
	unsigned passed = 0;
	for (size_t i = 0; i < e->ncheck; i++) {
		printf("%s  %s: %s\n      ", r[i].passed ? "pass" : "FAIL", r[i].check->name,
		       r[i].check->says[0] ? r[i].check->says : r[i].check->expect);
		if (r[i].why[0]) {
			printf("%s\n", r[i].why);
		} else {
			print_operand(e, &r[i].left);
			printf(" %c ", r[i].op);
			print_operand(e, &r[i].right);
			printf(" (%s", r[i].check->metric);
			if (r[i].op == '~')
				printf(", within %g%%", 100 * r[i].check->tolerance);
			printf(")\n");
		}
		passed += r[i].passed;
	}
	for (size_t i = 0; i < nbound; i++) {
		const struct vl_exp_ref *ref = b[i].ref;
		printf("%s  reference %s: %s/%s %s\n      ", b[i].passed ? "pass" : "FAIL", ref->name,
		       ref->workload, ref->system, ref->metric);
		if (b[i].why[0])
			printf("%s\n", b[i].why);
		else
			printf("simulated %.6g, published %.6g %s: error %+.1f%% (bound %g%%%s)\n",
			       b[i].simulated, ref->value, ref->unit, 100 * b[i].error, 100 * ref->bound,
			       ref->fitted ? ", fitted" : "");
		passed += b[i].passed;
	}
	size_t failed = e->ncheck + nbound - passed;
	printf("%u passed, %zu failed\n", passed, failed);
	free(r);
	free(b);
	vl_exp_free(e);
	return failed ? EXIT_FAIL : EXIT_OK;
}

/* s as one single-quoted shell word (malloc'd; NULL out of memory). */
static char *shq(const char *s)
{
	size_t len = 4 * strlen(s) + 3;
	char *q = malloc(len);

	return q ? (char *)vl_quote(VL_Q_SH, s, q, len) : NULL;
}

/* Writes DIR/run.sbatch (a job array of shards) and DIR/submit.sh (it, then a merge). */
static int do_slurm(int argc, char **argv)
{
	static const struct option opts[] = {
		{"shards", required_argument, NULL, 'n'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	uint64_t shards = 4;
	const char *outdir = NULL;
	char out[1024], path[1200], self[4096], cwd[4096], file[4096];
	struct vl_err err = {0};
	int c, plan;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (cli_parse_u64(optarg, &shards) || shards < 1 || shards > 10000)
				return cli_usage_error("experiment", "--shards '%s': 1 to 10000", optarg);
			break;
		case 'o': outdir = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("experiment", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("experiment", "slurm needs exactly one FILE");
	const char *arg = argv[optind];
	char name[128];
	struct vl_cap_plan *p = NULL;
	struct vl_experiment *e = NULL;
	/* a plan file has a [plan] section */
	FILE *in = fopen(arg, "r");
	char *line = NULL;
	size_t cap = 0;
	plan = 0;
	while (in && getline(&line, &cap, in) > 0) /* whole lines: no tail of a long one counts */
		plan |= !strncmp(line, "[plan]", 6);
	free(line);
	if (in)
		fclose(in);
	if (plan) {
		if (vl_cap_parse_file(&p, arg, &err))
			return cli_fail(&err);
		snprintf(name, sizeof(name), "%s", p->name);
		snprintf(out, sizeof(out), "%s/slurm", outdir ? outdir : p->output);
		vl_cap_free(p);
	} else {
		if (vl_exp_load(&e, arg, &err))
			return cli_fail(&err);
		snprintf(name, sizeof(name), "%s", e->name);
		snprintf(out, sizeof(out), "%s/slurm", outdir ? outdir : e->output);
		vl_exp_free(e);
	}
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	self[n > 0 ? n : 0] = '\0';
	if (!getcwd(cwd, sizeof(cwd)) || !realpath(arg, file))
		return cli_usage_error("experiment", "%s: cannot resolve its path", arg);
	/* every path is a quoted word below; #SBATCH lines are not shell and cannot quote */
	const char *paths[] = {out, cwd, self, file};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		for (const char *q = paths[i]; *q; q++)
			if ((unsigned char)*q < 0x20 || *q == 0x7f)
				return cli_usage_error("experiment", "'%s': a path with a control character "
				                       "cannot go into a Slurm script", paths[i]);
	if (strpbrk(out, " \t\"'\\%"))
		return cli_usage_error("experiment", "'%s': the output directory goes into an #SBATCH "
		                       "line, which takes no spaces, quotes, backslashes or %%", out);
	snprintf(path, sizeof(path), "%s/shards", out);
	for (char *q = path + 1; *q; q++)
		if (*q == '/') {
			*q = '\0';
			mkdir(path, 0777);
			*q = '/';
		}
	if (mkdir(path, 0777) && access(path, W_OK))
		return cli_usage_error("experiment", "%s: cannot create", path);
	/* shell-quoted words: a path is data, whatever it holds ($(...), quotes, spaces) */
	char *qout = shq(out), *qcwd = shq(cwd), *qself = shq(self), *qfile = shq(file),
	     *qname = shq(name), *wrap = NULL, *qwrap = NULL;
	int rc = EXIT_OK;
	if (!qout || !qcwd || !qself || !qfile || !qname) {
		fprintf(stderr, "virtlab: out of memory\n");
		rc = EXIT_FAIL;
		goto out_free;
	}
	snprintf(path, sizeof(path), "%s/run.sbatch", out);
	FILE *f = fopen(path, "w");
	if (!f) {
		rc = cli_usage_error("experiment", "%s: cannot write", path);
		goto out_free;
	}
	fprintf(f, "#!/bin/sh\n"
	           "# virtlab: %s %s in %llu shards, one task each (written by `virtlab experiment slurm`)\n"
	           "#SBATCH --job-name=virtlab-%s\n"
	           "#SBATCH --array=0-%llu\n"
	           "#SBATCH --ntasks=1\n"
	           "#SBATCH --cpus-per-task=1\n"
	           "#SBATCH --output=%s/shard-%%a.log\n"
	           "set -eu\n"
	           "cd %s\n"
	           "%s %s %s --shard \"$SLURM_ARRAY_TASK_ID/%llu\" %s --db %s/shards/shard-\"$SLURM_ARRAY_TASK_ID\".db\n",
	        plan ? "plan" : "experiment", name, (unsigned long long)shards, name,
	        (unsigned long long)shards - 1, out, qcwd, qself, plan ? "plan" : "experiment run", qfile,
	        (unsigned long long)shards, plan ? "" : "--resume", qout);
	fclose(f);
	/* the merge step's command line is itself one word of sbatch --wrap */
	size_t wlen = strlen(qself) + 2 * strlen(qout) + 64;
	if ((wrap = malloc(wlen)))
		snprintf(wrap, wlen, "%s merge %s/merged.db %s/shards/shard-*.db", qself, qout, qout);
	if (!wrap || !(qwrap = shq(wrap))) {
		fprintf(stderr, "virtlab: out of memory\n");
		rc = EXIT_FAIL;
		goto out_free;
	}
	snprintf(path, sizeof(path), "%s/submit.sh", out);
	f = fopen(path, "w");
	if (!f) {
		rc = cli_usage_error("experiment", "%s: cannot write", path);
		goto out_free;
	}
	fprintf(f, "#!/bin/sh\n"
	           "# Submits the shards as a job array, then a merge that runs after all of them.\n"
	           "set -eu\n"
	           "cd %s\n"
	           "job=$(sbatch --parsable %s/run.sbatch)\n"
	           "sbatch --parsable --dependency=afterok:\"$job\" --job-name=virtlab-%s-merge "
	           "--output=%s/merge.log --wrap %s\n",
	        qcwd, qout, qname, qout, qwrap);
	fclose(f);
	chmod(path, 0755);
	printf("wrote %s/run.sbatch (%llu array tasks) and %s/submit.sh; the merged results go to "
	       "%s/merged.db\n", out, (unsigned long long)shards, out, out);
out_free:
	free(qout);
	free(qcwd);
	free(qself);
	free(qfile);
	free(qname);
	free(wrap);
	free(qwrap);
	return rc;
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
	if (strcmp(argv[1], "slurm") == 0)
		return do_slurm(argc - 1, argv + 1);
	if (strcmp(argv[1], "check") == 0)
		return do_check(argc - 1, argv + 1);
	return cli_usage_error("experiment", "unknown subcommand '%s' (run, runs, check, slurm)",
	                       argv[1]);
}
