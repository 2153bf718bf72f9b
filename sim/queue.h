/*
 * The event queue: pending events ordered by (time, sequence number), ties
 * in insertion order, lazy cancellation. The ordering structure is pluggable
 * (struct vl_queue_ops): a 4-ary heap by default, a pairing heap as the
 * second. The wrapper keeps payloads, sequence numbers and the invariant
 * counters (scheduled = executed + cancelled + pending) so that every
 * implementation behaves identically.
 */
#ifndef VL_QUEUE_H
#define VL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

#define VL_QUEUE_OPS_VERSION 1

/* The key of an entry packs the sequence number over the payload slot. */
#define VL_QKEY_SLOT_BITS 24
#define VL_QUEUE_MAX_PENDING (1u << VL_QKEY_SLOT_BITS)

/* An ordering structure over (time, key) pairs; keys are unique. */
struct vl_queue_ops {
	int version;
	const char *name;
	const char *summary;
	size_t size; /* bytes of state the wrapper allocates */
	int (*init)(void *q, struct vl_err *err);
	void (*release)(void *q);
	int (*insert)(void *q, uint64_t time, uint64_t key);         /* 0 or VL_ENOMEM */
	int (*pop)(void *q, uint64_t *time, uint64_t *key);          /* 1 if one, 0 if empty */
	int (*peek)(const void *q, uint64_t *time, uint64_t *key);   /* 1 if one, 0 if empty */
};

extern const struct vl_queue_ops vl_queue_heap4;
extern const struct vl_queue_ops vl_queue_pairing;

/* All implementations, default first; NULL-terminated. */
extern const struct vl_queue_ops *const vl_queue_impls[];

const struct vl_queue_ops *vl_queue_ops_find(const char *name);

/* What a pending event carries back to its handler. */
struct vl_qev {
	uint64_t time;   /* cycles */
	uint32_t kind;   /* the handler's own code */
	uint32_t target; /* e.g. a vCPU or device index */
	uint64_t arg;
};

struct vl_qslot {
	struct vl_qev ev;
	uint64_t seq;      /* sequence number of the live entry, for handles */
	uint32_t next_free;
	uint8_t cancelled;
	uint8_t used;
};

struct vl_queue {
	const struct vl_queue_ops *ops;
	void *impl;
	struct vl_qslot *slots;
	uint32_t nslots, cap;
	uint32_t free_head; /* UINT32_MAX when empty */
	uint64_t next_seq;
	uint64_t now;       /* time of the last event popped */
	uint64_t scheduled, executed, cancelled;
};

/* A handle names one scheduled event for cancellation. */
typedef uint64_t vl_qhandle;

int vl_queue_init(struct vl_queue *q, const struct vl_queue_ops *ops, struct vl_err *err);
void vl_queue_release(struct vl_queue *q);

/*
 * Schedules ev at ev->time (>= the queue's now, else VL_EINVAL). Returns 0 and
 * sets *h (if non-NULL) to a handle, or a VL_E* code.
 */
int vl_queue_schedule(struct vl_queue *q, const struct vl_qev *ev, vl_qhandle *h,
                      struct vl_err *err);

/* Cancels a pending event; returns 1 if it was pending, 0 if not. */
int vl_queue_cancel(struct vl_queue *q, vl_qhandle h);

/* Pops the earliest live event into ev; returns 1, or 0 when none is left. */
int vl_queue_next(struct vl_queue *q, struct vl_qev *ev);

/* Time of the earliest live event, or UINT64_MAX. */
uint64_t vl_queue_peek_time(struct vl_queue *q);

/* Pending live events. */
static inline uint64_t vl_queue_pending(const struct vl_queue *q)
{
	return q->scheduled - q->executed - q->cancelled;
}

#endif
