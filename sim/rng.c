/*
 * Seeding of GSL generators from (seed, replication, stream).
 */
#include "sim/rng.h"

static uint64_t splitmix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

uint64_t vl_rng_mix(uint64_t seed, unsigned replication, unsigned stream)
{
	return splitmix64(splitmix64(splitmix64(seed) ^ replication) ^ stream);
}

gsl_rng *vl_rng_new(uint64_t seed, unsigned replication, unsigned stream)
{
	gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);

	if (r) /* mt19937 takes 32 bits of seed; 0 would select GSL's default */
		gsl_rng_set(r, (unsigned long)(vl_rng_mix(seed, replication, stream) & 0xffffffffu) | 1u);
	return r;
}
