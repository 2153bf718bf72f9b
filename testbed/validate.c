/*
 * Validation: real workloads measured natively, in a container, under QEMU
 * and (for the guest's own loops) inside the KVM guest, against what the
 * models predict under the this-host profiles.
 *
 * Each workload's trace is written from counts, never from the time
 * measured in the environment it predicts: operation counts are the
 * workload's own (vl-probe work does N of a known operation), page faults
 * come from getrusage of the native run, and the kernel work of an
 * operation that has no host parameter of its own (fork+exit+wait, a 4 KiB
 * write and read) is sized from the calibration's native microbenchmark of
 * that operation. The compile-like mix is built from the parts alone, so
 * even its native row is a prediction.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <unistd.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "experiments/runner.h"
#include "sim/proc.h"
#include "sim/registry.h"
#include "testbed/capture.h"
#include "testbed/tb_int.h"
#include "traces/capture.h"
#include "traces/gen.h"
#include "traces/kpaths.h"

struct work {
	const char *name;
	long n, nquick;
	const char *what;
};

static const struct work works[] = {
	{"syscall", 200000, 50000, "getppid() in a loop"},
	{"pgfault", 20000, 5000, "first touch of fresh anonymous pages"},
	{"forkwait", 2000, 400, "fork, _exit, waitpid"},
	{"fileio", 2000, 500, "4 KiB writes, fsync, reads back"},
	{"mix", 64, 16, "compile-like: computation, file reads, fresh heap, a child in eight"},
};
#define NWORKS (sizeof(works) / sizeof(works[0]))

struct measured {
	double wall_ns;
	long minflt;
};

/* Runs `vl-probe work NAME N` once in env (under qemu when qemu != NULL). */
static int measure_once(const struct vl_tb_opts *o, enum vl_tb_env env, const char *qemu,
                        const struct work *w, long n, double *wall, long *minflt,
                        struct vl_err *err)
{
	char probe[PATH_MAX], num[32], name[32], *out = NULL;
	long nn;
	double u, s;

	vl_tb_probe_path(o, "vl-probe", probe, sizeof(probe));
	snprintf(num, sizeof(num), "%ld", n);
	const char *argv_plain[] = {probe, "work", w->name, num, NULL};
	const char *argv_qemu[] = {qemu, probe, "work", w->name, num, NULL};
	int rc = vl_tb_spawn(env, qemu ? argv_qemu : argv_plain, 300, &out, NULL, err);
	if (rc)
		return rc;
	if (sscanf(out, "work %31s %ld %lf %lf %lf %ld", name, &nn, wall, &u, &s, minflt) != 6)
		rc = vl_err_set(err, VL_EIO, "vl-probe work %s: unexpected output", w->name);
	free(out);
	return rc;
}

enum { E_NATIVE, E_CONTAINER, E_QEMU, E__COUNT };
#define MAX_REPS 7

/*
 * The workload in each environment, interleaved rep by rep (native,
 * container, qemu, native, ...) so that the machine's drift falls on all
 * alike; the median wall time of each.
 */
static int measure_all(const struct vl_tb_opts *o, const struct work *w, long n,
                       const int have[E__COUNT], struct measured m[E__COUNT], struct vl_err *err)
{
	double t[E__COUNT][MAX_REPS], lo, hi;
	int reps = o->quick ? 3 : MAX_REPS;

	for (int r = 0; r < reps; r++)
		for (int e = 0; e < E__COUNT; e++) {
			long minflt = 0;
			if (!have[e])
				continue;
			if (measure_once(o, e == E_CONTAINER ? VL_TB_ENV_CONTAINER : VL_TB_ENV_NATIVE,
			                 e == E_QEMU ? "qemu-x86_64" : NULL, w, n, &t[e][r], &minflt, err))
				return err->code;
			if (r == 0)
				m[e].minflt = minflt;
		}
	for (int e = 0; e < E__COUNT; e++)
		if (have[e])
			vl_tb_median_ci(t[e], (size_t)reps, &m[e].wall_ns, &lo, &hi);
	return 0;
}

/*
 * The this-host values the file I/O trace is sized with: cpi, a system
 * call's transition as the profile charges it, the file I/O whole.
 */
struct hostc {
	double cpi, sys, file;
};

static int trace_open(FILE **f, const char *dir, const char *name, char *path, size_t len,
                      struct vl_err *err)
{
	snprintf(path, len, "%s/%s.vlt", dir, name);
	*f = fopen(path, "w");
	if (!*f)
		return vl_err_set(err, VL_EIO, "%s: cannot write", path);
	fprintf(*f, "vlt 1\n@name validate-%s\n@source virtlab validate: counts of the native run "
	            "(docs/testbed.md)\n", name);
	return 0;
}

static long insns(double cycles, double cpi) { return cycles > 0 ? lround(cycles / cpi) : 0; }

/* A first touch: the fault's transition and its kernel path, as a capture has it. */
static void emit_fault(FILE *f, uint64_t addr)
{
	fprintf(f, "pgfault 0x%llx user w\nkernel %d\n", (unsigned long long)addr, KP_FAULT);
}

/*
 * One fork+exit+wait as a capture has it: clone, the child's
 * set_robust_list and exit_group, the parent's wait4, each with its kernel
 * path (traces/kpaths.h), and the faults the native run counted.
 */
static void emit_fork(FILE *f, long faults, uint64_t *addr)
{
	fprintf(f, "user 20\nsyscall 57\nkernel %d\nsysret\n", KP_FORK);
	for (long i = 0; i < faults; i++, *addr += 4096)
		emit_fault(f, *addr);
	fprintf(f, "syscall 273\nkernel %d\nsysret\nsyscall 231\nkernel %d\n"
	           "syscall 61\nkernel %d\nsysret\n", KP_NULL_SYSCALL, KP_EXIT, KP_WAIT);
}

static int write_trace(const char *dir, const struct work *w, long n, long minflt,
                       const struct hostc *h, char *path, size_t len, struct vl_err *err)
{
	FILE *f;
	uint64_t addr = 0x10000000;

	if (trace_open(&f, dir, w->name, path, len, err))
		return err->code;
	fprintf(f, "@ops %ld\n", n);
	if (!strcmp(w->name, "syscall")) {
		for (long i = 0; i < n; i++)
			fprintf(f, "user 6\nsyscall 110\nkernel %d\nsysret\n", KP_NULL_SYSCALL);
	} else if (!strcmp(w->name, "pgfault")) {
		for (long i = 0; i < n; i++, addr += 4096) {
			fprintf(f, "user 4\n");
			emit_fault(f, addr);
		}
	} else if (!strcmp(w->name, "forkwait")) {
		/* faults beyond the parent's own few, per child */
		long faults = minflt > 100 ? (minflt - 100) / n : 0;
		for (long i = 0; i < n; i++)
			emit_fork(f, faults, &addr);
	} else if (!strcmp(w->name, "fileio")) {
		long k = insns((h->file - 2 * h->sys) / 2, h->cpi);
		for (long i = 0; i < n; i++)
			fprintf(f, "syscall 1\nkernel %ld\nsysret\n", k);
		fprintf(f, "syscall 74\nsysret\n");
		for (long i = 0; i < n; i++)
			fprintf(f, "syscall 0\nkernel %ld\nsysret\n", k);
	} else { /* mix: the parts, each call with its kernel path as a capture has it */
		static const struct { int nr; long ret; } calls[] = {
			{2, 3}, {0, 300}, {0, 0}, {0, 0}, {0, 0}, {3, 0}, /* open, 4 reads, close */
		};
		for (long i = 0; i < n; i++) {
			for (size_t s = 0; s < sizeof(calls) / sizeof(calls[0]); s++)
				fprintf(f, "syscall %d\nkernel %u\nsysret\n", calls[s].nr,
				        vl_capture_kernel_path((uint64_t)calls[s].nr, calls[s].ret, 0));
			fprintf(f, "user 2000000\nsyscall 9\nkernel %d\nsysret\n", KP_MMAP);
			for (int p = 0; p < 64; p++, addr += 4096)
				emit_fault(f, addr);
			fprintf(f, "syscall 11\nkernel %d\nsysret\n", KP_MMAP);
			if (i % 8 == 0)
				emit_fork(f, 0, &addr);
		}
	}
	if (fclose(f))
		return vl_err_set(err, VL_EIO, "%s: write failed", path);
	return 0;
}

/* Simulated cycles of trace under model/profile; *native gets the native baseline's. */
static int predict_ov(const char *trace, const char *model, const struct vl_override *ov,
                      size_t nov, double *cycles, double *native, double *slowdown,
                      struct vl_err *err)
{
	struct vl_run_spec spec = {.trace = trace, .model = vl_model_find(model),
	                           .profile = "this-host", .seed = 1, .baseline = 1,
	                           .ov = ov, .nov = nov};
	struct vl_run_result res;
	int rc;

	if (!spec.model)
		return vl_err_set(err, VL_EINVAL, "no model %s", model);
	rc = vl_run(&spec, NULL, &res, err);
	if (!rc) {
		*cycles = (double)res.stats.end_cycles;
		*native = res.native_cycles ? (double)res.native_cycles : *cycles;
		*slowdown = res.slowdown > 0 ? res.slowdown : 1;
	}
	vl_run_result_release(&res);
	return rc;
}

static int predict(const char *trace, const char *model, double *cycles, double *native,
                   double *slowdown, struct vl_err *err)
{
	return predict_ov(trace, model, NULL, 0, cycles, native, slowdown, err);
}

static struct vl_tb_valrow *add_row(struct vl_tb_validation *v, const char *workload,
                                    const char *env, const char *model, const char *unit)
{
	if (v->nrows == sizeof(v->rows) / sizeof(v->rows[0]))
		return NULL;
	struct vl_tb_valrow *r = &v->rows[v->nrows++];
	memset(r, 0, sizeof(*r));
	snprintf(r->workload, sizeof(r->workload), "%s", workload);
	snprintf(r->env, sizeof(r->env), "%s", env);
	snprintf(r->model, sizeof(r->model), "%s", model);
	snprintf(r->profile, sizeof(r->profile), "this-host");
	snprintf(r->unit, sizeof(r->unit), "%s", unit);
	return r;
}

static void add_vskip(struct vl_tb_validation *v, const char *env, const char *reason)
{
	if (v->nskips == sizeof(v->skips) / sizeof(v->skips[0]))
		return;
	snprintf(v->skips[v->nskips].backend, sizeof(v->skips[0].backend), "validate");
	snprintf(v->skips[v->nskips].env, sizeof(v->skips[0].env), "%s", env);
	snprintf(v->skips[v->nskips].reason, sizeof(v->skips[0].reason), "%.319s", reason);
	v->nskips++;
}

/*
 * Rows whose workload is the operation a this-host parameter of that
 * environment was calibrated from (profile.c): reproducing one checks the
 * arithmetic, not the model, so it is fitted, not a prediction. env NULL:
 * every environment.
 */
static const struct {
	const char *workload, *env;
} fitted_rows[] = {
	{"syscall", NULL},               /* syscall, ns_syscall, syscall_xlat */
	{"cap-getppid", NULL},           /* the same */
	{"pgfault", "native"},           /* pgfault */
	{"pgfault", "container"},        /* memcg_pf */
	{"forkwait", "native"},          /* kscale_proc */
	{"forkwait", "qemu-x86_64"},     /* fork_xlat */
	{"cap-forkwait", "native"},      /* kscale_proc */
	{"cap-forkwait", "qemu-x86_64"}, /* fork_xlat */
	{"fileio", "native"},            /* the trace's kernel work is sized from it */
};

static void finish_row(struct vl_tb_valrow *r)
{
	r->ok = r->measured > 0;
	r->error = r->ok ? (r->predicted - r->measured) / r->measured : 0;
	for (size_t i = 0; i < sizeof(fitted_rows) / sizeof(fitted_rows[0]); i++)
		if (!strcmp(fitted_rows[i].workload, r->workload) &&
		    (!fitted_rows[i].env || !strcmp(fitted_rows[i].env, r->env)))
			r->fitted = 1;
}

/* A row comparing the slowdown the model predicts on trace with the one measured. */
static int slowdown_row(struct vl_tb_validation *v, const char *workload, const char *env,
                        const char *model, const char *trace, double native_ns, double env_ns,
                        struct vl_err *err)
{
	double cyc, natc, sd;
	struct vl_tb_valrow *r = add_row(v, workload, env, model, "x");

	if (!r)
		return 0; /* the table is full */
	if (predict(trace, model, &cyc, &natc, &sd, err))
		return err->code;
	r->native_ns = native_ns;
	r->env_ns = env_ns;
	r->measured = env_ns / native_ns;
	r->predicted = sd;
	finish_row(r);
	return 0;
}

/*
 * The KVM guest's own loops at guest user mode, predicted from the
 * kernel-mode calibration: each trace is one iteration's events, repeated.
 */
static int validate_kvm(const struct vl_tb_calib *c, const char *dir, struct vl_tb_validation *v,
                        struct vl_err *err)
{
	static const struct {
		const char *name;
		enum vl_gbench b;
		const char *events; /* one iteration (guest.S) */
		const char *what;
	} loops[] = {
		{"guest-alu", VL_GB_ALU, "user 10\n", "10 ALU instructions at guest user mode"},
		{"guest-pgfault", VL_GB_PF, "user 8\npgfault 0x200000 user w\nkernel 27\n",
		 "touch a page at user mode; the guest kernel maps it (27 instructions)"},
		{"guest-gp", VL_GB_HLT, "user 2\nexception 13 user\nkernel 9\n",
		 "HLT at user mode: #GP, the guest kernel skips it (9 instructions)"},
	};
	enum { ITERS = 1000 };

	for (size_t i = 0; i < sizeof(loops) / sizeof(loops[0]); i++) {
		const struct vl_tb_kvm *k = vl_tb_kvm_find(c, loops[i].b, 1);
		char path[PATH_MAX];
		FILE *f;
		double cyc, nat, sd;
		if (!k)
			continue;
		if (trace_open(&f, dir, loops[i].name, path, sizeof(path), err))
			return err->code;
		for (int n = 0; n < ITERS; n++)
			fputs(loops[i].events, f);
		fclose(f);
		struct vl_tb_valrow *r = add_row(v, loops[i].name, "kvm-guest", "hwassist", "cycles");
		if (!r)
			break;
		if (predict(path, "hwassist", &cyc, &nat, &sd, err))
			return err->code;
		r->measured = k->cycles;
		r->predicted = cyc / ITERS;
		snprintf(r->note, sizeof(r->note), "%s; measured in our VMM (%s)", loops[i].what,
		         k->outcome);
		finish_row(r);
	}
	return 0;
}

/*
 * A C unit for the compile row: small, self-contained, and fixed, so that
 * what is compiled does not change with the project's own sources.
 */
static const char compile_unit[] =
	"#include <stdlib.h>\n#include <string.h>\n"
	"struct ent { char key[32]; long value; struct ent *next; };\n"
	"struct table { struct ent **slot; size_t n, cap; };\n"
	"static size_t hash(const char *s) { size_t h = 5381; while (*s) h = h * 33 ^ (unsigned char)*s++;"
	" return h; }\n"
	"static int grow(struct table *t) {\n"
	"  size_t cap = t->cap ? 2 * t->cap : 16; struct ent **s = calloc(cap, sizeof(*s));\n"
	"  if (!s) return -1;\n"
	"  for (size_t i = 0; i < t->cap; i++) for (struct ent *e = t->slot[i], *n; e; e = n) {\n"
	"    n = e->next; size_t j = hash(e->key) & (cap - 1); e->next = s[j]; s[j] = e; }\n"
	"  free(t->slot); t->slot = s; t->cap = cap; return 0; }\n"
	"long *table_put(struct table *t, const char *key) {\n"
	"  if (2 * (t->n + 1) > t->cap && grow(t)) return NULL;\n"
	"  size_t j = hash(key) & (t->cap - 1);\n"
	"  for (struct ent *e = t->slot[j]; e; e = e->next) if (!strcmp(e->key, key)) return &e->value;\n"
	"  struct ent *e = calloc(1, sizeof(*e)); if (!e) return NULL;\n"
	"  strncpy(e->key, key, sizeof(e->key) - 1); e->next = t->slot[j]; t->slot[j] = e; t->n++;\n"
	"  return &e->value; }\n"
	"static int cmp(const void *a, const void *b) {\n"
	"  const struct ent *x = *(struct ent *const *)a, *y = *(struct ent *const *)b;\n"
	"  return x->value < y->value ? 1 : x->value > y->value ? -1 : strcmp(x->key, y->key); }\n"
	"size_t table_top(const struct table *t, struct ent **out, size_t max) {\n"
	"  size_t k = 0;\n"
	"  for (size_t i = 0; i < t->cap; i++) for (struct ent *e = t->slot[i]; e; e = e->next)\n"
	"    if (k < max) out[k++] = e;\n"
	"  qsort(out, k, sizeof(*out), cmp); return k; }\n";

/*
 * Median wall time of argv in env over reps runs (under qemu when asked):
 * vl-probe's own time of its operations when it prints one ("work NAME N
 * WALL_NS ..."), else the whole program's.
 */
static int time_cmd(const char *const *argv, enum vl_tb_env env, int qemu, int reps, double *ns,
                    struct vl_err *err)
{
	const char *av[16];
	double t[MAX_REPS], lo, hi;
	size_t k = 0;

	if (qemu)
		av[k++] = "qemu-x86_64";
	for (size_t i = 0; argv[i] && k < 15; i++)
		av[k++] = argv[i];
	av[k] = NULL;
	for (int r = 0; r < reps; r++) {
		char *out = NULL, name[32];
		long n;
		int rc = vl_tb_spawn(env, av, 600, &out, &t[r], err);
		if (!rc && out && !strncmp(out, "work ", 5) &&
		    sscanf(out, "work %31s %ld %lf", name, &n, &t[r]) != 3)
			rc = vl_err_set(err, VL_EIO, "%s: unexpected output", argv[0]);
		free(out);
		if (rc)
			return rc;
	}
	vl_tb_median_ci(t, (size_t)reps, ns, &lo, &hi);
	return 0;
}

/*
 * The events between a capture's phases 1 and 2 (vl-probe's operations, as
 * its own clock times them) into path; 0, or an error.
 */
static int measured_region(const char *from, const char *path, struct vl_err *err)
{
	struct vl_trace *t;
	struct vl_writer *w;
	struct vl_event buf[4096], keep[4096];
	long n;
	unsigned phases = 0;

	if (vl_trace_open(&t, from, err))
		return err->code;
	if (vl_writer_open(&w, path, VL_TFMT_BINARY, VL_W_ZSTD, vl_trace_meta(t), err)) {
		vl_trace_close(t);
		return err->code;
	}
	while ((n = vl_trace_read(t, buf, 4096, err)) > 0) {
		size_t k = 0;
		for (long i = 0; i < n; i++) {
			phases += buf[i].type == VL_EV_PHASE;
			if (phases == 1 && buf[i].type != VL_EV_PHASE)
				keep[k++] = buf[i];
		}
		if (k && vl_writer_put(w, keep, k, err)) {
			n = err->code;
			break;
		}
	}
	vl_trace_close(t);
	if (n < 0 || phases < 2) {
		vl_writer_abort(w);
		return n < 0 ? (int)n : vl_err_set(err, VL_EINVAL, "%s: no phases 1 and 2", from);
	}
	return vl_writer_close(w, err);
}

/* fio's data file: bytes written and synced, so that reading it reaches the device. */
#define FIO_BYTES (16l << 20)
static int lay_out(const char *path, long bytes, struct vl_err *err)
{
	static char buf[1 << 16];
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	int ok = fd >= 0;

	memset(buf, 0x5a, sizeof(buf));
	for (long off = 0; ok && off < bytes; off += (long)sizeof(buf))
		ok = write(fd, buf, sizeof(buf)) == (ssize_t)sizeof(buf);
	if (fd >= 0)
		ok = !fsync(fd) && !close(fd) && ok;
	return ok ? 0 : vl_err_set(err, VL_EIO, "%s: cannot write: %s", path, strerror(errno));
}

/*
 * Real programs, captured here (virtlab trace capture) and run natively,
 * in a container and under qemu-x86_64: the prediction comes from what the
 * program did, the measurement from how long it took. Under qemu-user a
 * program exec'd by the emulated one runs natively (exec_native).
 */
static int validate_captured(const struct vl_tb_opts *o, const struct vl_tb_calib *c,
                             const char *dir, int have_container, int have_qemu,
                             struct vl_tb_validation *v, struct vl_err *err)
{
	char probe[PATH_MAX], gzip[PATH_MAX], gcc[PATH_MAX], input[PATH_MAX], unit[PATH_MAX];
	char unit_o[PATH_MAX], plugin[PATH_MAX], why[256], nsys[32], nfork[32], ntcp[32];
	char fio[PATH_MAX], fio_file[PATH_MAX + 16], cc1[PATH_MAX], unit_i[PATH_MAX], unit_s[PATH_MAX];
	/* resolved on PATH: qemu-user loads a file, it does not search */
	int have_gzip = vl_proc_find("gzip", gzip, sizeof(gzip));
	int have_gcc = vl_proc_find("gcc", gcc, sizeof(gcc));
	int have_fio = vl_proc_find("fio", fio, sizeof(fio)), have_cc1 = 0;
	int reps = o->quick ? 3 : 5;
	struct vl_err perr = {0};

	if (!vl_tb_have_qemu("qemu-x86_64", why, sizeof(why)) ||
	    vl_capture_find_plugin(NULL, plugin, sizeof(plugin), &perr)) {
		add_vskip(v, "captured", perr.code ? perr.msg : why);
		return 0;
	}
	vl_tb_probe_path(o, "vl-probe", probe, sizeof(probe));
	snprintf(nsys, sizeof(nsys), "%d", o->quick ? 20000 : 200000);
	snprintf(nfork, sizeof(nfork), "%d", o->quick ? 200 : 2000);
	snprintf(ntcp, sizeof(ntcp), "%d", 500);
	snprintf(input, sizeof(input), "%s/gzip-input.vlt", dir);
	snprintf(unit, sizeof(unit), "%s/unit.c", dir);
	snprintf(unit_o, sizeof(unit_o), "%s/unit.o", dir);
	{
		/* gzip's input: a generated trace as text, the same for a seed */
		struct vl_gen *g;
		struct vl_writer *w;
		struct vl_meta m = {0};
		struct vl_event buf[1024];
		long n;
		if (vl_gen_new(&g, "cpu", o->quick ? 5000 : 20000, 1, err))
			return err->code;
		vl_gen_meta(g, &m);
		if (vl_writer_open(&w, input, VL_TFMT_TEXT, 0, &m, err)) {
			vl_gen_free(g);
			return err->code;
		}
		while ((n = vl_gen_read(g, buf, 1024, err)) > 0)
			if (vl_writer_put(w, buf, (size_t)n, err))
				break;
		vl_gen_free(g);
		if (n < 0 || err->code) {
			vl_writer_abort(w);
			return err->code;
		}
		if (vl_writer_close(w, err))
			return err->code;
		FILE *f = fopen(unit, "w");
		if (!f || fputs(compile_unit, f) < 0 || fclose(f))
			return vl_err_set(err, VL_EIO, "%s: cannot write", unit);
		/* cc1 alone, on the unit preprocessed: the compiler itself emulated */
		const char *pp[] = {gcc, "-E", "-o", unit_i, unit, NULL};
		const char *where[] = {gcc, "-print-prog-name=cc1", NULL};
		snprintf(unit_i, sizeof(unit_i), "%s/unit.i", dir);
		snprintf(unit_s, sizeof(unit_s), "%s/unit.s", dir);
		vl_proc_first_line(where, dir, cc1, sizeof(cc1));
		have_cc1 = have_gcc && cc1[0] == '/' && !access(cc1, X_OK) &&
		           !vl_proc_run(NULL, pp, NULL, NULL, &perr);
		/* fio's file, laid out and synced here so that fio only reads it */
		snprintf(fio_file, sizeof(fio_file), "--filename=%s/fio.dat", dir);
		if (have_fio && lay_out(fio_file + strlen("--filename="), FIO_BYTES, err))
			return err->code;
	}
	const struct {
		const char *name, *what;
		const char *argv[12];
		int have;
	} progs[] = {
		{"cap-getppid", "getppid() in a loop, captured", {probe, "work", "syscall", nsys}, 1},
		{"cap-forkwait", "fork, _exit, waitpid, captured", {probe, "work", "forkwait", nfork}, 1},
		{"cap-tcp", "loopback TCP: connect, 100-byte request, 10,975-byte reply, close, captured",
		 {probe, "work", "tcp", ntcp}, 1},
		{"cap-gzip", "gzip -6 of a generated text, captured", {gzip, "-6", "-c", input},
		 have_gzip},
		{"cap-compile", "gcc -O2 -c of a 40-line C unit, captured",
		 {gcc, "-O2", "-c", "-o", unit_o, unit}, have_gcc},
		{"cap-cc1", "cc1 -O2 of the unit preprocessed: the compiler proper, emulated itself, "
		 "captured", {cc1, "-quiet", "-O2", unit_i, "-o", unit_s}, have_cc1},
		{"cap-fio", "fio: 4 KiB random O_DIRECT reads of 16 MiB, one at a time, captured",
		 {fio, "--name=randread", "--rw=randread", "--bs=4k", "--size=16m",
		  "--ioengine=psync", "--direct=1", "--iodepth=1", fio_file, "--output=/dev/null"},
		 have_fio},
	};
	struct vl_override exec_native = {"exec_native", 1};

	for (size_t i = 0; i < sizeof(progs) / sizeof(progs[0]); i++) {
		char trace[PATH_MAX];
		double cyc, natc, sd, t[E__COUNT] = {0};
		struct vl_capture_stats st;
		if (!progs[i].have) {
			add_vskip(v, progs[i].name, "the program is not installed");
			continue;
		}
		if (o->quick && i >= 2)
			break; /* the quick validation keeps to the two short loops */
		if (o->progress) {
			char line[160];
			snprintf(line, sizeof(line), "validate: %s (%s)", progs[i].name, progs[i].what);
			o->progress(o->ctx, line);
		}
		snprintf(trace, sizeof(trace), "%s/%s.vlb", dir, progs[i].name);
		struct vl_capture_opts co = {.out = trace, .argv = progs[i].argv, .zstd = 1,
		                             .plugin = plugin, .discard_stdout = 1};
		setenv("VL_PROBE_MARK", "1", 1); /* vl-probe marks its operations; others ignore it */
		int crc = vl_capture_run(&co, &st, err);
		unsetenv("VL_PROBE_MARK");
		if (crc)
			return err->code;
		if (progs[i].argv[0] == probe) {
			/* what vl-probe times: its operations, without start-up */
			char full[PATH_MAX];
			snprintf(full, sizeof(full), "%s", trace);
			snprintf(trace, sizeof(trace), "%s/%s-ops.vlb", dir, progs[i].name);
			if (measured_region(full, trace, err))
				return err->code;
		}
		if (time_cmd(progs[i].argv, VL_TB_ENV_NATIVE, 0, reps, &t[E_NATIVE], err) ||
		    (have_container &&
		     time_cmd(progs[i].argv, VL_TB_ENV_CONTAINER, 0, reps, &t[E_CONTAINER], err)) ||
		    (have_qemu && time_cmd(progs[i].argv, VL_TB_ENV_NATIVE, 1, reps, &t[E_QEMU], err)))
			return err->code;

		struct vl_tb_valrow *r = add_row(v, progs[i].name, "native", "native", "s");
		if (!r)
			break;
		if (predict(trace, "native", &cyc, &natc, &sd, err))
			return err->code;
		r->native_ns = r->env_ns = t[E_NATIVE];
		r->measured = t[E_NATIVE] / 1e9;
		r->predicted = cyc / c->tsc_hz;
		snprintf(r->note, sizeof(r->note), progs[i].argv[0] == probe
		         ? "its operations, as vl-probe times them" : "whole program, start-up included");
		finish_row(r);
		if (have_container && slowdown_row(v, progs[i].name, "container", "container", trace,
		                                   t[E_NATIVE], t[E_CONTAINER], err))
			return err->code;
		if (have_qemu) {
			r = add_row(v, progs[i].name, "qemu-x86_64", "emulation", "x");
			if (!r)
				break;
			if (predict_ov(trace, "emulation", &exec_native, 1, &cyc, &natc, &sd, err))
				return err->code;
			r->native_ns = t[E_NATIVE];
			r->env_ns = t[E_QEMU];
			r->measured = t[E_QEMU] / t[E_NATIVE];
			r->predicted = sd;
			finish_row(r);
		}
	}
	return 0;
}

int vl_tb_validate(const struct vl_tb_opts *o, const struct vl_tb_calib *c, const char *tracedir,
                   struct vl_tb_validation *v, struct vl_err *err)
{
	struct hostc h;
	char why[256];
	const struct vl_tb_summary *alu = vl_tb_find(c, "native", "alu"),
	                           *sys = vl_tb_find(c, "native", "syscall"),
	                           *pf = vl_tb_find(c, "native", "pgfault"),
	                           *fork = vl_tb_find(c, "native", "forkwait"),
	                           *file = vl_tb_find(c, "native", "fileio");
	int have_container = vl_tb_have_userns(why, sizeof(why));
	int have_qemu;

	memset(v, 0, sizeof(*v));
	snprintf(v->tracedir, sizeof(v->tracedir), "%s", tracedir);
	if (!alu || !sys || !pf || !fork || !file)
		return vl_err_set(err, VL_EINVAL, "validation needs the native calibration");
	h = (struct hostc){alu->median_cycles / VL_ALU_INSNS, vl_tb_syscall_transition(c),
	                   file->median_cycles};
	if (!have_container)
		add_vskip(v, "container", why);
	if (!vl_tb_find(c, "container", "syscall") && have_container) {
		have_container = 0;
		add_vskip(v, "container", "the container backend was not calibrated");
	}
	have_qemu = vl_tb_have_qemu("qemu-x86_64", why, sizeof(why));
	if (!have_qemu)
		add_vskip(v, "qemu-x86_64", why);
	else if (!vl_tb_find(c, "qemu-x86_64", "alu")) {
		have_qemu = 0;
		add_vskip(v, "qemu-x86_64", "the emulation backend was not calibrated");
	}

	for (size_t i = 0; i < NWORKS; i++) {
		const struct work *w = &works[i];
		long n = o->quick ? w->nquick : w->n;
		struct measured nat;
		char path[PATH_MAX];
		double cyc, natc, sd;

		if (o->progress) {
			char line[160];
			snprintf(line, sizeof(line), "validate: %s x %ld (%s)", w->name, n, w->what);
			o->progress(o->ctx, line);
		}
		int have[E__COUNT] = {1, have_container, have_qemu};
		struct measured ms[E__COUNT] = {{0, 0}};
		if (measure_all(o, w, n, have, ms, err))
			return err->code;
		nat = ms[E_NATIVE];
		if (write_trace(tracedir, w, n, nat.minflt, &h, path, sizeof(path), err))
			return err->code;

		struct vl_tb_valrow *r = add_row(v, w->name, "native", "native", "s");
		if (!r)
			break;
		if (predict(path, "native", &cyc, &natc, &sd, err))
			return err->code;
		r->native_ns = r->env_ns = nat.wall_ns;
		r->measured = nat.wall_ns / 1e9;
		r->predicted = cyc / c->tsc_hz;
		snprintf(r->note, sizeof(r->note), "time, not slowdown: the native model against the run");
		finish_row(r);

		if (have_container && slowdown_row(v, w->name, "container", "container", path, nat.wall_ns,
		                                   ms[E_CONTAINER].wall_ns, err))
			return err->code;
		if (have_qemu && slowdown_row(v, w->name, "qemu-x86_64", "emulation", path, nat.wall_ns,
		                              ms[E_QEMU].wall_ns, err))
			return err->code;
	}
	if (validate_captured(o, c, tracedir, have_container, have_qemu, v, err))
		return err->code;
	if (c->nkvm) {
		if (validate_kvm(c, tracedir, v, err))
			return err->code;
	} else {
		add_vskip(v, "kvm-guest", c->kvm.reason[0] ? c->kvm.reason : "KVM was not calibrated");
	}
	/*
	 * Booting Debian's 6.1 kernel to a shell executed 1.40G kernel
	 * instructions under TCG (testbed/tcg/kernel-paths.sh, the total before
	 * the first marker): at the emulated cost of one, the boot alone takes...
	 */
	const struct vl_tb_kvm *kalu = vl_tb_kvm_find(c, VL_GB_ALU, 0);
	char lwhy[320];
	if (c->kvm.kind == VL_KVM_SOFTWARE && kalu)
		snprintf(lwhy, sizeof(lwhy), "a Linux guest needs a guest kernel, and this KVM emulates "
		         "each guest kernel instruction (%.0f cycles): booting Debian's kernel, 1.4G "
		         "kernel instructions, would take about %.0f minutes, so the Linux workloads run "
		         "in the KVM guest only as our VMM's own loops", kalu->cycles / VL_ALU_INSNS,
		         1.4e9 * kalu->cycles / VL_ALU_INSNS / c->tsc_hz / 60);
	else
		snprintf(lwhy, sizeof(lwhy), "Linux workloads in a KVM guest need a guest kernel image "
		         "and qemu-system; validate runs our VMM's own guest loops instead");
	add_vskip(v, "kvm-guest-linux", lwhy);
	return 0;
}
