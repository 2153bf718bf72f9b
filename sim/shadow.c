/*
 * Shadow page tables: address spaces from cr3 and fork events, a cache of
 * `cap` shadows evicted least recently used, the filled entries of each as a
 * hash set of page numbers, and the rules of models/bt/README.md's shadow-paging
 * section (traced writes, hidden faults, eager fills, unsync). Memory is
 * fixed after warm-up: sets only grow, and are reused across evictions.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/shadow.h"

#define PAGE_SHIFT 12
#define FIRST_ID UINT64_MAX

/* x86-64 system calls that create a process: clone, fork, vfork, clone3. */
static int is_fork_call(uint64_t nr)
{
	return nr == 56 || nr == 57 || nr == 58 || nr == 435;
}

/* --- page sets --------------------------------------------------------- */

static size_t hslot(const struct vl_pageset *s, uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 17) & s->mask;
}

static int set_init(struct vl_pageset *s, size_t n)
{
	s->keys = calloc(n, sizeof(*s->keys));
	s->mask = n - 1;
	s->count = 0;
	return s->keys ? 0 : VL_ENOMEM;
}

static int set_has(const struct vl_pageset *s, uint64_t page)
{
	uint64_t k = page + 1;

	for (size_t i = hslot(s, k); s->keys[i]; i = (i + 1) & s->mask)
		if (s->keys[i] == k)
			return 1;
	return 0;
}

static void set_grow(struct vl_pageset *s)
{
	struct vl_pageset n;
	int rc = set_init(&n, (s->mask + 1) * 2);

	VL_ASSERT(rc == 0);
	for (size_t i = 0; i <= s->mask; i++) {
		if (!s->keys[i])
			continue;
		size_t j = hslot(&n, s->keys[i]);
		while (n.keys[j])
			j = (j + 1) & n.mask;
		n.keys[j] = s->keys[i];
	}
	n.count = s->count;
	free(s->keys);
	*s = n;
}

/* Adds page; returns 1 if it was not there. A full shadow keeps no more. */
static int set_add(struct vl_pageset *s, uint64_t page)
{
	uint64_t k = page + 1;
	size_t i;

	if (set_has(s, page) || s->count >= VL_SHADOW_MAX_PAGES)
		return 0;
	if ((s->count + 1) * 2 > s->mask + 1)
		set_grow(s);
	for (i = hslot(s, k); s->keys[i]; i = (i + 1) & s->mask)
		;
	s->keys[i] = k;
	s->count++;
	return 1;
}

/* Removes page if present (backward-shift deletion keeps probe chains whole). */
static void set_del(struct vl_pageset *s, uint64_t page)
{
	uint64_t k = page + 1;
	size_t i = hslot(s, k);

	while (s->keys[i] != k) {
		if (!s->keys[i])
			return;
		i = (i + 1) & s->mask;
	}
	s->keys[i] = 0;
	s->count--;
	for (size_t j = (i + 1) & s->mask; s->keys[j]; j = (j + 1) & s->mask) {
		size_t home = hslot(s, s->keys[j]);
		/* move keys[j] into the hole at i unless its home lies in (i, j] */
		if (((j - home) & s->mask) >= ((j - i) & s->mask)) {
			s->keys[i] = s->keys[j];
			s->keys[j] = 0;
			i = j;
		}
	}
}

static void set_clear(struct vl_pageset *s)
{
	if (s->count)
		memset(s->keys, 0, (s->mask + 1) * sizeof(*s->keys));
	s->count = 0;
}

/* --- address spaces and the cache --------------------------------------- */

int vl_shadow_init(struct vl_shadow *sh, unsigned cap, int unsync, struct vl_err *err)
{
	memset(sh, 0, sizeof(*sh));
	sh->cap = cap ? cap : 1;
	sh->unsync = unsync;
	sh->sets = calloc(sh->cap, sizeof(*sh->sets));
	sh->owner = malloc(sh->cap * sizeof(*sh->owner));
	if (!sh->sets || !sh->owner)
		goto out_nomem;
	for (unsigned i = 0; i < sh->cap; i++) {
		sh->owner[i] = -1;
		if (set_init(&sh->sets[i], 64))
			goto out_nomem;
	}
	if (set_init(&sh->known, 64))
		goto out_nomem;
	/* the address space running before any cr3: its shadow exists, empty */
	sh->as[0] = (struct vl_shadow_as){.id = FIRST_ID, .live = 1, .slot = 0, .warm = 1};
	sh->owner[0] = 0;
	sh->nas = 1;
	sh->cur = 0;
	return 0;
out_nomem:
	vl_shadow_release(sh);
	return vl_err_set(err, VL_ENOMEM, "out of memory");
}

void vl_shadow_release(struct vl_shadow *sh)
{
	if (sh->sets)
		for (unsigned i = 0; i < sh->cap; i++)
			free(sh->sets[i].keys);
	free(sh->sets);
	free(sh->owner);
	free(sh->known.keys);
	sh->known.keys = NULL;
	sh->sets = NULL;
	sh->owner = NULL;
}

static int find_as(const struct vl_shadow *sh, uint64_t id)
{
	for (size_t i = 0; i < sh->nas; i++)
		if (sh->as[i].live && sh->as[i].id == id)
			return (int)i;
	return -1;
}

/* Frees a's shadow, if it has one. */
static void drop_shadow(struct vl_shadow *sh, struct vl_shadow_as *a)
{
	if (a->slot < 0)
		return;
	set_clear(&sh->sets[a->slot]);
	sh->owner[a->slot] = -1;
	a->slot = -1;
	a->warm = 0;
	a->unsynced = 0;
	a->dirty = 0;
}

/* A descriptor for a new address space without a shadow. When all are taken,
 * the least recently run one without a shadow is forgotten. */
static int new_as(struct vl_shadow *sh, uint64_t id)
{
	int k = -1;

	for (size_t i = 0; i < sh->nas && k < 0; i++)
		if (!sh->as[i].live)
			k = (int)i;
	if (k < 0 && sh->nas < VL_SHADOW_MAX_AS)
		k = (int)sh->nas++;
	if (k < 0) {
		for (size_t i = 0; i < sh->nas; i++)
			if ((int)i != sh->cur && sh->as[i].slot < 0 &&
			    (k < 0 || sh->as[i].stamp < sh->as[k].stamp))
				k = (int)i;
		VL_ASSERT(k >= 0); /* cap < VL_SHADOW_MAX_AS leaves some without a shadow */
	}
	sh->as[k] = (struct vl_shadow_as){.id = id, .live = 1, .slot = -1};
	return k;
}

/* Gives a (the one about to run) an empty shadow, evicting the LRU one if full. */
static void build(struct vl_shadow *sh, int k, struct vl_shadow_out *o)
{
	struct vl_shadow_as *a = &sh->as[k];
	int slot = -1;

	for (unsigned i = 0; i < sh->cap && slot < 0; i++)
		if (sh->owner[i] < 0)
			slot = (int)i;
	if (slot < 0) {
		for (unsigned i = 0; i < sh->cap; i++)
			if (slot < 0 || sh->as[sh->owner[i]].stamp < sh->as[sh->owner[slot]].stamp)
				slot = (int)i;
		struct vl_shadow_as *v = &sh->as[sh->owner[slot]];
		/* what it held comes back by hidden faults when it runs again; without
		 * touch events those are charged at once, so carry them on */
		v->lost = (uint32_t)sh->sets[slot].count + (sh->seen_touch ? 0 : v->lost);
		drop_shadow(sh, v);
		sh->evictions++;
		o->evicted = 1;
	}
	a->slot = slot;
	sh->owner[slot] = k;
	sh->rebuilds++;
	o->rebuilt = 1;
	if (!sh->seen_touch) {
		o->hidden += a->lost; /* the working set it had, refilled */
		sh->hidden += a->lost;
	} else {
		a->lost = 0;          /* refilled lazily, touch by touch */
	}
}

static void resync(struct vl_shadow *sh, struct vl_shadow_as *a, struct vl_shadow_out *o)
{
	if (!a->unsynced)
		return;
	o->resync += a->dirty;
	sh->resyncs += a->dirty;
	a->dirty = 0;
	a->unsynced = 0;
}

/*
 * The trace never names the first address space until it switches back to
 * it: the first cr3 to an id no fork made, after leaving the first address
 * space for fork children only, names it (a parent returning from its
 * child). Any other unknown id is a new address space, and ends the chance.
 */
static void on_cr3(struct vl_shadow *sh, uint64_t id, struct vl_shadow_out *o)
{
	int k = find_as(sh, id);

	if (k < 0) {
		if (!sh->first_named && sh->cur != 0 && sh->as[0].live && sh->as[0].id == FIRST_ID)
			sh->as[k = 0].id = id;
		else
			k = new_as(sh, id);
		sh->first_named = 1;
	}
	sh->cur = k;
	sh->as[k].stamp = ++sh->clock;
	sh->switches++;
	o->switched = 1;
	if (sh->as[k].slot < 0)
		build(sh, k, o);
	resync(sh, &sh->as[k], o);
}

static void on_fork(struct vl_shadow *sh, uint64_t child)
{
	int k = find_as(sh, child);

	sh->forking = 0;
	if (k >= 0) { /* an id reused without an exit seen: a new address space */
		drop_shadow(sh, &sh->as[k]);
		sh->as[k].live = 0;
	}
	k = new_as(sh, child);
	sh->as[k].stamp = ++sh->clock;
}

static void on_ptewrite(struct vl_shadow *sh, const struct vl_event *ev, struct vl_shadow_out *o)
{
	int before = !!(ev->flags & VL_EVF_P_OLD), after = !!(ev->flags & VL_EVF_P_NEW);
	uint64_t page = ev->a >> PAGE_SHIFT;
	struct vl_shadow_as *a = sh->cur >= 0 ? &sh->as[sh->cur] : NULL;

	if (a && a->warm)
		set_add(&sh->known, page);
	/* no shadow (yet), or a new fork child's tables: nothing write-protected */
	if (!a || a->slot < 0 || (sh->forking && !before && after)) {
		sh->untraced++;
		return;
	}
	struct vl_pageset *s = &sh->sets[a->slot];
	if (a->unsynced) {
		/* lands in an out-of-sync table: no trap; the shadow catches up at
		 * the next resync, where a new entry is not built (a later reference
		 * hidden-faults) and a removed one is dropped */
		a->dirty++;
		sh->absorbed++;
		o->absorbed = 1;
		if (before && !after)
			set_del(s, page);
		return;
	}
	sh->traced++;
	o->traced = 1;
	if (sh->unsync)
		a->unsynced = 1; /* the trapping write unsyncs the table (KVM's unsync) */
	if (after)
		sh->fills += (uint64_t)set_add(s, page); /* eager: build the entry now */
	else if (before)
		set_del(s, page);
}

/*
 * A touch of a page without a shadow entry is a hidden fault. Kernel pages
 * never are: every guest address space links the same kernel page tables
 * (the upper half of each PGD), so a monitor that shadows per guest page
 * table shares their shadows too, filled before the trace began.
 */
static void on_touch(struct vl_shadow *sh, uint64_t addr, int kernel, struct vl_shadow_out *o)
{
	struct vl_shadow_as *a = sh->cur >= 0 ? &sh->as[sh->cur] : NULL;

	sh->seen_touch = 1;
	if (!a || a->slot < 0 || kernel)
		return;
	uint64_t page = addr >> PAGE_SHIFT;
	if (set_add(&sh->sets[a->slot], page) && !(a->warm && !set_has(&sh->known, page))) {
		o->hidden = 1;
		sh->hidden++;
		sh->fills++;
	}
}

void vl_shadow_event(struct vl_shadow *sh, const struct vl_event *ev, struct vl_shadow_out *o)
{
	struct vl_shadow_as *a = sh->cur >= 0 ? &sh->as[sh->cur] : NULL;

	memset(o, 0, sizeof(*o));
	switch (ev->type) {
	case VL_EV_SYSCALL:
		sh->forking = is_fork_call(ev->a);
		break;
	case VL_EV_SYSRET:
		sh->forking = 0;
		break;
	case VL_EV_FORK:
		on_fork(sh, ev->a);
		break;
	case VL_EV_CR3:
		on_cr3(sh, ev->a, o);
		break;
	case VL_EV_PTEWRITE:
		on_ptewrite(sh, ev, o);
		break;
	case VL_EV_TOUCH:
		on_touch(sh, ev->a, !!(ev->flags & VL_EVF_KERNEL), o);
		break;
	case VL_EV_PGFAULT:
		if (a && a->warm)
			set_add(&sh->known, ev->a >> PAGE_SHIFT);
		/* the guest's handler writes the entry (a traced write, filled at
		 * once); the retried access finds it */
		if (a && a->slot >= 0 && ev->a)
			sh->fills += (uint64_t)set_add(&sh->sets[a->slot], ev->a >> PAGE_SHIFT);
		break;
	case VL_EV_INVLPG:
		if (a && a->warm)
			set_add(&sh->known, ev->a >> PAGE_SHIFT);
		if (a && a->slot >= 0) {
			set_del(&sh->sets[a->slot], ev->a >> PAGE_SHIFT);
			resync(sh, a, o);
		}
		break;
	case VL_EV_EXEC:
		/* the old image's tables go; the new image starts on a new, empty shadow */
		if (a) {
			sh->teardowns++;
			a->lost = 0;
			a->warm = 0;
			if (a->slot >= 0) {
				set_clear(&sh->sets[a->slot]);
				a->unsynced = 0;
				a->dirty = 0;
				sh->rebuilds++;
				o->rebuilt = 1;
			} else {
				build(sh, sh->cur, o);
			}
		}
		break;
	case VL_EV_EXIT:
		if (a) {
			sh->teardowns++;
			drop_shadow(sh, a);
			a->live = 0;
			sh->cur = -1;
		}
		break;
	default:
		break;
	}
}

int vl_shadow_filled(const struct vl_shadow *sh, uint64_t addr)
{
	const struct vl_shadow_as *a = sh->cur >= 0 ? &sh->as[sh->cur] : NULL;

	return a && a->slot >= 0 && set_has(&sh->sets[a->slot], addr >> PAGE_SHIFT);
}

void vl_shadow_report(const struct vl_shadow *sh, vl_emit_fn emit, void *ctx)
{
	emit(ctx, "shadow_hidden_faults", (double)sh->hidden, "count");
	emit(ctx, "shadow_traced_writes", (double)sh->traced, "count");
	emit(ctx, "shadow_untraced_writes", (double)sh->untraced, "count");
	emit(ctx, "shadow_unsync_writes", (double)sh->absorbed, "count");
	emit(ctx, "shadow_resynced_entries", (double)sh->resyncs, "count");
	emit(ctx, "shadow_switches", (double)sh->switches, "count");
	emit(ctx, "shadow_rebuilds", (double)sh->rebuilds, "count");
	emit(ctx, "shadow_evictions", (double)sh->evictions, "count");
	emit(ctx, "shadow_teardowns", (double)sh->teardowns, "count");
	emit(ctx, "shadow_fills", (double)sh->fills, "count");
}
