/*
 * The results database (SQLite, WAL mode). Every run is written in one
 * transaction, so a failed or interrupted run leaves no partial rows.
 * docs/results-schema.md describes the tables.
 */
#ifndef VL_RECORDER_H
#define VL_RECORDER_H

#include <stdint.h>
#include <time.h>

#include <sqlite3.h>

#include "sim/err.h"
#include "sim/registry.h"
#include "sim/sim.h"

#define VL_SCHEMA_VERSION 2

struct vl_db;

/*
 * Opens (creating if needed) the database at path. A file that is not a
 * virtlab results database (VL_EINVAL) or has another schema version
 * (VL_EVERSION) is refused before anything is written to it.
 */
int vl_db_open(struct vl_db **db, const char *path, struct vl_err *err);
/* Opens an existing results database read-only (listings, reports): it never writes. */
int vl_db_open_ro(struct vl_db **db, const char *path, struct vl_err *err);
void vl_db_close(struct vl_db *db);

/* The underlying handle, for readers (reports, listings). Borrowed. */
sqlite3 *vl_db_handle(struct vl_db *db);

/* A named number of a run (metric) with its unit. */
struct vl_metric {
	const char *name;
	double value;
	const char *unit;
};

/* What identifies a run and how it ended. Strings are borrowed. */
struct vl_run_info {
	int64_t experiment_id; /* 0: not part of an experiment */
	const char *label;     /* the experiment's name for the run, or NULL */
	const char *trace;
	uint64_t trace_hash;
	uint64_t seed;
	unsigned replication;
	const char *status;    /* "ok" or "failed" */
	const char *error;     /* the message when failed */
	time_t started;
	double wall_s;
};

/* What the run produced; any pointer may be NULL for a failed run. */
struct vl_run_data {
	const struct vl_config *cfg;
	const struct vl_sim_stats *stats;
	const struct vl_breakdown *bd;
	const struct vl_sample *series;
	size_t nseries;
	const struct vl_metric *metrics; /* extra metrics (baseline, model counters) */
	size_t nmetrics;
};

/* Records one run in one transaction; sets *run_id. */
int vl_db_record_run(struct vl_db *db, const struct vl_run_info *info,
                     const struct vl_run_data *data, int64_t *run_id, struct vl_err *err);

/* Finds or creates an experiment by name (keeping its file and text); sets *id. */
int vl_db_experiment(struct vl_db *db, const char *name, const char *file, const char *config,
                     int64_t *id, struct vl_err *err);

#endif
