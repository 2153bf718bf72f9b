/*
 * Event queues: both implementations give the same total order (time, then
 * insertion), cancel lazily, refuse the past and keep their invariants.
 */
#include <stdlib.h>
#include <string.h>

#include "sim/queue.h"
#include "sim/rng.h"
#include "tests/util.h"

struct rec {
	uint64_t time, seq;
};

static int cmp_rec(const void *x, const void *y)
{
	const struct rec *a = x, *b = y;
	if (a->time != b->time)
		return a->time < b->time ? -1 : 1;
	return a->seq < b->seq ? -1 : a->seq > b->seq;
}

/* Random times with many ties; pops must match a stable sort. */
static void check_order(const struct vl_queue_ops *ops)
{
	enum { N = 20000 };
	struct vl_queue q;
	struct vl_err err = {0};
	struct rec *want = malloc(N * sizeof(*want));
	gsl_rng *r = vl_rng_new(3, 0, 0);

	CU_ASSERT_EQUAL_FATAL(vl_queue_init(&q, ops, &err), 0);
	for (uint64_t i = 0; i < N; i++) {
		struct vl_qev ev = {gsl_rng_uniform_int(r, 500), 0, 0, i};
		want[i] = (struct rec){ev.time, i};
		CU_ASSERT_EQUAL(vl_queue_schedule(&q, &ev, NULL, &err), 0);
	}
	qsort(want, N, sizeof(*want), cmp_rec);
	struct vl_qev got;
	int bad = 0;
	for (int i = 0; i < N; i++) {
		CU_ASSERT_EQUAL_FATAL(vl_queue_next(&q, &got), 1);
		bad += got.time != want[i].time || got.arg != want[i].seq;
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(vl_queue_next(&q, &got), 0);
	CU_ASSERT_EQUAL(q.scheduled, N);
	CU_ASSERT_EQUAL(q.executed, N);
	vl_queue_release(&q);
	gsl_rng_free(r);
	free(want);
}

/* The hold model against a reference: pop one, push one later, with cancels. */
static void check_hold(const struct vl_queue_ops *ops)
{
	struct vl_queue a, b;
	struct vl_err err = {0};
	gsl_rng *r = vl_rng_new(5, 0, 0);
	vl_qhandle ha[64], hb[64];
	int nh = 0, bad = 0;

	vl_queue_init(&a, ops, &err);
	vl_queue_init(&b, &vl_queue_heap4, &err);
	for (uint64_t i = 0; i < 1000; i++) {
		struct vl_qev ev = {gsl_rng_uniform_int(r, 100), 0, 0, i};
		vl_queue_schedule(&a, &ev, NULL, &err);
		vl_queue_schedule(&b, &ev, NULL, &err);
	}
	for (uint64_t i = 0; i < 50000; i++) {
		struct vl_qev x, y;
		CU_ASSERT_EQUAL_FATAL(vl_queue_next(&a, &x), 1);
		CU_ASSERT_EQUAL_FATAL(vl_queue_next(&b, &y), 1);
		bad += x.time != y.time || x.arg != y.arg;
		struct vl_qev ev = {x.time + gsl_rng_uniform_int(r, 100), 0, 0, 1000 + i};
		if (nh < 64 && i % 3 == 0) {
			vl_queue_schedule(&a, &ev, &ha[nh], &err);
			vl_queue_schedule(&b, &ev, &hb[nh], &err);
			nh++;
		} else {
			vl_queue_schedule(&a, &ev, NULL, &err);
			vl_queue_schedule(&b, &ev, NULL, &err);
		}
		if (nh == 64 || (nh && i % 7 == 0)) {
			nh--;
			CU_ASSERT_EQUAL(vl_queue_cancel(&a, ha[nh]), vl_queue_cancel(&b, hb[nh]));
			ev.arg += 1000000; /* keep the population steady */
			vl_queue_schedule(&a, &ev, NULL, &err);
			vl_queue_schedule(&b, &ev, NULL, &err);
		}
	}
	CU_ASSERT_EQUAL(bad, 0);
	CU_ASSERT_EQUAL(vl_queue_pending(&a), vl_queue_pending(&b));
	CU_ASSERT_EQUAL(a.scheduled, a.executed + a.cancelled + vl_queue_pending(&a));
	vl_queue_release(&a);
	vl_queue_release(&b);
	gsl_rng_free(r);
}

static void check_cancel(const struct vl_queue_ops *ops)
{
	struct vl_queue q;
	struct vl_err err = {0};
	vl_qhandle h1, h2, h3;
	struct vl_qev e1 = {10, 1, 0, 1}, e2 = {5, 2, 0, 2}, e3 = {20, 3, 0, 3}, got;

	vl_queue_init(&q, ops, &err);
	vl_queue_schedule(&q, &e1, &h1, &err);
	vl_queue_schedule(&q, &e2, &h2, &err);
	vl_queue_schedule(&q, &e3, &h3, &err);
	CU_ASSERT_EQUAL(vl_queue_cancel(&q, h2), 1);
	CU_ASSERT_EQUAL(vl_queue_cancel(&q, h2), 0); /* twice: no effect */
	CU_ASSERT_EQUAL(vl_queue_peek_time(&q), 10);  /* the cancelled head is skipped */
	CU_ASSERT_EQUAL(vl_queue_pending(&q), 2);
	CU_ASSERT_EQUAL(vl_queue_next(&q, &got), 1);
	CU_ASSERT_EQUAL(got.kind, 1);
	CU_ASSERT_EQUAL(vl_queue_cancel(&q, h1), 0); /* already executed */
	/* A reused slot does not answer to the old handle. */
	struct vl_qev e4 = {30, 4, 0, 4};
	vl_qhandle h4;
	vl_queue_schedule(&q, &e4, &h4, &err);
	CU_ASSERT_NOT_EQUAL(h4, h1);
	CU_ASSERT_EQUAL(vl_queue_cancel(&q, h1), 0);
	/* The past is refused. */
	struct vl_qev past = {5, 9, 0, 9};
	CU_ASSERT_EQUAL(vl_queue_schedule(&q, &past, NULL, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "in the past");
	CU_ASSERT_EQUAL(vl_queue_next(&q, &got), 1);
	CU_ASSERT_EQUAL(got.kind, 3);
	CU_ASSERT_EQUAL(vl_queue_next(&q, &got), 1);
	CU_ASSERT_EQUAL(got.kind, 4);
	CU_ASSERT_EQUAL(vl_queue_next(&q, &got), 0);
	CU_ASSERT_EQUAL(q.scheduled, q.executed + q.cancelled);
	CU_ASSERT_EQUAL(vl_queue_peek_time(&q), UINT64_MAX);
	vl_queue_release(&q);
}

static void test_queue_ladder_order(void) { check_order(&vl_queue_ladder); }
static void test_queue_ladder_hold(void) { check_hold(&vl_queue_ladder); }
static void test_queue_ladder_cancel(void) { check_cancel(&vl_queue_ladder); }
static void test_queue_heap4_order(void) { check_order(&vl_queue_heap4); }
static void test_queue_pairing_order(void) { check_order(&vl_queue_pairing); }
static void test_queue_heap4_hold(void) { check_hold(&vl_queue_heap4); }
static void test_queue_pairing_hold(void) { check_hold(&vl_queue_pairing); }
static void test_queue_heap4_cancel(void) { check_cancel(&vl_queue_heap4); }
static void test_queue_pairing_cancel(void) { check_cancel(&vl_queue_pairing); }

static void test_queue_find(void)
{
	CU_ASSERT_PTR_EQUAL(vl_queue_ops_find("heap4"), &vl_queue_heap4);
	CU_ASSERT_PTR_EQUAL(vl_queue_ops_find("pairing"), &vl_queue_pairing);
	CU_ASSERT_PTR_NULL(vl_queue_ops_find("calendar"));
	CU_ASSERT_PTR_EQUAL(vl_queue_ops_find("ladder"), &vl_queue_ladder);
	CU_ASSERT_PTR_EQUAL(vl_queue_impls[0], &vl_queue_ladder);
}

void suite_queue(void)
{
	static const struct t_case cases[] = {
		{"queue_ladder_order", test_queue_ladder_order},
		{"queue_ladder_hold", test_queue_ladder_hold},
		{"queue_ladder_cancel", test_queue_ladder_cancel},
		{"queue_heap4_order", test_queue_heap4_order},
		{"queue_pairing_order", test_queue_pairing_order},
		{"queue_heap4_hold", test_queue_heap4_hold},
		{"queue_pairing_hold", test_queue_pairing_hold},
		{"queue_heap4_cancel", test_queue_heap4_cancel},
		{"queue_pairing_cancel", test_queue_pairing_cancel},
		{"queue_find", test_queue_find},
		{NULL, NULL},
	};
	t_add_suite("queue", cases);
}
