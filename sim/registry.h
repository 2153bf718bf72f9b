/*
 * The one registry of models and host profiles, and the resolution of a
 * run's configuration: model + system profile + host profile + overrides.
 */
#ifndef VL_REGISTRY_H
#define VL_REGISTRY_H

#include "sim/model.h"

/* Built-in models, in listing order. */
extern const struct vl_model *const vl_builtin_models[];
extern const size_t vl_nbuiltin_models;

/* Returns the built-in model called name, or NULL. */
const struct vl_model *vl_model_find(const char *name);

/*
 * Loads a model plugin: a shared object exporting
 *     const struct vl_model vl_plugin_model;
 * built against sim/model.h, interface version VL_MODEL_VERSION_MIN to
 * VL_MODEL_VERSION. Refuses one of another interface version or
 * with missing members, with a message naming the file. The object stays
 * loaded for the life of the process.
 */
int vl_model_load(const char *path, const struct vl_model **model, struct vl_err *err);

/*
 * The memory model m adds per guest under p (struct vl_memory); all zero
 * when the model states none, or was built for an interface before the
 * member existed (version 2).
 */
void vl_model_memory(const struct vl_model *m, const struct vl_params *p, struct vl_memory *out);

/* Host profiles (models/native/hosts.c); NULL if none is called name. */
const struct vl_profile *vl_host_profile_find(const char *name);
const struct vl_profile *vl_host_profile_list(size_t *n);

/*
 * What system profile p of model m resolves to: p itself, or the end of its
 * chain of aliases (struct vl_profile.alias_of). NULL if an alias names no
 * profile of m or the chain loops. Borrowed from m's table.
 */
const struct vl_profile *vl_profile_target(const struct vl_model *m, const struct vl_profile *p);

/* The resolved configuration of one run. */
struct vl_config {
	const struct vl_model *model;
	const struct vl_profile *profile; /* system profile as named (perhaps an alias), NULL if
	                                     the model has none */
	const struct vl_profile *hostprof;
	struct vl_host host;
	double *v; /* the model's parameter values (owned, nparams long) */
	const struct vl_profile *target; /* the profile whose host and settings were applied:
	                                    profile, or what its alias resolves to */
};

/*
 * Resolves model defaults <- host profile <- system profile <- overrides.
 * profile may be NULL (the model's first profile); for a model without
 * profiles it names a host profile. host may be NULL (the profile's host).
 * Override names are looked up among the model's parameters, then the
 * host's. On error err names the unknown or out-of-range name and lists the
 * valid ones. Release with vl_config_release.
 */
int vl_config_resolve(struct vl_config *c, const struct vl_model *model,
                      const char *profile, const char *host,
                      const struct vl_override *ov, size_t nov, struct vl_err *err);
void vl_config_release(struct vl_config *c);

/* Fills p (borrowing from c) for the model's init. */
void vl_config_params(const struct vl_config *c, uint64_t seed, struct vl_params *p);

#endif
