/*
 * Full-system captured traces: turns the raw records the vlsyscap plugin
 * wrote while a Linux guest ran under qemu-system-x86_64's TCG
 * (traces/sysraw.h) into a trace of what the machine executed, user and
 * kernel, with the kernel's symbols naming its handler and system call
 * entries.
 */
#ifndef VL_SYSCAPTURE_H
#define VL_SYSCAPTURE_H

#include <stdint.h>

#include "sim/err.h"
#include "traces/sysraw.h"
#include "traces/trace.h"

/* A system call number the capture could not infer. */
#define VL_SYSCAP_NR_UNKNOWN 0xffffffffull

/*
 * Where a page-table write's stand-in addresses start: the value written
 * is not seen, so a ptewrite event's address is not the page the entry
 * maps but base + table number << 21 + entry index << 12, unique to the
 * entry (traces/syscapture.c, on_ptw).
 */
#define VL_SYSCAP_PT_BASE 0x7e0000000000ull

/* What a conversion found. */
struct vl_syscap_stats {
	uint64_t events;         /* events written */
	uint64_t blocks[2];      /* block executions: user, kernel */
	uint64_t insns[2];       /* instructions: user, kernel */
	uint64_t loads, stores;
	uint64_t translations;   /* blocks defined (QEMU translations, boot included) */
	uint64_t syscalls, sysrets, irets;
	uint64_t syscalls_named; /* whose number a __x64_sys_* entry gave */
	uint64_t pgfaults, pgfault_addrs; /* faults; those whose address was inferred */
	uint64_t timers, irqs, exceptions;
	uint64_t forks, execs, exits;
	uint64_t ops[VL_SO__COUNT]; /* sensitive instructions executed, by kind */
	uint64_t ptewrites[VL_SP_STORE + 1]; /* page-table entries written, by VL_SP_* */
	uint64_t touches;        /* data references the plugin's filter missed */
	uint64_t branches;       /* conditional branches executed */
	uint64_t mispredicts;    /* those the reference predictor got wrong (traces/bpred.h) */
	uint64_t xpages;         /* direct transfers into a block on another code page */
	uint64_t cr3_reloads;    /* CR3 writes no address-space switch marked: the same one again */
	uint64_t phases;
	uint64_t raw_bytes;
	char output[660];        /* the command's last lines of output in the guest, " | " between */
	int complete;            /* the recording ended at vl-init's closing marker */
	int limited;             /* it ended at the event limit (the plugin's or ours) */
};

/* Kernel symbols the converter knows: the map of the addresses it classes. */
struct vl_syscap_syms;

/*
 * Reads the symbols of a System.map-format file ("ADDR TYPE NAME" lines;
 * vl-init's dump is written in that form). Unknown names are ignored; a
 * file naming none of the page-fault, timer or system call entries is an
 * error (VL_EINVAL).
 */
int vl_syscap_syms_load(struct vl_syscap_syms **out, const char *path, struct vl_err *err);
void vl_syscap_syms_free(struct vl_syscap_syms *s);

/* Called now and then with the events written so far; nonzero stops the
 * conversion (VL_EINTR). */
typedef int (*vl_syscap_progress_fn)(void *ctx, uint64_t events);

/*
 * Converts the raw records of raw_path into w, stopping after limit events
 * (0: no limit). syms may be NULL (no handler or system call entries are
 * then recognised). Errors name the raw file and its byte offset. w is not
 * closed.
 */
int vl_syscap_convert(const char *raw_path, const struct vl_syscap_syms *syms,
                      struct vl_writer *w, uint64_t limit, struct vl_syscap_stats *st,
                      vl_syscap_progress_fn progress, void *ctx, struct vl_err *err);

/* The name of a VL_SO_* op, for reports ("cli", "mov-cr", ...). */
const char *vl_syscap_op_name(unsigned op);

#endif
