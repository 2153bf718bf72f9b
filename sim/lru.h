/*
 * A set of at most `cap` keys kept in least-recently-used order: what a
 * host OS keeps resident of a process's pages under memory pressure (its
 * replacement approximates LRU). A touch of a key in the set moves it to
 * the front; of one not in it, brings it in, putting the least recently
 * touched one out when full. Constant time per touch; memory fixed at init.
 */
#ifndef VL_LRU_H
#define VL_LRU_H

#include <stdint.h>

#include "sim/err.h"

struct vl_lru {
	uint64_t *key;         /* per slot: its key */
	uint32_t *prev, *next; /* per slot: the list, most recent first (UINT32_MAX: none) */
	uint32_t *hash;        /* open addressing: slot + 1, 0 = empty */
	uint32_t cap, used, head, tail;
	uint64_t hmask;
	uint64_t misses, evictions;
};

/* Prepares l for cap keys (cap >= 1). 0, or VL_ENOMEM with err set. */
int vl_lru_init(struct vl_lru *l, uint32_t cap, struct vl_err *err);
void vl_lru_release(struct vl_lru *l);

/* Touches key: 0 when it was in the set, 1 when it had to be brought in. */
int vl_lru_touch(struct vl_lru *l, uint64_t key);

#endif
