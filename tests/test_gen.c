/*
 * Generators: exact length, valid events, determinism per seed, and the
 * documented event mix (rates checked against the numbers they cite, and
 * counts per operation against the captures they follow).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/util.h"
#include "traces/gen.h"
#include "traces/trace.h"

static long gen_all(const char *kind, uint64_t n, uint64_t seed, struct vl_event *buf)
{
	struct vl_gen *g;
	struct vl_err err = {0};
	long total = 0, k;

	CU_ASSERT_EQUAL_FATAL(vl_gen_new(&g, kind, n, seed, &err), 0);
	while ((k = vl_gen_read(g, buf + total, 4096, &err)) > 0)
		total += k;
	vl_gen_free(g);
	return total;
}

static void test_gen_every_kind_exact_valid_deterministic(void)
{
	enum { N = 50000 };
	struct vl_event *a = malloc((N + 4096) * sizeof(*a)), *b = malloc((N + 4096) * sizeof(*b));

	for (size_t i = 0; i < vl_ngen_kinds; i++) {
		const char *kind = vl_gen_kinds[i].name;
		CU_ASSERT_EQUAL(gen_all(kind, N, 1, a), N);
		CU_ASSERT_EQUAL(gen_all(kind, N, 1, b), N);
		CU_ASSERT(memcmp(a, b, N * sizeof(*a)) == 0);
		gen_all(kind, N, 2, b);
		CU_ASSERT(memcmp(a, b, N * sizeof(*a)) != 0);
		/* every event is one a trace can hold */
		struct vl_writer *w;
		struct vl_err err = {0};
		CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, t_path("gen.vlb"), VL_TFMT_BINARY, 0, NULL, &err), 0);
		CU_ASSERT_EQUAL(vl_writer_put(w, a, N, &err), 0);
		CU_ASSERT_EQUAL(vl_writer_close(w, &err), 0);
		CU_ASSERT_PTR_NOT_NULL(vl_gen_kinds[i].source);
	}
	struct vl_gen *g;
	struct vl_err err = {0};
	CU_ASSERT_EQUAL(vl_gen_new(&g, "specfp", 10, 1, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "unknown generator 'specfp' (valid: cpu, syscall");
	free(a);
	free(b);
}

static void test_gen_cpu_mix_matches_sources(void)
{
	enum { N = 2000000 };
	struct vl_event *ev = malloc((N + 4096) * sizeof(*ev));
	uint64_t user = 0, kern = 0, miss = 0, timers = 0, blocks = 0;

	gen_all("cpu", N, 9, ev);
	for (long i = 0; i < N; i++) {
		if (ev[i].type == VL_EV_BB) {
			if (ev[i].flags & VL_EVF_KERNEL)
				kern += ev[i].n;
			else
				user += ev[i].n, blocks++;
		}
		miss += ev[i].type == VL_EV_TLBMISS;
		timers += ev[i].type == VL_EV_TIMER;
	}
	/* 70.4 TLB misses per 100K instructions (Bhargava et al. 2008), within 5% */
	double rate = 1e5 * (double)miss / (double)user;
	CU_ASSERT(rate > 70.4 * 0.95 && rate < 70.4 * 1.05);
	/* a 1000 Hz timer at 3.8G instructions/s: one per 3.8M user instructions */
	CU_ASSERT(timers >= user / 3800000 && timers <= user / 3800000 + 1);
	/* the kernel runs about 2000 instructions per tick */
	CU_ASSERT(kern >= timers * 2000 && kern < timers * 2100 + 100);
	free(ev);
}

static void test_gen_forkwait_structure(void)
{
	/* iteration mode: exactly 20 fork/exit/wait iterations */
	struct vl_gen *g;
	struct vl_err err = {0};
	static struct vl_event ev[1 << 20];
	long n = 0, k;
	uint64_t cnt[VL_EV__COUNT] = {0};

	CU_ASSERT_EQUAL_FATAL(vl_gen_new_iters(&g, "forkwait", 20, 1, &err), 0);
	while ((k = vl_gen_read(g, ev + n, 4096, &err)) > 0 && n < (1 << 20) - 4096)
		n += k;
	vl_gen_free(g);
	uint64_t kinsns = 0;
	CU_ASSERT(k == 0); /* the whole trace fitted */
	for (long i = 0; i < n; i++) {
		cnt[ev[i].type]++;
		if (ev[i].type == VL_EV_BB && (ev[i].flags & VL_EVF_KERNEL))
			kinsns += ev[i].n;
	}
	/*
	 * the captured counts per iteration (traces/captured/forkwait.vlb):
	 * clone, wait4, set_robust_list, exit_group; 1 + 4 copy-on-write faults;
	 * 1 + 13 PTE writes at fork, 5 after the faults, 13 at exit; a fork and
	 * an exit; two cr3 switches
	 */
	CU_ASSERT_EQUAL(cnt[VL_EV_SYSCALL], 4 * 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_PGFAULT], 5 * 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_PTEWRITE], (1 + 12 + 5 + 12) * 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_CR3], 2 * 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_FORK], 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_EXIT], 20);
	/* KP_FORK + 5 KP_FAULT + KP_NULL_SYSCALL + KP_EXIT + KP_WAIT = 145,710
	 * kernel instructions an iteration; each path overshoots by less than a
	 * block */
	CU_ASSERT(kinsns >= 145710ull * 20 && kinsns <= 145710ull * 20 * 103 / 100);
}

static void test_gen_syscall_mix(void)
{
	enum { N = 400000 };
	struct vl_event *ev = malloc((N + 4096) * sizeof(*ev));
	uint64_t calls = 0, getpid = 0;

	gen_all("syscall", N, 4, ev);
	for (long i = 0; i < N; i++)
		if (ev[i].type == VL_EV_SYSCALL) {
			calls++;
			getpid += ev[i].a == 39;
		}
	CU_ASSERT(calls > 1000);
	double f = (double)getpid / (double)calls;
	CU_ASSERT(f > 0.45 && f < 0.55);
	free(ev);
}

/*
 * What a captured and a generated trace can both say, per operation: the
 * capture carries kernel work as `kernel N` runs, a generator as kernel
 * blocks along fixed paths, so kernel instructions are compared as a sum.
 */
struct opcounts {
	double syscall[512];       /* by number */
	double fault[2];           /* read, write */
	double pte[4];             /* by present bit: before * 2 + after */
	double cr3, fork, exec, exit;
	double user, kernel;       /* instructions */
	double callret, indirect;  /* user mode, per user instruction */
};

static void opcounts_add(struct opcounts *c, const struct vl_event *e)
{
	int k = (e->flags & VL_EVF_KERNEL) != 0;

	switch (e->type) {
	case VL_EV_SYSCALL: c->syscall[e->a < 512 ? e->a : 511]++; break;
	case VL_EV_PGFAULT: c->fault[(e->flags & VL_EVF_WRITE) != 0]++; break;
	case VL_EV_PTEWRITE:
		c->pte[((e->flags & VL_EVF_P_OLD) != 0) * 2 + ((e->flags & VL_EVF_P_NEW) != 0)]++;
		break;
	case VL_EV_CR3: c->cr3++; break;
	case VL_EV_FORK: c->fork++; break;
	case VL_EV_EXEC: c->exec++; break;
	case VL_EV_EXIT: c->exit++; break;
	case VL_EV_USER: c->user += e->n; break;
	case VL_EV_KERNEL: c->kernel += e->n; break;
	case VL_EV_BB: *(k ? &c->kernel : &c->user) += e->n; break;
	case VL_EV_CALLRET: c->callret += k ? 0 : e->n; break;
	case VL_EV_INDIRECT: c->indirect += k ? 0 : e->n; break;
	}
}

static void opcounts_per(struct opcounts *c, double ops)
{
	for (int i = 0; i < 512; i++)
		c->syscall[i] /= ops;
	for (int i = 0; i < 4; i++)
		c->pte[i] /= ops;
	c->fault[0] /= ops, c->fault[1] /= ops;
	c->cr3 /= ops, c->fork /= ops, c->exec /= ops, c->exit /= ops;
	c->callret /= c->user ? c->user : 1, c->indirect /= c->user ? c->user : 1;
	c->user /= ops, c->kernel /= ops;
}

/* Counts per operation of a capture: between vl-probe's phases 1 and 2. */
static void opcounts_captured(struct opcounts *c, const char *path)
{
	static struct vl_event buf[4096];
	struct vl_trace *t;
	struct vl_err err = {0};
	unsigned phases = 0;
	long n;

	memset(c, 0, sizeof(*c));
	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, path, &err), 0);
	const char *ops = vl_meta_get(vl_trace_meta(t), "operations");
	CU_ASSERT_PTR_NOT_NULL_FATAL(ops);
	while ((n = vl_trace_read(t, buf, 4096, &err)) > 0)
		for (long i = 0; i < n; i++) {
			phases += buf[i].type == VL_EV_PHASE;
			if (phases == 1 && buf[i].type != VL_EV_PHASE)
				opcounts_add(c, &buf[i]);
		}
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT(phases >= 2);
	vl_trace_close(t);
	opcounts_per(c, (double)strtoull(ops, NULL, 10));
}

/* Counts per operation of iters iterations of a generator, ops_per_iter each. */
static void opcounts_generated(struct opcounts *c, const char *kind, uint64_t iters,
                               double ops_per_iter)
{
	static struct vl_event buf[4096];
	struct vl_gen *g;
	struct vl_err err = {0};
	long n;

	memset(c, 0, sizeof(*c));
	CU_ASSERT_EQUAL_FATAL(vl_gen_new_iters(&g, kind, iters, 1, &err), 0);
	while ((n = vl_gen_read(g, buf, 4096, &err)) > 0)
		for (long i = 0; i < n; i++)
			opcounts_add(c, &buf[i]);
	vl_gen_free(g);
	opcounts_per(c, (double)iters * ops_per_iter);
}

/*
 * Tolerances: counts of events per operation within 0.05 (integers in a
 * generator; a capture's first iteration differs, e.g. its first fork
 * write-protects 13 pages where later ones write-protect 1, which adds
 * 0.012 over 1000 forks); user and kernel instructions within 5% (user
 * stretches average their captured lengths exactly; kernel paths overshoot
 * by less than a block each); call/ret pairs and indirect branches per
 * user instruction within 5% plus 0.001 (a capture's first operation runs
 * code once, as lazy set-up in libc, which adds a few branches in all).
 */
static int near_count(double cap, double gen) { return fabs(cap - gen) < 0.05; }
static int near_insns(double cap, double gen) { return fabs(cap - gen) <= 0.05 * cap; }
static int near_branch(double cap, double gen)
{
	return fabs(cap - gen) <= 0.05 * cap + 0.001;
}

#define T_NEAR(near, what, cap, gen)                                                      \
	do {                                                                              \
		if (!near(cap, gen))                                                      \
			fprintf(stderr, "\n  %s: %s: captured %.4f, generated %.4f per operation", \
			        ctx, what, cap, gen);                                     \
		CU_ASSERT(near(cap, gen));                                                \
	} while (0)

static void opcounts_compare(const char *ctx, const struct opcounts *cap,
                             const struct opcounts *gen)
{
	char what[32];

	for (int i = 0; i < 512; i++) {
		snprintf(what, sizeof(what), "syscall %d", i);
		T_NEAR(near_count, what, cap->syscall[i], gen->syscall[i]);
	}
	T_NEAR(near_count, "read faults", cap->fault[0], gen->fault[0]);
	T_NEAR(near_count, "write faults", cap->fault[1], gen->fault[1]);
	T_NEAR(near_count, "ptewrite 0 1", cap->pte[1], gen->pte[1]);
	T_NEAR(near_count, "ptewrite 1 0", cap->pte[2], gen->pte[2]);
	T_NEAR(near_count, "ptewrite 1 1", cap->pte[3], gen->pte[3]);
	T_NEAR(near_count, "cr3", cap->cr3, gen->cr3);
	T_NEAR(near_count, "fork", cap->fork, gen->fork);
	T_NEAR(near_count, "exec", cap->exec, gen->exec);
	T_NEAR(near_count, "exit", cap->exit, gen->exit);
	T_NEAR(near_insns, "user instructions", cap->user, gen->user);
	T_NEAR(near_insns, "kernel instructions", cap->kernel, gen->kernel);
	T_NEAR(near_branch, "call/ret per user instruction", cap->callret, gen->callret);
	T_NEAR(near_branch, "indirect per user instruction", cap->indirect, gen->indirect);
}

static void test_gen_forkwait_follows_capture(void)
{
	struct opcounts cap, gen;

	opcounts_captured(&cap, "traces/captured/forkwait.vlb");
	opcounts_generated(&gen, "forkwait", 200, 1);
	opcounts_compare("forkwait vs traces/captured/forkwait.vlb", &cap, &gen);
}

/* an iteration maps 64 pages and faults on each: 64 operations */
static void test_gen_pgfault_follows_capture(void)
{
	struct opcounts cap, gen;

	opcounts_captured(&cap, "tests/data/pgfault-anon.vlb");
	opcounts_generated(&gen, "pgfault", 16, 64);
	opcounts_compare("pgfault vs tests/data/pgfault-anon.vlb", &cap, &gen);
}

/*
 * The syscall generator's three calls, each against its capture: getpid
 * against getppid (traces/captured/null.vlb: the same null call, another
 * number), read and write against vl-probe rw1 (tests/data/rw1.vlb, one of
 * each an operation). The user instructions and call/ret pairs before a
 * call, and the kernel instructions up to its return, go to that call.
 */
static void test_gen_syscall_follows_capture(void)
{
	static struct vl_event buf[4096];
	struct opcounts null, rw1, gen[3] = {{{0}}}, run = {{0}};
	struct vl_gen *g;
	struct vl_err err = {0};
	double calls[3] = {0};
	long n;

	opcounts_captured(&null, "traces/captured/null.vlb");
	opcounts_captured(&rw1, "tests/data/rw1.vlb");
	CU_ASSERT_EQUAL_FATAL(vl_gen_new_iters(&g, "syscall", 20000, 1, &err), 0);
	while ((n = vl_gen_read(g, buf, 4096, &err)) > 0)
		for (long i = 0; i < n; i++) {
			opcounts_add(&run, &buf[i]);
			if (buf[i].type != VL_EV_SYSRET)
				continue;
			int c = run.syscall[39] ? 0 : run.syscall[0] ? 1 : 2;
			run.syscall[39] = run.syscall[0] = run.syscall[1] = 0;
			gen[c].user += run.user, gen[c].kernel += run.kernel;
			gen[c].callret += run.callret, gen[c].indirect += run.indirect;
			calls[c]++;
			memset(&run, 0, sizeof(run));
		}
	vl_gen_free(g);
	for (int c = 0; c < 3; c++) {
		CU_ASSERT_FATAL(calls[c] > 1000);
		opcounts_per(&gen[c], calls[c]);
	}
	/* getppid is 110, getpid 39: compare the call's counts, not its number */
	const char *ctx = "syscall getpid vs traces/captured/null.vlb";
	T_NEAR(near_count, "calls", null.syscall[110], 1.0);
	T_NEAR(near_insns, "user instructions", null.user, gen[0].user);
	T_NEAR(near_insns, "kernel instructions", null.kernel, gen[0].kernel);
	T_NEAR(near_branch, "call/ret per user instruction", null.callret, gen[0].callret);
	/* a read and a write an operation: their sum against the generated pair */
	ctx = "syscall read+write vs tests/data/rw1.vlb";
	T_NEAR(near_count, "read", rw1.syscall[0], 1.0);
	T_NEAR(near_count, "write", rw1.syscall[1], 1.0);
	T_NEAR(near_insns, "user instructions", rw1.user, gen[1].user + gen[2].user);
	T_NEAR(near_insns, "kernel instructions", rw1.kernel, gen[1].kernel + gen[2].kernel);
	T_NEAR(near_branch, "call/ret per user instruction", rw1.callret,
	       (gen[1].callret * gen[1].user + gen[2].callret * gen[2].user) /
	               (gen[1].user + gen[2].user));
}

void suite_gen(void)
{
	static const struct t_case cases[] = {
		{"gen_every_kind_exact_valid_deterministic", test_gen_every_kind_exact_valid_deterministic},
		{"gen_cpu_mix_matches_sources", test_gen_cpu_mix_matches_sources},
		{"gen_forkwait_structure", test_gen_forkwait_structure},
		{"gen_syscall_mix", test_gen_syscall_mix},
		{"gen_forkwait_follows_capture", test_gen_forkwait_follows_capture},
		{"gen_pgfault_follows_capture", test_gen_pgfault_follows_capture},
		{"gen_syscall_follows_capture", test_gen_syscall_follows_capture},
		{NULL, NULL},
	};
	t_add_suite("gen", cases);
}
