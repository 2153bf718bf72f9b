/*
 * A pairing heap (Fredman, Sedgewick, Sleator, Tarjan 1986) with two-pass
 * merging, nodes in one growable array linked by index. The second event
 * queue: a different structure that must give the same order.
 */
#include <stdlib.h>

#include "sim/queue.h"

#define NIL UINT32_MAX

struct node {
	struct vl_qent e;
	uint32_t child, sibling;
};

struct pairing {
	struct node *nodes;
	uint32_t cap, used, free_head, root;
	uint32_t *stack; /* scratch for the two-pass merge */
	uint32_t stack_cap;
};

static int ph_init(void *q, struct vl_err *err)
{
	struct pairing *p = q;

	p->root = p->free_head = NIL;
	p->cap = p->stack_cap = 1024;
	p->nodes = malloc(p->cap * sizeof(*p->nodes));
	p->stack = malloc(p->stack_cap * sizeof(*p->stack));
	if (!p->nodes || !p->stack) {
		free(p->nodes);
		free(p->stack);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	return 0;
}

static void ph_release(void *q)
{
	struct pairing *p = q;

	free(p->nodes);
	free(p->stack);
}

/* Links two roots; returns the new root. */
static uint32_t link(struct node *n, uint32_t a, uint32_t b)
{
	if (a == NIL)
		return b;
	if (b == NIL)
		return a;
	if (vl_qent_less(&n[b].e, &n[a].e)) {
		uint32_t t = a;
		a = b;
		b = t;
	}
	n[b].sibling = n[a].child;
	n[a].child = b;
	return a;
}

static int ph_insert(void *q, const struct vl_qent *e)
{
	struct pairing *p = q;
	uint32_t i;

	if (p->free_head != NIL) {
		i = p->free_head;
		p->free_head = p->nodes[i].sibling;
	} else {
		if (p->used == p->cap) {
			struct node *nn = realloc(p->nodes, 2 * (size_t)p->cap * sizeof(*nn));
			if (!nn)
				return VL_ENOMEM;
			p->nodes = nn;
			p->cap *= 2;
		}
		i = p->used++;
	}
	p->nodes[i] = (struct node){*e, NIL, NIL};
	p->root = link(p->nodes, p->root, i);
	return 0;
}

static int ph_pop(void *q, struct vl_qent *e)
{
	struct pairing *p = q;
	struct node *n = p->nodes;
	uint32_t r = p->root, k = 0;

	if (r == NIL)
		return 0;
	*e = n[r].e;
	/* First pass: pair children left to right. */
	for (uint32_t c = n[r].child; c != NIL;) {
		uint32_t a = c, b = n[a].sibling, next = b == NIL ? NIL : n[b].sibling;
		n[a].sibling = NIL;
		if (b != NIL)
			n[b].sibling = NIL;
		if (k == p->stack_cap) {
			uint32_t *s = realloc(p->stack, 2 * (size_t)p->stack_cap * sizeof(*s));
			VL_ASSERT(s); /* cannot fail softly halfway through a pop */
			p->stack = s;
			p->stack_cap *= 2;
		}
		p->stack[k++] = link(n, a, b);
		c = next;
	}
	/* Second pass: merge right to left. */
	uint32_t root = NIL;
	while (k)
		root = link(n, p->stack[--k], root);
	p->root = root;
	n[r].sibling = p->free_head;
	p->free_head = r;
	return 1;
}

static int ph_peek(void *q, struct vl_qent *e)
{
	const struct pairing *p = q;

	if (p->root == NIL)
		return 0;
	*e = p->nodes[p->root].e;
	return 1;
}

const struct vl_queue_ops vl_queue_pairing = {
	.version = VL_QUEUE_OPS_VERSION,
	.name = "pairing",
	.summary = "pairing heap with two-pass merging",
	.size = sizeof(struct pairing),
	.init = ph_init,
	.release = ph_release,
	.insert = ph_insert,
	.pop = ph_pop,
	.peek = ph_peek,
};
