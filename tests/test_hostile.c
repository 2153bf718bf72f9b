/*
 * Hostile and careless input (issue 16): names that reach gnuplot, HTML,
 * Graphviz, a shell script or SQL stay data; limits are enforced with
 * file:line errors instead of overflowing; no two runs share a label and
 * no run is recorded twice; a file that is not a results database of this
 * version is refused untouched; workers stop with their parent and a
 * crashing worker is reported as a crash of its run. Each case is a
 * reproducer that failed before the fix.
 */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "experiments/capacity.h"
#include "experiments/experiment.h"
#include "experiments/merge.h"
#include "experiments/runner.h"
#include "reports/report.h"
#include "sim/registry.h"
#include "sim/text.h"
#include "tests/util.h"

/* ---- helpers ---- */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0, got;
	char *buf = malloc(cap + 1);

	if (len)
		*len = 0;
	if (!f || !buf) {
		if (f)
			fclose(f);
		free(buf);
		return NULL;
	}
	while ((got = fread(buf + n, 1, cap - n, f)) > 0) {
		n += got;
		if (n == cap) {
			char *b = realloc(buf, 2 * cap + 1);
			if (!b)
				break;
			buf = b;
			cap *= 2;
		}
	}
	fclose(f);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

static long count(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long n = -1;

	if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
}

static void exec_sql(const char *db, const char *sql)
{
	sqlite3 *h;

	CU_ASSERT_EQUAL_FATAL(sqlite3_open(db, &h), SQLITE_OK);
	char *msg = NULL;
	if (sqlite3_exec(h, sql, NULL, NULL, &msg) != SQLITE_OK)
		fprintf(stderr, "\n  sql: %s\n", msg);
	CU_ASSERT_PTR_NULL(msg);
	sqlite3_free(msg);
	sqlite3_close(h);
}

static int exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* The virtlab binary, as an absolute path (for commands run in another directory). */
static const char *virtlab_abs(void)
{
	static char path[4096];
	const char *bin = getenv("VIRTLAB");

	if (!realpath(bin ? bin : "./virtlab", path))
		snprintf(path, sizeof(path), "%s", bin ? bin : "./virtlab");
	return path;
}

static void expect_bad_exp(const char *text, const char *want)
{
	struct vl_experiment *e = NULL;
	struct vl_err err = {0};

	int rc = vl_exp_parse(&e, text, "bad.ini", &err);
	CU_ASSERT_EQUAL(rc, VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, want);
	if (!rc)
		vl_exp_free(e);
}

static void expect_bad_plan(const char *text, const char *want)
{
	struct vl_cap_plan *p = NULL;
	struct vl_err err = {0};

	int rc = vl_cap_parse(&p, text, "bad.ini", &err);
	CU_ASSERT_EQUAL(rc, VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, want);
	if (!rc)
		vl_cap_free(p);
}

#define EXP_HEAD "[experiment]\nname = x\n[workload a]\ntrace = gen:syscall:1000\n" \
                 "[system s]\nmodel = native\n"

/* ---- names are data ---- */

static void test_quote_per_target(void)
{
	char b[256];

	CU_ASSERT_STRING_EQUAL(vl_quote(VL_Q_GNUPLOT, "x'; system(\"y\"); '", b, sizeof(b)),
	                       "'x''; system(\"y\"); '''");
	CU_ASSERT_STRING_EQUAL(vl_quote(VL_Q_SH, "a'$(b)", b, sizeof(b)), "'a'\\''$(b)'");
	CU_ASSERT_STRING_EQUAL(vl_quote(VL_Q_HTML, "<a href='x'>&", b, sizeof(b)),
	                       "&lt;a href=&#39;x&#39;&gt;&amp;");
	CU_ASSERT_STRING_EQUAL(vl_quote(VL_Q_DOT, "a\"\\b", b, sizeof(b)), "\"a\\\"\\\\b\"");
	CU_ASSERT_STRING_EQUAL(vl_quote(VL_Q_SH, "line\nbreak", b, sizeof(b)), "'line break'");
	/* cut short: between escapes, the closing quote kept */
	CU_ASSERT_STRING_EQUAL(vl_quote(VL_Q_SH, "ab'cd", b, 6), "'ab'");
	CU_ASSERT_STRING_EQUAL(vl_quote(VL_Q_GNUPLOT, "'''", b, 6), "''''");
	CU_ASSERT(vl_name_ok("bt-vs-vtx_2.0+x"));
	CU_ASSERT(!vl_name_ok("../etc"));
	CU_ASSERT(!vl_name_ok("a|b"));
	CU_ASSERT(!vl_name_ok("a b"));
	CU_ASSERT(!vl_name_ok(""));
	CU_ASSERT(!vl_name_ok("0123456789012345678901234567890123456789012345678901234567890123"));
}

static void test_exp_hostile_names_refused(void)
{
	expect_bad_exp(EXP_HEAD "[workload x\"; system(\"touch pwned\"); print \"]\ntrace = t\n",
	               "bad.ini:8: [workload x\"; system(\"touch pwned\"); print \"] trace: 'x\"");
	expect_bad_exp(EXP_HEAD "[plot ../../evil]\ntype = bars\n",
	               "bad.ini:8: [plot ../../evil] type: '../../evil': a name is 1 to 63 of");
	expect_bad_exp(EXP_HEAD "[system a|b]\nmodel = bt\n", "bad.ini:8: [system a|b] model:");
	expect_bad_exp(EXP_HEAD "[system <script>]\nmodel = bt\n", "bad.ini:8: [system <script>]");
	expect_bad_exp(EXP_HEAD "[sweep w]\nparam = x'y\nvalues = 1\n",
	               "bad.ini:8: [sweep w] param: 'x'y': not a parameter name");
	expect_bad_exp(EXP_HEAD "[sweep w]\nparam = host\nvalues = a|b\n",
	               "bad.ini:9: [sweep w] values: 'a|b': a value is a number or a name");
	expect_bad_exp(EXP_HEAD "[sweep w]\nparam = host\nvalues = \"$(x)\"\n", "bad.ini:9: [sweep w]");
	expect_bad_exp(EXP_HEAD "[sweep w]\nparam = exit\nvalues = 1 2 1\n",
	               "bad.ini:9: [sweep w] values: '1' twice");
	expect_bad_exp(EXP_HEAD "param.a'b = 1\n", "bad.ini:7: [system s] param.a'b: 'a'b'");

	/* the command line: exit 2 and the place */
	char out[4096], args[1024];
	const char *f = t_write("hostile-name.ini", EXP_HEAD "[plot a'b]\ntype = bars\n");
	snprintf(args, sizeof(args), "experiment runs '%s'", f);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "hostile-name.ini:8: [plot a'b] type:");
}

static const char plan_head[] =
	"[plan]\nname = p\nreplications = 1\nduration_s = 0.3\nwarmup_s = 0.05\ncount = 1,2\n"
	"[guest w]\nworkload = exp:1\nrate = 100\n[technique native]\nmodel = native\n";

static void test_plan_hostile_names_refused(void)
{
	expect_bad_plan("[plan]\nname = x'); DROP TABLE run; --\n",
	                "bad.ini:2: [plan] name: 'x'); DROP TABLE run; --': a name is");
	char text[1024];
	snprintf(text, sizeof(text), "%s[guest <b>]\nworkload = exp:1\n", plan_head);
	expect_bad_plan(text, "bad.ini:13: [guest <b>] workload: '<b>'");
	snprintf(text, sizeof(text), "%s[technique a'b]\nmodel = bt\n", plan_head);
	expect_bad_plan(text, "bad.ini:13: [technique a'b] model: 'a'b'");
	snprintf(text, sizeof(text), "%s[technique t]\nmodel = bt\nparam.x\"y = 1\n", plan_head);
	expect_bad_plan(text, "bad.ini:14: [technique t] param.x\"y: 'x\"y': not a parameter name");
}

/* plan --fresh pasted the name into SQL: "'); DROP TABLE run; --" deleted every run */
static void test_plan_fresh_sql_is_bound(void)
{
	const char *db = t_path("fresh.db");
	char out[4096], args[2048];

	unlink(db);
	snprintf(args, sizeof(args), "run -t gen:syscall:1000 -m native --db '%s'", db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 1);
	const char *f = t_write("inject.ini", "[plan]\nname = p'); DROP TABLE run; --\n");
	snprintf(args, sizeof(args), "plan '%s' --fresh --report-only --db '%s'", f, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "inject.ini:2: [plan] name:");
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 1);

	/* the library binds the name, whatever it is (a plan struct not from the parser) */
	struct vl_cap_plan *p;
	struct vl_err err = {0};
	struct vl_db *h;
	CU_ASSERT_EQUAL_FATAL(vl_cap_parse(&p, plan_head, "p.ini", &err), 0);
	snprintf(p->name, sizeof(p->name), "p'); DROP TABLE run; --");
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&h, db, &err), 0);
	CU_ASSERT_EQUAL(vl_cap_db_init(h, &err), 0);
	CU_ASSERT_EQUAL(vl_cap_forget(p, h, &err), 0);
	vl_db_close(h);
	vl_cap_free(p);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 1);
}

static const char report_fmt[] =
	"[experiment]\nname = hostile\ntitle = <script>alert(1)</script>\nseed = 3\n"
	"[workload sys]\ntrace = gen:syscall:2000\nper = 1000\n"
	"[system native]\nmodel = native\n[system bt]\nmodel = bt\n"
	"[reference r]\nworkload = sys\nsystem = native\nvalue = 242\nunit = <script>u</script>\n"
	"source = <img src=x onerror=alert(2)>\n"
	"[plot dq]\ntype = bars\ntitle = x\"; system(\"touch %s/PWN1\"); print \"\n"
	"[plot sq]\ntype = bars\ntitle = x'; system(\"touch %s/PWN2\"); print '\n"
	"[plot bq]\ntype = breakdown\ntitle = `touch %s/PWN3` @x\n";

/* gnuplot ran shell commands from plot titles; raw <script> landed in index.html */
static void test_report_titles_are_data(void)
{
	const char *dir = t_path("hostile-report"), *dbp = t_path("hostile-report.db");
	char text[2048], path[1024];
	struct vl_experiment *e;
	struct vl_err err = {0};
	struct vl_exp_opts o = {.jobs = 1};
	struct vl_report_result r;
	struct vl_db *db;

	unlink(dbp);
	mkdir(dir, 0777);
	snprintf(text, sizeof(text), report_fmt, dir, dir, dir);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "hostile.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, dbp, &o, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_db_open_ro(&db, dbp, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_report_write(db, "hostile", NULL, dir, &r, &err), 0);
	vl_db_close(db);
	for (int i = 1; i <= 3; i++) {
		snprintf(path, sizeof(path), "%s/PWN%d", dir, i);
		CU_ASSERT(!exists(path));
	}
	/* the scripts hold the titles as single-quoted strings (no substitution inside) */
	snprintf(path, sizeof(path), "%s/dq.png.gp", dir);
	char *gp = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
	T_ASSERT_STR_CONTAINS(gp, "set title 'x\"; system(\"touch ");
	free(gp);
	snprintf(path, sizeof(path), "%s/sq.png.gp", dir);
	gp = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
	T_ASSERT_STR_CONTAINS(gp, "set title 'x''; system(");
	free(gp);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	char *html = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(html);
	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	CU_ASSERT_PTR_NULL(strstr(html, "<img src=x"));
	T_ASSERT_STR_CONTAINS(html, "&lt;script&gt;alert(1)&lt;/script&gt;");
	T_ASSERT_STR_CONTAINS(html, "&lt;script&gt;u&lt;/script&gt;");
	free(html);
	snprintf(path, sizeof(path), "%s/README.md", dir);
	char *md = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	CU_ASSERT_PTR_NULL(strstr(md, "<script"));
	free(md);
	vl_exp_free(e);
}

/* A report is drawn from a database alone: what a crafted one holds is data too. */
static void test_report_crafted_database(void)
{
	const char *dir = t_path("crafted-report"), *dbp = t_path("crafted-report.db");
	char text[2048], path[1024];
	struct vl_experiment *e;
	struct vl_err err = {0};
	struct vl_exp_opts o = {.jobs = 1};
	struct vl_report_result r;
	struct vl_db *db;

	unlink(dbp);
	snprintf(text, sizeof(text), report_fmt, "/nonexistent", "/nonexistent", "/nonexistent");
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "hostile.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, dbp, &o, &err), 0);
	vl_exp_free(e);
	exec_sql(dbp, "UPDATE summary SET point = '<script>p</script>' WHERE system = 'bt'");
	/* the pages and the .dot files are the point here, not the pictures: no tools */
	char *saved = getenv("PATH") ? strdup(getenv("PATH")) : NULL;
	setenv("PATH", "/nonexistent", 1);
	CU_ASSERT_EQUAL_FATAL(vl_db_open_ro(&db, dbp, &err), 0);
	CU_ASSERT_EQUAL(vl_report_write(db, "hostile", NULL, dir, &r, &err), 0);
	vl_db_close(db);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	char *html = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(html);
	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	T_ASSERT_STR_CONTAINS(html, "&lt;script&gt;p&lt;/script&gt;");
	free(html);
	/* a model name that is no name: no file, no Graphviz ID made of it */
	exec_sql(dbp, "UPDATE run SET model = 'x\"]; a -> b [label=\"../../y' WHERE model = 'bt'");
	CU_ASSERT_EQUAL_FATAL(vl_db_open_ro(&db, dbp, &err), 0);
	CU_ASSERT_EQUAL(vl_report_write(db, "hostile", NULL, dir, &r, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "is not a model name");
	vl_db_close(db);
	/* an experiment stored with a hostile name in its text is refused when parsed */
	exec_sql(dbp, "UPDATE experiment SET config = replace(config, '[plot dq]', '[plot ../dq]')");
	CU_ASSERT_EQUAL_FATAL(vl_db_open_ro(&db, dbp, &err), 0);
	CU_ASSERT_EQUAL(vl_report_write(db, "hostile", NULL, dir, &r, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "[plot ../dq]");
	vl_db_close(db);
	if (saved) {
		setenv("PATH", saved, 1);
		free(saved);
	}
}

/* the knee plot of a plan: technique names went into gnuplot's single quotes as they were */
static void test_plan_report_quotes_names(void)
{
	const char *dir = t_path("plan-report"), *db = t_path("plan-report.db");
	char text[2048], path[1024];
	struct vl_cap_plan *p;
	struct vl_cap_opts o = {.jobs = 1, .quiet = 1};
	struct vl_cap_answer a[VL_CAP_MAX_TECH];
	struct vl_err err = {0};
	struct vl_db *h;
	size_t na;

	unlink(db);
	snprintf(text, sizeof(text), "[plan]\ntitle = <script>t</script>\noutput = %s\n%s", dir,
	         plan_head + strlen("[plan]\n"));
	CU_ASSERT_EQUAL_FATAL(vl_cap_parse(&p, text, "p.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_run(p, db, &o, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&h, db, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_answer(p, h, a, &na, &err), 0);
	/* a name the parser would refuse, as a caller of the library could pass it */
	snprintf(p->techs[0].name, sizeof(p->techs[0].name), "x'; system('touch PWN-knee'); print '");
	CU_ASSERT_EQUAL(vl_cap_report(p, h, a, na, &err), 0);
	vl_db_close(h);
	snprintf(path, sizeof(path), "%s/PWN-knee", dir);
	CU_ASSERT(!exists(path));
	snprintf(path, sizeof(path), "%s/knee.gp", dir);
	char *gp = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(gp);
	T_ASSERT_STR_CONTAINS(gp, "title 'x''; system(''touch PWN-knee''); print '''");
	free(gp);
	snprintf(path, sizeof(path), "%s/plan.md", dir);
	char *md = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(md);
	/* Markdown: every < of the title escaped, so no renderer sees a tag */
	T_ASSERT_STR_CONTAINS(md, "\\<script\\>t\\</script\\>");
	for (const char *q = strstr(md, "<script"); q; q = strstr(q + 1, "<script"))
		CU_ASSERT(q > md && q[-1] == '\\');
	free(md);
	snprintf(path, sizeof(path), "%s/index.html", dir);
	char *html = slurp(path, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(html);
	CU_ASSERT_PTR_NULL(strstr(html, "<script"));
	T_ASSERT_STR_CONTAINS(html, "&lt;script&gt;t&lt;/script&gt;");
	free(html);
	vl_cap_free(p);
}

static const char slurm_plan[] =
	"[plan]\nname = sl\nreplications = 1\nduration_s = 0.3\nwarmup_s = 0.05\ncount = 1,2\n"
	"[guest w]\nworkload = exp:1\nrate = 100\n[technique native]\nmodel = native\n";

/* output paths with $(...) expanded in the generated submit.sh and run.sbatch */
static void test_slurm_script_quotes_paths(void)
{
	char dir[1024], out[1100], args[4096], cmd[8192], path[2048], res[8192];
	const char *f = t_write("slurm-q.ini", slurm_plan);
	const char *pwn = t_path("PWN-slurm"), *bin = t_path("fakebin"), *log = t_path("sbatch.log");

	unlink(pwn);
	unlink(log);
	/* no spaces: an #SBATCH line takes none; $(...) and ${IFS} instead */
	snprintf(dir, sizeof(dir), "%s/q$(touch${IFS}%s)", t_path("slurm-q"), pwn);
	snprintf(out, sizeof(out), "%s/slurm", dir);
	snprintf(args, sizeof(args), "experiment slurm '%s' --shards 2 --out '%s'", f, dir);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(res, sizeof(res), args), 0);
	/* sbatch, faked: records its arguments one per line */
	mkdir(bin, 0777);
	snprintf(path, sizeof(path), "%s/sbatch", bin);
	FILE *s = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	fprintf(s, "#!/bin/sh\nfor a in \"$@\"; do printf '[%%s]\\n' \"$a\"; done >> '%s'\necho 7\n", log);
	fclose(s);
	chmod(path, 0755);
	snprintf(cmd, sizeof(cmd), "PATH='%s':\"$PATH\" sh '%s/submit.sh' >/dev/null 2>&1", bin, out);
	CU_ASSERT_EQUAL(system(cmd), 0);
	/* the shards as Slurm would run them */
	for (int i = 0; i < 2; i++) {
		snprintf(cmd, sizeof(cmd), "SLURM_ARRAY_TASK_ID=%d sh '%s/run.sbatch' >/dev/null 2>&1", i,
		         out);
		CU_ASSERT_EQUAL(system(cmd), 0);
	}
	CU_ASSERT(!exists(pwn));
	snprintf(path, sizeof(path), "%s/shards/shard-1.db", out);
	CU_ASSERT(exists(path));
	/* and the merge step's command line, as sbatch --wrap hands it to sh -c */
	char *got = slurp(log, NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(got);
	snprintf(path, sizeof(path), "[%s/run.sbatch]", out);
	T_ASSERT_STR_CONTAINS(got, path);
	T_ASSERT_STR_CONTAINS(got, "[--dependency=afterok:7]");
	char *wrap = strstr(got, "[--wrap]\n[");
	CU_ASSERT_PTR_NOT_NULL_FATAL(wrap);
	wrap += strlen("[--wrap]\n[");
	char *end = strrchr(wrap, ']');
	CU_ASSERT_PTR_NOT_NULL_FATAL(end);
	*end = '\0';
	char q[8192];
	snprintf(cmd, sizeof(cmd), "sh -c %s >/dev/null 2>&1", vl_quote(VL_Q_SH, wrap, q, sizeof(q)));
	CU_ASSERT_EQUAL(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/merged.db", out);
	CU_ASSERT(exists(path));
	CU_ASSERT(!exists(pwn));
	free(got);
	/* a control character cannot go into a script at all */
	snprintf(args, sizeof(args), "experiment slurm '%s' --out \"$(printf 'a\\nb')\"", f);
	CU_ASSERT_EQUAL(t_virtlab(res, sizeof(res), args), 2);
	T_ASSERT_STR_CONTAINS(res, "control character");
}

/* ---- limits and whole lines ---- */

static void test_ini_long_lines_whole(void)
{
	/* lines over 199 characters were split, the tail parsed as a line of its own */
	char text[4096], wl[301];
	struct vl_experiment *e;
	struct vl_err err = {0};

	for (int i = 0; i < 300; i++)
		wl[i] = i % 10 == 9 ? ' ' : 'w';
	wl[300] = '\0';
	snprintf(text, sizeof(text), EXP_HEAD "[plot p]\ntype = bars\nworkloads = %s\n", wl);
	int rc = vl_exp_parse(&e, text, "long.ini", &err);
	if (rc)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(strlen(e->plot[0].workloads), 299); /* the trailing space stripped */
	vl_exp_free(e);
	/* section names over 49 characters were cut, and distinct sections merged */
	snprintf(text, sizeof(text), "[experiment]\nname = x\n"
	         "[workload aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1]\n"
	         "trace = gen:syscall:100\n"
	         "[workload aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2]\n"
	         "trace = gen:disk:100\n[system s]\nmodel = native\n");
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "long.ini", &err), 0);
	CU_ASSERT_EQUAL(e->nw, 2);
	CU_ASSERT_STRING_EQUAL(e->w[1].trace, "gen:disk:100");
	vl_exp_free(e);
	/* longer than a name may be: refused whole, not cut */
	expect_bad_exp("[experiment]\nname = x\n[workload "
	               "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa]\ntrace = t\n",
	               "bad.ini:4: [workload aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	               "aaaaaaaa] trace: 'aaa");
	/* the plan parser reads the same way */
	struct vl_cap_plan *p;
	snprintf(text, sizeof(text), "[plan]\nname = p\noutput = %s\ncount = 1\n"
	         "[guest gggggggggggggggggggggggggggggggggggggggggggggggggggggggggg1]\nworkload = exp:1\n"
	         "[guest gggggggggggggggggggggggggggggggggggggggggggggggggggggggggg2]\nworkload = exp:2\n"
	         "[technique t]\nmodel = native\n", wl);
	rc = vl_cap_parse(&p, text, "long.ini", &err);
	if (rc)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	CU_ASSERT_EQUAL(p->nkinds, 2);
	CU_ASSERT_EQUAL(strlen(p->output), 299);
	vl_cap_free(p);
}

static void test_exp_sweep_limits(void)
{
	/* 42 sweep sections overflowed the run's overrides (r->ov) with values from the file */
	char text[16384];
	size_t n = (size_t)snprintf(text, sizeof(text), EXP_HEAD);
	for (int i = 0; i < 42; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[sweep s%d]\nparam = p%d\nvalues = 1\n",
		                      i, i);
	expect_bad_exp(text, "bad.ini:31: [sweep s8]: more than 8 sweeps apply to system 's'");
	/* sweeps whose product has no end: a cap, named at the sweep that passes it */
	n = (size_t)snprintf(text, sizeof(text), EXP_HEAD);
	for (int i = 0; i < 3; i++) {
		n += (size_t)snprintf(text + n, sizeof(text) - n, "[sweep s%d]\nparam = p%d\nvalues =", i, i);
		for (int v = 0; v < 64; v++)
			n += (size_t)snprintf(text + n, sizeof(text) - n, " %d", v);
		n += (size_t)snprintf(text + n, sizeof(text) - n, "\n");
	}
	expect_bad_exp(text, "bad.ini:13: [sweep s2]: the experiment expands to more than 100000 runs");
	expect_bad_exp(EXP_HEAD "[sweep w]\nparam = p\nvalues = 1 inf\n",
	               "bad.ini:7: [sweep w] values: 'inf' is not a number");
}

/* numbers past their type wrapped or saturated: a seed of 1e30, 2^64 + 1 events ran forever */
static void test_numbers_do_not_wrap(void)
{
	struct vl_source src;
	struct vl_err err = {0};
	void *h = NULL;
	char name[256];

	expect_bad_exp("[experiment]\nname = x\nseed = 1e30\n",
	               "bad.ini:3: [experiment] seed: '1e30': expected a whole number from 0 to 2^53 - 1");
	static const char *const bad[] = {"gen:syscall:18446744073709551617", "gen:syscall:-1",
	                                  "gen:syscall: 5", "gen:syscall:+5"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		CU_ASSERT_EQUAL(vl_source_open(bad[i], 1, &src, &h, name, sizeof(name), &err), VL_EINVAL);
		T_ASSERT_STR_CONTAINS(err.msg, "expected gen:KIND[:EVENTS]");
	}
	CU_ASSERT_EQUAL_FATAL(vl_source_open("gen:syscall:10", 1, &src, &h, name, sizeof(name), &err), 0);
	vl_source_close("gen:syscall:10", h, NULL);
}

/* a sweep point cut at 127 characters gave two runs one label */
static void test_exp_labels_unambiguous(void)
{
	char text[4096];
	static const char p50[] = "pppppppppppppppppppppppppppppppppppppppppppppppp";
	struct vl_experiment *e;
	struct vl_exp_run *runs;
	struct vl_err err = {0};
	size_t n;

	snprintf(text, sizeof(text), EXP_HEAD "[sweep a]\nparam = %sa\nvalues = 1\n"
	         "[sweep b]\nparam = %sb\nvalues = 1\n[sweep c]\nparam = %sc\nvalues = 1 2\n",
	         p50, p50, p50);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "l.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_expand(e, &runs, &n, &err), 0);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_STRING_NOT_EQUAL(runs[0].label, runs[1].label);
	T_ASSERT_STR_CONTAINS(runs[1].label, "c=2|0");
	free(runs);
	vl_exp_free(e);
}

static void test_plan_count_limits(void)
{
	char text[1024];

	snprintf(text, sizeof(text), "[plan]\nname = p\ncount = 1, 99999\n[guest w]\nworkload = exp:1\n"
	         "share = 1000\n[technique t]\nmodel = native\n");
	expect_bad_plan(text, "bad.ini:3: [plan] count: 99999 units of the mix are 99999000 guests");
	expect_bad_plan("[plan]\nname = p\ncount = 1..4000000000 step 1000000000\n",
	                "bad.ini:3: [plan] count: '1..4000000000 step 1000000000'");
}

/* ---- run identity ---- */

static const char tiny[] =
	"[experiment]\nname = ident\nreplications = 2\n[workload a]\ntrace = gen:syscall:2000\n"
	"[system n]\nmodel = native\n[system h]\nmodel = hwassist\n"
	"[sweep t]\nsystem = h\nparam = tpr_shadow\nvalues = 0 1\n";

/* --resume skipped runs of another version of the file, whose labels matched */
static void test_resume_refuses_other_text(void)
{
	const char *db = t_path("ident.db");
	struct vl_experiment *e, *e2;
	struct vl_err err = {0};
	struct vl_exp_opts o = {.jobs = 1}, r = {.jobs = 1, .resume = 1};
	char text[2048];

	unlink(db);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, tiny, "ident.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, db, &o, &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e, db, &r, &err), 0); /* the same text resumes: nothing to do */
	const char *sweep = strstr(tiny, "[sweep t]"); /* a parameter of system h, before it */
	snprintf(text, sizeof(text), "%.*sparam.exit_reads = 7\n%s", (int)(sweep - tiny), tiny, sweep);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e2, text, "ident.ini", &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e2, db, &r, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "ident.ini: experiment 'ident' in ");
	T_ASSERT_STR_CONTAINS(err.msg, "was run from another version of the file");
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 6);
	/* without --resume it is redone, once */
	CU_ASSERT_EQUAL(vl_exp_run(e2, db, &o, &err), 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 6);
	vl_exp_free(e);
	vl_exp_free(e2);
}

/* the same run recorded twice (two processes on one database) */
static void test_record_refuses_duplicate_run(void)
{
	const char *db = t_path("twice.db");
	struct vl_experiment *e;
	struct vl_err err = {0};
	struct vl_exp_opts o = {.jobs = 1};
	struct vl_db *h;

	unlink(db);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, tiny, "ident.ini", &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_exp_run(e, db, &o, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&h, db, &err), 0);
	int64_t id, run;
	CU_ASSERT_EQUAL_FATAL(vl_db_experiment(h, "ident", "ident.ini", e->text, &id, &err), 0);
	struct vl_run_info info = {
		.experiment_id = id, .label = "a|n||0", .trace = "gen:syscall:2000", .status = "ok",
	};
	struct vl_run_data data = {0};
	CU_ASSERT_EQUAL(vl_db_record_run(h, &info, &data, &run, &err), VL_EDB);
	T_ASSERT_STR_CONTAINS(err.msg, "run a|n||0 is recorded already");
	vl_db_close(h);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run WHERE label = 'a|n||0'"), 1);
	vl_exp_free(e);
}

/* a shard run again without --resume deleted the other shards' runs */
static void test_shard_rerun_keeps_other_shards(void)
{
	const char *db = t_path("shards.db");
	struct vl_experiment *e;
	struct vl_err err = {0};
	struct vl_exp_opts s0 = {.jobs = 1, .shard = 0, .nshards = 2};
	struct vl_exp_opts s1 = {.jobs = 1, .shard = 1, .nshards = 2};

	unlink(db);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, tiny, "ident.ini", &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e, db, &s0, &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e, db, &s1, &err), 0);
	CU_ASSERT_EQUAL(vl_exp_run(e, db, &s0, &err), 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run"), 6);
	CU_ASSERT_EQUAL(count(db, "SELECT count(DISTINCT label) FROM run"), 6);
	vl_exp_free(e);
}

/* ---- databases ---- */

/* an unrelated SQLite file was adopted: tables added, switched to WAL */
static void test_db_refuses_foreign_file(void)
{
	const char *db = t_path("foreign.db");
	struct vl_db *h;
	struct vl_err err = {0};
	char out[4096], args[1024];
	size_t n1, n2;

	unlink(db);
	exec_sql(db, "CREATE TABLE notes(x TEXT); INSERT INTO notes VALUES ('mine')");
	char *before = slurp(db, &n1);
	CU_ASSERT_EQUAL(vl_db_open(&h, db, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "not a virtlab results database");
	T_ASSERT_STR_CONTAINS(err.msg, "give another --db");
	CU_ASSERT_EQUAL(vl_db_open_ro(&h, db, &err), VL_EINVAL);
	snprintf(args, sizeof(args), "runs --db '%s'", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "not a virtlab results database");
	snprintf(args, sizeof(args), "run -t gen:syscall:100 -m native --db '%s'", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	char *after = slurp(db, &n2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT(n1 == n2 && memcmp(before, after, n1) == 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM sqlite_master"), 1);
	free(before);
	free(after);
	/* not SQLite at all */
	const char *txt = t_write("text.db", "just some text, long enough to be a header of sorts\n");
	CU_ASSERT_NOT_EQUAL(vl_db_open(&h, txt, &err), 0);
	T_ASSERT_STR_CONTAINS(err.msg, "not a virtlab results database");
}

/* a database of another schema version was modified before it was refused, even by runs */
static void test_db_refuses_other_version(void)
{
	const char *db = t_path("v3.db");
	struct vl_db *h;
	struct vl_err err = {0};
	char out[4096], args[1024];
	size_t n1, n2;

	unlink(db);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&h, db, &err), 0);
	vl_db_close(h);
	exec_sql(db, "UPDATE meta SET value = '3' WHERE key = 'schema_version'; DROP TABLE summary;"
	             "PRAGMA journal_mode = DELETE");
	char *before = slurp(db, &n1);
	CU_ASSERT_EQUAL(vl_db_open(&h, db, &err), VL_EVERSION);
	T_ASSERT_STR_CONTAINS(err.msg, "results schema version '3'; this virtlab reads and writes "
	                               "version 2");
	T_ASSERT_STR_CONTAINS(err.msg, "another --db");
	snprintf(args, sizeof(args), "runs --db '%s'", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	snprintf(args, sizeof(args), "export --db '%s'", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	char *after = slurp(db, &n2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT(n1 == n2 && memcmp(before, after, n1) == 0);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM sqlite_master WHERE name = 'summary'"), 0);
	free(before);
	free(after);
}

/* runs, export and report read a database without writing it */
static void test_db_readers_never_write(void)
{
	const char *db = t_path("ro.db"), *f = t_write("ro.ini", tiny);
	char out[1 << 14], args[2048];
	size_t n1, n2;

	unlink(db);
	snprintf(args, sizeof(args), "experiment run '%s' --db '%s'", f, db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	exec_sql(db, "PRAGMA journal_mode = DELETE");
	char *before = slurp(db, &n1);
	chmod(db, 0444);
	snprintf(args, sizeof(args), "runs --db '%s'", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "export --db '%s' --format json", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "report '%s' --out '%s'", db, t_path("ro-report"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	chmod(db, 0644);
	char *after = slurp(db, &n2);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	CU_ASSERT_PTR_NOT_NULL_FATAL(after);
	CU_ASSERT(n1 == n2 && memcmp(before, after, n1) == 0);
	free(before);
	free(after);
}

/* a crafted shard database crashed merge (a plan without its text) */
static void test_merge_crafted_input(void)
{
	const char *in = t_path("crafted-shard.db"), *out = t_path("crafted-merged.db");
	const char *foreign = t_path("foreign-shard.db");
	struct vl_merge_stats ms;
	struct vl_err err = {0};
	struct vl_db *h;

	unlink(in);
	unlink(out);
	unlink(foreign);
	CU_ASSERT_EQUAL_FATAL(vl_db_open(&h, in, &err), 0);
	vl_db_close(h);
	exec_sql(in, "CREATE TABLE capacity_plan(id INTEGER PRIMARY KEY, name TEXT, file TEXT,"
	             " config TEXT, created TEXT);"
	             "CREATE TABLE capacity_run(id INTEGER PRIMARY KEY, plan_id INTEGER, technique TEXT,"
	             " count INTEGER, replication INTEGER, guests INTEGER, admitted INTEGER,"
	             " stable INTEGER, offered REAL, cpu_util REAL, disk_util REAL, net_util REAL,"
	             " idle_s REAL, memory_mb REAL, memory_host_mb REAL, slowdown REAL, p99_ms REAL,"
	             " sim_s REAL, wall_s REAL, version TEXT, host TEXT);"
	             "INSERT INTO capacity_plan VALUES (1, 'p', NULL, NULL, 'now');"
	             "INSERT INTO capacity_run(id, plan_id, technique, count, replication) "
	             " VALUES (1, 1, NULL, 1, 0);"
	             "INSERT INTO experiment(id, name, file, config, created) VALUES (5, 'e', NULL, NULL, 'x');"
	             "INSERT INTO run(id, experiment_id, label, model, trace, trace_hash, seed, replication,"
	             " version, host, status, started, wall_s) VALUES (1, 5, NULL, 'm', 't', 'h', 1, 0,"
	             " 'v', 'h', 'ok', 's', 0)");
	const char *ins[] = {in};
	int rc = vl_merge(out, ins, 1, &ms, &err);
	CU_ASSERT_NOT_EQUAL(rc, 0);
	T_ASSERT_STR_CONTAINS(err.msg, "merge:");
	/* an input that is not a results database: refused, nothing merged from it */
	exec_sql(foreign, "CREATE TABLE run(id INTEGER)");
	const char *fin[] = {foreign};
	CU_ASSERT_EQUAL(vl_merge(t_path("merged2.db"), fin, 1, &ms, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "not a virtlab results database");
}

/* ---- plugins and processes ---- */

/* a plugin named like a built-in model: its name was read after dlclose */
static void test_plugin_named_like_builtin(void)
{
	const char *dir = getenv("PLUGINS");
	char path[1024];
	const struct vl_model *m = NULL;
	struct vl_err err = {0};

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	snprintf(path, sizeof(path), "%s/ideal-native.so", dir);
	CU_ASSERT_EQUAL(vl_model_load(path, &m, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "a built-in model is already called 'native'");
	CU_ASSERT_PTR_NULL(m);
}

static const char crash_fmt[] =
	"[experiment]\nname = crash\nreplications = 3\n[workload a]\ntrace = gen:syscall:5000\n"
	"[system c]\nmodel = crashy\nplugin = %s/crashy.so\n"
	"[sweep s]\nparam = crash\nvalues = 0 1\n";

/* a plugin crash in a worker was reported as Ctrl-C, and the worker's other runs were lost */
static void test_worker_crash_names_its_run(void)
{
	const char *dir = getenv("PLUGINS"), *db = t_path("crash.db");
	char text[1024];
	struct vl_experiment *e;
	struct vl_err err = {0};
	struct vl_exp_opts o = {.jobs = 2};

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	unlink(db);
	snprintf(text, sizeof(text), crash_fmt, dir);
	CU_ASSERT_EQUAL_FATAL(vl_exp_parse(&e, text, "crash.ini", &err), 0);
	int rc = vl_exp_run(e, db, &o, &err);
	CU_ASSERT_EQUAL(rc, VL_EIO);
	CU_ASSERT_NOT_EQUAL(rc, VL_EINTR);
	T_ASSERT_STR_CONTAINS(err.msg, "run a|c|crash=1|");
	T_ASSERT_STR_CONTAINS(err.msg, "the worker crashed: signal 6");
	T_ASSERT_STR_CONTAINS(err.msg, "3 runs recorded as failed");
	/* the rest of the sweep went on */
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run WHERE status = 'ok' AND label LIKE "
	                          "'%crash=0%'"), 3);
	CU_ASSERT_EQUAL(count(db, "SELECT count(*) FROM run WHERE status = 'failed' AND label LIKE "
	                          "'%crash=1%' AND error LIKE '%crashed%'"), 3);
	CU_ASSERT_EQUAL(count(db, "SELECT n FROM summary WHERE point = 'crash=0' AND "
	                          "metric = 'sim_cycles'"), 3);
	vl_exp_free(e);
}

static const char long_exp[] =
	"[experiment]\nname = long\nreplications = 4\n[workload a]\ntrace = gen:syscall:40000000\n"
	"[system b]\nmodel = bt\n";

static const char long_plan[] =
	"[plan]\nname = lp\nreplications = 2\nduration_s = 5000\nwarmup_s = 0.05\ncount = 1..8\n"
	"[guest w]\nworkload = exp:1\nrate = 500\n[technique native]\nmodel = native\n";

/*
 * Starts `virtlab experiment run long.ini --jobs 2 --db DB` (plan = 0) or
 * `virtlab plan lp.ini --jobs 2 --db DB` (plan = 1) in a process group of
 * its own.
 */
static pid_t start_long(const char *db, int plan)
{
	const char *f = plan ? t_write("lp.ini", long_plan) : t_write("long.ini", long_exp);
	const char *bin = virtlab_abs();
	pid_t pid = fork();

	if (pid == 0) {
		setpgid(0, 0);
		if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
			_exit(127);
		if (plan)
			execl(bin, bin, "plan", f, "--jobs", "2", "--db", db, (char *)NULL);
		else
			execl(bin, bin, "experiment", "run", f, "--jobs", "2", "--db", db, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	return pid;
}

/* Waits up to seconds for pid; its wait status, or -1 on timeout. */
static int wait_for(pid_t pid, double seconds)
{
	struct timespec ts = {0, 20 * 1000 * 1000};
	int st;

	for (double t = 0; t < seconds; t += 0.02) {
		if (waitpid(pid, &st, WNOHANG) == pid)
			return st;
		nanosleep(&ts, NULL);
	}
	return -1;
}

/* Processes of process group pgid still alive (zombies do not count). */
static int group_alive(pid_t pgid)
{
	DIR *d = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		char path[300], buf[1024];
		snprintf(path, sizeof(path), "/proc/%s/stat", de->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		size_t len = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[len] = '\0';
		char *rp = strrchr(buf, ')'), state;
		int ppid, pgrp;
		if (rp && sscanf(rp + 1, " %c %d %d", &state, &ppid, &pgrp) == 3 && pgrp == pgid &&
		    state != 'Z')
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* Waits (up to 10 s) until the parent and both workers of pgid run. */
static void await_workers(pid_t pgid)
{
	for (double t = 0; t < 10 && group_alive(pgid) < 3; t += 0.02)
		nanosleep(&(struct timespec){0, 20 * 1000 * 1000}, NULL);
	nanosleep(&(struct timespec){0, 100 * 1000 * 1000}, NULL); /* into their first runs */
}

/* SIGTERM to the parent never reached the --jobs workers: the run went on and exited 0 */
static void test_sigterm_reaches_workers(void)
{
	for (int plan = 0; plan < 2; plan++) {
		const char *db = t_path(plan ? "long-term-plan.db" : "long-term.db");

		unlink(db);
		pid_t pid = start_long(db, plan);
		CU_ASSERT_FATAL(pid > 0);
		await_workers(pid);
		kill(pid, SIGTERM);
		int st = wait_for(pid, 15);
		if (st == -1) {
			kill(-pid, SIGKILL);
			waitpid(pid, &st, 0);
			fprintf(stderr, "\n  %s: the parent did not stop within 15 s of SIGTERM\n",
			        plan ? "plan" : "experiment");
			CU_FAIL("the parent did not stop within 15 s of SIGTERM");
			continue;
		}
		CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 130);
		for (double t = 0; t < 5 && group_alive(pid); t += 0.05)
			nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
		CU_ASSERT_EQUAL(group_alive(pid), 0);
		kill(-pid, SIGKILL);
	}
}

/* plan workers outlived a parent killed with -9 (and experiment workers ran on to their next write) */
static void test_workers_die_with_parent(void)
{
	for (int plan = 0; plan < 2; plan++) {
		const char *db = t_path(plan ? "long-kill-plan.db" : "long-kill.db");
		int st;

		unlink(db);
		pid_t pid = start_long(db, plan);
		CU_ASSERT_FATAL(pid > 0);
		await_workers(pid);
		CU_ASSERT(group_alive(pid) >= 3); /* the parent and its two workers */
		kill(pid, SIGKILL);
		waitpid(pid, &st, 0);
		for (double t = 0; t < 3 && group_alive(pid); t += 0.05)
			nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
		if (group_alive(pid))
			fprintf(stderr, "\n  %s: workers alive after their parent was killed\n",
			        plan ? "plan" : "experiment");
		CU_ASSERT_EQUAL(group_alive(pid), 0);
		kill(-pid, SIGKILL);
	}
}

/* `virtlab plan` in a fresh clone failed: out/ did not exist */
static void test_plan_in_fresh_directory(void)
{
	const char *dir = t_path("fresh-clone");
	char cmd[9000], path[1024];

	mkdir(dir, 0777);
	snprintf(path, sizeof(path), "%s/plan.ini", dir);
	FILE *f = fopen(path, "w");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	fputs(slurm_plan, f);
	fclose(f);
	snprintf(cmd, sizeof(cmd), "cd '%s' && '%s' plan plan.ini >/dev/null 2>&1", dir, virtlab_abs());
	int st = system(cmd);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(path, sizeof(path), "%s/out/sl/results.db", dir);
	CU_ASSERT(exists(path));
}

void suite_hostile(void)
{
	static const struct t_case cases[] = {
		{"quote_per_target", test_quote_per_target},
		{"exp_hostile_names_refused", test_exp_hostile_names_refused},
		{"plan_hostile_names_refused", test_plan_hostile_names_refused},
		{"plan_fresh_sql_is_bound", test_plan_fresh_sql_is_bound},
		{"report_titles_are_data", test_report_titles_are_data},
		{"report_crafted_database", test_report_crafted_database},
		{"plan_report_quotes_names", test_plan_report_quotes_names},
		{"slurm_script_quotes_paths", test_slurm_script_quotes_paths},
		{"ini_long_lines_whole", test_ini_long_lines_whole},
		{"exp_sweep_limits", test_exp_sweep_limits},
		{"exp_labels_unambiguous", test_exp_labels_unambiguous},
		{"numbers_do_not_wrap", test_numbers_do_not_wrap},
		{"plan_count_limits", test_plan_count_limits},
		{"resume_refuses_other_text", test_resume_refuses_other_text},
		{"record_refuses_duplicate_run", test_record_refuses_duplicate_run},
		{"shard_rerun_keeps_other_shards", test_shard_rerun_keeps_other_shards},
		{"db_refuses_foreign_file", test_db_refuses_foreign_file},
		{"db_refuses_other_version", test_db_refuses_other_version},
		{"db_readers_never_write", test_db_readers_never_write},
		{"merge_crafted_input", test_merge_crafted_input},
		{"plugin_named_like_builtin", test_plugin_named_like_builtin},
		{"worker_crash_names_its_run", test_worker_crash_names_its_run},
		{"sigterm_reaches_workers", test_sigterm_reaches_workers},
		{"workers_die_with_parent", test_workers_die_with_parent},
		{"plan_in_fresh_directory", test_plan_in_fresh_directory},
		{NULL, NULL},
	};
	t_add_suite("hostile", cases);
}
