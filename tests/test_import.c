/*
 * Importers (traces/import.h): event counts on the real logs shipped in
 * tests/data, worked out by hand from the logs; unfinished/resumed pairing;
 * descriptor tracking; user runs from timestamps; errors with LOG:LINE and
 * the field; the command line end to end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/util.h"
#include "traces/import.h"
#include "traces/kpaths.h"
#include "traces/trace.h"

#define MAXEV 4096

static struct vl_event ev[MAXEV];
static char out[65536];

struct counts {
	long n;
	long kind[VL_EV__COUNT];
	uint64_t kernel_insns, user_insns;
	uint64_t disk_bytes[2], net_bytes[2]; /* [read/rx, write/tx] */
};

static long drain(struct vl_import *im, struct vl_err *err)
{
	long total = 0, k;

	while ((k = vl_import_read(im, ev + total, MAXEV - (size_t)total, err)) > 0)
		total += k;
	return k < 0 ? k : total;
}

/* Imports a file; returns the event count or the error code. */
static long import_file(enum vl_import_fmt fmt, const char *path, uint64_t hz, struct vl_err *err)
{
	struct vl_import_opts o = {hz};
	struct vl_import *im;
	int rc = vl_import_open(&im, fmt, path, &o, err);

	if (rc)
		return rc;
	long n = drain(im, err);
	vl_import_free(im);
	return n;
}

/* Imports a log given as a string, named "x.log" in messages. */
static long import_text(enum vl_import_fmt fmt, const char *text, uint64_t hz, struct vl_err *err)
{
	struct vl_import_opts o = {hz};
	struct vl_import *im;
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	rc = vl_import_open_stream(&im, fmt, f, "x.log", 1, &o, err);
	if (rc)
		return rc;
	long n = drain(im, err);
	vl_import_free(im);
	return n;
}

static struct counts count(long n)
{
	struct counts c = {0};

	c.n = n;
	for (long i = 0; i < n; i++) {
		const struct vl_event *e = &ev[i];
		int w = !!(e->flags & VL_EVF_WRITE);
		c.kind[e->type]++;
		if (e->type == VL_EV_KERNEL)
			c.kernel_insns += e->n;
		if (e->type == VL_EV_USER)
			c.user_insns += e->n;
		if (e->type == VL_EV_DISK)
			c.disk_bytes[w] += e->n;
		if (e->type == VL_EV_NET)
			c.net_bytes[w] += e->n;
	}
	return c;
}

static int is(const struct vl_event *e, unsigned type, uint16_t flags, uint32_t n, uint64_t a)
{
	int ok = e->type == type && e->flags == flags && e->n == n && e->a == a;
	if (!ok)
		fprintf(stderr, "\n  got %s/%u/%u/%llu, want %s/%u/%u/%llu\n", vl_ev_name(e->type),
		        e->flags, e->n, (unsigned long long)e->a, vl_ev_name(type), flags, n,
		        (unsigned long long)a);
	return ok;
}

/*
 * tests/data/strace-net.log: strace -f -tt -T of tests/data/strace-net.c
 * (static; parent 14146 accepts, child 14147 connects). By hand, from the log:
 *   44 lines: 37 calls (4 of them <unfinished ...>, each resumed on a line of
 *   its own), 1 signal, 2 exits. 37 syscall
 *   and 37 kernel events; 2 exit_group "= ?" make no sysret: 35 sysret.
 *   cr3: the pid changes 10 times between lines that make events (the
 *   --- SIGCHLD and +++ exited lines make none).
 *   net: parent recvfrom 100 on its accepted socket (rx), child sendto 100
 *   (tx), parent sendto 1000 (tx), child recvfrom 1000 (rx): 4 events,
 *   1100 bytes each way. disk: write 100 and pread64 100 on the openat'ed
 *   /tmp/imp/strace-net.out: 2 events (the write async, the read sync).
 *   Kernel instructions: execve 483,951; clone 84,894 (15/28 of 158,469);
 *   2 exit_group 56,596 each; wait4 16,979; the file's write and pread64 of
 *   100 bytes at 617 + 4228 * 100 / 4096 = 720; on sockets (traces/kpaths.h)
 *   2 socket 4,844, connect 208,940, accept 8,954, 2 recvfrom 3,730, 2
 *   sendto 17,427 and 3 close 17,499 (the listening socket's too); the 19
 *   others (close(5) of the file among them) 323 each:
 *   483951 + 84894 + 2*56596 + 16979 + 2*720 + 2*4844 + 208940 + 8954
 *   + 2*3730 + 2*17427 + 3*17499 + 19*323 = 1,028,986.
 */
static void test_import_strace_net_counts(void)
{
	struct vl_err err = {0};
	long n = import_file(VL_IMPORT_STRACE, "tests/data/strace-net.log", 0, &err);

	if (n < 0)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(n, 37 + 37 + 35 + 10 + 4 + 2);
	struct counts c = count(n);
	CU_ASSERT_EQUAL(c.kind[VL_EV_SYSCALL], 37);
	CU_ASSERT_EQUAL(c.kind[VL_EV_KERNEL], 37);
	CU_ASSERT_EQUAL(c.kind[VL_EV_SYSRET], 35);
	CU_ASSERT_EQUAL(c.kind[VL_EV_CR3], 10);
	CU_ASSERT_EQUAL(c.kind[VL_EV_NET], 4);
	CU_ASSERT_EQUAL(c.kind[VL_EV_DISK], 2);
	CU_ASSERT_EQUAL(c.kind[VL_EV_USER], 0); /* no --hz */
	CU_ASSERT_EQUAL(c.net_bytes[0], 1100);
	CU_ASSERT_EQUAL(c.net_bytes[1], 1100);
	CU_ASSERT_EQUAL(c.disk_bytes[0], 100);
	CU_ASSERT_EQUAL(c.disk_bytes[1], 100);
	CU_ASSERT_EQUAL(c.kernel_insns, 1028986);
	CU_ASSERT(is(&ev[0], VL_EV_SYSCALL, 0, 0, 59)); /* execve */
	CU_ASSERT(is(&ev[1], VL_EV_KERNEL, VL_EVF_KERNEL, 0 + KP_EXEC, 0));
	/* the file's write and read name the same file */
	uint64_t file[2] = {0, 0};
	for (long i = 0; i < n; i++)
		if (ev[i].type == VL_EV_DISK)
			file[!!(ev[i].flags & VL_EVF_WRITE)] = ev[i].a;
	CU_ASSERT(file[0] != 0 && file[0] == file[1]);
}

/*
 * tests/data/strace-sh.log: strace -f -tt -T of sh -c 'ls /; cat
 * /etc/hostname > /dev/null' (pids 13127 sh, 13128 ls, 13129 cat). By hand:
 *   355 call lines (8 unfinished, 8 resumed): 355 syscall, 355 kernel;
 *   3 exit_group "= ?": 352 sysret; 16 pid changes between event lines.
 *   disk reads of files opened by path, 14 (reads of 0 bytes make none,
 *   /proc/filesystems is not a file): each process reads libc (832 + 784 +
 *   784); ls also libselinux 832, libpcre2 832, locale.alias 2996; cat also
 *   locale.alias 2996 and /etc/hostname 3: 2400*3 + 832*2 + 2996*2 + 3 =
 *   14,859 bytes. No writes: ls writes to the inherited fd 1 (unknown), cat
 *   to fd 1 dup2'ed from /dev/null (a device).
 *   Kernel instructions (grep counts of the log): 3 execve 483,951; 64
 *   mmap/munmap 9,278; 2 vfork 84,894; 3 exit_group 56,596; 2 wait4 that
 *   returned 16,979 (2 more failed); 21 reads, preads and writes at
 *   617 + 4228 * bytes / 4096: 4 of 0 bytes (617), 2 of 3 (620), 157 (779),
 *   364 (992), 6 of 784 (1,426), 5 of 832 (1,475), 2 of 2996 (3,709); the
 *   other 260 calls (53 failed ones among them) 323: 1,451,853 + 593,792 +
 *   169,788 + 169,788 + 33,958 + 28,828 + 83,980 = 2,531,987.
 */
static void test_import_strace_sh_counts(void)
{
	struct vl_err err = {0};
	long n = import_file(VL_IMPORT_STRACE, "tests/data/strace-sh.log", 0, &err);

	if (n < 0)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(n, 355 + 355 + 352 + 16 + 14);
	struct counts c = count(n);
	CU_ASSERT_EQUAL(c.kind[VL_EV_SYSCALL], 355);
	CU_ASSERT_EQUAL(c.kind[VL_EV_KERNEL], 355);
	CU_ASSERT_EQUAL(c.kind[VL_EV_SYSRET], 352);
	CU_ASSERT_EQUAL(c.kind[VL_EV_CR3], 16);
	CU_ASSERT_EQUAL(c.kind[VL_EV_DISK], 14);
	CU_ASSERT_EQUAL(c.kind[VL_EV_NET], 0);
	CU_ASSERT_EQUAL(c.disk_bytes[0], 14859);
	CU_ASSERT_EQUAL(c.disk_bytes[1], 0);
	CU_ASSERT_EQUAL(c.kernel_insns, 2531987);
}

/*
 * An unfinished read in pid 10 is resumed after pid 11's write, whose string
 * holds a quote, commas, ") = 9" and "<unfinished ...>": the resumed half
 * finds the read's descriptor (3, a file) and byte count (4096 -> 4845
 * kernel instructions, KP_IO_4K).
 */
static void test_import_strace_unfinished_resumed(void)
{
	static const char log[] =
		"10 00:00:01.000000 openat(AT_FDCWD, \"/data/f\", O_RDONLY) = 3 <0.000010>\n"
		"10 00:00:01.000100 read(3,  <unfinished ...>\n"
		"11 00:00:01.000200 write(1, \"x, \\\") = 9 <unfinished ...>\", 30) = 30 <0.000005>\n"
		"10 00:00:01.000300 <... read resumed>\"abc\"..., 4096) = 4096 <0.000200>\n";
	struct vl_err err = {0};
	long n = import_text(VL_IMPORT_STRACE, log, 0, &err);

	if (n < 0)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(n, 12);
	CU_ASSERT(is(&ev[0], VL_EV_SYSCALL, 0, 0, 257));
	CU_ASSERT(is(&ev[1], VL_EV_KERNEL, VL_EVF_KERNEL, KP_NULL_SYSCALL, 0));
	CU_ASSERT(is(&ev[2], VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0));
	CU_ASSERT(is(&ev[3], VL_EV_SYSCALL, 0, 0, 0));
	CU_ASSERT(is(&ev[4], VL_EV_CR3, VL_EVF_KERNEL, 0, 11));
	CU_ASSERT(is(&ev[5], VL_EV_SYSCALL, 0, 0, 1));
	CU_ASSERT(is(&ev[6], VL_EV_KERNEL, VL_EVF_KERNEL, 617 + 4228 * 30 / 4096, 0));
	CU_ASSERT(is(&ev[7], VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0)); /* fd 1 unknown: no I/O */
	CU_ASSERT(is(&ev[8], VL_EV_CR3, VL_EVF_KERNEL, 0, 10));
	CU_ASSERT(is(&ev[9], VL_EV_KERNEL, VL_EVF_KERNEL, KP_IO_4K, 0));
	CU_ASSERT_EQUAL(ev[10].type, VL_EV_DISK);
	CU_ASSERT_EQUAL(ev[10].n, 4096);
	CU_ASSERT_EQUAL(ev[10].flags, 0); /* a read: sync */
	CU_ASSERT(ev[10].a != 0);
	CU_ASSERT(is(&ev[11], VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0));

	/* a resumed half must match an unfinished call of the same pid */
	n = import_text(VL_IMPORT_STRACE,
	                "10 read(3,  <unfinished ...>\n"
	                "11 <... read resumed>\"\", 5) = 0\n", 0, &err);
	CU_ASSERT_EQUAL(n, VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "x.log:2: 'read' resumed, but pid 11 has no unfinished call");
	n = import_text(VL_IMPORT_STRACE,
	                "10 read(3,  <unfinished ...>\n"
	                "10 <... write resumed>\"\", 5) = 0\n", 0, &err);
	CU_ASSERT_EQUAL(n, VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "x.log:2: 'write' resumed, but pid 10 has unfinished 'read'");
	n = import_text(VL_IMPORT_STRACE,
	                "10 read(3,  <unfinished ...>\n"
	                "10 getpid() = 10\n", 0, &err);
	CU_ASSERT_EQUAL(n, VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "x.log:2: 'getpid' starts while pid 10's 'read' is unfinished");
}

/* Descriptors: pipes, socketpairs, dup2, F_DUPFD, close, O_SYNC, devices,
 * inheritance across fork; and the calls that fail cost a null call. */
static void test_import_strace_fd_tracking(void)
{
	static const char log[] =
		"1 pipe2([3, 4], O_CLOEXEC) = 0\n"
		"1 write(4, \"ab\", 2) = 2\n"                                 /* pipe: no I/O */
		"1 socketpair(AF_UNIX, SOCK_STREAM, 0, [5, 6]) = 0\n"
		"1 write(6, \"ab\", 2) = 2\n"                                 /* net 2 tx */
		"1 open(\"log\", O_WRONLY|O_CREAT|O_SYNC, 0644) = 7\n"
		"1 dup2(7, 1) = 1\n"
		"1 write(1, \"abc\", 3) = 3\n"                                /* disk 3 w sync */
		"1 fcntl(6, F_DUPFD_CLOEXEC, 10) = 10\n"
		"1 read(10, \"abcd\", 4) = 4\n"                               /* net 4 rx */
		"1 close(7) = 0\n"
		"1 write(7, \"a\", 1) = -1 EBADF (Bad file descriptor)\n"     /* failed: no I/O */
		"1 openat(AT_FDCWD, \"/dev/null\", O_WRONLY) = 8\n"
		"1 write(8, \"a\", 1) = 1\n"                                  /* device: no I/O */
		"1 execve(\"/nonexistent\", [\"x\"], 0x7ffd /* 3 vars */) = -1 ENOENT (No such file or directory)\n"
		"1 fork() = 2\n"
		"2 write(1, \"child\", 5) = 5\n"                              /* inherited: disk 5 w sync */
		"2 write(4, \"x\", 1) = 1\n";                                 /* inherited pipe: no I/O */
	struct vl_err err = {0};
	long n = import_text(VL_IMPORT_STRACE, log, 0, &err);

	if (n < 0)
		fprintf(stderr, "\n  %s\n", err.msg);
	/* 17 calls of 3 events, 4 I/O events, 1 cr3 */
	CU_ASSERT_EQUAL_FATAL(n, 17 * 3 + 4 + 1);
	struct counts c = count(n);
	CU_ASSERT_EQUAL(c.kind[VL_EV_NET], 2);
	CU_ASSERT_EQUAL(c.net_bytes[1], 2);
	CU_ASSERT_EQUAL(c.net_bytes[0], 4);
	CU_ASSERT_EQUAL(c.kind[VL_EV_DISK], 2);
	CU_ASSERT_EQUAL(c.disk_bytes[1], 3 + 5);
	for (long i = 0; i < n; i++)
		if (ev[i].type == VL_EV_DISK)
			CU_ASSERT_EQUAL(ev[i].flags, VL_EVF_WRITE); /* O_SYNC: blocks */
	/* the failed execve (call 14, after 13 calls and 3 I/O events: events
	 * 42..44) costs a null call; fork (45..47) 15/28 of KP_FORKWAIT */
	CU_ASSERT(is(&ev[43], VL_EV_KERNEL, VL_EVF_KERNEL, KP_NULL_SYSCALL, 0));
	CU_ASSERT(is(&ev[46], VL_EV_KERNEL, VL_EVF_KERNEL, KP_FORKWAIT * 15 / 28, 0));
	CU_ASSERT(is(&ev[48], VL_EV_CR3, VL_EVF_KERNEL, 0, 2));
}

/* A vfork'ed child (CLONE_VM) runs in its parent's address space until its
 * execve loads its own: no cr3 at its first line, one inside the execve. */
static void test_import_strace_vfork_exec_address_space(void)
{
	static const char log[] =
		"1 clone(child_stack=NULL, flags=CLONE_VM|CLONE_VFORK|SIGCHLD) = 2\n"
		"2 execve(\"/bin/true\", [\"true\"], 0x7ffd /* 3 vars */) = 0\n"
		"2 getpid() = 2\n";
	struct vl_err err = {0};
	long n = import_text(VL_IMPORT_STRACE, log, 0, &err);

	CU_ASSERT_EQUAL_FATAL(n, 10);
	CU_ASSERT(is(&ev[1], VL_EV_KERNEL, VL_EVF_KERNEL, KP_FORKWAIT * 15 / 28, 0));
	CU_ASSERT(is(&ev[3], VL_EV_SYSCALL, 0, 0, 59));
	CU_ASSERT(is(&ev[4], VL_EV_KERNEL, VL_EVF_KERNEL, KP_EXEC, 0));
	CU_ASSERT(is(&ev[5], VL_EV_CR3, VL_EVF_KERNEL, 0, 2));
	CU_ASSERT(is(&ev[6], VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0));
	CU_ASSERT(is(&ev[7], VL_EV_SYSCALL, 0, 0, 39));
}

/*
 * --hz: the time from a call's return (timestamp + -T duration) to the
 * process's next call becomes user instructions at one a cycle. Pid 1:
 * getpid returns at 1.000010 s, the next call at 1.001010: 1 ms at 2 GHz =
 * 2,000,000. Pid 2's first call has no predecessor. A 10 s gap at 1 GHz
 * (10^10) needs three runs of at most 2^32 - 1.
 */
static void test_import_strace_hz_user_runs(void)
{
	static const char log[] =
		"1 00:00:01.000000 getpid() = 1 <0.000010>\n"
		"2 00:00:01.000500 getpid() = 2 <0.000010>\n"
		"1 00:00:01.001010 getpid() = 1 <0.000010>\n";
	struct vl_err err = {0};
	long n = import_text(VL_IMPORT_STRACE, log, 2000000000, &err);

	CU_ASSERT_EQUAL_FATAL(n, 3 * 3 + 2 + 1);
	CU_ASSERT(is(&ev[8], VL_EV_USER, 0, 2000000, 0));
	CU_ASSERT(is(&ev[9], VL_EV_SYSCALL, 0, 0, 39));
	CU_ASSERT_EQUAL(count(n).user_insns, 2000000);
	n = import_text(VL_IMPORT_STRACE, log, 0, &err);
	CU_ASSERT_EQUAL(count(n).kind[VL_EV_USER], 0);

	n = import_text(VL_IMPORT_STRACE,
	                "1 23:59:55.000000 getpid() = 1\n"
	                "1 00:00:05.000000 getpid() = 1\n", 1000000000, &err);
	struct counts c = count(n);
	CU_ASSERT_EQUAL(c.kind[VL_EV_USER], 3); /* across midnight */
	CU_ASSERT_EQUAL(c.user_insns, 10000000000ull);
}

/* Each malformed line is named by LOG:LINE and the field at fault. */
static void test_import_errors_name_line_and_field(void)
{
	static const struct {
		enum vl_import_fmt fmt;
		const char *log, *msg;
		int code;
	} cases[] = {
		{VL_IMPORT_STRACE, "1 getpid() = 1\n1 read(3, \"\", 1) = abc\n",
		 "x.log:2: 'read': result 'abc' is not a number", VL_EINVAL},
		{VL_IMPORT_STRACE, "1 frobnicate(1) = 0\n",
		 "x.log:1: unknown system call 'frobnicate'", VL_EINVAL},
		{VL_IMPORT_STRACE, "1 25:00:00.000000 getpid() = 1\n",
		 "x.log:1: timestamp '25:00:00.000000' is not HH:MM:SS.UUUUUU", VL_EINVAL},
		{VL_IMPORT_STRACE, "\n\n1 read(3, \"a)\", 1\n",
		 "x.log:3: 'read': no ')' closes the arguments", VL_EINVAL},
		{VL_IMPORT_STRACE, "1 read(3, \"\", 1) 0\n",
		 "x.log:1: 'read': expected '= RESULT' after the arguments, found '0'", VL_EINVAL},
		{VL_IMPORT_STRACE, "1 hello world\n", "x.log:1: cannot parse 'hello'", VL_EINVAL},
		{VL_IMPORT_STRACE, "[pid abc] getpid() = 1\n", "x.log:1: pid 'abc]' is not a number",
		 VL_EINVAL},
		{VL_IMPORT_BLKIO, "fio version 2 iolog\n/f add\n/f frob 0 1\n",
		 "x.log:3: unknown action 'frob'", VL_EINVAL},
		{VL_IMPORT_BLKIO, "fio version 2 iolog\n/f read 0 x\n",
		 "x.log:2: 'read': LENGTH 'x' is not a number", VL_EINVAL},
		{VL_IMPORT_BLKIO, "fio version 2 iolog\n/f write 0\n",
		 "x.log:2: 'write': missing LENGTH", VL_EINVAL},
		{VL_IMPORT_BLKIO, "fio version 3 iolog\nsoon /f read 0 4096\n",
		 "x.log:2: timestamp 'soon' is not a number", VL_EINVAL},
		{VL_IMPORT_BLKIO, "fio version 4 iolog\n",
		 "x.log:1: fio iolog version 4 is not supported", VL_EVERSION},
		{VL_IMPORT_BLKIO, "\nhello\n", "x.log:2: not a fio iolog", VL_EINVAL},
		{VL_IMPORT_BLKIO, "fio version 2 iologs\n", "x.log:1: not a fio iolog", VL_EINVAL},
		{VL_IMPORT_BLKIO, "\n", "x.log: empty", VL_EINVAL},
		{VL_IMPORT_BLKIO, "8,0 0 1 0.000000000 697 D WS abc + 8 [kworker]\n",
		 "x.log:1: 'D': SECTOR 'abc' is not a number", VL_EINVAL},
		{VL_IMPORT_BLKIO, "8,0 0 1 0.0x0 697 D WS 8 + 8 [kworker]\n",
		 "x.log:1: time '0.0x0' is not a number", VL_EINVAL},
		{VL_IMPORT_BLKIO, "8,0 0 1 0.000000000 697 D WQ 8 + 8 [kworker]\n",
		 "x.log:1: 'D': RWBS 'WQ' has a letter other than", VL_EINVAL},
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct vl_err err = {0};
		long n = import_text(cases[i].fmt, cases[i].log, 0, &err);
		CU_ASSERT_EQUAL(n, cases[i].code);
		T_ASSERT_STR_CONTAINS(err.msg, cases[i].msg);
	}
}

/* tests/data/fio-randread.iolog: fio 3.33, tests/data/fio-randread.fio with
 * --write_iolog: a v3 header, add and open, 32 reads of 4096 bytes, close.
 * By hand: 32 disk events of 4096 read sync on one file; 3 lines skipped. */
static void test_import_blkio_fio_counts(void)
{
	struct vl_err err = {0};
	struct vl_import *im;

	CU_ASSERT_EQUAL_FATAL(vl_import_open(&im, VL_IMPORT_BLKIO, "tests/data/fio-randread.iolog",
	                                     NULL, &err), 0);
	long n = drain(im, &err);
	CU_ASSERT_EQUAL_FATAL(n, 32);
	for (long i = 0; i < n; i++)
		CU_ASSERT(is(&ev[i], VL_EV_DISK, 0, 4096, ev[0].a));
	CU_ASSERT(ev[0].a != 0);
	CU_ASSERT_EQUAL(vl_import_stats(im)->lines, 36);
	CU_ASSERT_EQUAL(vl_import_stats(im)->skipped, 3);
	struct vl_meta m;
	vl_import_meta(im, &m);
	T_ASSERT_STR_CONTAINS(vl_meta_get(&m, "source"), "fio iolog v3");
	vl_import_free(im);

	/* version 2: no timestamps; writes; sync, trim and wait make no event */
	n = import_text(VL_IMPORT_BLKIO,
	                "fio version 2 iolog\n/a add\n/b add\n/a open\n/b open\n"
	                "/a write 0 8192\n/b read 4096 512\n/a sync 0 0\n/a trim 0 4096\n"
	                "/a wait 0 500\n/a close\n", 0, &err);
	CU_ASSERT_EQUAL_FATAL(n, 2);
	CU_ASSERT_EQUAL(ev[0].n, 8192);
	CU_ASSERT_EQUAL(ev[0].flags, VL_EVF_WRITE);
	CU_ASSERT_EQUAL(ev[1].n, 512);
	CU_ASSERT_EQUAL(ev[1].flags, 0);
	CU_ASSERT(ev[0].a != ev[1].a);
}

/*
 * blkparse's default output, typed from its documented format (blkparse(1);
 * blktrace cannot open its relay files in this VM, so no capture ships):
 * only the D (issue) lines count. A synchronous write of 8 sectors, a read
 * of 16, a readahead of 32 (async), a plain write (writeback: async), a
 * flush (no data), a discard: 4 events. The summary is skipped.
 */
static void test_import_blkio_blkparse(void)
{
	static const char log[] =
		"  8,0    3        1     0.000000000   697  Q  WS 3802048 + 8 [kworker/u8:2]\n"
		"  8,0    3        2     0.000002000   697  G  WS 3802048 + 8 [kworker/u8:2]\n"
		"  8,0    3        3     0.000003000   697  I  WS 3802048 + 8 [kworker/u8:2]\n"
		"  8,0    3        4     0.000004000   697  D  WS 3802048 + 8 [kworker/u8:2]\n"
		"  8,0    3        5     0.000404000     0  C  WS 3802048 + 8 [0]\n"
		"  8,0    1        1     0.001000000  1234  Q   R 100 + 16 [cat]\n"
		"  8,0    1        2     0.001001000  1234  D   R 100 + 16 [cat]\n"
		"  8,0    1        3     0.001201000     0  C   R 100 + 16 [0]\n"
		"  8,0    1        4     0.002000000  1234  D  RA 200 + 32 [cat]\n"
		"  8,0    0        1     0.003000000    55  D   W 300 + 8 [kworker/0:1]\n"
		"  8,0    0        2     0.004000000    55  D FWS [kworker/0:1]\n"
		"  8,0    0        3     0.005000000    55  D   D 400 + 2048 [fstrim]\n"
		"  8,0    0        4     0.006000000    55  P   N [kworker/0:1]\n"
		"\n"
		"CPU0 (8,0):\n"
		" Reads Queued:           1,        8KiB\t Writes Queued:           1,        4KiB\n"
		"Total (8,0):\n"
		"Throughput (R/W): 8KiB/s / 4KiB/s\n"
		"Events (8,0): 13 entries\n";
	struct vl_err err = {0};
	long n = import_text(VL_IMPORT_BLKIO, log, 0, &err);

	if (n < 0)
		fprintf(stderr, "\n  %s\n", err.msg);
	CU_ASSERT_EQUAL_FATAL(n, 4);
	CU_ASSERT(is(&ev[0], VL_EV_DISK, VL_EVF_WRITE, 8 * 512, 0));
	CU_ASSERT(is(&ev[1], VL_EV_DISK, 0, 16 * 512, 0));
	CU_ASSERT(is(&ev[2], VL_EV_DISK, VL_EVF_ASYNC, 32 * 512, 0));
	CU_ASSERT(is(&ev[3], VL_EV_DISK, VL_EVF_WRITE | VL_EVF_ASYNC, 8 * 512, 0));
}

/* More processes at once than the table holds: the oldest are forgotten
 * (counted), and the import goes on in the same memory. */
static void test_import_strace_many_processes(void)
{
	static char log[100 * 64];
	size_t len = 0;
	struct vl_err err = {0};
	struct vl_import *im;

	for (int pid = 1; pid <= 100; pid++)
		len += (size_t)snprintf(log + len, sizeof(log) - len, "%d getpid() = %d\n", pid, pid);
	FILE *f = fmemopen(log, len, "r");
	CU_ASSERT_EQUAL_FATAL(vl_import_open_stream(&im, VL_IMPORT_STRACE, f, "x.log", 1, NULL,
	                                            &err), 0);
	CU_ASSERT_EQUAL(drain(im, &err), 100 * 3 + 99);
	CU_ASSERT_EQUAL(vl_import_stats(im)->evicted, 100 - 64);
	vl_import_free(im);
}

/* The command: import to binary, read it back, same events as the library
 * made; a bad log leaves neither OUT nor OUT.tmp. */
static void test_import_cli_round_trip(void)
{
	char args[1024];
	const char *vlb = t_path("imported.vlb"), *vlt = t_path("imported.vlt");
	struct vl_err err = {0};
	static struct vl_event back[MAXEV];

	unlink(vlb);
	snprintf(args, sizeof(args), "trace import strace tests/data/strace-net.log -o %s --zstd",
	         vlb);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "44 lines, 37 system calls, 6 I/O events, 3 lines without events");
	snprintf(args, sizeof(args), "%s.tmp", vlb);
	CU_ASSERT_NOT_EQUAL(access(args, F_OK), 0);
	long n = t_read_all(vlb, back, MAXEV, &err);
	long m = import_file(VL_IMPORT_STRACE, "tests/data/strace-net.log", 0, &err);
	CU_ASSERT_EQUAL_FATAL(n, m);
	CU_ASSERT(memcmp(back, ev, (size_t)n * sizeof(*ev)) == 0);
	snprintf(args, sizeof(args), "trace stats %s", vlb);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "@importer     strace");
	T_ASSERT_STR_CONTAINS(out, "net 1100 rx, 1100 tx");

	/* text to a file and to standard output agree */
	snprintf(args, sizeof(args), "trace import blkio tests/data/fio-randread.iolog -o %s", vlt);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT_EQUAL(t_read_all(vlt, back, MAXEV, &err), 32);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "trace import blkio tests/data/fio-randread.iolog"), 0);
	T_ASSERT_STR_CONTAINS(out, "vlt 1\n@name fio-randread.iolog\n");
	T_ASSERT_STR_CONTAINS(out, "\ndisk 4096 r ");

	/* a malformed log: exit 2, LOG:LINE, nothing left behind */
	const char *bad = t_write("bad-strace.log", "1 getpid() = 1\n1 read(3, \"\", 1) = abc\n");
	unlink(vlb);
	snprintf(args, sizeof(args), "trace import strace %s -o %s", bad, vlb);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "bad-strace.log:2: 'read': result 'abc' is not a number");
	CU_ASSERT_NOT_EQUAL(access(vlb, F_OK), 0);
	snprintf(args, sizeof(args), "%s.tmp", vlb);
	CU_ASSERT_NOT_EQUAL(access(args, F_OK), 0);

	/* usage errors */
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "trace import pcap x.log"), 2);
	T_ASSERT_STR_CONTAINS(out, "unknown log kind 'pcap' (valid: strace, blkio)");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out),
	                          "trace import blkio tests/data/fio-randread.iolog --hz 1000"), 2);
	T_ASSERT_STR_CONTAINS(out, "--hz applies to strace logs only");
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "trace import --help"), 0);
	T_ASSERT_STR_CONTAINS(out, "usage: virtlab trace import strace LOG");
}

void suite_import(void)
{
	static const struct t_case cases[] = {
		{"import_strace_net_counts", test_import_strace_net_counts},
		{"import_strace_sh_counts", test_import_strace_sh_counts},
		{"import_strace_unfinished_resumed", test_import_strace_unfinished_resumed},
		{"import_strace_fd_tracking", test_import_strace_fd_tracking},
		{"import_strace_vfork_exec_address_space", test_import_strace_vfork_exec_address_space},
		{"import_strace_hz_user_runs", test_import_strace_hz_user_runs},
		{"import_strace_many_processes", test_import_strace_many_processes},
		{"import_errors_name_line_and_field", test_import_errors_name_line_and_field},
		{"import_blkio_fio_counts", test_import_blkio_fio_counts},
		{"import_blkio_blkparse", test_import_blkio_blkparse},
		{"import_cli_round_trip", test_import_cli_round_trip},
		{NULL, NULL},
	};
	t_add_suite("import", cases);
}
