/*
 * A capacity plan's checks: the observations its file expects of the answer
 * ("[check NAME]"), so that a lab on capacity ends, as the others do, with
 * one command that says what holds (`virtlab plan check FILE`).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/capacity.h"

/* The technique named tok, or -1. */
static int tech_of(const struct vl_cap_plan *p, const char *tok)
{
	for (size_t i = 0; i < p->ntechs; i++)
		if (!strcmp(p->techs[i].name, tok))
			return (int)i;
	return -1;
}

/* The constraints an answer can name first (docs/capacity.md, "The answer"). */
static const char *const constraints[] = {"cpu", "memory", "disk", "network", "per-guest"};
#define NCONSTRAINTS (sizeof(constraints) / sizeof(constraints[0]))

/* An operand: a technique (its fit) or a number; 0 or -1. */
static int operand(const struct vl_cap_plan *p, const char *tok, int *tech, double *v)
{
	char *end;

	*tech = tech_of(p, tok);
	if (*tech >= 0)
		return 0;
	*v = strtod(tok, &end);
	return end != tok && !*end ? 0 : -1;
}

int vl_cap_check_parse(const struct vl_cap_plan *p, const struct vl_cap_check *c,
                       struct vl_err *err)
{
	char a[128], op[16], b[128], extra[2];
	int ta, tb;
	double v;

	if (!c->expect[0])
		return vl_err_set(err, VL_EINVAL, "%s:%d: [check %s] expect is missing", p->file,
		                  c->line, c->name);
	if (sscanf(c->expect, "%127s %15s %127s %1s", a, op, b, extra) != 3)
		return vl_err_set(err, VL_EINVAL, "%s:%d: [check %s] expect: '%s': expected A OP B "
		                  "or TECHNIQUE binds CONSTRAINT", p->file, c->line, c->name, c->expect);
	if (!strcmp(op, "binds")) {
		if (tech_of(p, a) < 0)
			return vl_err_set(err, VL_EINVAL, "%s:%d: [check %s] expect: no technique '%s'",
			                  p->file, c->line, c->name, a);
		for (size_t i = 0; i < NCONSTRAINTS; i++)
			if (!strcmp(b, constraints[i]))
				return 0;
		return vl_err_set(err, VL_EINVAL, "%s:%d: [check %s] expect: '%s' is not a constraint "
		                  "(cpu, memory, disk, network, per-guest)", p->file, c->line, c->name, b);
	}
	if (strlen(op) != 1 || !strchr("<>~", op[0]))
		return vl_err_set(err, VL_EINVAL, "%s:%d: [check %s] expect: '%s': OP is one of < > ~ "
		                  "or binds", p->file, c->line, c->name, op);
	if (operand(p, a, &ta, &v) || operand(p, b, &tb, &v))
		return vl_err_set(err, VL_EINVAL, "%s:%d: [check %s] expect: '%s' is neither a "
		                  "technique nor a number", p->file, c->line, c->name,
		                  operand(p, a, &ta, &v) ? a : b);
	return 0;
}

/* An operand's value from the answer, and how to show it. */
static double value(const struct vl_cap_plan *p, const struct vl_cap_answer *a, size_t na,
                    const char *tok, char *shown, size_t len)
{
	int t;
	double v = 0;

	operand(p, tok, &t, &v);
	if (t < 0) {
		snprintf(shown, len, "%g", v);
		return v;
	}
	for (size_t i = 0; i < na; i++)
		if (!strcmp(a[i].tech, tok)) {
			snprintf(shown, len, "%s fits %u", tok, a[i].fit);
			return a[i].fit;
		}
	snprintf(shown, len, "%s fits 0", tok);
	return 0;
}

void vl_cap_check_run(const struct vl_cap_plan *p, const struct vl_cap_answer *a, size_t na,
                      struct vl_cap_check_result *out)
{
	for (size_t i = 0; i < p->nchecks; i++) {
		const struct vl_cap_check *c = &p->checks[i];
		struct vl_cap_check_result *r = &out[i];
		char x[64], op[16], y[64], sx[96], sy[96];

		memset(r, 0, sizeof(*r));
		r->check = c;
		sscanf(c->expect, "%63s %15s %63s", x, op, y); /* checked at parse time */
		if (!strcmp(op, "binds")) {
			const char *binding = "";
			for (size_t k = 0; k < na; k++)
				if (!strcmp(a[k].tech, x))
					binding = a[k].binding;
			size_t n = strlen(y);
			r->passed = !strncmp(binding, y, n) && (!binding[n] || binding[n] == ' ');
			snprintf(r->shown, sizeof(r->shown), "%s binds %s", x,
			         binding[0] ? binding : "nothing");
			continue;
		}
		double u = value(p, a, na, x, sx, sizeof(sx)), v = value(p, a, na, y, sy, sizeof(sy));
		r->passed = op[0] == '<' ? u < v : op[0] == '>' ? u > v
		          : fabs(u - v) <= c->tolerance * fabs(v);
		snprintf(r->shown, sizeof(r->shown), "%s %c %s", sx, op[0], sy);
		if (op[0] == '~')
			snprintf(r->shown + strlen(r->shown), sizeof(r->shown) - strlen(r->shown),
			         " (within %g%%)", 100 * c->tolerance);
	}
}
