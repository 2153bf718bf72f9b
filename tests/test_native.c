/*
 * The native model, golden outputs: costs worked out by hand from the
 * Prescott host table (sim/param.c), which takes its values from Adams &
 * Agesen 2006, Fig. 4.
 */
#include <string.h>

#include "experiments/runner.h"
#include "models/native/native.h"
#include "tests/util.h"

static uint64_t run_native(const char *trace, const struct vl_override *ov, size_t nov,
                           struct vl_run_result *res)
{
	struct vl_run_spec spec = {.trace = trace, .model = &vl_model_native, .seed = 1,
	                           .ov = ov, .nov = nov, .baseline = 1};
	struct vl_err err = {0};

	int rc = vl_run(&spec, NULL, res, &err);
	if (rc)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	return res->stats.end_cycles;
}

static void test_native_adams_agesen_nanobenchmarks(void)
{
	/* 1000 iterations each; per iteration the Fig. 4 native cycles. */
	static const struct {
		const char *trace;
		uint64_t cycles;
	} cases[] = {
		{"traces/samples/aa-syscall.vlt", 242},   {"traces/samples/aa-in.vlt", 3209},
		{"traces/samples/aa-cr8wr.vlt", 150},     {"traces/samples/aa-callret.vlt", 11},
		{"traces/samples/aa-pgfault.vlt", 1093},  {"traces/samples/aa-divzero.vlt", 889},
		{"traces/samples/aa-ptemod-same.vlt", 1}, {"traces/samples/aa-ptemod-clear.vlt", 4},
		{"traces/samples/aa-ptemod-set.vlt", 5},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vl_run_result res;
		uint64_t got = run_native(cases[i].trace, NULL, 0, &res);
		if (got != 1000 * cases[i].cycles)
			fprintf(stderr, "\n  %s: %llu cycles\n", cases[i].trace, (unsigned long long)got);
		CU_ASSERT_EQUAL(got, 1000 * cases[i].cycles);
		CU_ASSERT_DOUBLE_EQUAL(res.slowdown, 1.0, 1e-12);
		vl_run_result_release(&res);
	}
}

static void test_native_hello_golden(void)
{
	/*
	 * traces/samples/hello.vlt by hand, cycles:
	 *   bb 12 + callret 2 x 9 (beyond their instructions) + 4 syscalls x 242 = 968
	 *   kernel runs 900+1200+800+500+700+300+2500 = 6900
	 *   out 2 x 3209 + in 3209 = 9627; pgfault 1093; ptewrite NP->P 5
	 *   bb 40; mmio 700; timer 889; cr3 500; sysret/iret/hlt/disk 0
	 *   the disk completion interrupt 889
	 *   = 12 + 18 + 968 + 6900 + 9627 + 1093 + 5 + 40 + 700 + 889 + 500 + 889
	 *   = 21641, plus the time blocked on the disk.
	 */
	struct vl_run_result res;
	uint64_t end = run_native("traces/samples/hello.vlt", NULL, 0, &res);

	CU_ASSERT_EQUAL(res.bd.cycles, 21641);
	CU_ASSERT_EQUAL(end, 21641 + res.stats.io_wait_cycles);
	CU_ASSERT_EQUAL(res.bd.events[VL_EV_IRQ], 1);
	CU_ASSERT_EQUAL(res.bd.cell[VL_EV_OUT][VL_MECH_DIRECT].cycles, 2 * 3209);
	CU_ASSERT_EQUAL(res.bd.insns, 52 + 6900);
	vl_run_result_release(&res);
}

static void test_native_fractional_cpi_carries(void)
{
	/* 1000 one-instruction runs at 1.5 cycles each: 1500, not 1000 or 2000. */
	char text[16 * 1000 + 16] = "vlt 1\n";
	for (int i = 0; i < 1000; i++)
		strcat(text, "user 1\n");
	const char *p = t_write("cpi.vlt", text);
	struct vl_override ov = {"cpi_user", 1.5};
	struct vl_run_result res;

	CU_ASSERT_EQUAL(run_native(p, &ov, 1, &res), 1500);
	vl_run_result_release(&res);
}

static void test_native_tlbmiss_uses_walk_params(void)
{
	const char *p = t_write("tlb.vlt", "vlt 1\ntlbmiss 10\n");
	struct vl_override ov[2] = {{"walk_ref", 30}, {"pt_levels", 4}};
	struct vl_run_result res;

	/* 10 misses x 4 references x 30 cycles */
	CU_ASSERT_EQUAL(run_native(p, ov, 2, &res), 1200);
	CU_ASSERT_EQUAL(res.bd.cell[VL_EV_TLBMISS][VL_MECH_PAGEWALK].cycles, 1200);
	vl_run_result_release(&res);
}

void suite_native(void)
{
	static const struct t_case cases[] = {
		{"native_adams_agesen_nanobenchmarks", test_native_adams_agesen_nanobenchmarks},
		{"native_hello_golden", test_native_hello_golden},
		{"native_fractional_cpi_carries", test_native_fractional_cpi_carries},
		{"native_tlbmiss_uses_walk_params", test_native_tlbmiss_uses_walk_params},
		{NULL, NULL},
	};
	t_add_suite("native", cases);
}
