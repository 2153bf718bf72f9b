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

void suite_sim(void)
{
	static const struct t_case cases[] = {
		{"sim_single_vcpu_sums_charges", test_sim_single_vcpu_sums_charges},
		{"sim_batches_touch_queue_rarely", test_sim_batches_touch_queue_rarely},
		{"sim_round_robin_charges_switches", test_sim_round_robin_charges_switches},
		{"sim_two_pcpus_run_in_parallel", test_sim_two_pcpus_run_in_parallel},
		{"sim_blocking_io_waits_and_interrupts", test_sim_blocking_io_waits_and_interrupts},
		{"sim_async_io_and_hlt", test_sim_async_io_and_hlt},
		{"sim_deterministic_per_seed", test_sim_deterministic_per_seed},
		{"sim_source_error_propagates", test_sim_source_error_propagates},
		{"sim_stop_flag_interrupts", test_sim_stop_flag_interrupts},
		{"sim_refuses_wrong_model_version", test_sim_refuses_wrong_model_version},
		{"sim_holes_and_series", test_sim_holes_and_series},
		{NULL, NULL},
	};
	t_add_suite("sim", cases);
}
