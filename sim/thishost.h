/*
 * The `this-host` profiles that `virtlab calibrate` writes: an INI file
 * with a [host] section (host parameters measured here) and one
 * [system MODEL] section per model it could calibrate. `--profile this-host`
 * and `host = this-host` read it through the registry like any built-in
 * profile, so every value passes the same range checks.
 */
#ifndef VL_THISHOST_H
#define VL_THISHOST_H

#include "sim/param.h"

#define VL_THIS_HOST "this-host"
#define VL_THIS_HOST_DEFAULT_PATH "out/calibrate/this-host.ini"

/* $VIRTLAB_THIS_HOST, or VL_THIS_HOST_DEFAULT_PATH. */
const char *vl_this_host_path(void);

/*
 * The profile of one section ("host", or a model's name) of the file at
 * vl_this_host_path(), loaded once per path. NULL with err set when the file
 * is missing (naming `virtlab calibrate`), malformed (file:line: key), or
 * has no such section (VL_EINVAL).
 */
const struct vl_profile *vl_this_host_profile(const char *section, struct vl_err *err);

#endif
