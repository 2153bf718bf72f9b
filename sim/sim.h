/*
 * The discrete-event core. Guests (one model instance each) have vCPUs that
 * replay event sources in batches; physical CPUs time-slice the vCPUs round
 * robin; disks and network links are FIFO servers whose completions come back
 * as interrupts through the guest's model. Time is integer host cycles; the
 * event queue is touched only at yield points (blocking I/O, end of quantum,
 * timed events), so a run is fast and reproducible from its inputs and seed.
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

/* Runs until every vCPU has replayed its source. */
int vl_sim_run(struct vl_sim *s, struct vl_err *err);

const struct vl_sim_stats *vl_sim_stats(const struct vl_sim *s);
const struct vl_breakdown *vl_sim_breakdown(const struct vl_sim *s, unsigned guest);
const struct vl_sample *vl_sim_series(const struct vl_sim *s, unsigned guest, size_t *n);

/* Calls the guest model's report(), if it has one. */
void vl_sim_report(const struct vl_sim *s, unsigned guest, vl_emit_fn emit, void *ctx);

#endif
