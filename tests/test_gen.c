/*
 * Generators: exact length, valid events, determinism per seed, and the
 * documented event mix (rates checked against the numbers they cite).
 */
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
	 * the measured counts per iteration: clone, set_robust_list, exit_group
	 * and the wait's return (counted by its sysret); 2 + 6 faults; 15 + 15
	 * PTE writes at fork, 8 after the faults, 21 at exit; two cr3 switches
	 */
	CU_ASSERT_EQUAL(cnt[VL_EV_SYSCALL], 3 * 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_PGFAULT], 8 * 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_PTEWRITE], (15 + 15 + 8 + 21) * 20);
	CU_ASSERT_EQUAL(cnt[VL_EV_CR3], 2 * 20);
	/* 158,469 kernel instructions an iteration, counted under QEMU TCG; each
	 * path overshoots by less than a block */
	CU_ASSERT(kinsns >= 158469ull * 20 && kinsns <= 158469ull * 20 * 103 / 100);
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

void suite_gen(void)
{
	static const struct t_case cases[] = {
		{"gen_every_kind_exact_valid_deterministic", test_gen_every_kind_exact_valid_deterministic},
		{"gen_cpu_mix_matches_sources", test_gen_cpu_mix_matches_sources},
		{"gen_forkwait_structure", test_gen_forkwait_structure},
		{"gen_syscall_mix", test_gen_syscall_mix},
		{NULL, NULL},
	};
	t_add_suite("gen", cases);
}
