/*
 * Captured traces: turns the raw records the capture plugin wrote while a
 * real program ran under QEMU's user-mode TCG (traces/capraw.h, one file per
 * process) into one trace, with the kernel's work inserted from the
 * measured kernel path lengths (traces/kpaths.h).
 */
#ifndef VL_CAPTURE_H
#define VL_CAPTURE_H

#include <stdint.h>

#include "sim/err.h"
#include "traces/trace.h"

/* What a conversion found. */
struct vl_capture_stats {
	uint64_t events;     /* events written */
	uint64_t processes;  /* process streams read */
	uint64_t forks, execs, exits;
	uint64_t blocks;     /* basic blocks executed */
	uint64_t insns;      /* user instructions */
	uint64_t loads, stores;
	uint64_t faults;     /* page faults (first touches and copy-on-write) */
	uint64_t syscalls;   /* kernel entries (vDSO calls are not) */
	uint64_t vdso;       /* clock reads Linux serves from the vDSO */
	uint64_t disk;       /* device requests: I/O on O_DIRECT descriptors */
	uint64_t kernel_insns; /* inserted from the kernel path table */
	uint64_t raw_bytes;  /* raw records read */
	int limited;         /* stopped at the event limit */
	int exit_status;     /* the program's exit status (-1: killed at the limit) */
	uint64_t touches;    /* page references the plugin's touch filter missed */
	uint64_t idle_ns;    /* waited on timers with nothing else to run (sleep events) */
	uint64_t branches;   /* conditional branches executed */
	uint64_t mispredicts; /* those the reference predictor got wrong (traces/bpred.h) */
	uint64_t fp;         /* floating-point instructions executed */
};

/* Called now and then with the events written so far; nonzero stops the
 * conversion (VL_EINTR). */
typedef int (*vl_capture_progress_fn)(void *ctx, uint64_t events);

/*
 * Converts the raw records in dir, starting with process root_pid, into w,
 * stopping after limit events (0: no limit). The live processes take
 * turns as on one CPU, at their system calls, in the order of the host's
 * clock, behind address-space switches. Errors name the raw file and its
 * byte offset. w is not closed.
 */
int vl_capture_convert(const char *dir, long root_pid, struct vl_writer *w, uint64_t limit,
                       struct vl_capture_stats *st, vl_capture_progress_fn progress, void *ctx,
                       struct vl_err *err);

/* Kernel instructions the capture inserts for system call nr returning ret;
 * sock: its first argument is a socket descriptor (traces/kpaths.h). */
uint32_t vl_capture_kernel_path(uint64_t nr, int64_t ret, int sock);

#endif
