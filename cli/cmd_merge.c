/*
 * virtlab merge OUT IN...: combine shards' result databases.
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "experiments/merge.h"

int cmd_merge(int argc, char **argv)
{
	struct vl_merge_stats ms;
	struct vl_err err = {0};

	if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
		printf("usage: virtlab merge OUT.db IN.db [IN.db ...]\n\n"
		       "Merges the runs of experiments and plans from the inputs (the databases of\n"
		       "shards: `virtlab experiment run FILE --shard I/N`, `virtlab plan FILE --shard\n"
		       "I/N`) into OUT.db, keyed by what identifies a run, so that the result holds\n"
		       "the same rows as a one-process run. A run found twice is kept once and\n"
		       "reported; runs that no input has are listed, and the exit status is then 1.\n");
		return EXIT_OK;
	}
	if (argc < 3)
		return cli_usage_error("merge", "expected OUT.db and at least one IN.db");
	for (int i = 2; i < argc; i++) {
		if (!strcmp(argv[i], argv[1]))
			return cli_usage_error("merge", "'%s' is both the output and an input", argv[i]);
		if (access(argv[i], R_OK))
			return cli_usage_error("merge", "'%s': no such database", argv[i]);
	}
	if (cli_ensure_parent(argv[1], &err) ||
	    vl_merge(argv[1], (const char *const *)argv + 2, (size_t)argc - 2, &ms, &err))
		return cli_fail(&err);
	printf("merged %zu runs from %zu databases into %s; %zu duplicates skipped; %zu runs "
	       "missing\n", ms.runs, ms.inputs, argv[1], ms.duplicates, ms.gaps);
	return ms.gaps ? EXIT_FAIL : EXIT_OK;
}
