/*
 * External programs (gnuplot, dot, qemu): found on PATH and started with
 * posix_spawn, their output sent to files. No forked copy of the caller
 * runs, so nothing buffered in the caller's stdio can be written twice.
 */
#ifndef VL_PROC_H
#define VL_PROC_H

#include <stddef.h>

#include "sim/err.h"

/*
 * Whether name is an executable on PATH (or, when it contains '/', that
 * file); the full path goes into path (len bytes, may be NULL). 1 or 0.
 */
int vl_proc_find(const char *name, char *path, size_t len);

/*
 * Runs argv[0] (searched on PATH) with its arguments, in directory dir
 * (NULL: the current one), standard input from /dev/null, standard output
 * written to out_path and standard error appended to err_path (both
 * relative to dir; NULL: /dev/null), and waits for it. 0 when it exited
 * with status 0; VL_EUNAVAIL when it could not be started; VL_EIO when it
 * failed (its status in err's message).
 */
int vl_proc_run(const char *dir, const char *const argv[], const char *out_path,
                const char *err_path, struct vl_err *err);

/*
 * The first line argv prints on standard output (its newline removed), into
 * buf (len bytes); "unknown" when it cannot be run. The output passes
 * through a file in dir, removed afterwards. For provenance: a tool's
 * `--version`.
 */
void vl_proc_first_line(const char *const argv[], const char *dir, char *buf, size_t len);

/* Removes dir and the files directly in it (a work directory of ours). */
void vl_proc_remove_dir(const char *dir);

#endif
