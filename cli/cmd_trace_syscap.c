/*
 * virtlab trace capture --system: record a whole machine, kernel included,
 * while a command runs in a Linux guest under qemu-system-x86_64's TCG
 * (testbed/syscapture.c does the work).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "util/progress.h"
#include "testbed/syscapture.h"

static void help(void)
{
	printf("usage: virtlab trace capture --system [-o FILE] [--limit EVENTS] [--zstd|--zstd-max]\n"
	       "                             [--ops N] [--kernel DIR] [--timeout S] -- CMD [ARGS...]\n\n"
	       "Boots Debian's cloud kernel (nokaslr norandmaps: no address randomisation)\n"
	       "with an initramfs of busybox and CMD under qemu-system-x86_64 -accel tcg (one\n"
	       "vCPU, 512 MiB) and records the whole machine while CMD runs, from its fork to\n"
	       "its reaping (boot and power-off left out): every block executed, user and\n"
	       "kernel, with its loads and stores; returns and indirect branches; cli, sti,\n"
	       "pushf, popf, CR writes (and the address space each loads), invlpg, rdmsr,\n"
	       "wrmsr, in/out, hlt, iret, sysret, rdtsc, cpuid, syscall, int and the\n"
	       "descriptor-table instructions; page faults, timer and device interrupts and\n"
	       "exceptions (from the kernel's handler entries); page-table writes (stores into\n"
	       "the pages the kernel's page-table setters write); data references to pages,\n"
	       "user and kernel, that a 16-page LRU filter misses (touch); fork, exec and exit.\n"
	       "vl-probe's operation markers become phases 1 and 2.\n\n"
	       "CMD runs inside the guest: an x86-64 program (copied in; a dynamically linked\n"
	       "one with the loader and libraries ldd lists) or a busybox applet. It runs as\n"
	       "root with VL_PROBE_MARK=1, /proc, /sys, /dev and a tmpfs /tmp, and only the\n"
	       "files of the initramfs.\n\n"
	       "  -o FILE          the trace (default: capture.vlb); .vlb is binary, else text\n"
	       "  --limit EVENTS   stop after EVENTS events (the guest is stopped too)\n"
	       "  --zstd           compress a binary trace's blocks (--zstd-max: harder, slower)\n"
	       "  --ops N          CMD marks N operations (vl-probe work OP N): trace stats\n"
	       "                   then shows counts per operation\n"
	       "  --file SRC[:DEST]  copy SRC into the guest at DEST (default: its own path),\n"
	       "                   with its libraries when it is a program (repeatable: the\n"
	       "                   programs CMD runs, its input)\n"
	       "  --kernel DIR     the unpacked kernel package (default: $VL_KERNEL_DIR, else\n"
	       "                   out/kernel-paths/kernel, which `make kernel` fills)\n"
	       "  --timeout S      kill a guest that has not finished after S seconds (1800)\n\n"
	       "Needs qemu-system-x86_64 (Debian package qemu-system-x86), busybox-static and\n"
	       "the kernel (linux-image-cloud-amd64, fetched with apt-get download by `make\n"
	       "kernel`). Capturing runs the guest about 100 times slower than a native run\n"
	       "(TCG and the plugin); booting takes 20-60 s. docs/trace-format.md says which\n"
	       "events are exact and which are inferred.\n");
}

static void progress(void *ctx, const char *line)
{
	vl_progress_status(ctx, line);
}

int cmd_trace_capture_system(int argc, char **argv)
{
	struct vl_syscap_opts o = {.out = "capture.vlb"};
	static const char *files[64];
	size_t nfiles = 0;
	struct vl_syscap_stats st;
	struct vl_err err = {0};
	int i, status;
	char a[32], b[32], c[32];

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--")) {
			i++;
			break;
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			help();
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--system")) {
			continue;
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
		} else if (!strcmp(argv[i], "--kernel") && i + 1 < argc) {
			o.kernel_dir = argv[++i];
		} else if (!strcmp(argv[i], "--file") && i + 1 < argc) {
			if (nfiles == sizeof(files) / sizeof(files[0]))
				return cli_usage_error("trace", "capture: at most %zu --file options",
				                       sizeof(files) / sizeof(files[0]));
			files[nfiles++] = argv[++i];
		} else if (!strcmp(argv[i], "--timeout") && i + 1 < argc) {
			uint64_t n;
			if (cli_parse_u64(argv[++i], &n) || !n || n > 86400)
				return cli_usage_error("trace", "capture: --timeout '%s' is not a number of "
				                       "seconds (1 to 86400)", argv[i]);
			o.timeout = (unsigned)n;
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &o.operations) || !o.operations)
				return cli_usage_error("trace", "capture: --ops '%s' is not a positive "
				                       "number", argv[i]);
		} else if (argv[i][0] == '-') {
			return cli_usage_error("trace", "capture --system: unknown option '%s'", argv[i]);
		} else {
			break;
		}
	}
	if (i >= argc)
		return cli_usage_error("trace", "capture --system needs a command: virtlab trace "
		                       "capture --system [-o FILE] -- CMD [ARGS...]");
	if (o.zstd && vl_tfmt_from_path(o.out) != VL_TFMT_BINARY)
		return cli_usage_error("trace", "--zstd needs a binary FILE (.vlb)");
	if (cli_ensure_parent(o.out, &err))
		return cli_fail(&err);
	o.argv = (const char *const *)argv + i;
	o.files = files;
	o.nfiles = nfiles;
	/* the capture's status lines, on a terminal only */
	struct vl_progress bar;
	vl_progress_init(&bar, stderr, "events", 0, 0);
	o.progress = bar.tty ? progress : NULL;
	o.ctx = &bar;
	int rc = vl_syscap_run(&o, &st, &status, &err);
	vl_progress_end(&bar);
	if (rc)
		return cli_fail(&err);
	fprintf(stderr, "captured %s: %s events; %s user and %s kernel instructions; %llu system "
	        "calls (%llu named), %llu page faults (%llu with an address), %llu timer and %llu "
	        "device interrupts, %llu CR3 writes (%llu reloads), %llu "
	        "touches, %llu conditional branches (%llu mispredicted), %llu cli, %llu sti, %llu pushf, %llu popf%s; "
	        "exit status %d\n", o.out, cli_num(st.events, a, sizeof(a)),
	        cli_num(st.insns[0], b, sizeof(b)), cli_num(st.insns[1], c, sizeof(c)),
	        (unsigned long long)st.syscalls, (unsigned long long)st.syscalls_named,
	        (unsigned long long)st.pgfaults, (unsigned long long)st.pgfault_addrs,
	        (unsigned long long)st.timers, (unsigned long long)st.irqs,
	        (unsigned long long)st.ops[VL_SO_CRW], (unsigned long long)st.cr3_reloads,
	        (unsigned long long)st.touches, (unsigned long long)st.branches,
	        (unsigned long long)st.mispredicts, (unsigned long long)st.ops[VL_SO_CLI],
	        (unsigned long long)st.ops[VL_SO_STI], (unsigned long long)st.ops[VL_SO_PUSHF],
	        (unsigned long long)st.ops[VL_SO_POPF], st.limited ? " (stopped at --limit)" : "",
	        status);
	if (status && st.output[0])
		fprintf(stderr, "the command's last output in the guest: %s\n", st.output);
	return EXIT_OK;
}
