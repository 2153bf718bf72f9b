/*
 * The virtlab command as a user meets it: help for every command, bad input
 * with one clear message and exit status 2, the database untouched.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/util.h"

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
	 * hello.vlt under the example plugin: native 21645 plus one 1000-cycle
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
	                           "version 0; this virtlab speaks versions 2 to 3");
	/* one of version 2, whose table ends before the memory hook, loads and runs:
	 * native's 21645 cycles of hello.vlt */
	snprintf(args, sizeof(args),
	         "run --model-path %s/v2.so -m oldnative -t traces/samples/hello.vlt --no-db", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "model       oldnative");
	T_ASSERT_STR_CONTAINS(out, "direct                   21,645");
	/* so is a shared object that is not a plugin, and a missing file */
	snprintf(args, sizeof(args),
	         "run --model-path %s/not-a-plugin.so -m x -t traces/samples/hello.vlt --no-db", dir);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "not a virtlab model plugin");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "run --model-path /nonexistent.so -m x "
	                          "-t traces/samples/hello.vlt --no-db"), 2);
	T_ASSERT_STR_CONTAINS(out, "/nonexistent.so: cannot load the model plugin");
}

static void test_cli_experiment_param(void)
{
	/* lab 1's -P trap=500: every system with a trap parameter, recorded */
	char args[1024];
	const char *db = t_path("lab1-trap.db");
	const char *ini = t_write("trap.ini", "[experiment]\nname = trap\n[workload s]\n"
	                          "trace = traces/samples/aa-syscall.vlt\nper = 1000\n"
	                          "[system x86]\nmodel = trapemu\n[system n]\nmodel = native\n");

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
		{"cli_install_and_plugin", test_cli_install_and_plugin, needs_pkg_config},
		{"cli_docs_as_shown", test_cli_docs_as_shown},
		{NULL, NULL},
	};
	t_add_suite("cli", cases);
}
