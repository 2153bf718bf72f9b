/*
 * Capturing a whole machine's trace: boots Debian's kernel with an
 * initramfs of busybox, vl-init and the command under qemu-system-x86_64's
 * TCG with the vlsyscap plugin, and writes the trace
 * (traces/syscapture.h converts).
 */
#ifndef VL_TB_SYSCAPTURE_H
#define VL_TB_SYSCAPTURE_H

#include <stdint.h>

#include "sim/err.h"
#include "traces/syscapture.h"

struct vl_syscap_opts {
	const char *out;          /* the trace to write; its extension picks the format */
	const char *const *argv;  /* the command, NULL-terminated (borrowed) */
	uint64_t limit;           /* stop after this many events; 0: no limit */
	int zstd;                 /* compress binary blocks: 1 fast, 2 hard */
	uint64_t operations;      /* operations between vl-probe's markers (0: not said) */
	const char *kernel_dir;   /* the unpacked kernel package; NULL: $VL_KERNEL_DIR or
	                             out/kernel-paths/kernel */
	unsigned timeout;         /* seconds before the guest is killed (0: 1800) */
	const char *const *files; /* more files for the guest: SRC or SRC:DEST (borrowed) */
	size_t nfiles;
	void (*progress)(void *ctx, const char *line); /* status lines (may be NULL) */
	void *ctx;
};

/*
 * Runs o->argv inside the guest under capture and writes o->out, complete
 * or not at all. VL_EUNAVAIL without qemu-system-x86_64, a static busybox,
 * the kernel or the plugin (the message names what to install),
 * VL_EINVAL for a command that is neither a static program nor a busybox
 * applet, VL_EINTR when interrupted, VL_ETIMEOUT when the guest did not
 * finish in time, VL_EIO for a full disk. *exit_status is the command's.
 */
int vl_syscap_run(const struct vl_syscap_opts *o, struct vl_syscap_stats *st, int *exit_status,
                  struct vl_err *err);

/*
 * Whether a --system capture can run here: 1, or 0 with the reason in why
 * (what is missing, and the Debian package or command that provides it).
 */
int vl_syscap_available(const char *kernel_dir, char *why, size_t len);

#endif
