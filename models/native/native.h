/*
 * The native model: the baseline, every event at its host cost. This folder
 * also holds the host profiles (clock, native costs, devices) that every
 * other model runs on.
 */
#ifndef VL_MODELS_NATIVE_H
#define VL_MODELS_NATIVE_H

#include <stddef.h>

#include "sim/model.h"

extern const struct vl_model vl_model_native;

/* Host profiles; the first is the default host. */
extern const struct vl_profile vl_host_profiles[];
extern const size_t vl_nhost_profiles;

#endif
