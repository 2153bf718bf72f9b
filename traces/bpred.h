/*
 * The reference branch predictor of captures: what a converter runs each
 * conditional branch of a program through, so that a trace carries the
 * mispredictions (`mispredict` events) a host's pipeline pays for.
 *
 * TAGE (Seznec and Michaud, "A case for (partially) TAgged GEometric
 * history length branch prediction", JILP 8, 2006): a bimodal table and
 * four tables tagged with a hash of the branch and of the last L outcomes,
 * L geometric (5, 15, 44, 130); the longest matching history predicts.
 * Recent Intel and AMD cores predict this way (their sizes are not
 * published); this one would hold about 9.5 KiB in hardware (2-bit
 * bimodal counters, 3-bit tagged counters, 2-bit usefulness, 10-bit
 * tags). Deterministic: the same branches in the same order give the same
 * mispredictions.
 */
#ifndef VL_BPRED_H
#define VL_BPRED_H

#include <stdint.h>

#define VL_BP_TABLES 4
#define VL_BP_BASE_BITS 13 /* bimodal entries: 8192 */
#define VL_BP_TAG_IDX 10   /* entries per tagged table: 1024 */
#define VL_BP_HIST 256     /* outcomes kept (a power of two above the longest) */

struct vl_bp_entry {
	int8_t ctr;    /* -4..3: taken when >= 0 */
	uint8_t u;     /* 0..3: usefulness */
	uint16_t tag;
};

/* A folded history: L outcomes compressed into `width` bits, kept up to date. */
struct vl_bp_fold {
	uint32_t comp;
	unsigned len, width;
};

struct vl_bpred {
	int8_t base[1u << VL_BP_BASE_BITS];                 /* 2-bit counters, -2..1 */
	struct vl_bp_entry t[VL_BP_TABLES][1u << VL_BP_TAG_IDX];
	struct vl_bp_fold idx[VL_BP_TABLES], tag0[VL_BP_TABLES], tag1[VL_BP_TABLES];
	uint8_t hist[VL_BP_HIST]; /* outcomes, a ring: hist[(head + k) % N] is k ago */
	unsigned head;
	int8_t use_alt;           /* -8..7: trust the alternate on a new entry when >= 0 */
	uint64_t branches, tick;
	uint32_t seed;            /* allocation's tie-breaker, a fixed sequence */
};

/* Empties the predictor (every counter weak, no history). */
void vl_bpred_init(struct vl_bpred *p);

/*
 * Predicts the conditional branch at pc (any stable number naming the
 * branch: its block's address), then learns that it went `taken`.
 * Returns 1 when the prediction was wrong.
 */
int vl_bpred_branch(struct vl_bpred *p, uint64_t pc, int taken);

#endif
