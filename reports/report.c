/*
 * Report writer. Reads the experiment's text and summary from the
 * database, writes data files and gnuplot/Graphviz sources, renders them
 * when the tools are installed, and writes index.html and README.md.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "reports/report.h"
#include "reports/palette.h"
#include "sim/mech.h"
#include "sim/proc.h"
#include "sim/registry.h"
#include "sim/text.h"

struct ctx {
	struct vl_db *db;
	sqlite3 *h;
	struct vl_experiment *e;
	int64_t id;
	char dir[512];
	int have_gnuplot, have_dot;
	/* each system's own sweep point (vl_exp_fixed_point), or why there is none */
	char fixed[VL_EXP_MAX][128], why[VL_EXP_MAX][256];
	int fixed_ok[VL_EXP_MAX];
	struct vl_report_result *res;
	FILE *html, *md;
	struct vl_err *err;
};

/*
 * Everything from the file or the database is text, never markup or code:
 * esc() for HTML (and the Markdown, which renders HTML), gq() for a quoted
 * gnuplot string, dq() for a quoted Graphviz ID. Buffers of Q_LEN hold any
 * name or title quoted.
 */
#define Q_LEN 1600

static const char *esc(const char *s, char *buf, size_t n)
{
	return vl_quote(VL_Q_HTML, s ? s : "", buf, n);
}

static const char *gq(const char *s, char *buf, size_t n)
{
	return vl_quote(VL_Q_GNUPLOT, s ? s : "", buf, n);
}

int vl_report_have_tool(const char *name)
{
	return vl_proc_find(name, NULL, 0);
}

int vl_report_run_tool(const char *dir, const char *const argv[])
{
	struct vl_err e = {0};

	return vl_proc_run(dir, argv, NULL, "tools.log", &e) ? -1 : 0;
}

static FILE *open_out(struct ctx *c, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", c->dir, name);
	FILE *f = fopen(path, "w");
	if (!f)
		vl_err_set(c->err, VL_EIO, "%s: cannot write: %s", path, strerror(errno));
	return f;
}

static void missing(struct ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void missing(struct ctx *c, const char *fmt, ...)
{
	size_t used = strlen(c->res->missing);
	va_list ap;

	if (used + 4 >= sizeof(c->res->missing))
		return;
	if (used)
		strcat(c->res->missing, "; ");
	va_start(ap, fmt);
	vsnprintf(c->res->missing + strlen(c->res->missing),
	          sizeof(c->res->missing) - strlen(c->res->missing), fmt, ap);
	va_end(ap);
}

/* The summary value of (workload, system, point, metric); NAN if absent. */
static double summary(struct ctx *c, const char *w, const char *s, const char *point,
                      const char *metric, double *lo, double *hi)
{
	sqlite3_stmt *st;
	double v = NAN;

	if (sqlite3_prepare_v2(c->h, "SELECT mean, ci_lo, ci_hi FROM summary WHERE experiment_id = ?1"
	                       " AND workload = ?2 AND system = ?3 AND point = ?4 AND metric = ?5",
	                       -1, &st, NULL) != SQLITE_OK)
		return NAN;
	sqlite3_bind_int64(st, 1, c->id);
	sqlite3_bind_text(st, 2, w, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, s, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, point, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, metric, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		v = sqlite3_column_double(st, 0);
		if (lo)
			*lo = sqlite3_column_double(st, 1);
		if (hi)
			*hi = sqlite3_column_double(st, 2);
	}
	sqlite3_finalize(st);
	return v;
}

static const struct vl_exp_ref *find_ref(const struct vl_experiment *e, const char *w,
                                         const char *s, const char *point, const char *metric)
{
	for (size_t i = 0; i < e->nref; i++)
		if (!strcmp(e->ref[i].workload, w) && !strcmp(e->ref[i].system, s) &&
		    !strcmp(e->ref[i].metric, metric) && !strcmp(e->ref[i].point, point))
			return &e->ref[i];
	return NULL;
}

static int in_filter(const char *filter, const char *w)
{
	if (!filter[0])
		return 1;
	size_t n = strlen(w);
	for (const char *p = filter; (p = strstr(p, w)); p += n)
		if ((p == filter || p[-1] == ' ') && (p[n] == '\0' || p[n] == ' '))
			return 1;
	return 0;
}

/* A metric's axis label, with its unit. */
static const char *metric_label(const char *m)
{
	static const struct {
		const char *metric, *label;
	} labels[] = {
		{"cycles_per_op", "cycles per operation (cycles)"},
		{"slowdown", "slowdown against native (x)"},
		{"sim_seconds", "simulated time (s)"},
		{"sim_cycles", "simulated time (cycles)"},
	};
	for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
		if (!strcmp(m, labels[i].metric))
			return labels[i].label;
	return m;
}

/* A swept parameter's axis label, with its unit from the model's table. */
static const char *sweep_label(const struct vl_experiment *e, const struct vl_exp_sweep *sw,
                               char *buf, size_t len)
{
	if (!strcmp(sw->param, "host"))
		return "host profile (CPU generation)";
	for (size_t s = 0; s < e->ns; s++) {
		const struct vl_model *m = vl_model_find(e->s[s].model);
		if (!m || (sw->system[0] && strcmp(sw->system, e->s[s].name)))
			continue;
		int i = vl_param_find(m->params, m->nparams, sw->param);
		int h = vl_param_find(vl_host_params, VL_H__COUNT, sw->param);
		const struct vl_param_def *d = i >= 0 ? &m->params[i] : h >= 0 ? &vl_host_params[h] : NULL;
		if (d) {
			snprintf(buf, len, "%s (%s)", sw->param, d->unit);
			return buf;
		}
	}
	return sw->param;
}

/* "vt-x", or "vt-x (host=prescott)" for a swept system at its own point. */
static const char *series_name(const struct ctx *c, size_t s, char *buf, size_t len)
{
	if (c->fixed[s][0])
		snprintf(buf, len, "%s (%s)", c->e->s[s].name, c->fixed[s]);
	else
		snprintf(buf, len, "%s", c->e->s[s].name);
	return buf;
}

static void gp_header(FILE *f, const char *name, const char *title, int svg)
{
	char out[Q_LEN], t[Q_LEN], file[VL_NAME + 8];

	if (svg)
		fprintf(f, "set terminal svg size 1000,560 dynamic font 'sans,11'\n");
	else
		fprintf(f, "set terminal pngcairo size 1000,560 font 'sans,10'\n");
	snprintf(file, sizeof(file), "%s.%s", name, svg ? "svg" : "png");
	fprintf(f, "set termoption noenhanced\nset output %s\nset title %s\n"
	           "set datafile missing '?'\nset grid ytics\nset key outside right top\n",
	        gq(file, out, sizeof(out)), gq(title, t, sizeof(t)));
}

/* Opens name.png.gp or name.svg.gp and writes the terminal and title. */
static FILE *gp_open(struct ctx *c, const struct vl_exp_plot *pl, int svg)
{
	char fn[128];

	snprintf(fn, sizeof(fn), "%s.%s.gp", pl->name, svg ? "svg" : "png");
	FILE *g = open_out(c, fn);
	if (g)
		gp_header(g, pl->name, pl->title[0] ? pl->title : pl->name, svg);
	return g;
}

/* Renders name.gp into name.png and name.svg. */
static void render(struct ctx *c, const char *name)
{
	char gp[128];

	if (!c->have_gnuplot)
		return;
	for (int svg = 0; svg < 2; svg++) {
		snprintf(gp, sizeof(gp), "%s.%s.gp", name, svg ? "svg" : "png");
		const char *argv[] = {"gnuplot", gp, NULL};
		if (vl_report_run_tool(c->dir, argv))
			missing(c, "%s.%s: gnuplot failed on %s", name, svg ? "svg" : "png", gp);
	}
	c->res->plots++;
}

/*
 * Bars: one group per workload, one bar per system. A system swept
 * elsewhere is drawn at its own settings (the sweep point matching its
 * host or parameter value); one that has no such point is named in the
 * report as not drawn, with the reason.
 */
static int plot_bars(struct ctx *c, const struct vl_exp_plot *pl)
{
	const struct vl_experiment *e = c->e;
	char fn[128];

	snprintf(fn, sizeof(fn), "data/%s.dat", pl->name);
	FILE *d = open_out(c, fn);
	if (!d)
		return c->err->code;
	fprintf(d, "# workload");
	for (size_t s = 0; s < e->ns; s++)
		fprintf(d, " %s lo hi published", e->s[s].name);
	fprintf(d, "\n");
	int refs[VL_EXP_MAX] = {0}, have[VL_EXP_MAX] = {0}, nhave = 0;
	char gaps[VL_EXP_MAX][256] = {{0}}; /* workloads without a bar, per system */
	for (size_t w = 0; w < e->nw; w++) {
		if (!in_filter(pl->workloads, e->w[w].name))
			continue;
		fprintf(d, "%s", e->w[w].name);
		for (size_t s = 0; s < e->ns; s++) {
			double lo = 0, hi = 0, v = NAN;
			const struct vl_exp_ref *r = NULL;
			if (c->fixed_ok[s]) {
				v = summary(c, e->w[w].name, e->s[s].name, c->fixed[s], pl->metric, &lo, &hi);
				r = find_ref(e, e->w[w].name, e->s[s].name, c->fixed[s], pl->metric);
			}
			if (isnan(v)) {
				fprintf(d, " ? ? ?");
				size_t g = strlen(gaps[s]);
				snprintf(gaps[s] + g, sizeof(gaps[s]) - g, "%s%s", g ? ", " : "", e->w[w].name);
			} else {
				fprintf(d, " %.6g %.6g %.6g", v, lo, hi);
				have[s] = 1;
			}
			if (r) {
				fprintf(d, " %.6g", r->value);
				refs[s] = 1;
			} else {
				fprintf(d, " ?");
			}
		}
		fprintf(d, "\n");
	}
	fclose(d);
	for (size_t s = 0; s < e->ns; s++) {
		nhave += have[s] || refs[s];
		if (!have[s])
			missing(c, "plot %s: no bars of %s (%s)", pl->name, e->s[s].name,
			        c->fixed_ok[s] ? "no results at its point" : c->why[s]);
		else if (gaps[s][0])
			missing(c, "plot %s: no bar of %s for %s (no results)", pl->name, e->s[s].name,
			        gaps[s]);
	}
	for (int svg = 0; svg < 2; svg++) {
		FILE *g = gp_open(c, pl, svg);
		if (!g)
			return c->err->code;
		fprintf(g, "set style data histogram\nset style histogram errorbars gap 1 lw 1\n"
		           "set style fill solid 0.85 border -1\nset xtics rotate by -25\n"
		           "set xlabel 'workload'\nset ylabel '%s'\n%s", metric_label(pl->metric),
		        pl->log ? "set logscale y\nset yrange [0.5:*]\n" : "set yrange [0:*]\n");
		fprintf(g, "plot ");
		int first = 1;
		char dat[Q_LEN], t[Q_LEN];
		gq(fn, dat, sizeof(dat));
		for (size_t s = 0; s < e->ns; s++) {
			int col = 2 + 4 * (int)s;
			char name[256], pubname[300];
			series_name(c, s, name, sizeof(name));
			if (have[s]) {
				fprintf(g, "%s%s using %d:%d:%d%s title %s", first ? "" : ", \\\n     ",
				        dat, col, col + 1, col + 2, first ? ":xtic(1)" : "",
				        gq(name, t, sizeof(t)));
				first = 0;
			}
			if (refs[s]) {
				snprintf(pubname, sizeof(pubname), "%s (published)", name);
				fprintf(g, "%s%s using %d:%d:%d%s title %s fs pattern 4",
				        first ? "" : ", \\\n     ", dat, col + 3, col + 3, col + 3,
				        first ? ":xtic(1)" : "", gq(pubname, t, sizeof(t)));
				first = 0;
			}
		}
		fprintf(g, "\n");
		fclose(g);
	}
	if (nhave)
		render(c, pl->name);
	else
		missing(c, "plot %s: nothing to draw", pl->name);
	return 0;
}

/*
 * Stacked shares of the cycles per mechanism, one bar per (workload,
 * system); mechanisms in the palette's family order and colours.
 */
static int plot_breakdown(struct ctx *c, const struct vl_exp_plot *pl)
{
	const struct vl_experiment *e = c->e;
	char fn[128];
	int used[VL_MECH__COUNT] = {0}, rows = 0, ncols = 0;

	/* which mechanisms appear at all */
	for (size_t w = 0; w < e->nw; w++)
		for (size_t s = 0; s < e->ns; s++)
			for (int m = 0; m < VL_MECH__COUNT; m++) {
				char metric[80];
				snprintf(metric, sizeof(metric), "mech.%s", vl_mechdesc[m].name);
				if (c->fixed_ok[s] && in_filter(pl->workloads, e->w[w].name) &&
				    !isnan(summary(c, e->w[w].name, e->s[s].name, c->fixed[s], metric, NULL,
				                   NULL)))
					used[m] = 1;
			}
	snprintf(fn, sizeof(fn), "data/%s.dat", pl->name);
	FILE *d = open_out(c, fn);
	if (!d)
		return c->err->code;
	fprintf(d, "run");
	for (size_t k = 0; k < vl_nmechstyles; k++)
		if (used[vl_mechstyles[k].mech]) {
			fprintf(d, " %s", vl_mechdesc[vl_mechstyles[k].mech].name);
			ncols++;
		}
	fprintf(d, "\n");
	for (size_t w = 0; w < e->nw; w++) {
		if (!in_filter(pl->workloads, e->w[w].name))
			continue;
		for (size_t s = 0; s < e->ns; s++) {
			double v[VL_MECH__COUNT], total = 0;
			for (int m = 0; m < VL_MECH__COUNT && c->fixed_ok[s]; m++) {
				char metric[80];
				snprintf(metric, sizeof(metric), "mech.%s", vl_mechdesc[m].name);
				v[m] = summary(c, e->w[w].name, e->s[s].name, c->fixed[s], metric, NULL, NULL);
				if (!isnan(v[m]))
					total += v[m];
			}
			if (total <= 0) {
				missing(c, "plot %s: no bar of %s / %s (%s)", pl->name, e->w[w].name,
				        e->s[s].name, c->fixed_ok[s] ? "no results at its point" : c->why[s]);
				continue;
			}
			fprintf(d, "%s/%s", e->w[w].name, e->s[s].name);
			for (size_t k = 0; k < vl_nmechstyles; k++) {
				int m = vl_mechstyles[k].mech;
				if (used[m])
					fprintf(d, " %.4f", isnan(v[m]) ? 0 : 100 * v[m] / total);
			}
			fprintf(d, "\n");
			rows++;
		}
	}
	fclose(d);
	for (int svg = 0; svg < 2; svg++) {
		FILE *g = gp_open(c, pl, svg);
		if (!g)
			return c->err->code;
		char dat[Q_LEN];
		fprintf(g, "set style data histogram\nset style histogram rowstacked\n"
		           "set style fill solid 0.85 border -1\nset boxwidth 0.75\n"
		           "set xtics rotate by -45 font ',8'\nset xlabel 'workload / system'\n"
		           "set ylabel 'share of cycles (%%)'\nset yrange [0:100]\nplot ");
		int col = 2;
		for (size_t k = 0; k < vl_nmechstyles; k++) {
			int m = vl_mechstyles[k].mech;
			if (!used[m])
				continue;
			fprintf(g, "%s%s using %d%s title '%s' lc rgb '%s'",
			        col == 2 ? "" : ", \\\n     ", gq(fn, dat, sizeof(dat)), col,
			        col == 2 ? ":xtic(1)" : "",
			        vl_mechdesc[m].name, vl_mechstyles[k].colour);
			col++;
		}
		fprintf(g, "\n");
		fclose(g);
	}
	if (rows && ncols)
		render(c, pl->name);
	else
		missing(c, "plot %s: nothing to draw", pl->name);
	return 0;
}

/* The order in which to draw a sweep's values: numeric ones ascending. */
static void sweep_order(const struct vl_exp_sweep *sw, size_t *order)
{
	for (size_t k = 0; k < sw->nvalues; k++)
		order[k] = k;
	if (!strcmp(sw->param, "host"))
		return; /* host profiles: the file's order, oldest first by convention */
	for (size_t i = 1; i < sw->nvalues; i++)
		for (size_t j = i; j > 0 && strtod(sw->values[order[j - 1]], NULL) >
		                              strtod(sw->values[order[j]], NULL); j--) {
			size_t t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
}

/*
 * A sweep: one line per (workload, swept system) over the sweep's values,
 * sorted; every other system of the plot's workloads is drawn as a dashed
 * reference line at its own settings, or named as not drawn, with why.
 */
static int plot_sweep(struct ctx *c, const struct vl_exp_plot *pl)
{
	const struct vl_experiment *e = c->e;
	const struct vl_exp_sweep *sw = NULL;
	char fn[128];

	for (size_t i = 0; i < e->nsw; i++)
		if (!strcmp(e->sw[i].name, pl->sweep))
			sw = &e->sw[i];
	if (!sw) {
		missing(c, "plot %s: the experiment has no sweep '%s'", pl->name, pl->sweep);
		return 0;
	}
	int host = !strcmp(sw->param, "host");
	size_t order[VL_EXP_MAX_VALUES];
	sweep_order(sw, order);
	double x0 = host ? 0 : strtod(sw->values[order[0]], NULL);
	double x1 = host ? (double)(sw->nvalues - 1) : strtod(sw->values[order[sw->nvalues - 1]], NULL);
	snprintf(fn, sizeof(fn), "data/%s.dat", pl->name);
	FILE *d = open_out(c, fn);
	if (!d)
		return c->err->code;
	struct series {
		char title[200];
		int swept, colour, dash;
	} series[VL_EXP_MAX * 4];
	int nseries = 0, nw = 0;
	for (size_t w = 0; w < e->nw; w++) {
		if (!in_filter(pl->workloads, e->w[w].name))
			continue;
		nw++;
		for (size_t s = 0; s < e->ns; s++) {
			struct series *ser = &series[nseries];
			int swept = !sw->system[0] || !strcmp(sw->system, e->s[s].name);
			if (nseries == (int)(sizeof(series) / sizeof(series[0]))) {
				missing(c, "plot %s: more than %d lines", pl->name, nseries);
				break;
			}
			if (!swept && !c->fixed_ok[s]) {
				missing(c, "plot %s: no reference line of %s / %s (%s)", pl->name,
				        e->w[w].name, e->s[s].name, c->why[s]);
				continue;
			}
			int any = 0;
			char gap[256] = "";
			fprintf(d, "# %s / %s%s\n", e->w[w].name, e->s[s].name, swept ? "" : " (not swept)");
			for (size_t i = 0; i < (swept ? sw->nvalues : 2); i++) {
				char point[128];
				double lo = 0, hi = 0, v;
				size_t k = swept ? order[i] : 0;
				if (swept) {
					snprintf(point, sizeof(point), "%s=%s", sw->param, sw->values[k]);
					v = summary(c, e->w[w].name, e->s[s].name, point, pl->metric, &lo, &hi);
					if (host)
						fprintf(d, "%zu %s ", i, sw->values[k]);
					else
						fprintf(d, "%s %s ", sw->values[k], sw->values[k]);
				} else {
					v = summary(c, e->w[w].name, e->s[s].name, c->fixed[s], pl->metric, &lo, &hi);
					fprintf(d, "%.9g - ", i ? x1 : x0);
				}
				if (isnan(v)) {
					fprintf(d, "? ? ?\n");
					size_t g = strlen(gap);
					if (swept)
						snprintf(gap + g, sizeof(gap) - g, "%s%s", g ? ", " : "", sw->values[k]);
				} else {
					fprintf(d, "%.6g %.6g %.6g\n", v, lo, hi);
					any = 1;
				}
			}
			fprintf(d, "\n\n");
			if (!any)
				missing(c, "plot %s: no results of %s / %s", pl->name, e->w[w].name,
				        e->s[s].name);
			else if (gap[0])
				missing(c, "plot %s: %s / %s has no results at %s = %s", pl->name,
				        e->w[w].name, e->s[s].name, sw->param, gap);
			char name[180];
			series_name(c, s, name, sizeof(name));
			snprintf(ser->title, sizeof(ser->title), "%s / %s%s", e->w[w].name,
			         swept ? e->s[s].name : name, swept ? "" : ", not swept");
			ser->swept = swept;
			ser->colour = nw;
			ser->dash = swept ? 1 : 2 + (int)s % 4;
			nseries++;
		}
	}
	fclose(d);
	int logx = 0;
	if (!host) {
		double lo = strtod(sw->values[order[0]], NULL);
		logx = lo > 0 && x1 / lo >= 64;
	}
	for (int svg = 0; svg < 2; svg++) {
		FILE *g = gp_open(c, pl, svg);
		if (!g)
			return c->err->code;
		char xl[200], qxl[Q_LEN], dat[Q_LEN], t[Q_LEN];
		gq(fn, dat, sizeof(dat));
		fprintf(g, "set xlabel %s\nset ylabel '%s'\n%s%s",
		        gq(sweep_label(e, sw, xl, sizeof(xl)), qxl, sizeof(qxl)),
		        metric_label(pl->metric), pl->log ? "set logscale y\n" : "",
		        logx ? "set logscale x 2\n" : "");
		if (host) {
			fprintf(g, "set xrange [-0.25:%g]\nset xtics (", x1 + 0.25);
			for (size_t i = 0; i < sw->nvalues; i++)
				fprintf(g, "%s%s %zu", i ? ", " : "", gq(sw->values[order[i]], t, sizeof(t)), i);
			fprintf(g, ")\n");
		}
		fprintf(g, "set style fill transparent solid 0.2 noborder\nplot ");
		for (int i = 0; i < nseries; i++) {
			const struct series *ser = &series[i];
			if (ser->swept)
				fprintf(g, "%s%s index %d using 1:4:5 with filledcurves lc %d "
				           "notitle, '' index %d using 1:3 with linespoints lc %d lw 2 "
				           "title %s", i ? ", \\\n     " : "", dat, i, ser->colour, i,
				        ser->colour, gq(ser->title, t, sizeof(t)));
			else
				fprintf(g, "%s%s index %d using 1:3 with lines lc %d dt %d lw 2 "
				           "title %s", i ? ", \\\n     " : "", dat, i, ser->colour,
				        ser->dash, gq(ser->title, t, sizeof(t)));
		}
		fprintf(g, "\n");
		fclose(g);
	}
	if (nseries)
		render(c, pl->name);
	else
		missing(c, "plot %s: nothing to draw", pl->name);
	return 0;
}

static int diagrams(struct ctx *c)
{
	sqlite3_stmt *st;
	char models[VL_EXP_MAX][VL_NAME];
	int nm = 0;

	if (sqlite3_prepare_v2(c->h, "SELECT DISTINCT model FROM run WHERE experiment_id = ?1 "
	                       "ORDER BY model", -1, &st, NULL) != SQLITE_OK)
		return vl_err_set(c->err, VL_EDB, "%s", sqlite3_errmsg(c->h));
	sqlite3_bind_int64(st, 1, c->id);
	while (sqlite3_step(st) == SQLITE_ROW && nm < VL_EXP_MAX) {
		const char *m = (const char *)sqlite3_column_text(st, 0);
		if (!vl_name_ok(m)) {
			/* a file name and a Graphviz ID: refuse what no model is called */
			char q[Q_LEN];
			vl_err_set(c->err, VL_EINVAL, "results database: experiment '%s': model %s is not "
			           "a model name", c->e->name, vl_quote(VL_Q_SH, m, q, sizeof(q)));
			sqlite3_finalize(st);
			return c->err->code;
		}
		snprintf(models[nm++], VL_NAME, "%s", m);
	}
	sqlite3_finalize(st);
	for (int i = 0; i < nm; i++) {
		uint64_t cnt[VL_MECH__COUNT] = {0}, cyc[VL_MECH__COUNT] = {0}, total = 0;
		if (sqlite3_prepare_v2(c->h, "SELECT b.mechanism, sum(b.count), sum(b.cycles) FROM breakdown b"
		                       " JOIN run r ON r.id = b.run_id WHERE r.experiment_id = ?1 AND"
		                       " r.model = ?2 GROUP BY b.mechanism", -1, &st, NULL) != SQLITE_OK)
			return vl_err_set(c->err, VL_EDB, "%s", sqlite3_errmsg(c->h));
		sqlite3_bind_int64(st, 1, c->id);
		sqlite3_bind_text(st, 2, models[i], -1, SQLITE_STATIC);
		while (sqlite3_step(st) == SQLITE_ROW) {
			int m = vl_mech_lookup((const char *)sqlite3_column_text(st, 0));
			if (m < 0)
				continue;
			cnt[m] = (uint64_t)sqlite3_column_int64(st, 1);
			cyc[m] = (uint64_t)sqlite3_column_int64(st, 2);
			total += cyc[m];
		}
		sqlite3_finalize(st);
		char fn[160];
		snprintf(fn, sizeof(fn), "diagram-%.63s.dot", models[i]);
		FILE *f = open_out(c, fn);
		if (!f)
			return c->err->code;
		char id[Q_LEN], label[Q_LEN], text[VL_NAME + 80];
		snprintf(text, sizeof(text), "%.63s: where events go, edges weighted by cycles (all runs "
		         "of the experiment)", models[i]);
		fprintf(f, "digraph %s {\n  rankdir=LR;\n  label=%s;\n  labelloc=t;\n"
		           "  node [shape=box, style=rounded, fontname=sans];\n"
		           "  edge [fontname=sans, fontsize=10];\n",
		        vl_quote(VL_Q_DOT, models[i], id, sizeof(id)),
		        vl_quote(VL_Q_DOT, text, label, sizeof(label)));
		for (size_t k = 0; k < vl_nmechstyles; k++) {
			const struct vl_mechstyle *ms = &vl_mechstyles[k];
			int m = ms->mech;
			if (!cyc[m])
				continue;
			double share = total ? (double)cyc[m] / (double)total : 0;
			fprintf(f, "  \"%s\" -> \"%s\" [label=\"%s\\n%llu x, %.1f%% of cycles\", "
			           "penwidth=%.2f, color=\"%s\"];\n", ms->from, ms->to,
			        vl_mechdesc[m].name, (unsigned long long)cnt[m], 100 * share, 1 + 9 * share,
			        ms->colour);
		}
		fprintf(f, "}\n");
		fclose(f);
		if (c->have_dot) {
			char png[170], svg[170];
			snprintf(png, sizeof(png), "-odiagram-%.63s.png", models[i]);
			snprintf(svg, sizeof(svg), "-odiagram-%.63s.svg", models[i]);
			const char *a1[] = {"dot", "-Tpng", png, fn, NULL};
			const char *a2[] = {"dot", "-Tsvg", svg, fn, NULL};
			if (vl_report_run_tool(c->dir, a1) || vl_report_run_tool(c->dir, a2))
				missing(c, "diagram-%s: dot failed", models[i]);
		}
		c->res->diagrams++;
	}
	return 0;
}

/* The references table, in HTML and Markdown at once. */
static void references(struct ctx *c)
{
	const struct vl_experiment *e = c->e;

	if (!e->nref)
		return;
	fprintf(c->html, "<h2>Simulated against published</h2>\n<table>\n<tr><th>workload</th>"
	                 "<th>system</th><th>metric</th><th>simulated</th><th>95%% CI</th>"
	                 "<th>published</th><th>error</th><th>row</th><th>source</th></tr>\n");
	fprintf(c->md, "## Simulated against published\n\n| workload | system | metric | simulated |"
	               " 95%% CI | published | error | row | source |\n| --- | --- | --- | ---: | --- |"
	               " ---: | ---: | --- | --- |\n");
	FILE *t = open_out(c, "data/references.tsv");
	if (t)
		fprintf(t, "workload\tsystem\tpoint\tmetric\tsimulated\tpublished\terror\tunit\tsource"
		           "\trow\n");
	for (size_t i = 0; i < e->nref; i++) {
		const struct vl_exp_ref *r = &e->ref[i];
		double lo = 0, hi = 0;
		double v = summary(c, r->workload, r->system, r->point, r->metric, &lo, &hi);
		double error = isnan(v) ? NAN : (v - r->value) / r->value;
		char sim[64], ci[96], err[32];
		if (isnan(v)) {
			snprintf(sim, sizeof(sim), "not run");
			snprintf(ci, sizeof(ci), "-");
			snprintf(err, sizeof(err), "-");
		} else {
			snprintf(sim, sizeof(sim), "%.6g %s", v, r->unit);
			snprintf(ci, sizeof(ci), lo == hi ? "(no spread)" : "[%.6g, %.6g]", lo, hi);
			snprintf(err, sizeof(err), "%+.1f%%", 100 * error);
			if (fabs(error) > c->res->max_abs_error)
				c->res->max_abs_error = fabs(error);
			if (!r->fitted && fabs(error) > c->res->max_abs_error_predicted)
				c->res->max_abs_error_predicted = fabs(error);
		}
		const char *row = r->fitted ? "fitted" : "predicted";
		c->res->predicted += !r->fitted;
		char src[Q_LEN], w[Q_LEN], s[Q_LEN], pt[Q_LEN * 2], unit[Q_LEN], simq[Q_LEN];
		esc(r->workload, w, sizeof(w));
		esc(r->system, s, sizeof(s));
		esc(r->point, pt, sizeof(pt));
		esc(r->unit, unit, sizeof(unit));
		esc(r->source, src, sizeof(src));
		esc(sim, simq, sizeof(simq));
		fprintf(c->html, "<tr><td>%s</td><td>%s</td><td>%s%s%s</td><td>%s</td><td>%s</td>"
		                 "<td>%.6g %s</td><td class=\"%s\">%s</td><td>%s</td><td>%s</td></tr>\n",
		        w, s, r->metric, r->point[0] ? " @ " : "", pt, simq, ci,
		        r->value, unit, !isnan(error) && fabs(error) > 0.1 ? "off" : "ok", err, row, src);
		fprintf(c->md, "| %s | %s | %s%s%s | %s | %s | %.6g %s | %s | %s | %s |\n", w, s,
		        r->metric, r->point[0] ? " @ " : "", pt, simq, ci, r->value, unit, err, row, src);
		if (t)
			fprintf(t, "%s\t%s\t%s\t%s\t%.6g\t%.6g\t%.6g\t%s\t%s\t%s\n", r->workload,
			        r->system, r->point, r->metric, v, r->value, error, r->unit, r->source, row);
		c->res->references++;
	}
	if (t)
		fclose(t);
	fprintf(c->html, "</table>\n<p>Error = (simulated - published) / published. Rows beyond "
	                 "10%% are marked. A <em>fitted</em> row is one a parameter was derived from: "
	                 "the model reproduces it by construction; <em>predicted</em> rows are "
	                 "independent. ");
	fprintf(c->md, "\nError = (simulated - published) / published. A *fitted* row is one a "
	               "parameter was derived from (reproduced by construction); *predicted* rows "
	               "are independent. ");
	if (c->res->predicted) {
		fprintf(c->html, "Largest error of the %u predicted rows: %.1f%%.</p>\n",
		        c->res->predicted, 100 * c->res->max_abs_error_predicted);
		fprintf(c->md, "Largest error of the %u predicted rows: %.1f%%.\n\n",
		        c->res->predicted, 100 * c->res->max_abs_error_predicted);
	} else {
		fprintf(c->html, "Every row is fitted: none is a prediction.</p>\n");
		fprintf(c->md, "Every row is fitted: none is a prediction.\n\n");
	}
}

static int write_index(struct ctx *c)
{
	const struct vl_experiment *e = c->e;

	c->html = open_out(c, "index.html");
	c->md = open_out(c, "README.md");
	if (!c->html || !c->md)
		return c->err->code;
	char title[Q_LEN], file[Q_LEN * 2];
	esc(e->title[0] ? e->title : e->name, title, sizeof(title));
	esc(e->file, file, sizeof(file));
	fprintf(c->html, "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>%s</title>\n"
	                 "<style>body{font-family:sans-serif;max-width:1100px;margin:2em auto;}"
	                 "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
	                 "td.off{background:#fdd}td.ok{background:#dfd}img{max-width:100%%}</style>"
	                 "</head><body>\n<h1>%s</h1>\n<p>Experiment <code>%s</code> (%s): %zu workloads,"
	                 " %zu systems, %u replication(s), seed %llu. Generated by <code>virtlab report"
	                 "</code> from the results database alone.</p>\n",
	        title, title, e->name, file, e->nw, e->ns, e->replications,
	        (unsigned long long)e->seed);
	fprintf(c->md, "# %s\n\nExperiment `%s` (`%s`): %zu workloads, %zu systems, %u "
	               "replications, seed %llu. Generated by `virtlab report` from the results "
	               "database alone.\n\n", title, e->name, file,
	        e->nw, e->ns, e->replications, (unsigned long long)e->seed);
	references(c);
	for (size_t i = 0; i < e->nplot; i++) {
		const struct vl_exp_plot *pl = &e->plot[i];
		char pt[Q_LEN], n[Q_LEN];
		esc(pl->title[0] ? pl->title : pl->name, pt, sizeof(pt));
		esc(pl->name, n, sizeof(n));
		fprintf(c->html, "<h2>%s</h2>\n<p><a href=\"%s.svg\"><img src=\"%s.png\" alt=\"%s\"></a>"
		                 "<br><small>data: <a href=\"data/%s.dat\">data/%s.dat</a></small></p>\n",
		        pt, n, n, n, n, n);
		fprintf(c->md, "## %s\n\n![%s](%s.png)\n\n", pt, n, n);
	}
	return 0;
}

static void write_diagram_links(struct ctx *c)
{
	sqlite3_stmt *st;

	fprintf(c->html, "<h2>Where events go</h2>\n");
	fprintf(c->md, "## Where events go\n\n");
	if (sqlite3_prepare_v2(c->h, "SELECT DISTINCT model FROM run WHERE experiment_id = ?1 "
	                       "ORDER BY model", -1, &st, NULL) != SQLITE_OK)
		return;
	sqlite3_bind_int64(st, 1, c->id);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char m[Q_LEN];
		esc((const char *)sqlite3_column_text(st, 0), m, sizeof(m));
		fprintf(c->html, "<p><a href=\"diagram-%s.svg\"><img src=\"diagram-%s.png\" "
		                 "alt=\"%s\"></a></p>\n", m, m, m);
		fprintf(c->md, "![%s](diagram-%s.png)\n\n", m, m);
	}
	sqlite3_finalize(st);
}

static void write_summary_table(struct ctx *c)
{
	sqlite3_stmt *st;
	FILE *t = open_out(c, "data/summary.tsv");

	fprintf(c->html, "<h2>All results</h2>\n<table>\n<tr><th>workload</th><th>system</th>"
	                 "<th>point</th><th>slowdown</th><th>simulated seconds</th><th>n</th></tr>\n");
	if (t)
		fprintf(t, "workload\tsystem\tpoint\tmetric\tn\tmean\tsd\tci_lo\tci_hi\n");
	if (sqlite3_prepare_v2(c->h, "SELECT workload, system, point, metric, n, mean, sd, ci_lo, "
	                       "ci_hi FROM summary WHERE experiment_id = ?1 ORDER BY 1, 2, 3, 4", -1,
	                       &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, c->id);
		while (sqlite3_step(st) == SQLITE_ROW) {
			const char *w = (const char *)sqlite3_column_text(st, 0);
			const char *s = (const char *)sqlite3_column_text(st, 1);
			const char *p = (const char *)sqlite3_column_text(st, 2);
			const char *m = (const char *)sqlite3_column_text(st, 3);
			if (t && w && s && p && m)
				fprintf(t, "%s\t%s\t%s\t%s\t%d\t%.9g\t%.9g\t%.9g\t%.9g\n", w, s, p, m,
				        sqlite3_column_int(st, 4), sqlite3_column_double(st, 5),
				        sqlite3_column_double(st, 6), sqlite3_column_double(st, 7),
				        sqlite3_column_double(st, 8));
			if (w && s && p && m && !strcmp(m, "slowdown")) {
				char qw[Q_LEN], qs[Q_LEN], qp[Q_LEN * 2];
				double secs = summary(c, w, s, p, "sim_seconds", NULL, NULL);
				char sec[32] = "-"; /* a database summarized before sim_seconds was */
				if (!isnan(secs))
					snprintf(sec, sizeof(sec), "%.6g", secs);
				fprintf(c->html, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%.3f</td><td>%s</td>"
				                 "<td>%d</td></tr>\n", esc(w, qw, sizeof(qw)), esc(s, qs, sizeof(qs)),
				        esc(p, qp, sizeof(qp)), sqlite3_column_double(st, 5), sec,
				        sqlite3_column_int(st, 4));
			}
		}
		sqlite3_finalize(st);
	}
	if (t)
		fclose(t);
	fprintf(c->html, "</table>\n<p>Every number: <a href=\"data/summary.tsv\">data/summary.tsv"
	                 "</a>.</p>\n");
	fprintf(c->md, "Every number: [data/summary.tsv](data/summary.tsv).\n");
}

int vl_report_write(struct vl_db *db, const char *name, const struct vl_experiment *file,
                    const char *dir, struct vl_report_result *res, struct vl_err *err)
{
	struct ctx c = {.db = db, .h = vl_db_handle(db), .res = res, .err = err};
	sqlite3_stmt *st;
	char *config = NULL, path[512] = "";
	int rc = 0;

	memset(res, 0, sizeof(*res));
	if (sqlite3_prepare_v2(c.h, "SELECT id, config, file FROM experiment WHERE name = ?1", -1,
	                       &st, NULL) != SQLITE_OK)
		return vl_err_set(err, VL_EDB, "%s", sqlite3_errmsg(c.h));
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 1)) {
		c.id = sqlite3_column_int64(st, 0);
		config = strdup((const char *)sqlite3_column_text(st, 1));
		snprintf(path, sizeof(path), "%s", (const char *)sqlite3_column_text(st, 2));
	}
	sqlite3_finalize(st);
	if (!config)
		return vl_err_set(err, VL_EINVAL, "no experiment '%s' in the database", name);
	rc = vl_exp_parse(&c.e, config, path, err);
	free(config);
	if (rc)
		return rc;
	if (file) {
		/* the file's plots and references; the recorded runs */
		char why[256];
		if (!vl_exp_same_runs(c.e, file, why, sizeof(why)))
			snprintf(res->warning, sizeof(res->warning), "%s: its runs differ from those "
			         "recorded (%s): run 'virtlab experiment run %s' again", file->file, why,
			         file->file);
		memcpy(c.e->plot, file->plot, sizeof(file->plot));
		c.e->nplot = file->nplot;
		memcpy(c.e->ref, file->ref, sizeof(file->ref));
		c.e->nref = file->nref;
	}
	for (size_t s = 0; s < c.e->ns; s++)
		c.fixed_ok[s] = !vl_exp_fixed_point(c.e, s, c.fixed[s], sizeof(c.fixed[s]), c.why[s],
		                                    sizeof(c.why[s]));
	snprintf(c.dir, sizeof(c.dir), "%s", dir ? dir : c.e->output);
	snprintf(res->dir, sizeof(res->dir), "%s", c.dir);
	char sub[600];
	snprintf(sub, sizeof(sub), "%s/data", c.dir);
	for (char *p = c.dir + 1; *p; p++)
		if (*p == '/') {
			*p = '\0';
			mkdir(c.dir, 0777);
			*p = '/';
		}
	mkdir(c.dir, 0777);
	if (mkdir(sub, 0777) != 0 && errno != EEXIST) {
		rc = vl_err_set(err, VL_EIO, "%s: cannot create: %s", sub, strerror(errno));
		goto out;
	}
	c.have_gnuplot = vl_report_have_tool("gnuplot");
	c.have_dot = vl_report_have_tool("dot");
	if (!c.have_gnuplot)
		missing(&c, "every plot: gnuplot is not installed (data and scripts are written)");
	if (!c.have_dot)
		missing(&c, "every diagram: Graphviz (dot) is not installed (.dot files are written)");
	if ((rc = write_index(&c)))
		goto out;
	for (size_t i = 0; i < c.e->nplot && !rc; i++) {
		const struct vl_exp_plot *pl = &c.e->plot[i];
		rc = !strcmp(pl->type, "bars") ? plot_bars(&c, pl)
		   : !strcmp(pl->type, "breakdown") ? plot_breakdown(&c, pl) : plot_sweep(&c, pl);
	}
	if (!rc)
		rc = diagrams(&c);
	if (!rc) {
		write_diagram_links(&c);
		write_summary_table(&c);
		if (res->missing[0]) {
			char m[Q_LEN * 2];
			esc(res->missing, m, sizeof(m));
			fprintf(c.html, "<p><b>Not drawn:</b> %s.</p>\n", m);
			fprintf(c.md, "\n**Not drawn:** %s.\n", m);
		}
		fprintf(c.html, "</body></html>\n");
	}
out:
	if (c.html)
		fclose(c.html);
	if (c.md)
		fclose(c.md);
	vl_exp_free(c.e);
	return rc;
}
