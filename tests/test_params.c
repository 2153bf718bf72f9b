/*
 * Parameters, profiles and overrides: resolution order, range checks, and
 * errors that list the valid names.
 */
#include <string.h>

#include "models/native/native.h"
#include "sim/registry.h"
#include "tests/util.h"

/* A model with parameters and profiles, for resolution tests. */
static const struct vl_param_def tparams[] = {
	{"exit_cycles", "cycles", 1000, 0, 1e6, "test", "exit cost"},
	{"tc_kb", "KiB", 512, 1, 65536, "test", "cache size"},
};

static const struct vl_setting slow_set[] = {{"exit_cycles", 4000}, {"syscall", 300}, {NULL, 0}};
static const struct vl_setting broken_set[] = {{"nosuch", 1}, {NULL, 0}};

static const struct vl_profile tprofiles[] = {
	{"fast", "fast", "prescott", NULL, NULL},
	{"slow", "slow", "prescott", slow_set, NULL},
	{"broken", "refers to a missing parameter", "prescott", broken_set, NULL},
	{"nohost", "runs on a host that does not exist", "pentium9", NULL, NULL},
};

static const struct vl_model tmodel = {
	.version = VL_MODEL_VERSION, .name = "tmodel", .summary = "test",
	.params = tparams, .nparams = 2, .profiles = tprofiles, .nprofiles = 4,
};

static void test_params_override_parse(void)
{
	struct vl_override o;
	struct vl_err err = {0};
	char a[] = "exit_cycles=1500", b[] = "disk_mbs=2.5k", c[] = "x=abc", d[] = "=5",
	     e[] = "novalue", f[] = "clock_hz=3.8G", g[] = "x=1e999";

	CU_ASSERT_EQUAL(vl_override_parse(&o, a, &err), 0);
	CU_ASSERT_STRING_EQUAL(o.name, "exit_cycles");
	CU_ASSERT_DOUBLE_EQUAL(o.value, 1500, 0);
	CU_ASSERT_EQUAL(vl_override_parse(&o, b, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(o.value, 2500, 1e-9);
	CU_ASSERT_EQUAL(vl_override_parse(&o, f, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(o.value, 3.8e9, 1);
	CU_ASSERT_EQUAL(vl_override_parse(&o, c, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "'x=abc': value is not a number");
	CU_ASSERT_EQUAL(vl_override_parse(&o, d, &err), VL_EINVAL);
	CU_ASSERT_EQUAL(vl_override_parse(&o, e, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "expected name=value");
	CU_ASSERT_EQUAL(vl_override_parse(&o, g, &err), VL_EINVAL);
}

static void test_params_resolution_order(void)
{
	struct vl_config c;
	struct vl_err err = {0};
	struct vl_override ov[] = {{"tc_kb", 64}, {"syscall", 500}};

	CU_ASSERT_EQUAL_FATAL(vl_config_resolve(&c, &tmodel, NULL, NULL, NULL, 0, &err), 0);
	CU_ASSERT_STRING_EQUAL(c.profile->name, "fast"); /* the first is the default */
	CU_ASSERT_DOUBLE_EQUAL(c.v[0], 1000, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.host.v[VL_H_SYSCALL], 242, 0);
	vl_config_release(&c);

	/* profile over defaults, overrides over the profile; host and model alike */
	CU_ASSERT_EQUAL_FATAL(vl_config_resolve(&c, &tmodel, "slow", NULL, ov, 2, &err), 0);
	CU_ASSERT_DOUBLE_EQUAL(c.v[0], 4000, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.v[1], 64, 0);
	CU_ASSERT_DOUBLE_EQUAL(c.host.v[VL_H_SYSCALL], 500, 0);
	CU_ASSERT_STRING_EQUAL(c.hostprof->name, "prescott");
	vl_config_release(&c);
}

static void test_params_unknown_names_list_valid(void)
{
	struct vl_config c;
	struct vl_err err = {0};
	struct vl_override bad = {"exit_cyc", 1};

	CU_ASSERT_EQUAL(vl_config_resolve(&c, &tmodel, "medium", NULL, NULL, 0, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "unknown profile 'medium' for model tmodel (valid: fast, slow");
	CU_ASSERT_EQUAL(vl_config_resolve(&c, &tmodel, NULL, "pentium9", NULL, 0, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "unknown host profile 'pentium9' (valid: prescott");
	CU_ASSERT_EQUAL(vl_config_resolve(&c, &tmodel, "nohost", NULL, NULL, 0, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "unknown host profile 'pentium9'");
	CU_ASSERT_EQUAL(vl_config_resolve(&c, &tmodel, NULL, NULL, &bad, 1, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "unknown parameter 'exit_cyc' (model tmodel has: exit_cycles, tc_kb;");
	T_ASSERT_STR_CONTAINS(err.msg, "host: clock_hz, cpi_user");
	CU_ASSERT_EQUAL(vl_config_resolve(&c, &tmodel, "broken", NULL, NULL, 0, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "system profile 'broken': unknown parameter 'nosuch'");
	/* native's profiles are the host profiles */
	CU_ASSERT_EQUAL(vl_config_resolve(&c, &vl_model_native, "p5", NULL, NULL, 0, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "unknown host profile 'p5'");
}

static void test_params_range_checked(void)
{
	struct vl_config c;
	struct vl_err err = {0};
	struct vl_override big = {"tc_kb", 1e9}, neg = {"syscall", -1};

	CU_ASSERT_EQUAL(vl_config_resolve(&c, &tmodel, NULL, NULL, &big, 1, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "--param: parameter 'tc_kb' = 1e+09 is out of range [1, 65536] KiB");
	CU_ASSERT_EQUAL(vl_config_resolve(&c, &tmodel, NULL, NULL, &neg, 1, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "'syscall' = -1 is out of range");
}

static void test_params_tables_have_sources(void)
{
	/* Every default names where it came from, and lies in its own range. */
	for (int i = 0; i < VL_H__COUNT; i++) {
		const struct vl_param_def *p = &vl_host_params[i];
		CU_ASSERT_PTR_NOT_NULL_FATAL(p->name);
		CU_ASSERT(p->source && strlen(p->source) > 5);
		CU_ASSERT(p->unit && *p->unit);
		CU_ASSERT(p->def >= p->min && p->def <= p->max);
	}
	for (size_t m = 0; m < vl_nbuiltin_models; m++) {
		const struct vl_model *md = vl_builtin_models[m];
		for (size_t i = 0; i < md->nparams; i++) {
			CU_ASSERT(md->params[i].source && strlen(md->params[i].source) > 5);
			CU_ASSERT(md->params[i].def >= md->params[i].min &&
			          md->params[i].def <= md->params[i].max);
		}
		/* every profile resolves */
		for (size_t p = 0; p < md->nprofiles; p++) {
			struct vl_config c;
			struct vl_err err = {0};
			CU_ASSERT_EQUAL(vl_config_resolve(&c, md, md->profiles[p].name, NULL, NULL, 0, &err), 0);
			vl_config_release(&c);
		}
	}
	CU_ASSERT_PTR_NOT_NULL(vl_model_find("native"));
	CU_ASSERT_PTR_NULL(vl_model_find("nosuch"));
}

void suite_params(void)
{
	static const struct t_case cases[] = {
		{"params_override_parse", test_params_override_parse},
		{"params_resolution_order", test_params_resolution_order},
		{"params_unknown_names_list_valid", test_params_unknown_names_list_valid},
		{"params_range_checked", test_params_range_checked},
		{"params_tables_have_sources", test_params_tables_have_sources},
		{NULL, NULL},
	};
	t_add_suite("params", cases);
}
