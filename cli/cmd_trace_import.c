/*
 * virtlab trace import: real tool output (strace logs, fio iologs, blkparse
 * text) into a trace, through the importers of traces/import.h. The writer
 * renames OUT.tmp to OUT when complete, so a failed import never leaves a
 * partial trace under the final name.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "traces/import.h"
#include "util/progress.h"

#define BATCH 4096

static void help(void)
{
	printf("usage: virtlab trace import strace LOG [-o OUT] [--zstd] [--hz HZ]\n"
	       "       virtlab trace import blkio LOG [-o OUT] [--zstd]\n\n"
	       "strace  a log of `strace -f -tt -T -o LOG CMD`: each system call becomes\n"
	       "        syscall NR, a kernel run of its measured path length, sysret;\n"
	       "        reads and writes on descriptors known to be files or sockets\n"
	       "        also a disk or net event; a change of process a cr3.\n"
	       "        --hz HZ: the traced machine's clock; the time between a process's\n"
	       "        calls becomes user runs of one instruction a cycle (default: none)\n"
	       "blkio   fio's --write_iolog (version 2 or 3), or blkparse's text output:\n"
	       "        one disk event per fio read/write and per blkparse D (issue) line\n\n"
	       "-o OUT  the trace (.vlt text, .vlb binary); default: text to standard output\n"
	       "--zstd  compress a binary OUT\n\n"
	       "What each line becomes, and what is assumed: docs/trace-format.md, Importers.\n");
}

/* Copies every event of im to w, counting them on bar; 0 or a negative code (err set). */
static int pump(struct vl_import *im, struct vl_writer *w, uint64_t *events,
                struct vl_progress *bar, struct vl_err *err)
{
	struct vl_event buf[BATCH];
	long n;

	while ((n = vl_import_read(im, buf, BATCH, err)) > 0) {
		if (vl_writer_put(w, buf, (size_t)n, err))
			break;
		*events += (uint64_t)n;
		vl_progress_update(bar, *events);
	}
	vl_progress_end(bar);
	return n > 0 ? err->code : n < 0 ? (int)n : 0;
}

int cmd_trace_import(int argc, char **argv)
{
	struct vl_import_opts opts = {0};
	struct vl_err err = {0};
	const char *kind = NULL, *log = NULL, *out = "-";
	unsigned flags = 0;
	int have_hz = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			help();
			return EXIT_OK;
		} else if ((strcmp(argv[i], "-o") == 0 || strcmp(argv[i], "--output") == 0) &&
		           i + 1 < argc) {
			out = argv[++i];
		} else if (strcmp(argv[i], "--zstd") == 0) {
			flags |= VL_W_ZSTD;
		} else if (strcmp(argv[i], "--hz") == 0 && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &opts.hz) || opts.hz == 0)
				return cli_usage_error("trace", "import: --hz '%s' is not a positive number",
				                       argv[i]);
			have_hz = 1;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("trace", "import: unknown or incomplete option '%s'",
			                       argv[i]);
		} else if (!kind) {
			kind = argv[i];
		} else if (!log) {
			log = argv[i];
		} else {
			return cli_usage_error("trace", "import: unexpected argument '%s'", argv[i]);
		}
	}
	if (!kind || !log)
		return cli_usage_error("trace", "import needs a KIND (strace, blkio) and a LOG");
	int fmt = vl_import_lookup(kind);
	if (fmt < 0)
		return cli_usage_error("trace", "import: unknown log kind '%s' (valid: strace, blkio)",
		                       kind);
	if (have_hz && fmt != VL_IMPORT_STRACE)
		return cli_usage_error("trace", "import: --hz applies to strace logs only");
	int to_stdout = strcmp(out, "-") == 0;
	enum vl_tfmt tfmt = to_stdout ? VL_TFMT_TEXT : vl_tfmt_from_path(out);
	if ((flags & VL_W_ZSTD) && tfmt != VL_TFMT_BINARY)
		return cli_usage_error("trace", "--zstd needs a binary OUT (.vlb)");

	struct vl_import *im;
	struct vl_writer *w;
	struct vl_meta meta;
	uint64_t events = 0;
	if (vl_import_open(&im, (enum vl_import_fmt)fmt, log, &opts, &err))
		return cli_fail(&err);
	vl_import_meta(im, &meta);
	if (vl_writer_open(&w, out, tfmt, flags, &meta, &err)) {
		vl_import_free(im);
		return cli_fail(&err);
	}
	struct vl_progress bar;
	vl_progress_init(&bar, stderr, "events", 0, to_stdout ? VL_PROGRESS_QUIET : 0);
	if (pump(im, w, &events, &bar, &err)) {
		vl_writer_abort(w);
		vl_import_free(im);
		return cli_fail(&err);
	}
	if (vl_writer_close(w, &err)) {
		vl_import_free(im);
		return cli_fail(&err);
	}
	if (!to_stdout) {
		const struct vl_import_stats *st = vl_import_stats(im);
		fprintf(stderr, "%s: %llu lines, %llu %s, %llu I/O events, %llu lines without "
		        "events -> %s, %llu events\n", log, (unsigned long long)st->lines,
		        (unsigned long long)st->calls, fmt == VL_IMPORT_STRACE ? "system calls" :
		        "requests", (unsigned long long)st->io, (unsigned long long)st->skipped, out,
		        (unsigned long long)events);
		if (st->evicted)
			fprintf(stderr, "%s: %llu processes forgotten (more than 64 at once): their "
			        "descriptors were unknown from then on\n", log,
			        (unsigned long long)st->evicted);
	}
	vl_import_free(im);
	return EXIT_OK;
}
