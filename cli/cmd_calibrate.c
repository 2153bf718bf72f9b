/*
 * virtlab calibrate: measure this host's mechanisms and write the this-host
 * profiles. virtlab validate: check the calibrated models against measured
 * workloads.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "sim/recorder.h"
#include "reports/report.h"
#include "sim/thishost.h"
#include "testbed/testbed.h"

static void help_calibrate(void)
{
	printf("usage: virtlab calibrate [--quick] [--backend LIST] [--db F] [--profile-out F]\n"
	       "                         [--kvm-dev PATH]\n\n"
	       "Measures on this host what the models charge for and writes the this-host\n"
	       "profiles, so that `--profile this-host` (and `host = this-host`) run the models\n"
	       "with this machine's numbers. Backends (docs/testbed.md):\n"
	       "  native     system call, page fault, fork+exit+wait, context switch, RDTSC,\n"
	       "             CPUID, an ALU loop, file I/O, process start (vl-probe)\n"
	       "  kvm        our own VMM's guest nanobenchmarks at guest user and kernel mode,\n"
	       "             with exit counts from KVM's statistics (needs /dev/kvm)\n"
	       "  container  vl-probe in fresh namespaces, and in a CPU-limited cgroup\n"
	       "  emulation  vl-probe under qemu-x86_64, and its aarch64 build under qemu-aarch64\n"
	       "A backend that cannot run here is skipped with its reason.\n\n"
	       "  --quick          fewer samples, shorter KVM runs (under two minutes)\n"
	       "  --backend LIST   comma list of native, kvm, container, emulation (default all)\n"
	       "  --db F           results database (default " VL_DEFAULT_DB ")\n"
	       "  --profile-out F  profile file (default $VIRTLAB_THIS_HOST or "
	       VL_THIS_HOST_DEFAULT_PATH ")\n"
	       "  --kvm-dev PATH   the KVM device (default /dev/kvm)\n");
}

static void print_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "  %s\n", line);
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
 * --out. Returns -1 to go on, or the exit status.
 */
static int parse_opts(int argc, char **argv, const char *cmd, void (*help)(void),
                      struct vl_tb_opts *o, const char **dbpath, const char **place)
{
	static const struct option opts[] = {
		{"quick", no_argument, NULL, 'q'},
		{"backend", required_argument, NULL, 'b'},
		{"db", required_argument, NULL, 'd'},
		{"profile-out", required_argument, NULL, 'p'},
		{"out", required_argument, NULL, 'o'},
		{"kvm-dev", required_argument, NULL, 'k'},
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
	struct vl_tb_opts o = {.backends = VL_TB_ALL, .kvm_dev = "/dev/kvm", .progress = print_line};
	const char *dbpath = VL_DEFAULT_DB, *out = vl_this_host_path();
	struct vl_err err = {0};
	struct vl_tb_calib c;
	struct vl_db *db = NULL;
	int64_t id = 0;
	int st = parse_opts(argc, argv, "calibrate", help_calibrate, &o, &dbpath, &out);

	if (st >= 0)
		return st;
	/* where the results go must be writable before anything is measured */
	if (((o.backends & VL_TB_NATIVE) && mkparent(out, &err)) || cli_ensure_parent(dbpath, &err) ||
	    vl_db_open(&db, dbpath, &err))
		return cli_fail(&err);
	fprintf(stderr, "calibrating this host%s\n", o.quick ? " (quick)" : "");
	if (vl_tb_calibrate(&o, &c, &err)) {
		vl_tb_calib_free(&c);
		vl_db_close(db);
		return cli_fail(&err);
	}
	print_calibration(&c);
	if (vl_tb_record(db, &c, &id, &err) ||
	    ((o.backends & VL_TB_NATIVE) && vl_tb_write_profile(&c, out, &err))) {
		vl_tb_calib_free(&c);
		vl_db_close(db);
		return cli_fail(&err);
	}
	printf("\nrecorded as calibration %lld in %s\n", (long long)id, dbpath);
	if (o.backends & VL_TB_NATIVE)
		printf("wrote %s: use it with --profile this-host (or host = this-host)\n", out);
	else
		printf("no profile written: the native backend did not run\n");
	vl_tb_calib_free(&c);
	vl_db_close(db);
	return EXIT_OK;
}

static void help_validate(void)
{
	printf("usage: virtlab validate [--quick] [--backend LIST] [--db F] [--out DIR]\n"
	       "                        [--kvm-dev PATH]\n\n"
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
	       "  --kvm-dev PATH   the KVM device (default /dev/kvm)\n");
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
	fprintf(tsv, "workload\tenv\tmodel\tunit\tmeasured\tpredicted\terror\n");
	fprintf(md, "# Predicted against measured on this host\n\n"
	            "Written by `virtlab validate`; docs/testbed.md explains how each trace is "
	            "built. Units: `x` slowdown against native, `s` seconds (the native model "
	            "against the native run), `cycles` per guest loop iteration.\n\n"
	            "![predicted against measured](validation.png)\n\n"
	            "| workload | environment | model (this-host) | measured | predicted | error |\n"
	            "|---|---|---|---:|---:|---:|\n");
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vl_tb_valrow *r = &v->rows[i];
		fprintf(tsv, "%s\t%s\t%s\t%s\t%.6g\t%.6g\t%.4f\n", r->workload, r->env, r->model,
		        r->unit, r->measured, r->predicted, r->error);
		fprintf(md, "| %s | %s | %s | %.4g %s | %.4g %s | %+.0f%% |\n", r->workload, r->env,
		        r->model, r->measured, r->unit, r->predicted, r->unit, 100 * r->error);
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

int cmd_validate(int argc, char **argv)
{
	struct vl_tb_opts o = {.backends = VL_TB_ALL, .kvm_dev = "/dev/kvm", .progress = print_line};
	const char *dbpath = VL_DEFAULT_DB, *dir = "out/validate";
	char profile[4200], traces[4200];
	struct vl_err err = {0};
	struct vl_tb_calib c;
	struct vl_tb_validation *v;
	struct vl_db *db = NULL;
	int64_t id = 0;
	int plotted = 0;
	int st = parse_opts(argc, argv, "validate", help_validate, &o, &dbpath, &dir);

	if (st >= 0)
		return st;
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
	fprintf(stderr, "calibrating this host%s\n", o.quick ? " (quick)" : "");
	int rc = vl_tb_calibrate(&o, &c, &err);
	if (!rc) {
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
	printf("\npredicted against measured (models under this-host; x = slowdown against "
	       "native)\n");
	printf("  %-14s %-12s %-10s %14s %14s %8s\n", "workload", "environment", "model",
	       "measured", "predicted", "error");
	for (size_t i = 0; i < v->nrows; i++) {
		const struct vl_tb_valrow *r = &v->rows[i];
		printf("  %-14s %-12s %-10s %12.4g %-2s %11.4g %-2s %+7.0f%%\n", r->workload, r->env,
		       r->model, r->measured, r->unit[0] == 'c' ? "c" : r->unit, r->predicted,
		       r->unit[0] == 'c' ? "c" : r->unit, 100 * r->error);
	}
	for (size_t i = 0; i < v->nskips; i++)
		printf("not run: %s: %s\n", v->skips[i].env, v->skips[i].reason);
	printf("\nrecorded with calibration %lld in %s; table, traces%s in %s/\n", (long long)id,
	       dbpath, plotted ? " and plot" : " (no plot: gnuplot missing)", dir);
	free(v);
	vl_tb_calib_free(&c);
	vl_db_close(db);
	return EXIT_OK;
}
