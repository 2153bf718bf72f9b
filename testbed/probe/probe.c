/*
 * vl-probe: the testbed's microbenchmarks and workloads as one small
 * program, so the very same binary runs natively, inside fresh namespaces,
 * and under QEMU user-mode emulation (it is also built for aarch64).
 * Plain C and libc only; no virtlab code.
 *
 *   vl-probe bench NAME|all [SAMPLES]   one line per sample:
 *       sample NAME NS_PER_OP CYCLES_PER_OP OPS
 *   vl-probe work NAME N                 runs a workload, then prints
 *       work NAME N WALL_NS USER_NS SYS_NS MINFLT MAJFLT NVCSW NIVCSW
 *   vl-probe list                        names of benchmarks and workloads
 *   vl-probe nop                         exits at once (what `exec` runs)
 *
 * CYCLES_PER_OP is the time-stamp counter on x86 and 0 elsewhere. Each
 * sample is a batch of operations timed as a whole after a warm-up batch.
 *
 * With VL_PROBE_MARK=1 in the environment, `work` executes a marker
 * instruction (xchg %bx,%bx, which changes nothing) just before and just
 * after its operations, so that an instruction-counting QEMU plugin
 * (testbed/tcg/insncount.c) can count what lies between.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <time.h>
#include <stddef.h>
#include <signal.h>
#include <unistd.h>

static uint64_t tsc(void)
{
#if defined(__x86_64__)
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
#else
	return 0;
#endif
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static void die(const char *what)
{
	fprintf(stderr, "vl-probe: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- operations: each does n of its kind ---- */

/* 10 instructions an iteration on x86 (as the KVM guest's alu loop). */
static void op_alu(long n)
{
#if defined(__x86_64__)
	__asm__ volatile("1:\n\t"
	                 "add %%rbx, %%rax\n\txor %%rax, %%rcx\n\tadd %%rcx, %%rbx\n\t"
	                 "sub %%rax, %%r8\n\txor %%r8, %%r9\n\tadd %%r9, %%r10\n\t"
	                 "or %%r10, %%r11\n\tand %%r11, %%rax\n\t"
	                 "dec %0\n\tjnz 1b"
	                 : "+r"(n)
	                 :
	                 : "rax", "rbx", "rcx", "r8", "r9", "r10", "r11", "cc");
#else
	volatile uint64_t a = 1, b = 2, c = 3;
	for (long i = 0; i < n; i++) {
		a += b;
		c ^= a;
		b += c;
	}
#endif
}

/*
 * alu's loop with its 8 ALU instructions replaced by floating-point ones,
 * 4 addsd and 4 mulsd (x86 only): what computing in floating point adds,
 * which an emulator does in software (calibrate's fp_helper).
 */
static void op_fp(long n)
{
#if defined(__x86_64__)
	double a = 1.0, b = 1e-9, c = 1.0, d = 1.5; /* d stays normal: no denormal assists */

	__asm__ volatile("1:\n\t"
	                 "addsd %2, %1\n\tmulsd %4, %3\n\taddsd %2, %1\n\tmulsd %4, %3\n\t"
	                 "addsd %2, %1\n\tmulsd %4, %3\n\taddsd %2, %1\n\tmulsd %4, %3\n\t"
	                 "dec %0\n\tjnz 1b"
	                 : "+r"(n), "+x"(a), "+x"(b), "+x"(d), "+x"(c)
	                 :
	                 : "cc");
#else
	(void)n;
#endif
}

/*
 * 10 instructions an iteration, 4 loads and 4 stores of an L1-resident
 * buffer: what a memory access costs beyond an ALU instruction (x86; a C
 * loop elsewhere).
 */
static void op_mem(long n)
{
	static uint64_t buf[8];
#if defined(__x86_64__)
	__asm__ volatile("1:\n\t"
	                 "mov (%1), %%rax\n\tmov 8(%1), %%rcx\n\t"
	                 "mov 16(%1), %%r8\n\tmov 24(%1), %%r9\n\t"
	                 "mov %%rcx, 32(%1)\n\tmov %%rax, 40(%1)\n\t"
	                 "mov %%r9, 48(%1)\n\tmov %%r8, 56(%1)\n\t"
	                 "dec %0\n\tjnz 1b"
	                 : "+r"(n)
	                 : "r"(buf)
	                 : "rax", "rcx", "r8", "r9", "memory", "cc");
#else
	volatile uint64_t *b = buf;
	for (long i = 0; i < n; i++) {
		b[4] = b[1];
		b[5] = b[0];
		b[6] = b[3];
		b[7] = b[2];
	}
#endif
}

/*
 * 10 instructions an iteration, as op_alu, but in 5 blocks: each of the
 * first four adds and branches (taken) to the next, the fifth closes the
 * loop. What a translator pays to go from one block to the next when the
 * two are on one page (x86; a C loop elsewhere).
 */
static void op_blocks(long n)
{
#if defined(__x86_64__)
	__asm__ volatile("mov $1, %%rax\n"
	                 "1:\n\tadd $1, %%rax\n\tjnz 2f\n"
	                 "2:\n\tadd $1, %%rax\n\tjnz 3f\n"
	                 "3:\n\tadd $1, %%rax\n\tjnz 4f\n"
	                 "4:\n\tadd $1, %%rax\n\tjnz 5f\n"
	                 "5:\n\tdec %0\n\tjnz 1b"
	                 : "+r"(n)
	                 :
	                 : "rax", "cc");
#else
	op_alu(n);
#endif
}

#if defined(__x86_64__)
/* op_xpage's loop: op_blocks' five blocks, each on a page of its own. */
__asm__(".text\n\t.p2align 12\n"
        "vl_probe_xpage:\n\tmov $1, %rax\n"
        "1:\tadd $1, %rax\n\tjnz 2f\n\t.p2align 12\n"
        "2:\tadd $1, %rax\n\tjnz 3f\n\t.p2align 12\n"
        "3:\tadd $1, %rax\n\tjnz 4f\n\t.p2align 12\n"
        "4:\tadd $1, %rax\n\tjnz 5f\n\t.p2align 12\n"
        "5:\tdec %rdi\n\tjnz 1b\n\tret\n");
#endif

/*
 * op_blocks with every block on another page: each of the 5 jumps an
 * iteration leaves its page, which QEMU does not chain (x86 only).
 */
static void op_xpage(long n)
{
#if defined(__x86_64__)
	__asm__ volatile("call vl_probe_xpage" : "+D"(n) : : "rax", "memory", "cc");
#else
	(void)n;
#endif
}

/*
 * A pointer chase through chase_n slots in one random cyclic order: a page
 * apart (pages: each access on another page, so the TLB's reach decides
 * its cost; the slot's offset in its page moves a cache line at a time, so
 * the lines spread over the cache's sets) or a cache line apart (lines:
 * as many lines on few pages, the control). `bench pages:N` sets N.
 * Transparent huge pages are turned off for the buffer: they would let one
 * TLB entry cover 512 of its pages.
 */
static long chase_n = 512;
static void **chase_at;

static void chase(long n, size_t stride)
{
	if (!chase_at) {
		size_t slots = (size_t)chase_n, len = slots * stride + 4096;
		char *buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		size_t *order = malloc(slots * sizeof(*order));
		uint64_t x = 88172645463325252ull;
		if (buf == MAP_FAILED || !order)
			die("chase buffer");
		madvise(buf, len, MADV_NOHUGEPAGE);
		for (size_t i = 0; i < slots; i++)
			order[i] = i;
		for (size_t i = slots - 1; i > 0; i--) { /* Fisher-Yates, xorshift64 */
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			size_t j = (size_t)(x % (i + 1)), t = order[i];
			order[i] = order[j], order[j] = t;
		}
#define SLOT(i) ((void **)(buf + (i) * stride + (stride >= 4096 ? (i) * 64 % 4096 : 0)))
		for (size_t k = 0; k < slots; k++)
			*SLOT(order[k]) = SLOT(order[(k + 1) % slots]);
		chase_at = SLOT(order[0]);
#undef SLOT
		free(order);
	}
	void **p = chase_at;
	for (long i = 0; i < n; i++)
		p = *p;
	chase_at = *(void **volatile *)&p;
}

static void op_pages(long n) { chase(n, 4096); }
static void op_lines(long n) { chase(n, 64); }

#if defined(__x86_64__)
/* A leaf that returns at once: the target of op_callret's calls. */
__asm__(".text\n\t.p2align 4\n"
        "vl_probe_leaf:\n\tret\n");
#endif

/*
 * A direct call of a leaf function and its return, 4 instructions an
 * iteration (call, ret, dec, jnz): the return is the indirect jump a
 * translator must look up (x86; a C loop elsewhere).
 */
static void op_callret(long n)
{
#if defined(__x86_64__)
	__asm__ volatile("1:\n\t"
	                 "call vl_probe_leaf\n\t"
	                 "dec %0\n\tjnz 1b"
	                 : "+r"(n)
	                 :
	                 : "memory", "cc");
#else
	for (volatile long i = 0; i < n; i++)
		;
#endif
}

/*
 * A conditional branch on a pseudo-random bit (xorshift64), 12 instructions
 * an iteration: no predictor does better than chance, so half mispredict;
 * branchp runs the same code on a bit that is always 0 (never mispredicted).
 * The difference of the two is half a misprediction an iteration (x86; a C
 * loop elsewhere).
 */
static void branch_loop(long n, uint64_t mask)
{
#if defined(__x86_64__)
	uint64_t x = 0x9e3779b97f4a7c15ull, hits = 0;
	__asm__ volatile("1:\n\t"
	                 "mov %1, %%rax\n\tshl $13, %%rax\n\txor %%rax, %1\n\t"
	                 "mov %1, %%rax\n\tshr $7, %%rax\n\txor %%rax, %1\n\t"
	                 "mov %1, %%rax\n\tshl $17, %%rax\n\txor %%rax, %1\n\t"
	                 "test %3, %1\n\tjz 2f\n\t"
	                 "inc %2\n"
	                 "2:\n\t"
	                 "dec %0\n\tjnz 1b"
	                 : "+r"(n), "+r"(x), "+r"(hits)
	                 : "r"(mask)
	                 : "rax", "cc");
#else
	volatile uint64_t x = 0x9e3779b97f4a7c15ull, hits = 0;
	for (long i = 0; i < n; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		if (x & mask)
			hits++;
	}
#endif
}

static void op_branch(long n)
{
	branch_loop(n, 1);
}

static void op_branchp(long n)
{
	branch_loop(n, 0);
}

/*
 * Code never run before: n blocks of 5 instructions of an ordinary mix (a
 * load, an add, a store, a compare, a jump to the next block) written into
 * fresh pages, run once, unmapped. Natively a cold run; under a dynamic
 * translator every block is translated first. x86 only (the bytes are x86
 * code).
 */
#define CODEGEN_BLOCK 16 /* bytes of one block */
static void op_codegen(long n)
{
#if defined(__x86_64__)
	static const unsigned char block[CODEGEN_BLOCK] = {
		0x48, 0x8b, 0x07,       /* mov (%rdi),%rax */
		0x48, 0x01, 0xc1,       /* add %rax,%rcx */
		0x48, 0x89, 0x4f, 0x08, /* mov %rcx,8(%rdi) */
		0x48, 0x83, 0xf9, 0x05, /* cmp $5,%rcx */
		0xeb, 0x00,             /* jmp to the next block */
	};
	static uint64_t scratch[2];

	while (n > 0) {
		long k = n < 4096 ? n : 4096;
		size_t len = (size_t)(k * CODEGEN_BLOCK + 16 + 4095) & ~(size_t)4095;
		unsigned char *p = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), *c = p;
		if (p == MAP_FAILED)
			die("mmap");
		for (long i = 0; i < k; i++, c += CODEGEN_BLOCK)
			memcpy(c, block, sizeof(block));
		*c = 0xc3; /* ret */
		__asm__ volatile("call *%0" : : "r"(p), "D"(scratch) : "rax", "rcx", "memory", "cc");
		munmap(p, len);
		n -= k;
	}
#else
	(void)n;
#endif
}

/*
 * Straight-line code over chase_n KiB (code:N): each 64-byte line 21
 * `add %eax,d8(%rdi)` over 16 words and a nop, 22 instructions; the op is
 * one line. Natively the line prefetcher streams it. An emulator runs its
 * translation instead, about 30 host bytes a guest instruction of this kind
 * under QEMU 7.2 (calibrate measures it: tc_bytes), so the same code spills
 * the host's L2 at a thirtieth of the size (calibrate's code_fetch).
 */
static void op_code(long n)
{
#if defined(__x86_64__)
	static unsigned char *code_at;
	static long code_lines;
	static uint64_t words[16];

	if (!code_at) {
		code_lines = chase_n * 1024 / 64;
		size_t len = (size_t)code_lines * 64 + 64;
		code_at = mmap(NULL, len, PROT_READ | PROT_WRITE | PROT_EXEC,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (code_at == MAP_FAILED)
			die("mmap");
		for (long l = 0; l < code_lines; l++) {
			unsigned char *c = code_at + l * 64;
			for (int i = 0; i < 21; i++) { /* add %eax,8*(i%16)(%rdi) */
				c[3 * i] = 0x01;
				c[3 * i + 1] = 0x47;
				c[3 * i + 2] = (unsigned char)(8 * (i % 16));
			}
			c[63] = 0x90; /* nop */
		}
		code_at[code_lines * 64] = 0xc3; /* ret */
	}
	/* n lines exactly: the last n % lines of a pass, entered midway, then whole passes */
	unsigned char *at = code_at + (code_lines - n % code_lines) % code_lines * 64;
	if (n % code_lines)
		__asm__ volatile("call *%0" : : "r"(at), "D"(words), "a"(1) : "memory", "cc");
	for (long k = n / code_lines; k > 0; k--)
		__asm__ volatile("call *%0" : : "r"(code_at), "D"(words), "a"(1) : "memory", "cc");
#else
	(void)n;
#endif
}

static void op_syscall(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

/* First touch of n fresh anonymous pages (one mmap and munmap per 64). */
static void op_pgfault(long n)
{
	long page = sysconf(_SC_PAGESIZE);

	while (n > 0) {
		long k = n < 64 ? n : 64;
		volatile char *p = mmap(NULL, (size_t)(k * page), PROT_READ | PROT_WRITE,
		                        MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (long i = 0; i < k; i++)
			p[i * page] = 1;
		munmap((void *)p, (size_t)(k * page));
		n -= k;
	}
}

/* mmap and munmap of 64 pages never touched: what op_pgfault amortises */
static void op_mapunmap(long n)
{
	long page = sysconf(_SC_PAGESIZE);

	for (long i = 0; i < n; i++) {
		void *p = mmap(NULL, (size_t)(64 * page), PROT_READ | PROT_WRITE,
		               MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED)
			die("mmap");
		munmap(p, (size_t)(64 * page));
	}
}

/* lmbench's null I/O: read a byte from /dev/zero, write one to /dev/null */
static void op_rw1(long n)
{
	int z = open("/dev/zero", O_RDONLY), nul = open("/dev/null", O_WRONLY);
	char c;

	if (z < 0 || nul < 0)
		die("open /dev/zero, /dev/null");
	for (long i = 0; i < n; i++)
		if (read(z, &c, 1) != 1 || write(nul, &c, 1) != 1)
			die("null I/O");
	close(z);
	close(nul);
}

static void op_forkwait(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0)
			_exit(0);
		if (waitpid(pid, NULL, 0) < 0)
			die("waitpid");
	}
}

/* n round trips between two processes over pipes: 2n context switches. */
static void op_ctxsw(long n)
{
	int a[2], b[2];
	char c = 0;
	pid_t pid;

	if (pipe(a) || pipe(b))
		die("pipe");
	pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (long i = 0; i < n; i++)
			if (read(a[0], &c, 1) != 1 || write(b[1], &c, 1) != 1)
				_exit(1);
		_exit(0);
	}
	for (long i = 0; i < n; i++)
		if (write(a[1], &c, 1) != 1 || read(b[0], &c, 1) != 1)
			die("pipe ping-pong");
	waitpid(pid, NULL, 0);
	close(a[0]), close(a[1]), close(b[0]), close(b[1]);
}

/*
 * n system calls of a traced child, each intercepted as User-Mode Linux's
 * skas mode does (Dike, OLS 2002): at the entry stop PTRACE_GETREGS and
 * PTRACE_POKEUSER to make the call a getpid, PTRACE_SYSCALL to the exit
 * stop, then PTRACE_SETREGS with the result and PTRACE_SYSCALL: 2 stops,
 * 4 context switches, 7 ptrace requests and waits per call.
 */
static void op_ptrace(long n)
{
#if defined(__x86_64__)
	struct user_regs_struct r;
	int st;
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		if (ptrace(PTRACE_TRACEME, 0, 0, 0))
			_exit(2);
		raise(SIGSTOP);
		for (long i = 0; i < n; i++)
			syscall(SYS_getppid);
		_exit(0);
	}
	if (waitpid(pid, &st, 0) != pid || !WIFSTOPPED(st))
		die("ptrace: the child cannot be traced");
	ptrace(PTRACE_SYSCALL, pid, 0, 0);
	for (;;) {
		if (waitpid(pid, &st, 0) != pid || WIFEXITED(st))
			break; /* entry stop */
		ptrace(PTRACE_GETREGS, pid, 0, &r);
		int ours = r.orig_rax == SYS_getppid; /* not the child's exit_group */
		if (ours)
			ptrace(PTRACE_POKEUSER, pid, offsetof(struct user_regs_struct, orig_rax),
			       SYS_getpid);
		ptrace(PTRACE_SYSCALL, pid, 0, 0);
		if (waitpid(pid, &st, 0) != pid || WIFEXITED(st))
			break; /* exit stop */
		if (ours) {
			r.rax = (unsigned long long)getppid(); /* the "kernel's" answer */
			ptrace(PTRACE_SETREGS, pid, 0, &r);
		}
		ptrace(PTRACE_SYSCALL, pid, 0, 0);
	}
#else
	(void)n;
#endif
}

/* fork, exec this program's `nop` in the child, wait */
static void op_exec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl("/proc/self/exe", "vl-probe", "nop", (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("exec");
	}
}

/* lmbench's lat_proc shell: fork, exec /bin/sh -c of a small program, wait */
static void op_sh(long n)
{
	char self[4096], cmd[4200];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (len <= 0)
		die("readlink /proc/self/exe");
	self[len] = 0;
	snprintf(cmd, sizeof(cmd), "'%s' nop", self);
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			die("fork");
		if (pid == 0) {
			execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			die("sh -c");
	}
}

/* A file of `bytes` in $TMPDIR (or /tmp), open read-write and unlinked. */
static int scratch_file(size_t bytes)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/vl-probe-XXXXXX", dir && *dir ? dir : "/tmp");
	if ((fd = mkstemp(path)) < 0)
		die("mkstemp");
	unlink(path);
	if (ftruncate(fd, (off_t)bytes))
		die("ftruncate");
	/* written, so the pages are in the page cache as lmbench's file is */
	char buf[4096];
	memset(buf, 1, sizeof(buf));
	for (size_t off = 0; off < bytes; off += sizeof(buf))
		if (pwrite(fd, buf, sizeof(buf), (off_t)off) != (ssize_t)sizeof(buf))
			die("pwrite");
	return fd;
}

/*
 * lmbench's lat_pagefault: n page faults on a mapped file whose pages are
 * in the page cache, touched in a scrambled order after msync(MS_INVALIDATE),
 * 256 pages (1 MiB) per mapping.
 */
static int scratch_fd = -1; /* the workload's file, made before its operations */

static void setup_pagefault(void)
{
	scratch_fd = scratch_file((size_t)(256 * sysconf(_SC_PAGESIZE)));
}

static void op_pagefault(long n)
{
	long page = sysconf(_SC_PAGESIZE), pages = 256;
	int fd = scratch_fd >= 0 ? scratch_fd : scratch_file((size_t)(pages * page));
	volatile int sum = 0;

	while (n > 0) {
		long k = n < pages ? n : pages;
		char *p = mmap(NULL, (size_t)(pages * page), PROT_READ, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap");
		if (msync(p, (size_t)(pages * page), MS_INVALIDATE))
			die("msync");
		for (long i = 0; i < k; i++)
			sum += p[((i * 97) % pages) * page]; /* 97 is prime to 256: a permutation */
		munmap(p, (size_t)(pages * page));
		n -= k;
	}
	if (fd != scratch_fd)
		close(fd);
}

/*
 * lmbench's lat_mmap 8m: map 8 MiB of a file shared, write a byte every
 * 16 KiB over its first tenth, unmap; n times.
 */
static void setup_mmap(void)
{
	scratch_fd = scratch_file(8u << 20);
}

static void op_mmap(long n)
{
	const size_t size = 8u << 20, psize = 16u << 10;
	int fd = scratch_fd >= 0 ? scratch_fd : scratch_file(size);

	for (long i = 0; i < n; i++) {
		char *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		if (p == MAP_FAILED)
			die("mmap");
		for (char *q = p; q < p + size / 10; q += psize)
			*q = (char)size;
		munmap(p, size);
	}
	if (fd != scratch_fd)
		close(fd);
}

/*
 * n HTTP-sized exchanges over loopback TCP: connect, send a 100-byte
 * request, receive a 10,975-byte response (the mean Apache response the
 * net generator is built from), close; the server is a child process.
 */
static void op_tcp(long n)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t alen = sizeof(a);
	static char buf[10975];
	int ls = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (ls < 0)
		die("socket");
	setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(ls, (struct sockaddr *)&a, sizeof(a)) || listen(ls, 16) ||
	    getsockname(ls, (struct sockaddr *)&a, &alen))
		die("bind/listen on 127.0.0.1");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		for (long i = 0; i < n; i++) {
			int c = accept(ls, NULL, NULL);
			char req[100];
			if (c < 0 || read(c, req, sizeof(req)) <= 0)
				_exit(1);
			for (size_t off = 0; off < sizeof(buf);) {
				ssize_t w = write(c, buf + off, sizeof(buf) - off);
				if (w <= 0)
					_exit(1);
				off += (size_t)w;
			}
			close(c);
		}
		_exit(0);
	}
	close(ls);
	for (long i = 0; i < n; i++) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		char req[100] = "GET / HTTP/1.0";
		size_t got = 0;
		if (c < 0 || connect(c, (struct sockaddr *)&a, sizeof(a)) ||
		    write(c, req, sizeof(req)) != (ssize_t)sizeof(req))
			die("tcp client");
		for (ssize_t r; (r = read(c, buf, sizeof(buf))) > 0;)
			got += (size_t)r;
		close(c);
		if (got != sizeof(buf))
			die("tcp short response");
	}
	waitpid(pid, NULL, 0);
}

static void op_rdtsc(long n)
{
	for (long i = 0; i < n; i++)
		(void)tsc();
}

static void op_cpuid(long n)
{
#if defined(__x86_64__)
	for (long i = 0; i < n; i++) {
		uint32_t a = 0, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
#else
	(void)n;
#endif
}

/*
 * The block device, past the page cache: a 64 MiB file in TMPDIR, written
 * and synced once per process, then read with O_DIRECT. dread: 4 KiB at
 * random aligned offsets, one at a time (a device's access time, as fio's
 * randread at queue depth 1); dseq: 1 MiB at a time in order (its rate).
 */
#define DISK_FILE (64l << 20)
static int disk_fd = -1;
static void *disk_buf;

static void disk_open(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];

	if (disk_fd >= 0)
		return;
	snprintf(path, sizeof(path), "%s/vl-probe-disk-XXXXXX", dir && *dir ? dir : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0 || posix_memalign(&disk_buf, 4096, 1 << 20))
		die("disk file");
	memset(disk_buf, 7, 1 << 20);
	for (long off = 0; off < DISK_FILE; off += 1 << 20)
		if (pwrite(fd, disk_buf, 1 << 20, off) != 1 << 20)
			die("pwrite");
	if (fsync(fd))
		die("fsync");
	close(fd);
	disk_fd = open(path, O_RDONLY | O_DIRECT);
	unlink(path);
	if (disk_fd < 0)
		die("open O_DIRECT");
}

static void op_dread(long n)
{
	static uint64_t x = 88172645463325252ull;

	disk_open();
	for (long i = 0; i < n; i++) {
		x ^= x << 13, x ^= x >> 7, x ^= x << 17;
		off_t off = (off_t)(x % (DISK_FILE / 4096)) * 4096;
		if (pread(disk_fd, disk_buf, 4096, off) != 4096)
			die("pread");
	}
}

static void op_dseq(long n)
{
	static off_t off;

	disk_open();
	for (long i = 0; i < n; i++, off = (off + (1 << 20)) % DISK_FILE)
		if (pread(disk_fd, disk_buf, 1 << 20, off) != 1 << 20)
			die("pread");
}

/* n 4 KiB writes to a fresh file, one fsync, n reads back. */
static void op_fileio(long n)
{
	char path[] = "/tmp/vl-probe-XXXXXX", buf[4096];
	int fd = mkstemp(path);

	if (fd < 0)
		die("mkstemp");
	unlink(path);
	memset(buf, 'v', sizeof(buf));
	for (long i = 0; i < n; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("write");
	fsync(fd);
	lseek(fd, 0, SEEK_SET);
	for (long i = 0; i < n; i++)
		if (read(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf))
			die("read");
	close(fd);
}

/*
 * The same C on every ISA, for comparing emulators of different guest ISAs
 * on one host (calibrate's cross_isa): insertion-sort 32 keys of a
 * pseudo-random sequence, then hash them into a 64-slot open-addressing
 * table and look each up: loads, stores, compares, branches and calls of
 * the kind a compiler's own code makes, about 3,700 instructions on x86-64.
 */
static unsigned cwork_key(unsigned *x)
{
	*x = *x * 1103515245u + 12345u;
	return *x >> 8;
}

static volatile unsigned cwork_sink; /* keeps the work from being optimised away */

static void op_cwork(long n)
{
	unsigned x = 1;

	for (long i = 0; i < n; i++) {
		unsigned k[32], slot[64] = {0}, found = 0;
		for (int a = 0; a < 32; a++) {
			unsigned v = cwork_key(&x);
			int b = a;
			for (; b > 0 && k[b - 1] > v; b--)
				k[b] = k[b - 1];
			k[b] = v;
		}
		for (int a = 0; a < 32; a++) {
			unsigned h = (k[a] * 2654435761u) >> 26;
			while (slot[h] && slot[h] != k[a])
				h = (h + 1) & 63;
			slot[h] = k[a];
		}
		for (int a = 0; a < 32; a++) {
			unsigned h = (k[a] * 2654435761u) >> 26;
			while (slot[h] != k[a])
				h = (h + 1) & 63;
			found += h;
		}
		cwork_sink += found;
	}
}

/*
 * A compile-like unit: computation (200,000 alu iterations, 2M
 * instructions), reading a source file (open, 4 reads, close), a fresh
 * 64-page heap, and one child process in eight units.
 */
static void op_mix(long n)
{
	for (long i = 0; i < n; i++) {
		char buf[4096];
		int fd = open("/proc/self/stat", O_RDONLY);
		if (fd >= 0) {
			for (int k = 0; k < 4; k++)
				if (read(fd, buf, sizeof(buf)) < 0)
					break;
			close(fd);
		}
		op_alu(200000);
		op_pgfault(64);
		if (i % 8 == 0)
			op_forkwait(1);
	}
}

struct op {
	const char *name;
	void (*fn)(long);
	void (*setup)(void); /* before `work`'s markers (may be NULL) */
	long batch;       /* operations per sample */
	int x86_only;
	const char *what;
};

static const struct op ops[] = {
	{"alu", op_alu, NULL, 1000000, 0, "10 ALU instructions (x86; a C loop elsewhere)"},
	{"cwork", op_cwork, NULL, 2000, 0, "sort 32 keys, hash them into a table and look each up: the same C on every ISA (cross_isa)"},
	{"fp", op_fp, NULL, 1000000, 1, "alu's loop with 4 addsd and 4 mulsd for its 8 ALU instructions (x86)"},
	{"mem", op_mem, NULL, 1000000, 0, "10 instructions: 4 loads, 4 stores of an L1-resident buffer (x86; a C loop elsewhere)"},
	{"callret", op_callret, NULL, 1000000, 0, "a direct call and its return, 4 instructions (x86; a C loop elsewhere)"},
	{"blocks", op_blocks, NULL, 1000000, 0, "10 instructions in 5 blocks on one page, each ending in a taken branch (x86; a C loop elsewhere)"},
	{"branch", op_branch, NULL, 1000000, 0, "a conditional branch on a random bit, 12 instructions: half mispredicted (x86; a C loop elsewhere)"},
	{"branchp", op_branchp, NULL, 1000000, 0, "the code of 'branch' on a bit that is always 0: never mispredicted"},
	{"xpage", op_xpage, NULL, 1000000, 1, "the 5 blocks of 'blocks', each on a page of its own"},
	{"pages", op_pages, NULL, 200000, 0, "a load from another page each, over N pages in a random cycle (pages:N; default 512)"},
	{"lines", op_lines, NULL, 200000, 0, "a load from another cache line each, N lines in a random cycle (lines:N): the control of pages:N"},
	{"codegen", op_codegen, NULL, 4096, 1, "a block of code never run before (load, add, store, compare, jump), run once"},
	{"code", op_code, NULL, 262144, 1, "one 64-byte line of straight-line code (21 adds to memory, a nop), over N KiB of it in a loop (code:N; default 512)"},
	{"syscall", op_syscall, NULL, 20000, 0, "getppid() system call"},
	{"pgfault", op_pgfault, NULL, 4096, 0, "first touch of an anonymous page"},
	{"mapunmap", op_mapunmap, NULL, 2000, 0, "mmap and munmap 64 untouched pages"},
	{"rw1", op_rw1, NULL, 20000, 0, "read 1 byte of /dev/zero and write it to /dev/null"},
	{"forkwait", op_forkwait, NULL, 100, 0, "fork, _exit in the child, waitpid"},
	{"ctxsw", op_ctxsw, NULL, 1000, 0, "pipe round trip between two processes (2 switches)"},
	{"exec", op_exec, NULL, 50, 0, "fork, exec a static program that exits, waitpid"},
	{"ptrace", op_ptrace, NULL, 1000, 1, "getppid intercepted as UML skas does: 2 ptrace stops"},
	{"sh", op_sh, NULL, 20, 0, "fork, exec /bin/sh -c of a static program, waitpid (lat_proc shell)"},
	{"pagefault", op_pagefault, setup_pagefault, 1024, 0, "fault on a cached page of a mapped file (lat_pagefault)"},
	{"mmap", op_mmap, setup_mmap, 50, 0, "mmap 8 MiB of a file, write every 16 KiB of a tenth, munmap (lat_mmap)"},
	{"tcp", op_tcp, NULL, 100, 0, "loopback TCP: connect, 100-byte request, 10,975-byte response"},
	{"rdtsc", op_rdtsc, NULL, 100000, 1, "RDTSC"},
	{"cpuid", op_cpuid, NULL, 20000, 1, "CPUID leaf 0"},
	{"fileio", op_fileio, NULL, 256, 0, "write 4 KiB, later fsync and read it back"},
	{"dread", op_dread, NULL, 500, 0, "read 4 KiB with O_DIRECT at a random offset of a 64 MiB file"},
	{"dseq", op_dseq, NULL, 64, 0, "read 1 MiB with O_DIRECT, in order through a 64 MiB file"},
	{"mix", op_mix, NULL, 4, 0, "compile-like unit"},
};
#define NOPS (sizeof(ops) / sizeof(ops[0]))

static const struct op *find(const char *name)
{
	for (size_t i = 0; i < NOPS; i++)
		if (!strcmp(ops[i].name, name))
			return &ops[i];
	return NULL;
}

/* Whether this program can exec itself (not under cross-ISA user emulation
 * without binfmt_misc, where the host kernel cannot run our binary). */
static int can_exec_self(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return 0;
	if (pid == 0) {
		execl("/proc/self/exe", "vl-probe", "nop", (char *)NULL);
		_exit(127);
	}
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Whether a child can be traced (not under user-mode emulation, which
 * does not implement ptrace, nor where a security policy forbids it). */
static int can_trace(void)
{
	int st;
	pid_t pid = fork();

	if (pid < 0)
		return 0;
	if (pid == 0)
		_exit(ptrace(PTRACE_TRACEME, 0, 0, 0) == 0 ? 0 : 1);
	return waitpid(pid, &st, 0) == pid && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static const char *bench_name; /* the name as asked for, with its argument */

static void bench(const struct op *o, int samples, double scale)
{
	long batch = (long)(o->batch * scale);

	if (batch < 1)
		batch = 1;
	fflush(stdout); /* before the forks of the operations */
#if !defined(__x86_64__)
	if (o->x86_only) {
		printf("skip %s not an x86 build\n", o->name);
		return;
	}
#endif
	if (o->fn == op_ptrace && !can_trace()) {
		printf("skip %s ptrace is not available here\n", o->name);
		return;
	}
	if ((o->fn == op_exec || o->fn == op_sh) && !can_exec_self()) {
		printf("skip %s this program cannot exec itself here\n", o->name);
		return;
	}
	o->fn(batch / 4 ? batch / 4 : 1); /* warm-up */
	for (int s = 0; s < samples; s++) {
		double t0 = now_ns();
		uint64_t c0 = tsc();
		o->fn(batch);
		uint64_t c1 = tsc();
		double t1 = now_ns();
		printf("sample %s %.3f %.3f %ld\n", bench_name ? bench_name : o->name,
		       (t1 - t0) / (double)batch,
		       (double)(c1 - c0) / (double)batch, batch);
		fflush(stdout);
	}
}

static void mark(void)
{
#if defined(__x86_64__)
	static int on = -1;
	if (on < 0)
		on = getenv("VL_PROBE_MARK") && !strcmp(getenv("VL_PROBE_MARK"), "1");
	if (on)
		__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
#endif
}

static double tv_ns(struct timeval tv) { return (double)tv.tv_sec * 1e9 + (double)tv.tv_usec * 1e3; }

static int usage(FILE *f)
{
	fprintf(f, "usage: vl-probe bench NAME[:N]|all [SAMPLES [SCALE]]\n"
	           "       vl-probe work NAME N\n"
	           "       vl-probe list\n");
	return f == stdout ? 0 : 2;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage(stderr);
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
		return usage(stdout);
	if (!strcmp(argv[1], "nop"))
		return 0;
	if (!strcmp(argv[1], "list")) {
		for (size_t i = 0; i < NOPS; i++)
			printf("%-9s %s\n", ops[i].name, ops[i].what);
		return 0;
	}
	if (!strcmp(argv[1], "bench") && argc >= 3) {
		int samples = argc > 3 ? atoi(argv[3]) : 11;
		double scale = argc > 4 ? atof(argv[4]) : 1.0;
		if (samples < 1 || scale <= 0)
			return usage(stderr);
		char *arg = strchr(argv[2], ':');
		if (arg) { /* pages:N, lines:N, code:N */
			chase_n = atol(arg + 1);
			if (chase_n < 2 || chase_n > 1 << 20)
				return usage(stderr);
			static char name[64];
			snprintf(name, sizeof(name), "%s", argv[2]);
			bench_name = name;
			*arg = '\0';
		}
		for (size_t i = 0; i < NOPS; i++)
			if (!strcmp(argv[2], "all") ? strcmp(ops[i].name, "mix") != 0
			                            : !strcmp(argv[2], ops[i].name))
				bench(&ops[i], samples, scale);
		return 0;
	}
	if (!strcmp(argv[1], "work") && argc == 4) {
		const struct op *o = find(argv[2]);
		long n = atol(argv[3]);
		struct rusage self, kids;
		if (!o || n < 1)
			return usage(stderr);
		if (o->setup)
			o->setup();
		double t0 = now_ns();
		mark();
		o->fn(n);
		mark();
		double t1 = now_ns();
		getrusage(RUSAGE_SELF, &self);
		getrusage(RUSAGE_CHILDREN, &kids);
		printf("work %s %ld %.0f %.0f %.0f %ld %ld %ld %ld\n", o->name, n, t1 - t0,
		       tv_ns(self.ru_utime) + tv_ns(kids.ru_utime),
		       tv_ns(self.ru_stime) + tv_ns(kids.ru_stime), self.ru_minflt + kids.ru_minflt,
		       self.ru_majflt + kids.ru_majflt, self.ru_nvcsw + kids.ru_nvcsw,
		       self.ru_nivcsw + kids.ru_nivcsw);
		return 0;
	}
	return usage(stderr);
}
