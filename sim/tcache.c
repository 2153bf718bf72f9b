/*
 * Translation cache: a linear-probing hash set with backward-shift deletion
 * and, for FIFO eviction, a ring of keys in insertion order. Each block
 * also carries its place in the host's code cache (vl_tcache_resident).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/tcache.h"

static size_t slot(const struct vl_tcache *tc, uint64_t k)
{
	return (size_t)((k * 0x9e3779b97f4a7c15ull) >> 17) & tc->mask;
}

int vl_tcache_init(struct vl_tcache *tc, uint64_t cap_bytes, int policy, struct vl_err *err)
{
	memset(tc, 0, sizeof(*tc));
	tc->cap_bytes = cap_bytes;
	tc->policy = policy;
	tc->mask = 1023;
	tc->keys = calloc(tc->mask + 1, sizeof(*tc->keys));
	tc->sizes = calloc(tc->mask + 1, sizeof(*tc->sizes));
	tc->fetched = calloc(tc->mask + 1, sizeof(*tc->fetched));
	tc->last = SIZE_MAX;
	tc->ring_cap = 1024;
	tc->ring = malloc(tc->ring_cap * sizeof(*tc->ring));
	if (!tc->keys || !tc->sizes || !tc->fetched || !tc->ring) {
		vl_tcache_release(tc);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	return 0;
}

void vl_tcache_release(struct vl_tcache *tc)
{
	free(tc->keys);
	free(tc->sizes);
	free(tc->fetched);
	free(tc->ring);
	tc->keys = NULL;
	tc->sizes = NULL;
	tc->fetched = NULL;
	tc->ring = NULL;
}

static int grow(struct vl_tcache *tc)
{
	size_t n = (tc->mask + 1) * 2;
	uint64_t *keys = calloc(n, sizeof(*keys)), *fetched = calloc(n, sizeof(*fetched));
	uint32_t *sizes = calloc(n, sizeof(*sizes));

	if (!keys || !sizes || !fetched) {
		free(keys);
		free(sizes);
		free(fetched);
		return VL_ENOMEM;
	}
	uint64_t *ok = tc->keys, *of = tc->fetched;
	uint32_t *os = tc->sizes;
	size_t omask = tc->mask;
	tc->keys = keys;
	tc->sizes = sizes;
	tc->fetched = fetched;
	tc->mask = n - 1;
	for (size_t i = 0; i <= omask; i++) {
		if (!ok[i])
			continue;
		size_t j = slot(tc, ok[i]);
		while (keys[j])
			j = (j + 1) & tc->mask;
		keys[j] = ok[i];
		sizes[j] = os[i];
		fetched[j] = of[i];
	}
	free(ok);
	free(os);
	free(of);
	return 0;
}

/* Removes stored key k (key + 1), shifting the probe chain back. */
static void erase(struct vl_tcache *tc, uint64_t k)
{
	size_t i = slot(tc, k);

	while (tc->keys[i] != k)
		i = (i + 1) & tc->mask;
	tc->used_bytes -= tc->sizes[i];
	tc->count--;
	for (size_t j = (i + 1) & tc->mask; tc->keys[j]; j = (j + 1) & tc->mask) {
		size_t home = slot(tc, tc->keys[j]);
		/* move j into the hole at i if its home is not in (i, j] */
		if (((j - home) & tc->mask) >= ((j - i) & tc->mask)) {
			tc->keys[i] = tc->keys[j];
			tc->sizes[i] = tc->sizes[j];
			tc->fetched[i] = tc->fetched[j];
			i = j;
		}
	}
	tc->keys[i] = 0;
}

static void flush_all(struct vl_tcache *tc)
{
	memset(tc->keys, 0, (tc->mask + 1) * sizeof(*tc->keys));
	tc->count = 0;
	tc->used_bytes = 0;
	tc->head = tc->len = 0;
	tc->flushes++;
}

int vl_tcache_access(struct vl_tcache *tc, uint64_t key, uint32_t bytes)
{
	uint64_t k = key + 1;
	size_t i = slot(tc, k);

	while (tc->keys[i]) {
		if (tc->keys[i] == k) {
			tc->hits++;
			tc->last = i;
			return 1;
		}
		i = (i + 1) & tc->mask;
	}
	tc->misses++;
	tc->last = SIZE_MAX;
	if (bytes > tc->cap_bytes)
		return 0;
	if (tc->used_bytes + bytes > tc->cap_bytes) {
		if (tc->policy == VL_TC_FLUSH) {
			flush_all(tc);
		} else {
			while (tc->used_bytes + bytes > tc->cap_bytes) {
				erase(tc, tc->ring[tc->head]);
				tc->head = (tc->head + 1) % tc->ring_cap;
				tc->len--;
				tc->evictions++;
			}
		}
	}
	if (2 * (tc->count + 1) > tc->mask + 1 && grow(tc))
		return VL_ENOMEM;
	if (tc->policy == VL_TC_FIFO) {
		if (tc->len == tc->ring_cap) {
			size_t cap = tc->ring_cap * 2;
			uint64_t *r = malloc(cap * sizeof(*r));
			if (!r)
				return VL_ENOMEM;
			for (size_t j = 0; j < tc->len; j++)
				r[j] = tc->ring[(tc->head + j) % tc->ring_cap];
			free(tc->ring);
			tc->ring = r;
			tc->ring_cap = cap;
			tc->head = 0;
		}
		tc->ring[(tc->head + tc->len) % tc->ring_cap] = k;
		tc->len++;
	}
	i = slot(tc, k);
	while (tc->keys[i])
		i = (i + 1) & tc->mask;
	tc->keys[i] = k;
	tc->sizes[i] = bytes;
	tc->fetched[i] = tc->fetch_total;
	tc->fetch_total += bytes;
	tc->last = i;
	tc->count++;
	tc->used_bytes += bytes;
	return 0;
}

int vl_tcache_resident(struct vl_tcache *tc, uint64_t cap)
{
	size_t i = tc->last;

	if (i == SIZE_MAX)
		return 0;
	if (tc->fetch_total - tc->fetched[i] <= cap)
		return 1;
	tc->fetched[i] = tc->fetch_total;
	tc->fetch_total += tc->sizes[i];
	return 0;
}
