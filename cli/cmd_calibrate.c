/*
 * virtlab calibrate: measure this host's mechanisms and write the this-host
 * profiles. virtlab validate: check the calibrated models against measured
 * workloads.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/recorder.h"
#include "reports/report.h"
#include "sim/thishost.h"
#include "testbed/testbed.h"
#include "util/json.h"
#include "util/progress.h"

static void help_calibrate(void)
{
	printf("usage: virtlab calibrate [--quick] [--backend LIST] [--db F] [--profile-out F]\n"
	       "                         [--kvm-dev PATH] [--quiet|--json]\n\n"
	       "Measures on this host what the models charge for and writes the this-host\n"
	       "profiles, so that `--profile this-host` (and `host = this-host`) run the models\n"
	       "with this machine's numbers. Backends (docs/testbed.md):\n"
	       "  native     system call, page fault, fork+exit+wait, context switch, RDTSC,\n"
	       "             CPUID, an ALU loop, file I/O, process start (vl-probe)\n"
	       "  kvm        our own VMM's guest nanobenchmarks at guest user and kernel mode,\n"
	       "             with exit counts from KVM's statistics (needs /dev/kvm)\n"
	       "  container  vl-probe in fresh namespaces, and in a CPU-limited cgroup\n"
	       "  emulation  vl-probe under qemu-x86_64, and its aarch64, PowerPC and s390x builds\n"
	       "             under qemu-aarch64, qemu-ppc and qemu-s390x (profiles this-host-ISA)\n"
	       "A backend that cannot run here is skipped with its reason.\n\n"
	       "  --quick          fewer samples, shorter KVM runs (under two minutes)\n"
	       "  --backend LIST   comma list of native, kvm, container, emulation (default all)\n"
	       "  --db F           results database (default " VL_DEFAULT_DB ")\n"
	       "  --profile-out F  profile file (default $VIRTLAB_THIS_HOST or "
	       VL_THIS_HOST_DEFAULT_PATH ")\n"
	       "  --kvm-dev PATH   the KVM device (default /dev/kvm)\n"
	       "  --quiet          no progress and no tables: errors and one closing line\n"
	       "  --json           no progress; on standard output one JSON object: host,\n"
	       "                   microbenchmarks, kvm, skipped, calibration, db, profile\n");
}

/* The testbed's steps, as lines above the display. */
static void print_line(void *ctx, const char *line)
{
	vl_progress_line(ctx, "  %s", line);
}

/* A calibration's results as members of the open object of j. */
static void json_calibration(struct vl_json *j, const struct vl_tb_calib *c)
{
	vl_json_str(j, "host", c->host);
	vl_json_str(j, "started", c->started);
	vl_json_bool(j, "quick", c->quick);
	vl_json_num(j, "tsc_hz", c->tsc_hz);
	vl_json_array(j, "microbenchmarks"); /* per operation */
	for (size_t i = 0; i < c->nsums; i++) {
		const struct vl_tb_summary *s = &c->sums[i];
		const struct vl_tb_summary *n = vl_tb_find(c, "native", s->bench);
		vl_json_object(j, NULL);
		vl_json_str(j, "env", s->env);
		vl_json_str(j, "backend", s->backend);
		vl_json_str(j, "bench", s->bench);
		vl_json_uint(j, "samples", s->n);
		vl_json_num(j, "median_ns", s->median_ns);
		vl_json_num(j, "lo_ns", s->lo_ns);
		vl_json_num(j, "hi_ns", s->hi_ns);
		vl_json_num(j, "median_cycles", s->median_cycles);
		vl_json_num(j, "slowdown", n && n != s && n->median_ns > 0 ? s->median_ns / n->median_ns
		                                                           : NAN);
		vl_json_end(j);
	}
	vl_json_end(j);
	if (c->nkvm) {
		vl_json_object(j, "kvm");
		vl_json_str(j, "label", c->kvm.label);
		vl_json_array(j, "results");
		for (size_t i = 0; i < c->nkvm; i++) {
			const struct vl_tb_kvm *k = &c->kvmres[i];
			vl_json_object(j, NULL);
			vl_json_str(j, "bench", vl_gbench[k->bench].name);
			vl_json_str(j, "mode", k->user ? "user" : "kernel");
			vl_json_bool(j, "ok", k->ok);
			vl_json_num(j, "cycles", k->ok ? k->cycles : NAN);
			vl_json_num(j, "ns", k->ok ? k->ns : NAN);
			vl_json_str(j, k->ok ? "outcome" : "error", k->ok ? k->outcome : k->error);
			vl_json_end(j);
		}
		vl_json_end(j);
		vl_json_end(j);
	} else {
		vl_json_null(j, "kvm");
	}
	vl_json_array(j, "skipped");
	for (size_t i = 0; i < c->nskips; i++) {
		vl_json_object(j, NULL);
		vl_json_str(j, "env", c->skips[i].env);
		vl_json_str(j, "backend", c->skips[i].backend);
		vl_json_str(j, "reason", c->skips[i].reason);
		vl_json_end(j);
	}
	vl_json_end(j);
}

static void print_calibration(const struct vl_tb_calib *c)
{
	const char *env = "";

	printf("\nmicrobenchmarks: median ns per operation [95%% interval], cycles, slowdown "
	       "against native\n");
	for (size_t i = 0; i < c->nsums; i++) {
		const struct vl_tb_summary *s = &c->sums[i];
		const struct vl_tb_summary *n = vl_tb_find(c, "native", s->bench);
		if (strcmp(env, s->env)) {
			env = s->env;
			printf("  %s\n", env);
		}
		printf("    %-9s %12.1f ns [%.1f, %.1f] %12.0f cycles", s->bench, s->median_ns,
		       s->lo_ns, s->hi_ns, s->median_cycles);
		if (n && n != s && n->median_ns > 0)
			printf("  %6.2fx", s->median_ns / n->median_ns);
		printf("\n");
	}
	if (c->nkvm) {
		printf("\nkvm (%s)\n", c->kvm.label);
		printf("  guest kernel mode, in kvm-unit-tests x86/vmexit's form (name cycles):\n");
		for (size_t i = 0; i < c->nkvm; i++)
			if (!c->kvmres[i].user && c->kvmres[i].ok)
				printf("%s %.0f\n", vl_gbench[c->kvmres[i].bench].name, c->kvmres[i].cycles);
		for (int user = 0; user < 2; user++) {
			printf("  guest %s mode:\n", user ? "user" : "kernel");
			for (size_t i = 0; i < c->nkvm; i++) {
				const struct vl_tb_kvm *k = &c->kvmres[i];
				if (k->user != user)
					continue;
				if (k->ok)
					printf("    %-17s %10.0f cycles %10.0f ns  %s\n", vl_gbench[k->bench].name,
					       k->cycles, k->ns, k->outcome);
				else
					printf("    %-17s did not run: %s\n", vl_gbench[k->bench].name, k->error);
			}
		}
	}
	for (size_t i = 0; i < c->nskips; i++)
		printf("skipped %s (%s): %s\n", c->skips[i].env, c->skips[i].backend, c->skips[i].reason);
}

/*
 * The options calibrate and validate share; *place gets --profile-out or
 * --out, *quiet and *json are set by --quiet and --json. Returns -1 to go
 * on, or the exit status.
 */
static int parse_opts(int argc, char **argv, const char *cmd, void (*help)(void),
                      struct vl_tb_opts *o, const char **dbpath, const char **place, int *quiet,
                      int *json)
{
	static const struct option opts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"backend", required_argument, NULL, 'b'},
		{"db", required_argument, NULL, 'd'},
		{"profile-out", required_argument, NULL, 'p'},
		{"out", required_argument, NULL, 'o'},
		{"kvm-dev", required_argument, NULL, 'k'},
		{"quiet", no_argument, NULL, 'Q'},
		{"json", no_argument, NULL, 'J'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int validate = !strcmp(cmd, "validate"), ch;
	struct vl_err err = {0};

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (ch) {
		case 'q': o->quick = 1; break;
		case 'b':
			if (vl_tb_backends_parse(optarg, &o->backends, &err))
				return cli_usage_error(cmd, "%s", err.msg);
			break;
		case 'd': *dbpath = optarg; break;
		case 'p':
		case 'o':
			if ((ch == 'o') != validate)
				return cli_usage_error(cmd, "unknown option '%s'",
				                       ch == 'o' ? "--out" : "--profile-out");
			*place = optarg;
			break;
		case 'k': o->kvm_dev = optarg; break;
		case 'Q': *quiet = 1; break;
		case 'J': *json = 1; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error(cmd, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error(cmd, "unexpected argument '%s'", argv[optind]);
	return -1;
}

static int mkparent(const char *path, struct vl_err *err)
{
	char dir[4096];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash)
		return 0;
	*slash = '\0';
	/* two levels: out/calibrate */
	char *mid = strrchr(dir, '/');
	if (mid) {
		*mid = '\0';
		mkdir(dir, 0755);
		*mid = '/';
	}
	if (mkdir(dir, 0755) && access(dir, W_OK))
		return vl_err_set(err, VL_EIO, "%s: cannot create the directory", dir);
	return 0;
}

int cmd_calibrate(int argc, char **argv)
{
	struct vl_progress bar;
	struct vl_tb_opts o = {.backends = VL_TB_ALL, .kvm_dev = "/dev/kvm", .progress = print_line,
	                       .ctx = &bar};
	const char *dbpath = VL_DEFAULT_DB, *out = vl_this_host_path();
	struct vl_err err = {0};
	struct vl_tb_calib c;
	struct vl_db *db = NULL;
	int64_t id = 0;
	int quiet = 0, json = 0;
	int st = parse_opts(argc, argv, "calibrate", help_calibrate, &o, &dbpath, &out, &quiet, &json);

	if (st >= 0)
		return st;
	vl_progress_init(&bar, stderr, "steps", 0, quiet || json ? VL_PROGRESS_QUIET : 0);
	/* where the results go must be writable before anything is measured */
	if (((o.backends & VL_TB_NATIVE) && mkparent(out, &err)) || cli_ensure_parent(dbpath, &err) ||
	    vl_db_open(&db, dbpath, &err))
		return cli_fail(&err);
	vl_progress_line(&bar, "calibrating this host%s", o.quick ? " (quick)" : "");
	if (vl_tb_calibrate(&o, &c, &err)) {
		vl_tb_calib_free(&c);
		vl_db_close(db);
		return cli_fail(&err);
	}
	if (vl_tb_record(db, &c, &id, &err) ||
	    ((o.backends & VL_TB_NATIVE) && vl_tb_write_profile(&c, out, &err))) {
		vl_tb_calib_free(&c);
		vl_db_close(db);
		return cli_fail(&err);
	}
	int wrote = (o.backends & VL_TB_NATIVE) != 0;
	if (json) {
		struct vl_json j;
		vl_json_init(&j, stdout);
		vl_json_object(&j, NULL);
		json_calibration(&j, &c);
		vl_json_int(&j, "calibration", id);
		vl_json_str(&j, "db", dbpath);
		vl_json_str(&j, "profile", wrote ? out : NULL);
		vl_json_end(&j);
	} else if (quiet) {
		printf("calibration %lld in %s; %s%s\n", (long long)id, dbpath,
		       wrote ? "profile " : "no profile (the native backend did not run)",
		       wrote ? out : "");
	} else {
		print_calibration(&c);
		printf("\nrecorded as calibration %lld in %s\n", (long long)id, dbpath);
		if (wrote)
			printf("wrote %s: use it with --profile this-host (or host = this-host)\n", out);
		else
			printf("no profile written: the native backend did not run\n");
	}
	vl_tb_calib_free(&c);
	vl_db_close(db);
	return EXIT_OK;
}

static void help_validate(void)
{
	printf("usage: virtlab validate [--quick] [--backend LIST] [--db F] [--out DIR]\n"
	       "                        [--kvm-dev PATH] [--quiet|--json]\n\n"
	       "Calibrates (as `virtlab calibrate`, into DIR/this-host.ini), then runs real\n"
	       "workloads - a system-call loop, a page-touch loop, forkwait, file I/O and a\n"
	       "compile-like mix - natively, in a container and under qemu-x86_64; writes a\n"
	       "trace of each from the native run's counts; predicts each environment with\n"
	       "the calibrated models; and reports predicted against measured, with the\n"
	       "error of each. Inside the KVM guest, our VMM's own loops at guest user mode\n"
	       "are predicted from the kernel-mode calibration. Combinations that cannot run\n"
	       "here are listed with the reason.\n\n"
	       "  --quick          smaller workloads and a quick calibration\n"
	       "  --backend LIST   as for calibrate (default all)\n"
	       "  --db F           results database (default " VL_DEFAULT_DB ")\n"
	       "  --out DIR        table, plot and traces (default out/validate)\n"
	       "  --kvm-dev PATH   the KVM device (default /dev/kvm)\n"
	       "  --quiet          no progress and no tables: errors and one closing line\n"
	       "  --json           no progress; on standard output one JSON object: the\n"
	       "                   calibration (as calibrate --json), validation (workload,\n"
	       "                   env, model, unit, measured, predicted, error, fitted),\n"
	       "                   not_run, calibration id, db, out, plot\n");
}

static int write_validation(const struct vl_tb_validation *v, const char *dir, int *plotted,
                            struct vl_err *err)
{
	char path[4200];
	FILE *tsv, *md, *gp;

	snprintf(path, sizeof(path), "%s/validation.tsv", dir);
	if (!(tsv = fopen(path, "w")))
		return vl_err_set(err, VL_EIO, "%s: cannot write", path);
	snprintf(path, sizeof(path), "%s/README.md", dir);
	if (!(md = fopen(path, "w"))) {
		fclose(tsv);
		return vl_err_set(err, VL_EIO, "%s: cannot write", path);
	}
	fprintf(tsv, "workload\tenv\tmodel\tunit\tmeasured\tpredicted\terror\tbasis\n");
	fprintf(md, "# Predicted against measured on this host\n\n"
	            "Written by `virtlab validate`; docs/testbed.md explains how each trace is "
	            "built. Units: `x` slowdown against native, `s` seconds (the native model "
	            "against the native run), `cycles` per guest loop iteration. A *fitted* row "
	            "is the operation a parameter of its environment was calibrated from: it "
	            "checks the arithmetic, not the model, and the largest error is of the "
	            "*predicted* rows.\n\n"
	            "![predicted against measured](validation.png)\n\n"
	            "| workload | environment | model (this-host) | measured | predicted | error | "
	            "basis |\n|---|---|---|---:|---:|---:|---|\n");
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vl_tb_valrow *r = &v->rows[i];
		const char *basis = r->fitted ? "fitted" : "predicted";
		fprintf(tsv, "%s\t%s\t%s\t%s\t%.6g\t%.6g\t%.4f\t%s\n", r->workload, r->env, r->model,
		        r->unit, r->measured, r->predicted, r->error, basis);
		fprintf(md, "| %s | %s | %s | %.4g %s | %.4g %s | %+.0f%% | %s |\n", r->workload,
		        r->env, r->model, r->measured, r->unit, r->predicted, r->unit, 100 * r->error,
		        r->fitted ? "*fitted*" : "predicted");
	}
	fprintf(md, "\n## Not run here\n\n");
	for (size_t i = 0; i < v->nskips; i++)
		fprintf(md, "- %s: %s\n", v->skips[i].env, v->skips[i].reason);
	fclose(tsv);
	fclose(md);

	snprintf(path, sizeof(path), "%s/slowdown.tsv", dir);
	if (!(tsv = fopen(path, "w")))
		return vl_err_set(err, VL_EIO, "%s: cannot write", path);
	fprintf(tsv, "row\tmeasured\tpredicted\n");
	for (size_t i = 0; i < v->nrows; i++)
		if (!strcmp(v->rows[i].unit, "x"))
			fprintf(tsv, "%s %s\t%.6g\t%.6g\n", v->rows[i].workload, v->rows[i].env,
			        v->rows[i].measured, v->rows[i].predicted);
	fclose(tsv);
	snprintf(path, sizeof(path), "%s/validation.gp", dir);
	if (!(gp = fopen(path, "w")))
		return vl_err_set(err, VL_EIO, "%s: cannot write", path);
	fprintf(gp, "# top: slowdowns against native, measured and predicted;\n"
	            "# bottom: the error of every row (slowdown, native time, KVM guest loop)\n"
	            "set datafile separator '\\t'\nset termoption noenhanced\n"
	            "set multiplot layout 2,1\n"
	            "set style data histograms\nset style histogram clustered gap 1\n"
	            "set style fill solid 0.8 border -1\nset grid ytics\nset key top left\n"
	            "set xtics rotate by -30 font ',8'\nset ylabel 'slowdown (x native)'\n"
	            "set title 'virtlab validate: measured and predicted on this host'\n"
	            "set rmargin 10\nplot 'slowdown.tsv' every ::1 using 2:xtic(1) title 'measured' lc rgb '#4477aa', "
	            "'' every ::1 using 3 title 'predicted (model, this-host)' lc rgb '#ee6677'\n"
	            "set style data boxes\nset boxwidth 0.7\nset ylabel 'error (%%)'\n"
	            "set title 'error of each prediction'\nunset key\n"
	            "plot 'validation.tsv' every ::1 using 0:($7*100):xtic(strcol(1).' '.strcol(2)) "
	            "lc rgb '#228833'\nunset multiplot\n");
	fclose(gp);
	*plotted = 0;
	if (vl_report_have_tool("gnuplot")) {
		const char *png[] = {"gnuplot", "-e", "set terminal pngcairo size 1000,900; "
		                     "set output 'validation.png'", "validation.gp", NULL};
		const char *svg[] = {"gnuplot", "-e", "set terminal svg size 1000,900; "
		                     "set output 'validation.svg'", "validation.gp", NULL};
		*plotted = !vl_report_run_tool(dir, png) && !vl_report_run_tool(dir, svg);
	}
	return 0;
}

/* validate --json (the whole result) or --quiet (one line). */
static void print_validation_short(const struct vl_tb_calib *c, const struct vl_tb_validation *v,
                                   int64_t id, const char *dbpath, const char *dir, int plotted,
                                   int json)
{
	if (!json) {
		double worst = 0;
		size_t fitted = 0;
		for (size_t i = 0; i < v->nrows; i++) {
			fitted += v->rows[i].fitted;
			if (!v->rows[i].fitted && fabs(v->rows[i].error) > worst)
				worst = fabs(v->rows[i].error);
		}
		printf("validate: %zu predictions (largest error %.0f%%) and %zu fitted rows, %zu not "
		       "run; calibration %lld in %s; table in %s/\n", v->nrows - fitted, 100 * worst,
		       fitted, v->nskips, (long long)id, dbpath, dir);
		return;
	}
	struct vl_json j;
	vl_json_init(&j, stdout);
	vl_json_object(&j, NULL);
	vl_json_object(&j, "calibrate");
	json_calibration(&j, c);
	vl_json_end(&j);
	vl_json_array(&j, "validation");
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vl_tb_valrow *r = &v->rows[i];
		vl_json_object(&j, NULL);
		vl_json_str(&j, "workload", r->workload);
		vl_json_str(&j, "env", r->env);
		vl_json_str(&j, "model", r->model);
		vl_json_str(&j, "unit", r->unit);
		vl_json_num(&j, "measured", r->measured);
		vl_json_num(&j, "predicted", r->predicted);
		vl_json_num(&j, "error", r->error);
		vl_json_bool(&j, "fitted", r->fitted);
		vl_json_end(&j);
	}
	vl_json_end(&j);
	vl_json_array(&j, "not_run");
	for (size_t i = 0; i < v->nskips; i++) {
		vl_json_object(&j, NULL);
		vl_json_str(&j, "env", v->skips[i].env);
		vl_json_str(&j, "reason", v->skips[i].reason);
		vl_json_end(&j);
	}
	vl_json_end(&j);
	vl_json_int(&j, "calibration", id);
	vl_json_str(&j, "db", dbpath);
	vl_json_str(&j, "out", dir);
	vl_json_bool(&j, "plot", plotted);
	vl_json_end(&j);
}

int cmd_validate(int argc, char **argv)
{
	struct vl_progress bar;
	struct vl_tb_opts o = {.backends = VL_TB_ALL, .kvm_dev = "/dev/kvm", .progress = print_line,
	                       .ctx = &bar};
	const char *dbpath = VL_DEFAULT_DB, *dir = "out/validate";
	char profile[4200], traces[4200];
	struct vl_err err = {0};
	struct vl_tb_calib c;
	struct vl_tb_validation *v;
	struct vl_db *db = NULL;
	int64_t id = 0;
	int plotted = 0, quiet = 0, json = 0;
	int st = parse_opts(argc, argv, "validate", help_validate, &o, &dbpath, &dir, &quiet, &json);

	if (st >= 0)
		return st;
	vl_progress_init(&bar, stderr, "steps", 0, quiet || json ? VL_PROGRESS_QUIET : 0);
	o.backends |= VL_TB_NATIVE; /* every prediction starts from the native costs */
	snprintf(profile, sizeof(profile), "%s/this-host.ini", dir);
	snprintf(traces, sizeof(traces), "%s/traces", dir);
	if (mkparent(profile, &err) || mkparent(traces, &err) ||
	    (mkdir(traces, 0755) && access(traces, W_OK)))
		return cli_fail(&err);
	if (cli_ensure_parent(dbpath, &err) || vl_db_open(&db, dbpath, &err))
		return cli_fail(&err);
	v = calloc(1, sizeof(*v));
	if (!v) {
		vl_db_close(db);
		return EXIT_FAIL;
	}
	vl_progress_line(&bar, "calibrating this host%s", o.quick ? " (quick)" : "");
	int rc = vl_tb_calibrate(&o, &c, &err);
	if (!rc) {
		if (!quiet && !json)
			print_calibration(&c);
		rc = vl_tb_record(db, &c, &id, &err);
	}
	if (!rc)
		rc = vl_tb_write_profile(&c, profile, &err);
	if (!rc) {
		setenv("VIRTLAB_THIS_HOST", profile, 1);
		rc = vl_tb_validate(&o, &c, traces, v, &err);
	}
	if (!rc)
		rc = vl_tb_record_validation(db, id, v, &err);
	if (!rc)
		rc = write_validation(v, dir, &plotted, &err);
	if (rc) {
		free(v);
		vl_tb_calib_free(&c);
		vl_db_close(db);
		return cli_fail(&err);
	}
	if (json || quiet) {
		print_validation_short(&c, v, id, dbpath, dir, plotted, json);
		free(v);
		vl_tb_calib_free(&c);
		vl_db_close(db);
		return EXIT_OK;
	}
	printf("\npredicted against measured (models under this-host; x = slowdown against "
	       "native)\n");
	printf("  %-14s %-12s %-10s %14s %14s %8s  %s\n", "workload", "environment", "model",
	       "measured", "predicted", "error", "basis");
	double worst = 0;
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vl_tb_valrow *r = &v->rows[i];
		printf("  %-14s %-12s %-10s %12.4g %-2s %11.4g %-2s %+7.0f%%  %s\n", r->workload, r->env,
		       r->model, r->measured, r->unit[0] == 'c' ? "c" : r->unit, r->predicted,
		       r->unit[0] == 'c' ? "c" : r->unit, 100 * r->error,
		       r->fitted ? "fitted" : "predicted");
		if (!r->fitted && fabs(r->error) > worst)
			worst = fabs(r->error);
	}
	printf("largest error of the predicted rows: %.0f%% (a fitted row reproduces the operation "
	       "its environment was calibrated from)\n", 100 * worst);
	for (size_t i = 0; i < v->nskips; i++)
		printf("not run: %s: %s\n", v->skips[i].env, v->skips[i].reason);
	printf("\nrecorded with calibration %lld in %s; table, traces%s in %s/\n", (long long)id,
	       dbpath, plotted ? " and plot" : " (no plot: gnuplot missing)", dir);
	free(v);
	vl_tb_calib_free(&c);
	vl_db_close(db);
	return EXIT_OK;
}
