/*
 * The virtlab command as a user meets it: help for every command, bad input
 * with one clear message and exit status 2, the database untouched.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"
#include "util/json.h"
#include "util/progress.h"

static char out[65536];

static void test_cli_help_everywhere(void)
{
	static const char *const cmds[] = {"--help", "run --help", "models --help",
	                                   "trace --help", "runs --help", "trace gen --help"};
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), cmds[i]), 0);
		T_ASSERT_STR_CONTAINS(out, "usage: virtlab");
	}
	/* `help CMD` is CMD's own help, not the general usage */
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "help run"), 0);
	T_ASSERT_STR_CONTAINS(out, "usage: virtlab run --trace T --model M");
	CU_ASSERT_PTR_NULL(strstr(out, "commands:"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "help experiment"), 0);
	T_ASSERT_STR_CONTAINS(out, "usage: virtlab experiment run FILE");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "help"), 0);
	T_ASSERT_STR_CONTAINS(out, "commands:");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "help frobnicate"), 2);
	T_ASSERT_STR_CONTAINS(out, "virtlab help: unknown command 'frobnicate'");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "-V"), 0);
	T_ASSERT_STR_CONTAINS(out, "virtlab 0.");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "--version"), 0);
	T_ASSERT_STR_CONTAINS(out, "virtlab 0.");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "frobnicate"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown command 'frobnicate'");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "run --bogus"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown or incomplete option '--bogus'");
}

static void test_cli_run_records_and_lists(void)
{
	char args[1024];
	const char *db = t_path("cli.db");

	unlink(db);
	snprintf(args, sizeof(args), "run -t traces/samples/aa-syscall.vlt -m native --db %s", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "simulated   242,000 cycles");
	T_ASSERT_STR_CONTAINS(out, "slowdown    1.000x against native");
	T_ASSERT_STR_CONTAINS(out, "direct");
	T_ASSERT_STR_CONTAINS(out, "recorded    run 1 in");
	snprintf(args, sizeof(args), "runs --db %s", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "aa-syscall.vlt");
	T_ASSERT_STR_CONTAINS(out, "242,000");
	CU_ASSERT_PTR_NULL(strstr(out, "syscall=")); /* one run: nothing tells it apart */

	/* two more of the same model, profile and host, one host parameter apart:
	 * runs shows it for both, and not for the first run's other model */
	snprintf(args, sizeof(args), "run -t traces/samples/aa-syscall.vlt -m bt --db %s -q", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "run -t traces/samples/aa-syscall.vlt -m bt -P syscall=300 "
	         "--db %s -q", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "runs --db %s", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "differs");
	T_ASSERT_STR_CONTAINS(out, "  host.syscall=242\n");
	T_ASSERT_STR_CONTAINS(out, "  host.syscall=300\n");
	const char *first = strstr(out, "\n    1  native"), *eol = first ? strchr(first + 1, '\n')
	                                                               : NULL;
	CU_ASSERT_PTR_NOT_NULL_FATAL(eol);
	CU_ASSERT_PTR_NULL(memchr(first, '=', (size_t)(eol - first))); /* run 1: nothing differs */
}

static void test_cli_bad_trace_exit_2(void)
{
	char args[1024];
	const char *db = t_path("bad.db");
	const char *t = t_write("broken.vlt", "vlt 1\nuser 5\nbb 1 5 sideways\n");

	unlink(db);
	snprintf(args, sizeof(args), "run -t %s -m native --db %s", t, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "broken.vlt:3: 'bb': field 'sideways' must be user|kernel");
	/* nothing recorded */
	snprintf(args, sizeof(args), "runs --db %s", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_PTR_NULL(strstr(out, "native "));
}

static void test_cli_unknown_names_exit_2(void)
{
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "run -t traces/samples/hello.vlt -m vmware --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown model 'vmware' (valid: native");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out),
	                          "run -t traces/samples/hello.vlt -m native -p pentium9 --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown host profile 'pentium9' (valid: prescott");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out),
	                          "run -t traces/samples/hello.vlt -m native -P sycall=5 --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown parameter 'sycall'");
	T_ASSERT_STR_CONTAINS(out, "syscall");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out),
	                          "run -t traces/samples/hello.vlt -m native -P syscall=-3 --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "out of range");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "run -t gen:specfp -m native --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown generator 'specfp'");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "run -t /nonexistent.vlt -m native --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "/nonexistent.vlt: cannot open");
}

static void test_cli_unwritable_db_exit_1(void)
{
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out),
	                          "run -t traces/samples/hello.vlt -m native --db /proc/virtlab/r.db"), 1);
	T_ASSERT_STR_CONTAINS(out, "/proc/virtlab");
}

static void test_cli_trace_convert_cat_stats(void)
{
	char args[1024];
	const char *bin = t_path("hello.vlb"), *back = t_path("hello2.vlt");

	snprintf(args, sizeof(args), "trace convert traces/samples/hello.vlt %s --zstd", bin);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "trace convert %s %s", bin, back);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "trace stats %s", bin);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "(binary)");
	T_ASSERT_STR_CONTAINS(out, "instructions   52 user, 6,900 kernel");
	snprintf(args, sizeof(args), "trace cat %s --head 3", back);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "@name hello\n");
	T_ASSERT_STR_CONTAINS(out, "bb 1 12 user\ncallret 2 user\nsyscall 2\n");
	CU_ASSERT_PTR_NULL(strstr(out, "kernel 900"));
	/* a truncated binary trace names the byte */
	snprintf(args, sizeof(args), "sh -c 'head -c 60 %s > %s.cut' && true", bin, bin);
	CU_ASSERT_EQUAL(system(args + 0), 0);
	snprintf(args, sizeof(args), "trace stats %s.cut", bin);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "hello.vlb.cut: byte ");
	snprintf(args, sizeof(args), "trace gen cpu --events 1000 -o %s", t_path("g.vlt"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "trace gen --list"), 0);
	T_ASSERT_STR_CONTAINS(out, "forkwait");
}

static void test_cli_models(void)
{
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "models"), 0);
	T_ASSERT_STR_CONTAINS(out, "native");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "models hosts"), 0);
	T_ASSERT_STR_CONTAINS(out, "Adams & Agesen, ASPLOS 2006, Fig. 4 (native): syscall 242");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "models show nosuch"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown model 'nosuch'");
}

static void test_cli_model_readmes_match_tables(void)
{
	/* Each model's README carries its tables as the model generates them. */
	static const char *const models[] = {"trapemu", "emulation", "bt", "paravirt",
	                                     "hwassist", "container"};
	static char readme[1 << 16];
	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		char args[128], path[128];
		snprintf(args, sizeof(args), "models show %s --markdown", models[i]);
		CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
		snprintf(path, sizeof(path), "models/%s/README.md", models[i]);
		FILE *f = fopen(path, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		size_t n = fread(readme, 1, sizeof(readme) - 1, f);
		readme[n] = '\0';
		fclose(f);
		if (!strstr(readme, out))
			fprintf(stderr, "\n  %s is stale: run sh scripts/model-docs.sh\n", path);
		CU_ASSERT_PTR_NOT_NULL(strstr(readme, out));
	}
}

static void test_cli_model_plugin(void)
{
	const char *dir = getenv("PLUGINS");
	char args[1024];

	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	/*
	 * hello.vlt under the example plugin: native 21641 plus one 1000-cycle
	 * exit for each privileged or I/O event: out, out, in, cr3, hlt, mmio,
	 * disk and the disk's completion interrupt, 8 x 1000.
	 */
	snprintf(args, sizeof(args),
	         "run --model-path %s/ideal.so -m ideal -t traces/samples/hello.vlt --no-db", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "model       ideal, profile ideal");
	T_ASSERT_STR_CONTAINS(out, "vmexit                    8,000");
	T_ASSERT_STR_CONTAINS(out, "ideal.exits = 8");
	/* its profiles and parameters work like a built-in model's */
	snprintf(args, sizeof(args), "run --model-path %s/ideal.so -m ideal -p slow "
	         "-P exit_cycles=2000 -t traces/samples/hello.vlt --no-db", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "vmexit                   16,000");
	snprintf(args, sizeof(args), "models --model-path %s/ideal.so show ideal", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "exit_cycles");
	/* a plugin of another interface version is refused */
	snprintf(args, sizeof(args),
	         "run --model-path %s/ideal-stale.so -m ideal -t traces/samples/hello.vlt --no-db", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "ideal-stale.so: the plugin was built for model interface "
	                           "version 0; this virtlab speaks versions 6 to 6");
	/* so is one of version 2: the struct vl_nativecost it embeds has grown since */
	snprintf(args, sizeof(args),
	         "run --model-path %s/v2.so -m oldnative -t traces/samples/hello.vlt --no-db", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "v2.so: the plugin was built for model interface version 2; "
	                           "this virtlab speaks versions 6 to 6: rebuild it");
	/* so is a shared object that is not a plugin, and a missing file */
	snprintf(args, sizeof(args),
	         "run --model-path %s/not-a-plugin.so -m x -t traces/samples/hello.vlt --no-db", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "not a virtlab model plugin");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "run --model-path /nonexistent.so -m x "
	                          "-t traces/samples/hello.vlt --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "/nonexistent.so: cannot load the model plugin");
}

/* An experiment of two runs: system calls under trap-and-emulate and native. */
static const char trap_ini[] = "[experiment]\nname = trap\n[workload s]\n"
                               "trace = traces/samples/aa-syscall.vlt\nper = 1000\n"
                               "[system x86]\nmodel = trapemu\n[system n]\nmodel = native\n";

static void test_cli_experiment_param(void)
{
	/* lab 1's -P trap=500: every system with a trap parameter, recorded */
	char args[1024];
	const char *db = t_path("lab1-trap.db");
	const char *ini = t_write("trap.ini", trap_ini);

	unlink(db);
	snprintf(args, sizeof(args), "experiment run %s -P trap=500 --db %s", ini, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "export --db %s --format csv", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "sqlite3 %s \"SELECT config FROM experiment\" > %s", db,
	         t_path("trap.cfg"));
	CU_ASSERT_EQUAL(system(args), 0);
	FILE *f = fopen(t_path("trap.cfg"), "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	out[fread(out, 1, sizeof(out) - 1, f)] = '\0';
	fclose(f);
	T_ASSERT_STR_CONTAINS(out, "[system x86]\nparam.trap = 500\n");
	CU_ASSERT_PTR_NULL(strstr(out, "[system n]\nparam.trap"));
	/* a self-check: its lines, then the count, and exit 1 when one fails */
	const char *chk = t_write("trap-check.ini", "[experiment]\nname = trap\n[workload s]\n"
	                          "trace = traces/samples/aa-syscall.vlt\nper = 1000\n"
	                          "[system x86]\nmodel = trapemu\n[system n]\nmodel = native\n"
	                          "[check a]\nsays = traps cost\nexpect = s/x86 > s/n\n"
	                          "[check b]\nexpect = s/x86 < s/n\n");
	snprintf(args, sizeof(args), "experiment check %s --db %s", chk, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 1);
	T_ASSERT_STR_CONTAINS(out, "pass  a: traps cost\n      s/x86 = ");
	T_ASSERT_STR_CONTAINS(out, "FAIL  b: s/x86 < s/n\n");
	T_ASSERT_STR_CONTAINS(out, "1 passed, 1 failed\n");
	snprintf(args, sizeof(args), "experiment check %s --db %s", ini, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "no [check] section");
	/* references with a bound: the native syscall loop is 242 cycles a call */
	const char *bnd = t_write("trap-bound.ini", "[experiment]\nname = trap\n[workload s]\n"
	                          "trace = traces/samples/aa-syscall.vlt\nper = 1000\n"
	                          "[system x86]\nmodel = trapemu\n[system n]\nmodel = native\n"
	                          "[reference near]\nworkload = s\nsystem = n\n"
	                          "metric = cycles_per_op\nvalue = 250\nbound = 4%\n"
	                          "[reference far]\nworkload = s\nsystem = n\n"
	                          "metric = cycles_per_op\nvalue = 250\nbound = 3%\n"
	                          "[reference free]\nworkload = s\nsystem = n\n"
	                          "metric = cycles_per_op\nvalue = 500\n");
	snprintf(args, sizeof(args), "experiment check %s --db %s", bnd, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 1);
	T_ASSERT_STR_CONTAINS(out, "pass  reference near: s/n cycles_per_op\n      simulated 242, "
	                      "published 250 : error -3.2% (bound 4%)\n");
	T_ASSERT_STR_CONTAINS(out, "FAIL  reference far:");
	CU_ASSERT_PTR_NULL(strstr(out, "reference free"));
	T_ASSERT_STR_CONTAINS(out, "1 passed, 1 failed\n");
	const char *badb = t_write("trap-badbound.ini", "[experiment]\nname = trap\n[workload s]\n"
	                           "trace = traces/samples/aa-syscall.vlt\n[system n]\n"
	                           "model = native\n[reference r]\nworkload = s\nsystem = n\n"
	                           "metric = cycles_per_op\nvalue = 250\nbound = 0.04\n");
	snprintf(args, sizeof(args), "experiment check %s --db %s", badb, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "trap-badbound.ini:12: [reference r] bound: '0.04': expected a "
	                      "percentage");
	snprintf(args, sizeof(args), "experiment run %s --param sycall=5 --db %s", ini, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "--param sycall: no system of experiment 'trap' has this parameter");
}

static void test_cli_install_and_plugin(void)
{
	/* tests/install.sh: make install into a DESTDIR, a plugin built with the
	 * installed headers through pkg-config, the installed binary, man page and
	 * completion, make uninstall; the same build as the suite's binary */
	const char *bin = getenv("VIRTLAB");
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "sh tests/install.sh%s 2>&1",
	         bin && strstr(bin, "build/san/") ? " SANITIZE=1" : "");
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	out[fread(out, 1, sizeof(out) - 1, p)] = '\0';
	int st = pclose(p);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	if (st != 0)
		fprintf(stderr, "\n  %s", out);
	CU_ASSERT_EQUAL(st, 0);
}

/* What the install test builds a plugin with. */
static const char *needs_pkg_config(void)
{
	return system("command -v pkg-config >/dev/null 2>&1 && command -v cc >/dev/null 2>&1")
	       ? "pkg-config or cc not installed (Debian: pkg-config gcc)" : NULL;
}

static void test_cli_docs_as_shown(void)
{
	/* tests/docs.sh quick: README's and docs/' console blocks, output compared;
	 * the slow and sh blocks are run by `make test-docs` (said on stderr) */
	const char *bin = getenv("VIRTLAB");
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "sh tests/docs.sh '%s' quick 2>&1", bin ? bin : "./virtlab");
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	out[fread(out, 1, sizeof(out) - 1, p)] = '\0';
	int st = pclose(p);
	fprintf(stderr, "\n  %s", strstr(out, "docs: ") ? out : "docs.sh printed nothing\n");
	CU_ASSERT_EQUAL(WIFEXITED(st) ? WEXITSTATUS(st) : -1, 0);
	T_ASSERT_STR_CONTAINS(out, " 0 differ");
}

static void test_cli_export_wide(void)
{
	/* one row a run: identity from the label, parameters, metrics, mechanisms */
	char args[1024];
	const char *db = t_path("wide.db"), *units = t_path("wide-units.csv");
	const char *ini = t_write("wide.ini", "[experiment]\nname = wide\n[workload s]\n"
	                          "trace = traces/samples/aa-syscall.vlt\nper = 1000\n"
	                          "[system n]\nmodel = native\n[system v]\nmodel = hwassist\n"
	                          "[sweep e]\nsystem = v\nparam = exit_reads\nvalues = 2 5\n");

	unlink(db);
	snprintf(args, sizeof(args), "experiment run %s --db %s", ini, db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "export --db %s --wide --units %s 2>/dev/null", db, units);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(t_count(out, "\n"), 1 + 3); /* header and three runs */
	T_ASSERT_STR_CONTAINS(out, "run,experiment,workload,system,point,replication,model,");
	T_ASSERT_STR_CONTAINS(out, ",param.hwassist.exit_reads,");
	T_ASSERT_STR_CONTAINS(out, ",mech.direct,");
	T_ASSERT_STR_CONTAINS(out, ",wide,s,v,exit_reads=5,0,hwassist,");
	T_ASSERT_STR_CONTAINS(out, ",wide,s,n,,0,native,");
	FILE *f = fopen(units, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	char u[1 << 14];
	u[fread(u, 1, sizeof(u) - 1, f)] = '\0';
	fclose(f);
	T_ASSERT_STR_CONTAINS(u, "column,unit\nrun,\n");
	T_ASSERT_STR_CONTAINS(u, "\nsim_seconds,s\n");
	T_ASSERT_STR_CONTAINS(u, "\nslowdown,ratio\n");
	T_ASSERT_STR_CONTAINS(u, "\nmech.direct,cycles\n");
	/* JSON: the units, then one object a run, absent values null */
	snprintf(args, sizeof(args), "export --db %s --wide --format json --run 1", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "{\"units\": {\"run\": \"\", ");
	T_ASSERT_STR_CONTAINS(out, "\"runs\": [\n  {\"run\": 1, \"experiment\": \"wide\", ");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "export --units x.csv"), 2);
	T_ASSERT_STR_CONTAINS(out, "--units goes with --wide");

	/* the experiment's summaries: one row per (workload, system, point, metric) */
	snprintf(args, sizeof(args), "export --db %s --summary --experiment wide", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "experiment,workload,system,point,metric,n,mean,sd,ci_lo,ci_hi\n");
	T_ASSERT_STR_CONTAINS(out, "\nwide,s,n,,slowdown,1,1,0,1,1\n");
	T_ASSERT_STR_CONTAINS(out, "\nwide,s,v,exit_reads=2,");
	snprintf(args, sizeof(args), "export --db %s --summary --format json", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "{\"experiment\": \"wide\", \"workload\": \"s\", \"system\": "
	                           "\"n\", \"point\": \"\", \"metric\": ");
	snprintf(args, sizeof(args), "export --db %s --summary --experiment other", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "no summaries of that experiment");
	snprintf(args, sizeof(args), "export --db %s --plan all", db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "no capacity plans in this database");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "export --summary --wide"), 2);
	T_ASSERT_STR_CONTAINS(out, "one of --wide, --summary and --plan");
}

/* ---- the progress display and the JSON writer (util/) ---- */

static void test_cli_progress_text(void)
{
	char b[128];

	/* no total: count and rate, no ETA */
	T_ASSERT_STR_CONTAINS(vl_progress_format(b, sizeof(b), 2500000, 0, 2, "events"),
	                      "2.50M events  1.25M events/s");
	CU_ASSERT_PTR_NULL(strstr(b, "ETA"));
	/* before a second has passed, one quick item gives no rate and no ETA */
	CU_ASSERT_STRING_EQUAL(vl_progress_format(b, sizeof(b), 1, 9, 0.01, "runs"),
	                       "1/9 runs (11%)  -- runs/s  ETA --");
	/* 50 of 200 in 10 s: 5 a second, 150 left, 30 s */
	CU_ASSERT_STRING_EQUAL(vl_progress_format(b, sizeof(b), 50, 200, 10, "runs"),
	                       "50/200 runs (25%)  5 runs/s  ETA 0:30");
	/* done: the time it took, never a negative ETA, also past the total */
	CU_ASSERT_STRING_EQUAL(vl_progress_format(b, sizeof(b), 12, 10, 65, "runs"),
	                       "10/10 runs (100%) in 1:05  0.18 runs/s");
	CU_ASSERT_STRING_EQUAL(vl_progress_eta(b, sizeof(b), 3725), "1:02:05");
	CU_ASSERT_STRING_EQUAL(vl_progress_eta(b, sizeof(b), -1), "--");
	CU_ASSERT_STRING_EQUAL(vl_progress_eta(b, sizeof(b), 1e12), "--");
	CU_ASSERT_STRING_EQUAL(vl_progress_eta(b, sizeof(b), 0.0 / 0.0), "--");
}

/* What a terminal shows after text: the last line, with \r going back to its start. */
static void screen(const char *text, char *line, size_t len)
{
	size_t col = 0, end = 0;

	memset(line, 0, len);
	for (; *text; text++) {
		if (*text == '\r') {
			col = 0;
		} else if (*text == '\n') {
			col = end = 0;
			memset(line, 0, len);
		} else if (col + 1 < len) {
			line[col++] = *text;
			end = col > end ? col : end;
		}
	}
	line[end] = '\0';
}

static void test_cli_progress_redraw_and_erase(void)
{
	char *buf = NULL, line[512];
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct vl_progress p;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	vl_progress_init(&p, f, "runs", 1000, VL_PROGRESS_TTY);
	/* a thousand updates in 0.25 s: drawn at most every 0.1 s, and the last */
	for (unsigned i = 1; i <= 1000; i++)
		vl_progress_update_at(&p, i, 0.25 * i / 1000);
	fflush(f);
	CU_ASSERT(t_count(buf, "\r") <= 2 * 4);
	screen(buf, line, sizeof(line));
	CU_ASSERT_STRING_EQUAL(line, "1000/1000 runs (100%) in 0:00  -- runs/s");
	/* a line of its own goes above the display; the end leaves nothing behind */
	vl_progress_update_at(&p, 10, 5);
	vl_progress_line(&p, "a line");
	vl_progress_update_at(&p, 20, 6);
	vl_progress_end(&p);
	fflush(f);
	T_ASSERT_STR_CONTAINS(buf, "a line\n");
	screen(buf, line, sizeof(line));
	for (const char *c = line; *c; c++)
		CU_ASSERT_EQUAL(*c, ' ');
	fclose(f);
	free(buf);

	/* not on a terminal: plain lines, a second apart at least, the last one always */
	buf = NULL;
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	vl_progress_init(&p, f, "runs", 100, VL_PROGRESS_FILE | VL_PROGRESS_LINES);
	for (unsigned i = 1; i <= 100; i++)
		vl_progress_update_at(&p, i, 0.1 * i);
	vl_progress_end(&p);
	fclose(f);
	CU_ASSERT_PTR_NULL(strchr(buf, '\r'));
	CU_ASSERT(t_count(buf, "\n") >= 5 && t_count(buf, "\n") <= 11);
	T_ASSERT_STR_CONTAINS(buf, "100/100 runs (100%) in 0:10  10 runs/s\n");
	free(buf);

	/* quiet: nothing, whatever happens */
	buf = NULL;
	f = open_memstream(&buf, &len);
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	vl_progress_init(&p, f, "runs", 10, VL_PROGRESS_QUIET | VL_PROGRESS_TTY);
	vl_progress_update_at(&p, 10, 3);
	vl_progress_line(&p, "hidden");
	vl_progress_end(&p);
	fclose(f);
	CU_ASSERT_EQUAL(len, 0);
	free(buf);
}

static void test_cli_json_writer(void)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct vl_json j;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	vl_json_init(&j, f);
	vl_json_object(&j, NULL);
	vl_json_str(&j, "s", "say \"hi\"\\ \n\t\x01 caf\xc3\xa9 bad\xff!");
	vl_json_num(&j, "x", 0.1);
	vl_json_num(&j, "nan", 0.0 / 0.0);
	vl_json_int(&j, "i", -3);
	vl_json_array(&j, "a");
	vl_json_bool(&j, NULL, 1);
	vl_json_null(&j, NULL);
	vl_json_end(&j);
	vl_json_object(&j, "empty");
	vl_json_end(&j);
	vl_json_str(&j, "none", NULL);
	vl_json_end(&j);
	fclose(f);
	CU_ASSERT_STRING_EQUAL(buf, "{\n"
	                       "  \"s\": \"say \\\"hi\\\"\\\\ \\n\\t\\u0001 caf\xc3\xa9 bad\\ufffd!\",\n"
	                       "  \"x\": 0.1,\n"
	                       "  \"nan\": null,\n"
	                       "  \"i\": -3,\n"
	                       "  \"a\": [\n"
	                       "    true,\n"
	                       "    null\n"
	                       "  ],\n"
	                       "  \"empty\": {},\n"
	                       "  \"none\": null\n"
	                       "}\n");
	free(buf);
}

/* ---- --json and --quiet of experiment run, plan, calibrate, validate ---- */

static const char *needs_python3(void)
{
	return system("python3 -c 'import json' >/dev/null 2>&1")
	       ? "python3 not installed (Debian: python3), which parses the --json output" : NULL;
}

static char err_out[65536];

/*
 * Runs virtlab ARGS with standard output into NAME.json and standard error
 * into err_out; then, when it succeeded, prints the Python expression expr
 * of the parsed document d into out. Returns virtlab's exit status, or -2
 * when the output is not JSON.
 */
static int run_json(const char *name, const char *args, const char *expr)
{
	const char *bin = getenv("VIRTLAB");
	char json[512], errf[520], cmd[8192];

	snprintf(json, sizeof(json), "%s", t_path(name));
	snprintf(errf, sizeof(errf), "%s.err", json);
	snprintf(cmd, sizeof(cmd), "%s %s > '%s' 2> '%s'", bin ? bin : "./virtlab", args, json, errf);
	int st = system(cmd);
	st = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	FILE *f = fopen(errf, "r");
	err_out[f ? fread(err_out, 1, sizeof(err_out) - 1, f) : 0] = '\0';
	if (f)
		fclose(f);
	out[0] = '\0';
	if (st)
		return st;
	snprintf(cmd, sizeof(cmd), "python3 -c 'import json, sys; d = json.load(open(sys.argv[1])); "
	         "print(%s)' '%s' 2>&1", expr, json);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	out[fread(out, 1, sizeof(out) - 1, p)] = '\0';
	int pst = pclose(p);
	if (!WIFEXITED(pst) || WEXITSTATUS(pst)) {
		fprintf(stderr, "\n  %s: not the JSON expected: %s", name, out);
		return -2;
	}
	return 0;
}

static void test_cli_experiment_json_quiet(void)
{
	char args[1024];
	const char *db = t_path("json-exp.db");
	const char *ini = t_write("json-exp.ini", trap_ini);

	unlink(db);
	snprintf(args, sizeof(args), "experiment run %s --db %s --json", ini, db);
	CU_ASSERT_EQUAL(run_json("exp.json", args, "d[\"experiment\"], d[\"runs\"][\"total\"], "
	                         "d[\"runs\"][\"run\"], d[\"runs\"][\"kept\"], d[\"jobs\"], d[\"shard\"], "
	                         "d[\"db\"].endswith(\"json-exp.db\")"), 0);
	CU_ASSERT_STRING_EQUAL(out, "trap 2 2 0 1 None True\n");
	CU_ASSERT_STRING_EQUAL(err_out, ""); /* no progress, no chatter */
	/* resumed: the runs are kept, none run again */
	snprintf(args, sizeof(args), "experiment run %s --db %s --resume --json --jobs 2", ini, db);
	CU_ASSERT_EQUAL(run_json("exp2.json", args, "d[\"runs\"], d[\"jobs\"]"), 0);
	CU_ASSERT_STRING_EQUAL(out, "{'total': 2, 'run': 0, 'kept': 2} 2\n");
	CU_ASSERT_STRING_EQUAL(err_out, "");
	/* --quiet: the closing line and nothing else, not even "resuming" */
	snprintf(args, sizeof(args), "experiment run %s --db %s --resume -q", ini, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(t_count(out, "\n"), 1);
	T_ASSERT_STR_CONTAINS(out, "experiment trap: results in ");
	snprintf(args, sizeof(args), "experiment run %s --db %s --resume", ini, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "resuming: 2 runs already done, 0 to go\n");
}

static void test_cli_plan_json_quiet(void)
{
	char args[1024], text[1024];
	const char *db = t_path("json-plan.db"), *dir = t_path("json-plan");
	/* a title that needs escaping in JSON */
	snprintf(text, sizeof(text), "[plan]\nname = jp\ntitle = a \"quoted\" \\ title\noutput = %s\n"
	         "replications = 1\nduration_s = 0.3\nwarmup_s = 0.05\ncount = 1,2\n"
	         "[guest w]\nworkload = exp:1\nrate = 100\n[technique native]\nmodel = native\n", dir);
	const char *ini = t_write("json-plan.ini", text);

	unlink(db);
	/* two workers: each run's line reaches the parent, which prints it */
	snprintf(args, sizeof(args), "plan %s --db %s --jobs 2", ini, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(t_count(out, " rep 0: "), 2);
	T_ASSERT_STR_CONTAINS(out, "\n  native     ");
	snprintf(args, sizeof(args), "plan %s --db %s --fresh --jobs 2 --json", ini, db);
	CU_ASSERT_EQUAL(run_json("plan.json", args, "d[\"plan\"], d[\"title\"], len(d[\"answers\"]), "
	                         "d[\"answers\"][0][\"technique\"], d[\"answers\"][0][\"fit\"], "
	                         "d[\"answers\"][0][\"slowdown\"] > 0, sorted(d[\"targets\"]), "
	                         "d[\"mix\"], d[\"report\"].endswith(\"json-plan/index.html\")"), 0);
	CU_ASSERT_STRING_EQUAL(out, "jp a \"quoted\" \\ title 1 native 2 True ['max_p99_ms', "
	                       "'max_slowdown'] [{'kind': 'w', 'share': 1}] True\n");
	CU_ASSERT_STRING_EQUAL(err_out, "");
	snprintf(args, sizeof(args), "plan %s --db %s --report-only --quiet", ini, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "plan jp: native 2");
	CU_ASSERT_EQUAL(t_count(out, "\n"), 1);
}

static void test_cli_calibrate_validate_json(void)
{
	char args[2048];
	const char *db = t_path("json-cal.db"), *prof = t_path("json-this-host.ini");
	const char *dir = t_path("json-validate");

	/* native only, as test_validate_cli: the same on every host */
	setenv("VIRTLAB_PRETEND_ABSENT", "kvm,userns,qemu,cgroup,aarch64", 1);
	snprintf(args, sizeof(args), "calibrate --quick --backend native --db '%s' --profile-out '%s' "
	         "--quiet", db, prof);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(t_count(out, "\n"), 1);
	T_ASSERT_STR_CONTAINS(out, "calibration ");
	T_ASSERT_STR_CONTAINS(out, "json-this-host.ini\n");
	snprintf(args, sizeof(args), "validate --quick --backend native --db '%s' --out '%s' --json",
	         db, dir);
	/* the calibration as calibrate --json has it, then the validation */
	CU_ASSERT_EQUAL(run_json("val.json", args, "len(d[\"validation\"]), sorted(d[\"validation\"][0]), "
	                         "\"container\" in [s[\"env\"] for s in d[\"not_run\"]], "
	                         "d[\"plot\"] in (True, False), d[\"calibration\"] >= 2, "
	                         "d[\"out\"].endswith(\"json-validate\"), d[\"calibrate\"][\"kvm\"], "
	                         "d[\"calibrate\"][\"quick\"], \"syscall\" in [m[\"bench\"] for m in "
	                         "d[\"calibrate\"][\"microbenchmarks\"]], all(m[\"median_ns\"] > 0 for m "
	                         "in d[\"calibrate\"][\"microbenchmarks\"])"), 0);
	CU_ASSERT_STRING_EQUAL(out, "5 ['env', 'error', 'fitted', 'measured', 'model', 'predicted', "
	                       "'unit', 'workload'] True True True True None True True True\n");
	CU_ASSERT_STRING_EQUAL(err_out, "");
	unsetenv("VIRTLAB_PRETEND_ABSENT");
}

/* ---- the notebook of docs/notebooks/, run headless ---- */

/*
 * Jupyter's nbconvert, and pandas and matplotlib in the python it runs (its
 * own interpreter, from its #! line, is the one its native kernel runs).
 */
static const char *needs_jupyter(void)
{
	if (t_release_only())
		return t_release_only();
	if (system("jupyter nbconvert --version >/dev/null 2>&1"))
		return "jupyter nbconvert not installed (Debian: jupyter-nbconvert python3-ipykernel)";
	if (system("py=$(sed -n '1s/^#! *//p' \"$(command -v jupyter)\") && "
	           "$py -c 'import ipykernel, pandas, matplotlib' >/dev/null 2>&1"))
		return "no ipykernel, pandas or matplotlib in Jupyter's python (Debian: python3-ipykernel "
		       "python3-pandas python3-matplotlib)";
	return NULL;
}

static void test_cli_notebook_lab1(void)
{
	/* lab 1's results, then the notebook on them: its table, its plot */
	char args[2048];
	const char *db = t_path("nb-lab1.db"), *dir = t_path("nb");

	unlink(db);
	snprintf(args, sizeof(args), "experiment run experiments/labs/1-virtualizability.ini "
	         "--db '%s' --jobs 2 --quiet", db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	/* generous timeouts: a kernel starts slowly on a loaded machine */
	snprintf(args, sizeof(args), "VIRTLAB_DB='%s' jupyter nbconvert --to notebook --execute "
	         "--ExecutePreprocessor.startup_timeout=600 --ExecutePreprocessor.timeout=600 "
	         "docs/notebooks/lab1.ipynb --output-dir '%s' --output lab1-run > '%s.log' 2>&1",
	         db, dir, dir);
	int st = system(args);
	if (st) {
		snprintf(args, sizeof(args), "tail -n 20 '%s.log' >&2", dir);
		CU_ASSERT_EQUAL(system(args), 0);
	}
	CU_ASSERT_EQUAL_FATAL(st, 0);
	snprintf(args, sizeof(args), "%s/lab1-run.ipynb", dir);
	FILE *f = fopen(args, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	static char nb[1 << 20];
	nb[fread(nb, 1, sizeof(nb) - 1, f)] = '\0';
	fclose(f);
	T_ASSERT_STR_CONTAINS(nb, "3 workloads x 3 systems");
	T_ASSERT_STR_CONTAINS(nb, "notebook-slowdown.png");
	CU_ASSERT_PTR_NULL(strstr(nb, "\"output_type\": \"error\""));
	/* the plot, beside the database */
	snprintf(args, sizeof(args), "%s", db);
	snprintf(strrchr(args, '/') + 1, sizeof(args) - (size_t)(strrchr(args, '/') + 1 - args),
	         "notebook-slowdown.png");
	f = fopen(args, "rb");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	unsigned char png[8] = {0};
	CU_ASSERT_EQUAL(fread(png, 1, 8, f), 8);
	fclose(f);
	CU_ASSERT_EQUAL(memcmp(png, "\x89PNG\r\n\x1a\n", 8), 0);
}

/*
 * make validate-published: every paper experiment whose predicted references
 * carry a bound, run, and each error within its bound; a paper with bounds
 * is found (Adams & Agesen's), and its lines say so.
 */
static void test_cli_published_bounds(void)
{
	static char text[1 << 16];
	const char *bin = getenv("VIRTLAB");
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "sh scripts/validate-published.sh %s > %s 2>&1",
	         bin ? bin : "./virtlab", t_path("published.txt"));
	int st = system(cmd);
	FILE *f = fopen(t_path("published.txt"), "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	text[fread(text, 1, sizeof(text) - 1, f)] = '\0';
	fclose(f);
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "\n%s\n", text);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	T_ASSERT_STR_CONTAINS(text, "== experiments/papers/adams-agesen-2006.ini\n");
	T_ASSERT_STR_CONTAINS(text, "pass  reference forkwait-bt:");
	CU_ASSERT_PTR_NULL(strstr(text, "FAIL"));
}

static const char *release_only(void)
{
	return t_release_only();
}

void suite_cli(void)
{
	static const struct t_case cases[] = {
		{"cli_help_everywhere", test_cli_help_everywhere},
		{"cli_run_records_and_lists", test_cli_run_records_and_lists},
		{"cli_bad_trace_exit_2", test_cli_bad_trace_exit_2},
		{"cli_unknown_names_exit_2", test_cli_unknown_names_exit_2},
		{"cli_unwritable_db_exit_1", test_cli_unwritable_db_exit_1},
		{"cli_trace_convert_cat_stats", test_cli_trace_convert_cat_stats},
		{"cli_models", test_cli_models},
		{"cli_model_readmes_match_tables", test_cli_model_readmes_match_tables},
		{"cli_model_plugin", test_cli_model_plugin},
		{"cli_experiment_param", test_cli_experiment_param},
		{"cli_export_wide", test_cli_export_wide},
		{"cli_progress_text", test_cli_progress_text},
		{"cli_progress_redraw_and_erase", test_cli_progress_redraw_and_erase},
		{"cli_json_writer", test_cli_json_writer},
		{"cli_experiment_json_quiet", test_cli_experiment_json_quiet, needs_python3},
		{"cli_plan_json_quiet", test_cli_plan_json_quiet, needs_python3},
		{"cli_calibrate_validate_json", test_cli_calibrate_validate_json, needs_python3},
		{"cli_notebook_lab1", test_cli_notebook_lab1, needs_jupyter},
		{"cli_install_and_plugin", test_cli_install_and_plugin, needs_pkg_config},
		{"cli_docs_as_shown", test_cli_docs_as_shown},
		{"cli_published_bounds", test_cli_published_bounds, release_only},
		{NULL, NULL},
	};
	t_add_suite("cli", cases);
}
