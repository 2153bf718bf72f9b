/*
 * The LRU set: slots in a doubly linked list by recency, found through an
 * open-addressing table of slot numbers (linear probing, backward-shift
 * deletion so that probe chains stay whole when a key goes out).
 */
#include <stdlib.h>
#include <string.h>

#include "sim/lru.h"

#define NONE UINT32_MAX

static uint64_t home(const struct vl_lru *l, uint64_t key)
{
	return (key * 0x9e3779b97f4a7c15ull >> 20) & l->hmask;
}

int vl_lru_init(struct vl_lru *l, uint32_t cap, struct vl_err *err)
{
	uint64_t n = 16;

	memset(l, 0, sizeof(*l));
	if (!cap)
		cap = 1;
	while (n < 2ull * cap)
		n *= 2;
	l->key = malloc(cap * sizeof(*l->key));
	l->prev = malloc(cap * sizeof(*l->prev));
	l->next = malloc(cap * sizeof(*l->next));
	l->hash = calloc(n, sizeof(*l->hash));
	if (!l->key || !l->prev || !l->next || !l->hash) {
		vl_lru_release(l);
		return vl_err_set(err, VL_ENOMEM, "out of memory for %u resident pages", cap);
	}
	l->cap = cap;
	l->hmask = n - 1;
	l->head = l->tail = NONE;
	return 0;
}

void vl_lru_release(struct vl_lru *l)
{
	free(l->key);
	free(l->prev);
	free(l->next);
	free(l->hash);
	memset(l, 0, sizeof(*l));
}

/* The table position holding key's slot, or the empty one where it would go. */
static uint64_t find(const struct vl_lru *l, uint64_t key)
{
	uint64_t i = home(l, key);

	while (l->hash[i] && l->key[l->hash[i] - 1] != key)
		i = (i + 1) & l->hmask;
	return i;
}

static void unlink_slot(struct vl_lru *l, uint32_t s)
{
	if (l->prev[s] != NONE)
		l->next[l->prev[s]] = l->next[s];
	else
		l->head = l->next[s];
	if (l->next[s] != NONE)
		l->prev[l->next[s]] = l->prev[s];
	else
		l->tail = l->prev[s];
}

static void push_front(struct vl_lru *l, uint32_t s)
{
	l->prev[s] = NONE;
	l->next[s] = l->head;
	if (l->head != NONE)
		l->prev[l->head] = s;
	l->head = s;
	if (l->tail == NONE)
		l->tail = s;
}

/* Takes the table entry at i out, shifting the chain after it back. */
static void hash_delete(struct vl_lru *l, uint64_t i)
{
	l->hash[i] = 0;
	for (uint64_t j = (i + 1) & l->hmask; l->hash[j]; j = (j + 1) & l->hmask) {
		uint64_t h = home(l, l->key[l->hash[j] - 1]);
		/* move the entry at j into the hole at i unless its home lies in (i, j] */
		if (((j - h) & l->hmask) >= ((j - i) & l->hmask)) {
			l->hash[i] = l->hash[j];
			l->hash[j] = 0;
			i = j;
		}
	}
}

int vl_lru_touch(struct vl_lru *l, uint64_t key)
{
	uint64_t i = find(l, key);
	uint32_t s;

	if (l->hash[i]) {
		s = l->hash[i] - 1;
		if (l->head != s) {
			unlink_slot(l, s);
			push_front(l, s);
		}
		return 0;
	}
	l->misses++;
	if (l->used < l->cap) {
		s = l->used++;
	} else {
		s = l->tail;
		unlink_slot(l, s);
		hash_delete(l, find(l, l->key[s]));
		l->evictions++;
		i = find(l, key); /* the deletion may have moved the empty place */
	}
	l->key[s] = key;
	l->hash[i] = s + 1;
	push_front(l, s);
	return 1;
}
