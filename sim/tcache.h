/*
 * A translation cache, as binary translators and dynamic emulators keep
 * one: translated blocks by id, a capacity in bytes, and what happens when
 * it is full — flush everything (QEMU) or evict the oldest blocks (FIFO).
 * Models reach it through this header; the core never does.
 */
#ifndef VL_TCACHE_H
#define VL_TCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

enum vl_tc_policy {
	VL_TC_FLUSH = 0, /* drop every block when a new one does not fit */
	VL_TC_FIFO = 1,  /* evict the oldest blocks until the new one fits */
};

struct vl_tcache {
	uint64_t cap_bytes, used_bytes;
	int policy;
	uint64_t *keys;   /* open addressing, key + 1; 0 = empty */
	uint32_t *sizes;
	uint64_t *fetched; /* fetch_total when the block last came into the host cache */
	uint64_t fetch_total; /* bytes of host code brought into the host cache so far */
	size_t last;      /* the slot of the last block accessed; SIZE_MAX: not kept */
	size_t mask, count;
	uint64_t *ring;   /* FIFO: keys in insertion order */
	size_t ring_cap, head, len;
	uint64_t hits, misses, evictions, flushes;
};

/* Caller owns tc; release with vl_tcache_release. */
int vl_tcache_init(struct vl_tcache *tc, uint64_t cap_bytes, int policy, struct vl_err *err);
void vl_tcache_release(struct vl_tcache *tc);

/*
 * Looks key up; on a miss inserts it as `bytes` of translated code, making
 * room as the policy says. Returns 1 on a hit, 0 on a miss, or VL_ENOMEM.
 * A block larger than the whole cache is never kept (every access misses).
 */
int vl_tcache_access(struct vl_tcache *tc, uint64_t key, uint32_t bytes);

/*
 * Whether the block of the last vl_tcache_access still has its host code in
 * the host's cache of cap bytes (the L2 that runs it): 1 if so; 0 if it had
 * to be fetched again, after which it is there. The host cache is taken as
 * FIFO over the bytes brought into it: a block stays until cap bytes of code
 * (itself included) have come in since it did. A block just translated is
 * there (the translator wrote it); one the translation cache did not keep
 * is fetched every time.
 */
int vl_tcache_resident(struct vl_tcache *tc, uint64_t cap);

#endif
