/*
 * libFuzzer target: any bytes as an experiment file. The parser returns an
 * experiment or one error, never crashes; a parsed experiment expands
 * within its limits, and no label holds a name's forbidden characters.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/experiment.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vl_experiment *e;
	struct vl_exp_run *runs;
	struct vl_err err = {0};
	size_t n;
	char *text = malloc(size + 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	if (vl_exp_parse(&e, text, "fuzz.ini", &err) == 0) {
		if (vl_exp_expand(e, &runs, &n, &err) == 0) {
			if (n > VL_EXP_MAX_RUNS)
				__builtin_trap(); /* the parser's cap on the expansion */
			for (size_t i = 0; i < n; i++) {
				int bars = 0;
				for (const char *c = runs[i].label; *c; c++)
					bars += *c == '|';
				if (bars != 3)
					__builtin_trap(); /* workload|system|point|rep, unambiguous */
			}
			free(runs);
		}
		vl_exp_free(e);
	} else if (!err.msg[0]) {
		__builtin_trap(); /* a refusal always says why */
	}
	free(text);
	return 0;
}
