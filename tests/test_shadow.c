/*
 * Shadow paging (sim/shadow.c) through the three models that use it: bt,
 * hwassist with nested=0, trapemu. Golden traces with the cycles of every
 * mechanism worked out by hand from the defaults (Prescott host) in comments.
 */
#include <string.h>

#include "experiments/runner.h"
#include "sim/registry.h"
#include "tests/util.h"

static int run(const char *trace, const char *model, const struct vl_override *ov, size_t nov,
               struct vl_run_result *res)
{
	struct vl_run_spec spec = {.trace = trace, .model = vl_model_find(model), .seed = 1,
	                           .ov = ov, .nov = nov, .baseline = 1};
	struct vl_err err = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(spec.model);
	int rc = vl_run(&spec, NULL, res, &err);
	if (rc)
		fprintf(stderr, "\n  %s %s: %s\n", trace, model, err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	return rc;
}

static double counter(const struct vl_run_result *r, const char *name)
{
	for (size_t i = 0; i < r->ncounters; i++)
		if (strcmp(r->counters[i].name, name) == 0)
			return r->counters[i].value;
	fprintf(stderr, "\n  no counter %s\n", name);
	CU_FAIL("missing counter");
	return -1;
}

/* Cycles charged to mechanism m over every event kind. */
static uint64_t mech(const struct vl_run_result *r, unsigned m)
{
	uint64_t c = 0;

	for (unsigned e = 0; e < VL_EV__COUNT; e++)
		c += r->bd.cell[e][m].cycles;
	return c;
}

#define MECH_EQ(res, m, want)                                                             \
	do {                                                                              \
		uint64_t got_ = mech(res, m);                                             \
		if (got_ != (uint64_t)(want))                                             \
			fprintf(stderr, "\n  %s: %llu, want %llu\n", vl_mechdesc[m].name,  \
			        (unsigned long long)got_, (unsigned long long)(want));     \
		CU_ASSERT_EQUAL(got_, (uint64_t)(want));                                  \
	} while (0)

/*
 * The parent (the first address space) forks child 2: one of its PTEs is
 * write-protected (traced: its shadow exists) and two are copied into the
 * child's tables (not traced: the child has no shadow yet). The child runs
 * (cr3 2: an empty shadow is built), touches 3 pages (3 hidden faults) and
 * one again (filled), takes a true fault whose NP->P write fills the entry
 * eagerly (the next touch of it costs nothing), exits (a traced P->NP
 * write, then teardown), and the parent runs again (cr3 1 names the first
 * address space, whose shadow is still cached and holds 0x1000 from the
 * write-protect: no hidden fault).
 */
static const char fork_trace[] =
	"vlt 1\n"
	"syscall 57\n"
	"ptewrite 0x1000 1 1\n"
	"ptewrite 0x10000 0 1\n"
	"ptewrite 0x11000 0 1\n"
	"fork 2 2\n"
	"sysret\n"
	"cr3 2\n"
	"touch 0x1000 user r\n"
	"touch 0x2000 user w\n"
	"touch 0x3000 user r\n"
	"touch 0x2000 user r\n"
	"pgfault 0x4000 user w\n"
	"ptewrite 0x4000 0 1\n"
	"iret\n"
	"touch 0x4000 user w\n"
	"syscall 231\n"
	"ptewrite 0x1000 1 0\n"
	"exit 1\n"
	"cr3 1\n"
	"touch 0x1000 user r\n";

static void check_fork_counters(const struct vl_run_result *r, const char *m)
{
	char name[64];

	snprintf(name, sizeof(name), "%s.shadow_hidden_faults", m);
	CU_ASSERT_DOUBLE_EQUAL(counter(r, name), 3, 0);
	snprintf(name, sizeof(name), "%s.shadow_traced_writes", m);
	CU_ASSERT_DOUBLE_EQUAL(counter(r, name), 3, 0);
	snprintf(name, sizeof(name), "%s.shadow_untraced_writes", m);
	CU_ASSERT_DOUBLE_EQUAL(counter(r, name), 2, 0);
	snprintf(name, sizeof(name), "%s.shadow_rebuilds", m);
	CU_ASSERT_DOUBLE_EQUAL(counter(r, name), 1, 0);
	snprintf(name, sizeof(name), "%s.shadow_switches", m);
	CU_ASSERT_DOUBLE_EQUAL(counter(r, name), 2, 0);
	snprintf(name, sizeof(name), "%s.shadow_evictions", m);
	CU_ASSERT_DOUBLE_EQUAL(counter(r, name), 0, 0);
	snprintf(name, sizeof(name), "%s.shadow_teardowns", m);
	CU_ASSERT_DOUBLE_EQUAL(counter(r, name), 1, 0);
}

static void test_shadow_fork_bt(void)
{
	/*
	 * bt (trap 1814, callout 1038, tc_emulate 216, syscall_trans 2066,
	 * reflect 520, shadow_walk 500, pte 390/13/2116, shadow_cr3 200,
	 * shadow_build 2000, adapt_after 4: each of the 3 traced writes is the
	 * first of its kind, so each traps and is emulated):
	 *   syscalls 57 and 231: trap 2 x 2066
	 *   wp P->P: trap 1814, emulate 216, shadowpt 390
	 *   cr3 2: callout 1038, emulate 216, shadowpt 200 + 2000
	 *   3 hidden faults: trap 3 x 1814, shadowpt 3 x 500
	 *   pgfault: trap 1814, emulate 520, shadowpt 500
	 *   NP->P: trap 1814, emulate 216, shadowpt 2116
	 *   P->NP: trap 1814, emulate 216, shadowpt 13
	 *   cr3 1: callout 1038, emulate 216, shadowpt 200
	 * trap 4132 + 1814 x 7 = 16830; emulate 216 x 5 + 520 = 1600;
	 * callout 2076; shadowpt 390 + 2200 + 1500 + 500 + 2116 + 13 + 200 = 6919.
	 */
	const char *t = t_write("shfork.vlt", fork_trace);
	struct vl_run_result res, nat;

	run(t, "bt", NULL, 0, &res);
	run(t, "native", NULL, 0, &nat);
	MECH_EQ(&res, VL_MECH_TRAP, 16830);
	MECH_EQ(&res, VL_MECH_EMULATE, 1600);
	MECH_EQ(&res, VL_MECH_CALLOUT, 2076);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 6919);
	MECH_EQ(&res, VL_MECH_DIRECT, mech(&nat, VL_MECH_DIRECT)); /* bt keeps every native cost */
	CU_ASSERT_EQUAL(res.bd.cell[VL_EV_TOUCH][VL_MECH_TRAP].cycles, 3 * 1814);
	check_fork_counters(&res, "bt");
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.pte_writes_trapped"), 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.pte_writes_adapted"), 0, 0);
	vl_run_result_release(&res);

	/* adapted from the start: the 3 writes lose their trap and emulation,
	 * 16830 - 3 x 1814 = 11388 and 1600 - 3 x 216 = 952 */
	struct vl_override adapted = {"adapt_after", 0};
	run(t, "bt", &adapted, 1, &res);
	MECH_EQ(&res, VL_MECH_TRAP, 11388);
	MECH_EQ(&res, VL_MECH_EMULATE, 952);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 6919);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.pte_writes_adapted"), 3, 0);
	vl_run_result_release(&res);
	vl_run_result_release(&nat);
}

static void test_shadow_fork_hwassist(void)
{
	/*
	 * hwassist, shadow paging (exit 3963, + TLB refill 300 until the trace's
	 * first touch reaches the TLB model, which pays refills as walks after
	 * it; VMCS 10 x 178 + 2 x 171 = 2122, h_pte 2769, shadow 3579/0/7866,
	 * h_pf 3764, h_cr3 200, shadow_build 2000). Exits: wp, cr3 2, 3 hidden
	 * faults, pgfault, NP->P, P->NP, cr3 1 = 9, the first three with the
	 * refill: vmexit 9 x 3963 + 3 x 300 = 36567, exithandler
	 * 9 x 2122 = 19098; emulate (3 traced writes) 3 x 2769 = 8307;
	 * shadowpt: wp 3579, cr3 2 200 + 2000, hidden 3 x 3764, pgfault 3764,
	 * NP->P 7866, P->NP 0, cr3 1 200 = 28901.
	 */
	const char *t = t_write("shfork.vlt", fork_trace);
	struct vl_override shadow = {"nested", 0};
	struct vl_run_result res;

	run(t, "hwassist", &shadow, 1, &res);
	MECH_EQ(&res, VL_MECH_VMEXIT, 36567);
	MECH_EQ(&res, VL_MECH_EXITHANDLER, 19098);
	MECH_EQ(&res, VL_MECH_EMULATE, 8307);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 28901);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "hwassist.exits"), 9, 0);
	check_fork_counters(&res, "hwassist");
	vl_run_result_release(&res);
}

static void test_shadow_fork_trapemu(void)
{
	/*
	 * trapemu (trap 1814, emulate 216, reflect 520, shadow_walk 500,
	 * shadow_update 1000, shadow_cr3 200, shadow_build 2000). Traps: 2
	 * syscalls, sysret, iret, 2 cr3, 3 traced writes, 3 hidden faults,
	 * pgfault = 13 x 1814 = 23582; emulate: reflect 3 x 520 (2 syscalls,
	 * pgfault) + 7 x 216 (sysret, iret, 2 cr3, 3 writes) = 3072; shadowpt:
	 * 3 writes x 1000, cr3 2 2200, hidden 3 x 500, pgfault 500, cr3 1 200
	 * = 7400.
	 */
	const char *t = t_write("shfork.vlt", fork_trace);
	struct vl_run_result res;

	run(t, "trapemu", NULL, 0, &res);
	MECH_EQ(&res, VL_MECH_TRAP, 23582);
	MECH_EQ(&res, VL_MECH_EMULATE, 3072);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 7400);
	check_fork_counters(&res, "trapemu");
	vl_run_result_release(&res);
}

static void test_shadow_cache_eviction_refills_by_hidden_faults(void)
{
	/*
	 * The parent touches 2 pages (its shadow is warm: filled before the
	 * trace, no hidden fault), forks child 2, which runs and touches 1
	 * page; back in the parent it touches both again. shadow_cap 1: the
	 * child's shadow evicts the parent's, the parent's rebuild evicts the
	 * child's and refills 2 entries by hidden faults: 3 hidden faults, 2
	 * rebuilds, 2 evictions. bt: trap 2066 (the fork's system call) +
	 * 3 x 1814 = 7508; shadowpt 2 x (200 + 2000) + 3 x 500 = 5900. Default
	 * capacity (4): the parent's shadow stays, its second touches hit: 1
	 * hidden fault, 1 rebuild; trap 2066 + 1814 = 3880, shadowpt 2 x 200 +
	 * 2000 + 500 = 2900.
	 */
	const char *t = t_write("shcap.vlt", "vlt 1\ntouch 0x1000 user r\ntouch 0x2000 user r\n"
	                        "syscall 57\nfork 2\nsysret\ncr3 2\ntouch 0x1000 user r\ncr3 1\n"
	                        "touch 0x1000 user r\ntouch 0x2000 user r\ntouch 0x1000 user r\n");
	struct vl_override one = {"shadow_cap", 1};
	struct vl_run_result res;

	run(t, "bt", &one, 1, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_hidden_faults"), 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_rebuilds"), 2, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_evictions"), 2, 0);
	MECH_EQ(&res, VL_MECH_TRAP, 7508);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 5900);
	vl_run_result_release(&res);

	run(t, "bt", NULL, 0, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_hidden_faults"), 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_rebuilds"), 1, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_evictions"), 0, 0);
	MECH_EQ(&res, VL_MECH_TRAP, 3880);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 2900);
	vl_run_result_release(&res);
}

/*
 * A fork child as a full-system capture shows it: touches of two kernel
 * pages (shared kernel tables, filled before the trace: no hidden fault),
 * of a user page (a hidden fault), and a true fault whose entry write names
 * a stand-in entry (VL_SYSCAP_PT_BASE), not the page: the fault fills the
 * page, so the retried access is no hidden fault. One in all.
 */
static void test_shadow_kernel_pages_and_fault_fills(void)
{
	const char *t = t_write("shkernel.vlt", "vlt 1\nsyscall 57\nfork 2\nsysret\ncr3 2\n"
	                        "touch 0xffff888000001000 kernel r\n"
	                        "touch 0xffffffff81000000 kernel r\ntouch 0x5000 user r\n"
	                        "pgfault 0x6000 user w\nptewrite 0x7e0000201000 0 1\niret\n"
	                        "touch 0x6000 user w\n");
	struct vl_run_result res;

	run(t, "bt", NULL, 0, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_hidden_faults"), 1, 0);
	vl_run_result_release(&res);
	run(t, "hwassist", NULL, 0, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "hwassist.shadow_hidden_faults"), 1, 0);
	vl_run_result_release(&res);
}

static void test_shadow_without_touches_refills_at_the_switch(void)
{
	/*
	 * No touch events: the parent's two true faults fill two entries
	 * eagerly (NP->P writes); with shadow_cap 1 the child evicts them and
	 * the switch back rebuilds the parent's shadow and charges its 2
	 * entries as hidden faults at once. bt, cr3 1: trap 2 x 1814 = 3628,
	 * shadowpt 200 + 2000 + 2 x 500 = 3200; cr3 2 (nothing to refill):
	 * 2200. Total cr3 shadowpt 5400.
	 */
	const char *t = t_write("shnotouch.vlt", "vlt 1\npgfault 0x1000 user w\nptewrite 0x1000 0 1\n"
	                        "iret\npgfault 0x2000 user w\nptewrite 0x2000 0 1\niret\n"
	                        "syscall 57\nfork 2\nsysret\ncr3 2\ncr3 1\n");
	struct vl_override one = {"shadow_cap", 1};
	struct vl_run_result res;

	run(t, "bt", &one, 1, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_hidden_faults"), 2, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.shadow_fills"), 2, 0);
	CU_ASSERT_EQUAL(res.bd.cell[VL_EV_CR3][VL_MECH_TRAP].cycles, 3628);
	CU_ASSERT_EQUAL(res.bd.cell[VL_EV_CR3][VL_MECH_SHADOWPT].cycles, 5400);
	vl_run_result_release(&res);
}

static void test_shadow_unsync(void)
{
	/*
	 * trapemu with unsync=1: the first write traps (trap 1814, emulate 216,
	 * update 1000) and unsyncs the tables; the next three land without a
	 * trap (native 5, 5, 4) and are dirty; P->NP drops 0x1000 at once;
	 * invlpg traps (1814 + 216) and resyncs 3 entries (3 x 200); the next
	 * write traps again; 0x2000 was written while out of sync, so its
	 * entry was not built: its touch is a hidden fault (1814 + 500).
	 * trap 4 x 1814 = 7256; shadowpt 2 x 1000 + 600 + 500 = 3100.
	 * Without unsync every write traps: 5 traced, no resync, 0x2000 filled:
	 * trap 6 x 1814 = 10884, shadowpt 5 x 1000 = 5000.
	 */
	const char *t = t_write("shunsync.vlt", "vlt 1\nptewrite 0x1000 0 1\nptewrite 0x2000 0 1\n"
	                        "ptewrite 0x3000 0 1\nptewrite 0x1000 1 0\ninvlpg 0x1000\n"
	                        "ptewrite 0x4000 0 1\ntouch 0x2000 user r\n");
	struct vl_override on = {"unsync", 1};
	struct vl_run_result res;

	run(t, "trapemu", &on, 1, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "trapemu.shadow_traced_writes"), 2, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "trapemu.shadow_unsync_writes"), 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "trapemu.shadow_resynced_entries"), 3, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "trapemu.shadow_hidden_faults"), 1, 0);
	MECH_EQ(&res, VL_MECH_TRAP, 7256);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 3100);
	MECH_EQ(&res, VL_MECH_DIRECT, 14);
	vl_run_result_release(&res);

	run(t, "trapemu", NULL, 0, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "trapemu.shadow_traced_writes"), 5, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "trapemu.shadow_hidden_faults"), 0, 0);
	MECH_EQ(&res, VL_MECH_TRAP, 10884);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 5000);
	vl_run_result_release(&res);
}

static void test_shadow_bt_adaptation_kicks_in(void)
{
	/*
	 * 10 NP->P writes: the first adapt_after = 4 trap (trap 1814, emulate
	 * 216), the other 6 run adapted; every one updates the shadow (2116).
	 * trap 4 x 1814 = 7256, emulate 4 x 216 = 864, shadowpt 10 x 2116.
	 */
	char text[512] = "vlt 1\n";
	for (int i = 0; i < 10; i++)
		snprintf(text + strlen(text), sizeof(text) - strlen(text), "ptewrite 0x%x000 0 1\n",
		         i + 1);
	const char *t = t_write("shadapt.vlt", text);
	struct vl_run_result res;

	run(t, "bt", NULL, 0, &res);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.pte_writes_trapped"), 4, 0);
	CU_ASSERT_DOUBLE_EQUAL(counter(&res, "bt.pte_writes_adapted"), 6, 0);
	MECH_EQ(&res, VL_MECH_TRAP, 7256);
	MECH_EQ(&res, VL_MECH_EMULATE, 864);
	MECH_EQ(&res, VL_MECH_SHADOWPT, 21160);
	vl_run_result_release(&res);
}

void suite_shadow(void)
{
	static const struct t_case cases[] = {
		{"shadow_fork_bt", test_shadow_fork_bt},
		{"shadow_fork_hwassist", test_shadow_fork_hwassist},
		{"shadow_fork_trapemu", test_shadow_fork_trapemu},
		{"shadow_cache_eviction_refills_by_hidden_faults",
		 test_shadow_cache_eviction_refills_by_hidden_faults},
		{"shadow_without_touches_refills_at_the_switch",
		 test_shadow_without_touches_refills_at_the_switch},
		{"shadow_kernel_pages_and_fault_fills", test_shadow_kernel_pages_and_fault_fills},
		{"shadow_unsync", test_shadow_unsync},
		{"shadow_bt_adaptation_kicks_in", test_shadow_bt_adaptation_kicks_in},
		{NULL, NULL},
	};
	t_add_suite("shadow", cases);
}
