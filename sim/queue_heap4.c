/*
 * A 4-ary implicit heap of 32-byte entries: shallow, and the four children
 * of a node span two cache lines. Sifts move a hole instead of swapping.
 * A pop leaves a hole at the root and fills it lazily: when the next call
 * is an insert — a simulation handling an event and scheduling the next one
 * — the new entry drops into the hole and one sift-down does the work of
 * two. The default event queue.
 */
#include <stdlib.h>

#include "sim/queue.h"

struct heap4 {
	struct vl_qent *a;
	size_t n, cap; /* n counts the root hole, if any */
	int hole;      /* a[0] is empty */
};

static int h4_init(void *q, struct vl_err *err)
{
	struct heap4 *h = q;

	h->cap = 1024;
	h->a = malloc(h->cap * sizeof(*h->a));
	return h->a ? 0 : vl_err_set(err, VL_ENOMEM, "out of memory");
}

static void h4_release(void *q)
{
	free(((struct heap4 *)q)->a);
}

/* Places e at position i (a hole) and sifts it down. */
static void sift_down(struct heap4 *h, size_t i, const struct vl_qent *e)
{
	struct vl_qent *a = h->a;
	size_t n = h->n;

	for (;;) {
		size_t c = 4 * i + 1;
		if (c >= n)
			break;
		size_t best = c, end = c + 4 < n ? c + 4 : n;
		for (size_t j = c + 1; j < end; j++)
			if (vl_qent_less(&a[j], &a[best]))
				best = j;
		if (!vl_qent_less(&a[best], e))
			break;
		a[i] = a[best];
		i = best;
	}
	a[i] = *e;
}

/* Fills a root hole left by pop with the last entry. */
static void fill_hole(struct heap4 *h)
{
	h->hole = 0;
	if (--h->n > 0) {
		struct vl_qent last = h->a[h->n];
		sift_down(h, 0, &last);
	}
}

static int h4_insert(void *q, const struct vl_qent *e)
{
	struct heap4 *h = q;

	if (h->hole) {
		h->hole = 0;
		sift_down(h, 0, e);
		return 0;
	}
	if (h->n == h->cap) {
		struct vl_qent *p = realloc(h->a, 2 * h->cap * sizeof(*p));
		if (!p)
			return VL_ENOMEM;
		h->a = p;
		h->cap *= 2;
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 4;
		if (!vl_qent_less(e, &h->a[parent]))
			break;
		h->a[i] = h->a[parent];
		i = parent;
	}
	h->a[i] = *e;
	return 0;
}

static int h4_peek(void *q, struct vl_qent *e)
{
	struct heap4 *h = q;

	if (h->hole)
		fill_hole(h);
	if (!h->n)
		return 0;
	*e = h->a[0];
	return 1;
}

static int h4_pop(void *q, struct vl_qent *e)
{
	struct heap4 *h = q;

	if (!h4_peek(q, e))
		return 0;
	h->hole = 1;
	return 1;
}

const struct vl_queue_ops vl_queue_heap4 = {
	.version = VL_QUEUE_OPS_VERSION,
	.name = "heap4",
	.summary = "4-ary implicit heap with a lazily filled root (default)",
	.size = sizeof(struct heap4),
	.init = h4_init,
	.release = h4_release,
	.insert = h4_insert,
	.pop = h4_pop,
	.peek = h4_peek,
};
