/*
 * Trace files: the text form (.vlt) people write and read, and the binary
 * form (.vlb) for speed — both versioned, both read as streams in constant
 * memory. docs/trace-format.md is the specification.
 */
#ifndef VL_TRACE_H
#define VL_TRACE_H

#include <stdint.h>
#include <stdio.h>

#include "sim/err.h"
#include "sim/event.h"
#include "sim/sim.h"

#define VL_VLT_VERSION 1
#define VL_VLB_VERSION 2 /* 2: bb may carry loads and stores; reads 1 too */
#define VL_META_MAX 32

enum vl_tfmt {
	VL_TFMT_TEXT,
	VL_TFMT_BINARY,
};

/* Trace metadata: ordered key/value strings (name, source, clock_hz, ...). */
struct vl_meta {
	unsigned n;
	char key[VL_META_MAX][32];
	char value[VL_META_MAX][256];
};

/* Sets key (adds or replaces); VL_EINVAL if the key is malformed or the table full. */
int vl_meta_set(struct vl_meta *m, const char *key, const char *value, struct vl_err *err);
const char *vl_meta_get(const struct vl_meta *m, const char *key);

/* --- reading ------------------------------------------------------------ */

struct vl_trace;

/*
 * Opens path, telling the format by its first bytes. The metadata is read at
 * once. Errors name the file (and line or byte offset).
 */
int vl_trace_open(struct vl_trace **t, const char *path, struct vl_err *err);

/* The same on an open stream; name is used in messages; f is closed by
 * vl_trace_close when own is non-zero. */
int vl_trace_open_stream(struct vl_trace **t, FILE *f, const char *name, int own,
                         struct vl_err *err);

/* Reads up to max events; returns how many, 0 at the end, or a negative code. */
long vl_trace_read(struct vl_trace *t, struct vl_event *buf, size_t max, struct vl_err *err);

const struct vl_meta *vl_trace_meta(const struct vl_trace *t);
enum vl_tfmt vl_trace_format(const struct vl_trace *t);
const char *vl_trace_name(const struct vl_trace *t);

/* 64-bit identity of what has been read so far (the whole file at the end). */
uint64_t vl_trace_hash(const struct vl_trace *t);

void vl_trace_close(struct vl_trace *t);

/* The trace as a simulator event source (borrowed; t must outlive it). */
struct vl_source vl_trace_source(struct vl_trace *t);

/* --- writing ------------------------------------------------------------ */

enum vl_wflag {
	VL_W_ZSTD = 1 << 0,     /* binary: compress each block with zstd (level 3) */
	VL_W_ZSTD_MAX = 1 << 1, /* with VL_W_ZSTD: zstd's level 19, for shipped files */
};

struct vl_writer;

/* Writes path ("-" for standard output) in fmt with meta. A regular file is
 * written as path.tmp and renamed over path by a successful close, so path
 * is never left half-written; a device or FIFO is written in place. */
int vl_writer_open(struct vl_writer **w, const char *path, enum vl_tfmt fmt, unsigned flags,
                   const struct vl_meta *meta, struct vl_err *err);

/* Appends n events. An event with flags its kind cannot carry is VL_EINVAL. */
int vl_writer_put(struct vl_writer *w, const struct vl_event *ev, size_t n,
                  struct vl_err *err);

/* Flushes, closes and frees w; returns 0 or the first error. */
int vl_writer_close(struct vl_writer *w, struct vl_err *err);

/* Closes and frees w, deleting the partial file; path is left as it was. */
void vl_writer_abort(struct vl_writer *w);

/* Picks the format from a file name: .vlb and .vlb.zst are binary, else text. */
enum vl_tfmt vl_tfmt_from_path(const char *path);

/*
 * Whether ev is one a trace may hold (sizes, ports, vectors, non-empty
 * blocks): 0, or -1 with *why saying what is wrong. Both readers and the
 * writer apply it, so the two forms accept the same events.
 */
int vl_event_check(const struct vl_event *ev, const char **why);

/* Formats one event as a text line (no newline) into buf; returns its length. */
int vl_event_format(const struct vl_event *ev, char *buf, size_t len);

#endif
