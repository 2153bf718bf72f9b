/*
 * The TLB hierarchy of sim/tlb.c, golden sequences worked out by hand:
 * L1/L2 hits and LRU with a tiny geometry, the page-walk cache's effect on
 * a walk, the 24 references of an uncached 2-D walk and fewer with PWC and
 * NTLB hits, CR3 flushes with and without PCID, large pages, and text
 * traces replayed through native and hwassist with exact cycles.
 */
#include <string.h>

#include "experiments/runner.h"
#include "sim/native.h"
#include "sim/registry.h"
#include "sim/tlb.h"
#include "tests/util.h"

/* The Prescott host with the TLB parameters given (name, value pairs). */
static void host_with(struct vl_host *h, const struct vl_setting *set)
{
	memset(h, 0, sizeof(*h));
	for (int i = 0; i < VL_H__COUNT; i++)
		h->v[i] = vl_host_params[i].def;
	for (; set && set->name; set++) {
		int i = vl_param_find(vl_host_params, VL_H__COUNT, set->name);
		CU_ASSERT_FATAL(i >= 0);
		h->v[i] = set->value;
	}
}

/* Touches addr; returns the walk's total references, or -1 on a TLB hit. */
static int touch(struct vl_tlb *t, uint64_t addr, int kernel, struct vl_walk *w)
{
	if (!vl_tlb_touch(t, addr, kernel, w))
		return -1;
	return (int)(w->guest_refs + w->nested_refs);
}

static void test_tlb_l1_l2_lru(void)
{
	/*
	 * L1: 2 entries, fully associative; L2: 4 entries, 2-way (2 sets, set =
	 * page % 2); no PWC, so a walk is 4 references.
	 *   A=page 1, B=page 2, C=page 3, D=page 5
	 *   A miss       L1 {A}      L2 s1 {A}
	 *   A L1 hit
	 *   B miss       L1 {A,B}    L2 s0 {B}
	 *   C miss       L1 {B,C}    L2 s1 {A,C}        (L1 drops A, its LRU)
	 *   A L2 hit     L1 {C,A}                        (L1 drops B)
	 *   B L2 hit     L1 {A,B}                        (L1 drops C)
	 *   D miss       L1 {B,D}    L2 s1 {A,D}        (L2 drops C: A was used after)
	 *   C miss       (in neither)
	 * walks 4 (A, B, C, D) + 1 = 5, L1 hits 1, L2 hits 2.
	 */
	static const struct vl_setting set[] = {
		{"dtlb1_entries", 2}, {"dtlb1_ways", 2}, {"dtlb2_entries", 4}, {"dtlb2_ways", 2},
		{"pwc_entries", 0}, {NULL, 0},
	};
	static const struct {
		uint64_t addr;
		int refs;
	} seq[] = {
		{0x1000, 4}, {0x1000, -1}, {0x2000, 4}, {0x3000, 4},
		{0x1000, -1}, {0x2000, -1}, {0x5000, 4}, {0x3000, 4},
	};
	struct vl_host h;
	struct vl_tlb t;
	struct vl_walk w;

	host_with(&h, set);
	vl_tlb_init(&t, &h);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		int got = touch(&t, seq[i].addr, 0, &w);
		if (got != seq[i].refs)
			fprintf(stderr, "\n  step %zu: %d references, expected %d\n", i, got, seq[i].refs);
		CU_ASSERT_EQUAL(got, seq[i].refs);
	}
	CU_ASSERT_EQUAL(t.walks, 5);
	CU_ASSERT_EQUAL(t.l1_hits, 1);
	CU_ASSERT_EQUAL(t.l2_hits, 2);
	CU_ASSERT_EQUAL(t.guest_refs, 20);
}

static void test_tlb_pwc_shortens_walks(void)
{
	/*
	 * A 24-entry PWC (2-cycle hits), walk_ref 25. Each walk caches the
	 * upper-level entries it read; the next walk starts below the lowest
	 * cached one:
	 *   0x1000           cold: 4 references                      = 100 cycles
	 *   0x2000           same 2 MiB: L2 entry hit, reads L1 only: 1 ref + hit = 27
	 *   0x200000         next 2 MiB, same 1 GiB: L3 entry hit: 2 refs + hit  = 52
	 *   0x40000000       next 1 GiB, same 512 GiB: L4 entry hit: 3 refs + hit = 77
	 *   0x8000000000     next 512 GiB: no hit: 4 refs                         = 100
	 */
	static const struct vl_setting set[] = {{"pwc_entries", 24}, {NULL, 0}};
	static const struct {
		uint64_t addr;
		uint32_t refs, hits;
		uint64_t cycles;
	} seq[] = {
		{0x1000, 4, 0, 100}, {0x2000, 1, 1, 27}, {0x200000, 2, 1, 52},
		{0x40000000, 3, 1, 77}, {0x8000000000, 4, 0, 100},
	};
	struct vl_host h;
	struct vl_tlb t;
	struct vl_walk w;

	host_with(&h, set);
	vl_tlb_init(&t, &h);
	for (size_t i = 0; i < sizeof(seq) / sizeof(seq[0]); i++) {
		CU_ASSERT_EQUAL(touch(&t, seq[i].addr, 0, &w), (int)seq[i].refs);
		CU_ASSERT_EQUAL(w.guest_pwc, seq[i].hits);
		CU_ASSERT_EQUAL(vl_walk_guest_cycles(&t, &w), seq[i].cycles);
		CU_ASSERT_EQUAL(vl_walk_nested_cycles(&t, &w), 0);
	}
}

static void test_tlb_2d_walk_24_uncached(void)
{
	/* Bhargava et al. 2008: n*m + n + m = 4*4 + 4 + 4 = 24 references: per
	 * guest level a 4-reference nested walk of the table's address and the
	 * guest entry itself (4 x 5 = 20), then the data page's nested walk (4). */
	static const struct vl_setting set[] = {{"pwc_entries", 0}, {"ntlb_entries", 0}, {NULL, 0}};
	struct vl_host h;
	struct vl_tlb t;
	struct vl_walk w;

	host_with(&h, set);
	vl_tlb_init(&t, &h);
	vl_tlb_set_nested(&t, 1);
	for (uint64_t a = 0x1000; a < 0x5000; a += 0x1000) {
		CU_ASSERT_EQUAL(touch(&t, a, 0, &w), 24);
		CU_ASSERT_EQUAL(w.guest_refs, 4);
		CU_ASSERT_EQUAL(w.nested_refs, 20);
		CU_ASSERT_EQUAL(vl_walk_nested_cycles(&t, &w), 20 * 25);
	}
	/* 3-level tables (n = m = 3): 3*3 + 3 + 3 = 15 */
	h.v[VL_H_PT_LEVELS] = 3;
	vl_tlb_init(&t, &h);
	vl_tlb_set_nested(&t, 1);
	CU_ASSERT_EQUAL(touch(&t, 0x1000, 0, &w), 15);
}

static void test_tlb_2d_walk_with_pwc_and_ntlb(void)
{
	/*
	 * 24-entry 2-D PWC (nested entries too), 16-entry NTLB, 2-cycle hits.
	 * Walk 1, 0x1000, cold: 24 references, as uncached. It leaves in the
	 * PWC the guest L4-L2 entries and each of the 5 nested walks' L4-L2
	 * entries (18 <= 24), and the 4 guest tables' translations in the NTLB.
	 * Walk 2, 0x2000 (same 2 MiB region):
	 *   guest: L2 entry hit in the PWC, reads the L1 entry: 1 ref, 1 hit
	 *   the L1 table's translation: NTLB hit (same table): 0 refs, 1 hit
	 *   data page's nested walk: the nested L2 entry (same 2 MiB of
	 *   guest-physical) hits: 1 ref, 1 hit
	 *   = 2 references instead of 24; pagewalk 25 + 2 = 27 cycles,
	 *   nestedwalk 25 + 2 x 2 = 29 cycles.
	 */
	static const struct vl_setting set[] = {{"pwc_entries", 24}, {"ntlb_entries", 16}, {NULL, 0}};
	struct vl_host h;
	struct vl_tlb t;
	struct vl_walk w;

	host_with(&h, set);
	vl_tlb_init(&t, &h);
	vl_tlb_set_nested(&t, 1);
	CU_ASSERT_EQUAL(touch(&t, 0x1000, 0, &w), 24);
	CU_ASSERT_EQUAL(touch(&t, 0x2000, 0, &w), 2);
	CU_ASSERT_EQUAL(w.guest_refs, 1);
	CU_ASSERT_EQUAL(w.guest_pwc, 1);
	CU_ASSERT_EQUAL(w.nested_refs, 1);
	CU_ASSERT_EQUAL(w.nested_hits, 2);
	CU_ASSERT_EQUAL(vl_walk_guest_cycles(&t, &w), 27);
	CU_ASSERT_EQUAL(vl_walk_nested_cycles(&t, &w), 29);
	CU_ASSERT_EQUAL(t.ntlb_hits, 1);
	/* Without the nested PWC entries (a 1-D PWC): the data page's nested
	 * walk is 4 references again: 1 + 4 = 5. */
	h.v[VL_H_PWC_NESTED] = 0;
	vl_tlb_init(&t, &h);
	vl_tlb_set_nested(&t, 1);
	CU_ASSERT_EQUAL(touch(&t, 0x1000, 0, &w), 24);
	CU_ASSERT_EQUAL(touch(&t, 0x2000, 0, &w), 5);
}

static void test_tlb_cr3_flush_and_pcid(void)
{
	/*
	 * Without PCID a CR3 write drops every entry but the global (kernel)
	 * ones: a user page misses again, a kernel page still hits. With PCID
	 * entries are tagged: switching away and back finds the user page.
	 */
	const uint64_t user = 0x1000, kern = 0xffff800000001000ull;
	struct vl_host h;
	struct vl_tlb t;
	struct vl_walk w;

	host_with(&h, NULL);
	vl_tlb_init(&t, &h);
	CU_ASSERT_EQUAL(touch(&t, user, 0, &w), 4);
	CU_ASSERT_EQUAL(touch(&t, kern, 1, &w), 4);
	vl_tlb_cr3(&t, 1);
	CU_ASSERT_EQUAL(t.flushes, 1);
	CU_ASSERT_EQUAL(touch(&t, kern, 1, &w), -1);
	CU_ASSERT_EQUAL(touch(&t, user, 0, &w), 4);
	/* INVLPG drops one page */
	vl_tlb_invlpg(&t, user);
	CU_ASSERT_EQUAL(touch(&t, kern, 1, &w), -1);
	CU_ASSERT_EQUAL(touch(&t, user, 0, &w), 4);

	h.v[VL_H_PCID] = 1;
	vl_tlb_init(&t, &h);
	CU_ASSERT_EQUAL(touch(&t, user, 0, &w), 4);
	vl_tlb_cr3(&t, 1);
	CU_ASSERT_EQUAL(t.flushes, 0);
	CU_ASSERT_EQUAL(touch(&t, user, 0, &w), 4); /* another space's page */
	vl_tlb_cr3(&t, 0);
	CU_ASSERT_EQUAL(touch(&t, user, 0, &w), -1);
	/* an exit without VPID drops everything, kernel entries too */
	CU_ASSERT_EQUAL(touch(&t, kern, 1, &w), 4);
	vl_tlb_flush(&t);
	CU_ASSERT_EQUAL(touch(&t, kern, 1, &w), 4);
}

static void test_tlb_large_pages(void)
{
	/* Every region large: one entry covers 512 pages and the walk stops at
	 * the L2 entry, 3 references natively; a 2-D walk with large host pages
	 * too: 3 guest levels x (3 + 1) + 3 = 15. */
	static const struct vl_setting set[] = {{"large_pages", 1}, {NULL, 0}};
	struct vl_host h;
	struct vl_tlb t;
	struct vl_walk w;

	host_with(&h, set);
	vl_tlb_init(&t, &h);
	CU_ASSERT_EQUAL(touch(&t, 0x1000, 0, &w), 3);
	CU_ASSERT_EQUAL(touch(&t, 0x1ff000, 0, &w), -1);
	CU_ASSERT_EQUAL(touch(&t, 0x200000, 0, &w), 3);
	h.v[VL_H_NESTED_LARGE_PAGES] = 1;
	h.v[VL_H_NTLB_ENTRIES] = 0;
	vl_tlb_init(&t, &h);
	vl_tlb_set_nested(&t, 1);
	CU_ASSERT_EQUAL(touch(&t, 0x1000, 0, &w), 15);
	/* none large: the fraction 0 keeps 4 KiB pages */
	h.v[VL_H_LARGE_PAGES] = 0;
	vl_tlb_init(&t, &h);
	CU_ASSERT_EQUAL(touch(&t, 0x1000, 0, &w), 4);
	CU_ASSERT_EQUAL(touch(&t, 0x2000, 0, &w), 4);
}

static int run(const char *trace, const char *model, const struct vl_override *ov, size_t nov,
               struct vl_run_result *res)
{
	struct vl_run_spec spec = {.trace = trace, .model = vl_model_find(model), .seed = 1,
	                           .ov = ov, .nov = nov, .baseline = 1};
	struct vl_err err = {0};

	int rc = vl_run(&spec, NULL, res, &err);
	if (rc)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL(rc, 0);
	return rc;
}

/* Cycles of one mechanism over every event kind. */
static uint64_t mech(const struct vl_run_result *res, unsigned m)
{
	uint64_t c = 0;

	for (int r = 0; r < VL_ROWS; r++)
		c += res->bd.cell[r][m].cycles;
	return c;
}

static void test_tlb_trace_native_and_nested(void)
{
	/*
	 * Prescott host: 64-entry L1 DTLB, no L2, no PWC, 16-entry NTLB,
	 * walk_ref 25, NTLB hit 2, cr3 500.
	 *   touch 0x1000   miss                  native 4 refs
	 *   touch 0x1000   hit
	 *   touch 0x2000   miss                  native 4 refs
	 *   cr3 1          flush (no PCID)       500 direct
	 *   touch 0x1000   miss                  native 4 refs
	 * native: pagewalk 12 x 25 = 300, direct 500.
	 * nested paging: guest dimension as native, 300; the extra:
	 *   walk 1: 4 NTLB misses x 4 + data 4          = 20 refs
	 *   walk 2: same tables, 4 NTLB hits + data 4   = 4 refs, 4 hits
	 *   walk 3: a new space's tables: 20 refs
	 *   nestedwalk = 44 x 25 + 4 x 2 = 1108; no exit under nested paging.
	 */
	const char *tr = t_write("tlb-golden.vlt", "vlt 1\ntouch 0x1000\ntouch 0x1000\n"
	                         "touch 0x2000\ncr3 1\ntouch 0x1000\n");
	struct vl_override nested = {"nested", 1};
	struct vl_run_result res;

	if (run(tr, "native", NULL, 0, &res) == 0) {
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_PAGEWALK), 300);
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_DIRECT), 500);
		CU_ASSERT_EQUAL(res.stats.end_cycles, 800);
	}
	vl_run_result_release(&res);
	if (run(tr, "hwassist", &nested, 1, &res) == 0) {
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_PAGEWALK), 300);
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_NESTEDWALK), 1108);
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_VMEXIT), 0);
		CU_ASSERT_EQUAL(res.stats.end_cycles, 1908);
	}
	vl_run_result_release(&res);
	/* shadow paging (hwassist nested=0): the hardware walks the shadow
	 * table, 1-D: pagewalk as native; the CR3 write exits */
	if (run(tr, "hwassist", NULL, 0, &res) == 0) {
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_PAGEWALK), 300);
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_NESTEDWALK), 0);
	}
	vl_run_result_release(&res);
}

static void test_tlb_exit_without_vpid_flushes(void)
{
	/*
	 * vmware-vtx-2006 on Prescott, nested=1, vpid 0: CPUID exits.
	 * With touches the exit empties the TLB and the refill is paid as a walk:
	 *   touch 0x1000 (24 refs... guest 4 x 25 = 100 pagewalk, 20 x 25 = 500 nested)
	 *   cpuid: exit 3963 without the flat tlb_refill
	 *   touch 0x1000: TLB miss again, guest 4 refs = 100; tables' translations
	 *     hit the NTLB (4 x 2) and the data page's nested walk 4 x 25 = 108
	 *   pagewalk 200, nestedwalk 608, vmexit 3963.
	 * Without touches the same exit costs 3963 + 300 (tlb_refill).
	 */
	const char *tr = t_write("tlb-exit.vlt", "vlt 1\ntouch 0x1000\ncpuid\ntouch 0x1000\n");
	const char *none = t_write("tlb-exit-none.vlt", "vlt 1\ncpuid\n");
	struct vl_override nested = {"nested", 1};
	struct vl_run_result res;

	if (run(tr, "hwassist", &nested, 1, &res) == 0) {
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_PAGEWALK), 200);
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_NESTEDWALK), 608);
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_VMEXIT), 3963);
	}
	vl_run_result_release(&res);
	if (run(none, "hwassist", &nested, 1, &res) == 0)
		CU_ASSERT_EQUAL(mech(&res, VL_MECH_VMEXIT), 3963 + 300);
	vl_run_result_release(&res);
}

static void test_tlb_nested_loses_on_big_footprint(void)
{
	/*
	 * Issue 11's must-hold case: TLB misses over a large footprint, no
	 * page-table updates (gen:bigfootprint). vmware-ept on Nehalem (PWC 24,
	 * NTLB 16, 512-entry L2 TLB). Shadow paging walks 1-D as native does,
	 * and nothing exits in these 1.1M instructions: slowdown 1 exactly.
	 * Nested paging adds each miss's nested references: slower, with the
	 * extra in nestedwalk and the guest dimension within 2% of native's
	 * pagewalk (the 2-D PWC shares its entries with nested ones).
	 */
	struct vl_override shadow = {"nested", 0};
	const char *t = "gen:bigfootprint:200000";
	struct vl_run_spec spec = {.trace = t, .model = vl_model_find("hwassist"),
	                           .profile = "vmware-ept", .seed = 1, .baseline = 1};
	struct vl_run_result sh, ne;
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_run(&spec, NULL, &ne, &err), 0);
	spec.ov = &shadow;
	spec.nov = 1;
	CU_ASSERT_EQUAL_FATAL(vl_run(&spec, NULL, &sh, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(sh.slowdown, 1.0, 1e-12);
	CU_ASSERT(ne.slowdown > 1.1);
	uint64_t pw_sh = mech(&sh, VL_MECH_PAGEWALK), pw_ne = mech(&ne, VL_MECH_PAGEWALK);
	CU_ASSERT(pw_sh > 0 && mech(&sh, VL_MECH_NESTEDWALK) == 0);
	CU_ASSERT(mech(&ne, VL_MECH_NESTEDWALK) > pw_ne);
	CU_ASSERT(pw_ne >= pw_sh && pw_ne < pw_sh * 102 / 100);
	vl_run_result_release(&sh);
	vl_run_result_release(&ne);
}

void suite_tlb(void)
{
	static const struct t_case cases[] = {
		{"l1_l2_lru", test_tlb_l1_l2_lru},
		{"pwc_shortens_walks", test_tlb_pwc_shortens_walks},
		{"2d_walk_24_uncached", test_tlb_2d_walk_24_uncached},
		{"2d_walk_with_pwc_and_ntlb", test_tlb_2d_walk_with_pwc_and_ntlb},
		{"cr3_flush_and_pcid", test_tlb_cr3_flush_and_pcid},
		{"large_pages", test_tlb_large_pages},
		{"trace_native_and_nested", test_tlb_trace_native_and_nested},
		{"exit_without_vpid_flushes", test_tlb_exit_without_vpid_flushes},
		{"nested_loses_on_big_footprint", test_tlb_nested_loses_on_big_footprint},
		{NULL, NULL},
	};
	t_add_suite("tlb", cases);
}
