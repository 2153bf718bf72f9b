/*
 * A 4-ary implicit heap of 16-byte (time, key) entries: shallow, and the
 * four children of a node share one cache line. Sift with a hole instead of
 * swaps. The default event queue.
 */
#include <stdlib.h>

#include "sim/queue.h"

struct ent {
	uint64_t time, key;
};

struct heap4 {
	struct ent *a;
	size_t n, cap;
};

static inline int less(const struct ent *x, const struct ent *y)
{
	return x->time < y->time || (x->time == y->time && x->key < y->key);
}

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

static int h4_insert(void *q, uint64_t time, uint64_t key)
{
	struct heap4 *h = q;
	struct ent e = {time, key};

	if (h->n == h->cap) {
		struct ent *p = realloc(h->a, 2 * h->cap * sizeof(*p));
		if (!p)
			return VL_ENOMEM;
		h->a = p;
		h->cap *= 2;
	}
	size_t i = h->n++;
	while (i > 0) {
		size_t parent = (i - 1) / 4;
		if (!less(&e, &h->a[parent]))
			break;
		h->a[i] = h->a[parent];
		i = parent;
	}
	h->a[i] = e;
	return 0;
}

static int h4_pop(void *q, uint64_t *time, uint64_t *key)
{
	struct heap4 *h = q;

	if (!h->n)
		return 0;
	*time = h->a[0].time;
	*key = h->a[0].key;
	struct ent last = h->a[--h->n];
	size_t n = h->n, i = 0;
	for (;;) {
		size_t c = 4 * i + 1;
		if (c >= n)
			break;
		size_t best = c, end = c + 4 < n ? c + 4 : n;
		for (size_t j = c + 1; j < end; j++)
			if (less(&h->a[j], &h->a[best]))
				best = j;
		if (!less(&h->a[best], &last))
			break;
		h->a[i] = h->a[best];
		i = best;
	}
	if (n)
		h->a[i] = last;
	return 1;
}

static int h4_peek(const void *q, uint64_t *time, uint64_t *key)
{
	const struct heap4 *h = q;

	if (!h->n)
		return 0;
	*time = h->a[0].time;
	*key = h->a[0].key;
	return 1;
}

const struct vl_queue_ops vl_queue_heap4 = {
	.version = VL_QUEUE_OPS_VERSION,
	.name = "heap4",
	.summary = "4-ary implicit heap (default)",
	.size = sizeof(struct heap4),
	.init = h4_init,
	.release = h4_release,
	.insert = h4_insert,
	.pop = h4_pop,
	.peek = h4_peek,
};
