/*
 * Event queue wrapper: sequence numbers, handles, lazy cancellation and
 * invariant checks over any ordering structure. The payload travels inside
 * the entries, so popping an event touches nothing but the structure and
 * one bit of the cancellation bitmap.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/queue.h"

const struct vl_queue_ops *const vl_queue_impls[] = {
	&vl_queue_ladder,
	&vl_queue_heap4,
	&vl_queue_pairing,
	NULL,
};

const struct vl_queue_ops *vl_queue_ops_find(const char *name)
{
	for (int i = 0; vl_queue_impls[i]; i++)
		if (strcmp(vl_queue_impls[i]->name, name) == 0)
			return vl_queue_impls[i];
	return NULL;
}

#define SLOT_MASK ((1ull << VL_QKEY_SLOT_BITS) - 1)
#define NOSLOT ((uint32_t)SLOT_MASK) /* an event scheduled without a handle */

int vl_queue_init(struct vl_queue *q, const struct vl_queue_ops *ops, struct vl_err *err)
{
	memset(q, 0, sizeof(*q));
	if (ops->version != VL_QUEUE_OPS_VERSION)
		return vl_err_set(err, VL_EVERSION, "queue '%s' has interface version %d, not %d",
		                  ops->name, ops->version, VL_QUEUE_OPS_VERSION);
	q->ops = ops;
	q->impl = calloc(1, ops->size);
	if (!q->impl)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	int rc = ops->init(q->impl, err);
	if (rc) {
		free(q->impl);
		q->impl = NULL;
	}
	return rc;
}

void vl_queue_release(struct vl_queue *q)
{
	if (q->impl) {
		q->ops->release(q->impl);
		free(q->impl);
	}
	free(q->slot_seq);
	free(q->cancel_bits);
	free(q->free_stack);
	memset(q, 0, sizeof(*q));
}

static int slot_alloc(struct vl_queue *q, uint32_t *out, struct vl_err *err)
{
	if (q->nfree) {
		*out = q->free_stack[--q->nfree];
		return 0;
	}
	if (q->nslots == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 1024;
		cap -= cap % 64;
		if (cap > VL_QUEUE_MAX_HANDLES)
			cap = VL_QUEUE_MAX_HANDLES;
		if (cap == q->cap)
			return vl_err_set(err, VL_ENOMEM, "event queue full (%u pending events)",
			                  q->cap);
		uint64_t *seq = realloc(q->slot_seq, (size_t)cap * sizeof(*seq));
		if (seq)
			q->slot_seq = seq;
		uint64_t *bits = realloc(q->cancel_bits, (size_t)cap / 64 * sizeof(*bits));
		if (bits) {
			memset(bits + q->cap / 64, 0, (size_t)(cap - q->cap) / 64 * sizeof(*bits));
			q->cancel_bits = bits;
		}
		uint32_t *st = realloc(q->free_stack, (size_t)cap * sizeof(*st));
		if (st)
			q->free_stack = st;
		if (!seq || !bits || !st)
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		q->cap = cap;
	}
	*out = q->nslots++;
	return 0;
}

static inline void slot_free(struct vl_queue *q, uint32_t i)
{
	q->slot_seq[i] = 0;
	q->free_stack[q->nfree++] = i;
}

static inline int is_cancelled(const struct vl_queue *q, uint32_t i)
{
	return i != NOSLOT && ((q->cancel_bits[i / 64] >> (i % 64)) & 1);
}

int vl_queue_schedule(struct vl_queue *q, const struct vl_qev *ev, vl_qhandle *h,
                      struct vl_err *err)
{
	uint32_t i = NOSLOT;

	if (ev->time < q->now)
		return vl_err_set(err, VL_EINVAL, "event scheduled in the past (%llu < %llu)",
		                  (unsigned long long)ev->time, (unsigned long long)q->now);
	/* Only an event that may be cancelled needs a slot. */
	if (h && slot_alloc(q, &i, err))
		return err->code;
	uint64_t seq = q->next_seq++;
	VL_ASSERT(seq < (1ull << (64 - VL_QKEY_SLOT_BITS)));
	struct vl_qent e = {*ev, seq << VL_QKEY_SLOT_BITS | i};
	if (q->ops->insert(q->impl, &e)) {
		if (i != NOSLOT)
			q->free_stack[q->nfree++] = i;
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	if (i != NOSLOT)
		q->slot_seq[i] = seq + 1;
	q->scheduled++;
	if (h)
		*h = e.key;
	return 0;
}

int vl_queue_cancel(struct vl_queue *q, vl_qhandle h)
{
	uint32_t i = (uint32_t)(h & SLOT_MASK);

	if (i >= q->nslots || q->slot_seq[i] != (h >> VL_QKEY_SLOT_BITS) + 1 || is_cancelled(q, i))
		return 0;
	q->cancel_bits[i / 64] |= 1ull << (i % 64);
	q->cancelled++;
	return 1;
}

/* Takes a popped cancelled entry out of the books; returns 1 if it was one. */
static inline int drop_if_cancelled(struct vl_queue *q, uint32_t i)
{
	if (__builtin_expect(!is_cancelled(q, i), 1))
		return 0;
	q->cancel_bits[i / 64] &= ~(1ull << (i % 64));
	slot_free(q, i);
	return 1;
}

int vl_queue_next(struct vl_queue *q, struct vl_qev *ev)
{
	struct vl_qent e;

	while (q->ops->pop(q->impl, &e)) {
		uint32_t i = (uint32_t)(e.key & SLOT_MASK);
		VL_ASSERT(e.ev.time >= q->now); /* time never goes backwards */
		if (drop_if_cancelled(q, i))
			continue;
		if (i != NOSLOT)
			slot_free(q, i);
		q->now = e.ev.time;
		q->executed++;
		*ev = e.ev;
		return 1;
	}
	VL_ASSERT(q->scheduled == q->executed + q->cancelled);
	return 0;
}

uint64_t vl_queue_peek_time(struct vl_queue *q)
{
	struct vl_qent e;

	/* Drop cancelled entries at the front so the answer is a live event. */
	while (q->ops->peek(q->impl, &e)) {
		uint32_t i = (uint32_t)(e.key & SLOT_MASK);
		if (!is_cancelled(q, i))
			return e.ev.time;
		q->ops->pop(q->impl, &e);
		drop_if_cancelled(q, i);
	}
	return UINT64_MAX;
}
