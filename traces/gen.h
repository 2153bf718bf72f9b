/*
 * Synthetic workload generators: deterministic event streams drawn from GSL
 * distributions and a seed. Each kind documents where its event mix comes
 * from (docs/trace-format.md, "Generators").
 */
#ifndef VL_GEN_H
#define VL_GEN_H

#include <stdint.h>

#include "sim/sim.h"
#include "traces/trace.h"

struct vl_genkind {
	const char *name;
	const char *summary;
	const char *source; /* where the event mix comes from */
};

extern const struct vl_genkind vl_gen_kinds[];
extern const size_t vl_ngen_kinds;

struct vl_gen;

/* A generator of kind producing exactly `events` events from seed. */
int vl_gen_new(struct vl_gen **g, const char *kind, uint64_t events, uint64_t seed,
               struct vl_err *err);
/* The same, stopping after `iterations` whole iterations of the workload. */
int vl_gen_new_iters(struct vl_gen **g, const char *kind, uint64_t iterations, uint64_t seed,
                     struct vl_err *err);
long vl_gen_read(struct vl_gen *g, struct vl_event *buf, size_t max, struct vl_err *err);
/* Metadata describing the generated trace (name, source, generator, seed). */
void vl_gen_meta(const struct vl_gen *g, struct vl_meta *m);
void vl_gen_free(struct vl_gen *g);

/* The generator as a simulator event source (borrowed). */
struct vl_source vl_gen_source(struct vl_gen *g);

#endif
