/*
 * The bt model; README.md beside this file lists its mechanisms, its
 * parameters with their sources, and its profiles.
 */
#ifndef VL_MODELS_BT_H
#define VL_MODELS_BT_H

#include "sim/model.h"

extern const struct vl_model vl_model_bt;

#endif
