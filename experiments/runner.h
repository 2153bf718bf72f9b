/*
 * One run, end to end: resolve the configuration, open the trace (a file or
 * a generator), replay it through the model, replay it through native for
 * the slowdown, and record everything in one transaction.
 */
#ifndef VL_RUNNER_H
#define VL_RUNNER_H

#include <stdint.h>

#include "sim/recorder.h"
#include "sim/registry.h"
#include "sim/sim.h"

#define VL_RUN_MAX_COUNTERS 64

struct vl_run_spec {
	const char *trace;     /* a trace file, or gen:KIND[:EVENTS] */
	const struct vl_model *model;
	const char *profile;   /* NULL: the model's default */
	const char *host;      /* NULL: the profile's host */
	const struct vl_override *ov;
	size_t nov;
	uint64_t seed;
	unsigned replication;
	int baseline;          /* also replay through native, for the slowdown */
	int steady;            /* the steady state of the operations: see vl_run */
	struct vl_sim_config sim;
	const char *label;
	int64_t experiment_id;
};

struct vl_run_result {
	struct vl_config cfg;
	struct vl_sim_stats stats;
	struct vl_breakdown bd;
	uint64_t native_cycles; /* 0 without a baseline */
	double slowdown;        /* sim cycles / native cycles; 0 without a baseline */
	char trace_name[256];
	uint64_t trace_hash;
	double wall_s;          /* the whole run, recording included */
	double record_s;        /* of which writing the results database */
	int64_t run_id;         /* 0 when not recorded */
	struct vl_metric counters[VL_RUN_MAX_COUNTERS];
	char counter_names[VL_RUN_MAX_COUNTERS][64];
	size_t ncounters;
};

/* The default number of events of a gen: trace without a count. */
#define VL_GEN_DEFAULT_EVENTS 1000000

/*
 * Runs spec; records it in db when db is non-NULL. On failure nothing is
 * recorded. Release res with vl_run_result_release (also after failure).
 *
 * With spec->steady, the figures are those of one warm pass over the
 * trace's operations (the events between its phases 1 and 2; the whole
 * trace when it has none): the trace is replayed with its operations once
 * and twice in a row, between what comes before and after them, and the
 * first replay's cycles, events and breakdown are subtracted from the
 * second's. Caches a model keeps (translations, shadow page tables, TLBs)
 * are then warm, as they are after the first of many operations, whatever
 * the number captured. The counters the model reports are the second
 * replay's.
 */
int vl_run(const struct vl_run_spec *spec, struct vl_db *db, struct vl_run_result *res,
           struct vl_err *err);
void vl_run_result_release(struct vl_run_result *res);

/* Opens spec->trace as an event source; *close_ctx gets what to free. */
int vl_source_open(const char *trace, uint64_t seed, struct vl_source *src, void **handle,
                   char *name, size_t namelen, struct vl_err *err);
/* Frees what vl_source_open made; *hash (if non-NULL) gets the trace identity. */
void vl_source_close(const char *trace, void *handle, uint64_t *hash);

#endif
