/*
 * Experiments: a declarative INI file of workloads x systems x parameter
 * sweeps x replications, with published reference values and the plots to
 * draw (docs/experiments.md). This module parses a file into a struct,
 * expands it into runs, runs them in parallel worker processes with resume,
 * and summarizes replications (mean, standard deviation, 95% confidence
 * interval through GSL) into the results database.
 */
#ifndef VL_EXPERIMENT_H
#define VL_EXPERIMENT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/param.h"
#include "sim/recorder.h"

#include "sim/text.h"

/* Limits of an experiment file (docs/experiments.md); beyond them, file:line: errors. */
#define VL_EXP_MAX 64            /* workloads, systems, sweeps, references, plots */
#define VL_EXP_MAX_OV 32         /* param.NAME overrides per system */
#define VL_EXP_MAX_VALUES 64     /* values per sweep */
#define VL_EXP_MAX_SYS_SWEEPS 8  /* sweeps that apply to one system */
#define VL_EXP_MAX_RUNS 100000   /* runs an experiment expands to */
#define VL_NAME (VL_NAME_MAX + 1)
#define VL_EXP_POINT 512         /* "param=value,..." of a run, with its NUL */
#define VL_EXP_LABEL (2 * VL_NAME + VL_EXP_POINT + 16) /* workload|system|point|rep */

struct vl_exp_workload {
	char name[VL_NAME];
	char trace[512];     /* a trace file, or gen:KIND[:EVENTS] */
	double per;          /* operations in the trace, for per-operation metrics */
	int steady;          /* measure one warm pass over its operations (vl_run_spec) */
	int line;
};

struct vl_exp_system {
	char name[VL_NAME];
	char model[VL_NAME];
	char profile[VL_NAME];  /* "" = the model's default */
	char host[VL_NAME];     /* "" = the profile's host */
	char plugin[512];       /* a model plugin to load first (docs/plugins.md), or "" */
	char ovname[VL_EXP_MAX_OV][VL_NAME];
	double ovvalue[VL_EXP_MAX_OV];
	size_t nov;
	int line;
};

struct vl_exp_sweep {
	char name[VL_NAME];
	char system[VL_NAME];   /* "" = every system */
	char param[VL_NAME];    /* a parameter, or "host" for host profiles */
	char values[VL_EXP_MAX_VALUES][VL_NAME];
	size_t nvalues;
	int line;
};

struct vl_exp_ref {
	char name[VL_NAME];
	char workload[VL_NAME];
	char system[VL_NAME];
	char point[VL_EXP_POINT]; /* "" = the run without sweeps, or "param=value" */
	char metric[VL_NAME];
	double value;
	char unit[VL_NAME];
	char source[256];
	int line;
	int fitted;               /* 1: a parameter was derived from this value, so the
	                             model reproduces it by construction; 0: predicted */
	int has_bound;
	double bound;             /* the largest |error| allowed (a fraction): `bound = N%` */
};

struct vl_exp_plot {
	char name[VL_NAME];
	char type[16];          /* bars, breakdown, sweep */
	char metric[VL_NAME];
	char title[256];
	char sweep[VL_NAME];    /* for type = sweep */
	char workloads[512];    /* space-separated filter, "" = all */
	int log;                /* logarithmic y axis */
	int line;
};

/*
 * An observation the experiment's results should bear out (a lab's
 * self-check): expect = "A OP B", A and B each W/S (workload/system, at the
 * system's own sweep point), W/S@PARAM=VALUE, or a number; OP is <, > or ~
 * (within tolerance of B).
 */
struct vl_exp_check {
	char name[VL_NAME];
	char says[256];         /* the observation, in words */
	char metric[VL_NAME];   /* default slowdown */
	char expect[256];
	double tolerance;       /* for ~, relative to B; default 0.05 */
	int line;
};

struct vl_experiment {
	char name[VL_NAME];
	char title[256];
	char file[512];
	char output[512];       /* report directory */
	uint64_t seed;
	unsigned replications;
	struct vl_exp_workload w[VL_EXP_MAX];
	struct vl_exp_system s[VL_EXP_MAX];
	struct vl_exp_sweep sw[VL_EXP_MAX];
	struct vl_exp_ref ref[VL_EXP_MAX];
	struct vl_exp_plot plot[VL_EXP_MAX];
	size_t nw, ns, nsw, nref, nplot;
	char *text;             /* the file as read (owned), stored with the results */
	struct vl_exp_check check[VL_EXP_MAX];
	size_t ncheck;
};

/*
 * Applies command-line overrides ("-P K=V") to every system whose model
 * (or host) has parameter K, after (so over) the file's value; systems of a
 * plugin model not loaded here are left alone, and e->text gains the
 * same settings, so that the stored experiment says what ran. Fails
 * (VL_EINVAL) for a K that no system knows, and when a system would hold
 * too many overrides.
 */
int vl_exp_override(struct vl_experiment *e, const struct vl_override *ov, size_t n,
                    struct vl_err *err);

/*
 * The sweep point at which system s runs with its own settings (its host,
 * its profile's and overrides' parameter values): "" when no sweep applies
 * to it, else "param=value,..." as its runs are labelled. Returns 0, or -1
 * with why set when a sweep leaves out the system's own value (or its
 * model is a plugin not loaded here).
 */
int vl_exp_fixed_point(const struct vl_experiment *e, size_t s, char *point, size_t len,
                       char *why, size_t wlen);

/*
 * Whether a and b expand to the same runs (workloads, systems, sweeps,
 * replications and seed; plots and references may differ): 1, or 0 with
 * the first difference in why.
 */
int vl_exp_same_runs(const struct vl_experiment *a, const struct vl_experiment *b, char *why,
                     size_t wlen);

/* One side of a check's expectation. */
struct vl_exp_operand {
	int number;             /* a number, else a (workload, system, point) */
	double value;           /* the number, or the summary's mean once evaluated */
	size_t w, s;
	char point[128];        /* "" with has_point 0: the system's own point */
	int has_point;
};

/* Parses c->expect against e: 0, or VL_EINVAL naming the line. */
int vl_exp_check_parse(const struct vl_experiment *e, const struct vl_exp_check *c,
                       struct vl_exp_operand *left, char *op, struct vl_exp_operand *right,
                       struct vl_err *err);

/* The outcome of one check. */
struct vl_exp_check_result {
	const struct vl_exp_check *check; /* borrowed from the experiment */
	struct vl_exp_operand left, right;
	char op;
	int passed;                       /* 0 as well when a value is missing */
	char why[256];                    /* when a value is missing: which */
};

/*
 * Evaluates every check of e against experiment e->name's summary in db;
 * out has room for e->ncheck results. 0, or a VL_E* code (err set).
 */
int vl_exp_check_run(const struct vl_experiment *e, struct vl_db *db,
                     struct vl_exp_check_result *out, struct vl_err *err);

/* A reference with a bound, against the results. */
struct vl_exp_bound_result {
	const struct vl_exp_ref *ref;     /* borrowed from the experiment */
	double simulated, error;          /* error: (simulated - published) / published */
	int passed;                       /* 0 as well when the result is missing */
	char why[256];                    /* when it is missing: which */
};

/*
 * Evaluates every reference of e that has a bound against experiment
 * e->name's summary in db; out has room for e->nref results, *n is set to
 * those written. 0, or a VL_E* code (err set).
 */
int vl_exp_bound_run(const struct vl_experiment *e, struct vl_db *db,
                     struct vl_exp_bound_result *out, size_t *n, struct vl_err *err);

/* Metrics that experiments summarize; cycles_per_op is sim_cycles / per. */
extern const char *const vl_exp_metrics[];

/* Parses text (name is for messages); errors say "name:line: key: ...". */
int vl_exp_parse(struct vl_experiment **e, const char *text, const char *name,
                 struct vl_err *err);
/* Reads and parses a file. */
int vl_exp_load(struct vl_experiment **e, const char *path, struct vl_err *err);
void vl_exp_free(struct vl_experiment *e);

/* One run of an experiment. */
struct vl_exp_run {
	size_t w, s;
	unsigned rep;
	char point[VL_EXP_POINT];        /* "param=value,..." or "" */
	char label[VL_EXP_LABEL];        /* workload|system|point|rep: names hold no '|' */
	char host[VL_NAME];              /* "" or a swept host profile */
	struct vl_override ov[VL_EXP_MAX_OV + VL_EXP_MAX_SYS_SWEEPS];
	size_t nov;
};

/* Expands e into runs (caller frees *runs). Checks every name it meets. */
int vl_exp_expand(const struct vl_experiment *e, struct vl_exp_run **runs, size_t *n,
                  struct vl_err *err);

struct vl_exp_opts {
	unsigned jobs;                       /* worker processes (default 1) */
	int resume;                          /* keep finished runs, redo the rest */
	unsigned shard, nshards;             /* only runs with index % nshards == shard */
	volatile sig_atomic_t *stop;
	void (*progress)(void *ctx, size_t done, size_t total, size_t skipped);
	void *progress_ctx;
};

/*
 * Runs every run of e into the database at db_path (which it creates),
 * then summarizes. Without resume the experiment's earlier runs are
 * deleted first. Returns 0, VL_EINTR when stopped, or another code.
 */
int vl_exp_run(const struct vl_experiment *e, const char *db_path,
               const struct vl_exp_opts *o, struct vl_err *err);

/* Recomputes the summary table of experiment e from its runs. */
int vl_exp_summarize(const struct vl_experiment *e, struct vl_db *db, struct vl_err *err);

/* Mean, standard deviation and 95% confidence interval (Student t) of x[0..n). */
void vl_stats(const double *x, size_t n, double *mean, double *sd, double *lo, double *hi);

#endif
