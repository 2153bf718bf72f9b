/*
 * The event queue: pending events ordered by (time, sequence number), ties
 * in insertion order, lazy cancellation. The ordering structure is pluggable
 * (struct vl_queue_ops): a ladder queue by default, a 4-ary heap and a
 * pairing heap as alternatives. The wrapper keeps payloads, sequence numbers and the invariant
 * counters (scheduled = executed + cancelled + pending) so that every
 * implementation behaves identically.
 */
#ifndef VL_QUEUE_H
#define VL_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

#define VL_QUEUE_OPS_VERSION 2

/* The key of an entry packs the sequence number over the handle's slot. */
#define VL_QKEY_SLOT_BITS 24
#define VL_QUEUE_MAX_HANDLES ((1u << VL_QKEY_SLOT_BITS) - 1) /* cancellable at once */

/* What a pending event carries back to its handler. */
struct vl_qev {
	uint64_t time;   /* cycles */
	uint32_t kind;   /* the handler's own code */
	uint32_t target; /* e.g. a vCPU or device index */
	uint64_t arg;
};

/* An entry of an ordering structure: the event and its unique key. */
struct vl_qent {
	struct vl_qev ev;
	uint64_t key; /* sequence number << VL_QKEY_SLOT_BITS | slot */
};

/* Entries order by (time, key); keys are unique, so the order is total. */
static inline int vl_qent_less(const struct vl_qent *x, const struct vl_qent *y)
{
	return x->ev.time < y->ev.time || (x->ev.time == y->ev.time && x->key < y->key);
}

/* An ordering structure over entries. */
struct vl_queue_ops {
	int version;
	const char *name;
	const char *summary;
	size_t size; /* bytes of state the wrapper allocates */
	int (*init)(void *q, struct vl_err *err);
	void (*release)(void *q);
	int (*insert)(void *q, const struct vl_qent *e);  /* 0 or VL_ENOMEM */
	int (*pop)(void *q, struct vl_qent *e);           /* 1 if one, 0 if empty */
	int (*peek)(void *q, struct vl_qent *e);          /* 1 if one, 0 if empty */
};

extern const struct vl_queue_ops vl_queue_ladder;
extern const struct vl_queue_ops vl_queue_heap4;
extern const struct vl_queue_ops vl_queue_pairing;

/* All implementations, default first; NULL-terminated. */
extern const struct vl_queue_ops *const vl_queue_impls[];

const struct vl_queue_ops *vl_queue_ops_find(const char *name);

/*
 * The wrapper: sequence numbers, handles and lazy cancellation. A handle's
 * slot is recycled through a stack; slot_seq says which scheduling owns a
 * slot (so a stale handle cancels nothing) and a bitmap marks cancellations.
 */
struct vl_queue {
	const struct vl_queue_ops *ops;
	void *impl;
	uint64_t *slot_seq;   /* sequence number + 1 of the slot's event; 0 = free */
	uint64_t *cancel_bits;
	uint32_t *free_stack;
	uint32_t nfree, nslots, cap;
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
 * sets *h (if non-NULL) to a handle, or a VL_E* code. An event scheduled
 * without a handle cannot be cancelled, and costs no bookkeeping.
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
