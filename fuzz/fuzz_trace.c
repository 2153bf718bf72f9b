/*
 * libFuzzer target: any bytes as a trace file, text or binary (told apart by
 * the magic, as for real files). Whatever the input, the reader must return
 * events or one error, never crash, hang or leak. Built with checksums off
 * (FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION) so mutations reach the decoder.
 */
#include <stdint.h>
#include <stdio.h>

#include "traces/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct vl_event buf[512];
	struct vl_trace *t;
	struct vl_err err = {0};

	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	if (vl_trace_open_stream(&t, f, "fuzz", 1, &err) == 0) {
		long n;
		while ((n = vl_trace_read(t, buf, 512, &err)) > 0)
			for (long i = 0; i < n; i++)
				if (buf[i].type >= VL_EV__COUNT)
					__builtin_trap(); /* a reader must never yield an unknown kind */
		vl_trace_close(t);
	}
	return 0;
}
