/*
 * Event queue wrapper: payload slots, sequence numbers, lazy cancellation
 * and invariant checks over any ordering structure.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/queue.h"

const struct vl_queue_ops *const vl_queue_impls[] = {
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

int vl_queue_init(struct vl_queue *q, const struct vl_queue_ops *ops, struct vl_err *err)
{
	memset(q, 0, sizeof(*q));
	if (ops->version != VL_QUEUE_OPS_VERSION)
		return vl_err_set(err, VL_EVERSION, "queue '%s' has interface version %d, not %d",
		                  ops->name, ops->version, VL_QUEUE_OPS_VERSION);
	q->ops = ops;
	q->free_head = UINT32_MAX;
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
	free(q->slots);
	memset(q, 0, sizeof(*q));
}

static int slot_alloc(struct vl_queue *q, uint32_t *out, struct vl_err *err)
{
	if (q->free_head != UINT32_MAX) {
		*out = q->free_head;
		q->free_head = q->slots[*out].next_free;
		return 0;
	}
	if (q->nslots == q->cap) {
		uint32_t cap = q->cap ? q->cap * 2 : 64;
		if (cap > VL_QUEUE_MAX_PENDING)
			cap = VL_QUEUE_MAX_PENDING;
		if (cap == q->cap)
			return vl_err_set(err, VL_ENOMEM, "event queue full (%u pending events)",
			                  q->cap);
		void *p = realloc(q->slots, (size_t)cap * sizeof(*q->slots));
		if (!p)
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		q->slots = p;
		q->cap = cap;
	}
	*out = q->nslots++;
	return 0;
}

static void slot_free(struct vl_queue *q, uint32_t i)
{
	q->slots[i].used = 0;
	q->slots[i].next_free = q->free_head;
	q->free_head = i;
}

int vl_queue_schedule(struct vl_queue *q, const struct vl_qev *ev, vl_qhandle *h,
                      struct vl_err *err)
{
	uint32_t i = 0;

	if (ev->time < q->now)
		return vl_err_set(err, VL_EINVAL, "event scheduled in the past (%llu < %llu)",
		                  (unsigned long long)ev->time, (unsigned long long)q->now);
	if (slot_alloc(q, &i, err))
		return err->code;
	uint64_t seq = q->next_seq++;
	VL_ASSERT(seq < (1ull << (64 - VL_QKEY_SLOT_BITS)));
	uint64_t key = seq << VL_QKEY_SLOT_BITS | i;
	if (q->ops->insert(q->impl, ev->time, key)) {
		slot_free(q, i);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	q->slots[i].ev = *ev;
	q->slots[i].seq = seq;
	q->slots[i].cancelled = 0;
	q->slots[i].used = 1;
	q->scheduled++;
	if (h)
		*h = key;
	return 0;
}

int vl_queue_cancel(struct vl_queue *q, vl_qhandle h)
{
	uint32_t i = (uint32_t)(h & SLOT_MASK);

	if (i >= q->nslots)
		return 0;
	struct vl_qslot *s = &q->slots[i];
	if (!s->used || s->cancelled || s->seq != h >> VL_QKEY_SLOT_BITS)
		return 0;
	s->cancelled = 1;
	q->cancelled++;
	return 1;
}

int vl_queue_next(struct vl_queue *q, struct vl_qev *ev)
{
	uint64_t t, key;

	while (q->ops->pop(q->impl, &t, &key)) {
		uint32_t i = (uint32_t)(key & SLOT_MASK);
		struct vl_qslot *s = &q->slots[i];
		VL_ASSERT(s->used && s->seq == key >> VL_QKEY_SLOT_BITS);
		VL_ASSERT(t >= q->now); /* time never goes backwards */
		int dead = s->cancelled;
		*ev = s->ev;
		slot_free(q, i);
		if (dead)
			continue;
		q->now = t;
		q->executed++;
		return 1;
	}
	VL_ASSERT(q->scheduled == q->executed + q->cancelled);
	return 0;
}

uint64_t vl_queue_peek_time(struct vl_queue *q)
{
	uint64_t t, key;

	/* Drop cancelled entries at the front so the answer is a live event. */
	while (q->ops->peek(q->impl, &t, &key)) {
		uint32_t i = (uint32_t)(key & SLOT_MASK);
		if (!q->slots[i].cancelled)
			return t;
		q->ops->pop(q->impl, &t, &key);
		slot_free(q, i);
	}
	return UINT64_MAX;
}
