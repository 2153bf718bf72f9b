/*
 * The data-TLB hierarchy of sim/tlb.h: lookups, fills and LRU, and the 1-D
 * and 2-D page walks whose references depend on page-walk-cache and
 * nested-TLB hits. Integer work only; no allocation; deterministic.
 */
#include <string.h>

#include "sim/tlb.h"

enum { A_L1, A_L2, A_PWC, A_NTLB };

#define GLOBAL (1ull << 62)   /* stored-key bit: a kernel entry kept over CR3 switches */
#define TAG_BITS 12           /* address-space tag, as x86's PCID */
#define TAG_MASK ((1ull << TAG_BITS) - 1)
#define PAGE_MASK ((1ull << 40) - 1)
#define PFX_MASK ((1ull << 46) - 1)

static void arr(struct vl_tlb *t, int a, struct vl_tlb_array **g, uint64_t **k, uint64_t **s)
{
	switch (a) {
	case A_L1: *g = &t->l1; *k = t->k1; *s = t->s1; break;
	case A_L2: *g = &t->l2; *k = t->k2; *s = t->s2; break;
	case A_PWC: *g = &t->pwc; *k = t->kp; *s = t->sp; break;
	default: *g = &t->ntlb; *k = t->kn; *s = t->sn; break;
	}
}

/*
 * The index of a fully associative array (the walk caches, and an L1 or L2
 * of one set): key -> way, linear probing, so that a lookup does not scan
 * every way. It holds exactly the array's keys; what it changes is speed,
 * never a result.
 */
#define IX_MASK (VL_TLB_IX_SLOTS - 1)

static int indexed(const struct vl_tlb_array *g)
{
	return g->sets == 1 && g->ways <= VL_TLB_IX_WAYS;
}

static size_t ix_home(uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 56) & IX_MASK;
}

static void ix_insert(uint8_t *ix, uint64_t key, size_t way)
{
	size_t h = ix_home(key);

	while (ix[h])
		h = (h + 1) & IX_MASK;
	ix[h] = (uint8_t)(way + 1);
}

/* Removes the slot of way (which holds key), shifting the probe chain back. */
static void ix_remove(uint8_t *ix, const uint64_t *k, uint64_t key, size_t way)
{
	size_t h = ix_home(key);

	while (ix[h] != way + 1)
		h = (h + 1) & IX_MASK;
	for (size_t j = (h + 1) & IX_MASK; ix[j]; j = (j + 1) & IX_MASK) {
		size_t home = ix_home((k[ix[j] - 1] & ~GLOBAL) - 1);
		/* the entry at j may move back to h unless its home lies in (h, j] */
		if (((j - home) & IX_MASK) >= ((j - h) & IX_MASK)) {
			ix[h] = ix[j];
			h = j;
		}
	}
	ix[h] = 0;
}

/*
 * The recency order of an indexed array's filled ways, as a list: a hit
 * moves its way to the front, a fill into a full array takes the back.
 * It is the order of the ways' last-use stamps, which decide a victim in
 * the other arrays, so the two ways of choosing agree.
 */
#define NIL 0xff

static void lru_unlink(struct vl_tlb *t, int a, size_t w)
{
	uint8_t p = t->lru_prev[a][w], n = t->lru_next[a][w];

	if (p != NIL)
		t->lru_next[a][p] = n;
	else
		t->lru_head[a] = n;
	if (n != NIL)
		t->lru_prev[a][n] = p;
	else
		t->lru_tail[a] = p;
}

static void lru_push_front(struct vl_tlb *t, int a, size_t w)
{
	uint8_t h = t->lru_head[a];

	t->lru_prev[a][w] = NIL;
	t->lru_next[a][w] = h;
	if (h != NIL)
		t->lru_prev[a][h] = (uint8_t)w;
	else
		t->lru_tail[a] = (uint8_t)w;
	t->lru_head[a] = (uint8_t)w;
}

/* Index, recency list and empty ways anew from the keys and stamps. */
static void ix_rebuild(struct vl_tlb *t, int a)
{
	struct vl_tlb_array *g;
	uint64_t *k, *s;

	arr(t, a, &g, &k, &s);
	memset(t->ix[a], 0, sizeof(t->ix[a]));
	memset(t->empty[a], 0, sizeof(t->empty[a]));
	t->lru_head[a] = t->lru_tail[a] = NIL;
	if (!indexed(g))
		return;
	uint8_t order[VL_TLB_IX_WAYS];
	size_t n = 0;
	for (size_t i = 0; i < g->ways; i++) {
		if (!k[i]) {
			t->empty[a][i / 64] |= 1ull << (i % 64);
			continue;
		}
		ix_insert(t->ix[a], (k[i] & ~GLOBAL) - 1, i);
		size_t j = n++; /* insertion sort by stamp, oldest first: ways are few */
		for (; j > 0 && s[order[j - 1]] > s[i]; j--)
			order[j] = order[j - 1];
		order[j] = (uint8_t)i;
	}
	for (size_t j = 0; j < n; j++)
		lru_push_front(t, a, order[j]);
}

/* Whether key is held; a hit becomes the set's most recently used. */
static int lookup(struct vl_tlb *t, int a, uint64_t key)
{
	struct vl_tlb_array *g;
	uint64_t *k, *s;

	arr(t, a, &g, &k, &s);
	if (!g->sets)
		return 0;
	t->clock++;
	if (indexed(g)) {
		const uint8_t *ix = t->ix[a];
		for (size_t h = ix_home(key); ix[h]; h = (h + 1) & IX_MASK)
			if ((k[ix[h] - 1] & ~GLOBAL) == key + 1) {
				size_t w = ix[h] - 1;
				s[w] = t->clock;
				lru_unlink(t, a, w);
				lru_push_front(t, a, w);
				return 1;
			}
		return 0;
	}
	size_t base = g->sets == 1 ? 0 : (size_t)(key % g->sets) * g->ways;
	for (size_t i = base; i < base + g->ways; i++)
		if ((k[i] & ~GLOBAL) == key + 1) {
			s[i] = t->clock;
			return 1;
		}
	return 0;
}

/* Puts key in its set, into an empty way or over the least recently used. */
static void fill(struct vl_tlb *t, int a, uint64_t key, int global)
{
	struct vl_tlb_array *g;
	uint64_t *k, *s;

	arr(t, a, &g, &k, &s);
	if (!g->sets)
		return;
	if (indexed(g)) { /* the first empty way, else the least recently used */
		size_t victim = NIL;
		for (size_t b = 0; b < VL_TLB_IX_WAYS / 64 && victim == NIL; b++)
			if (t->empty[a][b]) {
				victim = b * 64 + (size_t)__builtin_ctzll(t->empty[a][b]);
				t->empty[a][b] &= t->empty[a][b] - 1;
			}
		if (victim == NIL) {
			victim = t->lru_tail[a];
			ix_remove(t->ix[a], k, (k[victim] & ~GLOBAL) - 1, victim);
			lru_unlink(t, a, victim);
		}
		k[victim] = (key + 1) | (global ? GLOBAL : 0);
		s[victim] = ++t->clock;
		ix_insert(t->ix[a], key, victim);
		lru_push_front(t, a, victim);
		return;
	}
	size_t base = g->sets == 1 ? 0 : (size_t)(key % g->sets) * g->ways, victim = base;
	for (size_t i = base; i < base + g->ways; i++) {
		if (!k[i]) {
			victim = i;
			break;
		}
		if (s[i] < s[victim])
			victim = i;
	}
	k[victim] = (key + 1) | (global ? GLOBAL : 0);
	s[victim] = ++t->clock;
}

/* Geometry from entries and ways: sets = entries / ways, clamped to max. */
static void geometry(struct vl_tlb_array *g, double entries, double ways, uint32_t max)
{
	uint32_t e = entries <= 0 ? 0 : entries >= max ? max : (uint32_t)entries;
	uint32_t w = ways < 1 ? 1 : ways >= e ? e : (uint32_t)ways;

	g->ways = w;
	g->sets = w ? e / w : 0;
}

static uint64_t cyc(double v)
{
	return v <= 0 ? 0 : (uint64_t)(v + 0.5);
}

void vl_tlb_init(struct vl_tlb *t, const struct vl_host *host)
{
	const double *h = host->v;

	memset(t, 0, sizeof(*t));
	geometry(&t->l1, h[VL_H_DTLB1_ENTRIES], h[VL_H_DTLB1_WAYS], VL_TLB_L1_MAX);
	geometry(&t->l2, h[VL_H_DTLB2_ENTRIES], h[VL_H_DTLB2_WAYS], VL_TLB_L2_MAX);
	/* Walk caches are fully associative (Bhargava et al. 2008, Sec. 4). */
	geometry(&t->pwc, h[VL_H_PWC_ENTRIES], VL_TLB_PWC_MAX, VL_TLB_PWC_MAX);
	geometry(&t->ntlb, h[VL_H_NTLB_ENTRIES], VL_TLB_NTLB_MAX, VL_TLB_NTLB_MAX);
	t->levels = (int)(h[VL_H_PT_LEVELS] + 0.5);
	t->pcid = h[VL_H_PCID] >= 0.5;
	t->pwc_nested = h[VL_H_PWC_NESTED] >= 0.5;
	t->large_fp = (uint32_t)(h[VL_H_LARGE_PAGES] * 65536 + 0.5);
	t->nlarge_fp = (uint32_t)(h[VL_H_NESTED_LARGE_PAGES] * 65536 + 0.5);
	t->walk_ref = cyc(h[VL_H_WALK_REF]);
	t->pwc_hit = cyc(h[VL_H_PWC_HIT]);
	for (int a = A_L1; a <= A_NTLB; a++)
		ix_rebuild(t, a);
}

/* A fixed hash (splitmix64's finalizer): which 2 MiB regions are large. */
static uint64_t mix(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static int large(uint32_t fp, uint64_t addr, uint64_t salt)
{
	return fp && (fp >= 65536 || (mix((addr >> 21) ^ salt) & 0xffff) < fp);
}

/* Key of the walk-cache entry at level lv (dimension dim) that maps addr:
 * every address bit above the part that level lv's entry translates. */
static uint64_t pwc_key(int dim, int lv, uint64_t tag, uint64_t addr)
{
	return (uint64_t)dim << 63 | (uint64_t)lv << 59 | tag << 46 |
	       ((addr >> (12 + 9 * (lv - 1))) & PFX_MASK);
}

/*
 * The level a walk starts reading at: one below the lowest cached upper
 * level (counting a PWC hit), else the root. Levels are numbered from the
 * leaf (1; 2 for a 2 MiB page) up to the root (t->levels).
 */
static int walk_start(struct vl_tlb *t, int dim, uint64_t tag, uint64_t addr, int leaf,
                      uint32_t *hits)
{
	if (dim && !t->pwc_nested)
		return t->levels;
	for (int lv = leaf + 1; lv <= t->levels; lv++)
		if (lookup(t, A_PWC, pwc_key(dim, lv, tag, addr))) {
			++*hits;
			t->pwc_hits++;
			return lv - 1;
		}
	return t->levels;
}

/* After a walk from start: the upper-level entries it read go to the PWC. */
static void walk_fill(struct vl_tlb *t, int dim, uint64_t tag, uint64_t addr, int start,
                      int leaf)
{
	if (dim && !t->pwc_nested)
		return;
	for (int lv = start; lv > leaf; lv--)
		fill(t, A_PWC, pwc_key(dim, lv, tag, addr), 0);
}

/* A nested (host) walk of guest-physical address gpa: its references. */
static void nested_walk(struct vl_tlb *t, uint64_t gpa, struct vl_walk *w)
{
	int leaf = large(t->nlarge_fp, gpa, 0x6e) ? 2 : 1;
	int start = walk_start(t, 1, 0, gpa, leaf, &w->nested_hits);

	w->nested_refs += (uint32_t)(start - leaf + 1);
	walk_fill(t, 1, 0, gpa, start, leaf);
}

/*
 * Guest-physical address of the guest page-table page at level lv that
 * maps addr: an assumption of the model (the trace has no physical
 * addresses): each level's tables lie side by side in one region.
 */
static uint64_t table_gpa(uint64_t space, int lv, uint64_t addr)
{
	uint64_t id = (space << 24 ^ (addr >> (12 + 9 * lv))) & ((1ull << 32) - 1);
	return 1ull << 47 | (uint64_t)lv << 44 | id << 12;
}

int vl_tlb_touch(struct vl_tlb *t, uint64_t addr, int kernel, struct vl_walk *w)
{
	uint64_t space = kernel ? 0 : (t->asid & TAG_MASK) + 1;
	uint64_t tag = t->pcid ? space : 0;
	int big = large(t->large_fp, addr, space);
	uint64_t page = big ? addr >> 21 : addr >> 12;
	uint64_t key = (page & PAGE_MASK) | (uint64_t)big << 40 | (kernel ? 0 : tag) << 41;

	t->touches++;
	if (lookup(t, A_L1, key)) {
		t->l1_hits++;
		return 0;
	}
	if (lookup(t, A_L2, key)) {
		t->l2_hits++;
		fill(t, A_L1, key, kernel);
		return 0;
	}
	memset(w, 0, sizeof(*w));
	t->walks++;
	int leaf = big ? 2 : 1;
	int start = walk_start(t, 0, tag, addr, leaf, &w->guest_pwc);
	w->guest_refs = (uint32_t)(start - leaf + 1);
	if (t->nested) {
		/* Each guest table read needs that table's host-physical address. */
		for (int lv = start; lv >= leaf; lv--) {
			uint64_t gpa = table_gpa(space, lv, addr), nkey = gpa >> 12;
			if (lookup(t, A_NTLB, nkey)) {
				w->nested_hits++;
				t->ntlb_hits++;
				continue;
			}
			nested_walk(t, gpa, w);
			fill(t, A_NTLB, nkey, 0);
		}
		/* The data page: guest-physical laid out as guest-virtual, per space. */
		nested_walk(t, ((space << 40) ^ addr) & ((1ull << 52) - 1), w);
	}
	walk_fill(t, 0, tag, addr, start, leaf);
	fill(t, A_L2, key, kernel);
	fill(t, A_L1, key, kernel);
	t->guest_refs += w->guest_refs;
	t->nested_refs += w->nested_refs;
	return 1;
}

/* Drops the entries of array a that drop() selects. */
static void drop_if(struct vl_tlb *t, int a, int (*drop)(uint64_t stored, uint64_t arg),
                    uint64_t arg)
{
	struct vl_tlb_array *g;
	uint64_t *k, *s;

	arr(t, a, &g, &k, &s);
	for (size_t i = 0; i < (size_t)g->sets * g->ways; i++)
		if (k[i] && drop(k[i], arg))
			k[i] = 0;
	if (indexed(g))
		ix_rebuild(t, a);
}

static int not_global(uint64_t stored, uint64_t arg)
{
	(void)arg;
	return !(stored & GLOBAL);
}

static int guest_dim(uint64_t stored, uint64_t arg)
{
	(void)arg;
	return !((stored - 1) >> 63);
}

static int same_page(uint64_t stored, uint64_t addr)
{
	uint64_t key = (stored & ~GLOBAL) - 1;
	int big = key >> 40 & 1;

	return (key & PAGE_MASK) == ((big ? addr >> 21 : addr >> 12) & PAGE_MASK);
}

void vl_tlb_cr3(struct vl_tlb *t, uint64_t asid)
{
	t->asid = asid;
	if (t->pcid || !t->touches) /* nothing to drop on a trace without touches */
		return;
	t->flushes++;
	drop_if(t, A_L1, not_global, 0);
	drop_if(t, A_L2, not_global, 0);
	drop_if(t, A_PWC, guest_dim, 0);
}

void vl_tlb_invlpg(struct vl_tlb *t, uint64_t addr)
{
	if (!t->touches)
		return;
	drop_if(t, A_L1, same_page, addr);
	drop_if(t, A_L2, same_page, addr);
	drop_if(t, A_PWC, guest_dim, 0);
}

void vl_tlb_flush(struct vl_tlb *t)
{
	if (!t->touches)
		return;
	t->flushes++;
	for (int a = A_L1; a <= A_L2; a++) {
		struct vl_tlb_array *g;
		uint64_t *k, *s;
		arr(t, a, &g, &k, &s);
		memset(k, 0, (size_t)g->sets * g->ways * sizeof(*k));
		ix_rebuild(t, a);
	}
	drop_if(t, A_PWC, guest_dim, 0);
}
