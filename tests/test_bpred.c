/*
 * The reference branch predictor (traces/bpred.c): what a TAGE predictor
 * is known to do with the patterns every predictor meets: a branch always
 * taken, one that alternates, a loop's exit, one that is random, and the
 * same branches twice (the same mispredictions).
 */
#include <stdlib.h>

#include "tests/util.h"
#include "traces/bpred.h"

static struct vl_bpred bp;

/* Mispredictions of n outcomes of the branch at pc, outcome(i). */
static unsigned run(uint64_t pc, unsigned n, int (*outcome)(unsigned))
{
	unsigned miss = 0;

	for (unsigned i = 0; i < n; i++)
		miss += (unsigned)vl_bpred_branch(&bp, pc, outcome(i));
	return miss;
}

static int always(unsigned i)
{
	(void)i;
	return 1;
}

static int alternate(unsigned i)
{
	return i & 1;
}

static int loop10(unsigned i)
{
	return i % 10 != 9; /* nine times back, then out */
}

static int coin(unsigned i)
{
	uint32_t x = i * 2654435761u + 12345;

	x ^= x >> 15;
	x *= 0x2c1b3c6d;
	x ^= x >> 12;
	return (int)(x >> 7 & 1);
}

static void test_bpred_patterns(void)
{
	vl_bpred_init(&bp);
	CU_ASSERT(run(0x401000, 10000, always) <= 2);
	vl_bpred_init(&bp);
	CU_ASSERT(run(0x401000, 10000, alternate) < 100);
	vl_bpred_init(&bp);
	unsigned m = run(0x401020, 10000, loop10);
	printf("\n  loop of 10: %u mispredictions in 10000; coin: ", m);
	CU_ASSERT(m < 200); /* a bimodal predictor misses every exit: 1000 */
	vl_bpred_init(&bp);
	m = run(0x401040, 10000, coin);
	printf("%u ", m);
	CU_ASSERT(m > 4000 && m < 6000);
}

/* Two branches interleaved, the second the first's outcome: history decides it. */
static void test_bpred_correlation(void)
{
	unsigned miss2 = 0;

	vl_bpred_init(&bp);
	for (unsigned i = 0; i < 20000; i++) {
		int t = coin(i);
		vl_bpred_branch(&bp, 0x402000, t);
		miss2 += (unsigned)vl_bpred_branch(&bp, 0x402100, t);
	}
	CU_ASSERT(miss2 < 1000);
}

static void test_bpred_deterministic(void)
{
	unsigned a, b;

	vl_bpred_init(&bp);
	a = run(0x401040, 5000, coin) + run(0x401020, 5000, loop10);
	vl_bpred_init(&bp);
	b = run(0x401040, 5000, coin) + run(0x401020, 5000, loop10);
	CU_ASSERT_EQUAL(a, b);
}

void suite_bpred(void)
{
	static const struct t_case cases[] = {
		{"bpred_patterns", test_bpred_patterns},
		{"bpred_correlation", test_bpred_correlation},
		{"bpred_deterministic", test_bpred_deterministic},
		{NULL, NULL},
	};
	t_add_suite("bpred", cases);
}
