/*
 * Checks: the observations an experiment file expects ("[check NAME]",
 * expect = "A OP B"), evaluated against its summarized results, so that a
 * lab can end with one command that says what holds; and the bounds of its
 * references (`bound = N%`), so that a published comparison fails when its
 * error grows.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/experiment.h"

/* One operand: a number, or W/S[@POINT] naming a workload and a system of e. */
static int operand(const struct vl_experiment *e, const struct vl_exp_check *c, const char *tok,
                   struct vl_exp_operand *o, struct vl_err *err)
{
	char *end, w[VL_NAME + 1], rest[256];
	const char *slash = strchr(tok, '/');

	memset(o, 0, sizeof(*o));
	o->value = strtod(tok, &end);
	if (end != tok && !*end) {
		o->number = 1;
		return 0;
	}
	if (!slash || (size_t)(slash - tok) > VL_NAME)
		return vl_err_set(err, VL_EINVAL, "%d: [check %s] expect: '%s' is neither a number "
		                  "nor WORKLOAD/SYSTEM[@POINT]", c->line, c->name, tok);
	snprintf(w, sizeof(w), "%.*s", (int)(slash - tok), tok);
	snprintf(rest, sizeof(rest), "%s", slash + 1);
	char *at = strchr(rest, '@');
	if (at) {
		*at = '\0';
		snprintf(o->point, sizeof(o->point), "%s", at + 1);
		o->has_point = 1;
	}
	for (o->w = 0; o->w < e->nw && strcmp(e->w[o->w].name, w); o->w++)
		;
	for (o->s = 0; o->s < e->ns && strcmp(e->s[o->s].name, rest); o->s++)
		;
	if (o->w == e->nw || o->s == e->ns)
		return vl_err_set(err, VL_EINVAL, "%d: [check %s] expect: no %s '%s'", c->line, c->name,
		                  o->w == e->nw ? "workload" : "system", o->w == e->nw ? w : rest);
	return 0;
}

int vl_exp_check_parse(const struct vl_experiment *e, const struct vl_exp_check *c,
                       struct vl_exp_operand *left, char *op, struct vl_exp_operand *right,
                       struct vl_err *err)
{
	char a[256], o[8], b[256], extra[2];

	if (sscanf(c->expect, "%255s %7s %255s %1s", a, o, b, extra) != 3 || strlen(o) != 1 ||
	    !strchr("<>~", o[0]))
		return vl_err_set(err, VL_EINVAL, "%d: [check %s] expect: '%s': expected A OP B, "
		                  "OP one of < > ~", c->line, c->name, c->expect);
	*op = o[0];
	int rc = operand(e, c, a, left, err);
	return rc ? rc : operand(e, c, b, right, err);
}

/* The summary mean of o under metric; 0, or -1 with why set. */
/* The summary's mean of (w, s, point, metric) in experiment id: 0, or -1. */
static int mean_of(sqlite3 *h, int64_t id, const char *w, const char *s, const char *point,
                   const char *metric, double *v)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(h, "SELECT mean FROM summary WHERE experiment_id = ?1 AND "
	                       "workload = ?2 AND system = ?3 AND point = ?4 AND metric = ?5", -1,
	                       &st, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, w, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, point, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, metric, -1, SQLITE_STATIC);
	int found = sqlite3_step(st) == SQLITE_ROW;
	if (found)
		*v = sqlite3_column_double(st, 0);
	sqlite3_finalize(st);
	return found ? 0 : -1;
}

static int value_of(const struct vl_experiment *e, sqlite3 *h, int64_t id, const char *metric,
                    struct vl_exp_operand *o, char *why, size_t len)
{
	char point[128], reason[256];

	if (o->number)
		return 0;
	if (o->has_point)
		snprintf(point, sizeof(point), "%s", o->point);
	else if (vl_exp_fixed_point(e, o->s, point, sizeof(point), reason, sizeof(reason))) {
		snprintf(why, len, "%s", reason);
		return -1;
	}
	if (!mean_of(h, id, e->w[o->w].name, e->s[o->s].name, point, metric, &o->value))
		return 0;
	snprintf(why, len, "no result for %s/%s%s%s (run the experiment first)", e->w[o->w].name,
	         e->s[o->s].name, point[0] ? "@" : "", point);
	return -1;
}

/* The id of experiment e in the database: 0, or VL_EINVAL when not run. */
static int experiment_id(const struct vl_experiment *e, sqlite3 *h, int64_t *id,
                         struct vl_err *err)
{
	sqlite3_stmt *st;

	*id = -1;
	if (sqlite3_prepare_v2(h, "SELECT id FROM experiment WHERE name = ?1", -1, &st, NULL) !=
	    SQLITE_OK)
		return vl_err_set(err, VL_EDB, "%s", sqlite3_errmsg(h));
	sqlite3_bind_text(st, 1, e->name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (*id < 0)
		return vl_err_set(err, VL_EINVAL, "no experiment '%s' in the database (run it first)",
		                  e->name);
	return 0;
}

int vl_exp_check_run(const struct vl_experiment *e, struct vl_db *db,
                     struct vl_exp_check_result *out, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	int64_t id;
	int rc;

	if ((rc = experiment_id(e, h, &id, err)))
		return rc;
	for (size_t i = 0; i < e->ncheck; i++) {
		struct vl_exp_check_result *r = &out[i];
		const struct vl_exp_check *c = &e->check[i];
		memset(r, 0, sizeof(*r));
		r->check = c;
		if ((rc = vl_exp_check_parse(e, c, &r->left, &r->op, &r->right, err))) {
			char msg[sizeof(err->msg)];
			snprintf(msg, sizeof(msg), "%s", err->msg);
			return vl_err_set(err, rc, "%s:%s", e->file, msg);
		}
		if (value_of(e, h, id, c->metric, &r->left, r->why, sizeof(r->why)) ||
		    value_of(e, h, id, c->metric, &r->right, r->why, sizeof(r->why)))
			continue;
		double a = r->left.value, b = r->right.value;
		r->passed = r->op == '<' ? a < b : r->op == '>' ? a > b
		          : fabs(a - b) <= c->tolerance * fabs(b);
	}
	return 0;
}

int vl_exp_bound_run(const struct vl_experiment *e, struct vl_db *db,
                     struct vl_exp_bound_result *out, size_t *n, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	int64_t id;
	int rc;

	*n = 0;
	if ((rc = experiment_id(e, h, &id, err)))
		return rc;
	for (size_t i = 0; i < e->nref; i++) {
		const struct vl_exp_ref *ref = &e->ref[i];
		if (!ref->has_bound)
			continue;
		struct vl_exp_bound_result *r = &out[(*n)++];
		memset(r, 0, sizeof(*r));
		r->ref = ref;
		if (mean_of(h, id, ref->workload, ref->system, ref->point, ref->metric, &r->simulated)) {
			snprintf(r->why, sizeof(r->why), "no result for %s/%s%s%s %s (run the experiment "
			         "first)", ref->workload, ref->system, ref->point[0] ? "@" : "",
			         ref->point, ref->metric);
			continue;
		}
		r->error = (r->simulated - ref->value) / ref->value;
		r->passed = fabs(r->error) <= ref->bound;
	}
	return 0;
}
