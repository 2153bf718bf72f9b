/*
 * virtlab models: list the models; show one model's parameters (unit,
 * default, range, source) and profiles; list host parameters and profiles.
 * Everything printed comes from the models' own tables.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/registry.h"

static void help(void)
{
	printf("usage: virtlab models [--names]\n"
	       "       virtlab models show MODEL [--markdown]\n"
	       "       virtlab models hosts\n\n"
	       "Lists the models with their profiles; 'show' prints a model's parameters\n"
	       "with unit, default, range and source; 'hosts' prints the host parameters\n"
	       "(clock, native costs, devices) and the host profiles.\n\n"
	       "  --names     model names only, one a line (for scripts)\n"
	       "  --model-path F  load a model plugin first (docs/plugins.md)\n"
	       "  --markdown  the parameter and profile tables as Markdown (the READMEs' source)\n");
}

static void print_params(const struct vl_param_def *p, size_t n)
{
	printf("  %-16s %-12s %12s  %-21s %s\n", "parameter", "unit", "default", "range", "source");
	for (size_t i = 0; i < n; i++) {
		char range[64];
		snprintf(range, sizeof(range), "[%g, %g]", p[i].min, p[i].max);
		printf("  %-16s %-12s %12g  %-21s %s\n", p[i].name, p[i].unit, p[i].def, range,
		       p[i].source);
		printf("  %-16s %s\n", "", p[i].help);
	}
}

/* The parameter table in Markdown, for the models' READMEs. */
static void print_params_md(const struct vl_param_def *p, size_t n)
{
	printf("| parameter | unit | default | range | meaning | source |\n");
	printf("| --- | --- | ---: | --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++)
		printf("| `%s` | %s | %g | %g .. %g | %s | %s |\n", p[i].name, p[i].unit, p[i].def,
		       p[i].min, p[i].max, p[i].help, p[i].source);
}

static void print_profiles_md(const struct vl_profile *p, size_t n)
{
	printf("| profile | system | field of use | host | settings | notes |\n");
	printf("| --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < n; i++) {
		printf("| `%s` | %s | %s | %s | ", p[i].name, p[i].summary,
		       p[i].field ? p[i].field : "-", p[i].host ? p[i].host : "-");
		if (p[i].alias_of) {
			printf("alias of `%s` | %s |\n", p[i].alias_of, p[i].notes ? p[i].notes : "");
			continue;
		}
		int any = 0;
		for (const struct vl_setting *st = p[i].set; st && st->name; st++, any = 1)
			printf("%s`%s=%g`", any ? ", " : "", st->name, st->value);
		printf("%s | %s |\n", any ? "" : "defaults", p[i].notes ? p[i].notes : "");
	}
}

static void print_profiles(const struct vl_profile *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		printf("  %-18s %s%s\n", p[i].name, p[i].summary, i == 0 ? " (default)" : "");
		if (p[i].alias_of)
			printf("  %-18s = %s (an alias: resolves exactly to it)\n", "", p[i].alias_of);
		if (p[i].field)
			printf("  %-18s field of use: %s\n", "", p[i].field);
		if (p[i].host)
			printf("  %-18s host: %s\n", "", p[i].host);
		for (const struct vl_setting *s = p[i].set; s && s->name; s++)
			printf("  %-18s %s = %g\n", "", s->name, s->value);
		if (p[i].notes)
			printf("  %-18s %s\n", "", p[i].notes);
	}
}

int cmd_models(int argc, char **argv)
{
	struct cli_plugins plugins = {0};
	int rc;

	/* --model-path F, anywhere: the plugin's model joins the listing */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--model-path") == 0) {
			if (i + 1 == argc)
				return cli_usage_error("models", "--model-path needs a file");
			if ((rc = cli_load_plugin(&plugins, argv[i + 1])))
				return rc;
			memmove(&argv[i], &argv[i + 2], (size_t)(argc - i - 2) * sizeof(*argv));
			argc -= 2;
			i--;
		}
	}
	if (argc >= 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		help();
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "--names") == 0) {
		for (size_t i = 0; i < vl_nbuiltin_models; i++)
			printf("%s\n", vl_builtin_models[i]->name);
		for (size_t i = 0; i < plugins.n; i++)
			printf("%s\n", plugins.m[i]->name);
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "hosts") == 0) {
		size_t n;
		const struct vl_profile *hp = vl_host_profile_list(&n);
		printf("host parameters (defaults: the first host profile)\n");
		print_params(vl_host_params, VL_H__COUNT);
		printf("\nhost profiles\n");
		print_profiles(hp, n);
		return EXIT_OK;
	}
	if (argc == 4 && strcmp(argv[1], "show") == 0 && strcmp(argv[3], "--markdown") == 0) {
		const struct vl_model *m = cli_find_model(&plugins, argv[2]);
		if (!m)
			return EXIT_USAGE;
		if (m->nparams)
			print_params_md(m->params, m->nparams);
		if (m->nprofiles) {
			printf("\n");
			print_profiles_md(m->profiles, m->nprofiles);
		}
		return EXIT_OK;
	}
	if (argc == 3 && strcmp(argv[1], "show") == 0) {
		const struct vl_model *m = cli_find_model(&plugins, argv[2]);
		if (!m)
			return EXIT_USAGE;
		printf("%s: %s\n\n", m->name, m->summary);
		if (m->nparams) {
			printf("parameters\n");
			print_params(m->params, m->nparams);
		} else {
			printf("parameters: none of its own (host parameters: 'virtlab models hosts')\n");
		}
		if (m->nprofiles) {
			printf("\nprofiles\n");
			print_profiles(m->profiles, m->nprofiles);
		} else {
			printf("profiles: the host profiles ('virtlab models hosts')\n");
		}
		return EXIT_OK;
	}
	if (argc == 2 && strcmp(argv[1], "show") == 0)
		return cli_usage_error("models", "show needs a MODEL");
	if (argc != 1)
		return cli_usage_error("models", "unexpected argument '%s'", argv[1]);
	printf("%-10s %s\n", "model", "summary / profile, field of use, system (ALIAS = TARGET: why)");
	for (size_t i = 0; i < vl_nbuiltin_models + plugins.n; i++) {
		const struct vl_model *m = i < vl_nbuiltin_models ? vl_builtin_models[i]
		                                                  : plugins.m[i - vl_nbuiltin_models];
		printf("%-10s %s\n", m->name, m->summary);
		/* one line a system profile: name, field of use, what it is (or its alias) */
		for (size_t j = 0; j < m->nprofiles; j++) {
			const struct vl_profile *p = &m->profiles[j];
			printf("%-10s %-18s %-20s ", "", p->name, p->field ? p->field : "-");
			if (p->alias_of) /* the reason's first clause; 'models show' has it all */
				printf("= %s: %.*s\n", p->alias_of,
				       p->notes ? (int)strcspn(p->notes, ";") : 0, p->notes ? p->notes : "");
			else
				printf("%s\n", p->summary);
		}
		if (!m->nprofiles) {
			size_t n;
			const struct vl_profile *hp = vl_host_profile_list(&n);
			printf("%-10s profiles (hosts):", "");
			for (size_t j = 0; j < n; j++)
				printf("%s %s", j ? "," : "", hp[j].name);
			printf("\n");
		}
	}
	return EXIT_OK;
}
