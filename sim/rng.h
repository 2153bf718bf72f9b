/*
 * Random streams: every stream is a GSL generator seeded from (run seed,
 * replication, stream id) through a mixing function, so streams are
 * independent of each other and a run is reproducible from its record.
 */
#ifndef VL_RNG_H
#define VL_RNG_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

/* Stream ids. Append only: changing them changes every recorded run. */
enum vl_rng_stream {
	VL_RNG_DEVICE = 0x100, /* + device number */
	VL_RNG_MODEL = 0x200,  /* + guest number: a model's own stream */
	VL_RNG_GEN = 0x300,    /* trace generators */
	VL_RNG_ARRIVAL = 0x400,/* request arrivals (sim.c mixes the guest number in) */
	VL_RNG_REQUEST = 0x500,/* what a request does (capacity plans) */
	VL_RNG_SWAP = 0x600,   /* pages found in host swap (capacity plans) */
};

/* splitmix64 finaliser of (seed, replication, stream). */
uint64_t vl_rng_mix(uint64_t seed, unsigned replication, unsigned stream);

/* A new mt19937 generator for the stream; NULL if out of memory. Caller frees
 * with gsl_rng_free. */
gsl_rng *vl_rng_new(uint64_t seed, unsigned replication, unsigned stream);

#endif
