/*
 * Shadow page tables as a software or VT-x monitor keeps them: one shadow per
 * guest address space, a cache of a few of them with LRU eviction, the pages
 * whose shadow entry is filled, traced (write-protected) guest page tables,
 * hidden faults, and optionally unsynchronised tables. Shared by the models
 * that use shadow paging (bt, hwassist with nested=0, trapemu): this module
 * says what the monitor had to do for an event; each model prices it.
 */
#ifndef VL_SHADOW_H
#define VL_SHADOW_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/event.h"
#include "sim/model.h"

/* Address spaces remembered at once (live processes); the least recently run
 * one without a shadow is forgotten when a new one needs room. */
#define VL_SHADOW_MAX_AS 1024
/* Filled entries one shadow keeps at most (4 GiB of 4 KiB pages): beyond it
 * a reference hidden-faults again, as a monitor with a full page pool. */
#define VL_SHADOW_MAX_PAGES (1u << 20)

/* A set of page numbers: linear probing, key page + 1 (0 = empty). */
struct vl_pageset {
	uint64_t *keys;
	size_t mask, count;
};

struct vl_shadow_as {
	uint64_t id;     /* address-space id of `cr3` and `fork`; UINT64_MAX: the first */
	int live;        /* descriptor in use */
	int slot;        /* cache slot holding its shadow, -1: none (never built or evicted) */
	int unsynced;    /* unsync: its page tables are out of sync, writes do not trap */
	int warm;        /* the first address space's shadow, filled before the trace began */
	uint32_t lost;   /* entries its shadow held when it was evicted */
	uint32_t dirty;  /* unsync: writes since the last resynchronisation */
	uint64_t stamp;  /* when it last ran (LRU order) */
};

/* What the monitor did for one event; the model turns it into cycles. */
struct vl_shadow_out {
	uint32_t hidden;   /* hidden faults: trap/exit, guest walk, fill, no guest fault */
	uint32_t resync;   /* entries resynchronised (unsync) */
	uint8_t traced;    /* ptewrite: trapped (write-protected page table), emulated, updated */
	uint8_t absorbed;  /* ptewrite: landed in an unsynchronised table, no trap */
	uint8_t switched;  /* cr3: the switch handler ran */
	uint8_t rebuilt;   /* cr3 or exec: a new, empty shadow was built */
	uint8_t evicted;   /* that build evicted the least recently used shadow */
};

struct vl_shadow {
	unsigned cap;              /* shadows kept at once */
	int unsync;                /* 1: unsynchronised shadow page tables */
	struct vl_pageset *sets;   /* cap sets, one per cache slot */
	struct vl_pageset known;   /* pages of the warm shadow the trace has shown a PTE of */
	int *owner;                /* slot -> index in as[], -1 free */
	struct vl_shadow_as as[VL_SHADOW_MAX_AS];
	size_t nas;                /* descriptors ever used (high-water mark) */
	int cur;                   /* index of the running address space, -1 none */
	int forking;               /* between a fork's system call and its `fork` event */
	int seen_touch;            /* the trace carries touch events */
	int first_named;           /* the first address space has its id, or never will */
	uint64_t clock;
	/* counters */
	uint64_t hidden, traced, untraced, absorbed, rebuilds, evictions, switches,
	         resyncs, teardowns, fills;
};

/*
 * Prepares sh with a cache of cap shadows (cap >= 1), unsync 0 or 1. The
 * first address space (the one running before any cr3) has a warm shadow: a
 * trace starts in a running system, so a page it touches whose PTE the
 * trace has not shown (no ptewrite, pgfault or invlpg of it) is taken as
 * filled before the trace began (no hidden fault), until that shadow is
 * evicted or its image replaced.
 * Caller owns sh (large: keep it inside model state); release with
 * vl_shadow_release. Returns 0 or VL_ENOMEM with err set.
 */
int vl_shadow_init(struct vl_shadow *sh, unsigned cap, int unsync, struct vl_err *err);
void vl_shadow_release(struct vl_shadow *sh);

/*
 * Feeds one event: cr3, fork, exec, exit, ptewrite, invlpg, touch and system
 * calls (a clone/fork/vfork opens the window in which NP->P writes fill the
 * new child's tables). Other kinds leave *o zero. Never fails.
 */
void vl_shadow_event(struct vl_shadow *sh, const struct vl_event *ev, struct vl_shadow_out *o);

/* 1 if the running address space's shadow has an entry for the page of addr. */
int vl_shadow_filled(const struct vl_shadow *sh, uint64_t addr);

/* Emits the counters (hidden faults, traced writes, rebuilds, ...). */
void vl_shadow_report(const struct vl_shadow *sh, vl_emit_fn emit, void *ctx);

/* 1 for the event kinds vl_shadow_event looks at (a cheap filter for the hot path). */
static inline int vl_shadow_wants(unsigned type)
{
	return (vl_evdesc[type].cls & (VL_EVC_MMU | VL_EVC_PROC)) || type == VL_EV_SYSCALL ||
	       type == VL_EV_SYSRET;
}

/*
 * Parameter definitions every shadow-paging model shares (one source each):
 * the cache capacity, building an empty shadow, unsync and its resync cost.
 */
#define VL_SHADOW_P_CAP \
	{"shadow_cap", "count", 4, 1, 512, \
	 "KVM keeps the current shadow root and KVM_MMU_NUM_PREV_ROOTS = 3 previous ones for " \
	 "fast CR3 switches (arch/x86/include/asm/kvm_host.h); VMware's count is not published", \
	 "shadow page tables kept, in address spaces (least recently run evicted)"}
/* Memory of the shadow tables, for capacity plans (struct vl_memory's per_guest_mb). */
#define VL_SHADOW_P_MEM \
	{"shadow_pt_fraction", "ratio", 0.01, 0, 1, \
	 "estimate: shadow page tables of several cached guest address spaces, about 1% of " \
	 "guest memory", \
	 "capacity plans: shadow page tables per MB of guest memory"}

#define VL_SHADOW_P_BUILD \
	{"shadow_build", "cycles", 2000, 0, 1e7, \
	 "estimate: allocate and zero a 4 KiB shadow root (512 8-byte stores) and link the " \
	 "monitor's own mappings into it", \
	 "building an empty shadow for an address space (its entries fill by hidden faults)"}
#define VL_SHADOW_P_UNSYNC \
	{"unsync", "flag", 0, 0, 1, \
	 "KVM's unsync shadow pages, VMware's out-of-sync tables; off: Adams & Agesen 2006 " \
	 "trace every write", \
	 "1: after one trapped write, a page table's writes do not trap until the next CR3 " \
	 "switch or INVLPG resynchronises it"}
#define VL_SHADOW_P_RESYNC \
	{"resync", "cycles", 200, 0, 1e7, \
	 "estimate: re-read one guest PTE and rewrite its shadow entry, a step of a guest walk", \
	 "resynchronising one entry written while out of sync"}

#endif
