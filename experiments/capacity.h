/*
 * Capacity planning: many guests on one host. A plan file describes a host
 * (physical CPUs, clock, memory, disk and network) and a guest mix (for each
 * kind: a workload, vCPUs, memory, weight, cap, arrival rate, how many per
 * unit of the swept count), the techniques to compare and the targets.
 *
 * Each (workload, technique) pair is first profiled: requests of the
 * workload are replayed through the technique's model (and through native,
 * for the slowdown) and recorded as steps: the cycles the model charged up
 * to each I/O, then that I/O. A host simulation is one run of the
 * discrete-event core (sim/sim.h) with a guest per planned guest, each with
 * its own instance of the technique's model, serving recorded requests
 * (Poisson arrivals or a closed loop) on the core's pCPUs under its credit
 * scheduler (weights, caps, overcommit), with a switch between vCPUs
 * charged through the incoming guest's model, the core's shared disk and
 * network, and memory fitted or swapped.
 * docs/capacity.md tells the whole story.
 */
#ifndef VL_CAPACITY_H
#define VL_CAPACITY_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/recorder.h"

#define VL_CAP_MAX_KINDS 8
#define VL_CAP_MAX_TECH 8
#define VL_CAP_MAX_COUNTS 64
#define VL_CAP_NAME 64       /* names: sim/text.h's VL_NAME_MAX and character set */
#define VL_CAP_MAX_COUNT 100000  /* a swept count, in units of the mix */
#define VL_CAP_MAX_GUESTS 100000 /* guests in one host simulation (count x guests per unit) */
#define VL_CAP_MAX_CHECKS 16

struct vl_cap_kind {
	char name[VL_CAP_NAME];
	char workload[256];   /* gen:KIND:Ni (one request = N iterations), trace:PATH (one
	                         request = the trace) or exp:MEAN_MS */
	unsigned vcpus;
	double memory_mb;     /* what the guest is given (a VM) or uses (a container) */
	double weight;        /* credit-scheduler weight (Xen's default 256) */
	double cap;           /* percent of one physical CPU per guest; 0 = none */
	double rate;          /* requests per second per guest (Poisson); 0 = closed loop */
	unsigned share;       /* guests of this kind per unit of the swept count */
	double start_s;       /* first guest starts; the others follow every stagger_s */
	double stagger_s;
	double lifetime_s;    /* 0 = to the end */
	int line;
};

struct vl_cap_tech {
	char name[VL_CAP_NAME];
	char model[VL_CAP_NAME];
	char profile[VL_CAP_NAME]; /* "" = the model's default */
	char ovname[16][VL_CAP_NAME];
	double ovvalue[16];
	size_t nov;
	/* What the plan says of the technique's memory; -1: what its model states
	 * (struct vl_memory, through vl_model_memory) */
	double monitor_mb;    /* per-guest memory of the technique (monitor, domain, container) */
	double pt_fraction;   /* page tables of the technique per guest memory (shadow, EPT, P2M) */
	double shared_kernel; /* 1: guests share the host kernel (containers): no guest kernel */
	int line;
};

/*
 * An observation the plan expects of its answer ("[check NAME]"): expect =
 * "A OP B", A and B a technique's fit (guests that fit) or a number, OP one
 * of < > ~ (within tolerance of B); or "TECH binds WHAT", the technique's
 * binding constraint (cpu, memory, disk, network, per-guest).
 */
struct vl_cap_check {
	char name[VL_CAP_NAME];
	char says[256];  /* the observation, in words */
	char expect[256];
	double tolerance; /* for ~, relative to B; default 0.05 */
	int line;
};

struct vl_cap_plan {
	char name[VL_CAP_NAME];
	char title[256];
	char file[512];
	char output[512];
	char *text;           /* the file's text less its [check] sections, stored with the
	                         results: checks can change without invalidating runs */
	uint64_t seed;
	unsigned replications;
	double duration_s, warmup_s;
	unsigned counts[VL_CAP_MAX_COUNTS];
	size_t ncounts;
	int count_line;       /* of the count key, for messages */
	/* host */
	unsigned pcpus;
	double clock_hz, memory_mb, disk_mbs, disk_latency_us, net_mbs, net_latency_us;
	double disk_channels, disk_seek; /* < 0: the host profile's */
	char host_profile[VL_CAP_NAME];
	double page_sharing;  /* fraction of a guest's memory shared with identical guests */
	int swap;             /* 0: refuse guests that do not fit; 1: admit and swap */
	double guest_kernel_mb; /* a VM's own kernel, which containers do not have */
	double tslice_ms, period_ms;
	/* targets */
	double max_slowdown, max_p99_ms;
	struct vl_cap_kind kinds[VL_CAP_MAX_KINDS];
	size_t nkinds;
	struct vl_cap_tech techs[VL_CAP_MAX_TECH];
	size_t ntechs;
	struct vl_cap_check checks[VL_CAP_MAX_CHECKS];
	size_t nchecks;
};

int vl_cap_parse_file(struct vl_cap_plan **p, const char *path, struct vl_err *err);
int vl_cap_parse(struct vl_cap_plan **p, const char *text, const char *name, struct vl_err *err);
void vl_cap_free(struct vl_cap_plan *p);

/* What one host simulation measured, per kind and for the host. */
struct vl_cap_kindres {
	unsigned guests, admitted;
	double throughput;             /* completed requests per second, all guests of the kind */
	double mean_ms, p50_ms, p95_ms, p99_ms;
	double wait_ms;                /* mean wait before a vCPU took the request */
	double slowdown;               /* mean latency / the native latency of an idle host */
	double work_s, overhead_s, steal_s; /* CPU time: guest work, virtualization, runnable-waiting */
	double memory_mb;              /* footprint, all guests of the kind */
	uint64_t completed;
	uint64_t cpu_cycles;           /* CPU cycles its guests used in the window, exactly */
};

struct vl_cap_result {
	struct vl_cap_kindres kind[VL_CAP_MAX_KINDS];
	unsigned guests, admitted;
	int stable;
	double offered;                /* offered CPU load / capacity */
	double cpu_util, disk_util, net_util, idle_s;
	double memory_mb, memory_host_mb;
	double slowdown, p99_ms;       /* the worst kind's */
	double sim_s;
	uint64_t events;               /* the core's timed events and vCPU batches */
};

struct vl_cap_ctx; /* the recorded requests of a plan's workloads, for all techniques */

int vl_cap_ctx_new(struct vl_cap_ctx **c, const struct vl_cap_plan *p, struct vl_err *err);
void vl_cap_ctx_free(struct vl_cap_ctx *c);

/* One host simulation on the core (sim/): technique t, `count` units of the mix, a replication. */
int vl_cap_simulate(struct vl_cap_ctx *c, size_t tech, unsigned count, unsigned replication,
                    struct vl_cap_result *r, struct vl_err *err);

/* Options of a plan's sweep. */
struct vl_cap_opts {
	unsigned jobs;
	unsigned shard, nshards;   /* run only the runs with index % nshards == shard */
	int quiet;
	volatile int *stop;
	/*
	 * Called in the calling process as each run finishes (workers' runs
	 * included): done of total, and a line that says what the run found.
	 * NULL: that line goes to standard error unless quiet.
	 */
	void (*progress)(void *ctx, size_t done, size_t total, const char *line);
	void *progress_ctx;
};

/* Runs the sweep, skipping runs already in db (resume), recording each. */
int vl_cap_run(const struct vl_cap_plan *p, const char *db_path, const struct vl_cap_opts *o,
               struct vl_err *err);

/* Creates the plan tables in db if missing; 0 or a code. */
int vl_cap_db_init(struct vl_db *db, struct vl_err *err);

/* Deletes the plan's runs from db (bound parameters: the name is data); 0 or a code. */
int vl_cap_forget(const struct vl_cap_plan *p, struct vl_db *db, struct vl_err *err);

/* The answer: per technique, the largest count meeting the targets. */
struct vl_cap_answer {
	char tech[VL_CAP_NAME];
	unsigned fit;          /* largest count meeting every target; 0 = none */
	char binding[32];      /* cpu, memory, disk, network, latency, slowdown, or "" */
	double slowdown, slowdown_ci, p99_ms, p99_ci; /* at that count: mean and 95% half-width */
	unsigned n;            /* replications */
};

/* Reads the runs of plan p from db; summarizes, answers, writes the report. */
int vl_cap_answer(const struct vl_cap_plan *p, struct vl_db *db, struct vl_cap_answer *a,
                  size_t *na, struct vl_err *err);
int vl_cap_report(const struct vl_cap_plan *p, struct vl_db *db, const struct vl_cap_answer *a,
                  size_t na, struct vl_err *err);

/* One check against the answer; why is set when it could not be evaluated. */
struct vl_cap_check_result {
	const struct vl_cap_check *check; /* borrowed from the plan */
	int passed;
	char shown[256]; /* the operands as evaluated, e.g. "vtx-shadow 6 > bt 0" */
};

/* Whether c is well formed for p: 0, or VL_EINVAL naming the file and line. */
int vl_cap_check_parse(const struct vl_cap_plan *p, const struct vl_cap_check *c,
                       struct vl_err *err);

/* Evaluates every check of p against the answer a (na techniques); out has p->nchecks. */
void vl_cap_check_run(const struct vl_cap_plan *p, const struct vl_cap_answer *a, size_t na,
                      struct vl_cap_check_result *out);

/* Erlang C: probability that an arrival waits, and the mean wait (seconds). */
double vl_erlang_c(unsigned c, double lambda, double mu);
double vl_erlang_c_wait(unsigned c, double lambda, double mu);

#endif
