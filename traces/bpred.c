/*
 * TAGE, after Seznec and Michaud (JILP 2006): the provider is the tagged
 * table with the longest history whose entry matches; a new entry (weak,
 * not yet useful) defers to the alternate prediction while that has proved
 * better; a misprediction allocates an entry in a longer table whose
 * entry is not useful, else ages them; usefulness decays every 256 Ki
 * branches. Histories are folded into index and tag widths as they grow
 * (circular shift registers), so a prediction costs a few operations per
 * table.
 */
#include <string.h>

#include "traces/bpred.h"

#define TAG_BITS 10
#define AGE_PERIOD (1u << 18)

static const unsigned hist_len[VL_BP_TABLES] = {5, 15, 44, 130};

static void fold_init(struct vl_bp_fold *f, unsigned len, unsigned width)
{
	*f = (struct vl_bp_fold){0, len, width};
}

/* The newest outcome b entered; the one len ago (now out of the window) is old. */
static void fold_push(struct vl_bp_fold *f, unsigned b, unsigned old)
{
	uint32_t c = f->comp << 1 | b;

	c ^= old << (f->len % f->width);
	c ^= c >> f->width;
	f->comp = c & ((1u << f->width) - 1);
}

void vl_bpred_init(struct vl_bpred *p)
{
	memset(p, 0, sizeof(*p));
	for (unsigned i = 0; i < VL_BP_TABLES; i++) {
		fold_init(&p->idx[i], hist_len[i], VL_BP_TAG_IDX);
		fold_init(&p->tag0[i], hist_len[i], TAG_BITS);
		fold_init(&p->tag1[i], hist_len[i], TAG_BITS - 1);
	}
	p->seed = 1;
}

static unsigned index_of(const struct vl_bpred *p, unsigned i, uint64_t pc)
{
	uint64_t h = pc ^ (pc >> VL_BP_TAG_IDX) ^ (pc >> (2 * VL_BP_TAG_IDX + i));

	return (unsigned)(h ^ p->idx[i].comp) & ((1u << VL_BP_TAG_IDX) - 1);
}

static uint16_t tag_of(const struct vl_bpred *p, unsigned i, uint64_t pc)
{
	uint64_t h = pc ^ (pc >> TAG_BITS);

	return (uint16_t)((h ^ p->tag0[i].comp ^ (p->tag1[i].comp << 1)) & ((1u << TAG_BITS) - 1));
}

static void count(int8_t *c, int up, int lo, int hi)
{
	if (up && *c < hi)
		(*c)++;
	else if (!up && *c > lo)
		(*c)--;
}

/* A fixed pseudo-random sequence (xorshift): which longer table takes an entry. */
static uint32_t next_seed(struct vl_bpred *p)
{
	uint32_t x = p->seed;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return p->seed = x;
}

static void allocate(struct vl_bpred *p, int provider, const unsigned *idx, const uint16_t *tag,
                     int taken)
{
	int chosen = -1;

	for (int i = provider + 1; i < VL_BP_TABLES && chosen < 0; i++) {
		/* a free entry; one further on, a third of the time, when another is free too */
		if (p->t[i][idx[i]].u)
			continue;
		chosen = i;
		for (int j = i + 1; j < VL_BP_TABLES; j++)
			if (!p->t[j][idx[j]].u && next_seed(p) % 3 == 0) {
				chosen = j;
				break;
			}
	}
	if (chosen < 0) {
		for (int i = provider + 1; i < VL_BP_TABLES; i++)
			if (p->t[i][idx[i]].u)
				p->t[i][idx[i]].u--;
		return;
	}
	p->t[chosen][idx[chosen]] = (struct vl_bp_entry){(int8_t)(taken ? 0 : -1), 0, tag[chosen]};
}

int vl_bpred_branch(struct vl_bpred *p, uint64_t pc, int taken)
{
	unsigned idx[VL_BP_TABLES], b = (unsigned)(pc ^ (pc >> VL_BP_BASE_BITS)) &
	                                ((1u << VL_BP_BASE_BITS) - 1);
	uint16_t tag[VL_BP_TABLES];
	int provider = -1, alt = -1;

	for (unsigned i = 0; i < VL_BP_TABLES; i++) {
		idx[i] = index_of(p, i, pc);
		tag[i] = tag_of(p, i, pc);
	}
	for (int i = VL_BP_TABLES - 1; i >= 0; i--)
		if (p->t[i][idx[i]].tag == tag[i]) {
			if (provider < 0)
				provider = i;
			else if (alt < 0)
				alt = i;
		}
	int base_pred = p->base[b] >= 0;
	int alt_pred = alt >= 0 ? p->t[alt][idx[alt]].ctr >= 0 : base_pred;
	int pred = base_pred, prov_pred = base_pred;
	struct vl_bp_entry *e = provider >= 0 ? &p->t[provider][idx[provider]] : NULL;

	if (e) {
		prov_pred = e->ctr >= 0;
		int fresh = (e->ctr == 0 || e->ctr == -1) && !e->u;
		pred = fresh && p->use_alt >= 0 ? alt_pred : prov_pred;
		if (fresh && prov_pred != alt_pred)
			count(&p->use_alt, alt_pred == taken, -8, 7);
	}
	if (pred != taken && provider < VL_BP_TABLES - 1)
		allocate(p, provider, idx, tag, taken);
	if (e) {
		count(&e->ctr, taken, -4, 3);
		if (prov_pred != alt_pred) {
			if (prov_pred == taken && e->u < 3)
				e->u++;
			else if (prov_pred != taken && e->u)
				e->u--;
		}
	} else {
		count(&p->base[b], taken, -2, 1);
	}
	if (++p->tick == AGE_PERIOD) {
		p->tick = 0;
		for (unsigned i = 0; i < VL_BP_TABLES; i++)
			for (unsigned k = 0; k < (1u << VL_BP_TAG_IDX); k++)
				p->t[i][k].u >>= 1;
	}
	/* the outcome enters the history */
	p->head = (p->head + VL_BP_HIST - 1) % VL_BP_HIST;
	p->hist[p->head] = (uint8_t)taken;
	for (unsigned i = 0; i < VL_BP_TABLES; i++) {
		unsigned old = p->hist[(p->head + hist_len[i]) % VL_BP_HIST];
		fold_push(&p->idx[i], (unsigned)taken, old);
		fold_push(&p->tag0[i], (unsigned)taken, old);
		fold_push(&p->tag1[i], (unsigned)taken, old);
	}
	p->branches++;
	return pred != taken;
}
