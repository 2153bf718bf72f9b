/*
 * Capacity planning: the host simulation against queueing theory, the
 * credit scheduler's weights and caps, memory fit, switch charges, plan
 * files, and sweeps split into shards and merged (by hand, by GNU parallel,
 * and as a Slurm job array).
 */
#include <math.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "experiments/capacity.h"
#include "experiments/experiment.h"
#include "experiments/runner.h"
#include "sim/registry.h"
#include "tests/util.h"

static struct vl_cap_plan *plan(const char *text)
{
	struct vl_cap_plan *p = NULL;
	struct vl_err err = {0};
	if (vl_cap_parse(&p, text, "test.ini", &err))
		fprintf(stderr, "\n  %s\n", err.msg);
	return p;
}

static void test_erlang_c_formula(void)
{
	/* c = 4, a = 3: P(wait) = (81/24 * 4) / (1 + 3 + 9/2 + 27/6 + 81/24 * 4) = 27/53 */
	CU_ASSERT_DOUBLE_EQUAL(vl_erlang_c(4, 300, 100), 27.0 / 53, 1e-12);
	CU_ASSERT_DOUBLE_EQUAL(vl_erlang_c_wait(4, 300, 100), 27.0 / 53 / 100, 1e-12);
	/* c = 1 is M/M/1: P(wait) = rho, Wq = rho / (mu - lambda) */
	CU_ASSERT_DOUBLE_EQUAL(vl_erlang_c(1, 70, 100), 0.7, 1e-12);
	CU_ASSERT(isinf(vl_erlang_c_wait(2, 250, 100)));
}

static const char mmc_fmt[] =
	"[plan]\nname = mmc\nreplications = 1\nduration_s = 40\nwarmup_s = 4\ncount = 1\n"
	"[host]\npcpus = %u\nclock_hz = 3G\nprofile = modern\n"
	"[guest s]\nworkload = exp:10\nvcpus = %u\nrate = %g\nmemory_mb = 256\n"
	"[technique native]\nmodel = native\n";

/* Mean waits over replications of M/M/c; returns the 95% interval. */
static int mmc(unsigned c, double lambda, double *lo, double *hi, int *stable)
{
	char text[1024];
	struct vl_cap_ctx *ctx;
	struct vl_err err = {0};
	struct vl_cap_result r;
	double w[12], mean, sd;

	snprintf(text, sizeof(text), mmc_fmt, c, c, lambda);
	struct vl_cap_plan *p = plan(text);
	if (!p || vl_cap_ctx_new(&ctx, p, &err))
		return -1;
	*stable = 1;
	for (unsigned rep = 0; rep < 12; rep++) {
		if (vl_cap_simulate(ctx, 0, 1, rep, &r, &err))
			return -1;
		w[rep] = r.kind[0].wait_ms / 1e3;
		*stable &= r.stable;
	}
	vl_stats(w, 12, &mean, &sd, lo, hi);
	vl_cap_ctx_free(ctx);
	vl_cap_free(p);
	return 0;
}

/* Poisson arrivals, exponential service, c CPUs: the mean wait is Erlang C's. */
static void test_mmc_matches_erlang_c(void)
{
	static const struct {
		unsigned c;
		double lambda;
	} cases[] = {{1, 70}, {2, 160}, {4, 320}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		double lo, hi, want = vl_erlang_c_wait(cases[i].c, cases[i].lambda, 100);
		int stable;
		CU_ASSERT_EQUAL_FATAL(mmc(cases[i].c, cases[i].lambda, &lo, &hi, &stable), 0);
		if (!(want >= lo && want <= hi))
			fprintf(stderr, "\n  M/M/%u lambda %g: Erlang C %.5f s outside [%.5f, %.5f]\n",
			        cases[i].c, cases[i].lambda, want, lo, hi);
		CU_ASSERT(want >= lo && want <= hi);
		CU_ASSERT(stable);
	}
}

/* More work than the CPUs can do: unstable, not a number. */
static void test_overload_unstable(void)
{
	double lo, hi;
	int stable;

	CU_ASSERT_EQUAL_FATAL(mmc(2, 240, &lo, &hi, &stable), 0);
	CU_ASSERT_FALSE(stable);
}

static const char sched_text[] =
	"[plan]\nname = sched\nreplications = 1\nduration_s = 3\nwarmup_s = 0.3\ncount = 1\n"
	"[host]\npcpus = 2\nclock_hz = 3G\nprofile = modern\nmemory_gb = 64\n"
	"[guest heavy]\nworkload = exp:2\nvcpus = 2\nrate = 0\nweight = 512\n"
	"[guest light]\nworkload = exp:2\nvcpus = 2\nrate = 0\nweight = 256\n"
	"[technique native]\nmodel = native\n";

/* A saturated host shares by weight; switches between guests are charged. */
static void test_credit_weights(void)
{
	struct vl_cap_plan *p = plan(sched_text);
	struct vl_cap_ctx *ctx;
	struct vl_err err = {0};
	struct vl_cap_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(vl_cap_ctx_new(&ctx, p, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 1, 0, &r, &err), 0);
	/*
	 * The scheduler deals CPU time by weight: 2:1, to the cycle on the core
	 * (credits of 20 and 10 ms per vCPU per 30 ms period, 10 ms slices). Jobs
	 * done follow, with the noise of counting exponential jobs (about 1,800
	 * and 900 in 2.7 s: a standard deviation of about 0.1 in the ratio).
	 */
	double cpu = (double)r.kind[0].cpu_cycles / (double)r.kind[1].cpu_cycles;
	double ratio = r.kind[0].throughput / r.kind[1].throughput;
	if (fabs(cpu - 2) > 0.01 || fabs(ratio - 2) > 0.25)
		fprintf(stderr, "\n  weights 512:256 gave CPU %.4f:1, throughput %.3f:1\n", cpu, ratio);
	CU_ASSERT(fabs(cpu - 2) <= 0.01);
	CU_ASSERT(fabs(ratio - 2) <= 0.25);
	CU_ASSERT(r.cpu_util > 0.99);
	/* native's switch cost is the host's context switch: nothing else is overhead */
	CU_ASSERT(r.kind[0].overhead_s > 0 && r.kind[1].overhead_s > 0);
	CU_ASSERT(r.kind[1].steal_s > r.kind[0].steal_s);
	vl_cap_ctx_free(ctx);
	vl_cap_free(p);
}

/* A cap holds a guest back even on an idle host. */
static void test_credit_cap(void)
{
	struct vl_cap_plan *p = plan(
		"[plan]\nname = cap\nreplications = 1\nduration_s = 3\nwarmup_s = 0.3\ncount = 1\n"
		"[host]\npcpus = 4\nclock_hz = 3G\nprofile = modern\n"
		"[guest capped]\nworkload = exp:1\nvcpus = 2\nrate = 0\ncap = 50\n"
		"[technique native]\nmodel = native\n");
	struct vl_cap_ctx *ctx;
	struct vl_err err = {0};
	struct vl_cap_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(vl_cap_ctx_new(&ctx, p, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 1, 0, &r, &err), 0);
	/* half a CPU of four: 12.5% of the host, whatever the two vCPUs want */
	if (fabs(r.cpu_util - 0.125) > 0.01)
		fprintf(stderr, "\n  cap 50%% used %.4f of the host\n", r.cpu_util);
	CU_ASSERT(fabs(r.cpu_util - 0.125) <= 0.01);
	CU_ASSERT_DOUBLE_EQUAL(r.kind[0].slowdown, 4, 0.4); /* 2 vCPUs of demand through 0.5 CPU */
	vl_cap_ctx_free(ctx);
	vl_cap_free(p);
}

static const char mem_fmt[] =
	"[plan]\nname = mem\nreplications = 1\nduration_s = 2\nwarmup_s = 0.2\ncount = 6\n"
	"[host]\npcpus = 8\nclock_hz = 3G\nprofile = modern\nmemory_mb = 4096\n"
	"memory_policy = %s\nguest_kernel_mb = 128\npage_sharing = 0\n"
	"[guest web]\nworkload = gen:net:1i\nvcpus = 1\nrate = 200\nmemory_mb = 768\n"
	"[technique vm]\nmodel = hwassist\nprofile = kvm\nmonitor_mb = 32\npt_fraction = 0\n";

/* Six 928 MB guests on 4 GB: refused past the fourth, or all admitted and swapping. */
static void test_memory_fit(void)
{
	char text[1024];
	struct vl_cap_ctx *ctx;
	struct vl_err err = {0};
	struct vl_cap_result r;

	snprintf(text, sizeof(text), mem_fmt, "refuse");
	struct vl_cap_plan *p = plan(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(vl_cap_ctx_new(&ctx, p, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 6, 0, &r, &err), 0);
	CU_ASSERT_EQUAL(r.guests, 6);
	CU_ASSERT_EQUAL(r.admitted, 4); /* 4 x (768 + 128 + 32) = 3712 <= 4096 < 4640 */
	CU_ASSERT_DOUBLE_EQUAL(r.memory_mb, 3712, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(r.disk_util, 0, 1e-12);
	vl_cap_ctx_free(ctx);
	vl_cap_free(p);

	snprintf(text, sizeof(text), mem_fmt, "swap");
	p = plan(text);
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(vl_cap_ctx_new(&ctx, p, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 6, 0, &r, &err), 0);
	CU_ASSERT_EQUAL(r.admitted, 6);
	CU_ASSERT(r.disk_util > 0); /* pages come back from swap */
	vl_cap_ctx_free(ctx);
	vl_cap_free(p);
}

/*
 * A monitor's limits (sim/model.h's max_vcpus and max_guests): ESX runs
 * 2-way guests at most, 64 on a host. 70 small guests that all fit in
 * memory: 64 admitted under vmware-esx-2006, all 70 under Workstation
 * (no limit); a 4-vCPU guest is refused under ESX with one error naming
 * the guest, the technique and the limit, and accepted under Workstation.
 */
static const char lim_fmt[] =
	"[plan]\nname = lim\nreplications = 1\nduration_s = 0.2\nwarmup_s = 0.05\ncount = 70\n"
	"[host]\npcpus = 8\nclock_hz = 3G\nprofile = modern\nmemory_gb = 64\n"
	"memory_policy = refuse\nguest_kernel_mb = 16\npage_sharing = 0\n"
	"[guest small]\nworkload = gen:cpu:1i\nvcpus = %u\nrate = 10\nmemory_mb = 64\n"
	"[technique vm]\nmodel = bt\nprofile = %s\nmonitor_mb = 8\npt_fraction = 0\n";

static void test_monitor_limits(void)
{
	static const struct {
		unsigned vcpus;
		const char *profile;
		int ctx_rc;
		unsigned admitted;
	} cases[] = {
		{1, "vmware-esx-2006", 0, 64},
		{1, "vmware-workstation", 0, 70},
		{4, "vmware-esx-2006", VL_EINVAL, 0},
		{4, "vmware-workstation", 0, 70},
	};
	char text[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vl_cap_ctx *ctx = NULL;
		struct vl_err err = {0};
		struct vl_cap_result r;
		snprintf(text, sizeof(text), lim_fmt, cases[i].vcpus, cases[i].profile);
		struct vl_cap_plan *p = plan(text);
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL(vl_cap_ctx_new(&ctx, p, &err), cases[i].ctx_rc);
		if (cases[i].ctx_rc) {
			T_ASSERT_STR_CONTAINS(err.msg, "[guest small] vcpus 4");
			T_ASSERT_STR_CONTAINS(err.msg, "at most 2 vCPUs (its max_vcpus)");
		} else if (ctx) {
			CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 70, 0, &r, &err), 0);
			CU_ASSERT_EQUAL(r.guests, 70);
			CU_ASSERT_EQUAL(r.admitted, cases[i].admitted);
		}
		vl_cap_ctx_free(ctx);
		vl_cap_free(p);
	}
}

/* Techniques differ in per-request demand and in memory. */
static void test_technique_costs(void)
{
	struct vl_cap_plan *p = plan(
		"[plan]\nname = tech\nreplications = 1\nduration_s = 1\nwarmup_s = 0.1\ncount = 1\n"
		"[host]\npcpus = 4\nprofile = modern\n"
		"[guest web]\nworkload = gen:net:1i\nrate = 100\nmemory_mb = 1000\n"
		"[technique container]\nmodel = container\n"
		"[technique bt]\nmodel = bt\n");
	struct vl_cap_ctx *ctx;
	struct vl_err err = {0};
	struct vl_cap_result rc, rb;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(vl_cap_ctx_new(&ctx, p, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 1, 0, &rc, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 1, 1, 0, &rb, &err), 0);
	CU_ASSERT(rb.kind[0].mean_ms > 2 * rc.kind[0].mean_ms); /* BT on a kernel-heavy server */
	/* a container has no guest kernel and a 1 MB footprint of its own; a VM 128 + 32 + 1% */
	CU_ASSERT_DOUBLE_EQUAL(rc.memory_mb, 1001, 1e-6);
	CU_ASSERT_DOUBLE_EQUAL(rb.memory_mb, 1000 + 128 + 32 + 10, 1e-6);
	vl_cap_ctx_free(ctx);
	vl_cap_free(p);
}

/*
 * One engine: a plan whose one guest serves one request, the trace
 * hello.vlt, costs the cycles `virtlab run` gives the trace under the same
 * model and host, plus what the core charges a guest of requests around it:
 * the interrupt that wakes its halted vCPU at the start and the HLT it
 * halts with when no request is left (neither has a finish charge). The
 * lifetime, 10 us from when the guest serves (a VM after 125 ms of
 * start-up, within the 0.2 s run), admits the one request and no second
 * (every request takes longer).
 */
static void test_single_guest_equals_run(void)
{
	static const struct {
		const char *model, *profile;
	} tech[] = {{"native", NULL}, {"bt", NULL}, {"hwassist", "kvm"}, {"hwassist", NULL},
	            {"paravirt", NULL}, {"container", NULL}, {"emulation", NULL}};
	for (size_t i = 0; i < sizeof(tech) / sizeof(tech[0]); i++) {
		char text[1024];
		snprintf(text, sizeof(text),
		         "[plan]\nname = one\nreplications = 1\nduration_s = 0.2\nwarmup_s = 0\n"
		         "count = 1\n[host]\npcpus = 1\nprofile = modern\n"
		         "[guest g]\nworkload = trace:traces/samples/hello.vlt\nrate = 0\n"
		         "lifetime_s = 0.00001\nmemory_mb = 256\n"
		         "[technique t]\nmodel = %s\n%s%s\n", tech[i].model,
		         tech[i].profile ? "profile = " : "", tech[i].profile ? tech[i].profile : "");
		struct vl_cap_plan *p = plan(text);
		struct vl_cap_ctx *ctx;
		struct vl_cap_result r;
		struct vl_err err = {0};
		CU_ASSERT_PTR_NOT_NULL_FATAL(p);
		CU_ASSERT_EQUAL_FATAL(vl_cap_ctx_new(&ctx, p, &err), 0);
		CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 1, 0, &r, &err), 0);
		CU_ASSERT_EQUAL(r.kind[0].completed, 1);

		struct vl_run_spec spec = {.trace = "traces/samples/hello.vlt",
		                           .model = vl_model_find(tech[i].model),
		                           .profile = tech[i].profile, .host = "modern", .seed = 1};
		struct vl_run_result res;
		memset(&res, 0, sizeof(res));
		CU_ASSERT_EQUAL_FATAL(vl_run(&spec, NULL, &res, &err), 0);
		const struct vl_breakdown *bd = &res.bd;
		uint64_t irq = 0, hlt = 0, finish = 0;
		for (int m = 0; m < VL_MECH__COUNT; m++) {
			irq += bd->cell[VL_EV_IRQ][m].cycles;
			hlt += bd->cell[VL_EV_HLT][m].cycles;
			finish += bd->cell[VL_ROW_FINISH][m].cycles;
		}
		CU_ASSERT_EQUAL_FATAL(bd->events[VL_EV_IRQ], 1); /* the disk's completion */
		CU_ASSERT_EQUAL_FATAL(bd->events[VL_EV_HLT], 1);
		CU_ASSERT_EQUAL(finish, 0);
		uint64_t want = bd->cycles + irq + hlt;
		if (r.kind[0].cpu_cycles != want)
			fprintf(stderr, "\n  %s: plan %llu cycles, run %llu + wake %llu + hlt %llu\n",
			        tech[i].model, (unsigned long long)r.kind[0].cpu_cycles,
			        (unsigned long long)bd->cycles, (unsigned long long)irq,
			        (unsigned long long)hlt);
		CU_ASSERT_EQUAL(r.kind[0].cpu_cycles, want);
		vl_run_result_release(&res);
		vl_cap_ctx_free(ctx);
		vl_cap_free(p);
	}
}

/* A model states its memory from its own parameters; a version-2 plugin states none. */
static void test_memory_from_models(void)
{
	static const struct {
		const char *model, *profile;
		double fixed_mb, per_guest_mb;
		int shared_kernel;
	} want[] = {
		{"native", NULL, 0, 0, 1},         {"container", NULL, 1, 0, 1},
		{"bt", NULL, 32, 0.01, 0},         {"hwassist", NULL, 32, 0.01, 0},
		{"hwassist", "kvm", 32, 0.002, 0}, {"paravirt", NULL, 4, 0.002, 0},
		{"emulation", NULL, 64, 0, 0},     {"trapemu", NULL, 32, 0.01, 0},
	};
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		struct vl_config c;
		struct vl_params prm;
		struct vl_memory m;
		struct vl_err err = {0};
		CU_ASSERT_EQUAL_FATAL(vl_config_resolve(&c, vl_model_find(want[i].model), want[i].profile,
		                                        NULL, NULL, 0, &err), 0);
		vl_config_params(&c, 1, &prm);
		vl_model_memory(c.model, &prm, &m);
		CU_ASSERT_DOUBLE_EQUAL(m.fixed_mb, want[i].fixed_mb, 1e-12);
		CU_ASSERT_DOUBLE_EQUAL(m.per_guest_mb, want[i].per_guest_mb, 1e-12);
		CU_ASSERT_EQUAL(m.shared_kernel, want[i].shared_kernel);
		vl_config_release(&c);
	}
	/* nested paging by parameter: EPT's tables, not shadow ones */
	struct vl_config c;
	struct vl_params prm;
	struct vl_memory m;
	struct vl_err err = {0};
	const struct vl_override nested = {"nested", 1};
	CU_ASSERT_EQUAL_FATAL(vl_config_resolve(&c, vl_model_find("hwassist"), NULL, NULL, &nested, 1,
	                                        &err), 0);
	vl_config_params(&c, 1, &prm);
	vl_model_memory(c.model, &prm, &m);
	CU_ASSERT_DOUBLE_EQUAL(m.per_guest_mb, 0.002, 1e-12);
	vl_config_release(&c);

	const char *dir = getenv("PLUGINS");
	const struct vl_model *old;
	char path[1024];
	CU_ASSERT_PTR_NOT_NULL_FATAL(dir);
	/* a plugin of interface version 2 (no memory hook, a smaller vl_nativecost) is
	 * refused rather than read past its table or its state */
	snprintf(path, sizeof(path), "%s/v2.so", dir);
	CU_ASSERT_EQUAL(vl_model_load(path, &old, &err), VL_EVERSION);
	T_ASSERT_STR_CONTAINS(err.msg, "rebuild it");
}

static void test_plan_parse_errors(void)
{
	static const struct {
		const char *text, *want;
	} bad[] = {
		{"[plan]\nname = x\ncount = 1\n[host]\npcpus = lots\n", "test.ini:5: [host] pcpus: 'lots' is not a number"},
		{"[plan]\nname = x\ncount = 4..2\n", "test.ini:3: [plan] count"},
		/* a step that would wrap the count around (a fuzzer's find) */
		{"[plan]\nname = x\ncount = 2..40step 23333333333333\n", "test.ini:3: [plan] count"},
		{"[plan]\nname = x\ncount = 2..40 step 4294967295\n", "test.ini:3: [plan] count"},
		{"[plan]\nname = x\ncount = 1\n[guest a]\nworkload = disk\n", "test.ini:5: [guest a] workload"},
		{"[plan]\nname = x\ncount = 1\n[technique t]\nmodel = vmware\n", "no model 'vmware'"},
		{"[plan]\nname = x\ncount = 1\n[guest a]\nworkload = exp:1\n", "no [technique NAME]"},
		{"[plan]\nname = x\ncount = 1\n[gust a]\nrate = 1\n", "test.ini:4: unknown section [gust a]"},
		{"[plan]\nname = x\ncount = 1\n[guest a]\nrate = 5\n[technique t]\nmodel = native\n", "[guest a] workload is missing"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct vl_cap_plan *p;
		struct vl_err err = {0};
		CU_ASSERT_EQUAL(vl_cap_parse(&p, bad[i].text, "test.ini", &err), VL_EINVAL);
		T_ASSERT_STR_CONTAINS(err.msg, bad[i].want);
	}
}

/* ---- shards ---- */

static const char shard_plan[] =
	"[plan]\nname = shardplan\nreplications = 2\nduration_s = 0.5\nwarmup_s = 0.05\n"
	"count = 1,2,3\nmax_slowdown = 5\n"
	"[host]\npcpus = 2\nprofile = modern\n"
	"[guest w]\nworkload = exp:1\nrate = 300\n"
	"[guest b]\nworkload = exp:2\nrate = 0\nweight = 128\n"
	"[technique native]\nmodel = native\n"
	"[technique c]\nmodel = container\n";

/* Every row a plan's runs identify themselves by, as one text. */
static char *rows(const char *db)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	size_t cap = 1 << 16, len = 0;
	char *out = malloc(cap);

	if (!out || sqlite3_open(db, &h) != SQLITE_OK)
		return out;
	out[0] = '\0';
	if (sqlite3_prepare_v2(h, "SELECT r.technique, r.count, r.replication, r.guests, r.admitted, "
	                       "r.stable, r.offered, r.cpu_util, r.slowdown, r.p99_ms, m.kind, m.metric, "
	                       "m.value FROM capacity_run r JOIN capacity_metric m ON m.run_id = r.id "
	                       "ORDER BY 1, 2, 3, 11, 12", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			char line[512];
			int n = snprintf(line, sizeof(line), "%s|%d|%d|%d|%d|%d|%.17g|%.17g|%.17g|%.17g|%s|%s|%.17g\n",
			                 sqlite3_column_text(st, 0), sqlite3_column_int(st, 1),
			                 sqlite3_column_int(st, 2), sqlite3_column_int(st, 3),
			                 sqlite3_column_int(st, 4), sqlite3_column_int(st, 5),
			                 sqlite3_column_double(st, 6), sqlite3_column_double(st, 7),
			                 sqlite3_column_double(st, 8), sqlite3_column_double(st, 9),
			                 sqlite3_column_text(st, 10), sqlite3_column_text(st, 11),
			                 sqlite3_column_double(st, 12));
			if (len + (size_t)n + 1 > cap) {
				cap *= 2;
				char *o = realloc(out, cap);
				if (!o)
					break;
				out = o;
			}
			memcpy(out + len, line, (size_t)n + 1);
			len += (size_t)n;
		}
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return out;
}

/* The plan rows of two databases are the same, and not trivially so. */
static void assert_same_rows(const char *db_a, const char *db_b)
{
	char *a = rows(db_a), *b = rows(db_b);

	CU_ASSERT(a && b && strlen(a) > 1000);
	if (a && b)
		CU_ASSERT_STRING_EQUAL(a, b);
	free(a);
	free(b);
}

static long count_rows(const char *db, const char *sql)
{
	sqlite3 *h;
	sqlite3_stmt *st;
	long n = -1;
	if (sqlite3_open(db, &h) != SQLITE_OK)
		return -1;
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		if (sqlite3_step(st) == SQLITE_ROW)
			n = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
	}
	sqlite3_close(h);
	return n;
}

static void test_shards_merge_equal_unsharded(void)
{
	static char out[65536];
	char args[4096];
	const char *f = t_write("shardplan.ini", shard_plan);
	const char *full = t_path("shard-full.db"), *merged = t_path("shard-merged.db");
	char sh[3][512];

	snprintf(args, sizeof(args), "plan '%s' --db '%s'", f, full);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "binding constraint");
	for (int i = 0; i < 3; i++) {
		char name[32];
		snprintf(name, sizeof(name), "shard-%d.db", i);
		snprintf(sh[i], sizeof(sh[i]), "%s", t_path(name));
		snprintf(args, sizeof(args), "plan '%s' --shard %d/3 --db '%s'", f, i, sh[i]);
		CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	}
	/* a missing shard is a gap */
	snprintf(args, sizeof(args), "merge '%s' '%s' '%s'", t_path("shard-gap.db"), sh[0], sh[1]);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 1);
	T_ASSERT_STR_CONTAINS(out, "missing run: plan shardplan");
	/* all of them, one twice: a duplicate, kept once */
	snprintf(args, sizeof(args), "merge '%s' '%s' '%s' '%s' '%s'", merged, sh[0], sh[1], sh[2], sh[1]);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "duplicate run shardplan|");
	T_ASSERT_STR_CONTAINS(out, "0 runs missing");
	assert_same_rows(full, merged);
	/* the merged database answers like the unsharded one */
	snprintf(args, sizeof(args), "plan '%s' --db '%s' --report-only", f, merged);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "binding constraint");
}

/* The answer as a page a browser shows: index.html with plan.md's tables, escaped. */
static void test_plan_html_report(void)
{
	static char out[65536], md[65536], html[65536];
	char args[4096], path[1024];
	const char *dir = t_path("htmlplan");
	char text[2048];

	snprintf(text, sizeof(text), "%.*s\ntitle = Web & batch <small>\noutput = %s\n%s",
	         (int)(strstr(shard_plan, "\n") - shard_plan), shard_plan, dir,
	         strstr(shard_plan, "\n") + 1);
	const char *f = t_write("htmlplan.ini", text);
	snprintf(args, sizeof(args), "plan '%s' --db '%s/r.db'", f, t_path(""));
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "/index.html and plan.md");
	snprintf(path, sizeof(path), "%s/plan.md", dir);
	FILE *m = fopen(path, "r");
	snprintf(path, sizeof(path), "%s/index.html", dir);
	FILE *h = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(m);
	CU_ASSERT_PTR_NOT_NULL_FATAL(h);
	md[fread(md, 1, sizeof(md) - 1, m)] = '\0';
	html[fread(html, 1, sizeof(html) - 1, h)] = '\0';
	fclose(m);
	fclose(h);
	T_ASSERT_STR_CONTAINS(html, "<!doctype html>");
	T_ASSERT_STR_CONTAINS(html, "<p>Web &amp; batch &lt;small&gt;</p>");
	T_ASSERT_STR_CONTAINS(md, "Web & batch \\<small\\>");
	T_ASSERT_STR_CONTAINS(html, "<a href=\"knee.svg\"><img src=\"knee.png\"");
	T_ASSERT_STR_CONTAINS(html, "<th>guests that fit</th>");
	/* every row of the answer and of the per-kind table is in both */
	unsigned md_rows = 0, html_rows = t_count(html, "<tr><td>");
	for (const char *l = md; (l = strstr(l, "\n| ")); l++)
		md_rows++;
	CU_ASSERT(html_rows >= 2 + 2);
	CU_ASSERT_EQUAL(md_rows, html_rows + 2); /* Markdown's two header rows */
	CU_ASSERT_EQUAL(t_count(html, "<table>"), 2);
	CU_ASSERT_EQUAL(t_count(html, "</table>"), 2);
	CU_ASSERT_PTR_NOT_NULL(strstr(html, "</body></html>\n"));

	/* the plan's runs exported, one value a row: 2 techniques x 3 counts x 2
	 * replications, each with its 13 host figures and its kinds' metrics */
	snprintf(args, sizeof(args), "export --plan shardplan --db '%s/r.db'", t_path(""));
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "plan,technique,count,replication,kind,metric,value\n");
	CU_ASSERT_EQUAL(t_count(out, ",host,cpu_util,"), 2 * 3 * 2);
	CU_ASSERT_EQUAL(t_count(out, ",host,"), 2 * 3 * 2 * 13);
	CU_ASSERT_EQUAL(t_count(out, ",w,throughput,"), 2 * 3 * 2);
	T_ASSERT_STR_CONTAINS(out, "\nshardplan,c,1,0,host,admitted,");
}

/*
 * A plan's [check] sections against its answer (native fits 2 with the CPUs
 * binding): each printed pass or FAIL with its operands,
 * then "N passed, N failed", exit 1 when one fails. Editing a check or a
 * comment keeps the runs; editing the plan does not, and says so.
 */
/* The completed requests of a kind in `export --plan` CSV, for a technique. */
static double completed(const char *csv, const char *tech)
{
	char want[128];
	snprintf(want, sizeof(want), "\nstartplan,%s,1,0,b,completed,", tech);
	const char *p = strstr(csv, want);
	return p ? atof(p + strlen(want)) : -1;
}

/*
 * A guest serves once its technique has brought it up (start_ms): a closed
 * loop measured from 0.05 s to 1 s completes about half as much when its
 * container takes 0.5 s to start (serving 0.5 s of the 0.95) as when it
 * starts at once; the model's own default, about a millisecond, costs
 * nothing visible.
 */
static void test_plan_start_up(void)
{
	static char out[1 << 16];
	char args[2048], db[1024];
	const char *f = t_write("startplan.ini",
		"[plan]\nname = startplan\nreplications = 1\nduration_s = 1\nwarmup_s = 0.05\n"
		"count = 1\nmax_slowdown = 100\n[host]\npcpus = 1\nprofile = modern\n"
		"[guest b]\nworkload = gen:cpu:2000i\nrate = 0\n"
		"[technique now]\nmodel = container\nparam.start_ms = 0\n"
		"[technique default]\nmodel = container\n"
		"[technique slow]\nmodel = container\nparam.start_ms = 500\n");

	snprintf(db, sizeof(db), "%s", t_path("startplan.db"));
	unlink(db);
	snprintf(args, sizeof(args), "plan %s --db %s -q", f, db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "export --plan startplan --db %s", db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	double now = completed(out, "now"), def = completed(out, "default"),
	       slow = completed(out, "slow");
	CU_ASSERT_FATAL(now > 100);
	CU_ASSERT(slow / now > 0.45 && slow / now < 0.6);
	CU_ASSERT(def / now > 0.97 && def <= now);
}

static void test_plan_checks(void)
{
	static char out[65536];
	char args[4096], text[4096], db[1024];
	const char *checks =
		"; the answer, checked\n"
		"[check native-first]\nsays = native fits more than one\nexpect = native > 1\n"
		"[check cpu]\nexpect = native binds cpu\n"
		"[check two]\nexpect = native ~ 2\ntolerance = 0\n";

	snprintf(db, sizeof(db), "%s", t_path("checkplan.db")); /* t_path's buffer is reused */
	unlink(db);
	snprintf(text, sizeof(text), "%s%s", shard_plan, checks);
	const char *f = t_write("checkplan.ini", text);
	snprintf(args, sizeof(args), "plan check %s --db %s", f, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "no results database (run 'virtlab plan");
	snprintf(args, sizeof(args), "plan %s --db %s -q", f, db);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(args, sizeof(args), "plan check %s --db %s", f, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "pass  native-first: native fits more than one\n      native fits 2 > 1\n");
	T_ASSERT_STR_CONTAINS(out, "pass  cpu: native binds cpu\n      native binds cpu (slowdown)\n");
	T_ASSERT_STR_CONTAINS(out, "native fits 2 ~ 2 (within 0%)");
	T_ASSERT_STR_CONTAINS(out, "3 passed, 0 failed\n");

	/* a changed check and comment: the same runs, one check failing now */
	snprintf(text, sizeof(text), "%s; edited\n[check cpu]\nexpect = c binds memory\n", shard_plan);
	f = t_write("checkplan.ini", text);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 1);
	T_ASSERT_STR_CONTAINS(out, "FAIL  cpu: c binds memory\n      c binds cpu (slowdown)\n");
	T_ASSERT_STR_CONTAINS(out, "0 passed, 1 failed\n");

	/* malformed checks, named by file and line */
	static const struct {
		const char *check, *msg;
	} bad[] = {
		{"[check x]\nexpect = native >> c\n", ":22: [check x] expect: '>>': OP is one of"},
		{"[check x]\nexpect = vmware > c\n", ":22: [check x] expect: 'vmware' is neither a"},
		{"[check x]\nexpect = c binds lunch\n", "'lunch' is not a constraint"},
		{"[check x]\nsays = no expectation\n", ":22: [check x] expect is missing"},
		{"[check x]\nexpect = c > 1\nwhy = because\n", ":24: [check x] why: unknown key"},
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		snprintf(text, sizeof(text), "%s%s", shard_plan, bad[i].check);
		f = t_write("checkplan.ini", text);
		CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
		T_ASSERT_STR_CONTAINS(out, bad[i].msg);
	}

	/* the plan itself edited: its runs are another plan's */
	snprintf(text, sizeof(text), "%s%s", shard_plan, checks);
	char *rate = strstr(text, "rate = 300");
	CU_ASSERT_PTR_NOT_NULL_FATAL(rate);
	rate[7] = '4';
	f = t_write("checkplan.ini", text);
	snprintf(args, sizeof(args), "plan %s --db %s --report-only", f, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "plan shardplan: this database holds runs of another version");
}

/* A run killed mid-sweep leaves whole runs only; the rerun completes without duplicates. */
static void test_kill_and_rerun(void)
{
	static char out[65536];
	char args[2048], vl[1024];
	const char *f = t_write("killplan.ini",
		"[plan]\nname = killplan\nreplications = 40\nduration_s = 2\nwarmup_s = 0.1\ncount = 1,2\n"
		"[host]\npcpus = 2\nprofile = modern\n"
		"[guest w]\nworkload = exp:1\nrate = 900\n"
		"[technique native]\nmodel = native\n");
	const char *db = t_path("kill.db");
	const char *bin = getenv("VIRTLAB");

	snprintf(vl, sizeof(vl), "%s", bin ? bin : "./virtlab");
	pid_t pid = fork();
	if (pid == 0) {
		freopen("/dev/null", "w", stderr);
		freopen("/dev/null", "w", stdout);
		execl(vl, "virtlab", "plan", f, "--db", db, (char *)NULL);
		_exit(127);
	}
	/* wait for some runs, then kill without warning */
	for (int i = 0; i < 400; i++) {
		usleep(20000);
		long n = count_rows(db, "SELECT count(*) FROM capacity_run");
		if (n >= 3)
			break;
	}
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	long runs = count_rows(db, "SELECT count(*) FROM capacity_run");
	CU_ASSERT(runs >= 1 && runs < 80);
	/* every recorded run has all its metric rows: 14 metrics of its one kind */
	CU_ASSERT_EQUAL(count_rows(db, "SELECT count(*) FROM capacity_run r WHERE (SELECT count(*) "
	                               "FROM capacity_metric m WHERE m.run_id = r.id) != 14"), 0);
	snprintf(args, sizeof(args), "plan '%s' --db '%s'", f, db);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(count_rows(db, "SELECT count(*) FROM capacity_run"), 80);
	CU_ASSERT_EQUAL(count_rows(db, "SELECT count(*) FROM (SELECT DISTINCT technique, count, "
	                               "replication FROM capacity_run)"), 80);
	CU_ASSERT_EQUAL(count_rows(db, "SELECT count(*) FROM capacity_metric"), 80 * 14);
}

static const char *needs_parallel(void)
{
	return system("command -v parallel >/dev/null 2>&1") ? "GNU parallel is not installed "
	       "(Debian package parallel)" : NULL;
}

/* GNU parallel drives the shards; merged, they equal the one-process run. */
static void test_gnu_parallel(void)
{
	char cmd[4096];
	const char *f = t_write("parplan.ini", shard_plan);
	const char *bin = getenv("VIRTLAB");
	const char *dir = t_path("par");

	snprintf(cmd, sizeof(cmd),
	         "set -e; mkdir -p '%s'; V='%s'; "
	         "\"$V\" plan '%s' --db '%s/full.db' >/dev/null 2>&1; "
	         "parallel --will-cite -j 2 \"$V\" plan '%s' --shard {}/4 --db '%s/s{}.db' ::: 0 1 2 3 "
	         ">/dev/null 2>&1; \"$V\" merge '%s/merged.db' '%s'/s*.db >/dev/null 2>&1",
	         dir, bin ? bin : "./virtlab", f, dir, f, dir, dir, dir);
	CU_ASSERT_EQUAL_FATAL(system(cmd), 0);
	char full[1024], merged[1024];
	snprintf(full, sizeof(full), "%s/full.db", dir);
	snprintf(merged, sizeof(merged), "%s/merged.db", dir);
	assert_same_rows(full, merged);
}

/* The Slurm job array: its script, and a real single-node Slurm where one can start. */
static void test_slurm(void)
{
	static char out[65536];
	char args[2048], path[1024];
	const char *f = t_write("slurmplan.ini", shard_plan);
	const char *dir = t_path("slurm-out");

	snprintf(args, sizeof(args), "experiment slurm '%s' --shards 3 --out '%s'", f, dir);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	snprintf(path, sizeof(path), "%s/slurm/run.sbatch", dir);
	FILE *s = fopen(path, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(s);
	char text[4096];
	size_t n = fread(text, 1, sizeof(text) - 1, s);
	text[n] = '\0';
	fclose(s);
	T_ASSERT_STR_CONTAINS(text, "#SBATCH --array=0-2");
	T_ASSERT_STR_CONTAINS(text, "--shard \"$SLURM_ARRAY_TASK_ID/3\"");
	T_ASSERT_STR_CONTAINS(text, " plan ");

	/* the real thing: tests/slurm.sh starts munge, slurmctld and slurmd, or says why not */
	char cmd[4096];
	const char *bin = getenv("VIRTLAB");
	snprintf(cmd, sizeof(cmd), "sh tests/slurm.sh '%s' '%s' '%s' 2>&1", bin ? bin : "./virtlab",
	         f, dir);
	FILE *p = popen(cmd, "r");
	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	int st = pclose(p);
	if (WIFEXITED(st) && WEXITSTATUS(st) == 77) {
		char *nl = strchr(out, '\n');
		if (nl)
			*nl = '\0';
		fprintf(stderr, "\n  (Slurm case skipped: %s) ", out);
		return;
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st))
		fprintf(stderr, "\n  slurm.sh: %s\n", out);
	CU_ASSERT(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	snprintf(path, sizeof(path), "%s/slurm/merged.db", dir);
	snprintf(args, sizeof(args), "%s/unsharded.db", dir);
	char run[4096];
	snprintf(run, sizeof(run), "'%s' plan '%s' --db '%s' >/dev/null 2>&1", bin ? bin : "./virtlab",
	         f, args);
	CU_ASSERT_EQUAL(system(run), 0);
	assert_same_rows(args, path);
}

/* Guests arrive late and leave early: requests only while they live. */
static void test_lifetimes(void)
{
	struct vl_cap_plan *p = plan(
		"[plan]\nname = life\nreplications = 1\nduration_s = 4\nwarmup_s = 0.001\ncount = 2\n"
		"[host]\npcpus = 4\nprofile = modern\n"
		"[guest g]\nworkload = exp:1\nrate = 400\nstart_s = 1\nstagger_s = 1\nlifetime_s = 1\n"
		"[technique native]\nmodel = native\n");
	struct vl_cap_ctx *ctx;
	struct vl_err err = {0};
	struct vl_cap_result r;

	CU_ASSERT_PTR_NOT_NULL_FATAL(p);
	CU_ASSERT_EQUAL_FATAL(vl_cap_ctx_new(&ctx, p, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_cap_simulate(ctx, 0, 2, 0, &r, &err), 0);
	/* two guests, one second each, at 400 requests a second: about 800 requests */
	CU_ASSERT(r.kind[0].completed > 700 && r.kind[0].completed < 900);
	vl_cap_ctx_free(ctx);
	vl_cap_free(p);
}

void suite_capacity(void)
{
	static const struct t_case cases[] = {
		{"erlang_c_formula", test_erlang_c_formula},
		{"mmc_matches_erlang_c", test_mmc_matches_erlang_c},
		{"overload_unstable", test_overload_unstable},
		{"credit_weights", test_credit_weights},
		{"credit_cap", test_credit_cap},
		{"memory_fit", test_memory_fit},
		{"monitor_limits", test_monitor_limits, NULL},
		{"lifetimes", test_lifetimes},
		{"technique_costs", test_technique_costs},
		{"memory_from_models", test_memory_from_models},
		{"single_guest_equals_run", test_single_guest_equals_run},
		{"plan_parse_errors", test_plan_parse_errors},
		{"shards_merge_equal_unsharded", test_shards_merge_equal_unsharded},
		{"plan_html_report", test_plan_html_report},
		{"plan_checks", test_plan_checks},
		{"plan_start_up", test_plan_start_up},
		{"kill_and_rerun", test_kill_and_rerun},
		{"gnu_parallel", test_gnu_parallel, needs_parallel},
		{"slurm", test_slurm},
		{NULL, NULL},
	};
	t_add_suite("capacity", cases);
}
