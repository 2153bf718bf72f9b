/*
 * Experiment files: parsing with libinih (line numbers come from counting
 * the lines its reader asks for), expansion into runs, statistics.
 */
#include <errno.h>
#include <stdio.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>
#include "experiments/experiment.h"
#include "experiments/ini_text.h"
#include "sim/registry.h"

const char *const vl_exp_metrics[] = {
	"sim_cycles", "sim_seconds", "slowdown", "cycles_per_op", NULL,
};

struct parse {
	struct vl_ini_text in; /* first: the reader's stream is the parse */
	struct vl_experiment *e;
	const char *name;
	int failed;
	struct vl_err *err;
};

static int fail(struct parse *p, const char *section, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(struct parse *p, const char *section, const char *key, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	if (p->failed)
		return 0;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vl_err_set(p->err, VL_EINVAL, "%s:%d: [%s] %s: %s", p->name, p->in.line, section, key, msg);
	p->failed = 1;
	return 0;
}

static int copy(struct parse *p, const char *sec, const char *key, char *dst, size_t len,
                const char *value)
{
	if (strlen(value) >= len)
		return fail(p, sec, key, "value longer than %zu characters", len - 1);
	strcpy(dst, value);
	return 1;
}

static int number(struct parse *p, const char *sec, const char *key, const char *value,
                  double *out)
{
	char *end;

	errno = 0;
	*out = strtod(value, &end);
	if (end == value || *end || errno || !isfinite(*out))
		return fail(p, sec, key, "'%s' is not a number", value);
	return 1;
}

/* A yes or no value into *out (1 or 0). */
static int yes_no(struct parse *p, const char *sec, const char *key, const char *value, int *out)
{
	if (strcmp(value, "yes") && strcmp(value, "no"))
		return fail(p, sec, key, "'%s': expected yes or no", value);
	*out = strcmp(value, "yes") == 0;
	return 1;
}

/* Splits "kind name" section headers; *name points into section. */
static int kind_of(const char *section, const char *kind, const char **name)
{
	size_t k = strlen(kind);

	if (strncmp(section, kind, k) != 0 || (section[k] != ' ' && section[k] != '\0'))
		return 0;
	const char *n = section + k;
	while (*n == ' ')
		n++;
	*name = n;
	return 1;
}

/* Checks a section's name (whole: a long name is refused, never cut). */
static int name_of(struct parse *p, const char *sec, const char *key, const char *kind,
                   const char *name)
{
	if (!*name)
		return fail(p, sec, key, "a %s needs a name: [%s NAME]", kind, kind);
	if (!vl_name_ok(name))
		return fail(p, sec, key, "'%s': a name is 1 to %d of %s, starting with a letter or "
		            "digit", name, VL_NAME_MAX, VL_NAME_CHARS);
	return 1;
}

/* A sweep value: a number or a host profile's name, in the characters of names. */
static int value_ok(const char *v)
{
	size_t n = strlen(v);

	if (!n || n > VL_NAME_MAX)
		return 0;
	for (; *v; v++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._+-", *v))
			return 0;
	return 1;
}

/* Finds or adds the named entry of an array of structs whose first member is name. */
#define FIND_OR_ADD(arr, cnt, nm, out)                                          \
	do {                                                                    \
		(out) = NULL;                                                       \
		for (size_t i_ = 0; i_ < (cnt); i_++)                               \
			if (strcmp((arr)[i_].name, (nm)) == 0)                          \
				(out) = &(arr)[i_];                                         \
		if (!(out) && (cnt) < VL_EXP_MAX) {                                 \
			(out) = &(arr)[(cnt)++];                                        \
			memset((out), 0, sizeof(*(out)));                               \
			snprintf((out)->name, sizeof((out)->name), "%s", (nm));         \
			(out)->line = p->in.section_line;                               \
		}                                                                   \
	} while (0)

static int has_value(const struct vl_exp_sweep *w, const char *v)
{
	for (size_t i = 0; i < w->nvalues; i++)
		if (!strcmp(w->values[i], v))
			return 1;
	return 0;
}

static int handler(void *user, const char *sec, const char *key, const char *value)
{
	struct parse *p = user;
	struct vl_experiment *e = p->e;
	const char *name;
	double d;

	if (p->failed)
		return 0;
	if (strcmp(sec, "experiment") == 0) {
		if (strcmp(key, "name") == 0)
			return copy(p, sec, key, e->name, sizeof(e->name), value);
		if (strcmp(key, "title") == 0)
			return copy(p, sec, key, e->title, sizeof(e->title), value);
		if (strcmp(key, "output") == 0)
			return copy(p, sec, key, e->output, sizeof(e->output), value);
		if (strcmp(key, "seed") == 0) {
			/* below 2^53: a double holds it exactly, and it converts without overflow */
			if (!number(p, sec, key, value, &d) || d < 0 || d != floor(d) || d >= 0x1p53)
				return fail(p, sec, key, "'%s': expected a whole number from 0 to 2^53 - 1",
				            value);
			e->seed = (uint64_t)d;
			return 1;
		}
		if (strcmp(key, "replications") == 0) {
			if (!number(p, sec, key, value, &d) || d < 1 || d > 10000 || d != floor(d))
				return fail(p, sec, key, "'%s': expected 1 to 10000", value);
			e->replications = (unsigned)d;
			return 1;
		}
		return fail(p, sec, key, "unknown key (valid: name, title, output, seed, replications)");
	}
	if (kind_of(sec, "workload", &name)) {
		struct vl_exp_workload *w;
		if (!name_of(p, sec, key, "workload", name))
			return 0;
		FIND_OR_ADD(e->w, e->nw, name, w);
		if (!w)
			return fail(p, sec, key, "more than %d workloads", VL_EXP_MAX);
		if (strcmp(key, "trace") == 0)
			return copy(p, sec, key, w->trace, sizeof(w->trace), value);
		if (strcmp(key, "per") == 0) {
			if (!number(p, sec, key, value, &w->per) || w->per <= 0)
				return fail(p, sec, key, "'%s': expected a number > 0", value);
			return 1;
		}
		if (strcmp(key, "steady") == 0)
			return yes_no(p, sec, key, value, &w->steady);
		return fail(p, sec, key, "unknown key (valid: trace, per, steady)");
	}
	if (kind_of(sec, "system", &name)) {
		struct vl_exp_system *s;
		if (!name_of(p, sec, key, "system", name))
			return 0;
		FIND_OR_ADD(e->s, e->ns, name, s);
		if (!s)
			return fail(p, sec, key, "more than %d systems", VL_EXP_MAX);
		if (strcmp(key, "model") == 0)
			return copy(p, sec, key, s->model, sizeof(s->model), value);
		if (strcmp(key, "profile") == 0)
			return copy(p, sec, key, s->profile, sizeof(s->profile), value);
		if (strcmp(key, "host") == 0)
			return copy(p, sec, key, s->host, sizeof(s->host), value);
		if (strcmp(key, "plugin") == 0)
			return copy(p, sec, key, s->plugin, sizeof(s->plugin), value);
		if (strncmp(key, "param.", 6) == 0) {
			if (s->nov == VL_EXP_MAX_OV)
				return fail(p, sec, key, "more than %d parameters", VL_EXP_MAX_OV);
			if (!vl_name_ok(key + 6))
				return fail(p, sec, key, "'%s': not a parameter name", key + 6);
			if (!copy(p, sec, key, s->ovname[s->nov], VL_NAME, key + 6) ||
			    !number(p, sec, key, value, &s->ovvalue[s->nov]))
				return 0;
			s->nov++;
			return 1;
		}
		return fail(p, sec, key, "unknown key (valid: model, profile, host, plugin, param.NAME)");
	}
	if (kind_of(sec, "sweep", &name)) {
		struct vl_exp_sweep *w;
		if (!name_of(p, sec, key, "sweep", name))
			return 0;
		FIND_OR_ADD(e->sw, e->nsw, name, w);
		if (!w)
			return fail(p, sec, key, "more than %d sweeps", VL_EXP_MAX);
		if (strcmp(key, "system") == 0)
			return copy(p, sec, key, w->system, sizeof(w->system), value);
		if (strcmp(key, "param") == 0) {
			if (!vl_name_ok(value))
				return fail(p, sec, key, "'%s': not a parameter name", value);
			return copy(p, sec, key, w->param, sizeof(w->param), value);
		}
		if (strcmp(key, "values") == 0) {
			char *buf = strdup(value), *save, *tok;
			int ok = 1;
			if (!buf)
				return fail(p, sec, key, "out of memory");
			for (tok = strtok_r(buf, " ,\t", &save); tok && ok; tok = strtok_r(NULL, " ,\t", &save)) {
				if (w->nvalues == VL_EXP_MAX_VALUES)
					ok = fail(p, sec, key, "more than %d values", VL_EXP_MAX_VALUES);
				else if (!value_ok(tok))
					ok = fail(p, sec, key, "'%s': a value is a number or a name (1 to %d of %s)",
					          tok, VL_NAME_MAX, VL_NAME_CHARS);
				else if (has_value(w, tok))
					ok = fail(p, sec, key, "'%s' twice: one value is one run", tok);
				else
					ok = copy(p, sec, key, w->values[w->nvalues++], VL_NAME, tok);
			}
			free(buf);
			return ok;
		}
		return fail(p, sec, key, "unknown key (valid: system, param, values)");
	}
	if (kind_of(sec, "reference", &name)) {
		struct vl_exp_ref *r;
		if (!name_of(p, sec, key, "reference", name))
			return 0;
		FIND_OR_ADD(e->ref, e->nref, name, r);
		if (!r)
			return fail(p, sec, key, "more than %d references", VL_EXP_MAX);
		if (strcmp(key, "workload") == 0)
			return copy(p, sec, key, r->workload, sizeof(r->workload), value);
		if (strcmp(key, "system") == 0)
			return copy(p, sec, key, r->system, sizeof(r->system), value);
		if (strcmp(key, "point") == 0)
			return copy(p, sec, key, r->point, sizeof(r->point), value);
		if (strcmp(key, "metric") == 0)
			return copy(p, sec, key, r->metric, sizeof(r->metric), value);
		if (strcmp(key, "unit") == 0)
			return copy(p, sec, key, r->unit, sizeof(r->unit), value);
		if (strcmp(key, "source") == 0)
			return copy(p, sec, key, r->source, sizeof(r->source), value);
		if (strcmp(key, "value") == 0)
			return number(p, sec, key, value, &r->value);
		if (strcmp(key, "fitted") == 0)
			return yes_no(p, sec, key, value, &r->fitted);
		if (strcmp(key, "bound") == 0) {
			char *end;
			r->bound = strtod(value, &end) / 100;
			r->has_bound = 1;
			if (end == value || strcmp(end, "%") || !(r->bound >= 0))
				return fail(p, sec, key, "'%s': expected a percentage (N%%), the largest "
				            "error allowed", value);
			return 1;
		}
		return fail(p, sec, key, "unknown key (valid: workload, system, point, metric, value, "
		            "unit, source, fitted, bound)");
	}
	if (kind_of(sec, "plot", &name)) {
		struct vl_exp_plot *pl;
		if (!name_of(p, sec, key, "plot", name))
			return 0;
		FIND_OR_ADD(e->plot, e->nplot, name, pl);
		if (!pl)
			return fail(p, sec, key, "more than %d plots", VL_EXP_MAX);
		if (strcmp(key, "type") == 0) {
			if (strcmp(value, "bars") && strcmp(value, "breakdown") && strcmp(value, "sweep"))
				return fail(p, sec, key, "'%s': expected bars, breakdown or sweep", value);
			return copy(p, sec, key, pl->type, sizeof(pl->type), value);
		}
		if (strcmp(key, "metric") == 0)
			return copy(p, sec, key, pl->metric, sizeof(pl->metric), value);
		if (strcmp(key, "title") == 0)
			return copy(p, sec, key, pl->title, sizeof(pl->title), value);
		if (strcmp(key, "sweep") == 0)
			return copy(p, sec, key, pl->sweep, sizeof(pl->sweep), value);
		if (strcmp(key, "workloads") == 0)
			return copy(p, sec, key, pl->workloads, sizeof(pl->workloads), value);
		if (strcmp(key, "log") == 0)
			return yes_no(p, sec, key, value, &pl->log);
		return fail(p, sec, key, "unknown key (valid: type, metric, title, sweep, workloads, log)");
	}
	if (kind_of(sec, "check", &name)) {
		struct vl_exp_check *c;
		if (!name_of(p, sec, key, "check", name))
			return 0;
		FIND_OR_ADD(e->check, e->ncheck, name, c);
		if (!c)
			return fail(p, sec, key, "more than %d checks", VL_EXP_MAX);
		if (strcmp(key, "says") == 0)
			return copy(p, sec, key, c->says, sizeof(c->says), value);
		if (strcmp(key, "metric") == 0)
			return copy(p, sec, key, c->metric, sizeof(c->metric), value);
		if (strcmp(key, "expect") == 0)
			return copy(p, sec, key, c->expect, sizeof(c->expect), value);
		if (strcmp(key, "tolerance") == 0) {
			if (!number(p, sec, key, value, &c->tolerance) || c->tolerance <= 0)
				return fail(p, sec, key, "'%s': expected a fraction > 0 (0.05 = 5%%)", value);
			return 1;
		}
		return fail(p, sec, key, "unknown key (valid: says, metric, expect, tolerance)");
	}
	return fail(p, sec, key, "unknown section (valid: experiment, workload NAME, system NAME, "
	                         "sweep NAME, reference NAME, plot NAME, check NAME)");
}

static int metric_known(const char *m)
{
	for (int i = 0; vl_exp_metrics[i]; i++)
		if (strcmp(vl_exp_metrics[i], m) == 0)
			return 1;
	return 0;
}

/* Whole-file checks, each naming the line of the section at fault. */
static int check(struct vl_experiment *e, const char *name, struct vl_err *err)
{
	if (!e->name[0])
		return vl_err_set(err, VL_EINVAL, "%s: [experiment] name: missing", name);
	for (const char *c = e->name; *c; c++)
		if (!(*c >= 'a' && *c <= 'z') && !(*c >= '0' && *c <= '9') && *c != '-' && *c != '_')
			return vl_err_set(err, VL_EINVAL,
			                  "%s: [experiment] name: '%s': use a-z, 0-9, '-', '_'", name, e->name);
	if (!e->nw)
		return vl_err_set(err, VL_EINVAL, "%s: no [workload NAME] section", name);
	if (!e->ns)
		return vl_err_set(err, VL_EINVAL, "%s: no [system NAME] section", name);
	for (size_t i = 0; i < e->nw; i++) {
		if (!e->w[i].trace[0])
			return vl_err_set(err, VL_EINVAL, "%s:%d: [workload %s] trace: missing", name,
			                  e->w[i].line, e->w[i].name);
		if (e->w[i].per == 0)
			e->w[i].per = 1;
	}
	for (size_t i = 0; i < e->ns; i++) {
		struct vl_exp_system *s = &e->s[i];
		if (!s->model[0])
			return vl_err_set(err, VL_EINVAL, "%s:%d: [system %s] model: missing", name, s->line,
			                  s->name);
		/* plugins are not known here; the run names an unknown model clearly */
	}
	for (size_t i = 0; i < e->nsw; i++) {
		struct vl_exp_sweep *w = &e->sw[i];
		if (!w->param[0] || !w->nvalues)
			return vl_err_set(err, VL_EINVAL, "%s:%d: [sweep %s] %s: missing", name, w->line,
			                  w->name, w->param[0] ? "values" : "param");
		int found = !w->system[0];
		for (size_t j = 0; j < e->ns && !found; j++)
			found = strcmp(e->s[j].name, w->system) == 0;
		if (!found)
			return vl_err_set(err, VL_EINVAL, "%s:%d: [sweep %s] system: no system '%s'", name,
			                  w->line, w->name, w->system);
		if (strcmp(w->param, "host") != 0)
			for (size_t k = 0; k < w->nvalues; k++) {
				char *end;
				double v = strtod(w->values[k], &end);
				if (end == w->values[k] || *end || !isfinite(v))
					return vl_err_set(err, VL_EINVAL, "%s:%d: [sweep %s] values: '%s' is not a "
					                  "number", name, w->line, w->name, w->values[k]);
			}
	}
	if (!e->replications)
		e->replications = 1;
	/* bounds of the expansion: the overrides and point of a run, and the number of runs */
	uint64_t runs = 0;
	for (size_t i = 0; i < e->ns; i++) {
		const struct vl_exp_sweep *last = NULL;
		size_t nsw = 0, point = 0;
		uint64_t points = 1;
		for (size_t j = 0; j < e->nsw; j++) {
			const struct vl_exp_sweep *w = &e->sw[j];
			if (w->system[0] && strcmp(w->system, e->s[i].name))
				continue;
			size_t longest = 0;
			for (size_t k = 0; k < w->nvalues; k++)
				if (strlen(w->values[k]) > longest)
					longest = strlen(w->values[k]);
			point += strlen(w->param) + longest + 2;
			points *= w->nvalues;
			last = w;
			if (++nsw > VL_EXP_MAX_SYS_SWEEPS)
				return vl_err_set(err, VL_EINVAL, "%s:%d: [sweep %s]: more than %d sweeps apply "
				                  "to system '%s'", name, w->line, w->name, VL_EXP_MAX_SYS_SWEEPS,
				                  e->s[i].name);
			if (point >= VL_EXP_POINT)
				return vl_err_set(err, VL_EINVAL, "%s:%d: [sweep %s]: the sweep points of system "
				                  "'%s' would be longer than %d characters", name, w->line,
				                  w->name, e->s[i].name, VL_EXP_POINT - 1);
			if (points > VL_EXP_MAX_RUNS)
				break;
		}
		runs += points * e->replications * e->nw;
		if (points > VL_EXP_MAX_RUNS || runs > VL_EXP_MAX_RUNS)
			return vl_err_set(err, VL_EINVAL, "%s:%d: [%s %s]: the experiment expands to more "
			                  "than %d runs (workloads x systems x sweep points x replications)",
			                  name, last ? last->line : e->s[i].line, last ? "sweep" : "system",
			                  last ? last->name : e->s[i].name, VL_EXP_MAX_RUNS);
	}
	for (size_t i = 0; i < e->nref; i++) {
		struct vl_exp_ref *r = &e->ref[i];
		int fw = 0, fs = 0;
		for (size_t j = 0; j < e->nw; j++)
			fw |= strcmp(e->w[j].name, r->workload) == 0;
		for (size_t j = 0; j < e->ns; j++)
			fs |= strcmp(e->s[j].name, r->system) == 0;
		if (!fw || !fs)
			return vl_err_set(err, VL_EINVAL, "%s:%d: [reference %s] %s: no %s '%s'", name,
			                  r->line, r->name, fw ? "system" : "workload",
			                  fw ? "system" : "workload", fw ? r->system : r->workload);
		if (!r->metric[0])
			snprintf(r->metric, sizeof(r->metric), "cycles_per_op");
		if (!metric_known(r->metric))
			return vl_err_set(err, VL_EINVAL, "%s:%d: [reference %s] metric: unknown '%s' "
			                  "(valid: sim_cycles, sim_seconds, slowdown, cycles_per_op)", name,
			                  r->line, r->name, r->metric);
	}
	for (size_t i = 0; i < e->nplot; i++) {
		struct vl_exp_plot *pl = &e->plot[i];
		if (!pl->type[0])
			return vl_err_set(err, VL_EINVAL, "%s:%d: [plot %s] type: missing", name, pl->line,
			                  pl->name);
		if (!pl->metric[0])
			snprintf(pl->metric, sizeof(pl->metric), "slowdown");
		if (!metric_known(pl->metric))
			return vl_err_set(err, VL_EINVAL, "%s:%d: [plot %s] metric: unknown '%s'", name,
			                  pl->line, pl->name, pl->metric);
		if (strcmp(pl->type, "sweep") == 0) {
			int found = 0;
			for (size_t j = 0; j < e->nsw; j++)
				found |= strcmp(e->sw[j].name, pl->sweep) == 0;
			if (!found)
				return vl_err_set(err, VL_EINVAL, "%s:%d: [plot %s] sweep: no sweep '%s'", name,
				                  pl->line, pl->name, pl->sweep);
		}
	}
	for (size_t i = 0; i < e->ncheck; i++) {
		struct vl_exp_check *c = &e->check[i];
		struct vl_exp_operand l, r;
		char op;
		if (!c->metric[0])
			snprintf(c->metric, sizeof(c->metric), "slowdown");
		if (!metric_known(c->metric))
			return vl_err_set(err, VL_EINVAL, "%s:%d: [check %s] metric: unknown '%s'", name,
			                  c->line, c->name, c->metric);
		if (!c->tolerance)
			c->tolerance = 0.05;
		if (vl_exp_check_parse(e, c, &l, &op, &r, err)) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return vl_err_set(err, VL_EINVAL, "%s:%s", name, msg); /* msg: "LINE: ..." */
		}
	}
	if (!e->output[0])
		snprintf(e->output, sizeof(e->output), "out/%s", e->name);
	return 0;
}

int vl_exp_parse(struct vl_experiment **out, const char *text, const char *name,
                 struct vl_err *err)
{
	struct vl_experiment *e = calloc(1, sizeof(*e));
	struct parse p = {.in = {.pos = text}, .e = e, .name = name, .err = err};

	if (!e || !(e->text = strdup(text))) {
		free(e);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	e->seed = 1;
	snprintf(e->file, sizeof(e->file), "%s", name);
	int rc = vl_ini_parse(&p.in, handler, &p);
	if (rc < 0 && !p.failed)
		vl_err_set(err, VL_ENOMEM, "out of memory");
	if (!p.failed && rc > 0)
		vl_err_set(err, VL_EINVAL, "%s:%d: malformed line (expected [section] or key = value)",
		           name, rc);
	if (p.failed || rc || check(e, name, err)) {
		vl_exp_free(e);
		return err->code ? err->code : VL_EINVAL;
	}
	*out = e;
	return 0;
}

int vl_exp_load(struct vl_experiment **e, const char *path, struct vl_err *err)
{
	FILE *f = fopen(path, "rb");

	if (!f)
		return vl_err_set(err, errno == ENOENT ? VL_EINVAL : VL_EIO, "%s: cannot open: %s", path,
		                  strerror(errno));
	char *text = NULL;
	size_t len = 0, cap = 0, n;
	char buf[4096];
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0) {
		if (len + n + 1 > cap) {
			cap = 2 * (len + n + 1);
			char *t = realloc(text, cap);
			if (!t) {
				free(text);
				fclose(f);
				return vl_err_set(err, VL_ENOMEM, "out of memory");
			}
			text = t;
		}
		memcpy(text + len, buf, n);
		len += n;
	}
	fclose(f);
	if (!text)
		return vl_err_set(err, VL_EINVAL, "%s: empty experiment file", path);
	text[len] = '\0';
	int rc = vl_exp_parse(e, text, path, err);
	free(text);
	return rc;
}

void vl_exp_free(struct vl_experiment *e)
{
	if (e)
		free(e->text);
	free(e);
}

int vl_exp_expand(const struct vl_experiment *e, struct vl_exp_run **out, size_t *n,
                  struct vl_err *err)
{
	size_t cap = 64, k = 0;
	struct vl_exp_run *runs = malloc(cap * sizeof(*runs));

	if (!runs)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	for (size_t w = 0; w < e->nw; w++) {
		for (size_t s = 0; s < e->ns; s++) {
			/* the sweeps that apply to this system, as a mixed-radix counter */
			size_t idx[VL_EXP_MAX] = {0}, which[VL_EXP_MAX], nsw = 0;
			for (size_t i = 0; i < e->nsw; i++)
				if (!e->sw[i].system[0] || strcmp(e->sw[i].system, e->s[s].name) == 0)
					which[nsw++] = i;
			for (;;) {
				for (unsigned rep = 0; rep < e->replications; rep++) {
					if (k == cap) {
						cap *= 2;
						struct vl_exp_run *r = realloc(runs, cap * sizeof(*r));
						if (!r) {
							free(runs);
							return vl_err_set(err, VL_ENOMEM, "out of memory");
						}
						runs = r;
					}
					struct vl_exp_run *r = &runs[k++];
					memset(r, 0, sizeof(*r));
					r->w = w;
					r->s = s;
					r->rep = rep;
					snprintf(r->host, sizeof(r->host), "%s", e->s[s].host);
					for (size_t i = 0; i < e->s[s].nov; i++)
						r->ov[r->nov++] = (struct vl_override){e->s[s].ovname[i], e->s[s].ovvalue[i]};
					for (size_t j = 0; j < nsw; j++) {
						const struct vl_exp_sweep *sw = &e->sw[which[j]];
						const char *v = sw->values[idx[j]];
						size_t len = strlen(r->point);
						snprintf(r->point + len, sizeof(r->point) - len, "%s%s=%s", len ? "," : "",
						         sw->param, v);
						if (strcmp(sw->param, "host") == 0)
							snprintf(r->host, sizeof(r->host), "%s", v);
						else
							r->ov[r->nov++] = (struct vl_override){sw->param, strtod(v, NULL)};
					}
					snprintf(r->label, sizeof(r->label), "%s|%s|%s|%u", e->w[w].name,
					         e->s[s].name, r->point, rep);
				}
				size_t j = 0;
				while (j < nsw && ++idx[j] == e->sw[which[j]].nvalues)
					idx[j++] = 0;
				if (j == nsw)
					break;
			}
		}
	}
	*out = runs;
	*n = k;
	return 0;
}

/* The model of system s, or NULL when it is a plugin not loaded here. */
static const struct vl_model *model_of(const struct vl_exp_system *s)
{
	return vl_model_find(s->model);
}

/* Whether model m (or the host) has a parameter called name. */
static int knows(const struct vl_model *m, const char *name)
{
	return vl_param_find(m->params, m->nparams, name) >= 0 ||
	       vl_param_find(vl_host_params, VL_H__COUNT, name) >= 0;
}

int vl_exp_override(struct vl_experiment *e, const struct vl_override *ov, size_t n,
                    struct vl_err *err)
{
	for (size_t i = 0; i < n; i++) {
		int used = 0;
		for (size_t k = 0; k < e->ns; k++) {
			struct vl_exp_system *s = &e->s[k];
			const struct vl_model *m = model_of(s);
			if (!m || !knows(m, ov[i].name))
				continue;
			/* appended: overrides apply in order, so this one wins over the file's */
			if (s->nov == VL_EXP_MAX_OV)
				return vl_err_set(err, VL_EINVAL, "--param %s: system '%s' has too many "
				                  "overrides", ov[i].name, s->name);
			snprintf(s->ovname[s->nov], sizeof(s->ovname[s->nov]), "%s", ov[i].name);
			s->ovvalue[s->nov++] = ov[i].value;
			used = 1;
			/* the stored text says what ran, parsing back to the same overrides */
			char add[3 * VL_NAME + 96];
			int len = snprintf(add, sizeof(add), "\n; --param %s=%.17g\n[system %s]\n"
			                   "param.%s = %.17g\n", ov[i].name, ov[i].value, s->name,
			                   ov[i].name, ov[i].value);
			size_t old = e->text ? strlen(e->text) : 0;
			char *t = realloc(e->text, old + (size_t)len + 1);
			if (!t)
				return vl_err_set(err, VL_ENOMEM, "out of memory");
			memcpy(t + old, add, (size_t)len + 1);
			e->text = t;
		}
		if (!used)
			return vl_err_set(err, VL_EINVAL, "--param %s: no system of experiment '%s' has "
			                  "this parameter ('virtlab models show MODEL' lists them)",
			                  ov[i].name, e->name);
	}
	return 0;
}

/* What system s sets param to, as the sweep would write it; 0 or -1. */
static int own_value(const struct vl_exp_system *s, const char *param, char *buf, size_t len,
                     double *num)
{
	const struct vl_model *m = model_of(s);
	struct vl_override ov[VL_EXP_MAX_OV];
	struct vl_config cfg;
	struct vl_err err = {0};
	int rc = -1;

	if (!m)
		return -1;
	for (size_t i = 0; i < s->nov; i++)
		ov[i] = (struct vl_override){s->ovname[i], s->ovvalue[i]};
	if (vl_config_resolve(&cfg, m, s->profile[0] ? s->profile : NULL, s->host[0] ? s->host : NULL,
	                      ov, s->nov, &err))
		return -1;
	int i = vl_param_find(m->params, m->nparams, param);
	int h = vl_param_find(vl_host_params, VL_H__COUNT, param);
	if (strcmp(param, "host") == 0) {
		snprintf(buf, len, "%s", cfg.hostprof ? cfg.hostprof->name : "");
		rc = cfg.hostprof ? 0 : -1;
	} else if (i >= 0 || h >= 0) {
		*num = i >= 0 ? cfg.v[i] : cfg.host.v[h];
		snprintf(buf, len, "%g", *num);
		rc = 0;
	}
	vl_config_release(&cfg);
	return rc;
}

int vl_exp_fixed_point(const struct vl_experiment *e, size_t s, char *point, size_t len,
                       char *why, size_t wlen)
{
	const struct vl_exp_system *sys = &e->s[s];

	point[0] = '\0';
	for (size_t i = 0; i < e->nsw; i++) {
		const struct vl_exp_sweep *sw = &e->sw[i];
		char own[VL_NAME];
		double num = 0;
		size_t k;
		if (sw->system[0] && strcmp(sw->system, sys->name))
			continue;
		if (own_value(sys, sw->param, own, sizeof(own), &num)) {
			snprintf(why, wlen, "system '%s' is swept over %s and its own %s is not known "
			         "here", sys->name, sw->param, sw->param);
			return -1;
		}
		for (k = 0; k < sw->nvalues; k++) {
			if (strcmp(sw->param, "host") == 0 ? strcmp(sw->values[k], own) == 0
			    : fabs(strtod(sw->values[k], NULL) - num) <= 1e-9 * fmax(1, fabs(num)))
				break;
		}
		if (k == sw->nvalues) {
			snprintf(why, wlen, "system '%s' is swept over %s, and the sweep leaves out its "
			         "own value %s", sys->name, sw->param, own);
			return -1;
		}
		size_t used = strlen(point);
		snprintf(point + used, len - used, "%s%s=%s", used ? "," : "", sw->param,
		         sw->values[k]);
	}
	return 0;
}

int vl_exp_same_runs(const struct vl_experiment *a, const struct vl_experiment *b, char *why,
                     size_t wlen)
{
#define DIFF(...) return snprintf(why, wlen, __VA_ARGS__), 0
	if (a->seed != b->seed || a->replications != b->replications)
		DIFF("seed or replications differ");
	if (a->nw != b->nw || a->ns != b->ns || a->nsw != b->nsw)
		DIFF("the number of workloads, systems or sweeps differs");
	for (size_t i = 0; i < a->nw; i++)
		if (strcmp(a->w[i].name, b->w[i].name) || strcmp(a->w[i].trace, b->w[i].trace) ||
		    a->w[i].per != b->w[i].per)
			DIFF("workload '%s' differs", b->w[i].name);
	for (size_t i = 0; i < a->ns; i++) {
		const struct vl_exp_system *x = &a->s[i], *y = &b->s[i];
		int same = !strcmp(x->name, y->name) && !strcmp(x->model, y->model) &&
		           !strcmp(x->profile, y->profile) && !strcmp(x->host, y->host) &&
		           !strcmp(x->plugin, y->plugin) && x->nov == y->nov;
		for (size_t k = 0; same && k < x->nov; k++)
			same = !strcmp(x->ovname[k], y->ovname[k]) && x->ovvalue[k] == y->ovvalue[k];
		if (!same)
			DIFF("system '%s' differs", y->name);
	}
	for (size_t i = 0; i < a->nsw; i++) {
		const struct vl_exp_sweep *x = &a->sw[i], *y = &b->sw[i];
		int same = !strcmp(x->name, y->name) && !strcmp(x->system, y->system) &&
		           !strcmp(x->param, y->param) && x->nvalues == y->nvalues;
		for (size_t k = 0; same && k < x->nvalues; k++)
			same = !strcmp(x->values[k], y->values[k]);
		if (!same)
			DIFF("sweep '%s' differs", y->name);
	}
#undef DIFF
	return 1;
}

void vl_stats(const double *x, size_t n, double *mean, double *sd, double *lo, double *hi)
{
	*mean = n ? gsl_stats_mean(x, 1, n) : 0;
	*sd = n > 1 ? gsl_stats_sd(x, 1, n) : 0;
	double half = n > 1 ? gsl_cdf_tdist_Pinv(0.975, (double)(n - 1)) * *sd / sqrt((double)n) : 0;
	*lo = *mean - half;
	*hi = *mean + half;
}
