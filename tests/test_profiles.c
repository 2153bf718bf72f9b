/*
 * System profiles: every profile of every built-in model is its own system
 * (no two non-alias profiles resolve to the same parameters and host), and
 * an alias resolves exactly to the profile it names (issue 17).
 */
#include <stdio.h>
#include <string.h>

#include "sim/registry.h"
#include "tests/util.h"

/* Fails the current test with msg (CUnit records it under this file:line). */
static void fail(int line, const char *msg)
{
	CU_assertImplementation(CU_FALSE, (unsigned)line, msg, __FILE__, "", CU_FALSE);
}

/* Resolves profile name of md with no overrides; 0 or the error code. */
static int resolve(struct vl_config *c, const struct vl_model *md, const char *name)
{
	struct vl_err err = {0};
	int rc = vl_config_resolve(c, md, name, NULL, NULL, 0, &err);
	if (rc) {
		char msg[2300];
		snprintf(msg, sizeof(msg), "%s -p %s does not resolve: %s", md->name, name, err.msg);
		fail(__LINE__, msg);
	}
	return rc;
}

/* The full resolved vector: the model's values, the host's, the host profile. */
static int same_config(const struct vl_config *a, const struct vl_config *b)
{
	return a->model == b->model && a->hostprof == b->hostprof &&
	       memcmp(a->v, b->v, a->model->nparams * sizeof(double)) == 0 &&
	       memcmp(a->host.v, b->host.v, sizeof(a->host.v)) == 0;
}

static void test_profiles_distinct_unless_alias(void)
{
	for (size_t m = 0; m < vl_nbuiltin_models; m++) {
		const struct vl_model *md = vl_builtin_models[m];
		for (size_t i = 0; i < md->nprofiles; i++) {
			const struct vl_profile *pi = &md->profiles[i];
			struct vl_config ci;
			if (pi->alias_of || resolve(&ci, md, pi->name))
				continue;
			for (size_t j = i + 1; j < md->nprofiles; j++) {
				const struct vl_profile *pj = &md->profiles[j];
				struct vl_config cj;
				if (pj->alias_of || resolve(&cj, md, pj->name))
					continue;
				if (same_config(&ci, &cj)) {
					char msg[300];
					snprintf(msg, sizeof(msg), "%s profiles '%s' and '%s' resolve to the same "
					         "parameters and host but neither is an alias", md->name,
					         pi->name, pj->name);
					fail(__LINE__, msg);
				}
				vl_config_release(&cj);
			}
			vl_config_release(&ci);
		}
	}
}

static void test_profiles_alias_resolves_to_target(void)
{
	for (size_t m = 0; m < vl_nbuiltin_models; m++) {
		const struct vl_model *md = vl_builtin_models[m];
		for (size_t i = 0; i < md->nprofiles; i++) {
			const struct vl_profile *p = &md->profiles[i];
			struct vl_config ca, ct;
			char msg[300];
			if (!p->alias_of)
				continue;
			/* an alias carries a reason and nothing that resolution would ignore */
			if (!p->notes || strlen(p->notes) < 20 || p->set || p->host) {
				snprintf(msg, sizeof(msg), "%s alias '%s' needs notes saying why, and no "
				         "host or settings of its own", md->name, p->name);
				fail(__LINE__, msg);
			}
			if (resolve(&ca, md, p->name))
				continue;
			if (resolve(&ct, md, p->alias_of)) {
				vl_config_release(&ca);
				continue;
			}
			if (!same_config(&ca, &ct)) {
				snprintf(msg, sizeof(msg), "%s alias '%s' does not resolve exactly to '%s'",
				         md->name, p->name, p->alias_of);
				fail(__LINE__, msg);
			}
			/* the run keeps the name it was asked for */
			CU_ASSERT_PTR_EQUAL(ca.profile, p);
			CU_ASSERT_PTR_NULL(ca.target->alias_of);
			vl_config_release(&ct);
			vl_config_release(&ca);
		}
	}
}

static void test_profiles_fields_known_words(void)
{
	static const char *const words[] = {
		"development", "games", "server", "desktop", "teaching", "research",
	};
	for (size_t m = 0; m < vl_nbuiltin_models; m++) {
		const struct vl_model *md = vl_builtin_models[m];
		for (size_t i = 0; i < md->nprofiles; i++) {
			const char *f = md->profiles[i].field;
			if (!f)
				continue;
			/* a comma-separated list of the words above */
			while (*f) {
				size_t len = strcspn(f, ",");
				int ok = 0;
				for (size_t w = 0; w < sizeof(words) / sizeof(words[0]); w++)
					ok |= strlen(words[w]) == len && !strncmp(words[w], f, len);
				if (!ok) {
					char msg[300];
					snprintf(msg, sizeof(msg), "%s profile '%s': unknown field of use '%s'",
					         md->name, md->profiles[i].name, md->profiles[i].field);
					fail(__LINE__, msg);
					break;
				}
				f += len;
				f += strspn(f, ", ");
			}
		}
	}
}

/* A model whose aliases dangle or loop: resolution refuses them by name. */
static void test_profiles_broken_alias_refused(void)
{
	static const struct vl_param_def params[] = {
		{"a", "cycles", 1, 0, 10, "test", "a"},
	};
	static const struct vl_profile profiles[] = {
		{"real", "a system", NULL, NULL, NULL, NULL, NULL},
		{"dangling", "an alias of nothing", NULL, NULL, "test", "nosuch", NULL},
		{"loop1", "a loop", NULL, NULL, "test", "loop2", NULL},
		{"loop2", "a loop", NULL, NULL, "test", "loop1", NULL},
		{"chain", "an alias of an alias", NULL, NULL, "test", "chain2", NULL},
		{"chain2", "an alias", NULL, NULL, "test", "real", NULL},
	};
	static const struct vl_model md = {
		.version = VL_MODEL_VERSION, .name = "tmodel", .summary = "test",
		.params = params, .nparams = 1, .profiles = profiles, .nprofiles = 6,
	};
	struct vl_config c;
	struct vl_err err = {0};

	CU_ASSERT_EQUAL(vl_config_resolve(&c, &md, "dangling", NULL, NULL, 0, &err), VL_EINVAL);
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'dangling'"));
	CU_ASSERT_PTR_NOT_NULL(strstr(err.msg, "'nosuch'"));
	CU_ASSERT_EQUAL(vl_config_resolve(&c, &md, "loop1", NULL, NULL, 0, &err), VL_EINVAL);
	CU_ASSERT_PTR_NULL(vl_profile_target(&md, &profiles[3]));
	CU_ASSERT_PTR_EQUAL(vl_profile_target(&md, &profiles[4]), &profiles[0]);
	if (vl_config_resolve(&c, &md, "chain", NULL, NULL, 0, &err) == 0) {
		CU_ASSERT_PTR_EQUAL(c.profile, &profiles[4]);
		CU_ASSERT_PTR_EQUAL(c.target, &profiles[0]);
		vl_config_release(&c);
	} else {
		CU_FAIL("an alias of an alias does not resolve");
	}
}

void suite_profiles(void)
{
	static const struct t_case cases[] = {
		{"profiles_distinct_unless_alias", test_profiles_distinct_unless_alias},
		{"profiles_alias_resolves_to_target", test_profiles_alias_resolves_to_target},
		{"profiles_fields_known_words", test_profiles_fields_known_words},
		{"profiles_broken_alias_refused", test_profiles_broken_alias_refused},
		{NULL, NULL},
	};
	t_add_suite("profiles", cases);
}
