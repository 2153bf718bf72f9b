/*
 * Calibration: the backends, their skip paths, statistics, the results
 * database and the this-host profile. Validation is in validate.c.
 */
#include "testbed/testbed.h"

#include <errno.h>
#include <fcntl.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_sort.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/proc.h"
#include "sim/version.h"
#include "testbed/tb_int.h"

/* ---- facilities ---- */

int vl_tb_pretend_absent(const char *facility)
{
	const char *s = getenv("VIRTLAB_PRETEND_ABSENT");
	size_t n = strlen(facility);

	while (s && *s) {
		if (!strncmp(s, facility, n) && (s[n] == ',' || s[n] == '\0'))
			return 1;
		s = strchr(s, ',');
		if (s)
			s++;
	}
	return 0;
}

int vl_tb_backends_parse(const char *s, unsigned *mask, struct vl_err *err)
{
	static const struct {
		const char *name;
		unsigned bit;
	} names[] = {{"native", VL_TB_NATIVE}, {"kvm", VL_TB_KVM}, {"container", VL_TB_CONTAINER},
	             {"emulation", VL_TB_EMULATION}, {"all", VL_TB_ALL}};
	char buf[256], *save, *tok;

	*mask = 0;
	snprintf(buf, sizeof(buf), "%s", s);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		size_t i;
		for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (!strcmp(tok, names[i].name))
				break;
		if (i == sizeof(names) / sizeof(names[0]))
			return vl_err_set(err, VL_EINVAL,
			                  "--backend: unknown backend '%s' (valid: native, kvm, container, "
			                  "emulation, all)", tok);
		*mask |= names[i].bit;
	}
	if (!*mask)
		return vl_err_set(err, VL_EINVAL, "--backend: no backend named");
	return 0;
}

/* Tries user namespaces in a throw-away child. */
int vl_tb_have_userns(char *why, size_t len)
{
	if (vl_tb_pretend_absent("userns")) {
		snprintf(why, len, "user namespaces pretended absent (VIRTLAB_PRETEND_ABSENT)");
		return 0;
	}
	fflush(NULL); /* the child must not inherit unwritten output */
	pid_t pid = fork();
	int st;
	if (pid < 0) {
		snprintf(why, len, "fork: %s", strerror(errno));
		return 0;
	}
	if (pid == 0)
		_exit(unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS |
		              CLONE_NEWIPC) ? (errno & 0x7f) : 0);
	if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		snprintf(why, len, "unshare(user, pid, mount, net, uts, ipc) failed: %s "
		         "(kernel.unprivileged_userns_clone or user.max_user_namespaces?)",
		         WIFEXITED(st) ? strerror(WEXITSTATUS(st)) : "child died");
		return 0;
	}
	return 1;
}

int vl_tb_have_qemu(const char *prog, char *why, size_t len)
{
	if (vl_tb_pretend_absent("qemu")) {
		snprintf(why, len, "QEMU pretended absent (VIRTLAB_PRETEND_ABSENT)");
		return 0;
	}
	if (vl_proc_find(prog, NULL, 0))
		return 1;
	snprintf(why, len, "%s not found in PATH (Debian package qemu-user)", prog);
	return 0;
}

/* ---- statistics ---- */

void vl_tb_median_ci(double *x, size_t n, double *median, double *lo, double *hi)
{
	*median = *lo = *hi = 0;
	if (!n)
		return;
	gsl_sort(x, 1, n);
	*median = n % 2 ? x[n / 2] : (x[n / 2 - 1] + x[n / 2]) / 2;
	/*
	 * Distribution-free interval: the order statistics x(j) and x(n+1-j),
	 * with the largest j for which P(B <= j-1) <= 0.025, B ~ Binomial(n, 1/2);
	 * too few samples give the whole range.
	 */
	size_t j = 0;
	while (j + 1 <= n / 2 && gsl_cdf_binomial_P((unsigned)j, 0.5, (unsigned)n) <= 0.025)
		j++;
	if (j == 0) {
		*lo = x[0];
		*hi = x[n - 1];
	} else {
		*lo = x[j - 1];
		*hi = x[n - j];
	}
}

/* ---- collecting ---- */

static void progress(const struct vl_tb_opts *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
static void progress(const struct vl_tb_opts *o, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	if (!o->progress)
		return;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	o->progress(o->ctx, line);
}

int vl_tb_add_sample(struct vl_tb_calib *c, const char *backend, const char *env,
                      const char *bench, double ns, double cycles, long ops)
{
	if (c->nsamples == c->capsamples) {
		size_t cap = c->capsamples ? 2 * c->capsamples : 256;
		void *p = realloc(c->samples, cap * sizeof(*c->samples));
		if (!p)
			return VL_ENOMEM;
		c->samples = p;
		c->capsamples = cap;
	}
	struct vl_tb_sample *s = &c->samples[c->nsamples++];
	snprintf(s->backend, sizeof(s->backend), "%s", backend);
	snprintf(s->env, sizeof(s->env), "%s", env);
	snprintf(s->bench, sizeof(s->bench), "%s", bench);
	s->ns = ns;
	s->cycles = cycles;
	s->ops = ops;
	return 0;
}

static int add_summary(struct vl_tb_calib *c, const char *backend, const char *env,
                       const char *bench)
{
	double ns[512], cyc[512], lo, hi, m, mc, dummy;
	unsigned n = 0;

	for (size_t i = 0; i < c->nsamples && n < 512; i++) {
		const struct vl_tb_sample *s = &c->samples[i];
		if (!strcmp(s->env, env) && !strcmp(s->bench, bench)) {
			ns[n] = s->ns;
			cyc[n] = s->cycles;
			n++;
		}
	}
	if (!n)
		return 0;
	if (c->nsums == c->capsums) {
		size_t cap = c->capsums ? 2 * c->capsums : 64;
		void *p = realloc(c->sums, cap * sizeof(*c->sums));
		if (!p)
			return VL_ENOMEM;
		c->sums = p;
		c->capsums = cap;
	}
	vl_tb_median_ci(ns, n, &m, &lo, &hi);
	vl_tb_median_ci(cyc, n, &mc, &dummy, &dummy);
	struct vl_tb_summary *s = &c->sums[c->nsums++];
	snprintf(s->backend, sizeof(s->backend), "%s", backend);
	snprintf(s->env, sizeof(s->env), "%s", env);
	snprintf(s->bench, sizeof(s->bench), "%s", bench);
	s->n = n;
	s->median_ns = m;
	s->lo_ns = lo;
	s->hi_ns = hi;
	/* without a TSC (aarch64 under QEMU), cycles from the host's TSC rate */
	s->median_cycles = mc > 0 ? mc : m * c->tsc_hz / 1e9;
	return 0;
}

static void add_skip(struct vl_tb_calib *c, const char *backend, const char *env,
                     const char *reason)
{
	if (c->nskips == sizeof(c->skips) / sizeof(c->skips[0]))
		return;
	struct vl_tb_skip *s = &c->skips[c->nskips++];
	snprintf(s->backend, sizeof(s->backend), "%s", backend);
	snprintf(s->env, sizeof(s->env), "%s", env);
	snprintf(s->reason, sizeof(s->reason), "%.319s", reason);
}

const struct vl_tb_summary *vl_tb_find(const struct vl_tb_calib *c, const char *env,
                                       const char *bench)
{
	for (size_t i = 0; i < c->nsums; i++)
		if (!strcmp(c->sums[i].env, env) && !strcmp(c->sums[i].bench, bench))
			return &c->sums[i];
	return NULL;
}

const struct vl_tb_kvm *vl_tb_kvm_find(const struct vl_tb_calib *c, enum vl_gbench b, int user)
{
	for (size_t i = 0; i < c->nkvm; i++)
		if (c->kvmres[i].bench == b && c->kvmres[i].user == user && c->kvmres[i].ok)
			return &c->kvmres[i];
	return NULL;
}

/* Parses vl-probe's "sample NAME NS CYCLES OPS" lines into c. */
static int parse_samples(struct vl_tb_calib *c, const char *backend, const char *env,
                         const char *out, struct vl_err *err)
{
	const char *line = out;
	int lineno = 0;

	while (line && *line) {
		char name[24];
		double ns, cyc;
		long ops;
		lineno++;
		if (!strncmp(line, "sample ", 7)) {
			if (sscanf(line, "sample %23s %lf %lf %ld", name, &ns, &cyc, &ops) != 4)
				return vl_err_set(err, VL_EIO, "vl-probe output line %d: malformed: %.60s",
				                  lineno, line);
			if (vl_tb_add_sample(c, backend, env, name, ns, cyc, ops))
				return vl_err_set(err, VL_ENOMEM, "out of memory");
		}
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return 0;
}

/* vl-probe's benchmarks, each in a fresh process (under qemu when qemu != NULL) */
static const char *const probe_benches[] = {"alu", "cwork", "mem", "callret", "blocks", "xpage",
                                            "codegen", "syscall",
                                            "rw1", "mapunmap", "pgfault",
                                            "forkwait", "ctxsw", "exec", "tcp", "rdtsc",
                                            "cpuid", "fileio"};

/*
 * Natively only: the block device (O_DIRECT reads, random 4 KiB and
 * sequential 1 MiB), a mispredicted branch (a random one against the same
 * code never mispredicted), and the TLB's reach and walk: a chase over N pages
 * against one over N cache lines, N from within any L1 DTLB to beyond any
 * L2 (testbed/profile.c finds the knees).
 */
static const char *const native_benches[] = {
	"dread", "dseq", "branch", "branchp",
	"pages:32", "lines:32", "pages:48", "lines:48", "pages:64", "lines:64", "pages:96",
	"lines:96", "pages:128", "lines:128", "pages:192", "lines:192", "pages:256", "lines:256",
	"pages:512", "lines:512", "pages:768", "lines:768", "pages:1024", "lines:1024",
	"pages:1536", "lines:1536", "pages:2048", "lines:2048", "pages:3072", "lines:3072",
	"pages:4096", "lines:4096", "pages:8192", "lines:8192",
};

/*
 * Natively and under qemu-x86_64 only: floating point (profile.c,
 * fp_helper), and straight-line code whose translation fits the host's L2
 * and one whose translation does not (code_fetch), both within any L2
 * natively.
 */
static const char *const emu_benches[] = {"fp", "code:16", "code:1024"};

/* A median per benchmark measured in env: every probe benchmark, and start-up. */
static int summarize_env(struct vl_tb_calib *c, const char *backend, const char *env)
{
	for (size_t i = 0; i < sizeof(emu_benches) / sizeof(emu_benches[0]); i++)
		if (add_summary(c, backend, env, emu_benches[i]))
			return VL_ENOMEM;
	for (size_t i = 0; i < sizeof(probe_benches) / sizeof(probe_benches[0]); i++)
		if (add_summary(c, backend, env, probe_benches[i]))
			return VL_ENOMEM;
	for (size_t i = 0; i < sizeof(native_benches) / sizeof(native_benches[0]); i++)
		if (add_summary(c, backend, env, native_benches[i]))
			return VL_ENOMEM;
	return add_summary(c, backend, env, "start") ? VL_ENOMEM : 0;
}

static double tsc_hz(void)
{
#if defined(__x86_64__)
	struct timespec a, b;
	uint32_t lo, hi;
	uint64_t t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &a);
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	t0 = (uint64_t)hi << 32 | lo;
	do
		clock_gettime(CLOCK_MONOTONIC, &b);
	while ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec) < 100e6);
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	t1 = (uint64_t)hi << 32 | lo;
	return (double)(t1 - t0) / (((double)(b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / 1e9);
#else
	return 1e9;
#endif
}

/* ---- backends ---- */

static const char *probe_samples(int quick) { return quick ? "9" : "21"; }
static const char *probe_scale(int quick) { return quick ? "0.4" : "1"; }


/*
 * Runs every benchmark of `probe` in env, one process each, so that no
 * benchmark inherits the state another left (an emulator's translation
 * cache and mappings make its later forks several times dearer).
 */
static int probe_env(const struct vl_tb_opts *o, struct vl_tb_calib *c, const char *backend,
                     const char *envname, enum vl_tb_env env, const char *qemu,
                     const char *probe, struct vl_err *err)
{
	size_t nprobe = sizeof(probe_benches) / sizeof(probe_benches[0]);
	size_t nnative = env == VL_TB_ENV_NATIVE && !qemu
	                         ? sizeof(native_benches) / sizeof(native_benches[0]) : 0;
	size_t nemu = env == VL_TB_ENV_NATIVE && (!qemu || !strcmp(qemu, "qemu-x86_64"))
	                       ? sizeof(emu_benches) / sizeof(emu_benches[0]) : 0;
	int rc = 0;

	for (size_t i = 0; i < nprobe + nnative + nemu && !rc; i++) {
		const char *name = i < nprobe ? probe_benches[i]
		                   : i < nprobe + nnative ? native_benches[i - nprobe]
		                                          : emu_benches[i - nprobe - nnative];
		const char *plain[] = {probe, "bench", name, probe_samples(o->quick),
		                       probe_scale(o->quick), NULL};
		const char *emu[] = {qemu, probe, "bench", name, probe_samples(o->quick),
		                     probe_scale(o->quick), NULL};
		char *out = NULL;
		rc = vl_tb_spawn(env, qemu ? emu : plain, o->quick ? 60 : 300, &out, NULL, err);
		if (!rc)
			rc = parse_samples(c, backend, envname, out, err);
		free(out);
	}
	if (rc)
		return vl_err_prefix(err, "%s", envname);
	if (env != VL_TB_ENV_CGROUP && !qemu &&
	    (rc = vl_tb_start_latency(o, c, env, envname, err)))
		return rc;
	return summarize_env(c, backend, envname) ? vl_err_set(err, VL_ENOMEM, "out of memory") : 0;
}

/* The L2 of CPU 0 in KiB, as sysfs describes its caches; 0 if it does not. */
static double sysfs_l2_kb(void)
{
	for (int i = 0; i < 8; i++) {
		char path[96], level[16] = "", type[32] = "", size[32] = "";
		const char *what[] = {"level", "type", "size"};
		char *into[] = {level, type, size};
		for (int k = 0; k < 3; k++) {
			snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu0/cache/index%d/%s", i,
			         what[k]);
			FILE *f = fopen(path, "r");
			if (!f)
				return 0;
			if (!fgets(into[k], 32, f))
				into[k][0] = 0;
			fclose(f);
		}
		if (atoi(level) == 2 && strncmp(type, "Instruction", 11) != 0) {
			char *end;
			double kb = strtod(size, &end);
			return *end == 'M' ? kb * 1024 : *end == 'K' ? kb : kb / 1024;
		}
	}
	return 0;
}

static int backend_native(const struct vl_tb_opts *o, struct vl_tb_calib *c, struct vl_err *err)
{
	char probe[PATH_MAX];

	c->l2_kb = sysfs_l2_kb();
	vl_tb_probe_path(o, "vl-probe", probe, sizeof(probe));
	progress(o, "native: vl-probe microbenchmarks");
	return probe_env(o, c, "native", "native", VL_TB_ENV_NATIVE, NULL, probe, err);
}

static int backend_container(const struct vl_tb_opts *o, struct vl_tb_calib *c,
                             struct vl_err *err)
{
	char probe[PATH_MAX], why[256];
	int rc;

	if (!vl_tb_have_userns(why, sizeof(why))) {
		add_skip(c, "container", "container", why);
		add_skip(c, "container", "container-cgroup", why);
		progress(o, "container: skipped: %s", why);
		return 0;
	}
	vl_tb_probe_path(o, "vl-probe", probe, sizeof(probe));
	progress(o, "container: vl-probe in fresh user, pid, mount, net, uts, ipc namespaces");
	if ((rc = probe_env(o, c, "container", "container", VL_TB_ENV_CONTAINER, NULL, probe, err)))
		return rc;
	if (!vl_tb_have_cgroup_cpu(why, sizeof(why))) {
		add_skip(c, "container", "container-cgroup", why);
		progress(o, "container: cgroup run skipped: %s", why);
		return 0;
	}
	progress(o, "container: again inside a cgroup with a CPU limit (%s)", why);
	return probe_env(o, c, "container", "container-cgroup", VL_TB_ENV_CGROUP, NULL, probe, err);
}

const struct vl_tb_cross vl_tb_cross[VL_TB_NCROSS] = {
	{"aarch64", "aarch64", "gcc-aarch64-linux-gnu", NULL},
	{"ppc", "ppc", "gcc-powerpc-linux-gnu", "pearpc"},
	{"s390x", "s390x", "gcc-s390x-linux-gnu", "hercules"},
};

double vl_tb_out_asm_bytes(const char *log)
{
	double guest = 0, host = 0;
	int in = 0;

	for (const char *p = log; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL) {
		if (!strncmp(p, "IN:", 3))
			in = 1;
		else if (!strncmp(p, "OUT: [size=", 11))
			in = 0, host += atof(p + 11);
		else if (!strncmp(p, "----", 4))
			in = 0;
		else if (in && !strncmp(p, "0x", 2))
			guest++;
	}
	return guest > 0 ? host / guest : 0;
}

/* qemu-x86_64's code expansion: vl-probe's run logged with -d in_asm,out_asm. */
static int measure_tc_bytes(const struct vl_tb_opts *o, struct vl_tb_calib *c, const char *probe,
                            struct vl_err *err)
{
	const char *argv[] = {"qemu-x86_64", "-d", "in_asm,out_asm", "-D", "/dev/stdout", probe,
	                      "bench", "code:16", "1", "0.01", NULL};
	char *out = NULL;
	int rc = vl_tb_spawn(VL_TB_ENV_NATIVE, argv, o->quick ? 60 : 300, &out, NULL, err);

	if (!rc)
		c->tc_bytes = vl_tb_out_asm_bytes(out);
	free(out);
	return rc;
}

static int backend_emulation(const struct vl_tb_opts *o, struct vl_tb_calib *c,
                             struct vl_err *err)
{
	char probe[PATH_MAX], why[256];
	int rc;

	if (!vl_tb_have_qemu("qemu-x86_64", why, sizeof(why))) {
		add_skip(c, "emulation", "qemu-x86_64", why);
		progress(o, "emulation: skipped: %s", why);
	} else {
		vl_tb_probe_path(o, "vl-probe", probe, sizeof(probe));
		progress(o, "emulation: vl-probe under qemu-x86_64 (user-mode TCG)");
		if ((rc = probe_env(o, c, "emulation", "qemu-x86_64", VL_TB_ENV_NATIVE, "qemu-x86_64",
		                    probe, err)) || (rc = measure_tc_bytes(o, c, probe, err)))
			return rc;
	}
	for (size_t i = 0; i < VL_TB_NCROSS; i++) {
		const struct vl_tb_cross *x = &vl_tb_cross[i];
		char qemu[24], env[24], build[32];
		snprintf(qemu, sizeof(qemu), "qemu-%s", x->qemu);
		snprintf(env, sizeof(env), "qemu-%s", x->isa);
		snprintf(build, sizeof(build), "vl-probe-%s", x->isa);
		vl_tb_probe_path(o, build, probe, sizeof(probe));
		if (vl_tb_pretend_absent(x->isa) || access(probe, X_OK)) {
			snprintf(why, sizeof(why), "no %s build of vl-probe (%s; needs Debian's %s, then "
			         "make)", x->isa, vl_tb_pretend_absent(x->isa) ? "pretended absent"
			                                                        : "not built", x->package);
		} else if (vl_tb_have_qemu(qemu, why, sizeof(why))) {
			progress(o, "emulation: the %s build under %s (cross-ISA TCG)", x->isa, qemu);
			if ((rc = probe_env(o, c, "emulation", env, VL_TB_ENV_NATIVE, qemu, probe, err)))
				return rc;
			continue;
		}
		add_skip(c, "emulation", env, why);
		progress(o, "emulation: %s skipped: %s", x->isa, why);
	}
	return 0;
}

static void kvm_outcome(struct vl_tb_kvm *k)
{
	const struct vl_kvm_counts *c = &k->r.c;
	uint64_t n = k->r.iters;
	char *o = k->outcome;
	size_t len = sizeof(k->outcome);

	if (c->guest_gp >= n)
		snprintf(o, len, "#GP in the guest kernel (%llu); its handler is emulated (%llu insns)",
		         (unsigned long long)c->guest_gp, (unsigned long long)c->insn_emulation);
	else if (c->user_io >= n)
		snprintf(o, len, "exit to the VMM: I/O (%llu)", (unsigned long long)c->user_io);
	else if (c->user_mmio >= n)
		snprintf(o, len, "exit to the VMM: MMIO (%llu)", (unsigned long long)c->user_mmio);
	else if (c->user_hlt >= n)
		snprintf(o, len, "exit to the VMM: HLT (%llu)", (unsigned long long)c->user_hlt);
	else if (c->user_tpr >= n)
		snprintf(o, len, "exit to the VMM: TPR (%llu)", (unsigned long long)c->user_tpr);
	else if (c->guest_pf >= n)
		snprintf(o, len, "#PF in the guest kernel (%llu); KVM: %llu exits, %llu shadow faults",
		         (unsigned long long)c->guest_pf, (unsigned long long)c->exits,
		         (unsigned long long)c->pf_taken);
	else if (c->insn_emulation >= n)
		snprintf(o, len, "handled in KVM: %llu instructions emulated, %llu exits counted",
		         (unsigned long long)c->insn_emulation, (unsigned long long)c->exits);
	else if (c->exits >= n)
		snprintf(o, len, "exit handled in KVM (%llu)", (unsigned long long)c->exits);
	else if (c->exits + c->user_exits == 0 || k->bench == VL_GB_ALU)
		snprintf(o, len, "no exit (%llu exits)", (unsigned long long)c->exits);
	else
		snprintf(o, len, "handled in KVM without a counted exit (%llu exits)",
		         (unsigned long long)c->exits);
}

static int backend_kvm(const struct vl_tb_opts *o, struct vl_tb_calib *c, struct vl_err *err)
{
	struct vl_vmm *vm;
	struct vl_err e = {0};
	const char *dev = o->kvm_dev ? o->kvm_dev : "/dev/kvm";

	if (vl_tb_pretend_absent("kvm")) {
		memset(&c->kvm, 0, sizeof(c->kvm));
		snprintf(c->kvm.reason, sizeof(c->kvm.reason), "KVM pretended absent (VIRTLAB_PRETEND_ABSENT)");
	} else {
		vl_kvm_detect(&c->kvm, dev);
	}
	if (c->kvm.kind == VL_KVM_NONE) {
		add_skip(c, "kvm", "kvm", c->kvm.reason);
		progress(o, "kvm: skipped: %s", c->kvm.reason);
		return 0;
	}
	if (vl_vmm_open(&vm, dev, &e)) {
		add_skip(c, "kvm", "kvm", e.msg);
		progress(o, "kvm: skipped: %s", e.msg);
		return 0;
	}
	progress(o, "kvm: %s", c->kvm.label);
	uint64_t goal = o->quick ? (1ull << 23) : (1ull << 26);
	double watchdog = o->quick ? 2.0 : 10.0;
	for (int user = 0; user < 2; user++)
		for (int b = 0; b < VL_GB__COUNT; b++) {
			struct vl_tb_kvm *k = &c->kvmres[c->nkvm++];
			memset(k, 0, sizeof(*k));
			k->bench = (enum vl_gbench)b;
			k->user = user;
			vl_err_clear(&e);
			if (vl_vmm_measure(vm, k->bench, user, goal, 16, 1u << 20, watchdog, &k->r, &e)) {
				snprintf(k->error, sizeof(k->error), "%.319s", e.msg);
				progress(o, "kvm: %-16s %-6s failed: %s", vl_gbench[b].name,
				         user ? "user" : "kernel", e.msg);
				if (e.code == VL_ETIMEOUT) { /* a hung vCPU: start afresh */
					vl_vmm_close(vm);
					if (vl_vmm_open(&vm, dev, &e)) {
						add_skip(c, "kvm", "kvm", e.msg);
						return 0;
					}
				}
				continue;
			}
			k->ok = 1;
			k->cycles = (double)k->r.tsc / (double)k->r.iters;
			k->ns = k->r.wall_ns / (double)k->r.iters;
			kvm_outcome(k);
			progress(o, "kvm: %-16s %-6s %10.0f cycles  %s", vl_gbench[b].name,
			         user ? "user" : "kernel", k->cycles, k->outcome);
		}
	vl_vmm_close(vm);
	(void)err;
	return 0;
}

int vl_tb_calibrate(const struct vl_tb_opts *o, struct vl_tb_calib *c, struct vl_err *err)
{
	time_t now = time(NULL);
	int rc = 0;

	memset(c, 0, sizeof(*c));
	c->quick = o->quick;
	gethostname(c->host, sizeof(c->host) - 1);
	strftime(c->started, sizeof(c->started), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
	c->tsc_hz = tsc_hz();
	progress(o, "time-stamp counter: %.3f GHz", c->tsc_hz / 1e9);
	if (!rc && (o->backends & VL_TB_NATIVE))
		rc = backend_native(o, c, err);
	if (!rc && (o->backends & VL_TB_KVM))
		rc = backend_kvm(o, c, err);
	if (!rc && (o->backends & VL_TB_CONTAINER))
		rc = backend_container(o, c, err);
	if (!rc && (o->backends & VL_TB_EMULATION))
		rc = backend_emulation(o, c, err);
	return rc;
}

void vl_tb_calib_free(struct vl_tb_calib *c)
{
	free(c->samples);
	free(c->sums);
	c->samples = NULL;
	c->sums = NULL;
	c->nsamples = c->nsums = 0;
}
