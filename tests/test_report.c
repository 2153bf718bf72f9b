/*
 * Reports: every series a plot declares is in its gnuplot script or named
 * as not drawn with the reason; swept systems drawn at their own point and
 * fixed ones as reference lines; sweep points in numeric order; units on
 * the axes; one palette; the All-results table; an edited file's plots.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/experiment.h"
#include "reports/doc.h"
#include "reports/palette.h"
#include "reports/report.h"
#include "sim/mech.h"
#include "tests/util.h"

/*
 * shadow is not swept; nested is swept over walk_ref (its own value, the
 * host's 25, is among the values, given out of order); odd sets walk_ref
 * to 7 and is swept over 5 and 10 only, so it has no point of its own.
 */
static const char series_ini[] =
	"[experiment]\nname = series\n"
	"[workload sys]\ntrace = traces/samples/aa-syscall.vlt\nper = 1000\n"
	"[workload pte]\ntrace = traces/samples/bhargava-pte-10.vlt\n"
	"[system shadow]\nmodel = hwassist\nhost = nehalem\n"
	"[system nested]\nmodel = hwassist\nhost = nehalem\nparam.nested = 1\n"
	"[system odd]\nmodel = hwassist\nhost = nehalem\nparam.nested = 1\nparam.walk_ref = 7\n"
	"[sweep walk]\nsystem = nested\nparam = walk_ref\nvalues = 50 5 25\n"
	"[sweep walk2]\nsystem = odd\nparam = walk_ref\nvalues = 5 10\n"
	"[plot bars]\ntype = bars\nmetric = cycles_per_op\n"
	"[plot where]\ntype = breakdown\n"
	"[plot walk]\ntype = sweep\nsweep = walk\n";

static char text[1 << 16];

static const char *slurp(const char *dir, const char *name)
{
	char path[1024];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "r");
	text[0] = '\0';
	if (!f) {
		fprintf(stderr, "\n  %s: missing\n", path);
		return text;
	}
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	return text;
}

/* Runs series_ini (once) into t_path("series.db"). */
static const char *series_db(void)
{
	static int done;
	const char *db = t_path("series.db");
	struct vl_experiment *e;
	struct vl_exp_opts o = {.jobs = 1};
	struct vl_err err = {0};

	if (done)
		return db;
	unlink(db);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, series_ini, "series.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, db, &o, &err), 0);
	vl_exp_free(e);
	done = 1;
	return db;
}

static int write_report_from(const char *dbpath, const char *dir,
                             const struct vl_experiment *file, struct vl_report_result *r)
{
	struct vl_db *db;
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, dbpath, &err), 0);
	int rc = vl_report_write(db, "series", file, dir, r, &err);
	if (rc)
		fprintf(stderr, "\n  %s\n", err.msg);
	vl_db_close(db);
	return rc;
}

static int write_report(const char *dir, const struct vl_experiment *file,
                        struct vl_report_result *r)
{
	return write_report_from(series_db(), dir, file, r);
}

static void test_report_every_series_drawn_or_named(void)
{
	const char *dir = t_path("series");
	struct vl_report_result r;

	CU_ASSERT_EQUAL_FATAL(write_report(dir, NULL, &r), 0);
	/* bars: the swept system at its own point, the unswept one as it is */
	const char *gp = slurp(dir, "bars.png.gp");
	T_ASSERT_STR_CONTAINS(gp, "title 'shadow'");
	T_ASSERT_STR_CONTAINS(gp, "title 'nested (walk_ref=25)'");
	T_ASSERT_STR_CONTAINS(gp, "set xlabel 'workload'");
	T_ASSERT_STR_CONTAINS(gp, "set ylabel 'cycles per operation (cycles)'");
	/* the sweep: a line per workload of the swept system, a reference line
	 * per workload of the fixed one, points in numeric order, units */
	gp = slurp(dir, "walk.png.gp");
	static const char *const titles[] = {"'sys / nested'", "'pte / nested'",
	                                     "'sys / shadow, not swept'", "'pte / shadow, not swept'"};
	for (size_t i = 0; i < sizeof(titles) / sizeof(titles[0]); i++)
		T_ASSERT_STR_CONTAINS(gp, titles[i]);
	T_ASSERT_STR_CONTAINS(gp, "set xlabel 'walk_ref (cycles)'");
	T_ASSERT_STR_CONTAINS(gp, "set ylabel 'slowdown against native (x)'");
	const char *dat = slurp(dir, "data/walk.dat");
	const char *a = strstr(dat, "\n5 5 "), *b = strstr(dat, "\n25 25 "), *c = strstr(dat, "\n50 50 ");
	CU_ASSERT(a && b && c && a < b && b < c);
	CU_ASSERT_PTR_NULL(strstr(dat, "? ? ?"));
	/* the breakdown: a bar per (workload, system) that has a point */
	dat = slurp(dir, "data/where.dat");
	T_ASSERT_STR_CONTAINS(dat, "\nsys/shadow ");
	T_ASSERT_STR_CONTAINS(dat, "\nsys/nested ");
	T_ASSERT_STR_CONTAINS(dat, "\npte/nested ");
	/* odd has no point of its own: named in every plot, with the reason */
	T_ASSERT_STR_CONTAINS(r.missing, "plot bars: no bars of odd (system 'odd' is swept over "
	                                 "walk_ref, and the sweep leaves out its own value 7)");
	T_ASSERT_STR_CONTAINS(r.missing, "plot where: no bar of pte / odd");
	T_ASSERT_STR_CONTAINS(r.missing, "plot walk: no reference line of sys / odd");
	T_ASSERT_STR_CONTAINS(slurp(dir, "index.html"), "no bars of odd");
}

static void test_report_breakdown_palette(void)
{
	const char *dir = t_path("series-palette");
	struct vl_report_result r;
	int seen[VL_MECH__COUNT] = {0};

	/* every mechanism once, a family's mechanisms together, colours distinct,
	 * each with its edge in the diagrams (none left out of them) */
	CU_ASSERT_EQUAL(vl_nmechstyles, VL_MECH__COUNT);
	for (size_t i = 0; i < vl_nmechstyles; i++) {
		CU_ASSERT_FATAL(vl_mechstyles[i].mech >= 0 && vl_mechstyles[i].mech < VL_MECH__COUNT);
		seen[vl_mechstyles[i].mech]++;
		/* and an edge in the diagrams, between two of their five nodes */
		static const char nodes[] = "|guest|monitor|hardware|host OS|devices|";
		char from[32], to[32];
		snprintf(from, sizeof(from), "|%s|", vl_mechstyles[i].from ? vl_mechstyles[i].from : "");
		snprintf(to, sizeof(to), "|%s|", vl_mechstyles[i].to ? vl_mechstyles[i].to : "");
		CU_ASSERT_PTR_NOT_NULL(strstr(nodes, from));
		CU_ASSERT_PTR_NOT_NULL(strstr(nodes, to));
		for (size_t j = 0; j < i; j++) {
			CU_ASSERT(strcmp(vl_mechstyles[i].colour, vl_mechstyles[j].colour) != 0);
			if (j + 1 < i && !strcmp(vl_mechstyles[i].family, vl_mechstyles[j].family))
				CU_ASSERT_STRING_EQUAL(vl_mechstyles[j + 1].family, vl_mechstyles[i].family);
		}
	}
	for (int m = 0; m < VL_MECH__COUNT; m++)
		CU_ASSERT_EQUAL(seen[m], 1);
	CU_ASSERT_EQUAL_FATAL(write_report(dir, NULL, &r), 0);
	char want[128];
	const char *gp = slurp(dir, "where.svg.gp");
	snprintf(want, sizeof(want), "title 'direct' lc rgb '%s'", vl_mechstyle(VL_MECH_DIRECT)->colour);
	T_ASSERT_STR_CONTAINS(gp, want);
	snprintf(want, sizeof(want), "title 'vmexit' lc rgb '%s'", vl_mechstyle(VL_MECH_VMEXIT)->colour);
	T_ASSERT_STR_CONTAINS(gp, want);
	snprintf(want, sizeof(want), "color=\"%s\"", vl_mechstyle(VL_MECH_VMEXIT)->colour);
	T_ASSERT_STR_CONTAINS(slurp(dir, "diagram-hwassist.dot"), want);
}

static void test_report_all_results_seconds(void)
{
	const char *dir = t_path("series-seconds");
	struct vl_report_result r;

	CU_ASSERT_EQUAL_FATAL(write_report(dir, NULL, &r), 0);
	const char *html = slurp(dir, "index.html");
	CU_ASSERT_PTR_NULL(strstr(html, "nan"));
	/* aa-syscall under shadow on Nehalem: its simulated seconds are in the
	 * summary, equal to the runs' */
	const char *tsv = slurp(dir, "data/summary.tsv");
	T_ASSERT_STR_CONTAINS(tsv, "sys\tshadow\t\tsim_seconds\t1\t");
	CU_ASSERT_PTR_NULL(strstr(tsv, "nan"));
}

static void test_report_reads_edited_plots(void)
{
	const char *dir = t_path("series-edited");
	struct vl_report_result r;
	struct vl_experiment *e;
	struct vl_err err = {0};
	static char edited[sizeof(series_ini) + 512];

	/* a plot added to the file after the run is drawn; no warning */
	snprintf(edited, sizeof(edited), "%s[plot seconds]\ntype = bars\nmetric = sim_seconds\n"
	         "[reference sys-shadow]\nworkload = sys\nsystem = shadow\nvalue = 1\n", series_ini);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, edited, "series.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(write_report(dir, e, &r), 0);
	vl_exp_free(e);
	CU_ASSERT_EQUAL(access(t_path("series-edited/data/seconds.dat"), R_OK), 0);
	T_ASSERT_STR_CONTAINS(slurp(dir, "seconds.png.gp"), "set ylabel 'simulated time (s)'");
	CU_ASSERT_EQUAL(r.references, 1);
	CU_ASSERT_STRING_EQUAL(r.warning, "");
	/* a file whose runs differ: drawn, with a warning */
	snprintf(edited, sizeof(edited), "%s", series_ini);
	memcpy(strstr(edited, "values = 50 5 25"), "values = 50 5 20", 16);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, edited, "series.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(write_report(dir, e, &r), 0);
	vl_exp_free(e);
	T_ASSERT_STR_CONTAINS(r.warning, "series.ini: its runs differ from those recorded "
	                                 "(sweep 'walk' differs)");
}

static void test_report_fitted_rows_apart(void)
{
	/*
	 * A fitted row is marked and left out of the predicted rows' largest
	 * error: its published value 1e-9 makes its error about 1e9 (100e9%),
	 * while the predicted row (slowdown 1) stays far below that.
	 */
	const char *dir = t_path("series-fitted");
	struct vl_report_result r;
	struct vl_experiment *e;
	struct vl_err err = {0};
	static char edited[sizeof(series_ini) + 512];

	snprintf(edited, sizeof(edited), "%s[reference a]\nworkload = sys\nsystem = shadow\n"
	         "value = 1e-9\nfitted = yes\n[reference b]\nworkload = sys\nsystem = shadow\n"
	         "metric = slowdown\nvalue = 1\nfitted = no\n", series_ini);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, edited, "series.ini", &err), 0);
	CU_ASSERT_EQUAL(e->ref[0].fitted, 1);
	CU_ASSERT_EQUAL(e->ref[1].fitted, 0);
	CU_ASSERT_EQUAL_FATAL(write_report(dir, e, &r), 0);
	vl_exp_free(e);
	CU_ASSERT_EQUAL(r.references, 2);
	CU_ASSERT_EQUAL(r.predicted, 1);
	CU_ASSERT(r.max_abs_error > 1e6);
	CU_ASSERT(r.max_abs_error_predicted < 1e3);
	const char *md = slurp(dir, "README.md");
	T_ASSERT_STR_CONTAINS(md, "| fitted |");
	T_ASSERT_STR_CONTAINS(md, "| predicted |");
	T_ASSERT_STR_CONTAINS(md, "Largest error of the 1 predicted rows:");
	T_ASSERT_STR_CONTAINS(slurp(dir, "data/references.tsv"), "\tsource\trow\n");
	/* the attribute takes yes or no only */
	snprintf(edited, sizeof(edited), "%s[reference a]\nworkload = sys\nsystem = shadow\n"
	         "value = 1\nfitted = maybe\n", series_ini);
	CU_ASSERT_EQUAL(vl_exp_parse(&e, edited, "series.ini", &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "[reference a] fitted: 'maybe': expected yes or no");
}

static void test_report_names_partial_series(void)
{
	/* results missing for one bar and one sweep point: named, not dropped quietly */
	const char *db = t_path("series-gaps.db"), *dir = t_path("series-gaps");
	struct vl_report_result r;
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "cp '%s' '%s' && sqlite3 '%s' \"DELETE FROM summary WHERE "
	         "workload = 'pte' AND ((system = 'shadow' AND point = '') OR (system = 'nested' "
	         "AND point = 'walk_ref=50'))\"", series_db(), db, db);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	CU_ASSERT_EQUAL_FATAL(write_report_from(db, dir, NULL, &r), 0);
	T_ASSERT_STR_CONTAINS(r.missing, "plot bars: no bar of shadow for pte (no results)");
	T_ASSERT_STR_CONTAINS(r.missing, "plot walk: pte / nested has no results at walk_ref = 50");
	T_ASSERT_STR_CONTAINS(r.missing, "plot walk: no results of pte / shadow");
}

static void test_report_index_of_reports(void)
{
	/* out/index.html lists every out/NAME/index.html by its title, escaped once */
	char root[512], cmd[4096];
	unsigned n = 0;
	struct vl_err err = {0};

	snprintf(root, sizeof(root), "%s", t_path("idx/out"));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s/a' '%s/b' '%s/c' && "
	         "printf '<title>A &amp; B</title>' > '%s/a/index.html' && "
	         "printf '<html>' > '%s/b/index.html'", root, root, root, root, root, root);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	CU_ASSERT_EQUAL_FATAL(vl_doc_index(root, &n, &err), 0);
	CU_ASSERT_EQUAL(n, 2); /* c has no report */
	const char *html = slurp(root, "index.html");
	T_ASSERT_STR_CONTAINS(html, "<li><a href=\"a/index.html\">A &amp; B</a>: a/, written ");
	T_ASSERT_STR_CONTAINS(html, "<li><a href=\"b/index.html\">b</a>");
	CU_ASSERT_PTR_NULL(strstr(html, "c/index.html"));
	T_ASSERT_STR_CONTAINS(slurp(root, "README.md"), "- [A & B](a/index.html)");
	/* the command writes it after a report into out/NAME, and only there */
	snprintf(cmd, sizeof(cmd), "report %s --out %s/series", series_db(), root);
	static char out[1 << 14];
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), cmd), 0);
	snprintf(cmd, sizeof(cmd), "index: %s/index.html lists 3 reports", root);
	T_ASSERT_STR_CONTAINS(out, cmd);
	snprintf(cmd, sizeof(cmd), "report %s --out %s", series_db(), t_path("idx/elsewhere/x"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), cmd), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "index: "));
}

/*
 * The report as a reader sees it: opened in headless Chromium, every image
 * loads, no console error, and each plot's SVG shows every series its
 * script declares (scripts/browser-check.sh; screenshot beside the page).
 */
static void test_report_in_browser(void)
{
	const char *dir = t_path("browser/series"), *log = t_path("browser/check.log");
	struct vl_report_result r;
	char cmd[4096];

	CU_ASSERT_EQUAL_FATAL(write_report(dir, NULL, &r), 0);
	snprintf(cmd, sizeof(cmd), "sh scripts/browser-check.sh '%s' > '%s' 2>&1", dir, log);
	int st = system(cmd);
	const char *out = slurp(t_path("browser"), "check.log");
	if (st)
		fprintf(stderr, "\n%s", out);
	CU_ASSERT_EQUAL(st, 0);
	T_ASSERT_STR_CONTAINS(out, "1 pages good");
	snprintf(cmd, sizeof(cmd), "%s/screenshot.png", dir);
	CU_ASSERT_EQUAL(access(cmd, R_OK), 0);
	/* and it can fail: a page whose image is gone */
	snprintf(cmd, sizeof(cmd), "rm -f '%s/bars.png' && sh scripts/browser-check.sh '%s' > '%s' 2>&1",
	         dir, dir, log);
	CU_ASSERT_NOT_EQUAL(system(cmd), 0);
	T_ASSERT_STR_CONTAINS(slurp(t_path("browser"), "check.log"), "bars.png");
}

/*
 * Every shipped report: each paper and lab experiment run and reported,
 * each capacity plan planned, and every page opened in headless Chromium
 * (scripts/check-shipped-reports.sh): the 12 experiments' and the 2 plans'
 * pages load with every image and every declared series.
 */
static void test_report_shipped_in_browser(void)
{
	const char *bin = getenv("VIRTLAB");
	char cmd[4096];

	CU_ASSERT_PTR_NOT_NULL_FATAL(bin);
	snprintf(cmd, sizeof(cmd), "sh scripts/check-shipped-reports.sh '%s' '%s' > '%s' 2>&1", bin,
	         t_path("shipped"), t_path("shipped.log"));
	int st = system(cmd);
	FILE *f = fopen(t_path("shipped.log"), "r");
	static char log[1 << 16];
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	log[fread(log, 1, sizeof(log) - 1, f)] = '\0';
	fclose(f);
	if (st)
		fprintf(stderr, "\n%s", log);
	CU_ASSERT_EQUAL(st, 0);
	T_ASSERT_STR_CONTAINS(log, "check-shipped-reports: experiments/capacity/overcommit.ini\n");
	T_ASSERT_STR_CONTAINS(log, "browser-check: 14 pages good");
}

/*
 * The report `make run` writes, not a synthetic one: Adams & Agesen's
 * experiment run into a scratch database and reported, then opened in
 * headless Chromium: its plots and diagrams load, with no console error.
 */
static void test_report_paper_in_browser(void)
{
	static char out[1 << 14];
	const char *db = t_path("aa/results.db"), *dir = t_path("aa/report");
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s' && mkdir -p '%s'", t_path("aa"), t_path("aa"));
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	snprintf(cmd, sizeof(cmd), "experiment run experiments/papers/adams-agesen-2006.ini "
	         "--jobs 2 --quiet --db %s", db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), cmd), 0);
	snprintf(cmd, sizeof(cmd), "report %s --out %s", db, dir);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), cmd), 0);
	T_ASSERT_STR_CONTAINS(out, "3 plots, 3 diagrams, 34 references");
	snprintf(cmd, sizeof(cmd), "sh scripts/browser-check.sh '%s' > '%s' 2>&1", dir,
	         t_path("aa/check.log"));
	int st = system(cmd);
	const char *log = slurp(t_path("aa"), "check.log");
	if (st)
		fprintf(stderr, "\n%s", log);
	CU_ASSERT_EQUAL(st, 0);
	T_ASSERT_STR_CONTAINS(log, "1 pages good");
	T_ASSERT_STR_CONTAINS(slurp(dir, "index.html"), "Simulated against published");
}

void suite_report(void)
{
	static const struct t_case cases[] = {
		{"report_every_series_drawn_or_named", test_report_every_series_drawn_or_named},
		{"report_breakdown_palette", test_report_breakdown_palette},
		{"report_all_results_seconds", test_report_all_results_seconds},
		{"report_reads_edited_plots", test_report_reads_edited_plots},
		{"report_fitted_rows_apart", test_report_fitted_rows_apart},
		{"report_names_partial_series", test_report_names_partial_series},
		{"report_index_of_reports", test_report_index_of_reports},
		{"report_in_browser", test_report_in_browser, t_needs_chromium},
		{"report_paper_in_browser", test_report_paper_in_browser, t_needs_chromium},
		{"report_shipped_in_browser", test_report_shipped_in_browser, t_needs_chromium},
		{NULL, NULL},
	};
	t_add_suite("report", cases);
}
