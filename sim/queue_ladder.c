/*
 * A two-level bucket queue after the ladder queue (Tang, Goh & Thng, ACM
 * TOMACS 2005): the near future sits sorted in a small heap ("bottom"); the
 * rest waits unsorted in time buckets of equal width, and what lies beyond
 * the last bucket in an overflow list. Inserting far ahead is an append;
 * a bucket is sorted only when time reaches it, a few dozen events at a
 * time, so a hold costs O(1) amortized and touches little memory.
 *
 * Invariant: every event in the bottom heap is earlier than `limit`, the
 * start of the first unconsumed bucket; every event in a bucket or in the
 * overflow is at or after it. So the bottom's minimum is the global one,
 * and (time, key) order inside the bottom gives ties in insertion order.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/queue.h"

#define NIL UINT32_MAX
#define PER_BUCKET 32      /* events per bucket the widths aim for */
#define MAX_BUCKETS (1u << 20)

struct node {
	struct vl_qent e;
	uint32_t next;
};

struct ladder {
	/* bottom: a binary heap of the near future */
	struct vl_qent *bot;
	size_t nbot, capbot;
	/* buckets: [base + cur*width, base + nbuckets*width) */
	uint32_t *bucket;     /* head node of each bucket's list */
	uint32_t nbuckets, cur;
	uint64_t base, width, limit;
	uint32_t overflow;    /* list of events past the last bucket */
	uint64_t noverflow, ninbuckets;
	/* node pool for bucket and overflow lists */
	struct node *nodes;
	uint32_t nnodes, capnodes, free_head;
};

static int bot_push(struct ladder *l, const struct vl_qent *e)
{
	if (l->nbot == l->capbot) {
		size_t cap = l->capbot ? 2 * l->capbot : 256;
		struct vl_qent *p = realloc(l->bot, cap * sizeof(*p));
		if (!p)
			return VL_ENOMEM;
		l->bot = p;
		l->capbot = cap;
	}
	size_t i = l->nbot++;
	while (i > 0) {
		size_t parent = (i - 1) / 2;
		if (!vl_qent_less(e, &l->bot[parent]))
			break;
		l->bot[i] = l->bot[parent];
		i = parent;
	}
	l->bot[i] = *e;
	return 0;
}

static void bot_pop(struct ladder *l, struct vl_qent *out)
{
	struct vl_qent *a = l->bot;

	*out = a[0];
	struct vl_qent last = a[--l->nbot];
	size_t n = l->nbot, i = 0;
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && vl_qent_less(&a[c + 1], &a[c]))
			c++;
		if (!vl_qent_less(&a[c], &last))
			break;
		a[i] = a[c];
		i = c;
	}
	if (n)
		a[i] = last;
}

static int node_new(struct ladder *l, const struct vl_qent *e, uint32_t next, uint32_t *out)
{
	uint32_t i = l->free_head;

	if (i != NIL) {
		l->free_head = l->nodes[i].next;
	} else {
		if (l->nnodes == l->capnodes) {
			uint32_t cap = l->capnodes ? 2 * l->capnodes : 1024;
			struct node *p = realloc(l->nodes, (size_t)cap * sizeof(*p));
			if (!p)
				return VL_ENOMEM;
			l->nodes = p;
			l->capnodes = cap;
		}
		i = l->nnodes++;
	}
	l->nodes[i].e = *e;
	l->nodes[i].next = next;
	*out = i;
	return 0;
}

static void node_free(struct ladder *l, uint32_t i)
{
	l->nodes[i].next = l->free_head;
	l->free_head = i;
}

/* Spreads the overflow over a fresh set of buckets sized to it. */
static int rebuild(struct ladder *l)
{
	uint64_t lo = UINT64_MAX, hi = 0;

	for (uint32_t i = l->overflow; i != NIL; i = l->nodes[i].next) {
		uint64_t t = l->nodes[i].e.ev.time;
		lo = t < lo ? t : lo;
		hi = t > hi ? t : hi;
	}
	uint64_t span = hi - lo + 1, want = l->noverflow / PER_BUCKET + 1;
	if (want > MAX_BUCKETS)
		want = MAX_BUCKETS;
	uint64_t width = span / want + 1;
	uint32_t nb = (uint32_t)(span / width + 1);
	if (nb > l->nbuckets) {
		uint32_t *b = realloc(l->bucket, (size_t)nb * sizeof(*b));
		if (!b)
			return VL_ENOMEM;
		l->bucket = b;
	}
	memset(l->bucket, 0xff, (size_t)nb * sizeof(*l->bucket));
	l->nbuckets = nb;
	l->cur = 0;
	l->base = lo;
	l->width = width;
	l->limit = lo;
	for (uint32_t i = l->overflow, next; i != NIL; i = next) {
		next = l->nodes[i].next;
		uint32_t k = (uint32_t)((l->nodes[i].e.ev.time - lo) / width);
		l->nodes[i].next = l->bucket[k];
		l->bucket[k] = i;
	}
	l->ninbuckets = l->noverflow;
	l->overflow = NIL;
	l->noverflow = 0;
	return 0;
}

/* Moves the next non-empty bucket into the bottom heap. */
static int refill(struct ladder *l)
{
	for (;;) {
		if (l->cur == l->nbuckets || !l->ninbuckets) {
			if (!l->noverflow)
				return 0;
			if (rebuild(l))
				return VL_ENOMEM;
		}
		uint32_t k = l->cur++;
		l->limit = l->base + (uint64_t)l->cur * l->width;
		uint32_t i = l->bucket[k];
		if (i == NIL)
			continue;
		l->bucket[k] = NIL;
		while (i != NIL) {
			uint32_t next = l->nodes[i].next;
			if (bot_push(l, &l->nodes[i].e))
				return VL_ENOMEM;
			node_free(l, i);
			l->ninbuckets--;
			i = next;
		}
		return 0;
	}
}

static int ld_init(void *q, struct vl_err *err)
{
	struct ladder *l = q;

	(void)err;
	l->overflow = l->free_head = NIL;
	return 0;
}

static void ld_release(void *q)
{
	struct ladder *l = q;

	free(l->bot);
	free(l->bucket);
	free(l->nodes);
}

static int ld_insert(void *q, const struct vl_qent *e)
{
	struct ladder *l = q;
	uint64_t t = e->ev.time;

	if (t < l->limit)
		return bot_push(l, e);
	uint64_t k = l->nbuckets ? (t - l->base) / l->width : UINT64_MAX;
	if (k < l->nbuckets) {
		uint32_t i;
		if (node_new(l, e, l->bucket[k], &i))
			return VL_ENOMEM;
		l->bucket[k] = i;
		l->ninbuckets++;
		return 0;
	}
	uint32_t i;
	if (node_new(l, e, l->overflow, &i))
		return VL_ENOMEM;
	l->overflow = i;
	l->noverflow++;
	return 0;
}

static int ld_peek(void *q, struct vl_qent *e)
{
	struct ladder *l = q;

	/* A failed refill leaves everything in place; it only cannot advance. */
	if (!l->nbot && refill(l))
		VL_ASSERT(!"out of memory in the event queue");
	if (!l->nbot)
		return 0;
	*e = l->bot[0];
	return 1;
}

static int ld_pop(void *q, struct vl_qent *e)
{
	struct ladder *l = q;

	if (!ld_peek(q, e))
		return 0;
	bot_pop(l, e);
	return 1;
}

const struct vl_queue_ops vl_queue_ladder = {
	.version = VL_QUEUE_OPS_VERSION,
	.name = "ladder",
	.summary = "sorted near-future heap over unsorted time buckets (ladder queue)",
	.size = sizeof(struct ladder),
	.init = ld_init,
	.release = ld_release,
	.insert = ld_insert,
	.pop = ld_pop,
	.peek = ld_peek,
};
