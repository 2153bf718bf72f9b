/*
 * virtlab trace capture: record a real program's trace under QEMU's
 * user-mode TCG (testbed/capture.c does the work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/progress.h"
#include "testbed/capture.h"

static void help(void)
{
	printf("usage: virtlab trace capture [-o FILE] [--limit EVENTS] [--zstd|--zstd-max] [--ops N]\n"
	       "                             [--plugin SO] -- CMD [ARGS...]\n\n"
	       "Runs CMD under qemu-x86_64 (user-mode TCG) with virtlab's capture plugin and\n"
	       "writes what it really did as a trace: every basic block executed (its\n"
	       "instructions, loads and stores), returns and indirect branches, page faults\n"
	       "(first touches and copy-on-write), page references a small LRU filter of\n"
	       "recent pages missed (touches), every system call with the kernel path\n"
	       "measured for it, and fork, execve and exit, children followed through exec.\n\n"
	       "  -o FILE          the trace (default: capture.vlb); .vlb is binary, else text\n"
	       "  --limit EVENTS   stop after EVENTS events (the program is stopped too)\n"
	       "  --zstd           compress a binary trace's blocks (--zstd-max: harder, slower)\n"
	       "  --plugin SO      the capture plugin (default: vlcapture.so beside virtlab)\n"
	       "  --ops N          the program marks N operations (vl-probe with VL_PROBE_MARK=1):\n"
	       "                   trace stats then shows counts per operation\n\n"
	       "The trace is written under FILE.tmp and renamed when complete; Ctrl-C stops\n"
	       "the program and leaves no file. The program's exit status is reported, not\n"
	       "returned. Needs qemu-x86_64 (Debian package qemu-user). docs/trace-format.md\n"
	       "says which events are exact and which are estimated.\n\n"
	       "With --system, CMD runs inside a Linux guest under qemu-system-x86_64 and the\n"
	       "whole machine is recorded, kernel included: see `virtlab trace capture\n"
	       "--system --help`.\n");
}

static void progress(void *ctx, const char *line)
{
	vl_progress_status(ctx, line);
}

int cmd_trace_capture(int argc, char **argv)
{
	struct vl_capture_opts o = {.out = "capture.vlb"};
	struct vl_capture_stats st;
	struct vl_err err = {0};
	int i;
	char a[32], b[32], c[32], d[32], e[32], g[32], h[32];

	for (i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--system"))
			return cmd_trace_capture_system(argc, argv); /* cli/cmd_trace_syscap.c */
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			o.out = argv[++i];
		} else if (!strcmp(argv[i], "--limit") && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &o.limit) || !o.limit)
				return cli_usage_error("trace", "capture: --limit '%s' is not a positive "
				                       "number", argv[i]);
		} else if (!strcmp(argv[i], "--zstd")) {
			o.zstd = 1;
		} else if (!strcmp(argv[i], "--zstd-max")) {
			o.zstd = 2;
		} else if (!strcmp(argv[i], "--plugin") && i + 1 < argc) {
			o.plugin = argv[++i];
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			uint64_t n;
			if (cli_parse_u64(argv[++i], &n) || !n)
				return cli_usage_error("trace", "capture: --ops '%s' is not a positive "
				                       "number", argv[i]);
			o.operations = n;
		} else if (argv[i][0] == '-') {
			return cli_usage_error("trace", "capture: unknown option '%s'", argv[i]);
		} else {
			break; /* the command, without "--" */
		}
	}
	if (i >= argc)
		return cli_usage_error("trace", "capture needs a command: virtlab trace capture "
		                       "[-o FILE] -- CMD [ARGS...]");
	if (o.zstd && vl_tfmt_from_path(o.out) != VL_TFMT_BINARY)
		return cli_usage_error("trace", "--zstd needs a binary FILE (.vlb)");
	if (cli_ensure_parent(o.out, &err))
		return cli_fail(&err);
	o.argv = (const char *const *)argv + i;
	/* the capture's status lines, on a terminal only */
	struct vl_progress bar;
	vl_progress_init(&bar, stderr, "events", 0, 0);
	o.progress = bar.tty ? progress : NULL;
	o.ctx = &bar;
	int rc = vl_capture_run(&o, &st, &err);
	vl_progress_end(&bar);
	if (rc)
		return cli_fail(&err);
	fprintf(stderr, "captured %s: %s events, %llu process%s (%llu fork%s, %llu exec%s), %s user "
	        "instructions (%s floating-point), %s conditional branches (%s mispredicted), %s page "
	        "faults, %s "
	        "touches, %llu system calls%s; exit status %d\n", o.out,
	        cli_num(st.events, a, sizeof(a)), (unsigned long long)st.processes,
	        st.processes == 1 ? "" : "es", (unsigned long long)st.forks,
	        st.forks == 1 ? "" : "s", (unsigned long long)st.execs, st.execs == 1 ? "" : "s",
	        cli_num(st.insns, b, sizeof(b)), cli_num(st.fp, h, sizeof(h)),
	        cli_num(st.branches, e, sizeof(e)),
	        cli_num(st.mispredicts, g, sizeof(g)), cli_num(st.faults, c, sizeof(c)),
	        cli_num(st.touches, d, sizeof(d)),
	        (unsigned long long)st.syscalls, st.limited ? " (stopped at --limit)" : "",
	        st.exit_status);
	return EXIT_OK;
}
