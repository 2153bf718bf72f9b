/*
 * Importers of real tool output: strace logs (strace -f -tt -T) into system
 * call, kernel-run and I/O events; block I/O logs (fio's iolog, blkparse's
 * text) into disk events. They read a line at a time in constant memory;
 * docs/trace-format.md, "Importers", says what each line becomes and what
 * is assumed.
 */
#ifndef VL_IMPORT_H
#define VL_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "sim/err.h"
#include "sim/sim.h"
#include "traces/kpaths.h"
#include "traces/trace.h"

enum vl_import_fmt {
	VL_IMPORT_STRACE, /* strace -f -tt -T (pid prefix and timestamps optional) */
	VL_IMPORT_BLKIO,  /* fio iolog version 2 or 3, or blkparse's default text */
};

struct vl_import_opts {
	/* Clock of the traced machine, cycles per second: strace gaps between a
	 * process's system calls become user runs of gap * hz instructions
	 * (one instruction a cycle). 0: no user runs. strace only. */
	uint64_t hz;
};

/* What an import has seen so far (lines by what they were). */
struct vl_import_stats {
	uint64_t lines;     /* lines read, blank ones included */
	uint64_t calls;     /* strace: system calls; blkio: requests made into events */
	uint64_t io;        /* disk and net events */
	uint64_t skipped;   /* lines that make no event: signals, exits, fio file actions,
	                       blkparse actions other than D, summaries */
	uint64_t evicted;   /* strace: processes forgotten when the table was full */
};

struct vl_import;

/* The class of kernel path of x86-64 system call nr (VL_KP_NULL if unknown). */
enum vl_kpath vl_syscall_kpath(unsigned nr);

/* The importer named name ("strace", "blkio"); -1 if none. */
int vl_import_lookup(const char *name);

/* Opens path for the importer fmt; opts may be NULL. *im is freed by
 * vl_import_free. Errors name the file. */
int vl_import_open(struct vl_import **im, enum vl_import_fmt fmt, const char *path,
                   const struct vl_import_opts *opts, struct vl_err *err);

/* The same on an open stream; name is used in messages; f is closed by
 * vl_import_free when own is non-zero. */
int vl_import_open_stream(struct vl_import **im, enum vl_import_fmt fmt, FILE *f,
                          const char *name, int own, const struct vl_import_opts *opts,
                          struct vl_err *err);

/* Reads up to max events; returns how many, 0 at the end, or a negative
 * VL_E* code with err set to "LOG:LINE: message". */
long vl_import_read(struct vl_import *im, struct vl_event *buf, size_t max,
                    struct vl_err *err);

/* Metadata for the imported trace (name, source, importer, clock_hz), into m. */
void vl_import_meta(const struct vl_import *im, struct vl_meta *m);

/* Counts so far (borrowed; valid until vl_import_free). */
const struct vl_import_stats *vl_import_stats(const struct vl_import *im);

void vl_import_free(struct vl_import *im);

/* The importer as a simulator event source (borrowed; im must outlive it). */
struct vl_source vl_import_source(struct vl_import *im);

#endif
