/*
 * make bench: the speed and memory bars, each measured side by side with its
 * reference in one run (best of several interleaved rounds, since the
 * machine is shared and noisy), printed as figures and ratios.
 *   1. decode rate vs a loop that merely sums the file's bytes through mmap
 *   2. native replay rate vs decode-only rate of the same trace
 *   3. resident memory of a 100M-event replay
 *   4. recording to SQLite vs the same 10M-event replay without it
 *   5. event-queue hold model (1M pending, exponential increments)
 *   6. the TLB model: a trace with touches vs the same trace without them,
 *      through nested paging (L1/L2 TLB, page-walk cache, nested TLB)
 *   7. a capacity plan on the core: 1,000 guests on 64 pCPUs, events/s stated
 * The hold model against ns-3 is bench-peers (bench/peers.sh); what capturing
 * costs, bench/capture.sh; instructions an event of every model under
 * callgrind, against the goals of 40 (native) and 80, bench/callgrind.sh.
 */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_randist.h>

#include "experiments/capacity.h"
#include "experiments/runner.h"
#include "models/native/native.h"
#include "sim/queue.h"
#include "sim/registry.h"
#include "sim/rng.h"
#include "traces/gen.h"
#include "traces/trace.h"

#define BIG_EVENTS 100000000ull
#define SMALL_EVENTS 10000000ull
#define BATCH 4096

static int failures;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void die(const struct vl_err *err)
{
	fprintf(stderr, "bench: %s\n", err->msg);
	exit(1);
}

static void verdict(const char *what, double ratio, double bar, int higher_is_better)
{
	int ok = higher_is_better ? ratio >= bar : ratio <= bar;

	printf("  %-52s %8.3f  (bar %s %.3f) %s\n", what, ratio, higher_is_better ? ">=" : "<=",
	       bar, ok ? "ok" : "MISSED");
	failures += !ok;
}

/* Writes events of generator kind once (without touch events when
 * drop_touches); later runs reuse the file. */
static void ensure_kind(const char *path, const char *kind, uint64_t events, int drop_touches)
{
	struct stat st;
	struct vl_err err = {0};

	if (stat(path, &st) == 0)
		return;
	printf("generating %s (%llu events of the %s generator%s)...\n", path,
	       (unsigned long long)events, kind, drop_touches ? ", touches dropped" : "");
	fflush(stdout);
	struct vl_gen *g;
	struct vl_writer *w;
	struct vl_meta meta;
	if (vl_gen_new(&g, kind, events, 1, &err))
		die(&err);
	vl_gen_meta(g, &meta);
	if (vl_writer_open(&w, path, VL_TFMT_BINARY, 0, &meta, &err))
		die(&err);
	static struct vl_event buf[BATCH];
	long n;
	while ((n = vl_gen_read(g, buf, BATCH, &err)) > 0) {
		size_t k = 0;
		for (long i = 0; i < n; i++)
			if (!drop_touches || buf[i].type != VL_EV_TOUCH)
				buf[k++] = buf[i];
		if (vl_writer_put(w, buf, k, &err))
			die(&err);
	}
	vl_gen_free(g);
	if (vl_writer_close(w, &err))
		die(&err);
}

static void ensure_trace(const char *path, uint64_t events)
{
	ensure_kind(path, "cpu", events, 0);
}

/* Replays path through hwassist's vmware-ept profile (nested paging, the
 * whole TLB hierarchy); *touches gets the trace's touch events. */
static double replay_nested(const char *path, uint64_t *touches)
{
	struct vl_run_spec spec = {.trace = path, .model = vl_model_find("hwassist"),
	                           .profile = "vmware-ept", .seed = 1};
	struct vl_run_result res;
	struct vl_err err = {0};

	double t0 = now();
	if (vl_run(&spec, NULL, &res, &err))
		die(&err);
	double dt = now() - t0;
	*touches = res.bd.events[VL_EV_TOUCH];
	vl_run_result_release(&res);
	return dt;
}

/* The floor any reader faces: touch and sum every byte through mmap. */
static double sum_bytes(const char *path, uint64_t *size)
{
	int fd = open(path, O_RDONLY);
	struct stat st;

	if (fd < 0 || fstat(fd, &st) != 0) {
		perror(path);
		exit(1);
	}
	double t0 = now();
	const unsigned char *p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	uint64_t sum = 0;
	for (off_t i = 0; i < st.st_size; i++)
		sum += p[i];
	munmap((void *)p, (size_t)st.st_size);
	double dt = now() - t0;
	close(fd);
	*size = (uint64_t)st.st_size;
	if (sum == 42) /* keep the loop */
		printf(" ");
	return dt;
}

static double decode_only(const char *path, uint64_t *events)
{
	struct vl_trace *t;
	struct vl_err err = {0};
	static struct vl_event buf[BATCH];
	uint64_t n = 0, sum = 0;
	long k;

	double t0 = now();
	if (vl_trace_open(&t, path, &err))
		die(&err);
	while ((k = vl_trace_read(t, buf, BATCH, &err)) > 0) {
		n += (uint64_t)k;
		for (long i = 0; i < k; i++)
			sum += buf[i].n;
	}
	if (k < 0)
		die(&err);
	vl_trace_close(t);
	double dt = now() - t0;
	*events = n;
	if (sum == 42)
		printf(" ");
	return dt;
}

/* Replays path through native; with db_path, *record gets the seconds spent
 * opening the database, recording the run and closing it. */
static double replay(const char *path, const char *db_path, uint64_t *cycles, double *record)
{
	struct vl_run_spec spec = {.trace = path, .model = &vl_model_native, .seed = 1};
	struct vl_run_result res;
	struct vl_err err = {0};
	struct vl_db *db = NULL;
	double open_s = 0, close_s = 0;

	double t0 = now();
	if (db_path) {
		if (vl_db_open(&db, db_path, &err))
			die(&err);
		open_s = now() - t0;
	}
	if (vl_run(&spec, db, &res, &err))
		die(&err);
	double t1 = now();
	vl_db_close(db);
	close_s = db ? now() - t1 : 0;
	double dt = now() - t0;
	if (record)
		*record = open_s + res.record_s + close_s;
	*cycles = res.stats.end_cycles;
	vl_run_result_release(&res);
	return dt;
}

/* Peak resident memory of a replay, in a child of its own. */
static double replay_rss_mib(const char *path)
{
	pid_t pid = fork();

	if (pid == 0) {
		uint64_t c;
		replay(path, NULL, &c, NULL);
		_exit(0);
	}
	int st;
	struct rusage ru;
	if (wait4(pid, &st, 0, &ru) < 0 || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "bench: replay child failed\n");
		exit(1);
	}
	return ru.ru_maxrss / 1024.0;
}

/*
 * The classic hold model: fill the queue with `pending` events at
 * exponential times, then repeatedly pop the earliest and push it again a
 * exponential increment later. Returns hold operations per second.
 */
double bench_hold(const struct vl_queue_ops *ops, uint64_t pending, uint64_t holds);
double bench_hold(const struct vl_queue_ops *ops, uint64_t pending, uint64_t holds)
{
	struct vl_queue q;
	struct vl_err err = {0};
	gsl_rng *r = vl_rng_new(1, 0, 0);
	uint64_t *inc = malloc(holds * sizeof(*inc));

	/* increments drawn up front, so the timing is the queue's alone */
	for (uint64_t i = 0; i < holds; i++)
		inc[i] = 1 + (uint64_t)gsl_ran_exponential(r, 1e6);
	if (vl_queue_init(&q, ops, &err))
		die(&err);
	for (uint64_t i = 0; i < pending; i++) {
		struct vl_qev ev = {(uint64_t)gsl_ran_exponential(r, 1e6), 0, 0, i};
		if (vl_queue_schedule(&q, &ev, NULL, &err))
			die(&err);
	}
	double t0 = now();
	struct vl_qev ev;
	for (uint64_t i = 0; i < holds; i++) {
		vl_queue_next(&q, &ev);
		ev.time += inc[i];
		vl_queue_schedule(&q, &ev, NULL, &err);
	}
	double dt = now() - t0;
	vl_queue_release(&q);
	gsl_rng_free(r);
	free(inc);
	return (double)holds / dt;
}

static double best(double a, double b)
{
	return a < b ? a : b;
}

/* 6. The TLB model's cost: the same trace replayed with and without touches. */
static void bench_tlb(const char *dir, int rounds)
{
	printf("6. TLB model (hwassist vmware-ept: L1/L2 TLB, page-walk cache, nested TLB)\n");
	char with[256], without[256];
	snprintf(with, sizeof(with), "%s/bigfootprint-10m.vlb", dir);
	snprintf(without, sizeof(without), "%s/bigfootprint-10m-notouch.vlb", dir);
	ensure_kind(with, "bigfootprint", SMALL_EVENTS, 0);
	ensure_kind(without, "bigfootprint", SMALL_EVENTS, 1);
	double t_with = 1e30, t_without = 1e30;
	uint64_t touches = 0, none;
	for (int k = 0; k < rounds; k++) {
		t_with = best(t_with, replay_nested(with, &touches));
		t_without = best(t_without, replay_nested(without, &none));
	}
	printf("  with touches %8.3f s (%llu touches), without %8.3f s: %.0f ns per touch\n",
	       t_with, (unsigned long long)touches, t_without,
	       touches ? (t_with - t_without) / (double)touches * 1e9 : 0.0);
	/* the bar: touches here are 1.6% of events and nearly all miss (2-D walks) */
	verdict("replay time with touches / without", t_with / t_without, 1.25, 0);
}

/*
 * 7. One host simulation of a plan at scale on the core: 1,000 guests (800
 * web-like servers, open loop; 200 batch guests, closed loop) under
 * hardware assist with nested paging on 64 pCPUs, 2 simulated seconds. The
 * figure is stated, not a bar: events are the core's timed events (arrivals,
 * I/O completions, accounting periods) and vCPU batches (each a run of a
 * vCPU between two of them).
 */
static void bench_plan(int rounds)
{
	static const char text[] =
		"[plan]\nname = bench\nreplications = 1\nduration_s = 2\nwarmup_s = 0.2\ncount = 200\n"
		"[host]\npcpus = 64\nclock_hz = 3G\nmemory_gb = 4096\nprofile = modern\n"
		"[guest web]\nworkload = gen:net:1i\nrate = 200\nshare = 4\nmemory_mb = 1024\n"
		"[guest batch]\nworkload = exp:20\nrate = 0\nshare = 1\nmemory_mb = 2048\n"
		"[technique vtx-nested]\nmodel = hwassist\nprofile = kvm\n";
	struct vl_cap_plan *p;
	struct vl_cap_ctx *c;
	struct vl_cap_result r;
	struct vl_err err = {0};

	printf("7. capacity plan on the core: 1,000 guests (800 web, 200 batch) on 64 pCPUs, "
	       "hwassist with EPT\n");
	if (vl_cap_parse(&p, text, "bench.ini", &err))
		die(&err);
	double t0 = now();
	if (vl_cap_ctx_new(&c, p, &err))
		die(&err);
	double t_prof = now() - t0, t_sim = 1e30;
	for (int k = 0; k < rounds; k++) {
		double t1 = now();
		if (vl_cap_simulate(c, 0, p->counts[0], 0, &r, &err))
			die(&err);
		t_sim = best(t_sim, now() - t1);
	}
	uint64_t done = 0;
	for (size_t k = 0; k < p->nkinds; k++)
		done += r.kind[k].completed;
	printf("  profiling %.2f s; %g simulated s in %.3f s: %.2f M events/s, %.0f requests/s, "
	       "cpu %.0f%%\n", t_prof, r.sim_s, t_sim, (double)r.events / t_sim / 1e6,
	       (double)done / t_sim, 100 * r.cpu_util);
	vl_cap_ctx_free(c);
	vl_cap_free(p);
}

int main(int argc, char **argv)
{
	const char *dir = "out/bench";
	int hold_only = argc > 1 && strcmp(argv[1], "--hold-only") == 0;
	int tlb_only = argc > 1 && strcmp(argv[1], "--tlb-only") == 0;
	int plan_only = argc > 1 && strcmp(argv[1], "--plan-only") == 0;
	int rounds = 5;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (hold_only) {
		/* For bench/peers.sh: the default queue, in the format of its ns-3 program. */
		double b = 0;
		for (int k = 0; k < rounds; k++)
			b = fmax(b, bench_hold(vl_queue_impls[0], 1000000, 5000000));
		printf("virtlab-%s %.0f\n", vl_queue_impls[0]->name, b);
		return 0;
	}
	mkdir("out", 0777);
	mkdir(dir, 0777);
	if (tlb_only) {
		bench_tlb(dir, rounds);
		return failures ? 1 : 0;
	}
	if (plan_only) {
		bench_plan(1);
		return 0;
	}
	char big[256], small[256], db[256];
	snprintf(big, sizeof(big), "%s/cpu-100m.vlb", dir);
	snprintf(small, sizeof(small), "%s/cpu-10m.vlb", dir);
	snprintf(db, sizeof(db), "%s/bench.db", dir);
	ensure_trace(big, BIG_EVENTS);
	ensure_trace(small, SMALL_EVENTS);

	printf("virtlab bench: best of %d interleaved rounds\n\n", rounds);
	double t_sum = 1e30, t_dec = 1e30, t_rep = 1e30;
	uint64_t size = 0, events = 0, cycles = 0;
	for (int k = 0; k < rounds; k++) {
		t_sum = best(t_sum, sum_bytes(big, &size));
		t_dec = best(t_dec, decode_only(big, &events));
		t_rep = best(t_rep, replay(big, NULL, &cycles, NULL));
	}
	printf("1. reading %s: %.1f MB, %llu events\n", big, size / 1e6, (unsigned long long)events);
	printf("  mmap byte sum        %8.0f MB/s\n", size / t_sum / 1e6);
	printf("  decode only          %8.0f MB/s  %6.1f M events/s\n", size / t_dec / 1e6,
	       events / t_dec / 1e6);
	verdict("decode byte rate / mmap byte-sum rate", t_sum / t_dec, 0.25, 1);
	printf("2. replay through native\n");
	printf("  replay (native)      %8.0f MB/s  %6.1f M events/s\n", size / t_rep / 1e6,
	       events / t_rep / 1e6);
	verdict("replay event rate / decode event rate", t_dec / t_rep, 1.0 / 3, 1);

	printf("3. memory\n");
	double rss = replay_rss_mib(big);
	printf("  peak resident memory of the 100M-event replay: %.1f MiB\n", rss);
	verdict("peak RSS in MiB", rss, 64, 0);

	printf("4. recording (open, one transaction, close; into an existing database)\n");
	double t_plain = 1e30, t_rec = 1e30, rec;
	unlink(db);
	replay(small, db, &cycles, &rec); /* creates the database: a one-time cost */
	printf("  creating the database and recording the first run: %.1f ms\n", rec * 1e3);
	for (int k = 0; k < rounds + 2; k++) {
		t_plain = best(t_plain, replay(small, NULL, &cycles, NULL));
		replay(small, db, &cycles, &rec);
		t_rec = best(t_rec, rec);
	}
	printf("  10M-event replay     %8.3f s; recording it %.2f ms\n", t_plain, t_rec * 1e3);
	verdict("recording time / replay time", t_rec / t_plain, 0.05, 0);

	printf("5. event queue, hold model (1M pending, exponential increments)\n");
	for (int i = 0; vl_queue_impls[i]; i++) {
		double b = 0;
		for (int k = 0; k < rounds; k++)
			b = fmax(b, bench_hold(vl_queue_impls[i], 1000000, 5000000));
		printf("  %-8s %8.2f M holds/s\n", vl_queue_impls[i]->name, b / 1e6);
	}
	printf("  (against ns-3's schedulers: make bench-peers)\n");

	bench_tlb(dir, rounds);
	bench_plan(1);
	printf("\n%s\n", failures ? "some bars MISSED" : "every bar met");
	return failures ? 1 : 0;
}
