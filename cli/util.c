/*
 * Helpers shared by the subcommands: error printing, exit codes, numbers.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "reports/doc.h"
#include "sim/registry.h"

int cli_exit_code(int code)
{
	switch (code) {
	case 0: return EXIT_OK;
	case VL_EINVAL:
	case VL_ECORRUPT:
	case VL_EVERSION: return EXIT_USAGE;
	case VL_EINTR: return EXIT_INTR;
	default: return EXIT_FAIL;
	}
}

int cli_fail(const struct vl_err *err)
{
	fprintf(stderr, "virtlab: %s\n", err->msg);
	return cli_exit_code(err->code);
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "virtlab %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n(see 'virtlab %s --help')\n", cmd);
	return EXIT_USAGE;
}

int cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	*out = v;
	return 0;
}

const char *cli_num(uint64_t n, char *buf, size_t len)
{
	char tmp[32];
	int l = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)n), o = 0;

	for (int i = 0; i < l && (size_t)o + 2 < len; i++) {
		if (i && (l - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

int cli_ensure_parent(const char *path, struct vl_err *err)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');

	if (!slash || slash == path)
		return 0;
	if ((size_t)(slash - path) >= sizeof(dir))
		return vl_err_set(err, VL_EINVAL, "%s: path too long", path);
	snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
	/* every missing level, as mkdir -p: out/NAME/ in a fresh clone has neither */
	for (char *c = dir + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(dir, 0777) != 0 && errno != EEXIST)
			return vl_err_set(err, VL_EIO, "%s: cannot create directory: %s", dir,
			                  strerror(errno));
		*c = '/';
	}
	if (mkdir(dir, 0777) != 0 && errno != EEXIST)
		return vl_err_set(err, VL_EIO, "%s: cannot create directory: %s", dir, strerror(errno));
	return 0;
}

void cli_update_index(const char *report_dir, int quiet)
{
	char root[1024];
	struct vl_err err = {0};
	unsigned n;

	snprintf(root, sizeof(root), "%s", report_dir);
	size_t len = strlen(root);
	while (len > 1 && root[len - 1] == '/')
		root[--len] = '\0';
	char *slash = strrchr(root, '/');
	if (!slash)
		return;
	*slash = '\0';
	const char *base = strrchr(root, '/') ? strrchr(root, '/') + 1 : root;
	if (strcmp(base, "out") != 0)
		return;
	if (vl_doc_index(root, &n, &err))
		fprintf(stderr, "virtlab: warning: the index of reports: %s\n", err.msg);
	else if (!quiet)
		printf("index: %s/index.html lists %u report%s\n", root, n, n == 1 ? "" : "s");
}

int cli_load_plugin(struct cli_plugins *p, const char *path)
{
	struct vl_err err = {0};

	if (p->n == CLI_MAX_PLUGINS) {
		fprintf(stderr, "virtlab: more than %d --model-path options\n", CLI_MAX_PLUGINS);
		return EXIT_USAGE;
	}
	if (vl_model_load(path, &p->m[p->n], &err))
		return cli_fail(&err);
	p->n++;
	return EXIT_OK;
}

const struct vl_model *cli_find_model(const struct cli_plugins *p, const char *name)
{
	const struct vl_model *m = vl_model_find(name);

	for (size_t i = 0; !m && p && i < p->n; i++)
		if (strcmp(p->m[i]->name, name) == 0)
			m = p->m[i];
	if (m)
		return m;
	fprintf(stderr, "virtlab: unknown model '%s' (valid:", name);
	for (size_t i = 0; i < vl_nbuiltin_models; i++)
		fprintf(stderr, "%s %s", i ? "," : "", vl_builtin_models[i]->name);
	for (size_t i = 0; p && i < p->n; i++)
		fprintf(stderr, ", %s", p->m[i]->name);
	fprintf(stderr, ")\n");
	return NULL;
}
