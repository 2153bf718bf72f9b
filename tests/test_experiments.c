/*
 * Experiments and reports: the file parser (good files and one message
 * per bad one, naming file, line and key), sweep expansion, statistics
 * against GSL-independent reference values, identical rows whatever the
 * number of workers, resume after an interrupted run, and a report whose
 * pictures exist, are PNG and SVG, and are referenced by its HTML.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/experiment.h"
#include "reports/report.h"
#include "tests/util.h"

static const char good[] =
	"; a comment\n"
	"[experiment]\n"
	"name = tiny\n"
	"seed = 7\n"
	"replications = 3\n"
	"\n"
	"[workload sys]\n"
	"trace = traces/samples/aa-syscall.vlt\n"
	"per = 1000\n"
	"[workload io]\n"
	"trace = gen:disk:2000\n"
	"\n"
	"[system native]\n"
	"model = native\n"
	"[system vtx]\n"
	"model = hwassist\n"
	"param.exit_reads = 5\n"
	"\n"
	"[sweep gen]\n"
	"system = vtx\n"
	"param = host\n"
	"values = prescott merom\n"
	"[sweep tpr]\n"
	"system = vtx\n"
	"param = tpr_shadow\n"
	"values = 0, 1\n"
	"\n"
	"[reference sys-native]\n"
	"workload = sys\n"
	"system = native\n"
	"value = 242\n"
	"unit = cycles\n"
	"source = Adams & Agesen 2006, Fig. 4\n"
	"\n"
	"[plot bars]\n"
	"type = bars\n"
	"metric = slowdown\n"
	"[plot where]\n"
	"type = breakdown\n"
	"[plot gens]\n"
	"type = sweep\n"
	"sweep = gen\n";

static void test_exp_parse_good_and_expand(void)
{
	struct vl_experiment *e;
	struct vl_exp_run *runs;
	struct vl_err err = {0};
	size_t n;

	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, good, "tiny.ini", &err), 0);
	CU_ASSERT_STRING_EQUAL(e->name, "tiny");
	CU_ASSERT_EQUAL(e->seed, 7);
	CU_ASSERT_EQUAL(e->replications, 3);
	CU_ASSERT_EQUAL(e->nw, 2);
	CU_ASSERT_EQUAL(e->ns, 2);
	CU_ASSERT_DOUBLE_EQUAL(e->w[0].per, 1000, 0);
	CU_ASSERT_DOUBLE_EQUAL(e->w[1].per, 1, 0); /* the default */
	CU_ASSERT_EQUAL(e->s[1].nov, 1);
	CU_ASSERT_STRING_EQUAL(e->ref[0].metric, "cycles_per_op");
	CU_ASSERT_STRING_EQUAL(e->output, "out/tiny");
	CU_ASSERT_EQUAL_FATAL(vl_exp_expand(e, &runs, &n, &err), 0);
	/* per workload: native 1 point, vtx 2 hosts x 2 tpr = 4 points; 3 replications */
	CU_ASSERT_EQUAL(n, 2 * (1 + 4) * 3);
	int found = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(runs[i].label, "sys|vtx|host=merom,tpr_shadow=1|2") == 0) {
			found = 1;
			CU_ASSERT_STRING_EQUAL(runs[i].host, "merom");
			CU_ASSERT_EQUAL(runs[i].nov, 2); /* exit_reads and tpr_shadow */
			CU_ASSERT_EQUAL(runs[i].rep, 2);
		}
	}
	CU_ASSERT(found);
	free(runs);
	vl_exp_free(e);
}

static void expect_bad(const char *text, const char *want)
{
	struct vl_experiment *e;
	struct vl_err err = {0};

	CU_ASSERT_EQUAL(vl_exp_parse(&e, text, "bad.ini", &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, want);
}

static void test_exp_parse_bad_files(void)
{
	expect_bad("[experiment]\nname = x\nseeds = 3\n", "bad.ini:3: [experiment] seeds: unknown key");
	expect_bad("[experiment]\nname = x\nreplications = 0\n",
	           "bad.ini:3: [experiment] replications: '0': expected 1 to 10000");
	expect_bad("[experiment]\nname = x\n[workload a]\ntrace = t.vlt\nper = -1\n",
	           "bad.ini:5: [workload a] per: '-1': expected a number > 0");
	expect_bad("[experiment]\nname = x\n[machine a]\nmodel = bt\n",
	           "bad.ini:4: [machine a] model: unknown section");
	expect_bad("[experiment]\nname = x\n[system a]\nparam.exit = fast\n",
	           "bad.ini:4: [system a] param.exit: 'fast' is not a number");
	expect_bad("[experiment]\nname = x\nthis line is not ini\n", "bad.ini:3: malformed line");
	expect_bad("[experiment]\nname = x\n[workload a]\ntrace = t.vlt\n", "no [system NAME] section");
	expect_bad("[experiment]\nname = x\n[workload a]\n\n[system s]\nmodel = bt\nper = 3\n",
	           "bad.ini:7: [system s] per: unknown key");
	expect_bad("[experiment]\nname = x\n[workload a]\nper = 2\n[system s]\nmodel = bt\n",
	           "bad.ini:3: [workload a] trace: missing");
	expect_bad("[experiment]\nname = x\n[workload a]\ntrace = t\n[system s]\nmodel = bt\n"
	           "[sweep z]\nsystem = t\nparam = trap\nvalues = 1 2\n",
	           "bad.ini:7: [sweep z] system: no system 't'");
	expect_bad("[experiment]\nname = x\n[workload a]\ntrace = t\n[system s]\nmodel = bt\n"
	           "[reference r]\nworkload = b\nsystem = s\nvalue = 1\n",
	           "bad.ini:7: [reference r] workload: no workload 'b'");
	expect_bad("[experiment]\nname = x\n[workload a]\ntrace = t\n[system s]\nmodel = bt\n"
	           "[plot p]\ntype = pie\n", "bad.ini:8: [plot p] type: 'pie': expected bars");
	expect_bad("[experiment]\nname = My Exp\n[workload a]\ntrace = t\n[system s]\nmodel = bt\n",
	           "[experiment] name: 'My Exp': use a-z");
}

static void test_exp_stats_reference_values(void)
{
	/* 2, 4, 4, 4, 5, 5, 7, 9: mean 5, sample sd sqrt(32/7); t(0.975, 7) = 2.364624 */
	const double x[] = {2, 4, 4, 4, 5, 5, 7, 9};
	double mean, sd, lo, hi;

	vl_stats(x, 8, &mean, &sd, &lo, &hi);
	CU_ASSERT_DOUBLE_EQUAL(mean, 5, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(sd, sqrt(32.0 / 7), 1e-12);
	double half = 2.364624252 * sqrt(32.0 / 7) / sqrt(8);
	CU_ASSERT_DOUBLE_EQUAL(lo, 5 - half, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(hi, 5 + half, 1e-6);
	/* one value: no spread, the interval is the point */
	vl_stats(x, 1, &mean, &sd, &lo, &hi);
	CU_ASSERT_DOUBLE_EQUAL(mean, 2, 0);
	CU_ASSERT_DOUBLE_EQUAL(sd, 0, 0);
	CU_ASSERT_DOUBLE_EQUAL(lo, hi, 0);
}

/* Every (label, metric, value) of an experiment, as one string. */
static char *metric_rows(const char *db_path)
{
	struct vl_db *db;
	struct vl_err err = {0};
	sqlite3_stmt *st;
	size_t cap = 1 << 20, len = 0;
	char *out = malloc(cap);

	out[0] = '\0';
	if (vl_db_open(&db, db_path, &err))
		return out;
	sqlite3_prepare_v2(vl_db_handle(db), "SELECT r.label, m.name, m.value FROM run r JOIN metric "
	                   "m ON m.run_id = r.id ORDER BY 1, 2", -1,
	                   &st, NULL);
	while (sqlite3_step(st) == SQLITE_ROW && len + 256 < cap)
		len += (size_t)snprintf(out + len, cap - len, "%s %s %.17g\n", sqlite3_column_text(st, 0),
		                        sqlite3_column_text(st, 1), sqlite3_column_double(st, 2));
	sqlite3_finalize(st);
	vl_db_close(db);
	return out;
}

static void test_exp_jobs_give_identical_rows(void)
{
	struct vl_experiment *e;
	struct vl_err err = {0};
	const char *db1 = t_path("jobs1.db"), *db2 = t_path("jobs2.db");
	struct vl_exp_opts one = {.jobs = 1}, two = {.jobs = 2};

	unlink(db1);
	unlink(db2);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, good, "tiny.ini", &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e, db1, &one, &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e, db2, &two, &err), 0);
	char *a = metric_rows(db1), *b = metric_rows(db2);
	CU_ASSERT(strlen(a) > 1000);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	/* the summary: 3 replications of the disk workload differ, so sd > 0 */
	struct vl_db *db;
	vl_db_open(&db, db1, &err);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(vl_db_handle(db), "SELECT n, sd, ci_lo < mean, mean < ci_hi FROM summary"
	                   " WHERE workload = 'io' AND system = 'native' AND metric = 'sim_cycles'",
	                   -1, &st, NULL);
	CU_ASSERT_EQUAL_FATAL(sqlite3_step(st), SQLITE_ROW);
	CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 3);
	CU_ASSERT(sqlite3_column_double(st, 1) > 0);
	CU_ASSERT(sqlite3_column_int(st, 2) && sqlite3_column_int(st, 3));
	sqlite3_finalize(st);
	/* cycles_per_op of the nanobenchmark: 242 per syscall */
	sqlite3_prepare_v2(vl_db_handle(db), "SELECT mean FROM summary WHERE workload = 'sys' AND "
	                   "system = 'native' AND metric = 'cycles_per_op'", -1, &st, NULL);
	CU_ASSERT_EQUAL_FATAL(sqlite3_step(st), SQLITE_ROW);
	CU_ASSERT_DOUBLE_EQUAL(sqlite3_column_double(st, 0), 242, 1e-9);
	sqlite3_finalize(st);
	vl_db_close(db);
	vl_exp_free(e);
}

static int stop_after;
static volatile sig_atomic_t stop_now;

static void stop_progress(void *ctx, size_t done, size_t total, size_t skipped)
{
	(void)ctx;
	(void)total;
	(void)skipped;
	if ((int)done >= stop_after)
		stop_now = 1;
}

static void test_exp_resume_after_interrupt(void)
{
	struct vl_experiment *e;
	struct vl_err err = {0};
	const char *db = t_path("resume.db"), *ref = t_path("resume-ref.db");
	struct vl_exp_opts o = {.jobs = 1, .stop = &stop_now, .progress = stop_progress};

	unlink(db);
	unlink(ref);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, good, "tiny.ini", &err), 0);
	/* interrupted after 7 runs: those are kept, nothing partial */
	stop_after = 7;
	stop_now = 0;
	CU_ASSERT_EQUAL(vl_exp_run(e, db, &o, &err), VL_EINTR);
	struct vl_db *h;
	vl_db_open(&h, db, &err);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(vl_db_handle(h), "SELECT count(*) FROM run", -1, &st, NULL);
	sqlite3_step(st);
	CU_ASSERT_EQUAL(sqlite3_column_int(st, 0), 7);
	sqlite3_finalize(st);
	vl_db_close(h);
	/* resumed: the rest, and the same rows as an uninterrupted run */
	stop_after = 1000;
	stop_now = 0;
	o.resume = 1;
	CU_ASSERT_EQUAL(vl_exp_run(e, db, &o, &err), 0);
	struct vl_exp_opts plain = {.jobs = 1};
	CU_ASSERT_EQUAL(vl_exp_run(e, ref, &plain, &err), 0);
	char *a = metric_rows(db), *b = metric_rows(ref);
	CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
	vl_exp_free(e);
}

static int file_starts(const char *path, const void *magic, size_t n)
{
	unsigned char buf[64] = {0};
	FILE *f = fopen(path, "rb");

	if (!f)
		return 0;
	size_t got = fread(buf, 1, sizeof(buf), f);
	fclose(f);
	return got >= n && memcmp(buf, magic, n) == 0;
}

static void test_report_files_valid_and_linked(void)
{
	struct vl_experiment *e;
	struct vl_err err = {0};
	const char *dbp = t_path("report.db"), *dir = t_path("report");
	struct vl_exp_opts o = {.jobs = 2};
	struct vl_report_result r;
	struct vl_db *db;

	unlink(dbp);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, good, "tiny.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, dbp, &o, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, dbp, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_report_write(db, "tiny", NULL, dir, &r, &err), 0);
	vl_db_close(db);
	CU_ASSERT_EQUAL(r.references, 1);
	CU_ASSERT_DOUBLE_EQUAL(r.max_abs_error, 0, 1e-9); /* native syscall: 242 */
	CU_ASSERT_EQUAL(r.plots, 3);
	CU_ASSERT_EQUAL(r.diagrams, 2);
	/* the HTML embeds each picture, and each exists in its format */
	char path[1024];
	snprintf(path, sizeof(path), "%s/index.html", dir);
	FILE *f = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static char html[1 << 16];
	html[fread(html, 1, sizeof(html) - 1, f)] = '\0';
	fclose(f);
	static const char *const pics[] = {"bars", "where", "gens", "diagram-native", "diagram-hwassist"};
	static const unsigned char png[] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
	for (size_t i = 0; i < sizeof(pics) / sizeof(pics[0]); i++) {
		char ref[128];
		snprintf(ref, sizeof(ref), "src=\"%s.png\"", pics[i]);
		T_ASSERT_STR_CONTAINS(html, ref);
		snprintf(ref, sizeof(ref), "href=\"%s.svg\"", pics[i]);
		T_ASSERT_STR_CONTAINS(html, ref);
		if (r.missing[0])
			continue; /* a machine without gnuplot or dot: the report said so */
		snprintf(path, sizeof(path), "%s/%s.png", dir, pics[i]);
		CU_ASSERT(file_starts(path, png, sizeof(png)));
		snprintf(path, sizeof(path), "%s/%s.svg", dir, pics[i]);
		FILE *s = fopen(path, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(s);
		static char svg[1 << 12];
		svg[fread(svg, 1, sizeof(svg) - 1, s)] = '\0';
		fclose(s);
		CU_ASSERT_PTR_NOT_NULL(strstr(svg, "<svg"));
	}
	T_ASSERT_STR_CONTAINS(html, "Adams &amp; Agesen 2006, Fig. 4"); /* text is escaped */
	snprintf(path, sizeof(path), "%s/README.md", dir);
	CU_ASSERT_EQUAL(access(path, R_OK), 0);
	snprintf(path, sizeof(path), "%s/data/summary.tsv", dir);
	CU_ASSERT_EQUAL(access(path, R_OK), 0);
	vl_exp_free(e);
}

static void test_report_without_tools(void)
{
	/* no gnuplot, no dot on the PATH: data and tables, and a word on what is missing */
	struct vl_experiment *e;
	struct vl_err err = {0};
	const char *dbp = t_path("notools.db"), *dir = t_path("notools");
	struct vl_exp_opts o = {.jobs = 1};
	struct vl_report_result r;
	struct vl_db *db;
	char *path = getenv("PATH") ? strdup(getenv("PATH")) : NULL;

	unlink(dbp);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, good, "tiny.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, dbp, &o, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, dbp, &err), 0);
	setenv("PATH", "/nonexistent", 1);
	int rc = vl_report_write(db, "tiny", NULL, dir, &r, &err);
	if (path) {
		setenv("PATH", path, 1);
		free(path);
	}
	vl_db_close(db);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	T_ASSERT_STR_CONTAINS(r.missing, "gnuplot is not installed");
	T_ASSERT_STR_CONTAINS(r.missing, "Graphviz (dot) is not installed");
	char p[1024];
	snprintf(p, sizeof(p), "%s/data/bars.dat", dir);
	CU_ASSERT_EQUAL(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/bars.png.gp", dir);
	CU_ASSERT_EQUAL(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/diagram-native.dot", dir);
	CU_ASSERT_EQUAL(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/bars.png", dir);
	CU_ASSERT_NOT_EQUAL(access(p, R_OK), 0);
	snprintf(p, sizeof(p), "%s/index.html", dir);
	FILE *f = fopen(p, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static char html[1 << 16];
	html[fread(html, 1, sizeof(html) - 1, f)] = '\0';
	fclose(f);
	T_ASSERT_STR_CONTAINS(html, "Not drawn:");
	T_ASSERT_STR_CONTAINS(html, "Simulated against published");
	vl_exp_free(e);
}

static void test_exp_shipped_files_parse(void)
{
	/* every paper and lab file in the tree parses and expands */
	static const char *const files[] = {
		"experiments/papers/adams-agesen-2006.ini", "experiments/papers/agesen-2012.ini",
		"experiments/papers/barham-2003.ini", "experiments/papers/bellard-2005.ini",
		"experiments/papers/bhargava-2008.ini", "experiments/labs/1-virtualizability.ini",
		"experiments/labs/2-bt-vs-vtx.ini",
		"experiments/labs/3-shadow-vs-nested.ini", "experiments/labs/4-paravirt-batching.ini",
		"experiments/labs/5-containers-vs-vms.ini", "experiments/labs/6-plugin.ini",
		"experiments/labs/8-io-paths.ini",
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct vl_experiment *e;
		struct vl_exp_run *runs;
		struct vl_err err = {0};
		size_t n;
		int rc = vl_exp_load(&e, files[i], &err);
		if (rc)
			fprintf(stderr, "\n  %s\n", err.msg);
		CU_ASSERT_EQUAL_FATAL(rc, 0);
		CU_ASSERT_EQUAL(vl_exp_expand(e, &runs, &n, &err), 0);
		CU_ASSERT(n > 0);
		free(runs);
		vl_exp_free(e);
	}
}

static void test_exp_plugin_system(void)
{
	/* in 0x80 under the example plugin: native 3209 + one 1000-cycle exit */
	const char *dir = getenv("PLUGINS");
	char text[1024];
	struct vl_experiment *e;
	struct vl_err err = {0};
	struct vl_exp_opts o = {.jobs = 2};
	const char *dbp = t_path("plugin.db");

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(text, sizeof(text), "[experiment]\nname = plug\n[workload in]\n"
	         "trace = traces/samples/aa-in.vlt\nper = 1000\n[system mine]\nmodel = ideal\n"
	         "plugin = %s/ideal.so\n[system wrong]\nmodel = other\nplugin = %s/ideal.so\n",
	         dir, dir);
	unlink(dbp);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "plug.ini", &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e, dbp, &o, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "plug.ini:9: [system wrong] model: the plugin's model is 'ideal'");
	vl_exp_free(e);
	*strstr(text, "[system wrong]") = '\0';
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "plug.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, dbp, &o, &err), 0);
	struct vl_db *db;
	vl_db_open(&db, dbp, &err);
	sqlite3_stmt *st;
	sqlite3_prepare_v2(vl_db_handle(db), "SELECT mean FROM summary WHERE system = 'mine' AND "
	                   "metric = 'cycles_per_op'", -1, &st, NULL);
	CU_ASSERT_EQUAL_FATAL(sqlite3_step(st), SQLITE_ROW);
	CU_ASSERT_DOUBLE_EQUAL(sqlite3_column_double(st, 0), 3209 + 1000, 1e-9);
	sqlite3_finalize(st);
	vl_db_close(db);
	vl_exp_free(e);
}

static void test_exp_param_override(void)
{
	/* -P exit_reads=9: vtx (hwassist) has it; native does not, and keeps none */
	struct vl_experiment *e, *back;
	struct vl_err err = {0};
	char name[] = "exit_reads=9", bad[] = "no_such_param=1";
	struct vl_override ov;

	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, good, "tiny.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_override_parse(&ov, name, &err), 0);
	CU_ASSERT_EQUAL(vl_exp_override(e, &ov, 1, &err), 0);
	CU_ASSERT_EQUAL(e->s[0].nov, 0);
	CU_ASSERT_EQUAL_FATAL(e->s[1].nov, 2); /* after the file's exit_reads = 5 */
	CU_ASSERT_STRING_EQUAL(e->s[1].ovname[1], "exit_reads");
	CU_ASSERT_DOUBLE_EQUAL(e->s[1].ovvalue[1], 9, 0);
	/* the stored text parses back to the same runs, and differs from the file */
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&back, e->text, "stored", &err), 0);
	struct vl_exp_run *runs;
	size_t n;
	CU_ASSERT_EQUAL_FATAL(vl_exp_expand(back, &runs, &n, &err), 0);
	double last = 0; /* overrides apply in order: the last one counts */
	for (size_t i = 0; i < runs[n - 1].nov; i++)
		if (!strcmp(runs[n - 1].ov[i].name, "exit_reads"))
			last = runs[n - 1].ov[i].value;
	CU_ASSERT_DOUBLE_EQUAL(last, 9, 0);
	char why[256] = "";
	CU_ASSERT_EQUAL(vl_exp_same_runs(back, e, why, sizeof(why)), 1);
	free(runs);
	vl_exp_free(back);
	CU_ASSERT_EQUAL_FATAL(vl_override_parse(&ov, bad, &err), 0);
	CU_ASSERT_EQUAL(vl_exp_override(e, &ov, 1, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "--param no_such_param: no system of experiment 'tiny' has "
	                               "this parameter");
	vl_exp_free(e);
}

static void test_exp_checks(void)
{
	/*
	 * aa-syscall.vlt: 242 cycles a call natively and under VT-x (no exit),
	 * 2308 under bt (Adams & Agesen 2006, Fig. 4; the models' defaults).
	 */
	static const char text[] =
		"[experiment]\nname = checks\n"
		"[workload s]\ntrace = traces/samples/aa-syscall.vlt\nper = 1000\n"
		"[system bt]\nmodel = bt\n[system v]\nmodel = hwassist\n"
		"[sweep h]\nsystem = v\nparam = host\nvalues = prescott merom\n"
		"[check lt]\nsays = bt dearer\nmetric = cycles_per_op\nexpect = s/v < s/bt\n"
		"[check gt]\nmetric = cycles_per_op\nexpect = s/v > s/bt\n"
		"[check approx]\nmetric = cycles_per_op\nexpect = s/bt ~ 2300\ntolerance = 0.01\n"
		"[check point]\nexpect = s/v@host=merom ~ 1\n"
		"[check absent]\nexpect = s/v@host=nehalem < 2\n";
	struct vl_experiment *e;
	struct vl_err err = {0};
	struct vl_exp_opts o = {.jobs = 1};
	struct vl_exp_check_result r[5];
	struct vl_db *db;
	const char *dbp = t_path("checks.db");

	unlink(dbp);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "checks.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(e->ncheck, 5);
	CU_ASSERT_DOUBLE_EQUAL(e->check[0].tolerance, 0.05, 0);
	CU_ASSERT_STRING_EQUAL(e->check[3].metric, "slowdown");
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, dbp, &o, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&db, dbp, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_check_run(e, db, r, &err), 0);
	vl_db_close(db);
	CU_ASSERT_TRUE(r[0].passed);
	CU_ASSERT_DOUBLE_EQUAL(r[0].left.value, 242, 1e-9);  /* v at its own point, prescott */
	CU_ASSERT_DOUBLE_EQUAL(r[0].right.value, 2308, 1e-9);
	CU_ASSERT_FALSE(r[1].passed);
	CU_ASSERT_TRUE(r[2].passed);                          /* |2308 - 2300| <= 23 */
	CU_ASSERT_TRUE(r[3].passed);
	CU_ASSERT_FALSE(r[4].passed);
	T_ASSERT_STR_CONTAINS(r[4].why, "no result for s/v@host=nehalem");
	vl_exp_free(e);

	/* bad checks: one message naming file, line and section */
	static const struct {
		const char *check, *msg;
	} bad[] = {
		{"[check x]\nexpect = s/v <= s/bt\n", "checks.ini:9: [check x] expect: 's/v <= s/bt': "
		                                       "expected A OP B, OP one of < > ~"},
		{"[check x]\nexpect = s/nope < 1\n", "checks.ini:9: [check x] expect: no system 'nope'"},
		{"[check x]\nexpect = t/v < 1\n", "checks.ini:9: [check x] expect: no workload 't'"},
		{"[check x]\nexpect = vee < 1\n", "'vee' is neither a number nor WORKLOAD/SYSTEM"},
		{"[check x]\nmetric = speed\nexpect = 1 < 2\n", "[check x] metric: unknown 'speed'"},
		{"[check x]\nexpect = 1 < 2\ntolerance = -1\n", "[check x] tolerance: '-1': expected"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char t[1024];
		snprintf(t, sizeof(t), "[experiment]\nname = checks\n"
		         "[workload s]\ntrace = traces/samples/aa-syscall.vlt\n"
		         "[system bt]\nmodel = bt\n[system v]\nmodel = hwassist\n%s", bad[i].check);
		CU_ASSERT_NOT_EQUAL(vl_exp_parse(&e, t, "checks.ini", &err), 0);
		T_ASSERT_STR_CONTAINS(err.msg, bad[i].msg);
	}
}

void suite_experiments(void)
{
	static const struct t_case cases[] = {
		{"exp_parse_good_and_expand", test_exp_parse_good_and_expand},
		{"exp_parse_bad_files", test_exp_parse_bad_files},
		{"exp_stats_reference_values", test_exp_stats_reference_values},
		{"exp_jobs_give_identical_rows", test_exp_jobs_give_identical_rows},
		{"exp_resume_after_interrupt", test_exp_resume_after_interrupt},
		{"report_files_valid_and_linked", test_report_files_valid_and_linked},
		{"report_without_tools", test_report_without_tools},
		{"exp_shipped_files_parse", test_exp_shipped_files_parse},
		{"exp_plugin_system", test_exp_plugin_system},
		{"exp_param_override", test_exp_param_override},
		{"exp_checks", test_exp_checks},
		{NULL, NULL},
	};
	t_add_suite("experiments", cases);
}
