/*
 * The discrete-event core. Guests (one model instance each) have vCPUs that
 * replay event sources in batches, or serve requests (Poisson arrivals or a
 * closed loop), halting when they have none; physical CPUs time-slice the
 * vCPUs under a pluggable scheduler (round robin, Xen's credit scheduler,
 * a CFS-like fair scheduler) with optional caps; disks and network links are
 * FIFO servers whose completions come back as interrupts through the guest's
 * model. Time is integer host cycles; the event queue is touched only at
 * yield points (blocking I/O, end of quantum, timed events), so a run is fast
 * and reproducible from its inputs and seed.
 */
#ifndef VL_SIM_H
#define VL_SIM_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/event.h"
#include "sim/mech.h"
#include "sim/model.h"
#include "sim/queue.h"

/* Where a vCPU's events come from (a trace reader, a generator, a test). */
struct vl_source {
	/*
	 * Fills buf with up to max events; returns how many, 0 at the end, or a
	 * negative VL_E* code with err set (naming the file and position).
	 */
	long (*read)(void *ctx, struct vl_event *buf, size_t max, struct vl_err *err);
	void *ctx;
};

struct vl_cell {
	uint64_t count;  /* events that charged this mechanism */
	uint64_t cycles; /* cycles charged */
};

/* Row of the breakdown matrix for charges made by a model's finish(). */
#define VL_ROW_FINISH VL_EV__COUNT
#define VL_ROWS (VL_EV__COUNT + 1)

struct vl_breakdown {
	uint64_t events[VL_ROWS];                /* events of each kind */
	struct vl_cell cell[VL_ROWS][VL_MECH__COUNT];
	uint64_t insns;                          /* guest instructions replayed */
	uint64_t holes;                          /* sensitive instructions that did not trap */
	uint64_t cycles;                         /* all cycles charged */
};

/* One point of a guest's time series: cumulative values at t_cycles. */
struct vl_sample {
	uint64_t t_cycles;
	uint64_t events;
	uint64_t insns;
	uint64_t mech_cycles[VL_MECH__COUNT];
};

/* Host schedulers (docs/capacity.md, "Schedulers"). */
enum vl_sched {
	VL_SCHED_RR,     /* one FIFO run queue, a quantum each (the default) */
	VL_SCHED_CREDIT, /* Xen's credit scheduler: credits by weight per period, UNDER before OVER */
	VL_SCHED_FAIR,   /* CFS-like: the runnable vCPU with the least weighted run time */
	VL_SCHED__COUNT
};

/* Name of a scheduler ("rr", "credit", "fair"), and back (-1 if none). */
const char *vl_sched_name(enum vl_sched k);
int vl_sched_lookup(const char *name);

struct vl_sim_config {
	unsigned npcpus;                 /* physical CPUs (default 1) */
	uint64_t quantum_cycles;         /* scheduling quantum (default 5 ms of host time) */
	uint64_t seed;                   /* run seed */
	unsigned replication;            /* replication number, mixed into every stream */
	uint64_t series_interval_cycles; /* first sampling interval (default 1 ms) */
	unsigned series_max;             /* samples kept per guest before halving (default 1024) */
	size_t batch_events;             /* events read per refill (default 4096) */
	const struct vl_queue_ops *queue;/* event queue (default: vl_queue_impls[0]) */
	volatile sig_atomic_t *stop;     /* when set to non-zero, the run stops with VL_EINTR */
	void (*progress)(void *ctx, uint64_t events); /* called about every 2^20 events */
	void *progress_ctx;
	/* Appended for capacity planning; zero keeps the behaviour above. */
	enum vl_sched sched;             /* host scheduler (default round robin) */
	uint64_t period_cycles;          /* accounting period of credits and caps (default 30 ms) */
	uint64_t end_cycles;             /* stop at this time; 0 = when every source ends */
	uint64_t mark_cycles;            /* start of the measured window of vl_guest_stats */
};

struct vl_sim_stats {
	uint64_t end_cycles;      /* time the last vCPU finished */
	uint64_t events;          /* trace events replayed */
	uint64_t busy_cycles;     /* summed over physical CPUs */
	uint64_t idle_cycles;
	uint64_t switches;        /* vCPU switches on physical CPUs */
	uint64_t batches;         /* times a vCPU was run: event-queue touches */
	uint64_t io_requests[2];  /* [0] disk, [1] network */
	uint64_t io_bytes[2];
	uint64_t io_wait_cycles;  /* vCPU time blocked on synchronous I/O */
	uint64_t irqs;            /* completion interrupts delivered */
	uint64_t q_scheduled, q_executed, q_cancelled;
	uint64_t io_busy_cycles[2];  /* device service time: [0] disk, [1] network */
	uint64_t ticks;              /* accounting periods begun */
};

/*
 * One step of a recorded request: CPU cycles the guest's model charged for
 * the request's events, charged to mechanism mech, then what the vCPU does
 * next, as a replayed trace would: io of type VL_EV_DISK or VL_EV_NET is
 * submitted (a synchronous one blocks the vCPU until it completes; one
 * flagged VL_EVF_SYNTH is the host's, a page brought back from host swap:
 * the guest does not see it, so no interrupt is delivered); VL_EV_HLT halts
 * the vCPU while asynchronous I/O is outstanding; any other type: nothing.
 */
struct vl_step {
	uint64_t cycles;
	struct vl_event io;
	uint32_t mech;               /* enum vl_mech (0: direct) */
};

/* What a vCPU is to do for one request: replay src, or run steps. */
struct vl_request {
	struct vl_source src;        /* used when nsteps == 0; borrowed until the next open */
	const struct vl_step *steps; /* borrowed until the next open on the same vCPU */
	size_t nsteps;
};

/*
 * A guest's workload as requests. Open loop: arrivals are Poisson with
 * mean_gap_cycles between them (drawn from the run's seeded streams), queue
 * in the guest, and are served first come first served by its vCPUs; a vCPU
 * without a request halts (a HLT through the model) and wakes at the next
 * arrival (an interrupt through the model). Closed loop (mean_gap_cycles 0):
 * every vCPU takes a new request as soon as it finishes one. Requests arrive
 * from start_cycles until stop_cycles (0: the end of the run).
 */
struct vl_requests {
	uint64_t mean_gap_cycles;
	uint64_t start_cycles, stop_cycles;
	/* Fills r for the guest's request number req on its vCPU vcpu; 0 or a VL_E* code. */
	int (*open)(void *ctx, unsigned vcpu, uint64_t req, struct vl_request *r, struct vl_err *err);
	/* A request is done: when it arrived, when a vCPU took it, when it ended (cycles). */
	void (*done)(void *ctx, uint64_t req, uint64_t arrive, uint64_t start, uint64_t end);
	void *ctx;
};

/* How a guest is scheduled and what it runs, beyond vl_sim_add_guest's defaults. */
struct vl_guest_config {
	unsigned weight;               /* scheduler weight (0: 256, Xen's default) */
	unsigned cap_pct;              /* at most this % of one pCPU per period; 0 = no cap */
	const struct vl_requests *rq;  /* NULL: the vCPUs replay src to its end */
};

/* Per-guest measures of a run; cycles from cfg.mark_cycles on unless said. */
struct vl_guest_stats {
	uint64_t requests;             /* requests completed (whole run) */
	uint64_t arrivals;             /* requests arrived, or taken in a closed loop (whole run) */
	uint64_t cpu_cycles;           /* cycles the guest used on pCPUs */
	uint64_t steal_cycles;         /* runnable but waiting for a pCPU */
	uint64_t mech_cycles[VL_MECH__COUNT]; /* by mechanism */
};

struct vl_sim;

/* Creates a simulator on host; cfg fields left zero take defaults. */
int vl_sim_new(struct vl_sim **s, const struct vl_sim_config *cfg,
               const struct vl_host *host, struct vl_err *err);
void vl_sim_free(struct vl_sim *s);

/*
 * Adds a guest: one instance of model initialised with p, and one vCPU per
 * source. The sources are borrowed and must outlive the run. Returns the
 * guest's index or a negative VL_E* code.
 */
int vl_sim_add_guest(struct vl_sim *s, const char *name, const struct vl_model *model,
                     const struct vl_params *p, const struct vl_source *src,
                     unsigned nvcpus, struct vl_err *err);

/*
 * Adds a guest as vl_sim_add_guest does, configured by gc (NULL: defaults).
 * With gc->rq, src may be NULL: the vCPUs serve requests.
 */
int vl_sim_add_guest_cfg(struct vl_sim *s, const char *name, const struct vl_model *model,
                         const struct vl_params *p, const struct vl_source *src,
                         unsigned nvcpus, const struct vl_guest_config *gc,
                         struct vl_err *err);

/* Runs until every vCPU has replayed its source, or until cfg.end_cycles. */
int vl_sim_run(struct vl_sim *s, struct vl_err *err);

const struct vl_sim_stats *vl_sim_stats(const struct vl_sim *s);
const struct vl_breakdown *vl_sim_breakdown(const struct vl_sim *s, unsigned guest);
const struct vl_sample *vl_sim_series(const struct vl_sim *s, unsigned guest, size_t *n);

const struct vl_guest_stats *vl_sim_guest_stats(const struct vl_sim *s, unsigned guest);

/* Calls the guest model's report(), if it has one. */
void vl_sim_report(const struct vl_sim *s, unsigned guest, vl_emit_fn emit, void *ctx);

#endif
