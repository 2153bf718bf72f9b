/*
 * Plan files (docs/capacity.md): INI through libinih; every error names the
 * file, the line and the key.
 */
#include <errno.h>
#include <stddef.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/capacity.h"
#include "experiments/ini_text.h"
#include "sim/registry.h"
#include "sim/text.h"

struct parse {
	struct vl_ini_text in; /* first: the reader's stream is the parse */
	struct vl_cap_plan *p;
	const char *name;
	int failed;
	struct vl_err *err;
};

static int fail(struct parse *ps, const char *sec, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int fail(struct parse *ps, const char *sec, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vl_err_set(ps->err, VL_EINVAL, "%s:%d: [%s] %s: %s", ps->name, ps->in.line, sec, key, msg);
	ps->failed = 1;
	return 0;
}

/* A number with optional k, M, G suffix, within [lo, hi]. */
static int num(struct parse *ps, const char *sec, const char *key, const char *v, double lo,
               double hi, double *out)
{
	char *end;
	errno = 0;
	double d = strtod(v, &end);
	if (end == v || errno)
		return fail(ps, sec, key, "'%s' is not a number", v);
	if (*end == 'k')
		d *= 1e3, end++;
	else if (*end == 'M')
		d *= 1e6, end++;
	else if (*end == 'G')
		d *= 1e9, end++;
	if (*end)
		return fail(ps, sec, key, "'%s' is not a number", v);
	if (!(d >= lo && d <= hi))
		return fail(ps, sec, key, "%g is out of range [%g, %g]", d, lo, hi);
	*out = d;
	return 1;
}

/* Splits "kind name" section headers; *name points into sec. */
static int named(const char *sec, const char *kind, const char **name)
{
	size_t k = strlen(kind);
	if (strncmp(sec, kind, k) || sec[k] != ' ')
		return 0;
	const char *n = sec + k;
	while (*n == ' ')
		n++;
	*name = n;
	return *n != '\0';
}

/* A name of the plan, a guest kind or a technique: whole, in the characters of names. */
static int name(struct parse *ps, const char *sec, const char *key, const char *v, char *dst)
{
	if (!vl_name_ok(v))
		return fail(ps, sec, key, "'%s': a name is 1 to %d of %s, starting with a letter or "
		            "digit", v, VL_NAME_MAX, VL_NAME_CHARS);
	if (dst)
		snprintf(dst, VL_CAP_NAME, "%s", v);
	return 1;
}

/* "1,2,4" or "1..16" or "2..32 step 2" */
static int counts(struct parse *ps, const char *sec, const char *key, const char *v)
{
	struct vl_cap_plan *p = ps->p;
	unsigned a, b, step = 1;
	char extra[16];

	p->ncounts = 0;
	if (sscanf(v, "%u..%u step %u%15s", &a, &b, &step, extra) >= 2 && strstr(v, "..")) {
		/* a step past the range would wrap an unsigned count around */
		if (!a || b < a || !step || b > VL_CAP_MAX_COUNT || step > VL_CAP_MAX_COUNT)
			return fail(ps, sec, key, "'%s': want FIRST..LAST [step N] with 1 <= FIRST <= LAST "
			            "<= %d and 1 <= N <= %d", v, VL_CAP_MAX_COUNT, VL_CAP_MAX_COUNT);
		for (unsigned c = a; c <= b; c += step) {
			if (p->ncounts == VL_CAP_MAX_COUNTS)
				return fail(ps, sec, key, "more than %d counts", VL_CAP_MAX_COUNTS);
			p->counts[p->ncounts++] = c;
		}
		return 1;
	}
	char *buf = strdup(v), *save, *tok;
	int ok = 1;
	if (!buf)
		return fail(ps, sec, key, "out of memory");
	for (tok = strtok_r(buf, ", ", &save); tok && ok; tok = strtok_r(NULL, ", ", &save)) {
		char *end;
		unsigned long c = strtoul(tok, &end, 10);
		if (*end || !c || c > VL_CAP_MAX_COUNT || *tok == '-')
			ok = fail(ps, sec, key, "'%s' is not a guest count (1 to %d)", tok, VL_CAP_MAX_COUNT);
		else if (p->ncounts == VL_CAP_MAX_COUNTS)
			ok = fail(ps, sec, key, "more than %d counts", VL_CAP_MAX_COUNTS);
		else if (p->ncounts && c <= p->counts[p->ncounts - 1])
			ok = fail(ps, sec, key, "counts must increase");
		else
			p->counts[p->ncounts++] = (unsigned)c;
	}
	free(buf);
	return !ok ? 0 : p->ncounts ? 1 : fail(ps, sec, key, "no count");
}

/*
 * The numeric keys of every section: where each goes (an offset in the
 * plan, or in the guest kind or technique the section names), its range,
 * its unit's scale.
 */
enum { NK_DOUBLE, NK_UNSIGNED, NK_U64 };
static const struct numkey {
	const char *sec, *key;
	size_t off;
	int type;
	double lo, hi, scale;
} numkeys[] = {
#define PLAN(k, f, t, lo, hi, sc) {"plan", k, offsetof(struct vl_cap_plan, f), t, lo, hi, sc}
#define HOST(k, f, t, lo, hi, sc) {"host", k, offsetof(struct vl_cap_plan, f), t, lo, hi, sc}
#define GUEST(k, t, lo, hi) {"guest", #k, offsetof(struct vl_cap_kind, k), t, lo, hi, 1}
#define TECH(k, lo, hi) {"technique", #k, offsetof(struct vl_cap_tech, k), NK_DOUBLE, lo, hi, 1}
	PLAN("seed", seed, NK_U64, 0, 1e18, 1),
	PLAN("replications", replications, NK_UNSIGNED, 1, 1000, 1),
	PLAN("duration_s", duration_s, NK_DOUBLE, 0.01, 1e5, 1),
	PLAN("warmup_s", warmup_s, NK_DOUBLE, 0, 1e5, 1),
	PLAN("max_slowdown", max_slowdown, NK_DOUBLE, 1, 1e6, 1),
	PLAN("max_p99_ms", max_p99_ms, NK_DOUBLE, 0, 1e9, 1),
	HOST("pcpus", pcpus, NK_UNSIGNED, 1, 4096, 1),
	HOST("clock_hz", clock_hz, NK_DOUBLE, 1e6, 1e11, 1),
	HOST("memory_mb", memory_mb, NK_DOUBLE, 1, 1e9, 1),
	HOST("memory_gb", memory_mb, NK_DOUBLE, 0.001, 1e6, 1024),
	HOST("disk_mbs", disk_mbs, NK_DOUBLE, 0.001, 1e7, 1),
	HOST("disk_latency_us", disk_latency_us, NK_DOUBLE, 0, 1e9, 1),
	HOST("disk_channels", disk_channels, NK_DOUBLE, 1, 1024, 1),
	HOST("disk_seek", disk_seek, NK_DOUBLE, 0, 1, 1),
	HOST("net_mbs", net_mbs, NK_DOUBLE, 0.001, 1e7, 1),
	HOST("net_latency_us", net_latency_us, NK_DOUBLE, 0, 1e9, 1),
	HOST("page_sharing", page_sharing, NK_DOUBLE, 0, 0.95, 1),
	HOST("guest_kernel_mb", guest_kernel_mb, NK_DOUBLE, 0, 1e6, 1),
	HOST("tslice_ms", tslice_ms, NK_DOUBLE, 0.01, 1e4, 1),
	HOST("period_ms", period_ms, NK_DOUBLE, 0.1, 1e5, 1),
	GUEST(vcpus, NK_UNSIGNED, 1, 256),
	GUEST(memory_mb, NK_DOUBLE, 1, 1e8),
	GUEST(weight, NK_DOUBLE, 1, 65535),
	GUEST(cap, NK_DOUBLE, 0, 25600),
	GUEST(rate, NK_DOUBLE, 0, 1e9),
	GUEST(share, NK_UNSIGNED, 1, 1000),
	GUEST(start_s, NK_DOUBLE, 0, 1e9),
	GUEST(stagger_s, NK_DOUBLE, 0, 1e9),
	GUEST(lifetime_s, NK_DOUBLE, 0, 1e9),
	TECH(monitor_mb, 0, 1e6),
	TECH(pt_fraction, 0, 1),
	TECH(shared_kernel, 0, 1),
#undef PLAN
#undef HOST
#undef GUEST
#undef TECH
};

static const struct numkey *numkey(const char *sec, const char *key)
{
	for (size_t i = 0; i < sizeof(numkeys) / sizeof(numkeys[0]); i++)
		if (!strcmp(numkeys[i].sec, sec) && !strcmp(numkeys[i].key, key))
			return &numkeys[i];
	return NULL;
}

/* Sets the numeric key n of the struct at base from v. */
static int numeric(struct parse *ps, void *base, const char *sec, const char *key, const char *v,
                   const struct numkey *n)
{
	char *at = (char *)base + n->off;
	double d;

	if (!num(ps, sec, key, v, n->lo, n->hi, &d))
		return 0;
	d *= n->scale;
	switch (n->type) {
	case NK_DOUBLE: memcpy(at, &d, sizeof(d)); break;
	case NK_UNSIGNED: *(unsigned *)(void *)at = (unsigned)d; break;
	case NK_U64: *(uint64_t *)(void *)at = (uint64_t)d; break;
	}
	return 1;
}

/* A free text of at most size - 1 characters. */
static int text(struct parse *ps, const char *sec, const char *key, const char *v, char *out,
                size_t size)
{
	if (strlen(v) >= size)
		return fail(ps, sec, key, "longer than %zu characters", size - 1);
	snprintf(out, size, "%s", v);
	return 1;
}

/*
 * The text keys of every section, each with the function that takes its
 * value into base: the plan for [plan] and [host], else the entry the
 * section names.
 */
typedef int textset(struct parse *ps, void *base, const char *sec, const char *key, const char *v);

static int set_plan_name(struct parse *ps, void *base, const char *sec, const char *key,
                         const char *v)
{
	return name(ps, sec, key, v, ((struct vl_cap_plan *)base)->name);
}

static int set_plan_title(struct parse *ps, void *base, const char *sec, const char *key,
                          const char *v)
{
	struct vl_cap_plan *p = base;
	return text(ps, sec, key, v, p->title, sizeof(p->title));
}

static int set_plan_output(struct parse *ps, void *base, const char *sec, const char *key,
                           const char *v)
{
	struct vl_cap_plan *p = base;
	return text(ps, sec, key, v, p->output, sizeof(p->output));
}

static int set_plan_count(struct parse *ps, void *base, const char *sec, const char *key,
                          const char *v)
{
	((struct vl_cap_plan *)base)->count_line = ps->in.line;
	return counts(ps, sec, key, v);
}

static int set_host_profile(struct parse *ps, void *base, const char *sec, const char *key,
                            const char *v)
{
	struct vl_cap_plan *p = base;
	if (!vl_host_profile_find(v) && strcmp(v, "this-host"))
		return fail(ps, sec, key, "no host profile '%s' (virtlab models hosts)", v);
	snprintf(p->host_profile, sizeof(p->host_profile), "%s", v);
	return 1;
}

static int set_host_memory_policy(struct parse *ps, void *base, const char *sec, const char *key,
                                  const char *v)
{
	if (strcmp(v, "refuse") && strcmp(v, "swap"))
		return fail(ps, sec, key, "'%s': refuse or swap", v);
	((struct vl_cap_plan *)base)->swap = !strcmp(v, "swap");
	return 1;
}

static int set_guest_workload(struct parse *ps, void *base, const char *sec, const char *key,
                              const char *v)
{
	struct vl_cap_kind *k = base;
	if ((strncmp(v, "gen:", 4) && strncmp(v, "exp:", 4) && strncmp(v, "trace:", 6)) ||
	    strlen(v) >= sizeof(k->workload))
		return fail(ps, sec, key, "'%s': gen:KIND:Ni (a request is N iterations), "
		            "trace:PATH (a request is the trace) or exp:MEAN_MS", v);
	snprintf(k->workload, sizeof(k->workload), "%s", v);
	return 1;
}

static int set_tech_model(struct parse *ps, void *base, const char *sec, const char *key,
                          const char *v)
{
	struct vl_cap_tech *t = base;
	if (!vl_model_find(v))
		return fail(ps, sec, key, "no model '%s' (virtlab models)", v);
	snprintf(t->model, sizeof(t->model), "%s", v);
	return 1;
}

static int set_tech_profile(struct parse *ps, void *base, const char *sec, const char *key,
                            const char *v)
{
	return name(ps, sec, key, v, ((struct vl_cap_tech *)base)->profile);
}

static int set_check_says(struct parse *ps, void *base, const char *sec, const char *key,
                          const char *v)
{
	struct vl_cap_check *c = base;
	return text(ps, sec, key, v, c->says, sizeof(c->says));
}

static int set_check_expect(struct parse *ps, void *base, const char *sec, const char *key,
                            const char *v)
{
	struct vl_cap_check *c = base;
	return text(ps, sec, key, v, c->expect, sizeof(c->expect));
}

static int set_check_tolerance(struct parse *ps, void *base, const char *sec, const char *key,
                               const char *v)
{
	return num(ps, sec, key, v, 0, 1e6, &((struct vl_cap_check *)base)->tolerance);
}

static const struct textkey {
	const char *sec, *key;
	textset *set;
} textkeys[] = {
	{"plan", "name", set_plan_name},
	{"plan", "title", set_plan_title},
	{"plan", "output", set_plan_output},
	{"plan", "count", set_plan_count},
	{"host", "profile", set_host_profile},
	{"host", "memory_policy", set_host_memory_policy},
	{"guest", "workload", set_guest_workload},
	{"technique", "model", set_tech_model},
	{"technique", "profile", set_tech_profile},
	{"check", "says", set_check_says},
	{"check", "expect", set_check_expect},
	{"check", "tolerance", set_check_tolerance},
};

/* "unknown key (KEYS)": the text and numeric keys section takes, and any more. */
static int unknown_key(struct parse *ps, const char *sec, const char *key, const char *section,
                       const char *more)
{
	char keys[1024];
	size_t len = 0;

	keys[0] = '\0';
	for (size_t i = 0; i < sizeof(textkeys) / sizeof(textkeys[0]) && len < sizeof(keys); i++)
		if (!strcmp(textkeys[i].sec, section))
			len += (size_t)snprintf(keys + len, sizeof(keys) - len, "%s%s", len ? ", " : "",
			                        textkeys[i].key);
	if (more && len < sizeof(keys))
		len += (size_t)snprintf(keys + len, sizeof(keys) - len, ", %s", more);
	for (size_t i = 0; i < sizeof(numkeys) / sizeof(numkeys[0]) && len < sizeof(keys); i++)
		if (!strcmp(numkeys[i].sec, section))
			len += (size_t)snprintf(keys + len, sizeof(keys) - len, ", %s", numkeys[i].key);
	return fail(ps, sec, key, "unknown key (%s)", keys);
}

static void init_kind(void *e)
{
	struct vl_cap_kind *k = e;
	k->vcpus = 1, k->memory_mb = 1024, k->weight = 256, k->share = 1;
}

static void init_tech(void *e)
{
	struct vl_cap_tech *t = e;
	t->monitor_mb = -1, t->pt_fraction = -1, t->shared_kernel = -1;
}

static void init_check(void *e)
{
	((struct vl_cap_check *)e)->tolerance = 0.05;
}

/*
 * The sections that name an entry ([guest NAME], ...): where the plan keeps
 * their entries (each starts with its name), how many it takes, what a new
 * one starts as.
 */
static const struct namedsec {
	const char *kind, *what;
	size_t array, count, size, line;
	size_t max;
	void (*init)(void *entry);
} namedsecs[] = {
	{"guest", "guest kinds", offsetof(struct vl_cap_plan, kinds),
	 offsetof(struct vl_cap_plan, nkinds), sizeof(struct vl_cap_kind),
	 offsetof(struct vl_cap_kind, line), VL_CAP_MAX_KINDS, init_kind},
	{"technique", "techniques", offsetof(struct vl_cap_plan, techs),
	 offsetof(struct vl_cap_plan, ntechs), sizeof(struct vl_cap_tech),
	 offsetof(struct vl_cap_tech, line), VL_CAP_MAX_TECH, init_tech},
	{"check", "checks", offsetof(struct vl_cap_plan, checks),
	 offsetof(struct vl_cap_plan, nchecks), sizeof(struct vl_cap_check),
	 offsetof(struct vl_cap_check, line), VL_CAP_MAX_CHECKS, init_check},
};

/* The entry of section kind s named nm, added when new; NULL when the plan has no room. */
static void *entry(struct parse *ps, const struct namedsec *s, const char *sec, const char *key,
                   const char *nm)
{
	char *arr = (char *)ps->p + s->array;
	size_t *n = (size_t *)(void *)((char *)ps->p + s->count);

	for (size_t i = 0; i < *n; i++)
		if (!strcmp(arr + i * s->size, nm))
			return arr + i * s->size;
	if (*n == s->max) {
		fail(ps, sec, key, "more than %zu %s", s->max, s->what);
		return NULL;
	}
	char *e = arr + (*n)++ * s->size;
	memset(e, 0, s->size);
	snprintf(e, VL_CAP_NAME, "%s", nm);
	*(int *)(void *)(e + s->line) = ps->in.section_line;
	s->init(e);
	return e;
}

/* technique's param.NAME = VALUE: an override of the model's parameter NAME */
static int tech_param(struct parse *ps, struct vl_cap_tech *t, const char *sec, const char *key,
                      const char *v)
{
	if (t->nov == 16)
		return fail(ps, sec, key, "more than 16 parameters");
	if (!vl_name_ok(key + 6))
		return fail(ps, sec, key, "'%s': not a parameter name", key + 6);
	snprintf(t->ovname[t->nov], sizeof(t->ovname[0]), "%s", key + 6);
	if (!num(ps, sec, key, v, -1e18, 1e18, &t->ovvalue[t->nov]))
		return 0;
	t->nov++;
	return 1;
}

static int handler(void *user, const char *sec, const char *key, const char *v)
{
	struct parse *ps = user;
	const char *kind = NULL, *nm;
	void *base = NULL;

	if (ps->failed)
		return 0;
	if (!strcmp(sec, "plan") || !strcmp(sec, "host"))
		kind = sec, base = ps->p;
	for (size_t i = 0; !kind && i < sizeof(namedsecs) / sizeof(namedsecs[0]); i++) {
		if (!named(sec, namedsecs[i].kind, &nm))
			continue;
		if (!vl_name_ok(nm))
			return name(ps, sec, key, nm, NULL);
		if (!(base = entry(ps, &namedsecs[i], sec, key, nm)))
			return 0;
		kind = namedsecs[i].kind;
	}
	if (!kind) {
		vl_err_set(ps->err, VL_EINVAL, "%s:%d: unknown section [%s] (plan, host, guest NAME, "
		           "technique NAME, check NAME)", ps->name, ps->in.section_line, sec);
		ps->failed = 1;
		return 0;
	}
	const struct numkey *n = numkey(kind, key);
	if (n)
		return numeric(ps, base, sec, key, v, n);
	for (size_t i = 0; i < sizeof(textkeys) / sizeof(textkeys[0]); i++)
		if (!strcmp(textkeys[i].sec, kind) && !strcmp(textkeys[i].key, key))
			return textkeys[i].set(ps, base, sec, key, v);
	int tech = !strcmp(kind, "technique");
	if (tech && !strncmp(key, "param.", 6))
		return tech_param(ps, base, sec, key, v);
	return unknown_key(ps, sec, key, kind, tech ? "param.NAME" : NULL);
}

static uint64_t guests_per_unit(const struct vl_cap_plan *p)
{
	uint64_t n = 0;

	for (size_t k = 0; k < p->nkinds; k++)
		n += p->kinds[k].share;
	return n;
}

/*
 * text less its [check NAME] sections, into out (as long as text): what
 * identifies the plan's runs in a database, so that editing a check does not
 * make them another plan's.
 */
static void strip_checks(const char *text, char *out)
{
	int skip = 0;

	for (const char *l = text; *l;) {
		const char *eol = strchr(l, '\n'), *s = l;
		size_t len = eol ? (size_t)(eol - l) + 1 : strlen(l);
		while (*s == ' ' || *s == '\t')
			s++;
		if (*s == '[') {
			s++;
			while (*s == ' ' || *s == '\t')
				s++;
			skip = !strncmp(s, "check", 5) && (s[5] == ' ' || s[5] == '\t' || s[5] == ']');
		}
		if (!skip) {
			memcpy(out, l, len);
			out += len;
		}
		l += len;
	}
	*out = '\0';
}

int vl_cap_parse(struct vl_cap_plan **out, const char *text, const char *name, struct vl_err *err)
{
	struct vl_cap_plan *p = calloc(1, sizeof(*p));
	struct parse ps = {.in = {.pos = text}, .p = p, .name = name, .err = err};

	*out = NULL;
	if (!p || !(p->text = malloc(strlen(text) + 1))) {
		free(p);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	strip_checks(text, p->text);
	snprintf(p->file, sizeof(p->file), "%s", name);
	p->seed = 1, p->replications = 3, p->duration_s = 10, p->warmup_s = 1;
	p->pcpus = 4, p->clock_hz = 3e9, p->memory_mb = 16384;
	p->disk_mbs = 500, p->disk_latency_us = 100, p->net_mbs = 1250, p->net_latency_us = 10;
	p->disk_channels = p->disk_seek = -1;
	snprintf(p->host_profile, sizeof(p->host_profile), "modern");
	p->guest_kernel_mb = 128, p->tslice_ms = 10, p->period_ms = 30;
	p->max_slowdown = 1.2, p->max_p99_ms = 0;
	int rc = vl_ini_parse(&ps.in, handler, &ps);
	if (!ps.failed && rc < 0) {
		vl_err_set(err, VL_ENOMEM, "out of memory");
		ps.failed = 1;
	}
	if (!ps.failed && rc > 0) {
		vl_err_set(err, VL_EINVAL, "%s:%d: malformed line (expected [section] or key = value)",
		           name, rc);
		ps.failed = 1;
	}
	if (!ps.failed) {
		if (!p->name[0])
			vl_err_set(err, VL_EINVAL, "%s: [plan] name is missing", name), ps.failed = 1;
		else if (!p->nkinds)
			vl_err_set(err, VL_EINVAL, "%s: no [guest NAME] section", name), ps.failed = 1;
		else if (!p->ntechs)
			vl_err_set(err, VL_EINVAL, "%s: no [technique NAME] section", name), ps.failed = 1;
		else if (!p->ncounts)
			vl_err_set(err, VL_EINVAL, "%s: [plan] count is missing", name), ps.failed = 1;
		else if (p->counts[p->ncounts - 1] * guests_per_unit(p) > VL_CAP_MAX_GUESTS)
			vl_err_set(err, VL_EINVAL, "%s:%d: [plan] count: %u units of the mix are %llu guests; "
			           "a host simulation takes at most %d", name, p->count_line,
			           p->counts[p->ncounts - 1],
			           (unsigned long long)p->counts[p->ncounts - 1] * guests_per_unit(p),
			           VL_CAP_MAX_GUESTS), ps.failed = 1;
		else if (p->warmup_s >= p->duration_s)
			vl_err_set(err, VL_EINVAL, "%s: [plan] warmup_s must be below duration_s", name),
				ps.failed = 1;
	}
	for (size_t i = 0; !ps.failed && i < p->nkinds; i++)
		if (!p->kinds[i].workload[0]) {
			vl_err_set(err, VL_EINVAL, "%s:%d: [guest %s] workload is missing", name,
			           p->kinds[i].line, p->kinds[i].name);
			ps.failed = 1;
		}
	for (size_t i = 0; !ps.failed && i < p->ntechs; i++) {
		if (!p->techs[i].model[0]) {
			vl_err_set(err, VL_EINVAL, "%s:%d: [technique %s] model is missing", name,
			           p->techs[i].line, p->techs[i].name);
			ps.failed = 1;
		}
	}
	for (size_t i = 0; !ps.failed && i < p->nchecks; i++)
		ps.failed = vl_cap_check_parse(p, &p->checks[i], err) != 0;
	if (ps.failed) {
		vl_cap_free(p);
		return err->code ? err->code : VL_EINVAL;
	}
	if (!p->output[0])
		snprintf(p->output, sizeof(p->output), "out/%s", p->name);
	*out = p;
	return 0;
}

int vl_cap_parse_file(struct vl_cap_plan **p, const char *path, struct vl_err *err)
{
	FILE *f = fopen(path, "r");
	char *text;
	long n;

	*p = NULL;
	if (!f)
		return vl_err_set(err, VL_EIO, "%s: %s", path, strerror(errno));
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	text = malloc((size_t)n + 1);
	if (!text || fread(text, 1, (size_t)n, f) != (size_t)n) {
		free(text);
		fclose(f);
		return vl_err_set(err, VL_EIO, "%s: read failed", path);
	}
	text[n] = '\0';
	fclose(f);
	int rc = vl_cap_parse(p, text, path, err);
	free(text);
	return rc;
}

void vl_cap_free(struct vl_cap_plan *p)
{
	if (p)
		free(p->text);
	free(p);
}
