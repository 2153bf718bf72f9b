/*
 * The body of the importers' libFuzzer targets (fuzz_import_*.c): any bytes
 * as a log of one format. Whatever the input, the importer must return
 * valid events or one error naming the line, never crash, hang, leak or
 * grow past its fixed tables.
 */
#ifndef VL_FUZZ_IMPORT_H
#define VL_FUZZ_IMPORT_H

#include <stdint.h>
#include <stdio.h>

#include "traces/import.h"

static int fuzz_import(enum vl_import_fmt fmt, const uint8_t *data, size_t size)
{
	static struct vl_event buf[512];
	struct vl_import_opts opts = {3000000000u};
	struct vl_import *im;
	struct vl_err err = {0};

	if (size == 0)
		return 0;
	FILE *f = fmemopen((void *)data, size, "rb");
	if (!f)
		return 0;
	if (vl_import_open_stream(&im, fmt, f, "fuzz", 1, &opts, &err) == 0) {
		long n;
		const char *why;
		while ((n = vl_import_read(im, buf, 512, &err)) > 0)
			for (long i = 0; i < n; i++)
				if (buf[i].type >= VL_EV__COUNT ||
				    (buf[i].flags & ~vl_ev_flag_mask(buf[i].type)) ||
				    vl_event_check(&buf[i], &why))
					__builtin_trap(); /* only events a trace can hold */
		if (n < 0 && err.msg[0] == '\0')
			__builtin_trap(); /* every error says what failed */
		vl_import_free(im);
	}
	return 0;
}

#endif
