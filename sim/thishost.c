#include "sim/thishost.h"

#include <errno.h>
#include <ini.h>
#include <string.h>

#define MAX_SECTIONS 16
#define MAX_SETTINGS 64

struct section {
	char name[64];   /* MODEL, MODEL VARIANT, or host */
	char pname[80];  /* the profile's name: this-host, or this-host-VARIANT */
	char notes[512];
	struct vl_setting set[MAX_SETTINGS + 1];
	char keys[MAX_SETTINGS][64];
	size_t n;
	struct vl_profile prof;
};

static struct {
	char path[4096];
	struct section sec[MAX_SECTIONS];
	size_t n;
	int loaded;
	struct vl_err err;
} cache;

const char *vl_this_host_path(void)
{
	const char *p = getenv("VIRTLAB_THIS_HOST");
	return p && *p ? p : VL_THIS_HOST_DEFAULT_PATH;
}

static int on_kv(void *user, const char *secname, const char *key, const char *value)
{
	char *end;
	struct section *s = NULL;

	(void)user;
	if (!strncmp(secname, "system ", 7))
		secname += 7;
	for (size_t i = 0; i < cache.n; i++)
		if (!strcmp(cache.sec[i].name, secname))
			s = &cache.sec[i];
	if (!s) {
		if (cache.n == MAX_SECTIONS) {
			vl_err_set(&cache.err, VL_EINVAL, "%s: more than %d sections", cache.path, MAX_SECTIONS);
			return 0;
		}
		s = &cache.sec[cache.n++];
		snprintf(s->name, sizeof(s->name), "%s", secname);
	}
	if (!strcmp(key, "notes")) {
		snprintf(s->notes, sizeof(s->notes), "%s", value);
		return 1;
	}
	if (s->n == MAX_SETTINGS) {
		vl_err_set(&cache.err, VL_EINVAL, "%s: [%s] more than %d values", cache.path, secname,
		           MAX_SETTINGS);
		return 0;
	}
	errno = 0;
	double v = strtod(value, &end);
	if (end == value || *end || errno) {
		vl_err_set(&cache.err, VL_EINVAL, "%s: [%s] %s: '%s' is not a number", cache.path,
		           secname, key, value);
		return 0;
	}
	snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s", key);
	s->set[s->n].name = s->keys[s->n];
	s->set[s->n].value = v;
	s->n++;
	return 1;
}

static int load(struct vl_err *err)
{
	const char *path = vl_this_host_path();
	FILE *f;

	if (cache.loaded && !strcmp(cache.path, path))
		return cache.err.code ? vl_err_set(err, cache.err.code, "%s", cache.err.msg) : 0;
	memset(&cache, 0, sizeof(cache));
	snprintf(cache.path, sizeof(cache.path), "%s", path);
	cache.loaded = 1;
	f = fopen(path, "r");
	if (!f) {
		vl_err_set(&cache.err, VL_EINVAL,
		           "no this-host profile: %s: %s (run `virtlab calibrate` first; "
		           "VIRTLAB_THIS_HOST names another file)", path, strerror(errno));
	} else {
		int rc = ini_parse_file(f, on_kv, NULL);
		fclose(f);
		if (rc > 0 && !cache.err.code)
			vl_err_set(&cache.err, VL_EINVAL, "%s:%d: not an INI line", path, rc);
	}
	for (size_t i = 0; i < cache.n; i++) {
		struct section *s = &cache.sec[i];
		s->set[s->n].name = NULL;
		const char *variant = strchr(s->name, ' ');
		snprintf(s->pname, sizeof(s->pname), "%s%s%s", VL_THIS_HOST, variant ? "-" : "",
		         variant ? variant + 1 : "");
		s->prof.name = s->pname;
		s->prof.summary = strcmp(s->name, "host") ? "this host, as virtlab calibrate measured it"
		                                           : "this host's native costs, measured by "
		                                             "virtlab calibrate";
		s->prof.host = VL_THIS_HOST;
		s->prof.set = s->set;
		s->prof.notes = s->notes[0] ? s->notes : cache.path;
	}
	return cache.err.code ? vl_err_set(err, cache.err.code, "%s", cache.err.msg) : 0;
}

const struct vl_profile *vl_this_host_profile(const char *section, struct vl_err *err)
{
	if (load(err))
		return NULL;
	for (size_t i = 0; i < cache.n; i++)
		if (!strcmp(cache.sec[i].name, section))
			return &cache.sec[i].prof;
	vl_err_set(err, VL_EINVAL, "%s has no [%s%s] section: its backend was skipped or not run "
	           "(see what `virtlab calibrate` printed)", cache.path,
	           strcmp(section, "host") ? "system " : "", section);
	return NULL;
}
