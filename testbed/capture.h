/*
 * Capturing a real program's trace: runs it under qemu-x86_64 with the
 * vlcapture plugin and writes the trace (traces/capture.h converts).
 */
#ifndef VL_TB_CAPTURE_H
#define VL_TB_CAPTURE_H

#include <stdint.h>

#include "sim/err.h"
#include "traces/capture.h"

struct vl_capture_opts {
	const char *out;          /* the trace to write; its extension picks the format */
	const char *const *argv;  /* the command, NULL-terminated (borrowed) */
	uint64_t limit;           /* stop after this many events; 0: no limit */
	int zstd;                 /* compress binary blocks: 1 fast, 2 hard (zstd's 19) */
	const char *plugin;       /* vlcapture.so; NULL: beside the binary or ../lib/virtlab */
	uint64_t operations;      /* operations between the program's markers (0: not said) */
	int discard_stdout;       /* 1: the program's standard output goes to /dev/null */
	void (*progress)(void *ctx, const char *line); /* status lines (may be NULL) */
	void *ctx;
};

/*
 * Runs o->argv under capture and writes o->out, complete or not at all (a
 * temporary name is renamed at the end). VL_EUNAVAIL without qemu-x86_64
 * or the plugin (the message names the Debian package), VL_EINVAL for a
 * command that does not exist, VL_EINTR when interrupted by SIGINT or
 * SIGTERM (the captured processes are killed), VL_EIO for a full disk or a
 * program killed by a signal. st->exit_status is the program's own.
 */
int vl_capture_run(const struct vl_capture_opts *o, struct vl_capture_stats *st,
                   struct vl_err *err);

/* The plugin's path: given (checked) or found beside the binary. */
int vl_capture_find_plugin(const char *given, char *buf, size_t len, struct vl_err *err);

#endif
