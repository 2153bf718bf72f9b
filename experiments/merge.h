/*
 * virtlab merge: the result databases of shards into one (docs/capacity.md,
 * "Scaling out").
 */
#ifndef VL_MERGE_H
#define VL_MERGE_H

#include <stddef.h>

#include "sim/err.h"

struct vl_merge_stats {
	size_t inputs, runs, duplicates, gaps;
};

/*
 * Merges the experiment and plan runs of in[0..nin) into out (created if
 * needed), each input in one transaction. A run already in out is a
 * duplicate: kept once, counted, the first five reported on stderr. After
 * merging, every experiment and plan in out is expanded from its stored file
 * and missing runs are counted (the first ten reported); experiments'
 * summaries are recomputed.
 */
int vl_merge(const char *out, const char *const *in, size_t nin, struct vl_merge_stats *ms,
             struct vl_err *err);

#endif
