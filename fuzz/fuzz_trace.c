/*
 * libFuzzer target: any bytes as a trace file, text or binary (told apart by
 * the magic, as for real files). Whatever the input, the reader must return
 * events or one error, never crash, hang or leak. Built with checksums off
 * (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) so mutations reach the decoder.
 *
 * Differential: whatever one form's reader accepts, the writer of the other
 * form must take, and that form's reader must give back the same events.
 * So the binary reader cannot accept what the text reader refuses.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "traces/trace.h"

#define KEEP 2048

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Writes ev[0..n) in fmt to a scratch file and reads it back into back. */
static long round_trip(const struct vl_event *ev, long n, enum vl_tfmt fmt,
                       struct vl_event *back)
{
	static char path[64];
	struct vl_writer *w;
	struct vl_trace *t;
	struct vl_err err = {0};
	long got = 0, k;

	if (!path[0])
		snprintf(path, sizeof(path), "/tmp/vl-fuzz-%ld.%s", (long)getpid(),
		         fmt == VL_TFMT_TEXT ? "vlt" : "vlb");
	else
		snprintf(strrchr(path, '.'), 5, ".%s", fmt == VL_TFMT_TEXT ? "vlt" : "vlb");
	if (vl_writer_open(&w, path, fmt, 0, NULL, &err))
		return -1;
	if (vl_writer_put(w, ev, (size_t)n, &err))
		__builtin_trap(); /* a reader accepted an event the writer refuses */
	if (vl_writer_close(w, &err) || vl_trace_open(&t, path, &err))
		return -1;
	while (got < KEEP && (k = vl_trace_read(t, back + got, (size_t)(KEEP - got), &err)) > 0)
		got += k;
	if (got < KEEP && k < 0)
		__builtin_trap(); /* the other form refuses what this one accepted */
	vl_trace_close(t);
	unlink(path);
	return got;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vl_event buf[512], keep[KEEP], back[KEEP];
	struct vl_trace *t;
	struct vl_err err = {0};
	long kept = 0, n = 0;

	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	if (vl_trace_open_stream(&t, f, "fuzz", 1, &err) != 0)
		return 0;
	enum vl_tfmt other = vl_trace_format(t) == VL_TFMT_TEXT ? VL_TFMT_BINARY : VL_TFMT_TEXT;
	while ((n = vl_trace_read(t, buf, 512, &err)) > 0)
		for (long i = 0; i < n; i++) {
			if (buf[i].type >= VL_EV__COUNT)
				__builtin_trap(); /* a reader must never yield an unknown kind */
			if (kept < KEEP)
				keep[kept++] = buf[i];
		}
	vl_trace_close(t);
	if (n == 0 && kept) {
		long got = round_trip(keep, kept, other, back);
		if (got >= 0 && (got != kept || memcmp(keep, back, (size_t)kept * sizeof(*keep))))
			__builtin_trap(); /* the two forms disagree */
	}
	return 0;
}
