/*
 * Internals shared by the trace readers and writers of this folder only.
 */
#ifndef VL_TRACE_INT_H
#define VL_TRACE_INT_H

#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include "traces/trace.h"

struct reader_ops {
	long (*read)(struct vl_trace *t, struct vl_event *buf, size_t max, struct vl_err *err);
	void (*release)(struct vl_trace *t);
};

struct vl_trace {
	const struct reader_ops *ops;
	FILE *f;
	int own;
	char name[256];
	enum vl_tfmt fmt;
	struct vl_meta meta;
	XXH3_state_t *hash;
	void *priv; /* the format's own state */
};

struct writer_ops {
	int (*put)(struct vl_writer *w, const struct vl_event *ev, size_t n, struct vl_err *err);
	int (*finish)(struct vl_writer *w, struct vl_err *err);
	void (*release)(struct vl_writer *w);
};

struct vl_writer {
	const struct writer_ops *ops;
	FILE *f;
	char path[1024]; /* the destination, named in messages */
	char tmp[1040];  /* where the events go until close; empty: in place */
	int is_stdout;
	void *priv;
};

int vl_text_open(struct vl_trace *t, struct vl_err *err);
int vl_binary_open(struct vl_trace *t, struct vl_err *err);
int vl_text_writer(struct vl_writer *w, const struct vl_meta *meta, struct vl_err *err);
int vl_binary_writer(struct vl_writer *w, unsigned flags, const struct vl_meta *meta,
                     struct vl_err *err);

/* The 8 bytes that open every binary trace. */
extern const unsigned char vl_vlb_magic[8];

/* Field letters of a kind that carry flags, in order: at most two. */
int vl_ev_flag_fields(unsigned type, uint16_t out[2]);

#endif
