/*
 * The registry: every built-in model is listed here, once, in order (like
 * Lua's linit.c). Adding a technique means adding one line below.
 */
#include <dlfcn.h>
#include <string.h>

#include "models/bt/bt.h"
#include "models/container/container.h"
#include "models/emulation/emulation.h"
#include "models/hwassist/hwassist.h"
#include "models/native/native.h"
#include "models/paravirt/paravirt.h"
#include "models/trapemu/trapemu.h"
#include "sim/registry.h"
#include "sim/text.h"
#include "sim/thishost.h"

static const struct vl_profile *find_profile(const struct vl_profile *p, size_t n,
                                             const char *name);

const struct vl_model *const vl_builtin_models[] = {
	&vl_model_native,
	&vl_model_trapemu,
	&vl_model_emulation,
	&vl_model_bt,
	&vl_model_paravirt,
	&vl_model_hwassist,
	&vl_model_container,
};

const size_t vl_nbuiltin_models = sizeof(vl_builtin_models) / sizeof(vl_builtin_models[0]);

const struct vl_model *vl_model_find(const char *name)
{
	for (size_t i = 0; i < vl_nbuiltin_models; i++)
		if (strcmp(vl_builtin_models[i]->name, name) == 0)
			return vl_builtin_models[i];
	return NULL;
}

int vl_model_load(const char *path, const struct vl_model **model, struct vl_err *err)
{
	/* dlopen searches the library path for a bare name: insist on a path */
	char local[4096];
	if (!strchr(path, '/')) {
		snprintf(local, sizeof(local), "./%s", path);
		path = local;
	}
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return vl_err_set(err, VL_EINVAL, "%s: cannot load the model plugin: %s", path,
		                  dlerror());
	const struct vl_model *m = dlsym(h, "vl_plugin_model");
	if (!m) {
		dlclose(h);
		return vl_err_set(err, VL_EINVAL,
		                  "%s: not a virtlab model plugin (it exports no vl_plugin_model)", path);
	}
	/* version comes first in the struct, so it can be read before anything else */
	if (m->version < VL_MODEL_VERSION_MIN || m->version > VL_MODEL_VERSION) {
		int v = m->version;
		dlclose(h);
		return vl_err_set(err, VL_EVERSION,
		                  "%s: the plugin was built for model interface version %d; this "
		                  "virtlab speaks versions %d to %d: rebuild it against sim/model.h",
		                  path, v, VL_MODEL_VERSION_MIN, VL_MODEL_VERSION);
	}
	if (!m->name || !m->summary || !m->init || !m->on_event ||
	    (m->nparams && !m->params) || (m->nprofiles && !m->profiles)) {
		dlclose(h);
		return vl_err_set(err, VL_EINVAL,
		                  "%s: the plugin's model lacks a name, summary, init, on_event or "
		                  "its tables", path);
	}
	/* m lives in the plugin: read what the messages need before dlclose */
	if (vl_model_find(m->name)) {
		char name[VL_NAME_MAX + 1];
		snprintf(name, sizeof(name), "%s", m->name);
		dlclose(h);
		return vl_err_set(err, VL_EINVAL, "%s: a built-in model is already called '%s'", path,
		                  name);
	}
	if (!vl_name_ok(m->name)) {
		dlclose(h);
		return vl_err_set(err, VL_EINVAL, "%s: the plugin's model name is not a name (1 to %d "
		                  "of %s, starting with a letter or digit)", path, VL_NAME_MAX,
		                  VL_NAME_CHARS);
	}
	for (size_t i = 0; i < m->nprofiles; i++)
		if (!vl_profile_target(m, &m->profiles[i])) {
			char name[VL_NAME_MAX + 1];
			snprintf(name, sizeof(name), "%s", m->profiles[i].name);
			dlclose(h);
			return vl_err_set(err, VL_EINVAL, "%s: the plugin's profile '%s' is an alias of "
			                  "no profile of its model", path, name);
		}
	*model = m;
	return 0;
}

void vl_model_memory(const struct vl_model *m, const struct vl_params *p, struct vl_memory *out)
{
	memset(out, 0, sizeof(*out));
	if (m->memory)
		m->memory(p, out);
}

const struct vl_profile *vl_host_profile_list(size_t *n)
{
	*n = vl_nhost_profiles;
	return vl_host_profiles;
}

static const struct vl_profile *find_profile(const struct vl_profile *p, size_t n,
                                             const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(p[i].name, name) == 0)
			return &p[i];
	return NULL;
}

const struct vl_profile *vl_host_profile_find(const char *name)
{
	return find_profile(vl_host_profiles, vl_nhost_profiles, name);
}

const struct vl_profile *vl_profile_target(const struct vl_model *m, const struct vl_profile *p)
{
	/* a chain longer than the table loops */
	for (size_t steps = 0; p && p->alias_of; steps++) {
		if (steps == m->nprofiles)
			return NULL;
		p = find_profile(m->profiles, m->nprofiles, p->alias_of);
	}
	return p;
}

static void profile_names(const struct vl_profile *p, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", p[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}

/* Applies one setting to the model's values or the host's. */
static int apply(struct vl_config *c, const char *name, double value, const char *where,
                 struct vl_err *err)
{
	const struct vl_model *m = c->model;
	int i = vl_param_find(m->params, m->nparams, name);

	if (i >= 0) {
		if (vl_param_check(&m->params[i], value, where, err))
			return err->code;
		c->v[i] = value;
		return 0;
	}
	i = vl_param_find(vl_host_params, VL_H__COUNT, name);
	if (i >= 0) {
		if (vl_param_check(&vl_host_params[i], value, where, err))
			return err->code;
		c->host.v[i] = value;
		return 0;
	}
	char mine[2048], hosts[2048];
	vl_param_names(m->params, m->nparams, mine, sizeof(mine));
	vl_param_names(vl_host_params, VL_H__COUNT, hosts, sizeof(hosts));
	return vl_err_set(err, VL_EINVAL,
	                  "%s: unknown parameter '%s' (model %s has: %s; host: %s)", where,
	                  name, m->name, m->nparams ? mine : "none", hosts);
}

static int apply_profile(struct vl_config *c, const struct vl_profile *p, const char *kind,
                         struct vl_err *err)
{
	char where[128];

	snprintf(where, sizeof(where), "%s profile '%s'", kind, p->name);
	for (const struct vl_setting *s = p->set; s && s->name; s++)
		if (apply(c, s->name, s->value, where, err))
			return err->code;
	return 0;
}

int vl_config_resolve(struct vl_config *c, const struct vl_model *model,
                      const char *profile, const char *host,
                      const struct vl_override *ov, size_t nov, struct vl_err *err)
{
	char names[2048];
	const char *hostname;

	memset(c, 0, sizeof(*c));
	c->model = model;
	c->v = calloc(model->nparams ? model->nparams : 1, sizeof(double));
	if (!c->v)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	for (size_t i = 0; i < model->nparams; i++)
		c->v[i] = model->params[i].def;
	for (int i = 0; i < VL_H__COUNT; i++)
		c->host.v[i] = vl_host_params[i].def;

	if (model->nprofiles && profile && !strncmp(profile, VL_THIS_HOST, strlen(VL_THIS_HOST)) &&
	    (!profile[strlen(VL_THIS_HOST)] || profile[strlen(VL_THIS_HOST)] == '-')) {
		/* this-host, or this-host-VARIANT: the file's [system MODEL VARIANT] */
		char section[128];
		const char *variant = profile + strlen(VL_THIS_HOST);
		snprintf(section, sizeof(section), "%s%s%s", model->name, *variant ? " " : "",
		         *variant ? variant + 1 : "");
		c->profile = vl_this_host_profile(section, err);
		if (!c->profile)
			goto out_fail;
		c->target = c->profile;
		hostname = host ? host : c->profile->host;
	} else if (model->nprofiles) {
		c->profile = profile ? find_profile(model->profiles, model->nprofiles, profile)
		                     : &model->profiles[0];
		if (!c->profile) {
			profile_names(model->profiles, model->nprofiles, names, sizeof(names));
			vl_err_set(err, VL_EINVAL, "unknown profile '%s' for model %s (valid: %s)",
			           profile, model->name, names);
			goto out_fail;
		}
		c->target = vl_profile_target(model, c->profile);
		if (!c->target) {
			vl_err_set(err, VL_EINVAL, "profile '%s' of model %s is an alias of '%s', which "
			           "does not resolve to a profile of that model", c->profile->name,
			           model->name, c->profile->alias_of);
			goto out_fail;
		}
		hostname = host ? host : c->target->host;
	} else {
		hostname = host ? host : profile;
	}
	if (hostname && !strcmp(hostname, VL_THIS_HOST)) {
		c->hostprof = vl_this_host_profile("host", err);
		if (!c->hostprof)
			goto out_fail;
	} else {
		c->hostprof = hostname ? vl_host_profile_find(hostname) : &vl_host_profiles[0];
	}
	if (!c->hostprof) {
		profile_names(vl_host_profiles, vl_nhost_profiles, names, sizeof(names));
		vl_err_set(err, VL_EINVAL, "unknown host profile '%s' (valid: %s)", hostname, names);
		goto out_fail;
	}
	c->host.profile = c->hostprof->name;
	if (apply_profile(c, c->hostprof, "host", err))
		goto out_fail;
	if (c->target && apply_profile(c, c->target, "system", err))
		goto out_fail;
	for (size_t i = 0; i < nov; i++)
		if (apply(c, ov[i].name, ov[i].value, "--param", err))
			goto out_fail;
	return 0;

out_fail:
	vl_config_release(c);
	return err->code;
}

void vl_config_release(struct vl_config *c)
{
	free(c->v);
	c->v = NULL;
}

void vl_config_params(const struct vl_config *c, uint64_t seed, struct vl_params *p)
{
	p->host = &c->host;
	p->v = c->v;
	p->n = c->model->nparams;
	p->seed = seed;
}
