/* Internals shared by the testbed's files. */
#ifndef VL_TB_INT_H
#define VL_TB_INT_H

#include <stdarg.h>

#include "testbed/testbed.h"

enum vl_tb_env {
	VL_TB_ENV_NATIVE,    /* a plain child process */
	VL_TB_ENV_CONTAINER, /* fresh user, pid, mount, net, uts, ipc namespaces */
	VL_TB_ENV_CGROUP,    /* the same, inside a cgroup with a CPU limit */
};

/* path of name beside this program (or in o->probe_dir) */
void vl_tb_probe_path(const struct vl_tb_opts *o, const char *name, char *buf, size_t len);

/*
 * Runs argv in env, collecting its standard output (*out, malloc'd) and the
 * wall time from fork to exit (*wall_ns, may be NULL). The child is killed
 * after timeout_s: VL_ETIMEOUT. A non-zero exit is VL_EIO with its stderr.
 */
int vl_tb_spawn(enum vl_tb_env env, const char *const *argv, double timeout_s, char **out,
                double *wall_ns, struct vl_err *err);

/* Whether a cgroup CPU controller is writable (v2 or v1); why gets the place or reason. */
int vl_tb_have_cgroup_cpu(char *why, size_t len);

/* Samples of starting `vl-probe list` in env, recorded as bench "start". */
int vl_tb_start_latency(const struct vl_tb_opts *o, struct vl_tb_calib *c, enum vl_tb_env env,
                        const char *envname, struct vl_err *err);

int vl_tb_add_sample(struct vl_tb_calib *c, const char *backend, const char *env,
                     const char *bench, double ns, double cycles, long ops);

#endif
