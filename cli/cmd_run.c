/*
 * virtlab run: replay one trace through one model, print a summary
 * (simulated time, slowdown against native, top mechanisms), record the run.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "experiments/runner.h"
#include "sim/registry.h"
#include "util/progress.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
	(void)sig;
	stop_flag = 1;
}

static void help(void)
{
	printf("usage: virtlab run --trace T --model M [options]\n\n"
	       "Replays trace T through model M, prints where the cycles went and\n"
	       "records the run in the results database.\n\n"
	       "  -t, --trace T       a .vlt or .vlb trace, or gen:KIND[:EVENTS] to generate\n"
	       "                      one (kinds: 'virtlab trace gen --list')\n"
	       "  -m, --model M       the model ('virtlab models' lists them)\n"
	       "      --model-path F  load a model plugin (a shared object; docs/plugins.md)\n"
	       "  -p, --profile P     system profile of the model (default: its first);\n"
	       "                      for native, a host profile\n"
	       "      --host H        host profile (default: the profile's host)\n"
	       "  -P, --param K=V     override a model or host parameter (repeatable;\n"
	       "                      'virtlab models show M' lists them with ranges)\n"
	       "  -s, --seed N        seed of every random stream (default 1)\n"
	       "      --replication N replication number (default 0)\n"
	       "      --pcpus N       physical CPUs (default 1)\n"
	       "      --quantum-us N  scheduling quantum in microseconds (default 5000)\n"
	       "      --queue Q       event queue: ladder (default), heap4 or pairing\n"
	       "      --db F          results database (default " VL_DEFAULT_DB ")\n"
	       "      --no-db         do not record the run\n"
	       "      --no-baseline   skip the native replay (no slowdown figure)\n"
	       "      --steady        one warm pass over the trace's operations (between its\n"
	       "                      phases 1 and 2, else all of it): the trace replayed with\n"
	       "                      them twice, less once; translations and shadows warm\n"
	       "  -q, --quiet         print one line instead of the summary\n"
	       "  -h, --help          this text\n\n"
	       "exit status: 0 ok, 1 run or database failed, 2 invalid input, 130 interrupted\n");
}

/* The count of both replays (the model's, then the native baseline's). */
struct replays {
	struct vl_progress bar;
	uint64_t before, last; /* events of the replays before this one; the last count seen */
};

static void progress(void *ctx, uint64_t events)
{
	struct replays *r = ctx;

	if (events < r->last) /* a new replay began */
		r->before += r->last;
	r->last = events;
	vl_progress_update(&r->bar, r->before + events);
}

static void print_summary(const struct vl_run_spec *spec, const struct vl_run_result *r,
                          const char *db)
{
	const struct vl_breakdown *bd = &r->bd;
	double hz = r->cfg.host.v[VL_H_CLOCK_HZ];
	char a[32], b[32], c[32];

	printf("trace       %s (%s events, %s instructions)\n", r->trace_name,
	       cli_num(r->stats.events, a, sizeof(a)), cli_num(bd->insns, b, sizeof(b)));
	printf("model       %s", r->cfg.model->name);
	if (r->cfg.profile)
		printf(", profile %s", r->cfg.profile->name);
	if (r->cfg.target && r->cfg.target != r->cfg.profile)
		printf(" (an alias: runs as %s)", r->cfg.target->name);
	printf(", host %s (%.2f GHz), seed %llu\n", r->cfg.hostprof->name, hz / 1e9,
	       (unsigned long long)spec->seed);
	double secs = (double)r->stats.end_cycles / hz;
	printf("simulated   %s cycles = %.6g s\n", cli_num(r->stats.end_cycles, a, sizeof(a)), secs);
	if (spec->baseline)
		printf("slowdown    %.3fx against native (%s cycles)\n", r->slowdown,
		       cli_num(r->native_cycles, b, sizeof(b)));
	if (r->stats.io_requests[0] || r->stats.io_requests[1])
		printf("I/O         %s disk and %s network requests, %s cycles waiting\n",
		       cli_num(r->stats.io_requests[0], a, sizeof(a)),
		       cli_num(r->stats.io_requests[1], b, sizeof(b)),
		       cli_num(r->stats.io_wait_cycles, c, sizeof(c)));
	uint64_t sensitive = 0;
	for (int e = 0; e < VL_EV__COUNT; e++)
		if (vl_evdesc[e].cls & VL_EVC_SENSITIVE)
			sensitive += bd->events[e];
	if (bd->holes)
		printf("not virtualizable by trap-and-emulate: %s sensitive unprivileged "
		       "instructions\n", cli_num(bd->holes, a, sizeof(a)));
	else if (sensitive)
		printf("holes       0: all %s sensitive unprivileged instructions virtualized\n",
		       cli_num(sensitive, a, sizeof(a)));

	/* Mechanisms by cycles, largest first. */
	uint64_t cyc[VL_MECH__COUNT] = {0}, cnt[VL_MECH__COUNT] = {0};
	int order[VL_MECH__COUNT], n = 0;
	for (int m = 0; m < VL_MECH__COUNT; m++) {
		for (int e = 0; e < VL_ROWS; e++) {
			cyc[m] += bd->cell[e][m].cycles;
			cnt[m] += bd->cell[e][m].count;
		}
		if (cyc[m])
			order[n++] = m;
	}
	for (int i = 1; i < n; i++)
		for (int j = i; j > 0 && cyc[order[j]] > cyc[order[j - 1]]; j--) {
			int t = order[j];
			order[j] = order[j - 1];
			order[j - 1] = t;
		}
	printf("mechanisms  %-12s %18s %7s %14s\n", "", "cycles", "share", "charges");
	for (int i = 0; i < n && i < 10; i++) {
		int m = order[i];
		printf("            %-12s %18s %6.1f%% %14s\n", vl_mechdesc[m].name,
		       cli_num(cyc[m], a, sizeof(a)), bd->cycles ? 100.0 * cyc[m] / bd->cycles : 0,
		       cli_num(cnt[m], b, sizeof(b)));
	}
	for (size_t i = 0; i < r->ncounters; i++)
		printf("%-11s %s = %g %s\n", i ? "" : "counters", r->counters[i].name,
		       r->counters[i].value, r->counters[i].unit);
	if (r->run_id)
		printf("recorded    run %lld in %s\n", (long long)r->run_id, db);
}

int cmd_run(int argc, char **argv)
{
	enum { O_HOST = 256, O_REPL, O_PCPUS, O_QUANTUM, O_QUEUE, O_DB, O_NODB, O_NOBASE, O_STEADY,
	       O_PLUGIN };
	static const struct option opts[] = {
		{"trace", required_argument, NULL, 't'},
		{"model", required_argument, NULL, 'm'},
		{"model-path", required_argument, NULL, O_PLUGIN},
		{"profile", required_argument, NULL, 'p'},
		{"host", required_argument, NULL, O_HOST},
		{"param", required_argument, NULL, 'P'},
		{"seed", required_argument, NULL, 's'},
		{"replication", required_argument, NULL, O_REPL},
		{"pcpus", required_argument, NULL, O_PCPUS},
		{"quantum-us", required_argument, NULL, O_QUANTUM},
		{"queue", required_argument, NULL, O_QUEUE},
		{"db", required_argument, NULL, O_DB},
		{"no-db", no_argument, NULL, O_NODB},
		{"no-baseline", no_argument, NULL, O_NOBASE},
		{"steady", no_argument, NULL, O_STEADY},
		{"quiet", no_argument, NULL, 'q'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct vl_run_spec spec = {.seed = 1, .baseline = 1};
	struct vl_override ov[128];
	const char *model = NULL, *db_path = VL_DEFAULT_DB;
	int quiet = 0, no_db = 0, c;
	uint64_t v, quantum_us = 0;
	struct vl_err err = {0};
	struct cli_plugins plugins = {0};
	int rc;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "t:m:p:P:s:qh", opts, NULL)) != -1) {
		switch (c) {
		case 't': spec.trace = optarg; break;
		case O_PLUGIN:
			if ((rc = cli_load_plugin(&plugins, optarg)))
				return rc;
			break;
		case 'm': model = optarg; break;
		case 'p': spec.profile = optarg; break;
		case O_HOST: spec.host = optarg; break;
		case 'P':
			if (spec.nov == sizeof(ov) / sizeof(ov[0]))
				return cli_usage_error("run", "too many --param options");
			if (vl_override_parse(&ov[spec.nov], optarg, &err))
				return cli_usage_error("run", "--param %s", err.msg);
			spec.nov++;
			break;
		case 's':
			if (cli_parse_u64(optarg, &spec.seed))
				return cli_usage_error("run", "--seed '%s' is not a number", optarg);
			break;
		case O_REPL:
			if (cli_parse_u64(optarg, &v) || v > 1000000)
				return cli_usage_error("run", "--replication '%s' is not a number", optarg);
			spec.replication = (unsigned)v;
			break;
		case O_PCPUS:
			if (cli_parse_u64(optarg, &v) || v < 1 || v > 4096)
				return cli_usage_error("run", "--pcpus '%s': expected 1 to 4096", optarg);
			spec.sim.npcpus = (unsigned)v;
			break;
		case O_QUANTUM:
			if (cli_parse_u64(optarg, &quantum_us) || quantum_us < 1 || quantum_us > 10000000)
				return cli_usage_error("run", "--quantum-us '%s': expected 1 to 10000000",
				                       optarg);
			break;
		case O_QUEUE:
			spec.sim.queue = vl_queue_ops_find(optarg);
			if (!spec.sim.queue)
				return cli_usage_error("run", "unknown queue '%s' (valid: ladder, heap4, pairing)",
				                       optarg);
			break;
		case O_DB: db_path = optarg; break;
		case O_NODB: no_db = 1; break;
		case O_NOBASE: spec.baseline = 0; break;
		case O_STEADY: spec.steady = 1; break;
		case 'q': quiet = 1; break;
		case 'h': help(); return EXIT_OK;
		default:
			return cli_usage_error("run", "unknown or incomplete option '%s'",
			                       argv[optind - 1]);
		}
	}
	if (optind < argc)
		return cli_usage_error("run", "unexpected argument '%s'", argv[optind]);
	if (!spec.trace)
		return cli_usage_error("run", "--trace is required");
	if (!model)
		return cli_usage_error("run", "--model is required");
	spec.model = cli_find_model(&plugins, model);
	if (!spec.model)
		return EXIT_USAGE;
	spec.ov = ov;

	struct vl_db *db = NULL;
	if (!no_db && (cli_ensure_parent(db_path, &err) || vl_db_open(&db, db_path, &err)))
		return cli_fail(&err);

	if (quantum_us) {
		/* Needs the host clock: resolved again inside vl_run, identically. */
		struct vl_config tmp;
		if (vl_config_resolve(&tmp, spec.model, spec.profile, spec.host, ov, spec.nov, &err)) {
			vl_db_close(db);
			return cli_fail(&err);
		}
		spec.sim.quantum_cycles = (uint64_t)(quantum_us * 1e-6 * tmp.host.v[VL_H_CLOCK_HZ]);
		vl_config_release(&tmp);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	spec.sim.stop = &stop_flag;
	/* events replayed, native baseline included; the total is not known ahead */
	struct replays rp = {.before = 0};
	vl_progress_init(&rp.bar, stderr, "events", 0, quiet ? VL_PROGRESS_QUIET : 0);
	spec.sim.progress = progress;
	spec.sim.progress_ctx = &rp;

	struct vl_run_result res;
	rc = vl_run(&spec, db, &res, &err);
	vl_progress_end(&rp.bar);
	if (rc) {
		vl_run_result_release(&res);
		vl_db_close(db);
		if (rc == VL_EINTR)
			fprintf(stderr, "virtlab: interrupted; nothing was recorded\n");
		return rc == VL_EINTR ? EXIT_INTR : cli_fail(&err);
	}
	if (quiet) {
		printf("%-28s %-9s %-10s %16llu cycles", res.trace_name, res.cfg.model->name,
		       res.cfg.profile ? res.cfg.profile->name : res.cfg.hostprof->name,
		       (unsigned long long)res.stats.end_cycles);
		if (spec.baseline)
			printf("  %.3fx", res.slowdown);
		printf("\n");
	} else {
		print_summary(&spec, &res, db_path);
	}
	vl_run_result_release(&res);
	vl_db_close(db);
	return EXIT_OK;
}
