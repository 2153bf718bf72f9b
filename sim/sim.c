/*
 * The run loop. Physical CPUs keep their own "next run" times; the event
 * queue holds only timed events (I/O completions). The loop takes whichever
 * comes first — a timed event wins a tie — and runs the chosen pCPU's vCPU
 * in a tight loop until the end of its quantum or the next timed event.
 */
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sim/rng.h"
#include "sim/sim.h"

enum vstate { V_RUNNABLE, V_RUNNING, V_BLOCKED, V_DONE };

enum qkind { QK_IODONE };

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
};

struct pcpu {
	int cur;           /* vCPU index, -1 when idle */
	int last;          /* vCPU that ran last, for switch costs */
	uint64_t t;        /* time this pCPU has reached */
	uint64_t quantum_end;
};

struct device {
	gsl_rng *rng;
	double latency_cycles; /* mean of the exponential access time */
	double cycles_per_byte;
	uint64_t free_at;      /* FIFO single server: when the last request completes */
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
	uint32_t runq_head, runq_tail; /* FIFO of runnable vCPUs, UINT32_MAX = none */
	struct vl_sim_stats st;
	uint64_t next_progress;
	int ran;
};

#define NONE UINT32_MAX

/* Kinds whose events the core acts on, besides charging them. */
static inline int is_special(unsigned type)
{
	return type == VL_EV_DISK || type == VL_EV_NET || type == VL_EV_HLT;
}

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
	s->runq_head = s->runq_tail = NONE;

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
	*out = s;
	return 0;

out_dev:
	for (int d = 0; d < DEV__COUNT; d++)
		if (s->dev[d].rng)
			gsl_rng_free(s->dev[d].rng);
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
	}
	for (unsigned i = 0; i < s->nvcpus; i++)
		free(s->vcpus[i].buf);
	for (int d = 0; d < DEV__COUNT; d++)
		gsl_rng_free(s->dev[d].rng);
	free(s->guests);
	free(s->vcpus);
	free(s->pcpus);
	vl_queue_release(&s->q);
	free(s);
}

int vl_sim_add_guest(struct vl_sim *s, const char *name, const struct vl_model *model,
                     const struct vl_params *p, const struct vl_source *src,
                     unsigned nvcpus, struct vl_err *err)
{
	struct guest *g;

	if (s->ran)
		return vl_err_set(err, VL_EINVAL, "guests must be added before the run");
	if (model->version != VL_MODEL_VERSION)
		return vl_err_set(err, VL_EVERSION,
		                  "model '%s' was built for interface version %d; this virtlab "
		                  "speaks version %d", model->name, model->version,
		                  VL_MODEL_VERSION);
	if (!nvcpus)
		return vl_err_set(err, VL_EINVAL, "guest '%s' has no vCPUs", name);

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

static void runq_push(struct vl_sim *s, uint32_t v)
{
	s->vcpus[v].runq_next = NONE;
	if (s->runq_tail == NONE)
		s->runq_head = v;
	else
		s->vcpus[s->runq_tail].runq_next = v;
	s->runq_tail = v;
}

static uint32_t runq_pop(struct vl_sim *s)
{
	uint32_t v = s->runq_head;

	if (v != NONE) {
		s->runq_head = s->vcpus[v].runq_next;
		if (s->runq_head == NONE)
			s->runq_tail = NONE;
	}
	return v;
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

/* Submits an I/O request at time t; returns its completion time. */
static int submit_io(struct vl_sim *s, uint32_t vi, const struct vl_event *ev, uint64_t t,
                     struct vl_err *err)
{
	int d = ev->type == VL_EV_DISK ? DEV_DISK : DEV_NET;
	struct device *dev = &s->dev[d];
	double service = gsl_ran_exponential(dev->rng, dev->latency_cycles) +
	                 ev->n * dev->cycles_per_byte;
	uint64_t start = t > dev->free_at ? t : dev->free_at;
	uint64_t done = start + (uint64_t)(service + 0.5);
	struct vl_qev q = {done, QK_IODONE, vi, (uint64_t)!(ev->flags & VL_EVF_ASYNC)};

	dev->free_at = done;
	s->st.io_requests[d]++;
	s->st.io_bytes[d] += ev->n;
	return vl_queue_schedule(&s->q, &q, NULL, err);
}

enum outcome { RUN_LIMIT, RUN_BLOCKED, RUN_DONE, RUN_ERROR };

/* Replays vCPU vi until its clock reaches limit, it blocks, or its source ends. */
static enum outcome vcpu_run(struct vl_sim *s, uint32_t vi, uint64_t limit, struct vl_err *err)
{
	struct vcpu *v = &s->vcpus[vi];
	struct guest *g = &s->guests[v->guest];
	uint64_t t = v->t + deliver_irqs(g, v, s);
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
		if (__builtin_expect(is_special(ev->type), 0)) {
			if (ev->type == VL_EV_HLT) {
				if (v->outstanding) {
					v->halted = 1;
					out = RUN_BLOCKED;
					break;
				}
				continue;
			}
			if (submit_io(s, vi, ev, t, err)) {
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
	v->t = t;
	return out;
}

/* Gives pCPU p its next vCPU from the run queue, at time t; charges a switch. */
static void dispatch(struct vl_sim *s, unsigned p, uint64_t t)
{
	struct pcpu *pc = &s->pcpus[p];
	uint32_t vi = runq_pop(s);

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
	}
	pc->last = (int)vi;
}

/* Wakes idle pCPUs while runnable vCPUs wait, at time t. */
static void wake_idle(struct vl_sim *s, uint64_t t)
{
	for (unsigned p = 0; p < s->cfg.npcpus && s->runq_head != NONE; p++) {
		struct pcpu *pc = &s->pcpus[p];
		if (pc->cur < 0) {
			uint64_t from = pc->t > t ? pc->t : t;
			s->st.idle_cycles += from - pc->t;
			pc->t = from;
			dispatch(s, p, from);
		}
	}
}

static void finish_vcpu(struct vl_sim *s, struct vcpu *v)
{
	struct guest *g = &s->guests[v->guest];

	v->st = V_DONE;
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
	int sync = (int)q->arg;

	if (!sync)
		v->outstanding--;
	v->pending_irqs++;
	if (v->st != V_BLOCKED)
		return;
	if (sync ? v->waiting_sync : v->halted) {
		if (q->time > v->t) {
			s->st.io_wait_cycles += q->time - v->t;
			v->t = q->time;
		}
		v->waiting_sync = v->halted = 0;
		v->st = V_RUNNABLE;
		runq_push(s, q->target);
		wake_idle(s, q->time);
	}
}

/* Runs pCPU p's current vCPU for one batch and acts on the outcome. */
static int step_pcpu(struct vl_sim *s, unsigned p, struct vl_err *err)
{
	struct pcpu *pc = &s->pcpus[p];
	uint32_t vi = (uint32_t)pc->cur;
	struct vcpu *v = &s->vcpus[vi];
	uint64_t next_timed = vl_queue_peek_time(&s->q);
	uint64_t limit = pc->quantum_end < next_timed ? pc->quantum_end : next_timed;
	uint64_t t0 = v->t;

	if (limit <= t0) /* the timed event or quantum end is due: make progress anyway */
		limit = t0 + 1;
	s->st.batches++;
	enum outcome o = vcpu_run(s, vi, limit, err);
	if (o == RUN_ERROR)
		return err->code;
	s->st.busy_cycles += v->t - t0;
	pc->t = v->t;
	switch (o) {
	case RUN_LIMIT:
		if (v->t >= pc->quantum_end) {
			if (s->runq_head != NONE) {
				v->st = V_RUNNABLE;
				runq_push(s, vi);
				dispatch(s, p, v->t);
			} else {
				pc->quantum_end = v->t + s->cfg.quantum_cycles;
			}
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

int vl_sim_run(struct vl_sim *s, struct vl_err *err)
{
	if (s->ran)
		return vl_err_set(err, VL_EINVAL, "a simulator runs once");
	s->ran = 1;
	for (uint32_t i = 0; i < s->nvcpus; i++)
		runq_push(s, i);
	for (unsigned p = 0; p < s->cfg.npcpus; p++)
		dispatch(s, p, 0);
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
		if (best < 0 || tq <= s->pcpus[best].t) {
			struct vl_qev q;
			VL_ASSERT(vl_queue_next(&s->q, &q));
			VL_ASSERT(q.kind == QK_IODONE);
			on_iodone(s, &q);
			continue;
		}
		if (step_pcpu(s, (unsigned)best, err))
			return err->code;
	}

	/* Every vCPU must have finished: none may be stranded while blocked. */
	for (uint32_t i = 0; i < s->nvcpus; i++)
		VL_ASSERT(s->vcpus[i].st == V_DONE);
	s->st.q_scheduled = s->q.scheduled;
	s->st.q_executed = s->q.executed;
	s->st.q_cancelled = s->q.cancelled;
	VL_ASSERT(s->q.scheduled == s->q.executed + s->q.cancelled);
	return 0;
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
