/*
 * The paravirt model; README.md beside this file lists its mechanisms, its
 * parameters with their sources, and its profiles.
 */
#ifndef VL_MODELS_PARAVIRT_H
#define VL_MODELS_PARAVIRT_H

#include "sim/model.h"

extern const struct vl_model vl_model_paravirt;

#endif
