/*
 * The run loop. Physical CPUs keep their own "next run" times; the event
 * queue holds only timed events (I/O completions, request arrivals, the
 * schedulers' accounting periods). The loop takes whichever comes first — a
 * timed event wins a tie — and runs the chosen pCPU's vCPU in a tight loop
 * until the end of its quantum or the next timed event.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/rng.h"
#include "sim/sim.h"

enum vstate { V_RUNNABLE, V_RUNNING, V_BLOCKED, V_DONE };

enum qkind {
	QK_IODONE,  /* target vCPU; arg: 0 async, 1 sync, IO_HOST the host's own (no interrupt) */
	QK_TICK,    /* an accounting period begins */
	QK_ARRIVAL, /* target guest: a request arrives */
	QK_START,   /* target guest: its requests begin */
	QK_MARK,    /* the measured window begins */
};

#define IO_HOST 2

enum { DEV_DISK, DEV_NET, DEV__COUNT };

struct guest {
	char name[64];
	const struct vl_model *model;
	void *state;
	struct vl_breakdown bd;
	struct vl_sample *series;
	size_t nseries;
	uint64_t series_interval, next_sample;
	unsigned nvcpus_left;
	unsigned first_vcpu, nvcpus;
	/* scheduling */
	unsigned weight;
	uint64_t cap_cycles;    /* per period; 0 = no cap */
	uint64_t used_period;   /* cycles used in this period */
	int parked;             /* over its cap until the next period */
	/* requests */
	int has_rq;
	struct vl_requests rq;
	uint64_t *arr;          /* arrival times waiting for a vCPU: a ring */
	size_t arr_cap, arr_head, arr_len;
	size_t arr_claimed;     /* of them, promised to vCPUs woken for them */
	uint64_t rng;           /* splitmix64 state of the arrivals */
	uint64_t next_req;
	/* measures */
	struct vl_guest_stats gs;
	uint64_t step_mech[VL_MECH__COUNT];  /* cycles of recorded steps, by mechanism */
	uint64_t mark_cycles;                /* bd.cycles at the mark */
	uint64_t mark_mech[VL_MECH__COUNT];
};

struct vcpu {
	struct vl_source src;
	unsigned guest;
	struct vl_event *buf;
	size_t nbuf, pos;
	uint64_t t;            /* local clock, cycles */
	enum vstate st;
	unsigned outstanding;  /* asynchronous I/O in flight */
	unsigned pending_irqs; /* completions not yet delivered */
	int waiting_sync;      /* blocked on a synchronous request */
	int halted;            /* blocked in hlt until an interrupt */
	uint32_t runq_next;
	uint64_t ready_since;  /* when it last became runnable */
	int64_t credit;        /* credit scheduler: cycles it may still use at UNDER priority */
	uint64_t vruntime;     /* fair scheduler: run time scaled by 256 / weight */
	/* requests */
	int idle;              /* halted for want of a request */
	int claim;             /* woken for an arrival: it takes one before any other vCPU */
	int has_req;
	uint64_t req_no, req_arrive, req_start;
	const struct vl_step *steps;
	size_t nsteps, step;
	uint64_t step_left;
};

struct pcpu {
	int cur;           /* vCPU index, -1 when idle */
	int last;          /* vCPU that ran last, for switch costs */
	uint64_t t;        /* time this pCPU has reached */
	uint64_t quantum_end;
};

/*
 * A device. The disk: each request takes the first free of its channels
 * (one for a disk's head assembly; a flash drive's channels and dies serve
 * many at once) for its access time, random with seeks and fixed without,
 * then moves its bytes over the one link at the disk's rate. The network:
 * each request's bytes go out over the link in FIFO order, then cross the
 * wire in its fixed latency, as many at once as are in flight.
 */
struct device {
	gsl_rng *rng;
	double latency_cycles;  /* access time (its mean, with seeks), or wire latency */
	double cycles_per_byte;
	int seek;               /* the access time is random (exponential) */
	unsigned nchan;         /* disk channels; 0: the network, no access stage */
	uint64_t *chan_free;    /* when each channel is free again */
	uint64_t link_free;     /* when the link has moved the bytes queued for it */
};

/* A FIFO of vCPUs linked through vcpu.runq_next; UINT32_MAX = none. */
struct fifo {
	uint32_t head, tail;
};

/* A host scheduler: which runnable vCPU a free pCPU takes. */
struct sched_ops {
	const char *name;
	void (*enqueue)(struct vl_sim *s, uint32_t v); /* v became runnable */
	uint32_t (*pick)(struct vl_sim *s);            /* takes the next vCPU; NONE if none */
	int (*has_ready)(const struct vl_sim *s);
	void (*account)(struct vl_sim *s, struct vcpu *v, uint64_t cycles); /* v used cycles */
	void (*period)(struct vl_sim *s);              /* an accounting period begins (or NULL) */
};

struct vl_sim {
	struct vl_sim_config cfg;
	struct vl_host host;
	struct vl_queue q;
	struct guest *guests;
	unsigned nguests;
	struct vcpu *vcpus;
	unsigned nvcpus;
	struct pcpu *pcpus;
	struct device dev[DEV__COUNT];
	struct fifo rq[3];      /* run queues: [0] FIFO / UNDER, [1] OVER, [2] parked (over a cap) */
	uint32_t *fair;         /* fair scheduler: the runnable vCPUs, unordered */
	size_t nfair;
	uint64_t fair_min;      /* fair scheduler: vruntime below which no woken vCPU starts */
	const struct sched_ops *sched;
	int need_tick, has_rq;
	unsigned live;          /* vCPUs not done */
	struct vl_sim_stats st;
	uint64_t next_progress;
	int ran;
};

#define NONE UINT32_MAX

static const struct sched_ops *const scheds[VL_SCHED__COUNT];


int vl_sim_new(struct vl_sim **out, const struct vl_sim_config *cfg,
               const struct vl_host *host, struct vl_err *err)
{
	struct vl_sim *s = calloc(1, sizeof(*s));
	double hz = host->v[VL_H_CLOCK_HZ];

	if (!s)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	s->cfg = *cfg;
	s->host = *host;
	if (!s->cfg.npcpus)
		s->cfg.npcpus = 1;
	if (!s->cfg.quantum_cycles)
		s->cfg.quantum_cycles = (uint64_t)(hz * 5e-3); /* Xen's default 5 ms slice */
	if (!s->cfg.series_interval_cycles)
		s->cfg.series_interval_cycles = (uint64_t)(hz * 1e-3);
	if (!s->cfg.series_max)
		s->cfg.series_max = 1024;
	if (s->cfg.series_max < 2)
		s->cfg.series_max = 2;
	if (!s->cfg.batch_events)
		s->cfg.batch_events = 4096;
	if (!s->cfg.queue)
		s->cfg.queue = vl_queue_impls[0];
	if (!s->cfg.period_cycles)
		s->cfg.period_cycles = (uint64_t)(hz * 30e-3); /* Xen's credit accounting period */
	if ((unsigned)s->cfg.sched >= VL_SCHED__COUNT) {
		free(s);
		return vl_err_set(err, VL_EINVAL, "no host scheduler %d", (int)cfg->sched);
	}
	s->sched = scheds[s->cfg.sched];
	s->need_tick = s->cfg.sched == VL_SCHED_CREDIT;
	for (int i = 0; i < 3; i++)
		s->rq[i].head = s->rq[i].tail = NONE;

	if (vl_queue_init(&s->q, s->cfg.queue, err))
		goto out_free;
	s->pcpus = calloc(s->cfg.npcpus, sizeof(*s->pcpus));
	if (!s->pcpus) {
		vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out_queue;
	}
	for (unsigned i = 0; i < s->cfg.npcpus; i++)
		s->pcpus[i].cur = s->pcpus[i].last = -1;

	static const int lat[DEV__COUNT] = {VL_H_DISK_LATENCY_NS, VL_H_NET_LATENCY_NS};
	static const int bw[DEV__COUNT] = {VL_H_DISK_MBS, VL_H_NET_MBS};
	for (int d = 0; d < DEV__COUNT; d++) {
		s->dev[d].rng = vl_rng_new(s->cfg.seed, s->cfg.replication, VL_RNG_DEVICE + d);
		if (!s->dev[d].rng) {
			vl_err_set(err, VL_ENOMEM, "out of memory");
			goto out_dev;
		}
		s->dev[d].latency_cycles = host->v[lat[d]] * 1e-9 * hz;
		s->dev[d].cycles_per_byte = hz / (host->v[bw[d]] * 1e6);
	}
	s->dev[DEV_DISK].seek = host->v[VL_H_DISK_SEEK] >= 0.5;
	s->dev[DEV_DISK].nchan = (unsigned)(host->v[VL_H_DISK_CHANNELS] + 0.5);
	if (s->dev[DEV_DISK].nchan < 1)
		s->dev[DEV_DISK].nchan = 1;
	s->dev[DEV_DISK].chan_free = calloc(s->dev[DEV_DISK].nchan, sizeof(uint64_t));
	if (!s->dev[DEV_DISK].chan_free) {
		vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out_dev;
	}
	*out = s;
	return 0;

out_dev:
	for (int d = 0; d < DEV__COUNT; d++)
		if (s->dev[d].rng)
			gsl_rng_free(s->dev[d].rng);
	free(s->dev[DEV_DISK].chan_free);
	free(s->pcpus);
out_queue:
	vl_queue_release(&s->q);
out_free:
	free(s);
	return err->code;
}

void vl_sim_free(struct vl_sim *s)
{
	if (!s)
		return;
	for (unsigned i = 0; i < s->nguests; i++) {
		struct guest *g = &s->guests[i];
		if (g->model->release)
			g->model->release(g->state);
		free(g->state);
		free(g->series);
		free(g->arr);
	}
	for (unsigned i = 0; i < s->nvcpus; i++)
		free(s->vcpus[i].buf);
	for (int d = 0; d < DEV__COUNT; d++) {
		gsl_rng_free(s->dev[d].rng);
		free(s->dev[d].chan_free);
	}
	free(s->guests);
	free(s->vcpus);
	free(s->pcpus);
	free(s->fair);
	vl_queue_release(&s->q);
	free(s);
}

int vl_sim_add_guest(struct vl_sim *s, const char *name, const struct vl_model *model,
                     const struct vl_params *p, const struct vl_source *src,
                     unsigned nvcpus, struct vl_err *err)
{
	return vl_sim_add_guest_cfg(s, name, model, p, src, nvcpus, NULL, err);
}

int vl_sim_add_guest_cfg(struct vl_sim *s, const char *name, const struct vl_model *model,
                         const struct vl_params *p, const struct vl_source *src,
                         unsigned nvcpus, const struct vl_guest_config *gc,
                         struct vl_err *err)
{
	struct guest *g;

	if (s->ran)
		return vl_err_set(err, VL_EINVAL, "guests must be added before the run");
	if (model->version < VL_MODEL_VERSION_MIN || model->version > VL_MODEL_VERSION)
		return vl_err_set(err, VL_EVERSION,
		                  "model '%s' was built for interface version %d; this virtlab "
		                  "speaks versions %d to %d", model->name, model->version,
		                  VL_MODEL_VERSION_MIN, VL_MODEL_VERSION);
	if (!nvcpus)
		return vl_err_set(err, VL_EINVAL, "guest '%s' has no vCPUs", name);
	if (gc && gc->rq && (!gc->rq->open || !gc->rq->done))
		return vl_err_set(err, VL_EINVAL, "guest '%s': requests need open and done", name);
	if ((!gc || !gc->rq) && !src)
		return vl_err_set(err, VL_EINVAL, "guest '%s' has no source", name);
	if (gc && gc->cap_pct > 100 * nvcpus)
		return vl_err_set(err, VL_EINVAL, "guest '%s': a cap of %u%% is more than its %u "
		                  "vCPUs can use", name, gc->cap_pct, nvcpus);

	void *gp = realloc(s->guests, (s->nguests + 1) * sizeof(*s->guests));
	if (!gp)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	s->guests = gp;
	void *vp = realloc(s->vcpus, (s->nvcpus + nvcpus) * sizeof(*s->vcpus));
	if (!vp)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	s->vcpus = vp;

	g = &s->guests[s->nguests];
	memset(g, 0, sizeof(*g));
	snprintf(g->name, sizeof(g->name), "%s", name);
	g->model = model;
	g->first_vcpu = s->nvcpus;
	g->nvcpus = nvcpus;
	g->weight = gc && gc->weight ? gc->weight : 256;
	if (gc && gc->cap_pct) {
		/* cap_pct of one pCPU for one period, at least a cycle */
		g->cap_cycles = s->cfg.period_cycles * gc->cap_pct / 100;
		if (!g->cap_cycles)
			g->cap_cycles = 1;
		s->need_tick = 1;
	}
	if (gc && gc->rq) {
		g->has_rq = 1;
		g->rq = *gc->rq;
		g->rng = vl_rng_mix(s->cfg.seed, s->cfg.replication, VL_RNG_ARRIVAL) ^
		         ((uint64_t)s->nguests << 32);
		s->has_rq = 1;
	}
	g->series_interval = s->cfg.series_interval_cycles;
	g->next_sample = g->series_interval;
	g->series = malloc(s->cfg.series_max * sizeof(*g->series));
	g->state = calloc(1, model->state_size ? model->state_size : 1);
	if (!g->series || !g->state) {
		free(g->series);
		free(g->state);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	if (model->init(g->state, p, err)) {
		free(g->series);
		free(g->state);
		return vl_err_prefix(err, "model %s", model->name);
	}
	for (unsigned i = 0; i < nvcpus; i++) {
		struct vcpu *v = &s->vcpus[s->nvcpus + i];
		memset(v, 0, sizeof(*v));
		if (src)
			v->src = src[i];
		v->guest = s->nguests;
		v->st = V_RUNNABLE;
		v->runq_next = NONE;
		v->buf = malloc(s->cfg.batch_events * sizeof(*v->buf));
		if (!v->buf) {
			for (unsigned j = 0; j < i; j++)
				free(s->vcpus[s->nvcpus + j].buf);
			if (model->release)
				model->release(g->state);
			free(g->series);
			free(g->state);
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		}
	}
	s->nvcpus += nvcpus;
	g->nvcpus_left = nvcpus;
	return (int)s->nguests++;
}

static void fifo_push(struct vl_sim *s, struct fifo *f, uint32_t v)
{
	s->vcpus[v].runq_next = NONE;
	if (f->tail == NONE)
		f->head = v;
	else
		s->vcpus[f->tail].runq_next = v;
	f->tail = v;
}

static uint32_t fifo_pop(struct vl_sim *s, struct fifo *f)
{
	uint32_t v = f->head;

	if (v != NONE) {
		f->head = s->vcpus[v].runq_next;
		if (f->head == NONE)
			f->tail = NONE;
	}
	return v;
}

/* ---- round robin: one FIFO, a quantum each ---- */

static void rr_enqueue(struct vl_sim *s, uint32_t v)
{
	fifo_push(s, &s->rq[0], v);
}

static uint32_t rr_pick(struct vl_sim *s)
{
	return fifo_pop(s, &s->rq[0]);
}

static int rr_has_ready(const struct vl_sim *s)
{
	return s->rq[0].head != NONE;
}

static void rr_account(struct vl_sim *s, struct vcpu *v, uint64_t cycles)
{
	(void)s, (void)v, (void)cycles;
}

static const struct sched_ops rr_ops = {"rr", rr_enqueue, rr_pick, rr_has_ready, rr_account, NULL};

/*
 * ---- Xen's credit scheduler (Cherkasova, Gupta & Vahdat, "Comparison of
 * the three CPU schedulers in Xen", SIGMETRICS PER 2007, section 2.3) ----
 * Every accounting period (30 ms) the host's pCPU time of one period is
 * dealt out as credits to the active guests in proportion to their
 * weights, no guest more than its cap, and split among the guest's active
 * vCPUs. Running burns credit; a vCPU with credit left is UNDER and runs
 * before every OVER one; within a priority, FIFO. No boost: a woken vCPU
 * waits its turn (the I/O boost of Xen 3.1 is not modelled).
 */

static void credit_enqueue(struct vl_sim *s, uint32_t v)
{
	fifo_push(s, &s->rq[s->vcpus[v].credit > 0 ? 0 : 1], v);
}

static uint32_t credit_pick(struct vl_sim *s)
{
	uint32_t v = fifo_pop(s, &s->rq[0]);
	return v != NONE ? v : fifo_pop(s, &s->rq[1]);
}

static int credit_has_ready(const struct vl_sim *s)
{
	return s->rq[0].head != NONE || s->rq[1].head != NONE;
}

static void credit_account(struct vl_sim *s, struct vcpu *v, uint64_t cycles)
{
	(void)s;
	v->credit -= (int64_t)cycles;
}

/* A vCPU that wants the CPU: runnable, running or waiting on its own I/O. */
static int vcpu_active(const struct vcpu *v)
{
	return v->st != V_DONE && !v->idle;
}

static void credit_period(struct vl_sim *s)
{
	uint64_t wsum = 0, period = s->cfg.period_cycles;
	int64_t lim = (int64_t)period;

	for (unsigned gi = 0; gi < s->nguests; gi++) {
		struct guest *g = &s->guests[gi];
		int active = g->used_period > 0;
		for (unsigned k = 0; k < g->nvcpus; k++)
			active |= vcpu_active(&s->vcpus[g->first_vcpu + k]);
		if (active)
			wsum += g->weight;
	}
	for (unsigned gi = 0; gi < s->nguests && wsum; gi++) {
		struct guest *g = &s->guests[gi];
		unsigned nact = 0;
		for (unsigned k = 0; k < g->nvcpus; k++)
			nact += (unsigned)vcpu_active(&s->vcpus[g->first_vcpu + k]);
		if (!nact)
			continue;
		/* npcpus x period x weight / sum of active weights, in integer cycles */
		unsigned __int128 share = (unsigned __int128)s->cfg.npcpus * period * g->weight / wsum;
		if (g->cap_cycles && share > g->cap_cycles)
			share = g->cap_cycles;
		int64_t each = (int64_t)(share / nact);
		for (unsigned k = 0; k < g->nvcpus; k++) {
			struct vcpu *v = &s->vcpus[g->first_vcpu + k];
			if (!vcpu_active(v))
				continue;
			v->credit += each;
			/* no hoarding beyond one period, no debt beyond one either */
			if (v->credit > lim)
				v->credit = lim;
			if (v->credit < -lim)
				v->credit = -lim;
		}
	}
	/* priorities changed: requeue in order, UNDER and OVER apart again */
	uint32_t l0 = s->rq[0].head, l1 = s->rq[1].head;
	s->rq[0].head = s->rq[0].tail = s->rq[1].head = s->rq[1].tail = NONE;
	for (uint32_t *l = &l0; l; l = l == &l0 ? &l1 : NULL)
		for (uint32_t v = *l, next; v != NONE; v = next) {
			next = s->vcpus[v].runq_next;
			credit_enqueue(s, v);
		}
}

static const struct sched_ops credit_ops = {"credit", credit_enqueue, credit_pick,
                                            credit_has_ready, credit_account, credit_period};

/*
 * ---- a CFS-like fair scheduler (Linux's completely fair scheduler, as
 * for containers): each vCPU's run time is scaled by 256 / weight into its
 * vruntime; a free pCPU takes the runnable vCPU with the least (ties: the
 * lowest index); a vCPU that slept starts no lower than the least vruntime
 * seen running, so sleeping earns no credit. A linear scan: fine for the
 * hundreds of vCPUs of a plan. ----
 */

static void fair_enqueue(struct vl_sim *s, uint32_t v)
{
	if (s->vcpus[v].vruntime < s->fair_min)
		s->vcpus[v].vruntime = s->fair_min;
	s->fair[s->nfair++] = v;
}

static uint32_t fair_pick(struct vl_sim *s)
{
	size_t best = 0;

	if (!s->nfair)
		return NONE;
	for (size_t i = 1; i < s->nfair; i++) {
		const struct vcpu *a = &s->vcpus[s->fair[i]], *b = &s->vcpus[s->fair[best]];
		if (a->vruntime < b->vruntime || (a->vruntime == b->vruntime && s->fair[i] < s->fair[best]))
			best = i;
	}
	uint32_t v = s->fair[best];
	s->fair[best] = s->fair[--s->nfair];
	if (s->vcpus[v].vruntime > s->fair_min)
		s->fair_min = s->vcpus[v].vruntime;
	return v;
}

static int fair_has_ready(const struct vl_sim *s)
{
	return s->nfair > 0;
}

static void fair_account(struct vl_sim *s, struct vcpu *v, uint64_t cycles)
{
	v->vruntime += cycles * 256 / s->guests[v->guest].weight;
}

static const struct sched_ops fair_ops = {"fair", fair_enqueue, fair_pick, fair_has_ready,
                                          fair_account, NULL};

static const struct sched_ops *const scheds[VL_SCHED__COUNT] = {
	[VL_SCHED_RR] = &rr_ops,
	[VL_SCHED_CREDIT] = &credit_ops,
	[VL_SCHED_FAIR] = &fair_ops,
};

const char *vl_sched_name(enum vl_sched k)
{
	return (unsigned)k < VL_SCHED__COUNT ? scheds[k]->name : "?";
}

int vl_sched_lookup(const char *name)
{
	for (int k = 0; k < VL_SCHED__COUNT; k++)
		if (!strcmp(scheds[k]->name, name))
			return k;
	return -1;
}

/* vi became runnable at t: to the scheduler, or parked if its guest is over its cap. */
static void make_runnable(struct vl_sim *s, uint32_t vi, uint64_t t)
{
	struct vcpu *v = &s->vcpus[vi];

	v->st = V_RUNNABLE;
	v->ready_since = t;
	if (s->guests[v->guest].parked)
		fifo_push(s, &s->rq[2], vi);
	else
		s->sched->enqueue(s, vi);
}

/* v used cycles of a pCPU: the scheduler's and the cap's accounts. */
static void account(struct vl_sim *s, struct vcpu *v, uint64_t cycles)
{
	struct guest *g = &s->guests[v->guest];

	g->used_period += cycles;
	s->sched->account(s, v, cycles);
	if (g->cap_cycles && g->used_period >= g->cap_cycles)
		g->parked = 1;
}


/* Keeps a sample; when full, drops every other one and doubles the interval. */
static void sample(struct vl_sim *s, struct guest *g, uint64_t t)
{
	if (g->nseries == s->cfg.series_max) {
		size_t k = 0;
		for (size_t i = 1; i < g->nseries; i += 2)
			g->series[k++] = g->series[i];
		g->nseries = k;
		g->series_interval *= 2;
	}
	struct vl_sample *p = &g->series[g->nseries++];
	p->t_cycles = t;
	p->insns = g->bd.insns;
	p->events = 0;
	for (int e = 0; e < VL_EV__COUNT; e++)
		p->events += g->bd.events[e];
	for (int m = 0; m < VL_MECH__COUNT; m++) {
		uint64_t c = 0;
		for (int e = 0; e < VL_ROWS; e++)
			c += g->bd.cell[e][m].cycles;
		p->mech_cycles[m] = c;
	}
	g->next_sample = (t / g->series_interval + 1) * g->series_interval;
}

/* Charges one event through the guest's model; returns the cycles. */
static inline uint64_t charge(struct guest *g, unsigned row, const struct vl_event *ev)
{
	struct vl_charge ch;
	uint64_t sum = 0;

	ch.n = 0;
	ch.holes = 0;
	if (ev)
		g->model->on_event(g->state, ev, &ch);
	else
		g->model->finish(g->state, &ch);
	g->bd.events[row]++;
	for (unsigned i = 0; i < ch.n; i++) {
		struct vl_cell *c = &g->bd.cell[row][ch.c[i].mech];
		c->count++;
		c->cycles += ch.c[i].cycles;
		sum += ch.c[i].cycles;
	}
	g->bd.holes += ch.holes;
	g->bd.cycles += sum;
	return sum;
}

static uint64_t deliver_irqs(struct guest *g, struct vcpu *v, struct vl_sim *s)
{
	static const struct vl_event irq = {VL_EV_IRQ, VL_EVF_KERNEL | VL_EVF_SYNTH, 0, 0, 0};
	uint64_t sum = 0;

	while (v->pending_irqs) {
		v->pending_irqs--;
		sum += charge(g, VL_EV_IRQ, &irq);
		s->st.irqs++;
	}
	return sum;
}

/* Submits an I/O request at time t; its completion comes back as QK_IODONE. */
static int submit_io(struct vl_sim *s, uint32_t vi, const struct vl_event *ev, uint64_t t,
                     uint64_t how, struct vl_err *err)
{
	int d = ev->type == VL_EV_DISK ? DEV_DISK : DEV_NET;
	struct device *dev = &s->dev[d];
	uint64_t bytes = (uint64_t)(ev->n * dev->cycles_per_byte + 0.5), done, busy;

	if (dev->nchan) {
		unsigned k = 0;
		for (unsigned i = 1; i < dev->nchan; i++)
			if (dev->chan_free[i] < dev->chan_free[k])
				k = i;
		double access = dev->seek ? gsl_ran_exponential(dev->rng, dev->latency_cycles)
		                          : dev->latency_cycles;
		uint64_t start = t > dev->chan_free[k] ? t : dev->chan_free[k];
		uint64_t ready = start + (uint64_t)(access + 0.5);
		done = (ready > dev->link_free ? ready : dev->link_free) + bytes;
		dev->chan_free[k] = done;
		dev->link_free = done;
		busy = done - start; /* a channel's time: the disk's busy share is this / nchan */
		s->st.io_busy_cycles[d] += busy / dev->nchan;
	} else {
		uint64_t start = t > dev->link_free ? t : dev->link_free;
		dev->link_free = start + bytes;
		done = dev->link_free + (uint64_t)(dev->latency_cycles + 0.5);
		s->st.io_busy_cycles[d] += bytes;
	}
	struct vl_qev q = {done, QK_IODONE, vi, how};
	s->st.io_requests[d]++;
	s->st.io_bytes[d] += ev->n;
	return vl_queue_schedule(&s->q, &q, NULL, err);
}

/* A sleep: the vCPU waits until t + the event's nanoseconds; no device, no interrupt seen. */
static int sleep_until(struct vl_sim *s, uint32_t vi, const struct vl_event *ev, uint64_t t,
                       struct vl_err *err)
{
	uint64_t wait = (uint64_t)((double)ev->a * 1e-9 * s->host.v[VL_H_CLOCK_HZ] + 0.5);
	struct vl_qev q = {t + wait, QK_IODONE, vi, IO_HOST};

	return vl_queue_schedule(&s->q, &q, NULL, err);
}

/* How an I/O event waits: 0 async, 1 sync, IO_HOST the host's own (sync, unseen). */
static uint64_t io_how(const struct vl_event *ev)
{
	if (ev->flags & VL_EVF_SYNTH)
		return IO_HOST;
	return !(ev->flags & VL_EVF_ASYNC);
}

enum outcome { RUN_LIMIT, RUN_BLOCKED, RUN_DONE, RUN_ERROR };

/* Replays vCPU vi's source until its clock *tp reaches limit, it blocks, or the source ends. */
static inline enum outcome replay(struct vl_sim *s, uint32_t vi, uint64_t *tp, uint64_t limit,
                                  struct vl_err *err)
{
	struct vcpu *v = &s->vcpus[vi];
	struct guest *g = &s->guests[v->guest];
	uint64_t t = *tp;
	enum outcome out = RUN_LIMIT;

	while (t < limit) {
		if (v->pos == v->nbuf) {
			long n = v->src.read(v->src.ctx, v->buf, s->cfg.batch_events, err);
			if (n < 0) {
				out = RUN_ERROR;
				break;
			}
			v->pos = 0;
			v->nbuf = (size_t)n;
			if (n == 0) {
				out = RUN_DONE;
				break;
			}
			s->st.events += (uint64_t)n;
			if (s->cfg.progress && s->st.events >= s->next_progress) {
				s->cfg.progress(s->cfg.progress_ctx, s->st.events);
				s->next_progress = s->st.events + (1u << 20);
			}
			if (s->cfg.stop && *s->cfg.stop) {
				vl_err_set(err, VL_EINTR, "interrupted");
				out = RUN_ERROR;
				break;
			}
		}
		const struct vl_event *ev = &v->buf[v->pos++];
		VL_ASSERT(ev->type < VL_EV__COUNT);
		t += charge(g, ev->type, ev);
		g->bd.insns += vl_ev_insns(ev);
		if (t >= g->next_sample)
			sample(s, g, t);
		if (__builtin_expect(vl_ev_waits(ev->type), 0)) {
			if (ev->type == VL_EV_SLEEP) {
				if (sleep_until(s, vi, ev, t, err)) {
					out = RUN_ERROR;
					break;
				}
				v->waiting_sync = 1;
				out = RUN_BLOCKED;
				break;
			}
			if (ev->type == VL_EV_HLT) {
				if (v->outstanding) {
					v->halted = 1;
					out = RUN_BLOCKED;
					break;
				}
				continue;
			}
			if (submit_io(s, vi, ev, t, io_how(ev), err)) {
				out = RUN_ERROR;
				break;
			}
			if (ev->flags & VL_EVF_ASYNC) {
				v->outstanding++;
			} else {
				v->waiting_sync = 1;
				out = RUN_BLOCKED;
				break;
			}
		}
	}
	*tp = t;
	return out;
}

/* Replays vCPU vi until its clock reaches limit, it blocks, or its source ends. */
static enum outcome vcpu_run(struct vl_sim *s, uint32_t vi, uint64_t limit, struct vl_err *err)
{
	struct vcpu *v = &s->vcpus[vi];
	struct guest *g = &s->guests[v->guest];
	uint64_t t = v->t + deliver_irqs(g, v, s);
	enum outcome out = replay(s, vi, &t, limit, err);

	v->t = t;
	return out;
}

/* ---- requests ---- */

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* The next Poisson gap of guest g, in whole cycles. */
static uint64_t arrival_gap(struct guest *g)
{
	double u = (double)((splitmix64(&g->rng) >> 11) + 1) * 0x1p-53; /* (0, 1] */
	return (uint64_t)(-log(u) * (double)g->rq.mean_gap_cycles + 0.5);
}

static int schedule_arrival(struct vl_sim *s, unsigned gi, uint64_t t, struct vl_err *err)
{
	struct guest *g = &s->guests[gi];

	if ((g->rq.stop_cycles && t >= g->rq.stop_cycles) ||
	    (s->cfg.end_cycles && t >= s->cfg.end_cycles))
		return 0;
	struct vl_qev q = {t, QK_ARRIVAL, gi, 0};
	return vl_queue_schedule(&s->q, &q, NULL, err);
}

/* Gives vCPU vi its guest's next request at t: 1, 0 if there is none, or a VL_E* code. */
static int take_request(struct vl_sim *s, uint32_t vi, uint64_t t, struct vl_err *err)
{
	struct vcpu *v = &s->vcpus[vi];
	struct guest *g = &s->guests[v->guest];
	uint64_t arrive;

	if (!g->rq.mean_gap_cycles) { /* closed loop: a new job while the guest lives */
		if (t < g->rq.start_cycles || (g->rq.stop_cycles && t >= g->rq.stop_cycles))
			return 0;
		arrive = t;
		g->gs.arrivals++;
	} else {
		/*
		 * The arrivals promised to woken vCPUs are theirs, as the woken
		 * CPU's run queue holds the woken task in a guest kernel: a busy
		 * vCPU that the loop runs first, and that finishes later in
		 * simulated time, must not take it from under them.
		 */
		if (g->arr_len <= (v->claim ? 0 : g->arr_claimed))
			return 0;
		if (v->claim) {
			v->claim = 0;
			g->arr_claimed--;
		}
		arrive = g->arr[g->arr_head];
		g->arr_head = (g->arr_head + 1) % g->arr_cap;
		g->arr_len--;
	}
	struct vl_request r;
	memset(&r, 0, sizeof(r));
	uint64_t no = g->next_req++;
	if (g->rq.open(g->rq.ctx, vi - g->first_vcpu, no, &r, err))
		return err->code ? err->code : VL_EINVAL;
	v->has_req = 1;
	v->req_no = no;
	v->req_arrive = arrive;
	v->req_start = t;
	v->steps = r.steps;
	v->nsteps = r.nsteps;
	v->step = 0;
	v->step_left = r.nsteps ? r.steps[0].cycles : 0;
	if (!r.nsteps) {
		v->src = r.src;
		v->pos = v->nbuf = 0;
	}
	return 1;
}

static void request_done(struct vl_sim *s, struct vcpu *v, uint64_t t)
{
	struct guest *g = &s->guests[v->guest];

	g->gs.requests++;
	g->rq.done(g->rq.ctx, v->req_no, v->req_arrive, v->req_start, t);
	v->has_req = 0;
	v->nsteps = 0;
}

/* Runs the recorded steps of vi's request until *tp reaches limit, it blocks, or they end. */
static enum outcome run_steps(struct vl_sim *s, uint32_t vi, uint64_t *tp, uint64_t limit,
                              struct vl_err *err)
{
	struct vcpu *v = &s->vcpus[vi];
	struct guest *g = &s->guests[v->guest];

	while (*tp < limit && v->step < v->nsteps) {
		uint64_t run = v->step_left < limit - *tp ? v->step_left : limit - *tp;
		unsigned mech = v->steps[v->step].mech;
		*tp += run;
		v->step_left -= run;
		g->bd.cycles += run;
		g->step_mech[mech < VL_MECH__COUNT ? mech : VL_MECH_DIRECT] += run;
		if (v->step_left)
			break;
		const struct vl_event *io = &v->steps[v->step].io;
		if (++v->step < v->nsteps)
			v->step_left = v->steps[v->step].cycles;
		if (io->type == VL_EV_HLT && v->outstanding) { /* as replay: wait for the I/O */
			v->halted = 1;
			return RUN_BLOCKED;
		}
		if (io->type == VL_EV_SLEEP) {
			if (sleep_until(s, vi, io, *tp, err))
				return RUN_ERROR;
			v->waiting_sync = 1;
			return RUN_BLOCKED;
		}
		if (io->type != VL_EV_DISK && io->type != VL_EV_NET)
			continue;
		if (submit_io(s, vi, io, *tp, io_how(io), err))
			return RUN_ERROR;
		if (io->flags & VL_EVF_ASYNC && !(io->flags & VL_EVF_SYNTH)) {
			v->outstanding++;
		} else {
			v->waiting_sync = 1;
			return RUN_BLOCKED;
		}
	}
	return v->step < v->nsteps ? RUN_LIMIT : RUN_DONE;
}

/* A vCPU of a guest of requests: serve them until limit, blocking, or none is left (halt). */
static enum outcome vcpu_run_requests(struct vl_sim *s, uint32_t vi, uint64_t limit,
                                      struct vl_err *err)
{
	static const struct vl_event hlt = {VL_EV_HLT, VL_EVF_KERNEL | VL_EVF_SYNTH, 0, 0, 0};
	struct vcpu *v = &s->vcpus[vi];
	struct guest *g = &s->guests[v->guest];
	uint64_t t = v->t + deliver_irqs(g, v, s);
	enum outcome out = RUN_LIMIT;

	while (t < limit) {
		if (!v->has_req) {
			int r = take_request(s, vi, t, err);
			if (r < 0) {
				out = RUN_ERROR;
				break;
			}
			if (!r) { /* nothing to do: the guest halts until an arrival's interrupt */
				t += charge(g, VL_EV_HLT, &hlt);
				v->idle = 1;
				out = RUN_BLOCKED;
				break;
			}
		}
		out = v->nsteps ? run_steps(s, vi, &t, limit, err) : replay(s, vi, &t, limit, err);
		if (out == RUN_DONE) {
			request_done(s, v, t);
			out = RUN_LIMIT;
			continue;
		}
		if (out != RUN_LIMIT)
			break;
	}
	v->t = t;
	return out;
}

/* Wakes vCPU vi, halted for want of a request, at t: an interrupt through its model. */
static void wake_vcpu(struct vl_sim *s, uint32_t vi, uint64_t t);

static int on_arrival(struct vl_sim *s, unsigned gi, uint64_t t, struct vl_err *err)
{
	struct guest *g = &s->guests[gi];

	if (g->arr_len == g->arr_cap) {
		size_t cap = g->arr_cap ? 2 * g->arr_cap : 64;
		uint64_t *a = malloc(cap * sizeof(*a));
		if (!a)
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		for (size_t i = 0; i < g->arr_len; i++)
			a[i] = g->arr[(g->arr_head + i) % g->arr_cap];
		free(g->arr);
		g->arr = a;
		g->arr_cap = cap;
		g->arr_head = 0;
	}
	g->arr[(g->arr_head + g->arr_len) % g->arr_cap] = t;
	g->arr_len++;
	g->gs.arrivals++;
	/*
	 * Wake the halted vCPU that halted first: pCPUs run ahead of the queue
	 * up to its next event, so one may have halted after t (its clock is
	 * past t), and another, halted before t, serves the request at t.
	 */
	uint32_t best = NONE;
	for (unsigned k = 0; k < g->nvcpus; k++) {
		uint32_t vi = g->first_vcpu + k;
		if (s->vcpus[vi].idle && (best == NONE || s->vcpus[vi].t < s->vcpus[best].t))
			best = vi;
	}
	if (best != NONE) {
		s->vcpus[best].claim = 1;
		g->arr_claimed++;
		wake_vcpu(s, best, t);
	}
	return schedule_arrival(s, gi, t + arrival_gap(g), err);
}

static int on_start(struct vl_sim *s, unsigned gi, uint64_t t, struct vl_err *err)
{
	struct guest *g = &s->guests[gi];

	if (g->rq.mean_gap_cycles)
		return schedule_arrival(s, gi, t + arrival_gap(g), err);
	for (unsigned k = 0; k < g->nvcpus; k++)
		if (s->vcpus[g->first_vcpu + k].idle)
			wake_vcpu(s, g->first_vcpu + k, t);
	return 0;
}

/* ---- pCPUs ---- */

/* Gives pCPU p its next vCPU from the scheduler, at time t; charges a switch. */
static void dispatch(struct vl_sim *s, unsigned p, uint64_t t)
{
	struct pcpu *pc = &s->pcpus[p];
	uint32_t vi = s->sched->pick(s);

	if (vi == NONE) {
		pc->cur = -1;
		pc->t = t;
		return;
	}
	struct vcpu *v = &s->vcpus[vi];
	if (v->t > t) /* woken vCPUs carry their completion time */
		t = v->t;
	if (t > pc->t) /* waited for a woken vCPU's completion time */
		s->st.idle_cycles += t - pc->t;
	if (t > v->ready_since) { /* runnable, waiting for a pCPU: steal, inside the window */
		uint64_t from = v->ready_since > s->cfg.mark_cycles ? v->ready_since : s->cfg.mark_cycles;
		if (t > from)
			s->guests[v->guest].gs.steal_cycles += t - from;
	}
	pc->t = t;
	v->t = t;
	v->st = V_RUNNING;
	pc->cur = (int)vi;
	pc->quantum_end = t + s->cfg.quantum_cycles;
	if (pc->last >= 0 && pc->last != (int)vi) {
		static const struct vl_event sw = {VL_EV_VSWITCH, VL_EVF_KERNEL | VL_EVF_SYNTH, 0, 0, 0};
		uint64_t c = charge(&s->guests[v->guest], VL_EV_VSWITCH, &sw);
		v->t += c;
		pc->t = v->t;
		s->st.busy_cycles += c;
		s->st.switches++;
		account(s, v, c);
	}
	pc->last = (int)vi;
}

/*
 * Wakes idle pCPUs while runnable vCPUs wait, at time t: the one idle
 * since the earliest first (ties: the lowest index), since a pCPU runs
 * ahead of the queue and may have gone idle after t.
 */
static void wake_idle(struct vl_sim *s, uint64_t t)
{
	while (s->sched->has_ready(s)) {
		int p = -1;
		for (unsigned i = 0; i < s->cfg.npcpus; i++)
			if (s->pcpus[i].cur < 0 && (p < 0 || s->pcpus[i].t < s->pcpus[p].t))
				p = (int)i;
		if (p < 0)
			return;
		struct pcpu *pc = &s->pcpus[p];
		uint64_t from = pc->t > t ? pc->t : t;
		s->st.idle_cycles += from - pc->t;
		pc->t = from;
		dispatch(s, (unsigned)p, from);
		if (pc->cur < 0)
			return;
	}
}

static void wake_vcpu(struct vl_sim *s, uint32_t vi, uint64_t t)
{
	struct vcpu *v = &s->vcpus[vi];

	v->idle = 0;
	v->pending_irqs++;
	if (t > v->t)
		v->t = t;
	make_runnable(s, vi, v->t);
	wake_idle(s, t);
}

static void finish_vcpu(struct vl_sim *s, struct vcpu *v)
{
	struct guest *g = &s->guests[v->guest];

	v->st = V_DONE;
	s->live--;
	if (--g->nvcpus_left == 0) {
		if (g->model->finish) {
			uint64_t c = charge(g, VL_ROW_FINISH, NULL);
			v->t += c;
			s->st.busy_cycles += c;
		}
		sample(s, g, v->t);
	}
	if (v->t > s->st.end_cycles)
		s->st.end_cycles = v->t;
}

static void on_iodone(struct vl_sim *s, const struct vl_qev *q)
{
	struct vcpu *v = &s->vcpus[q->target];
	int sync = q->arg != 0;

	if (!sync)
		v->outstanding--;
	if (q->arg != IO_HOST) /* the host's own page-in: the guest sees no interrupt */
		v->pending_irqs++;
	if (v->st != V_BLOCKED)
		return;
	if (sync ? v->waiting_sync : v->halted) {
		if (q->time > v->t) {
			s->st.io_wait_cycles += q->time - v->t;
			v->t = q->time;
		}
		v->waiting_sync = v->halted = 0;
		make_runnable(s, q->target, v->t);
		wake_idle(s, q->time);
	}
}

/* An accounting period begins: credits, caps lifted, parked vCPUs back. */
static int on_tick(struct vl_sim *s, uint64_t t, struct vl_err *err)
{
	s->st.ticks++;
	if (s->sched->period)
		s->sched->period(s);
	for (unsigned gi = 0; gi < s->nguests; gi++) {
		s->guests[gi].used_period = 0;
		s->guests[gi].parked = 0;
	}
	for (uint32_t v; (v = fifo_pop(s, &s->rq[2])) != NONE;)
		s->sched->enqueue(s, v);
	wake_idle(s, t);
	uint64_t next = t + s->cfg.period_cycles;
	if (!s->live || (s->cfg.end_cycles && next >= s->cfg.end_cycles))
		return 0;
	struct vl_qev q = {next, QK_TICK, 0, 0};
	return vl_queue_schedule(&s->q, &q, NULL, err);
}

/* Cycles of each mechanism a guest has been charged so far. */
static void mech_totals(const struct guest *g, uint64_t *out)
{
	for (int m = 0; m < VL_MECH__COUNT; m++) {
		uint64_t c = g->step_mech[m];
		for (int e = 0; e < VL_ROWS; e++)
			c += g->bd.cell[e][m].cycles;
		out[m] = c;
	}
}

static void on_mark(struct vl_sim *s)
{
	for (unsigned gi = 0; gi < s->nguests; gi++) {
		s->guests[gi].mark_cycles = s->guests[gi].bd.cycles;
		mech_totals(&s->guests[gi], s->guests[gi].mark_mech);
	}
}

/* Runs pCPU p's current vCPU for one batch and acts on the outcome. */
static int step_pcpu(struct vl_sim *s, unsigned p, struct vl_err *err)
{
	struct pcpu *pc = &s->pcpus[p];
	uint32_t vi = (uint32_t)pc->cur;
	struct vcpu *v = &s->vcpus[vi];
	struct guest *g = &s->guests[v->guest];
	uint64_t next_timed = vl_queue_peek_time(&s->q);
	uint64_t limit = pc->quantum_end < next_timed ? pc->quantum_end : next_timed;
	uint64_t t0 = v->t;

	if (g->parked) { /* its guest reached its cap on another pCPU */
		make_runnable(s, vi, v->t);
		dispatch(s, p, v->t);
		return 0;
	}
	if (s->cfg.end_cycles && s->cfg.end_cycles < limit)
		limit = s->cfg.end_cycles;
	if (g->cap_cycles && t0 + (g->cap_cycles - g->used_period) < limit)
		limit = t0 + (g->cap_cycles - g->used_period);
	if (limit <= t0) /* the timed event or quantum end is due: make progress anyway */
		limit = t0 + 1;
	s->st.batches++;
	enum outcome o = g->has_rq ? vcpu_run_requests(s, vi, limit, err)
	                           : vcpu_run(s, vi, limit, err);
	if (o == RUN_ERROR)
		return err->code;
	s->st.busy_cycles += v->t - t0;
	account(s, v, v->t - t0);
	pc->t = v->t;
	switch (o) {
	case RUN_LIMIT:
		/* at the end of a quantum the scheduler chooses again (perhaps v) */
		if (v->t >= pc->quantum_end || g->parked) {
			make_runnable(s, vi, v->t);
			dispatch(s, p, v->t);
		}
		break;
	case RUN_BLOCKED:
		v->st = V_BLOCKED;
		dispatch(s, p, v->t);
		break;
	case RUN_DONE:
		finish_vcpu(s, v);
		dispatch(s, p, v->t);
		break;
	case RUN_ERROR:
		break;
	}
	return 0;
}

static int on_timed(struct vl_sim *s, const struct vl_qev *q, struct vl_err *err)
{
	switch ((enum qkind)q->kind) {
	case QK_IODONE: on_iodone(s, q); return 0;
	case QK_TICK: return on_tick(s, q->time, err);
	case QK_ARRIVAL: return on_arrival(s, (unsigned)q->target, q->time, err);
	case QK_START: return on_start(s, (unsigned)q->target, q->time, err);
	case QK_MARK: on_mark(s); return 0;
	}
	VL_ASSERT(!"unknown timed event");
	return 0;
}

int vl_sim_run(struct vl_sim *s, struct vl_err *err)
{
	if (s->ran)
		return vl_err_set(err, VL_EINVAL, "a simulator runs once");
	s->ran = 1;
	if (s->has_rq && !s->cfg.end_cycles)
		return vl_err_set(err, VL_EINVAL, "guests of requests need an end time (end_cycles)");
	if (s->cfg.sched == VL_SCHED_FAIR && !(s->fair = malloc((s->nvcpus + 1) * sizeof(*s->fair))))
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	s->live = s->nvcpus;
	for (uint32_t i = 0; i < s->nvcpus; i++) {
		if (s->guests[s->vcpus[i].guest].has_rq) { /* halted until its first request */
			s->vcpus[i].idle = 1;
			s->vcpus[i].st = V_BLOCKED;
		} else {
			make_runnable(s, i, 0);
		}
	}
	for (unsigned gi = 0; gi < s->nguests; gi++) {
		struct vl_qev q = {s->guests[gi].rq.start_cycles, QK_START, gi, 0};
		if (s->guests[gi].has_rq && vl_queue_schedule(&s->q, &q, NULL, err))
			return err->code;
	}
	if (s->cfg.mark_cycles) {
		struct vl_qev q = {s->cfg.mark_cycles, QK_MARK, 0, 0};
		if (vl_queue_schedule(&s->q, &q, NULL, err))
			return err->code;
	}
	for (unsigned p = 0; p < s->cfg.npcpus; p++)
		dispatch(s, p, 0);
	if (s->need_tick && on_tick(s, 0, err)) /* the first credits, for what runs already too */
		return err->code;
	s->next_progress = 1u << 20;

	for (;;) {
		/* The busy pCPU furthest behind; ties to the lowest index. */
		int best = -1;
		for (unsigned p = 0; p < s->cfg.npcpus; p++)
			if (s->pcpus[p].cur >= 0 && (best < 0 || s->pcpus[p].t < s->pcpus[best].t))
				best = (int)p;
		uint64_t tq = vl_queue_peek_time(&s->q);
		if (best < 0 && tq == UINT64_MAX)
			break;
		uint64_t tb = best < 0 ? UINT64_MAX : s->pcpus[best].t;
		if (s->cfg.end_cycles && (tb < tq ? tb : tq) >= s->cfg.end_cycles)
			break;
		if (best < 0 || tq <= tb) {
			struct vl_qev q;
			VL_ASSERT(vl_queue_next(&s->q, &q));
			if (on_timed(s, &q, err))
				return err->code;
			continue;
		}
		if (step_pcpu(s, (unsigned)best, err))
			return err->code;
	}

	if (s->cfg.end_cycles) {
		/* the run stops at its end: pCPUs idle up to it, later events are dropped */
		struct vl_qev q;
		for (unsigned p = 0; p < s->cfg.npcpus; p++)
			if (s->pcpus[p].cur < 0 && s->pcpus[p].t < s->cfg.end_cycles)
				s->st.idle_cycles += s->cfg.end_cycles - s->pcpus[p].t;
		while (vl_queue_next(&s->q, &q))
			;
		if (s->st.end_cycles < s->cfg.end_cycles)
			s->st.end_cycles = s->cfg.end_cycles;
	} else {
		/* Every vCPU must have finished: none may be stranded while blocked. */
		for (uint32_t i = 0; i < s->nvcpus; i++)
			VL_ASSERT(s->vcpus[i].st == V_DONE);
	}
	for (unsigned gi = 0; gi < s->nguests; gi++) {
		struct guest *g = &s->guests[gi];
		mech_totals(g, g->gs.mech_cycles);
		for (int m = 0; m < VL_MECH__COUNT; m++)
			g->gs.mech_cycles[m] -= g->mark_mech[m];
		g->gs.cpu_cycles = g->bd.cycles - g->mark_cycles;
	}
	s->st.q_scheduled = s->q.scheduled;
	s->st.q_executed = s->q.executed;
	s->st.q_cancelled = s->q.cancelled;
	VL_ASSERT(s->q.scheduled == s->q.executed + s->q.cancelled);
	return 0;
}

const struct vl_guest_stats *vl_sim_guest_stats(const struct vl_sim *s, unsigned guest)
{
	return guest < s->nguests ? &s->guests[guest].gs : NULL;
}


const struct vl_sim_stats *vl_sim_stats(const struct vl_sim *s)
{
	return &s->st;
}

const struct vl_breakdown *vl_sim_breakdown(const struct vl_sim *s, unsigned guest)
{
	return guest < s->nguests ? &s->guests[guest].bd : NULL;
}

const struct vl_sample *vl_sim_series(const struct vl_sim *s, unsigned guest, size_t *n)
{
	if (guest >= s->nguests) {
		*n = 0;
		return NULL;
	}
	*n = s->guests[guest].nseries;
	return s->guests[guest].series;
}

void vl_sim_report(const struct vl_sim *s, unsigned guest, vl_emit_fn emit, void *ctx)
{
	if (guest < s->nguests && s->guests[guest].model->report)
		s->guests[guest].model->report(s->guests[guest].state, emit, ctx);
}
