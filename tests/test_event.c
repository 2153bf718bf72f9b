/*
 * The event table: every kind is described consistently, since the text and
 * binary formats and the docs are all generated from it.
 */
#include <string.h>

#include "sim/event.h"
#include "sim/mech.h"
#include "tests/util.h"
#include "traces/trace_int.h"

static void test_event_table_complete(void)
{
	for (int i = 0; i < VL_EV__COUNT; i++) {
		const struct vl_evdesc *d = &vl_evdesc[i];
		CU_ASSERT_PTR_NOT_NULL_FATAL(d->name);
		CU_ASSERT_PTR_NOT_NULL(d->fields);
		CU_ASSERT_PTR_NOT_NULL(d->help);
		CU_ASSERT_PTR_NOT_NULL_FATAL(d->usage);
		/* the usage starts with the name */
		CU_ASSERT(strncmp(d->usage, d->name, strlen(d->name)) == 0);
		CU_ASSERT_EQUAL(vl_ev_lookup(d->name, (unsigned)strlen(d->name)), i);
		for (const char *f = d->fields; *f; f++)
			CU_ASSERT_PTR_NOT_NULL(strchr("nabmwdspqlt?", *f));
		uint16_t ff[2];
		CU_ASSERT(vl_ev_flag_fields((unsigned)i, ff) <= 2);
	}
	CU_ASSERT_EQUAL(vl_ev_lookup("nosuch", 6), -1);
	CU_ASSERT_EQUAL(vl_ev_lookup("bbx", 2), VL_EV_BB);
	CU_ASSERT(VL_EV__COUNT <= 64); /* the binary form keeps the kind in 6 bits */
}

static void test_event_classes(void)
{
	CU_ASSERT(vl_evdesc[VL_EV_POPF].cls & VL_EVC_SENSITIVE);
	CU_ASSERT(vl_evdesc[VL_EV_MOVSEG].cls & VL_EVC_SENSITIVE);
	CU_ASSERT(!(vl_evdesc[VL_EV_CLI].cls & VL_EVC_SENSITIVE));
	CU_ASSERT(vl_evdesc[VL_EV_CLI].cls & VL_EVC_PRIV);
	CU_ASSERT(vl_evdesc[VL_EV_CR3].cls & VL_EVC_PRIV);
	int sens = 0;
	for (int i = 0; i < VL_EV__COUNT; i++)
		sens += !!(vl_evdesc[i].cls & VL_EVC_SENSITIVE);
	CU_ASSERT_EQUAL(sens, 12);
	/* vl_ev_insns relies on the run kinds coming first */
	for (int i = 0; i < VL_EV__COUNT; i++)
		CU_ASSERT_EQUAL(!!(vl_evdesc[i].cls & VL_EVC_RUN), i <= VL_EV_BB);
	struct vl_event bb = {VL_EV_BB, 0, 7, 1, 0}, sc = {VL_EV_SYSCALL, 0, 7, 1, 0};
	CU_ASSERT_EQUAL(vl_ev_insns(&bb), 7);
	CU_ASSERT_EQUAL(vl_ev_insns(&sc), 0);
}

static void test_mech_table_complete(void)
{
	for (int i = 0; i < VL_MECH__COUNT; i++) {
		CU_ASSERT_PTR_NOT_NULL_FATAL(vl_mechdesc[i].name);
		CU_ASSERT_EQUAL(vl_mech_lookup(vl_mechdesc[i].name), i);
	}
	CU_ASSERT_EQUAL(vl_mech_lookup("nosuch"), -1);
}

static void test_event_every_kind_documented(void)
{
	/* docs/trace-format.md describes every kind a trace may hold */
	FILE *f = fopen("docs/trace-format.md", "r");
	static char doc[65536];
	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	size_t n = fread(doc, 1, sizeof(doc) - 1, f);
	doc[n] = '\0';
	fclose(f);
	for (int i = 0; i < VL_EV__COUNT; i++) {
		char want[64];
		snprintf(want, sizeof(want), "`%s", vl_evdesc[i].name);
		T_ASSERT_STR_CONTAINS(doc, want);
	}
}

void suite_event(void)
{
	static const struct t_case cases[] = {
		{"event_table_complete", test_event_table_complete},
		{"event_classes", test_event_classes},
		{"mech_table_complete", test_mech_table_complete},
		{"event_every_kind_documented", test_event_every_kind_documented},
		{NULL, NULL},
	};
	t_add_suite("event", cases);
}
