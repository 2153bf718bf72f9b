/*
 * libFuzzer target: any bytes as a shard's results database given to
 * `virtlab merge`. Merging returns 0 or one error, never crashes, whatever
 * the file holds (another schema, NULLs where rows of ours have none, SQL
 * in its schema). Files live in a private temporary directory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "experiments/merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char dir[64], in[128], out[128], side[4][140];
	struct vl_merge_stats ms;
	struct vl_err err = {0};

	if (!dir[0]) {
		snprintf(dir, sizeof(dir), "/tmp/virtlab-fuzz-merge-XXXXXX");
		if (!mkdtemp(dir))
			abort();
		snprintf(in, sizeof(in), "%s/in.db", dir);
		snprintf(out, sizeof(out), "%s/out.db", dir);
		snprintf(side[0], sizeof(side[0]), "%s-wal", in);
		snprintf(side[1], sizeof(side[1]), "%s-shm", in);
		snprintf(side[2], sizeof(side[2]), "%s-wal", out);
		snprintf(side[3], sizeof(side[3]), "%s-shm", out);
	}
	for (int i = 0; i < 4; i++)
		unlink(side[i]);
	FILE *f = fopen(in, "wb");
	if (!f)
		return 0;
	fwrite(data, 1, size, f);
	fclose(f);
	unlink(out);
	const char *ins[] = {in};
	if (vl_merge(out, ins, 1, &ms, &err) != 0 && !err.msg[0])
		__builtin_trap(); /* a refusal always says why */
	return 0;
}
