/*
 * A deterministic data-TLB hierarchy for the trace's `touch` events: L1 and
 * L2 DTLBs (set-associative, LRU), a page-walk cache (PWC) of upper-level
 * page-table entries, and, under nested paging, a nested TLB (NTLB) of the
 * guest page-table pages' guest-physical -> host-physical translations, after
 * Bhargava et al., ASPLOS 2008. A miss walks the tables; the walk's memory
 * references depend on PWC and NTLB hits (docs/tlb.md shows the arithmetic).
 */
#ifndef VL_TLB_H
#define VL_TLB_H

#include <stdint.h>

#include "sim/param.h"

/* Largest geometries the fixed-size state holds (parameters are clamped). */
#define VL_TLB_L1_MAX 128
#define VL_TLB_L2_MAX 2048
#define VL_TLB_PWC_MAX 64
#define VL_TLB_NTLB_MAX 64
/* A fully associative array of up to VL_TLB_IX_WAYS ways is looked up through
 * an index of VL_TLB_IX_SLOTS slots (open addressing) rather than a scan. */
#define VL_TLB_IX_WAYS 128
#define VL_TLB_IX_SLOTS 256

/* Geometry of one set-associative array with LRU replacement. */
struct vl_tlb_array {
	uint32_t sets, ways;    /* sets x ways entries; 0 sets: absent */
};

/* What one walk made: references to memory and hits in the walk caches. */
struct vl_walk {
	uint32_t guest_refs;    /* guest page-table entries read from memory */
	uint32_t guest_pwc;     /* guest-dimension PWC hits */
	uint32_t nested_refs;   /* nested page-table entries read from memory */
	uint32_t nested_hits;   /* NTLB hits plus nested-dimension PWC hits */
};

struct vl_tlb {
	struct vl_tlb_array l1, l2, pwc, ntlb;
	uint64_t clock;          /* LRU time: one tick per lookup */
	uint64_t asid;           /* current address space (CR3's id), tags entries under PCID */
	int levels;              /* page-table levels, guest and nested alike */
	int pcid;                /* 1: CR3 switches keep tagged entries */
	int nested;              /* 1: walks are two-dimensional */
	int pwc_nested;          /* 1: the PWC also caches nested-dimension entries */
	uint32_t large_fp;       /* fraction of guest 2 MiB regions mapped large, << 16 */
	uint32_t nlarge_fp;      /* fraction of host backing in 2 MiB pages, << 16 */
	uint64_t walk_ref;       /* cycles per memory reference of a walk */
	uint64_t pwc_hit;        /* cycles per PWC or NTLB hit */
	/* counters */
	uint64_t touches, l1_hits, l2_hits, walks, flushes;
	uint64_t guest_refs, nested_refs, pwc_hits, ntlb_hits;
	/* storage: keys + 1 (0 = empty) and last-use stamps, by array */
	uint64_t k1[VL_TLB_L1_MAX], s1[VL_TLB_L1_MAX];
	uint64_t k2[VL_TLB_L2_MAX], s2[VL_TLB_L2_MAX];
	uint64_t kp[VL_TLB_PWC_MAX], sp[VL_TLB_PWC_MAX];
	uint64_t kn[VL_TLB_NTLB_MAX], sn[VL_TLB_NTLB_MAX];
	/* by array, when indexed: way + 1 of a key (0: empty slot); the ways in
	 * recency order (a list, most recent first; 0xff: none); the empty ways */
	uint8_t ix[4][VL_TLB_IX_SLOTS];
	uint8_t lru_prev[4][VL_TLB_IX_WAYS], lru_next[4][VL_TLB_IX_WAYS], lru_head[4], lru_tail[4];
	uint64_t empty[4][VL_TLB_IX_WAYS / 64];
};

/* Sets t up from the host's geometry and costs; walks are 1-D (nested 0). */
void vl_tlb_init(struct vl_tlb *t, const struct vl_host *host);

/* Makes walks two-dimensional (nested paging) or not. */
static inline void vl_tlb_set_nested(struct vl_tlb *t, int nested)
{
	t->nested = nested;
}

/*
 * A data reference to the page at addr (kernel: a kernel mapping, global
 * across address spaces). Returns 0 on a TLB hit; 1 on a miss, with the
 * walk's references in *w (zeroed first).
 */
int vl_tlb_touch(struct vl_tlb *t, uint64_t addr, int kernel, struct vl_walk *w);

/* Cycles of a walk's guest dimension (what a native walk costs). */
static inline uint64_t vl_walk_guest_cycles(const struct vl_tlb *t, const struct vl_walk *w)
{
	return w->guest_refs * t->walk_ref + w->guest_pwc * t->pwc_hit;
}

/* Cycles a 2-D walk adds to the guest dimension (0 for a 1-D walk). */
static inline uint64_t vl_walk_nested_cycles(const struct vl_tlb *t, const struct vl_walk *w)
{
	return w->nested_refs * t->walk_ref + w->nested_hits * t->pwc_hit;
}

/* A CR3 write to address space asid: without PCID, drops every non-global
 * TLB entry and the guest-dimension PWC entries. */
void vl_tlb_cr3(struct vl_tlb *t, uint64_t asid);

/* INVLPG of the page at addr: drops its TLB entries and the guest PWC. */
void vl_tlb_invlpg(struct vl_tlb *t, uint64_t addr);

/* Drops every guest translation (TLB and guest PWC entries); nested
 * translations (NTLB, nested PWC entries) stay: a VM exit without VPID. */
void vl_tlb_flush(struct vl_tlb *t);

#endif
