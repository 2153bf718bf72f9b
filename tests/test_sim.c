/*
 * The discrete-event core, with a test model whose costs are obvious:
 * every event 10 cycles, a completion interrupt 50, a vCPU switch 100, a
 * disk or network request 0 (its time is the device's), finish 7.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/sim.h"
#include "tests/util.h"

static void flat_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	(void)state;
	switch (ev->type) {
	case VL_EV_IRQ: vl_charge(out, VL_MECH_DIRECT, 50); break;
	case VL_EV_VSWITCH: vl_charge(out, VL_MECH_CTXSWITCH, 100); break;
	case VL_EV_DISK:
	case VL_EV_NET: break;
	case VL_EV_POPF: out->holes++; /* fall through */
	default: vl_charge(out, VL_MECH_DIRECT, 10);
	}
}

static void flat_finish(void *state, struct vl_charge *out)
{
	(void)state;
	vl_charge(out, VL_MECH_EMULATE, 7);
}

static int flat_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	(void)state;
	(void)p;
	(void)err;
	return 0;
}

static const struct vl_model flat = {
	.version = VL_MODEL_VERSION,
	.name = "flat",
	.summary = "test model",
	.state_size = 1,
	.init = flat_init,
	.on_event = flat_on_event,
	.finish = flat_finish,
};

/* An event source over an array, repeated `reps` times; fails at fail_at. */
struct arr {
	const struct vl_event *ev;
	size_t n, pos;
	uint64_t reps, fail_at, served;
};

static long arr_read(void *ctx, struct vl_event *buf, size_t max, struct vl_err *err)
{
	struct arr *a = ctx;
	size_t k = 0;

	while (k < max && a->reps) {
		if (a->fail_at && a->served == a->fail_at)
			return vl_err_set(err, VL_ECORRUPT, "test.vlb: byte 99: broken");
		buf[k++] = a->ev[a->pos++];
		a->served++;
		if (a->pos == a->n) {
			a->pos = 0;
			a->reps--;
		}
	}
	return (long)k;
}

static struct vl_host host(void)
{
	struct vl_host h = {"test", {0}};
	for (int i = 0; i < VL_H__COUNT; i++)
		h.v[i] = vl_host_params[i].def;
	return h;
}

static const struct vl_event user10 = {VL_EV_USER, 0, 10, 0, 0};

static struct vl_sim *make(const struct vl_sim_config *cfg, struct arr *a, unsigned nguests)
{
	struct vl_sim *s;
	struct vl_err err = {0};
	struct vl_host h = host();
	struct vl_params p = {&h, NULL, 0, 1};

	CU_ASSERT_EQUAL_FATAL(vl_sim_new(&s, cfg, &h, &err), 0);
	for (unsigned g = 0; g < nguests; g++) {
		struct vl_source src = {arr_read, &a[g]};
		CU_ASSERT_EQUAL(vl_sim_add_guest(s, "g", &flat, &p, &src, 1, &err), (int)g);
	}
	return s;
}

static void test_sim_single_vcpu_sums_charges(void)
{
	struct arr a = {&user10, 1, 0, 100, 0, 0};
	struct vl_sim_config cfg = {0};
	struct vl_sim *s = make(&cfg, &a, 1);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	const struct vl_sim_stats *st = vl_sim_stats(s);
	const struct vl_breakdown *bd = vl_sim_breakdown(s, 0);
	/* 100 events x 10 cycles, then finish() 7 */
	CU_ASSERT_EQUAL(st->end_cycles, 1007);
	CU_ASSERT_EQUAL(st->events, 100);
	CU_ASSERT_EQUAL(bd->events[VL_EV_USER], 100);
	CU_ASSERT_EQUAL(bd->cell[VL_EV_USER][VL_MECH_DIRECT].cycles, 1000);
	CU_ASSERT_EQUAL(bd->cell[VL_ROW_FINISH][VL_MECH_EMULATE].cycles, 7);
	CU_ASSERT_EQUAL(bd->insns, 1000);
	CU_ASSERT_EQUAL(bd->cycles, 1007);
	CU_ASSERT_EQUAL(st->idle_cycles, 0);
	CU_ASSERT_EQUAL(st->switches, 0);
	vl_sim_free(s);
}

static void test_sim_batches_touch_queue_rarely(void)
{
	struct arr a = {&user10, 1, 0, 1000000, 0, 0};
	struct vl_sim_config cfg = {0};
	struct vl_sim *s = make(&cfg, &a, 1);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	/* 10M cycles with a 19M-cycle quantum: one batch, not one per event */
	CU_ASSERT(vl_sim_stats(s)->batches <= 2);
	CU_ASSERT_EQUAL(vl_sim_stats(s)->events, 1000000);
	vl_sim_free(s);
}

static void test_sim_round_robin_charges_switches(void)
{
	struct arr a[2] = {{&user10, 1, 0, 1000, 0, 0}, {&user10, 1, 0, 1000, 0, 0}};
	struct vl_sim_config cfg = {.quantum_cycles = 1000};
	struct vl_sim *s = make(&cfg, a, 2);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	const struct vl_sim_stats *st = vl_sim_stats(s);
	uint64_t sw = vl_sim_breakdown(s, 0)->events[VL_EV_VSWITCH] +
	              vl_sim_breakdown(s, 1)->events[VL_EV_VSWITCH];
	CU_ASSERT_EQUAL(sw, st->switches);
	CU_ASSERT(st->switches >= 18); /* 20000 cycles of work in 1000-cycle slices */
	/* all work + every switch + two finish() charges, no idle time */
	CU_ASSERT_EQUAL(st->end_cycles, 20000 + 100 * st->switches + 14);
	CU_ASSERT_EQUAL(st->busy_cycles, st->end_cycles);
	CU_ASSERT_EQUAL(vl_sim_breakdown(s, 0)->events[VL_EV_USER], 1000);
	CU_ASSERT_EQUAL(vl_sim_breakdown(s, 1)->events[VL_EV_USER], 1000);
	vl_sim_free(s);
}

static void test_sim_two_pcpus_run_in_parallel(void)
{
	struct arr a[2] = {{&user10, 1, 0, 1000, 0, 0}, {&user10, 1, 0, 1000, 0, 0}};
	struct vl_sim_config cfg = {.quantum_cycles = 1000, .npcpus = 2};
	struct vl_sim *s = make(&cfg, a, 2);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	CU_ASSERT_EQUAL(vl_sim_stats(s)->end_cycles, 10007);
	CU_ASSERT_EQUAL(vl_sim_stats(s)->switches, 0);
	vl_sim_free(s);
}

static void test_sim_blocking_io_waits_and_interrupts(void)
{
	static const struct vl_event ev[] = {
		{VL_EV_USER, 0, 10, 0, 0},
		{VL_EV_DISK, 0, 4096, 0, 0}, /* synchronous read */
		{VL_EV_USER, 0, 10, 0, 0},
	};
	struct arr a = {ev, 3, 0, 1, 0, 0};
	struct vl_sim_config cfg = {0};
	struct vl_sim *s = make(&cfg, &a, 1);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	const struct vl_sim_stats *st = vl_sim_stats(s);
	const struct vl_breakdown *bd = vl_sim_breakdown(s, 0);
	CU_ASSERT_EQUAL(st->io_requests[0], 1);
	CU_ASSERT_EQUAL(st->io_bytes[0], 4096);
	CU_ASSERT(st->io_wait_cycles > 4096 * 3.8e9 / 60e6); /* at least the transfer time */
	/* 10 + wait + irq 50 + 10 + finish 7; the CPU idles exactly while waiting */
	CU_ASSERT_EQUAL(st->end_cycles, 10 + st->io_wait_cycles + 50 + 10 + 7);
	CU_ASSERT_EQUAL(st->idle_cycles, st->io_wait_cycles);
	CU_ASSERT_EQUAL(bd->events[VL_EV_IRQ], 1);
	CU_ASSERT_EQUAL(st->irqs, 1);
	CU_ASSERT_EQUAL(st->q_scheduled, st->q_executed + st->q_cancelled);
	vl_sim_free(s);
}

static void test_sim_async_io_and_hlt(void)
{
	static const struct vl_event ev[] = {
		{VL_EV_NET, VL_EVF_WRITE | VL_EVF_ASYNC, 8192, 0, 0},
		{VL_EV_USER, 0, 10, 0, 0},
		{VL_EV_HLT, VL_EVF_KERNEL, 0, 0, 0}, /* waits for the completion */
		{VL_EV_USER, 0, 10, 0, 0},
		{VL_EV_HLT, VL_EVF_KERNEL, 0, 0, 0}, /* nothing in flight: falls through */
	};
	struct arr a = {ev, 5, 0, 1, 0, 0};
	struct vl_sim_config cfg = {0};
	struct vl_sim *s = make(&cfg, &a, 1);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	const struct vl_sim_stats *st = vl_sim_stats(s);
	CU_ASSERT_EQUAL(st->io_requests[1], 1);
	CU_ASSERT_EQUAL(st->irqs, 1);
	/* the async request costs no waiting, but hlt idles until the interrupt */
	CU_ASSERT(st->idle_cycles > 0);
	CU_ASSERT_EQUAL(st->end_cycles, st->idle_cycles + 10 + 10 + 50 + 10 + 10 + 7);
	vl_sim_free(s);
}

/* Ends of n one-vCPU guests on n pCPUs, each making one synchronous request ev at 0. */
static uint64_t devices_run(const struct vl_host *h, const struct vl_event *ev, unsigned n,
                            uint64_t *busy)
{
	static const struct vl_event user = {VL_EV_USER, 0, 10, 0, 0};
	struct vl_event evs[2] = {*ev, user};
	struct arr a[4];
	struct vl_sim *s;
	struct vl_err err = {0};
	struct vl_params p = {h, NULL, 0, 1};
	struct vl_sim_config cfg = {.npcpus = n};

	CU_ASSERT_EQUAL_FATAL(vl_sim_new(&s, &cfg, h, &err), 0);
	for (unsigned g = 0; g < n; g++) {
		a[g] = (struct arr){evs, 2, 0, 1, 0, 0};
		struct vl_source src = {arr_read, &a[g]};
		CU_ASSERT_EQUAL(vl_sim_add_guest(s, "g", &flat, &p, &src, 1, &err), (int)g);
	}
	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	uint64_t end = vl_sim_stats(s)->end_cycles;
	*busy = vl_sim_stats(s)->io_busy_cycles[ev->type == VL_EV_DISK ? 0 : 1];
	vl_sim_free(s);
	return end;
}

/*
 * At 1 GHz, a byte a cycle. A flash disk of 2 channels and a fixed 1000-ns
 * access: three 100-byte reads at 0 take channel 0 (ready 1000, on the link
 * until 1100), channel 1 (ready 1000, the link free at 1100: done 1200) and
 * channel 0 again (from 1100, ready 2100, done 2200); the last guest ends
 * at 2200 + irq 50 + user 10 + finish 7 = 2267. Busy: (1100 + 1200 + 1100)
 * / 2 channels = 1700. The network, 500 ns of wire: two 1000-byte sends at
 * 0 leave the link at 1000 and 2000, arrive at 1500 and 2500: 2567.
 */
static void test_sim_device_channels_and_wire(void)
{
	struct vl_host h = host();
	static const struct vl_event rd = {VL_EV_DISK, 0, 100, 0, 0};
	static const struct vl_event tx = {VL_EV_NET, VL_EVF_WRITE, 1000, 0, 0};
	uint64_t busy;

	h.v[VL_H_CLOCK_HZ] = 1e9;
	h.v[VL_H_DISK_MBS] = h.v[VL_H_NET_MBS] = 1000;
	h.v[VL_H_DISK_LATENCY_NS] = 1000;
	h.v[VL_H_DISK_SEEK] = 0;
	h.v[VL_H_DISK_CHANNELS] = 2;
	h.v[VL_H_NET_LATENCY_NS] = 500;
	CU_ASSERT_EQUAL(devices_run(&h, &rd, 3, &busy), 2267);
	CU_ASSERT_EQUAL(busy, 1700);
	CU_ASSERT_EQUAL(devices_run(&h, &tx, 2, &busy), 2567);
	CU_ASSERT_EQUAL(busy, 2000);
	/* one channel: one read at a time, 1100 each */
	h.v[VL_H_DISK_CHANNELS] = 1;
	CU_ASSERT_EQUAL(devices_run(&h, &rd, 3, &busy), 3300 + 67);
	CU_ASSERT_EQUAL(busy, 3300);
}

static uint64_t io_run(uint64_t seed, struct vl_breakdown *bd)
{
	static const struct vl_event ev[] = {
		{VL_EV_USER, 0, 10, 0, 0},
		{VL_EV_DISK, 0, 512, 0, 0},
		{VL_EV_NET, VL_EVF_ASYNC, 100, 0, 0},
	};
	struct arr a[2] = {{ev, 3, 0, 200, 0, 0}, {ev, 3, 0, 150, 0, 0}};
	struct vl_sim_config cfg = {.seed = seed, .quantum_cycles = 5000};
	struct vl_sim *s = make(&cfg, a, 2);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL(vl_sim_run(s, &err), 0);
	uint64_t end = vl_sim_stats(s)->end_cycles;
	*bd = *vl_sim_breakdown(s, 1);
	vl_sim_free(s);
	return end;
}

static void test_sim_deterministic_per_seed(void)
{
	static struct vl_breakdown b1, b2, b3;
	uint64_t e1 = io_run(11, &b1), e2 = io_run(11, &b2), e3 = io_run(12, &b3);

	CU_ASSERT_EQUAL(e1, e2);
	CU_ASSERT(memcmp(&b1, &b2, sizeof(b1)) == 0);
	CU_ASSERT_NOT_EQUAL(e1, e3); /* device times are drawn from the seed's streams */
}

static void test_sim_source_error_propagates(void)
{
	struct arr a = {&user10, 1, 0, 100000, 5000, 0};
	struct vl_sim_config cfg = {0};
	struct vl_sim *s = make(&cfg, &a, 1);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL(vl_sim_run(s, &err), VL_ECORRUPT);
	T_ASSERT_STR_CONTAINS(err.msg, "test.vlb: byte 99: broken");
	vl_sim_free(s);
}

static void test_sim_stop_flag_interrupts(void)
{
	struct arr a = {&user10, 1, 0, 100000, 0, 0};
	volatile sig_atomic_t stop = 1;
	struct vl_sim_config cfg = {.stop = &stop};
	struct vl_sim *s = make(&cfg, &a, 1);
	struct vl_err err = {0};

	CU_ASSERT_EQUAL(vl_sim_run(s, &err), VL_EINTR);
	vl_sim_free(s);
}

static void test_sim_refuses_wrong_model_version(void)
{
	struct vl_model old = flat;
	struct vl_sim *s;
	struct vl_err err = {0};
	struct vl_host h = host();
	struct vl_params p = {&h, NULL, 0, 1};
	struct arr a = {&user10, 1, 0, 1, 0, 0};
	struct vl_source src = {arr_read, &a};
	struct vl_sim_config cfg = {0};

	old.version = VL_MODEL_VERSION + 1;
	CU_ASSERT_EQUAL_FATAL(vl_sim_new(&s, &cfg, &h, &err), 0);
	CU_ASSERT_EQUAL(vl_sim_add_guest(s, "g", &old, &p, &src, 1, &err), VL_EVERSION);
	T_ASSERT_STR_CONTAINS(err.msg, "interface version");
	vl_sim_free(s);
}

static void test_sim_holes_and_series(void)
{
	static const struct vl_event ev[] = {
		{VL_EV_USER, 0, 1000, 0, 0},
		{VL_EV_POPF, VL_EVF_KERNEL, 0, 0, 0},
	};
	struct arr a = {ev, 2, 0, 100000, 0, 0};
	struct vl_sim_config cfg = {.series_interval_cycles = 1000, .series_max = 16};
	struct vl_sim *s = make(&cfg, &a, 1);
	struct vl_err err = {0};
	size_t n;

	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	CU_ASSERT_EQUAL(vl_sim_breakdown(s, 0)->holes, 100000);
	const struct vl_sample *ser = vl_sim_series(s, 0, &n);
	/* halving keeps the series bounded and increasing */
	CU_ASSERT(n >= 2 && n <= 16);
	for (size_t i = 1; i < n; i++) {
		CU_ASSERT(ser[i].t_cycles >= ser[i - 1].t_cycles);
		CU_ASSERT(ser[i].mech_cycles[VL_MECH_DIRECT] >= ser[i - 1].mech_cycles[VL_MECH_DIRECT]);
	}
	CU_ASSERT_EQUAL(ser[n - 1].events, 200000); /* the end sample counts every event */
	vl_sim_free(s);
}


/* ---- schedulers, caps and requests: a model where every event costs 10 and a switch 0 ---- */

static void even_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	(void)state;
	if (ev->type != VL_EV_VSWITCH)
		vl_charge(out, VL_MECH_DIRECT, 10);
}

static const struct vl_model even = {
	.version = VL_MODEL_VERSION,
	.name = "even",
	.summary = "test model: 10 cycles an event, switches free",
	.state_size = 1,
	.init = flat_init,
	.on_event = even_on_event,
};

/* Two endless guests (weights w0, w1, caps c0, c1) on one pCPU until end; their cycles. */
static void share_run(enum vl_sched k, unsigned w0, unsigned w1, unsigned c0, unsigned c1,
                      uint64_t end, uint64_t used[2], uint64_t *idle)
{
	struct arr a[2] = {{&user10, 1, 0, UINT64_MAX, 0, 0}, {&user10, 1, 0, UINT64_MAX, 0, 0}};
	struct vl_sim_config cfg = {.quantum_cycles = 1000, .period_cycles = 30000,
	                            .end_cycles = end, .sched = k};
	const struct vl_guest_config gc[2] = {{w0, c0, NULL}, {w1, c1, NULL}};
	struct vl_host h = host();
	struct vl_params p = {&h, NULL, 0, 1};
	struct vl_err err = {0};
	struct vl_sim *s;

	CU_ASSERT_EQUAL_FATAL(vl_sim_new(&s, &cfg, &h, &err), 0);
	for (unsigned g = 0; g < 2; g++) {
		struct vl_source src = {arr_read, &a[g]};
		if (w0 || g == 0)
			CU_ASSERT_EQUAL(vl_sim_add_guest_cfg(s, "g", &even, &p, &src, 1, &gc[g], &err),
			                (int)g);
	}
	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	used[0] = vl_sim_breakdown(s, 0)->cycles;
	used[1] = w0 ? vl_sim_breakdown(s, 1)->cycles : 0;
	*idle = vl_sim_stats(s)->idle_cycles;
	CU_ASSERT_EQUAL(vl_sim_stats(s)->busy_cycles + *idle, end);
	vl_sim_free(s);
}

/*
 * Credit, weights 512:256 on one pCPU, 30,000-cycle periods, 1,000-cycle
 * quanta, ten periods. Each period deals 30,000 credits 2:1: 20,000 and
 * 10,000. Both start UNDER and alternate quanta until the light guest has
 * used its 10,000 (t = 20,000) and goes OVER; the heavy one, still UNDER,
 * runs its last 10,000 alone; the next period starts both UNDER again.
 * Quanta divide the credits exactly, so over 300,000 cycles: 200,000 and
 * 100,000. Round robin ignores weights: 150,000 each.
 */
static void test_sim_credit_weights_share(void)
{
	uint64_t used[2], idle;

	share_run(VL_SCHED_CREDIT, 512, 256, 0, 0, 300000, used, &idle);
	CU_ASSERT_EQUAL(used[0], 200000);
	CU_ASSERT_EQUAL(used[1], 100000);
	CU_ASSERT_EQUAL(idle, 0);
	share_run(VL_SCHED_RR, 512, 256, 0, 0, 300000, used, &idle);
	CU_ASSERT_EQUAL(used[0], 150000);
	CU_ASSERT_EQUAL(used[1], 150000);
}

/*
 * A cap of 50% of the pCPU, alone on it: 15,000 cycles of each 30,000-cycle
 * period, then parked until the next; the pCPU idles the other half. Ten
 * periods: 150,000 busy, 150,000 idle, under every scheduler.
 */
static void test_sim_cap_idles_half(void)
{
	for (int k = 0; k < VL_SCHED__COUNT; k++) {
		uint64_t used[2], idle;
		share_run((enum vl_sched)k, 0, 0, 50, 0, 300000, used, &idle);
		CU_ASSERT_EQUAL(used[0], 150000);
		CU_ASSERT_EQUAL(idle, 150000);
	}
}

/*
 * Fair, weights 512:256: a quantum (1,000 cycles) adds 1000 x 256/512 =
 * 500 to the heavy vCPU's vruntime and 1,000 to the light one's. Least
 * vruntime first, ties to the lower index (H):
 *   H 0->500, L 0->1000, H 500->1000, H 1000->1500 (tie), L 1000->2000,
 *   H 1500->2000, H 2000->2500 (tie), L 2000->3000, ...
 * after the first quantum (L, H, H) repeats, so after 1 + 3m quanta H has
 * run 1 + 2m and L m: 3001 quanta, 2,001,000 and 1,000,000 cycles.
 */
static void test_sim_fair_weights_share(void)
{
	uint64_t used[2], idle;

	share_run(VL_SCHED_FAIR, 512, 256, 0, 0, 3001000, used, &idle);
	CU_ASSERT_EQUAL(used[0], 2001000);
	CU_ASSERT_EQUAL(used[1], 1000000);
}

/* Requests: steps of fixed cycles, or a source, and what was recorded of each. */
struct reqs {
	struct vl_step step[2];
	size_t nsteps;
	struct arr a;            /* used when nsteps == 0 */
	uint64_t n, lat_min, lat_max, lat_sum;
};

static int reqs_open(void *ctx, unsigned vcpu, uint64_t req, struct vl_request *r,
                     struct vl_err *err)
{
	struct reqs *q = ctx;
	(void)vcpu, (void)req, (void)err;
	if (q->nsteps) {
		r->steps = q->step;
		r->nsteps = q->nsteps;
	} else {
		q->a.reps = 1;
		q->a.pos = 0;
		r->src = (struct vl_source){arr_read, &q->a};
	}
	return 0;
}

static void reqs_done(void *ctx, uint64_t req, uint64_t arrive, uint64_t start, uint64_t end)
{
	struct reqs *q = ctx;
	uint64_t l = end - arrive;
	(void)req;
	CU_ASSERT(arrive <= start && start <= end);
	q->n++;
	q->lat_sum += l;
	if (!q->lat_min || l < q->lat_min)
		q->lat_min = l;
	if (l > q->lat_max)
		q->lat_max = l;
}

static struct vl_sim *req_sim(struct reqs *q, const struct vl_requests *rq, uint64_t end)
{
	struct vl_sim_config cfg = {.end_cycles = end};
	const struct vl_guest_config gc = {0, 0, rq};
	struct vl_host h = host();
	struct vl_params p = {&h, NULL, 0, 1};
	struct vl_err err = {0};
	struct vl_sim *s;

	(void)q;
	CU_ASSERT_FATAL(vl_sim_new(&s, &cfg, &h, &err) == 0);
	CU_ASSERT_EQUAL(vl_sim_add_guest_cfg(s, "r", &even, &p, NULL, 1, &gc, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_sim_run(s, &err), 0);
	return s;
}

/*
 * Closed loop of 1,000-cycle requests until 100,000: the start wakes the
 * halted vCPU with an interrupt (10), then requests run back to back, each
 * exactly 1,000 from arrival to end: done at 1,010, 2,010, ... 99,010; the
 * hundredth would end at 100,010, past the end. 99 requests.
 */
static void test_sim_requests_closed_loop(void)
{
	struct reqs q = {.step = {{1000, {VL_EV__COUNT, 0, 0, 0, 0}}}, .nsteps = 1};
	struct vl_requests rq = {0, 0, 0, reqs_open, reqs_done, &q};
	struct vl_sim *s = req_sim(&q, &rq, 100000);

	CU_ASSERT_EQUAL(q.n, 99);
	CU_ASSERT_EQUAL(q.lat_min, 1000);
	CU_ASSERT_EQUAL(q.lat_max, 1000);
	CU_ASSERT_EQUAL(vl_sim_guest_stats(s, 0)->requests, 99);
	CU_ASSERT_EQUAL(vl_sim_stats(s)->irqs, 1);
	vl_sim_free(s);
}

/*
 * The same with a trace per request (5 events of 10 cycles: 50 a request)
 * between 500 and 1,000: woken at 500 (+10), requests start at 510, 560,
 * ..., 960 (the last one taken before 1,000): 10 requests; at 1,010 none is
 * left, and the vCPU halts (a HLT through the model: 10). Busy: 10 + 500 + 10.
 */
static void test_sim_requests_trace_and_lifetime(void)
{
	struct reqs q = {.a = {&user10, 1, 0, 0, 0, 0}};
	struct vl_requests rq = {0, 500, 1000, reqs_open, reqs_done, &q};
	static const struct vl_event five[5] = {
		{VL_EV_USER, 0, 10, 0, 0}, {VL_EV_USER, 0, 10, 0, 0}, {VL_EV_USER, 0, 10, 0, 0},
		{VL_EV_USER, 0, 10, 0, 0}, {VL_EV_USER, 0, 10, 0, 0}};
	q.a.ev = five;
	q.a.n = 5;
	struct vl_sim *s = req_sim(&q, &rq, 2000);

	CU_ASSERT_EQUAL(q.n, 10);
	CU_ASSERT_EQUAL(q.lat_min, 50);
	CU_ASSERT_EQUAL(q.lat_max, 50);
	CU_ASSERT_EQUAL(vl_sim_breakdown(s, 0)->events[VL_EV_HLT], 1);
	CU_ASSERT_EQUAL(vl_sim_stats(s)->busy_cycles, 10 + 500 + 10);
	CU_ASSERT_EQUAL(vl_sim_stats(s)->idle_cycles, 2000 - 520);
	vl_sim_free(s);
}

/*
 * Poisson arrivals, mean gap 10,000 cycles, 1,000-cycle requests, until
 * 10^7 cycles: about 1,000 requests (Poisson: sd 32). A request that finds
 * the vCPU halted costs the wake-up interrupt (10) + 1,000; each idle spell begins with a HLT (10). Busy time is
 * exactly what was charged, and the rest is idle.
 */
static void test_sim_requests_poisson_halt_and_wake(void)
{
	struct reqs q = {.step = {{1000, {VL_EV__COUNT, 0, 0, 0, 0}}}, .nsteps = 1};
	struct vl_requests rq = {10000, 0, 0, reqs_open, reqs_done, &q};
	struct vl_sim *s = req_sim(&q, &rq, 10000000);
	const struct vl_sim_stats *st = vl_sim_stats(s);
	const struct vl_breakdown *bd = vl_sim_breakdown(s, 0);

	CU_ASSERT(q.n > 900 && q.n < 1100);
	/* 1,000 when it arrived just as the vCPU finished the one before */
	CU_ASSERT(q.lat_min == 1010 || q.lat_min == 1000);
	CU_ASSERT(q.lat_max > 1010); /* some arrived while another was served */
	CU_ASSERT_EQUAL(st->irqs, bd->events[VL_EV_IRQ]);
	CU_ASSERT(bd->events[VL_EV_HLT] >= st->irqs - 1 && bd->events[VL_EV_HLT] <= st->irqs);
	CU_ASSERT(st->busy_cycles >= 1000 * q.n + 10 * (st->irqs + bd->events[VL_EV_HLT]));
	CU_ASSERT(st->busy_cycles <= 1000 * (q.n + 1) + 10 * (st->irqs + bd->events[VL_EV_HLT]));
	CU_ASSERT_EQUAL(st->busy_cycles + st->idle_cycles, 10000000);
	vl_sim_free(s);
}

/* A page brought back from host swap blocks the vCPU without an interrupt. */
static void test_sim_requests_host_io_unseen(void)
{
	struct reqs q = {.step = {{100, {VL_EV_DISK, VL_EVF_SYNTH, 4096, 0, 0}},
	                          {100, {VL_EV__COUNT, 0, 0, 0, 0}}}, .nsteps = 2};
	struct vl_requests rq = {0, 0, 0, reqs_open, reqs_done, &q};
	struct vl_sim *s = req_sim(&q, &rq, 50000000);
	const struct vl_sim_stats *st = vl_sim_stats(s);

	CU_ASSERT(q.n >= 2);
	CU_ASSERT(st->io_requests[0] >= q.n);
	CU_ASSERT_EQUAL(st->irqs, 1); /* the start's wake-up only */
	CU_ASSERT(st->io_busy_cycles[0] > 0);
	vl_sim_free(s);
}

void suite_sim(void)
{
	static const struct t_case cases[] = {
		{"sim_single_vcpu_sums_charges", test_sim_single_vcpu_sums_charges},
		{"sim_batches_touch_queue_rarely", test_sim_batches_touch_queue_rarely},
		{"sim_round_robin_charges_switches", test_sim_round_robin_charges_switches},
		{"sim_two_pcpus_run_in_parallel", test_sim_two_pcpus_run_in_parallel},
		{"sim_blocking_io_waits_and_interrupts", test_sim_blocking_io_waits_and_interrupts},
		{"sim_async_io_and_hlt", test_sim_async_io_and_hlt},
		{"sim_device_channels_and_wire", test_sim_device_channels_and_wire},
		{"sim_deterministic_per_seed", test_sim_deterministic_per_seed},
		{"sim_source_error_propagates", test_sim_source_error_propagates},
		{"sim_stop_flag_interrupts", test_sim_stop_flag_interrupts},
		{"sim_refuses_wrong_model_version", test_sim_refuses_wrong_model_version},
		{"sim_holes_and_series", test_sim_holes_and_series},
		{"sim_credit_weights_share", test_sim_credit_weights_share},
		{"sim_cap_idles_half", test_sim_cap_idles_half},
		{"sim_fair_weights_share", test_sim_fair_weights_share},
		{"sim_requests_closed_loop", test_sim_requests_closed_loop},
		{"sim_requests_trace_and_lifetime", test_sim_requests_trace_and_lifetime},
		{"sim_requests_poisson_halt_and_wake", test_sim_requests_poisson_halt_and_wake},
		{"sim_requests_host_io_unseen", test_sim_requests_host_io_unseen},
		{NULL, NULL},
	};
	t_add_suite("sim", cases);
}
