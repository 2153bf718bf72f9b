/*
 * Capacity planning on the discrete-event core (docs/capacity.md). Each
 * (workload, technique) pair is profiled once: requests of the workload are
 * replayed through the technique's model, and each is kept as recorded
 * steps (the cycles its events cost up to each I/O, that I/O, its page
 * faults). A host simulation is then one run of sim/: a guest per planned
 * guest, with its own instance of the technique's model, whose vCPUs serve
 * requests drawn from that pool, on the core's pCPUs, credit scheduler,
 * devices and integer cycle time.
 */
#include <gsl/gsl_randist.h>
#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/capacity.h"
#include "experiments/runner.h"
#include "sim/registry.h"
#include "sim/rng.h"
#include "sim/sim.h"
#include "traces/gen.h"

/* One request of a workload under a technique, as recorded. */
struct req {
	struct vl_step *steps;
	uint32_t *faults;         /* page faults before each step: what host swap may touch */
	size_t nsteps;
	double virt, native;      /* CPU cycles, with and without the technique */
	double disk, net;         /* bytes */
};

/* The recorded requests of one workload under one technique. */
struct demand {
	size_t n;
	struct req *r;
	int exp;                  /* exp:MEAN_MS: exponential, drawn on the fly */
	double exp_mean, ratio;   /* mean native cycles; virt/native of user code */
	uint32_t extra_mech;      /* exp: the mechanism the technique's extra is charged to */
	double mean_virt, mean_native, mean_disk, mean_net;
};

struct vl_cap_ctx {
	const struct vl_cap_plan *p;
	struct demand d[VL_CAP_MAX_TECH][VL_CAP_MAX_KINDS];
	struct vl_memory mem[VL_CAP_MAX_TECH]; /* the model's, or what the plan says */
	struct vl_config cfg[VL_CAP_MAX_TECH]; /* each technique, resolved: the guests' models */
	int have_cfg[VL_CAP_MAX_TECH];
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

/* Charges ev through in; adds the cycles of each mechanism to mech (if non-NULL). */
static uint64_t inst_charge(struct inst *in, const struct vl_event *ev, uint64_t *mech)
{
	struct vl_charge ch = {0};
	uint64_t c = 0;

	in->m->on_event(in->state, ev, &ch);
	for (unsigned i = 0; i < ch.n; i++) {
		c += ch.c[i].cycles;
		if (mech)
			mech[ch.c[i].mech] += ch.c[i].cycles;
	}
	return c;
}

/* The mechanism other than direct with the most cycles (direct if none). */
static uint32_t extra_mech(const uint64_t *mech)
{
	uint32_t best = VL_MECH_DIRECT;

	for (uint32_t m = 0; m < VL_MECH__COUNT; m++)
		if (m != VL_MECH_DIRECT && mech[m] > (best == VL_MECH_DIRECT ? 0 : mech[best]))
			best = m;
	return best;
}

enum wl { WL_GEN, WL_EXP, WL_TRACE };

static int workload_spec(const char *w, char *kind, size_t len, uint64_t *iters, double *exp_ms)
{
	*exp_ms = 0;
	*iters = 1;
	if (!strncmp(w, "exp:", 4)) {
		char *end;
		*exp_ms = strtod(w + 4, &end);
		return *end || !(*exp_ms > 0) ? -1 : WL_EXP;
	}
	if (!strncmp(w, "trace:", 6))
		return w[6] ? WL_TRACE : -1;
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
	return WL_GEN;
}

static void demand_free(struct demand *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->r[i].steps);
		free(d->r[i].faults);
	}
	free(d->r);
}

/* A request being recorded: the segment since the last I/O, and the steps so far. */
struct rec {
	struct req *q;
	size_t cap;
	uint64_t mech[VL_MECH__COUNT]; /* the segment's cycles, by mechanism */
	uint64_t native;               /* the segment's cycles under native */
	uint32_t faults;
};

static int rec_push(struct rec *r, uint64_t cycles, const struct vl_event *io, uint32_t mech,
                    uint32_t faults)
{
	struct req *q = r->q;

	if (q->nsteps == r->cap) {
		size_t cap = r->cap ? 2 * r->cap : 8;
		struct vl_step *st = realloc(q->steps, cap * sizeof(*st));
		if (st)
			q->steps = st;
		uint32_t *f = realloc(q->faults, cap * sizeof(*f));
		if (f)
			q->faults = f;
		if (!st || !f)
			return VL_ENOMEM;
		r->cap = cap;
	}
	q->steps[q->nsteps] = (struct vl_step){cycles, {VL_EV__COUNT, 0, 0, 0, 0}, mech};
	if (io)
		q->steps[q->nsteps].io = *io;
	q->faults[q->nsteps] = faults;
	q->nsteps++;
	return 0;
}

/*
 * Ends the segment, with io (or none): its native part as guest work
 * (direct), the technique's extra under its largest mechanism, then io.
 */
static int rec_flush(struct rec *r, const struct vl_event *io)
{
	uint64_t virt = 0;

	for (int m = 0; m < VL_MECH__COUNT; m++)
		virt += r->mech[m];
	uint64_t work = r->native < virt ? r->native : virt, extra = virt - work;
	int rc = 0;
	if (work || (!extra && io))
		rc = rec_push(r, work, extra ? NULL : io, VL_MECH_DIRECT, r->faults);
	else if (r->faults && !extra)
		rc = rec_push(r, 0, NULL, VL_MECH_DIRECT, r->faults);
	if (!rc && extra)
		rc = rec_push(r, extra, io, extra_mech(r->mech), work ? 0 : r->faults);
	r->q->virt += (double)virt;
	r->q->native += (double)r->native;
	memset(r->mech, 0, sizeof(r->mech));
	r->native = 0;
	r->faults = 0;
	return rc;
}

/* Records one request from src through vm (and nat for its native cost). */
static int record(struct inst *vm, struct inst *nat, struct vl_source *src, struct req *q,
                  uint64_t *events, struct vl_err *err)
{
	static struct vl_event buf[4096];
	struct rec r = {.q = q, .faults = 1}; /* the request's first touch may find its page out */
	long m;

	while ((m = src->read(src->ctx, buf, sizeof(buf) / sizeof(buf[0]), err)) > 0) {
		for (long e = 0; e < m; e++) {
			const struct vl_event *ev = &buf[e];
			inst_charge(vm, ev, r.mech);
			r.native += inst_charge(nat, ev, NULL);
			if (ev->type == VL_EV_PGFAULT)
				r.faults++;
			if (ev->type == VL_EV_DISK)
				q->disk += ev->n;
			else if (ev->type == VL_EV_NET)
				q->net += ev->n;
			if (vl_ev_waits(ev->type) && rec_flush(&r, ev))
				return vl_err_set(err, VL_ENOMEM, "out of memory");
		}
		*events += (uint64_t)m;
	}
	if (m < 0)
		return err->code;
	if (rec_flush(&r, NULL))
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	return 0;
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
	uint64_t iters, events = 0;
	double exp_ms;
	int rc = 0, wl = workload_spec(ki->workload, kind, sizeof(kind), &iters, &exp_ms);

	if (wl < 0)
		return vl_err_set(err, VL_EINVAL, "%s:%d: [guest %s] workload '%s': gen:KIND:Ni, "
		                  "trace:PATH or exp:MEAN_MS", p->file, ki->line, ki->name, ki->workload);
	if ((rc = inst_new(&vm, te->model, te->profile, p->host_profile, te->ovname, te->ovvalue,
	                   te->nov, err)))
		return vl_err_prefix(err, "%s:%d: [technique %s]", p->file, te->line, te->name);
	if ((rc = inst_new(&nat, "native", NULL, p->host_profile, NULL, NULL, 0, err))) {
		inst_free(&vm);
		return rc;
	}
	if (wl == WL_EXP) {
		/* exponential demand of plain user code: the technique's ratio on it */
		struct vl_event ev = {.type = VL_EV_USER, .n = 100000};
		uint64_t mech[VL_MECH__COUNT] = {0};
		double v = (double)inst_charge(&vm, &ev, mech), n = (double)inst_charge(&nat, &ev, NULL);
		d->exp = 1;
		d->exp_mean = exp_ms * 1e-3 * p->clock_hz;
		d->ratio = n > 0 ? v / n : 1;
		d->extra_mech = extra_mech(mech);
		d->mean_native = d->exp_mean;
		d->mean_virt = d->exp_mean * d->ratio;
		goto out;
	}
	/* a trace file is one request, recorded once from a cold model, as virtlab run replays it */
	size_t cap = wl == WL_TRACE ? 1 : PROFILE_MAX_REQUESTS;
	if (!(d->r = calloc(cap, sizeof(*d->r)))) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < cap; i++) {
		struct vl_source src;
		void *h = NULL;
		if (wl == WL_TRACE) {
			char name[256];
			rc = vl_source_open(ki->workload + 6, p->seed, &src, &h, name, sizeof(name), err);
		} else {
			struct vl_gen *g = NULL;
			rc = vl_gen_new_iters(&g, kind, iters, vl_rng_mix(p->seed, (unsigned)i,
			                                                   VL_RNG_REQUEST), err);
			if (!rc)
				src = vl_gen_source(g), h = g;
		}
		if (rc) {
			vl_err_prefix(err, "%s:%d: [guest %s] workload", p->file, ki->line, ki->name);
			goto out;
		}
		d->n = i + 1; /* freed with the demand, even half recorded */
		rc = record(&vm, &nat, &src, &d->r[i], &events, err);
		if (wl == WL_TRACE)
			vl_source_close(ki->workload + 6, h, NULL);
		else
			vl_gen_free(h);
		if (rc)
			goto out;
		if (d->n >= PROFILE_MIN_REQUESTS && events > PROFILE_EVENT_BUDGET)
			break;
	}
	for (size_t i = 0; i < d->n; i++) {
		d->mean_virt += d->r[i].virt / (double)d->n;
		d->mean_native += d->r[i].native / (double)d->n;
		d->mean_disk += d->r[i].disk / (double)d->n;
		d->mean_net += d->r[i].net / (double)d->n;
	}
out:
	if (!rc && !c->have_cfg[t]) {
		/* the guests' models, and the technique's memory: its model's, unless the plan says */
		struct vl_params prm;
		c->cfg[t] = vm.cfg;
		c->cfg[t].v = malloc((vm.m->nparams ? vm.m->nparams : 1) * sizeof(double));
		if (!c->cfg[t].v) {
			rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		} else {
			memcpy(c->cfg[t].v, vm.cfg.v, vm.m->nparams * sizeof(double));
			c->have_cfg[t] = 1;
			vl_config_params(&c->cfg[t], 1, &prm);
			vl_model_memory(vm.m, &prm, &c->mem[t]);
			if (te->monitor_mb >= 0)
				c->mem[t].fixed_mb = te->monitor_mb;
			if (te->pt_fraction >= 0)
				c->mem[t].per_guest_mb = te->pt_fraction;
			if (te->shared_kernel >= 0)
				c->mem[t].shared_kernel = te->shared_kernel >= 0.5;
		}
	}
	inst_free(&vm);
	inst_free(&nat);
	return rc;
}

/* A limit or time the technique's model states as a parameter (sim/model.h); 0: none. */
static double model_limit(const struct vl_config *cfg, const char *name)
{
	int i = vl_param_find(cfg->model->params, cfg->model->nparams, name);

	return i < 0 ? 0 : cfg->v[i];
}

int vl_cap_ctx_new(struct vl_cap_ctx **out, const struct vl_cap_plan *p, struct vl_err *err)
{
	struct vl_cap_ctx *c = calloc(1, sizeof(*c));

	*out = NULL;
	if (!c)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	c->p = p;
	for (size_t t = 0; t < p->ntechs; t++)
		for (size_t k = 0; k < p->nkinds; k++) {
			if (profile(c, t, k, err)) {
				vl_cap_ctx_free(c);
				return err->code;
			}
			double max = model_limit(&c->cfg[t], VL_LIMIT_VCPUS);
			if (max > 0 && p->kinds[k].vcpus > max) {
				vl_err_set(err, VL_EINVAL, "line %d: [guest %s] vcpus %u: technique %s (%s, "
				           "profile %s) runs guests of at most %g vCPUs (its %s)",
				           p->kinds[k].line, p->kinds[k].name, p->kinds[k].vcpus,
				           p->techs[t].name, c->cfg[t].model->name,
				           c->cfg[t].profile ? c->cfg[t].profile->name : "-", max,
				           VL_LIMIT_VCPUS);
				vl_cap_ctx_free(c);
				return err->code;
			}
		}
	*out = c;
	return 0;
}

void vl_cap_ctx_free(struct vl_cap_ctx *c)
{
	if (!c)
		return;
	for (size_t t = 0; t < VL_CAP_MAX_TECH; t++) {
		for (size_t k = 0; k < VL_CAP_MAX_KINDS; k++)
			demand_free(&c->d[t][k]);
		if (c->have_cfg[t])
			vl_config_release(&c->cfg[t]);
	}
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

/* ---- the host simulation: one run of the core ---- */

struct lat {
	double *v;
	size_t n, cap;
};

struct hsim;

/* A planned guest, as the core's request callbacks see it. */
struct hguest {
	struct hsim *s;
	unsigned kind, first_vcpu;
};

/* Steps of a vCPU's current request when they are built for it (exp:, or host swap). */
struct vbuf {
	struct vl_step *st;
	size_t cap;
};

struct hsim {
	const struct vl_cap_plan *p;
	const struct vl_cap_ctx *c;
	size_t tech;
	gsl_rng *rdem, *rswap;
	double miss;               /* probability a touched page is out in host swap */
	uint64_t t_warm, t_end;
	struct hguest *g;
	struct vbuf *vb;
	struct lat lat[VL_CAP_MAX_KINDS], wait[VL_CAP_MAX_KINDS];
	uint64_t completed[VL_CAP_MAX_KINDS];
	int failed;                /* out of memory in a callback */
};

static void lat_add(struct hsim *s, struct lat *l, double x)
{
	if (l->n == l->cap) {
		size_t cap = l->cap ? 2 * l->cap : 1024;
		double *v = realloc(l->v, cap * sizeof(double));
		if (!v) {
			s->failed = 1;
			return;
		}
		l->v = v;
		l->cap = cap;
	}
	l->v[l->n++] = x;
}

static int vbuf_reserve(struct vbuf *b, size_t n)
{
	if (n <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 8;
	while (cap < n)
		cap *= 2;
	struct vl_step *st = realloc(b->st, cap * sizeof(*st));
	if (!st)
		return VL_ENOMEM;
	b->st = st;
	b->cap = cap;
	return 0;
}

/* The core asks for a guest's next request: one drawn from the recorded ones. */
static int req_open(void *ctx, unsigned vcpu, uint64_t no, struct vl_request *r, struct vl_err *err)
{
	static const struct vl_event none = {.type = VL_EV__COUNT};
	static const struct vl_event page_in = {.type = VL_EV_DISK, .flags = VL_EVF_SYNTH, .n = 4096};
	struct hguest *g = ctx;
	struct hsim *s = g->s;
	const struct demand *d = &s->c->d[s->tech][g->kind];
	struct vbuf *b = &s->vb[g->first_vcpu + vcpu];

	(void)no;
	if (d->exp) {
		double native = gsl_ran_exponential(s->rdem, d->exp_mean);
		uint64_t work = (uint64_t)(native + 0.5), virt = (uint64_t)(native * d->ratio + 0.5);
		if (vbuf_reserve(b, 2))
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		b->st[0] = (struct vl_step){work < virt ? work : virt, none, VL_MECH_DIRECT};
		b->st[1] = (struct vl_step){virt > work ? virt - work : 0, none, d->extra_mech};
		r->steps = b->st;
		r->nsteps = 2;
		return 0;
	}
	const struct req *q = &d->r[gsl_rng_uniform_int(s->rdem, d->n)];
	if (!(s->miss > 0)) {
		r->steps = q->steps;
		r->nsteps = q->nsteps;
		return 0;
	}
	/* host swap: each page the step touches is out with probability miss, read back first */
	size_t n = 0;
	for (size_t i = 0; i < q->nsteps; i++) {
		unsigned out = q->faults[i] ? gsl_ran_binomial(s->rswap, s->miss, q->faults[i]) : 0;
		if (vbuf_reserve(b, n + out + 1))
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		for (unsigned k = 0; k < out; k++)
			b->st[n++] = (struct vl_step){0, page_in, VL_MECH_DIRECT};
		b->st[n++] = q->steps[i];
	}
	r->steps = b->st;
	r->nsteps = n;
	return 0;
}

static void req_done(void *ctx, uint64_t no, uint64_t arrive, uint64_t start, uint64_t end)
{
	struct hguest *g = ctx;
	struct hsim *s = g->s;
	double hz = s->p->clock_hz;

	(void)no;
	if (end >= s->t_warm && end <= s->t_end)
		s->completed[g->kind]++;
	if (arrive >= s->t_warm) {
		lat_add(s, &s->lat[g->kind], (double)(end - arrive) / hz);
		lat_add(s, &s->wait[g->kind], (double)(start - arrive) / hz);
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

static uint64_t cycles_of(double seconds, double hz)
{
	return (uint64_t)(seconds * hz + 0.5);
}

int vl_cap_simulate(struct vl_cap_ctx *c, size_t tech, unsigned count, unsigned replication,
                    struct vl_cap_result *r, struct vl_err *err)
{
	const struct vl_cap_plan *p = c->p;
	const double hz = p->clock_hz;
	struct vl_sim *sim = NULL;
	struct hsim s;
	unsigned ng = 0, nv = 0, *gidx = NULL;
	int rc = 0;

	memset(r, 0, sizeof(*r));
	memset(&s, 0, sizeof(s));
	s.p = p, s.c = c, s.tech = tech;
	s.t_end = cycles_of(p->duration_s, hz);
	s.t_warm = cycles_of(p->warmup_s, hz);
	uint64_t seed = p->seed ^ ((uint64_t)tech << 40) ^ ((uint64_t)count << 20);
	s.rdem = vl_rng_new(seed, replication, VL_RNG_REQUEST);
	s.rswap = vl_rng_new(seed, replication, VL_RNG_SWAP);
	for (size_t k = 0; k < p->nkinds; k++)
		ng += count * p->kinds[k].share;
	s.g = calloc(ng ? ng : 1, sizeof(*s.g));
	gidx = calloc(ng ? ng : 1, sizeof(*gidx));
	if (!s.g || !gidx || !s.rdem || !s.rswap) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}

	/* memory: guests unit by unit, kind by kind, fitted in that order, up to
	 * the most guests the monitor runs */
	unsigned gi = 0, seen[VL_CAP_MAX_KINDS] = {0}, in = 0;
	double mem = 0, mem_all = 0, max_guests = model_limit(&c->cfg[tech], VL_LIMIT_GUESTS);
	for (unsigned u = 0; u < count; u++)
		for (size_t k = 0; k < p->nkinds; k++)
			for (unsigned j = 0; j < p->kinds[k].share; j++, gi++) {
				double f = footprint(p, &c->mem[tech], &p->kinds[k], seen[k]++ == 0);
				int admitted = (p->swap || mem + f <= p->memory_mb) &&
				               (max_guests <= 0 || in < max_guests);
				in += (unsigned)admitted;
				s.g[gi].s = &s;
				s.g[gi].kind = (unsigned)k;
				mem_all += f;
				if (admitted) {
					mem += f;
					s.g[gi].first_vcpu = nv;
					nv += p->kinds[k].vcpus;
				}
				gidx[gi] = admitted;
				r->kind[k].guests++;
				r->kind[k].admitted += (unsigned)admitted;
				r->kind[k].memory_mb += admitted ? f : 0;
			}
	r->guests = ng;
	for (size_t k = 0; k < p->nkinds; k++)
		r->admitted += r->kind[k].admitted;
	r->memory_mb = mem;
	r->memory_host_mb = p->memory_mb;
	if (p->swap && mem_all > p->memory_mb)
		s.miss = 1 - p->memory_mb / mem_all;
	if (!(s.vb = calloc(nv ? nv : 1, sizeof(*s.vb)))) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}

	/* the host: the plan's CPUs, clock and devices; the core's credit scheduler */
	struct vl_host host = c->cfg[tech].host;
	host.v[VL_H_CLOCK_HZ] = hz;
	host.v[VL_H_DISK_LATENCY_NS] = p->disk_latency_us * 1e3;
	host.v[VL_H_DISK_MBS] = p->disk_mbs;
	if (p->disk_channels >= 0)
		host.v[VL_H_DISK_CHANNELS] = p->disk_channels;
	if (p->disk_seek >= 0)
		host.v[VL_H_DISK_SEEK] = p->disk_seek;
	host.v[VL_H_NET_LATENCY_NS] = p->net_latency_us * 1e3;
	host.v[VL_H_NET_MBS] = p->net_mbs;
	struct vl_sim_config sc = {
		.npcpus = p->pcpus,
		.quantum_cycles = cycles_of(p->tslice_ms * 1e-3, hz),
		.seed = seed,
		.replication = replication,
		.series_max = 2,   /* a plan reads no time series */
		.batch_events = 1, /* nor a source: its vCPUs run recorded steps */
		.sched = VL_SCHED_CREDIT,
		.period_cycles = cycles_of(p->period_ms * 1e-3, hz),
		.end_cycles = s.t_end,
		.mark_cycles = s.t_warm,
	};
	if ((rc = vl_sim_new(&sim, &sc, &host, err)))
		goto out;
	unsigned idx[VL_CAP_MAX_KINDS] = {0};
	/* a guest serves once created and started: a VM's boot, a container's start */
	double ready_s = model_limit(&c->cfg[tech], VL_START_MS) / 1e3;
	for (gi = 0; gi < ng; gi++) {
		const struct vl_cap_kind *k = &p->kinds[s.g[gi].kind];
		char name[VL_CAP_NAME + 16];
		struct vl_params prm;
		if (!gidx[gi])
			continue;
		double start = k->start_s + k->stagger_s * idx[s.g[gi].kind]++;
		struct vl_requests rq = {
			.mean_gap_cycles = k->rate > 0 ? cycles_of(1 / k->rate, hz) : 0,
			.start_cycles = cycles_of(start + ready_s, hz),
			.stop_cycles = k->lifetime_s > 0 ? cycles_of(start + ready_s + k->lifetime_s, hz)
			                                 : 0,
			.open = req_open,
			.done = req_done,
			.ctx = &s.g[gi],
		};
		unsigned cap = k->cap > 100.0 * k->vcpus ? 100 * k->vcpus : (unsigned)(k->cap + 0.5);
		struct vl_guest_config gc = {(unsigned)(k->weight + 0.5), cap, &rq};
		snprintf(name, sizeof(name), "%s-%u", k->name, gi);
		vl_config_params(&c->cfg[tech], vl_rng_mix(seed, replication, VL_RNG_MODEL + gi), &prm);
		int g = vl_sim_add_guest_cfg(sim, name, c->cfg[tech].model, &prm, NULL, k->vcpus, &gc, err);
		if (g < 0) {
			rc = g;
			goto out;
		}
		gidx[gi] = (unsigned)g + 1;
	}
	if ((rc = vl_sim_run(sim, err)))
		goto out;
	if (s.failed) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}

	/* results */
	const struct vl_sim_stats *st = vl_sim_stats(sim);
	double window = (double)(s.t_end - s.t_warm) / hz;
	uint64_t backlog = 0, completed = 0;
	double offered = 0;
	for (gi = 0; gi < ng; gi++) {
		if (!gidx[gi])
			continue;
		const struct vl_guest_stats *gs = vl_sim_guest_stats(sim, gidx[gi] - 1);
		struct vl_cap_kindres *kr = &r->kind[s.g[gi].kind];
		const struct vl_cap_kind *k = &p->kinds[s.g[gi].kind];
		backlog += gs->arrivals - gs->requests;
		if (k->rate > 0)
			offered += k->rate * c->d[tech][s.g[gi].kind].mean_virt;
		kr->cpu_cycles += gs->cpu_cycles;
		kr->work_s += (double)gs->mech_cycles[VL_MECH_DIRECT] / hz;
		kr->overhead_s += (double)(gs->cpu_cycles - gs->mech_cycles[VL_MECH_DIRECT]) / hz;
		kr->steal_s += (double)gs->steal_cycles / hz;
	}
	r->offered = offered / (p->pcpus * hz);
	for (size_t k = 0; k < p->nkinds; k++)
		completed += s.completed[k];
	r->stable = r->offered < 0.999 && !(backlog > 100 && backlog > completed / 10);
	r->sim_s = p->duration_s;
	r->events = st->q_executed + st->batches;
	r->idle_s = (double)st->idle_cycles / hz;
	r->cpu_util = (double)st->busy_cycles / ((double)s.t_end * p->pcpus);
	r->disk_util = (double)st->io_busy_cycles[0] / (double)s.t_end;
	r->net_util = (double)st->io_busy_cycles[1] / (double)s.t_end;
	for (size_t k = 0; k < p->nkinds; k++) {
		struct vl_cap_kindres *kr = &r->kind[k];
		const struct demand *d = &c->d[tech][k];
		struct lat *l = &s.lat[k];
		kr->completed = s.completed[k];
		kr->throughput = (double)kr->completed / window;
		if (l->n) {
			gsl_sort(l->v, 1, l->n);
			kr->mean_ms = 1e3 * gsl_stats_mean(l->v, 1, l->n);
			kr->p50_ms = 1e3 * quantile(l->v, l->n, 0.50);
			kr->p95_ms = 1e3 * quantile(l->v, l->n, 0.95);
			kr->p99_ms = 1e3 * quantile(l->v, l->n, 0.99);
			kr->wait_ms = 1e3 * gsl_stats_mean(s.wait[k].v, 1, s.wait[k].n);
			/* the native latency of one request on an idle host */
			double alone = d->mean_native / hz +
			               (d->mean_disk > 0 ? p->disk_latency_us * 1e-6 + d->mean_disk / (p->disk_mbs * 1e6) : 0) +
			               (d->mean_net > 0 ? p->net_latency_us * 1e-6 + d->mean_net / (p->net_mbs * 1e6) : 0);
			kr->slowdown = alone > 0 ? kr->mean_ms * 1e-3 / alone : 0;
		} else {
			kr->mean_ms = kr->p50_ms = kr->p95_ms = kr->p99_ms = kr->wait_ms = NAN;
			kr->slowdown = NAN;
		}
		if (kr->admitted && !isnan(kr->slowdown) && kr->slowdown > r->slowdown)
			r->slowdown = kr->slowdown;
		if (kr->admitted && kr->p99_ms > r->p99_ms)
			r->p99_ms = kr->p99_ms;
	}
out:
	for (size_t k = 0; k < VL_CAP_MAX_KINDS; k++) {
		free(s.lat[k].v);
		free(s.wait[k].v);
	}
	if (s.vb)
		for (unsigned v = 0; v < nv; v++)
			free(s.vb[v].st);
	free(s.vb);
	free(s.g);
	free(gidx);
	vl_sim_free(sim);
	if (s.rdem)
		gsl_rng_free(s.rdem);
	if (s.rswap)
		gsl_rng_free(s.rswap);
	return rc;
}
