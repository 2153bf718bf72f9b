/*
 * libFuzzer target: any bytes as a capacity plan file. The parser returns a
 * plan or one error, never crashes; a parsed plan keeps its limits and its
 * names are names.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/capacity.h"
#include "sim/text.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vl_cap_plan *p;
	struct vl_err err = {0};
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vl_cap_parse(&p, text, "fuzz.ini", &err) == 0) {
		if (!vl_name_ok(p->name) || p->ncounts > VL_CAP_MAX_COUNTS)
			__builtin_trap();
		for (size_t k = 0; k < p->nkinds; k++)
			if (!vl_name_ok(p->kinds[k].name))
				__builtin_trap();
		for (size_t t = 0; t < p->ntechs; t++)
			if (!vl_name_ok(p->techs[t].name))
				__builtin_trap();
		for (size_t c = 0; c < p->ncounts; c++)
			if (!p->counts[c] || p->counts[c] > VL_CAP_MAX_COUNT)
				__builtin_trap();
		vl_cap_free(p);
	} else if (!err.msg[0]) {
		__builtin_trap();
	}
	free(text);
	return 0;
}
