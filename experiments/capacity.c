/*
 * Capacity planning: the demand profiles of a plan's workloads under each
 * technique, and the host simulation (docs/capacity.md).
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/capacity.h"
#include "sim/native.h"
#include "sim/queue.h"
#include "sim/registry.h"
#include "sim/rng.h"
#include "traces/gen.h"

enum { CAP_RNG_ARRIVAL = 0x400, CAP_RNG_DEMAND = 0x500, CAP_RNG_SWAP = 0x600 };

/* The empirical demand of one workload under one technique. */
struct demand {
	size_t n;
	double *virt, *native;    /* CPU cycles per request, with and without the technique */
	double *disk, *net;       /* bytes per request */
	double *faults;           /* page faults per request (what swapping would touch) */
	int exp;                  /* exp:MEAN_MS: exponential, drawn on the fly */
	double exp_mean, ratio;   /* mean native cycles; virt/native of user code */
	double mean_virt, mean_native, mean_disk, mean_net;
};

struct vl_cap_ctx {
	const struct vl_cap_plan *p;
	struct demand d[VL_CAP_MAX_TECH][VL_CAP_MAX_KINDS];
	struct vl_memory mem[VL_CAP_MAX_TECH]; /* the model's, or what the plan says */
	double switch_cycles[VL_CAP_MAX_TECH];
};

/* ---- profiling ---- */

struct inst {
	const struct vl_model *m;
	struct vl_config cfg;
	void *state;
};

static int inst_new(struct inst *in, const char *model, const char *profile, const char *host,
                    const char (*ovn)[VL_CAP_NAME], const double *ovv, size_t nov,
                    struct vl_err *err)
{
	struct vl_override ov[16];
	struct vl_params prm;

	memset(in, 0, sizeof(*in));
	in->m = vl_model_find(model);
	if (!in->m)
		return vl_err_set(err, VL_EINVAL, "no model %s", model);
	for (size_t i = 0; i < nov; i++)
		ov[i] = (struct vl_override){ovn[i], ovv[i]};
	if (vl_config_resolve(&in->cfg, in->m, profile && *profile ? profile : NULL,
	                      in->m->nprofiles ? host : NULL, ov, nov, err))
		return err->code;
	if (!in->m->nprofiles && host) { /* native: the profile names the host */
		vl_config_release(&in->cfg);
		if (vl_config_resolve(&in->cfg, in->m, host, NULL, ov, nov, err))
			return err->code;
	}
	in->state = calloc(1, in->m->state_size ? in->m->state_size : 1);
	if (!in->state) {
		vl_config_release(&in->cfg);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	vl_config_params(&in->cfg, 1, &prm);
	if (in->m->init(in->state, &prm, err)) {
		free(in->state);
		vl_config_release(&in->cfg);
		return err->code;
	}
	return 0;
}

static void inst_free(struct inst *in)
{
	if (in->m && in->m->release)
		in->m->release(in->state);
	free(in->state);
	vl_config_release(&in->cfg);
}

static uint64_t inst_charge(struct inst *in, const struct vl_event *ev)
{
	struct vl_charge ch = {0};
	uint64_t c = 0;

	in->m->on_event(in->state, ev, &ch);
	for (unsigned i = 0; i < ch.n; i++)
		c += ch.c[i].cycles;
	return c;
}

static int workload_spec(const char *w, char *kind, size_t len, uint64_t *iters, double *exp_ms)
{
	*exp_ms = 0;
	*iters = 1;
	if (!strncmp(w, "exp:", 4)) {
		char *end;
		*exp_ms = strtod(w + 4, &end);
		return *end || !(*exp_ms > 0) ? -1 : 0;
	}
	const char *k = w + 4, *colon = strchr(k, ':');
	size_t n = colon ? (size_t)(colon - k) : strlen(k);
	if (n >= len)
		return -1;
	memcpy(kind, k, n);
	kind[n] = '\0';
	if (colon) {
		char *end;
		*iters = strtoull(colon + 1, &end, 10);
		if (!*iters || (*end && strcmp(end, "i")))
			return -1;
	}
	return 0;
}

static void demand_free(struct demand *d)
{
	free(d->virt);
	free(d->native);
	free(d->disk);
	free(d->net);
	free(d->faults);
}

#define PROFILE_MAX_REQUESTS 200
#define PROFILE_MIN_REQUESTS 5
#define PROFILE_EVENT_BUDGET 3000000

static int profile(struct vl_cap_ctx *c, size_t t, size_t k, struct vl_err *err)
{
	const struct vl_cap_plan *p = c->p;
	const struct vl_cap_tech *te = &p->techs[t];
	const struct vl_cap_kind *ki = &p->kinds[k];
	struct demand *d = &c->d[t][k];
	struct inst vm, nat;
	char kind[64];
	uint64_t iters;
	double exp_ms;
	static struct vl_event buf[4096];
	int rc = 0;

	if (workload_spec(ki->workload, kind, sizeof(kind), &iters, &exp_ms))
		return vl_err_set(err, VL_EINVAL, "%s:%d: [guest %s] workload '%s': gen:KIND:Ni or "
		                  "exp:MEAN_MS", p->file, ki->line, ki->name, ki->workload);
	if ((rc = inst_new(&vm, te->model, te->profile, p->host_profile, te->ovname, te->ovvalue,
	                   te->nov, err)))
		return vl_err_prefix(err, "%s:%d: [technique %s]", p->file, te->line, te->name);
	if ((rc = inst_new(&nat, "native", NULL, p->host_profile, NULL, NULL, 0, err))) {
		inst_free(&vm);
		return rc;
	}
	if (exp_ms > 0) {
		/* exponential demand of plain user code: the technique's ratio on it */
		struct vl_event ev = {VL_EV_USER, 0, 0, 100000, 0};
		ev.n = 100000;
		double v = (double)inst_charge(&vm, &ev), n = (double)inst_charge(&nat, &ev);
		d->exp = 1;
		d->exp_mean = exp_ms * 1e-3 * p->clock_hz;
		d->ratio = n > 0 ? v / n : 1;
		d->mean_native = d->exp_mean;
		d->mean_virt = d->exp_mean * d->ratio;
		goto out;
	}
	size_t cap = PROFILE_MAX_REQUESTS;
	d->virt = calloc(cap, sizeof(double));
	d->native = calloc(cap, sizeof(double));
	d->disk = calloc(cap, sizeof(double));
	d->net = calloc(cap, sizeof(double));
	d->faults = calloc(cap, sizeof(double));
	if (!d->virt || !d->native || !d->disk || !d->net || !d->faults) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}
	uint64_t events = 0;
	for (size_t i = 0; i < cap; i++) {
		struct vl_gen *g;
		long m;
		if ((rc = vl_gen_new_iters(&g, kind, iters, vl_rng_mix(p->seed, (unsigned)i, CAP_RNG_DEMAND),
		                           err))) {
			vl_err_prefix(err, "%s:%d: [guest %s] workload", p->file, ki->line, ki->name);
			goto out;
		}
		while ((m = vl_gen_read(g, buf, sizeof(buf) / sizeof(buf[0]), err)) > 0) {
			for (long e = 0; e < m; e++) {
				d->virt[i] += (double)inst_charge(&vm, &buf[e]);
				d->native[i] += (double)inst_charge(&nat, &buf[e]);
				if (buf[e].type == VL_EV_DISK)
					d->disk[i] += (double)buf[e].n;
				else if (buf[e].type == VL_EV_NET)
					d->net[i] += (double)buf[e].n;
				else if (buf[e].type == VL_EV_PGFAULT)
					d->faults[i] += 1;
			}
			events += (uint64_t)m;
		}
		vl_gen_free(g);
		if (m < 0) {
			rc = err->code;
			goto out;
		}
		d->n = i + 1;
		if (d->n >= PROFILE_MIN_REQUESTS && events > PROFILE_EVENT_BUDGET)
			break;
	}
	for (size_t i = 0; i < d->n; i++) {
		d->mean_virt += d->virt[i] / (double)d->n;
		d->mean_native += d->native[i] / (double)d->n;
		d->mean_disk += d->disk[i] / (double)d->n;
		d->mean_net += d->net[i] / (double)d->n;
	}
out:
	if (!rc && k == 0) {
		/* the technique's memory: what its model states, unless the plan says */
		struct vl_params prm;
		vl_config_params(&vm.cfg, 1, &prm);
		vl_model_memory(vm.m, &prm, &c->mem[t]);
		if (te->monitor_mb >= 0)
			c->mem[t].fixed_mb = te->monitor_mb;
		if (te->pt_fraction >= 0)
			c->mem[t].per_guest_mb = te->pt_fraction;
		if (te->shared_kernel >= 0)
			c->mem[t].shared_kernel = te->shared_kernel >= 0.5;
	}
	if (!rc && !c->switch_cycles[t]) {
		static const struct vl_event sw = {VL_EV_VSWITCH, VL_EVF_KERNEL | VL_EVF_SYNTH, 0, 0, 0};
		c->switch_cycles[t] = (double)inst_charge(&vm, &sw);
	}
	inst_free(&vm);
	inst_free(&nat);
	return rc;
}

int vl_cap_ctx_new(struct vl_cap_ctx **out, const struct vl_cap_plan *p, struct vl_err *err)
{
	struct vl_cap_ctx *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	c->p = p;
	for (size_t t = 0; t < p->ntechs; t++)
		for (size_t k = 0; k < p->nkinds; k++)
			if (profile(c, t, k, err)) {
				vl_cap_ctx_free(c);
				return err->code;
			}
	*out = c;
	return 0;
}

void vl_cap_ctx_free(struct vl_cap_ctx *c)
{
	if (!c)
		return;
	for (size_t t = 0; t < VL_CAP_MAX_TECH; t++)
		for (size_t k = 0; k < VL_CAP_MAX_KINDS; k++)
			demand_free(&c->d[t][k]);
	free(c);
}

/* ---- Erlang C ---- */

double vl_erlang_c(unsigned c, double lambda, double mu)
{
	double a = lambda / mu, rho = a / c, term = 1, sum = 1;

	if (rho >= 1)
		return 1;
	for (unsigned k = 1; k < c; k++) {
		term *= a / k;
		sum += term;
	}
	double last = term * a / c / (1 - rho); /* a^c / c! / (1 - rho) */
	return last / (sum + last);
}

double vl_erlang_c_wait(unsigned c, double lambda, double mu)
{
	if (lambda >= c * mu)
		return INFINITY;
	return vl_erlang_c(c, lambda, mu) / (c * mu - lambda);
}

/* ---- the host simulation ---- */

enum { ST_IDLE, ST_READY, ST_RUNNING, ST_PARKED };
enum { E_ARRIVAL, E_RUNEND, E_TICK, E_DISKDONE, E_NETDONE, E_START, E_STOP };

struct req {
	double arrive, taken;
	double virt, native, disk, net, swap_pages;
};

struct vcpu {
	unsigned guest;
	int state;
	double credit, remaining;
	struct req r;
	uint64_t ready_since, run_begin;
	double run_switch, granted;
	int pcpu, next;
	vl_qhandle h;
};

struct guest {
	unsigned kind, first_vcpu, nvcpus;
	int admitted, active;
	double footprint;
	struct req *q;
	size_t qhead, qlen, qcap;
	double consumed; /* cycles this accounting period */
	double inflight; /* cycles granted to its running vCPUs, not yet consumed */
	uint64_t in_system;
};

struct pcpu {
	int running;
	unsigned last_guest;
	uint64_t idle_since;
	double idle;
};

struct lat {
	double *v;
	size_t n, cap;
};

struct hsim {
	const struct vl_cap_plan *p;
	struct vl_cap_ctx *c;
	size_t tech;
	struct vl_queue q;
	gsl_rng *rarr, *rdem, *rswap;
	struct guest *g;
	unsigned ng;
	struct vcpu *v;
	unsigned nv;
	struct pcpu *pc;
	int under_head, under_tail, over_head, over_tail;
	double disk_free, net_free, disk_busy, net_busy, busy;
	double miss; /* probability a touched page is swapped out */
	struct req *io; /* requests in the I/O stages */
	size_t nio, capio;
	unsigned *io_guest;
	uint64_t t_warm, t_end, t_mid;
	uint64_t backlog_mid;
	double tslice, period;
	struct lat lat[VL_CAP_MAX_KINDS], wait[VL_CAP_MAX_KINDS];
	struct vl_cap_result *r;
	struct vl_err *err;
	int failed;
};

static void sched(struct hsim *s, uint64_t t, uint32_t kind, uint32_t target, uint64_t arg,
                  vl_qhandle *h)
{
	struct vl_qev ev = {t, kind, target, arg};
	if (vl_queue_schedule(&s->q, &ev, h, s->err))
		s->failed = 1;
}

static void lat_add(struct lat *l, double x)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		double *v = realloc(l->v, cap * sizeof(double));
		if (!v)
			return;
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = x;
}

static void draw(struct hsim *s, unsigned kind, struct req *r)
{
	const struct demand *d = &s->c->d[s->tech][kind];

	memset(r, 0, sizeof(*r));
	if (d->exp) {
		r->native = gsl_ran_exponential(s->rdem, d->exp_mean);
		r->virt = r->native * d->ratio;
	} else {
		size_t i = gsl_rng_uniform_int(s->rdem, d->n);
		r->native = d->native[i];
		r->virt = d->virt[i];
		r->disk = d->disk[i];
		r->net = d->net[i];
		if (s->miss > 0)
			r->swap_pages = gsl_ran_binomial(s->rswap, s->miss, (unsigned)(d->faults[i] + 1));
	}
}

/* ---- ready lists ---- */

static void list_push(struct hsim *s, int *head, int *tail, int i)
{
	s->v[i].next = -1;
	if (*tail >= 0)
		s->v[*tail].next = i;
	else
		*head = i;
	*tail = i;
}

static int list_pop(struct hsim *s, int *head, int *tail)
{
	int i = *head;
	if (i >= 0) {
		*head = s->v[i].next;
		if (*head < 0)
			*tail = -1;
	}
	return i;
}

static double cap_budget(const struct hsim *s, const struct guest *g)
{
	double cap = s->p->kinds[g->kind].cap;
	return cap > 0 ? cap / 100.0 * s->period : INFINITY;
}

static void make_ready(struct hsim *s, int i, uint64_t now)
{
	struct vcpu *v = &s->v[i];
	struct guest *g = &s->g[v->guest];

	v->ready_since = now;
	if (g->consumed + g->inflight >= cap_budget(s, g)) {
		v->state = ST_PARKED;
		return;
	}
	v->state = ST_READY;
	if (v->credit > 0) /* UNDER: credit left this period */
		list_push(s, &s->under_head, &s->under_tail, i);
	else
		list_push(s, &s->over_head, &s->over_tail, i);
}

static void run_on(struct hsim *s, int pc, int i, uint64_t now)
{
	struct vcpu *v = &s->v[i];
	struct pcpu *c = &s->pc[pc];
	struct guest *g = &s->g[v->guest];

	if (c->running < 0)
		c->idle += (double)(now - c->idle_since);
	if (now > v->ready_since && now > s->t_warm)
		s->r->kind[g->kind].steal_s += (double)(now - (v->ready_since > s->t_warm ? v->ready_since
		                                                                        : s->t_warm)) /
		                               s->p->clock_hz;
	c->running = i;
	v->state = ST_RUNNING;
	v->pcpu = pc;
	v->run_begin = now;
	v->run_switch = c->last_guest != v->guest ? s->c->switch_cycles[s->tech] : 0;
	c->last_guest = v->guest;
	double len = v->run_switch + v->remaining;
	double budget = cap_budget(s, g) - g->consumed - g->inflight;
	if (len > s->tslice)
		len = s->tslice;
	if (len > budget)
		len = budget > 1 ? budget : 1;
	v->granted = ceil(len);
	g->inflight += v->granted;
	sched(s, now + (uint64_t)v->granted, E_RUNEND, (uint32_t)pc, 0, &v->h);
}

static void dispatch(struct hsim *s, uint64_t now)
{
	for (unsigned pc = 0; pc < s->p->pcpus; pc++) {
		if (s->pc[pc].running >= 0)
			continue;
		int i;
		do { /* parked since it was listed: it waits for the next period */
			i = list_pop(s, &s->under_head, &s->under_tail);
			if (i < 0)
				i = list_pop(s, &s->over_head, &s->over_tail);
		} while (i >= 0 && s->v[i].state != ST_READY);
		if (i < 0)
			return;
		run_on(s, (int)pc, i, now);
	}
}

/* A vCPU without a request takes the next queued one of its guest. */
static int take(struct hsim *s, int i, uint64_t now)
{
	struct vcpu *v = &s->v[i];
	struct guest *g = &s->g[v->guest];
	const struct vl_cap_kind *k = &s->p->kinds[g->kind];

	if (k->rate == 0) { /* closed loop: always a next job while the guest lives */
		if (!g->active)
			return 0;
		draw(s, g->kind, &v->r);
		v->r.arrive = (double)now;
		g->in_system++;
	} else {
		if (!g->qlen)
			return 0;
		v->r = g->q[g->qhead];
		g->qhead = (g->qhead + 1) % g->qcap;
		g->qlen--;
	}
	v->r.taken = (double)now;
	v->remaining = v->r.virt;
	return 1;
}

static void complete(struct hsim *s, unsigned gi, const struct req *r, uint64_t now)
{
	struct guest *g = &s->g[gi];
	struct vl_cap_kindres *kr = &s->r->kind[g->kind];

	g->in_system--;
	if (now >= s->t_warm && now <= s->t_end)
		kr->completed++;
	if (r->arrive >= (double)s->t_warm) {
		lat_add(&s->lat[g->kind], (now - r->arrive) / s->p->clock_hz);
		lat_add(&s->wait[g->kind], (r->taken - r->arrive) / s->p->clock_hz);
	}
}

static void io_stage(struct hsim *s, unsigned gi, const struct req *r, uint64_t now, int disk)
{
	const struct vl_cap_plan *p = s->p;
	double bytes = disk ? r->disk + r->swap_pages * 4096 : r->net;
	double ops = disk ? (r->disk > 0) + r->swap_pages : 1;
	double lat = (disk ? p->disk_latency_us : p->net_latency_us) * 1e-6 * p->clock_hz;
	double mbs = disk ? p->disk_mbs : p->net_mbs;
	double service = ops * lat + bytes / (mbs * 1e6) * p->clock_hz;
	double *free_at = disk ? &s->disk_free : &s->net_free;
	double start = *free_at > (double)now ? *free_at : (double)now;

	if (s->nio == s->capio) {
		size_t cap = s->capio ? 2 * s->capio : 256;
		struct req *nr = realloc(s->io, cap * sizeof(*nr));
		unsigned *ng = realloc(s->io_guest, cap * sizeof(*ng));
		if (nr)
			s->io = nr;
		if (ng)
			s->io_guest = ng;
		if (!nr || !ng) {
			s->failed = 1;
			vl_err_set(s->err, VL_ENOMEM, "out of memory");
			return;
		}
		s->capio = cap;
	}
	*free_at = start + service;
	*(disk ? &s->disk_busy : &s->net_busy) += service;
	s->io[s->nio] = *r;
	s->io_guest[s->nio] = gi;
	sched(s, (uint64_t)ceil(*free_at), disk ? E_DISKDONE : E_NETDONE, 0, s->nio, NULL);
	s->nio++;
}

/* The CPU part of v's request is done: on to the devices (returns 1), or complete. */
static int cpu_done(struct hsim *s, struct vcpu *v, uint64_t now)
{
	if (v->r.disk > 0 || v->r.swap_pages > 0)
		io_stage(s, v->guest, &v->r, now, 1);
	else if (v->r.net > 0)
		io_stage(s, v->guest, &v->r, now, 0);
	else {
		complete(s, v->guest, &v->r, now);
		return 0;
	}
	return 1;
}

static void on_runend(struct hsim *s, unsigned pc, uint64_t now)
{
	struct pcpu *c = &s->pc[pc];
	int i = c->running;
	struct vcpu *v = &s->v[i];
	struct guest *g = &s->g[v->guest];
	struct vl_cap_kindres *kr = &s->r->kind[g->kind];
	double used = (double)(now - v->run_begin);
	double sw = v->run_switch < used ? v->run_switch : used;
	double progress = used - sw;

	if (progress > v->remaining)
		progress = v->remaining;
	g->inflight -= v->granted;
	v->remaining -= progress;
	v->credit -= used;
	g->consumed += used;
	s->busy += used;
	if (now > s->t_warm) {
		double f = v->r.virt > 0 ? v->r.native / v->r.virt : 1;
		kr->work_s += progress * f / s->p->clock_hz;
		kr->overhead_s += (progress * (1 - f) + sw) / s->p->clock_hz;
	}
	c->running = -1;
	c->idle_since = now;
	if (v->remaining <= 0.5) {
		/* a closed-loop job waits for its own I/O before the next one */
		int io = cpu_done(s, v, now);
		if (io && s->p->kinds[g->kind].rate == 0)
			v->state = ST_IDLE;
		else if (take(s, i, now))
			make_ready(s, i, now);
		else
			v->state = ST_IDLE;
	} else {
		make_ready(s, i, now);
	}
	/* a capped guest out of budget: park its waiting vCPUs too */
	if (g->consumed >= cap_budget(s, g)) {
		for (unsigned k = g->first_vcpu; k < g->first_vcpu + g->nvcpus; k++)
			if (s->v[k].state == ST_READY) {
				/* rebuilt from scratch at the next tick: mark only */
				s->v[k].state = ST_PARKED;
			}
	}
	dispatch(s, now);
}

static void rebuild_lists(struct hsim *s)
{
	int order[4096];
	unsigned n = 0;

	s->under_head = s->under_tail = s->over_head = s->over_tail = -1;
	for (unsigned i = 0; i < s->nv && n < 4096; i++)
		if (s->v[i].state == ST_READY || s->v[i].state == ST_PARKED)
			order[n++] = (int)i;
	/* oldest first: insertion sort by ready_since (few entries) */
	for (unsigned a = 1; a < n; a++)
		for (unsigned b = a; b > 0 && s->v[order[b]].ready_since < s->v[order[b - 1]].ready_since;
		     b--) {
			int tmp = order[b];
			order[b] = order[b - 1];
			order[b - 1] = tmp;
		}
	for (unsigned a = 0; a < n; a++) {
		struct vcpu *v = &s->v[order[a]];
		uint64_t since = v->ready_since;
		make_ready(s, order[a], since);
	}
}

static void on_tick(struct hsim *s, uint64_t now)
{
	double wsum = 0;

	for (unsigned gi = 0; gi < s->ng; gi++) {
		struct guest *g = &s->g[gi];
		int active = g->consumed > 0;
		for (unsigned k = g->first_vcpu; k < g->first_vcpu + g->nvcpus; k++)
			active |= s->v[k].state != ST_IDLE;
		if (active && g->admitted)
			wsum += s->p->kinds[g->kind].weight;
	}
	for (unsigned gi = 0; gi < s->ng && wsum > 0; gi++) {
		struct guest *g = &s->g[gi];
		unsigned nact = 0;
		int active = g->consumed > 0;
		for (unsigned k = g->first_vcpu; k < g->first_vcpu + g->nvcpus; k++) {
			active |= s->v[k].state != ST_IDLE;
			nact += s->v[k].state != ST_IDLE;
		}
		if (!active || !g->admitted)
			continue;
		double share = s->p->pcpus * s->period * s->p->kinds[g->kind].weight / wsum;
		if (share > cap_budget(s, g))
			share = cap_budget(s, g);
		share /= nact ? nact : 1;
		for (unsigned k = g->first_vcpu; k < g->first_vcpu + g->nvcpus; k++) {
			struct vcpu *v = &s->v[k];
			if (v->state == ST_IDLE)
				continue;
			v->credit += share;
			if (v->credit > s->period)
				v->credit = s->period;
			if (v->credit < -s->period)
				v->credit = -s->period;
		}
		g->consumed = 0;
	}
	rebuild_lists(s);
	/* an UNDER vCPU waiting while an OVER one runs: preempt (Xen's tickle) */
	for (unsigned pc = 0; pc < s->p->pcpus && s->under_head >= 0; pc++) {
		int i = s->pc[pc].running;
		if (i >= 0 && s->v[i].credit <= 0 && vl_queue_cancel(&s->q, s->v[i].h))
			on_runend(s, pc, now);
	}
	dispatch(s, now);
	if (now < s->t_end)
		sched(s, now + (uint64_t)s->period, E_TICK, 0, 0, NULL);
}

static void on_arrival(struct hsim *s, unsigned gi, uint64_t now)
{
	struct guest *g = &s->g[gi];
	const struct vl_cap_kind *k = &s->p->kinds[g->kind];

	if (!g->active)
		return;
	if (g->qlen == g->qcap) {
		size_t cap = g->qcap ? 2 * g->qcap : 64;
		struct req *q = malloc(cap * sizeof(*q));
		if (!q) {
			s->failed = 1;
			vl_err_set(s->err, VL_ENOMEM, "out of memory");
			return;
		}
		for (size_t i = 0; i < g->qlen; i++)
			q[i] = g->q[(g->qhead + i) % (g->qcap ? g->qcap : 1)];
		free(g->q);
		g->q = q;
		g->qhead = 0;
		g->qcap = cap;
	}
	struct req *r = &g->q[(g->qhead + g->qlen) % g->qcap];
	draw(s, g->kind, r);
	r->arrive = (double)now;
	g->qlen++;
	g->in_system++;
	for (unsigned i = g->first_vcpu; i < g->first_vcpu + g->nvcpus; i++)
		if (s->v[i].state == ST_IDLE && take(s, (int)i, now)) {
			make_ready(s, (int)i, now);
			break;
		}
	dispatch(s, now);
	double gap = gsl_ran_exponential(s->rarr, s->p->clock_hz / k->rate);
	if (now + gap < s->t_end)
		sched(s, now + (uint64_t)ceil(gap), E_ARRIVAL, gi, 0, NULL);
}

static void on_start(struct hsim *s, unsigned gi, uint64_t now)
{
	struct guest *g = &s->g[gi];
	const struct vl_cap_kind *k = &s->p->kinds[g->kind];

	g->active = 1;
	if (k->rate > 0) {
		double gap = gsl_ran_exponential(s->rarr, s->p->clock_hz / k->rate);
		sched(s, now + (uint64_t)ceil(gap), E_ARRIVAL, gi, 0, NULL);
	} else {
		for (unsigned i = g->first_vcpu; i < g->first_vcpu + g->nvcpus; i++)
			if (s->v[i].state == ST_IDLE && take(s, (int)i, now))
				make_ready(s, (int)i, now);
		dispatch(s, now);
	}
}

static double footprint(const struct vl_cap_plan *p, const struct vl_memory *m,
                        const struct vl_cap_kind *k, int first_of_kind)
{
	double own = k->memory_mb + (m->shared_kernel ? 0 : p->guest_kernel_mb);
	double shared = first_of_kind ? 0 : own * p->page_sharing;
	return own - shared + m->fixed_mb + m->per_guest_mb * k->memory_mb;
}

static double quantile(double *v, size_t n, double q)
{
	return n ? gsl_stats_quantile_from_sorted_data(v, 1, n, q) : NAN;
}

int vl_cap_simulate(struct vl_cap_ctx *c, size_t tech, unsigned count, unsigned replication,
                    struct vl_cap_result *r, struct vl_err *err)
{
	const struct vl_cap_plan *p = c->p;
	struct hsim s;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	s.p = p, s.c = c, s.tech = tech, s.r = r, s.err = err;
	s.tslice = p->tslice_ms * 1e-3 * p->clock_hz;
	s.period = p->period_ms * 1e-3 * p->clock_hz;
	s.t_end = (uint64_t)(p->duration_s * p->clock_hz);
	s.t_warm = (uint64_t)(p->warmup_s * p->clock_hz);
	s.t_mid = (s.t_warm + s.t_end) / 2;
	s.under_head = s.under_tail = s.over_head = s.over_tail = -1;
	uint64_t seed = p->seed ^ ((uint64_t)tech << 40) ^ ((uint64_t)count << 20);
	s.rarr = vl_rng_new(seed, replication, CAP_RNG_ARRIVAL);
	s.rdem = vl_rng_new(seed, replication, CAP_RNG_DEMAND);
	s.rswap = vl_rng_new(seed, replication, CAP_RNG_SWAP);

	/* guests: unit by unit, kind by kind; memory fitted in that order */
	for (size_t k = 0; k < p->nkinds; k++)
		s.ng += count * p->kinds[k].share;
	s.g = calloc(s.ng ? s.ng : 1, sizeof(*s.g));
	s.pc = calloc(p->pcpus, sizeof(*s.pc));
	if (!s.g || !s.pc || !s.rarr || !s.rdem || !s.rswap) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}
	unsigned gi = 0, seen[VL_CAP_MAX_KINDS] = {0};
	double mem = 0, mem_all = 0;
	for (unsigned u = 0; u < count; u++)
		for (size_t k = 0; k < p->nkinds; k++)
			for (unsigned j = 0; j < p->kinds[k].share; j++) {
				struct guest *g = &s.g[gi++];
				g->kind = (unsigned)k;
				g->footprint = footprint(p, &c->mem[tech], &p->kinds[k], seen[k]++ == 0);
				g->first_vcpu = s.nv;
				g->nvcpus = p->kinds[k].vcpus;
				s.nv += g->nvcpus;
				mem_all += g->footprint;
				g->admitted = p->swap || mem + g->footprint <= p->memory_mb;
				if (g->admitted)
					mem += g->footprint;
				r->kind[k].guests++;
				r->kind[k].admitted += (unsigned)g->admitted;
				r->kind[k].memory_mb += g->admitted ? g->footprint : 0;
			}
	r->guests = s.ng;
	for (size_t k = 0; k < p->nkinds; k++)
		r->admitted += r->kind[k].admitted;
	r->memory_mb = mem;
	r->memory_host_mb = p->memory_mb;
	if (p->swap && mem_all > p->memory_mb)
		s.miss = 1 - p->memory_mb / mem_all;
	s.v = calloc(s.nv ? s.nv : 1, sizeof(*s.v));
	if (!s.v) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}
	for (gi = 0; gi < s.ng; gi++)
		for (unsigned k = 0; k < s.g[gi].nvcpus; k++) {
			struct vcpu *v = &s.v[s.g[gi].first_vcpu + k];
			v->guest = gi;
			v->pcpu = -1;
			v->next = -1;
		}
	for (unsigned pc = 0; pc < p->pcpus; pc++)
		s.pc[pc].running = -1, s.pc[pc].last_guest = UINT32_MAX;

	if ((rc = vl_queue_init(&s.q, vl_queue_impls[0], err)))
		goto out;
	unsigned idx[VL_CAP_MAX_KINDS] = {0};
	for (gi = 0; gi < s.ng; gi++) {
		const struct vl_cap_kind *k = &p->kinds[s.g[gi].kind];
		if (!s.g[gi].admitted)
			continue;
		double start = k->start_s + k->stagger_s * idx[s.g[gi].kind]++;
		sched(&s, (uint64_t)(start * p->clock_hz), E_START, gi, 0, NULL);
		if (k->lifetime_s > 0)
			sched(&s, (uint64_t)((start + k->lifetime_s) * p->clock_hz), E_STOP, gi, 0, NULL);
	}
	sched(&s, (uint64_t)s.period, E_TICK, 0, 0, NULL);
	int mid_done = 0;
	struct vl_qev ev;
	while (!s.failed && vl_queue_next(&s.q, &ev)) {
		if (ev.time > s.t_end)
			break;
		if (!mid_done && ev.time >= s.t_mid) {
			for (gi = 0; gi < s.ng; gi++)
				s.backlog_mid += s.g[gi].in_system;
			mid_done = 1;
		}
		switch (ev.kind) {
		case E_ARRIVAL: on_arrival(&s, ev.target, ev.time); break;
		case E_RUNEND: on_runend(&s, ev.target, ev.time); break;
		case E_TICK: on_tick(&s, ev.time); break;
		case E_START: on_start(&s, ev.target, ev.time); break;
		case E_STOP: s.g[ev.target].active = 0; break;
		case E_DISKDONE:
		case E_NETDONE: {
			struct req q = s.io[ev.arg]; /* io_stage may move s.io */
			unsigned g2 = s.io_guest[ev.arg];
			if (ev.kind == E_DISKDONE && q.net > 0) {
				io_stage(&s, g2, &q, ev.time, 0);
				break;
			}
			complete(&s, g2, &q, ev.time);
			/* a closed-loop vCPU waits for its job's I/O: wake it */
			if (p->kinds[s.g[g2].kind].rate == 0)
				for (unsigned i = s.g[g2].first_vcpu; i < s.g[g2].first_vcpu + s.g[g2].nvcpus; i++)
					if (s.v[i].state == ST_IDLE && take(&s, (int)i, ev.time))
						make_ready(&s, (int)i, ev.time), dispatch(&s, ev.time);
			break;
		}
		}
	}
	if (s.failed) {
		rc = err->code ? err->code : VL_ENOMEM;
		goto out;
	}

	/* results */
	double window = (double)(s.t_end - s.t_warm) / p->clock_hz;
	uint64_t backlog = 0;
	double offered = 0;
	for (gi = 0; gi < s.ng; gi++) {
		backlog += s.g[gi].in_system;
		const struct vl_cap_kind *k = &p->kinds[s.g[gi].kind];
		if (s.g[gi].admitted && k->rate > 0)
			offered += k->rate * c->d[tech][s.g[gi].kind].mean_virt;
	}
	for (unsigned pc = 0; pc < p->pcpus; pc++)
		if (s.pc[pc].running < 0)
			s.pc[pc].idle += (double)(s.t_end - s.pc[pc].idle_since);
	r->offered = offered / (p->pcpus * p->clock_hz);
	uint64_t completed = 0;
	for (size_t k = 0; k < p->nkinds; k++)
		completed += r->kind[k].completed;
	r->stable = r->offered < 0.999 && !(backlog > 100 && backlog > completed / 10 &&
	                                    backlog > 2 * s.backlog_mid);
	r->sim_s = p->duration_s;
	double idle = 0;
	for (unsigned pc = 0; pc < p->pcpus; pc++)
		idle += s.pc[pc].idle;
	r->idle_s = idle / p->clock_hz;
	r->cpu_util = 1 - idle / ((double)s.t_end * p->pcpus);
	r->disk_util = s.disk_busy / (double)s.t_end;
	r->net_util = s.net_busy / (double)s.t_end;
	r->slowdown = 0;
	r->p99_ms = 0;
	for (size_t k = 0; k < p->nkinds; k++) {
		struct vl_cap_kindres *kr = &r->kind[k];
		const struct demand *d = &c->d[tech][k];
		struct lat *l = &s.lat[k];
		kr->throughput = (double)kr->completed / window;
		if (l->n) {
			gsl_sort(l->v, 1, l->n);
			kr->mean_ms = 1e3 * gsl_stats_mean(l->v, 1, l->n);
			kr->p50_ms = 1e3 * quantile(l->v, l->n, 0.50);
			kr->p95_ms = 1e3 * quantile(l->v, l->n, 0.95);
			kr->p99_ms = 1e3 * quantile(l->v, l->n, 0.99);
			kr->wait_ms = 1e3 * gsl_stats_mean(s.wait[k].v, 1, s.wait[k].n);
			/* the native latency of one request on an idle host */
			double alone = d->mean_native / p->clock_hz +
			               (d->mean_disk > 0 ? p->disk_latency_us * 1e-6 + d->mean_disk / (p->disk_mbs * 1e6) : 0) +
			               (d->mean_net > 0 ? p->net_latency_us * 1e-6 + d->mean_net / (p->net_mbs * 1e6) : 0);
			kr->slowdown = alone > 0 ? kr->mean_ms * 1e-3 / alone : 0;
		} else {
			kr->mean_ms = kr->p50_ms = kr->p95_ms = kr->p99_ms = kr->wait_ms = NAN;
			kr->slowdown = NAN;
		}
		if (kr->admitted && (isnan(kr->slowdown) || kr->slowdown > r->slowdown))
			r->slowdown = isnan(kr->slowdown) ? r->slowdown : kr->slowdown;
		if (kr->admitted && kr->p99_ms > r->p99_ms)
			r->p99_ms = kr->p99_ms;
	}
out:
	for (size_t k = 0; k < VL_CAP_MAX_KINDS; k++) {
		free(s.lat[k].v);
		free(s.wait[k].v);
	}
	if (s.g)
		for (gi = 0; gi < s.ng; gi++)
			free(s.g[gi].q);
	free(s.g);
	free(s.v);
	free(s.pc);
	free(s.io);
	free(s.io_guest);
	if (s.q.ops)
		vl_queue_release(&s.q);
	if (s.rarr)
		gsl_rng_free(s.rarr);
	if (s.rdem)
		gsl_rng_free(s.rdem);
	if (s.rswap)
		gsl_rng_free(s.rswap);
	return rc;
}
