/*
 * Generators of synthetic workloads. Each kind emits one "iteration" of its
 * workload at a time into a pending buffer (a loop of a benchmark: one
 * system call, one fork/exit/wait, one request); read() drains it and stops
 * at exactly the requested number of events. Code is modelled as footprints
 * of basic blocks with fixed lengths and Zipf-distributed popularity, so
 * translation caches see realistic reuse. All counts not from a cited source
 * are stated as assumptions in vl_gen_kinds[] and docs/trace-format.md.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_randist.h>

#include "sim/rng.h"
#include "traces/gen.h"
#include "traces/kpaths.h"

const struct vl_genkind vl_gen_kinds[] = {
	{"cpu", "CPU-bound, SPECint-like: user basic blocks, calls, TLB misses, 1000 Hz timer",
	 "5.5 instructions per basic block (one branch in 5-6 instructions, SPECint, Hennessy & "
	 "Patterson); 70.4 TLB misses per 100K instructions (SPECint2006, Bhargava et al. ASPLOS "
	 "2008); HZ=1000 timer (Linux 2.6 default); assumptions: 8192-block user footprint with "
	 "Zipf(1) reuse, a call/ret pair per 15 blocks, an indirect branch per 50 blocks, "
	 "2000-instruction timer handler"},
	{"syscall", "system-call heavy: getpid/read/write loop with user work between calls",
	 "captured: traces/captured/null.vlb, 17 user instructions and 1 call/ret pair per "
	 "getppid; tests/data/rw1.vlb (vl-probe rw1), 13 and 1 per 1-byte read, 16 and 1 per "
	 "1-byte write; kernel paths of 323 (getpid) and 617 (read or write) counted on Linux "
	 "6.1 under QEMU TCG (testbed/tcg/kernel-paths.sh); assumption: the 50/25/25 mix"},
	{"forkwait", "fork/exit/wait loop (the forkwait of Adams & Agesen 2006)",
	 "captured: traces/captured/forkwait.vlb, per operation 4 system calls (clone, wait4, "
	 "set_robust_list, exit_group), 1 page write-protected and 12 copied at fork, 5 "
	 "copy-on-write faults (1 in the parent, 4 in the child), 12 pages torn down at exit, "
	 "1 fork, 1 exit, 2 cr3, 237 user instructions with 8 call/ret pairs, 145,710 kernel "
	 "instructions (traces/kpaths.h, counted under QEMU TCG); assumptions: the kernel "
	 "paths' block structure and the fork/exit split of KP_FORKWAIT (15:10:3)"},
	{"pgfault", "mmap-heavy: map a region, touch every page, unmap it",
	 "captured: tests/data/pgfault-anon.vlb (vl-probe pgfault), per fault 1 write fault, "
	 "1 NP->P and 1 P->NP PTE write, 1 invlpg, 5.6 user instructions, 1 mmap and 1 munmap "
	 "per 64 pages; kernel paths counted under QEMU TCG (testbed/tcg/kernel-paths.sh): "
	 "4253 instructions per fault, 9278 per mmap or munmap"},
	{"disk", "disk-bound: synchronous reads and writes through an IDE-style driver",
	 "IDE taskfile: 7 port writes to issue a command and 1 status read on completion "
	 "(ATA-6 command protocol); assumptions: 70% reads of 4-64 KiB, 3000 kernel "
	 "instructions per request, 1500 in the completion path, 5000 user instructions between"},
	{"net", "web server, Apache-like: accept a request, serve a 10.7 KB page",
	 "measured on Apache 2.4 with ab on loopback: 25 system calls (6 futex), 1 fault, "
	 "10,975 bytes and 63,600 user instructions per request (strace -c -f, /proc, "
	 "callgrind); kernel paths counted under QEMU TCG (testbed/tcg/kernel-paths.sh): "
	 "half of a loopback exchange (122,404), 323 per futex, 617 per small call, 9278 per "
	 "mmap or munmap; assumption: the exchange splits 1:2 over receive and send"},
	{"compile", "one compiler invocation of a build (gcc -O2 -c: driver, cc1, as)",
	 "measured on Linux 6.1 with gcc 12: 1.07G user instructions (callgrind), 5285 minor "
	 "faults (/usr/bin/time), 4634 system calls and 3 execs (strace -f -c); TLB misses at "
	 "70.4 per 100K instructions (Bhargava et al. 2008); kernel paths counted under QEMU "
	 "TCG (testbed/tcg/kernel-paths.sh): 4253 per fault, 483,951 per exec; assumption: a "
	 "system call costs a 4 KiB read or write (4845)"},
	{"bigfootprint", "random data references over a 1 GiB footprint, no page-table updates",
	 "294 references per 100K instructions (the highest server-mix TLB-miss rate of "
	 "Bhargava et al. ASPLOS 2008), here touches of uniformly random pages of 1 GiB, so "
	 "nearly all miss a TLB; user code and timer as `cpu`; assumptions: the footprint, "
	 "uniform addresses (GUPS-like), every reference a write"},
};

const size_t vl_ngen_kinds = sizeof(vl_gen_kinds) / sizeof(vl_gen_kinds[0]);


/* A code footprint: blocks with fixed lengths, picked with Zipf popularity. */
struct code {
	unsigned nblocks;
	uint64_t first_id;
	uint32_t *len;
	gsl_ran_discrete_t *pick;
	int kernel;
};

struct vl_gen {
	const struct vl_genkind *kind;
	int k;                   /* index in vl_gen_kinds */
	uint64_t left, seed;
	uint64_t iters_left;     /* iteration mode: whole iterations still to emit */
	int by_iters;
	gsl_rng *r;
	struct code user, kern;
	struct vl_event *pend; /* one iteration, grown as needed */
	size_t npend, cap, pos;
	uint64_t insns_to_tlbmiss, insns_to_timer;
	uint64_t asid, addr;
	uint64_t user_ahead;     /* user instructions run ahead of the captured counts */
};

static int code_init(struct code *c, gsl_rng *r, unsigned nblocks, uint64_t first_id,
                     int kernel)
{
	double *w = malloc(nblocks * sizeof(double));

	c->len = malloc(nblocks * sizeof(uint32_t));
	if (!w || !c->len) {
		free(w);
		return -1;
	}
	for (unsigned i = 0; i < nblocks; i++) {
		w[i] = 1.0 / (i + 1);                           /* Zipf, s = 1 */
		c->len[i] = gsl_ran_geometric(r, 1.0 / 5.5);    /* mean 5.5 instructions */
	}
	c->pick = gsl_ran_discrete_preproc(nblocks, w);
	free(w);
	c->nblocks = nblocks;
	c->first_id = first_id;
	c->kernel = kernel;
	return c->pick ? 0 : -1;
}

static void code_free(struct code *c)
{
	free(c->len);
	if (c->pick)
		gsl_ran_discrete_free(c->pick);
}

static void emit(struct vl_gen *g, unsigned type, uint16_t flags, uint32_t n, uint64_t a,
                 uint64_t b)
{
	if (g->npend == g->cap) {
		size_t cap = g->cap ? 2 * g->cap : 4096;
		struct vl_event *p = realloc(g->pend, cap * sizeof(*p));
		VL_ASSERT(p); /* a few hundred KiB at most */
		g->pend = p;
		g->cap = cap;
	}
	g->pend[g->npend++] = (struct vl_event){(uint16_t)type, flags, n, a, b};
}

/* Emits one block of c (and a TLB miss when one falls due); returns its length. */
static uint32_t code_block(struct vl_gen *g, struct code *c)
{
	size_t i = gsl_ran_discrete(g->r, c->pick);
	uint32_t len = c->len[i];

	emit(g, VL_EV_BB, c->kernel ? VL_EVF_KERNEL : 0, len, c->first_id + i, 0);
	if (!c->kernel && len >= g->insns_to_tlbmiss) {
		emit(g, VL_EV_TLBMISS, 0, 1, 0, 0);
		g->insns_to_tlbmiss = 1 + (uint64_t)gsl_ran_exponential(g->r, 100000.0 / 70.4);
	} else if (!c->kernel) {
		g->insns_to_tlbmiss -= len;
	}
	return len;
}

/* Emits basic blocks of c until about insns instructions have run. */
static void run_code(struct vl_gen *g, struct code *c, uint64_t insns)
{
	uint64_t done = 0;

	while (done < insns)
		done += code_block(g, c);
}

/*
 * A captured stretch of user code: insns instructions of user blocks, then
 * callrets call/ret pairs. Blocks overshoot a stretch by less than one;
 * the overshoot is taken off the next stretch, so that a trace's user
 * instructions average exactly the captured count.
 */
static void run_user(struct vl_gen *g, uint64_t insns, uint32_t callrets)
{
	int64_t want = (int64_t)insns - (int64_t)g->user_ahead, done = 0;

	while (done < want)
		done += code_block(g, &g->user);
	g->user_ahead = (uint64_t)(done - want);
	if (callrets)
		emit(g, VL_EV_CALLRET, 0, callrets, 0, 0);
}

/*
 * Kernel code follows paths: a system call, a fault handler or an interrupt
 * runs the same blocks each time (block `path * 256` onwards, in order),
 * with a detour to a random kernel block one time in twenty, as branches
 * inside the path go one way or the other.
 */
enum path { K_TIMER, K_GETPID, K_READ, K_WRITE, K_FORK, K_EXIT, K_WAIT, K_FAULT, K_MMAP,
            K_MUNMAP, K_DISK, K_DISK_DONE, K_NET_RX, K_NET_TX, K_PATHS };

static void run_path(struct vl_gen *g, enum path path, uint64_t insns)
{
	struct code *c = &g->kern;
	uint64_t done = 0;
	unsigned i = 0;

	while (done < insns) {
		size_t b = (size_t)path * 256 + i++ % 256;
		if (gsl_rng_uniform(g->r) < 0.05)
			b = gsl_ran_discrete(g->r, c->pick);
		emit(g, VL_EV_BB, VL_EVF_KERNEL, c->len[b], c->first_id + b, 0);
		done += c->len[b];
	}
}

static void syscall_path(struct vl_gen *g, uint64_t nr, enum path path, uint64_t kinsns)
{
	emit(g, VL_EV_SYSCALL, 0, 0, nr, 0);
	run_path(g, path, kinsns);
	emit(g, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
}

static void gen_cpu(struct vl_gen *g)
{
	for (int i = 0; i < 256; i++) {
		size_t b = gsl_ran_discrete(g->r, g->user.pick);
		uint32_t len = g->user.len[b];
		emit(g, VL_EV_BB, 0, len, g->user.first_id + b, 0);
		if (len >= g->insns_to_tlbmiss) {
			emit(g, VL_EV_TLBMISS, 0, 1, 0, 0);
			g->insns_to_tlbmiss = 1 + (uint64_t)gsl_ran_exponential(g->r, 100000.0 / 70.4);
		} else {
			g->insns_to_tlbmiss -= len;
		}
		if (gsl_rng_uniform(g->r) < 1.0 / 15)
			emit(g, VL_EV_CALLRET, 0, 1, 0, 0);
		if (gsl_rng_uniform(g->r) < 1.0 / 50)
			emit(g, VL_EV_INDIRECT, 0, 1, 0, 0);
		if (len >= g->insns_to_timer) {
			emit(g, VL_EV_TIMER, VL_EVF_KERNEL, 0, 0, 0);
			run_path(g, K_TIMER, 2000);
			emit(g, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0);
			g->insns_to_timer = 3800000; /* 1 ms at 3.8 GHz and one cycle per insn */
		} else {
			g->insns_to_timer -= len;
		}
	}
}

/*
 * getpid (50%), a 1-byte read (25%) or write (25%), each after the user
 * instructions and call/ret pairs captured before it: 17 and 1 before
 * getppid (traces/captured/null.vlb), 13 and 1 before a read, 16 and 1
 * before a write (tests/data/rw1.vlb: vl-probe rw1). The mix is an
 * assumption; kernel paths as counted (traces/kpaths.h).
 */
static void gen_syscall(struct vl_gen *g)
{
	double u = gsl_rng_uniform(g->r);

	if (u < 0.5) {
		run_user(g, 17, 1);
		syscall_path(g, 39, K_GETPID, KP_NULL_SYSCALL); /* getpid */
	} else if (u < 0.75) {
		run_user(g, 13, 1);
		syscall_path(g, 0, K_READ, KP_NULL_IO);         /* read */
	} else {
		run_user(g, 16, 1);
		syscall_path(g, 1, K_WRITE, KP_NULL_IO);        /* write */
	}
}

/* A write fault on a present, write-protected page: copy-on-write. */
static void fault_cow(struct vl_gen *g, uint64_t a)
{
	emit(g, VL_EV_PGFAULT, VL_EVF_WRITE, 0, a, 0);
	run_path(g, K_FAULT, KP_FAULT);
	emit(g, VL_EV_PTEWRITE, VL_EVF_KERNEL | VL_EVF_P_OLD | VL_EVF_P_NEW, 0, a, 0);
	emit(g, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0);
}

/*
 * One fork/exit/wait of a small static process, following the capture of
 * vl-probe's forkwait (traces/captured/forkwait.vlb, 1000 iterations; the
 * steady iteration, per operation): 4 system calls (clone and wait4 in the
 * parent, set_robust_list and exit_group in the child); clone
 * write-protects the 1 page the parent wrote since the last fork (its
 * stack) and copies 12 anonymous or privately written pages to the child
 * (`fork CHILD 12`; 13 in captures of an earlier, smaller vl-probe: the
 * count follows the binary's data layout); 5 write faults, copy-on-write,
 * each a P->P PTE write: 1 in the parent (its stack, before it waits) and
 * 4 in the child (3 data pages and its stack); exit_group tears down the
 * child's 12 pages (`exit 12`); 2 address-space switches; 237 user
 * instructions with 8 call/ret pairs (the stretches below keep an earlier
 * capture's 239, within the comparison's 5%). Kernel instructions are the
 * capture's (traces/kpaths.h): KP_FORK, KP_FAULT each, KP_NULL_SYSCALL,
 * KP_EXIT and KP_WAIT, 145,710 in all. Assumptions, as the capture does not
 * see inside the kernel: the paths' block structure, and the PTE writes of
 * fork and exit spread evenly along their paths.
 */
static void gen_forkwait(struct vl_gen *g)
{
	const unsigned pages = 12, stack = pages - 1, wp = 1;
	const uint64_t base = 0x4b0000, parent = 1, child = 2 + (g->asid++ % 30000);
	const uint64_t copy = 0x800000000000ull;

	run_user(g, 59, 2); /* the parent, from wait4's return to clone */
	emit(g, VL_EV_SYSCALL, 0, 0, 56, 0); /* clone */
	for (unsigned p = 0; p < wp; p++) { /* write-protect what it wrote since */
		run_path(g, K_FORK, KP_FORK / (wp + pages));
		emit(g, VL_EV_PTEWRITE, VL_EVF_KERNEL | VL_EVF_P_OLD | VL_EVF_P_NEW, 0,
		     base + (stack - p) * 4096ull, 0);
	}
	for (unsigned p = 0; p < pages; p++) { /* the child's copies */
		run_path(g, K_FORK, p + 1 < pages ? KP_FORK / (wp + pages)
		                                  : KP_FORK - KP_FORK / (wp + pages) * (wp + pages - 1));
		emit(g, VL_EV_PTEWRITE, VL_EVF_KERNEL | VL_EVF_P_NEW, 0, copy + p * 4096ull, 0);
	}
	emit(g, VL_EV_FORK, VL_EVF_KERNEL, pages, child, 0);
	emit(g, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
	run_user(g, 10, 0);
	fault_cow(g, base + stack * 4096ull); /* the parent's stack */
	run_user(g, 59, 3);
	emit(g, VL_EV_SYSCALL, 0, 0, 61, 0); /* wait4: the parent blocks */
	emit(g, VL_EV_CR3, VL_EVF_KERNEL, 0, child, 0); /* the child runs */
	run_user(g, 5, 0);
	fault_cow(g, base);
	run_user(g, 8, 0);
	syscall_path(g, 273, K_GETPID, KP_NULL_SYSCALL); /* set_robust_list */
	run_user(g, 5, 0);
	fault_cow(g, base + 4096);
	fault_cow(g, base + 2 * 4096);
	run_user(g, 38, 0);
	fault_cow(g, base + stack * 4096ull); /* the child's stack */
	run_user(g, 55, 3);
	emit(g, VL_EV_SYSCALL, 0, 0, 231, 0); /* exit_group */
	for (unsigned p = 0; p < pages; p++) {
		run_path(g, K_EXIT, p + 1 < pages ? KP_EXIT / pages : KP_EXIT - KP_EXIT / pages * (pages - 1));
		emit(g, VL_EV_PTEWRITE, VL_EVF_KERNEL | VL_EVF_P_OLD, 0, copy + p * 4096ull, 0);
	}
	emit(g, VL_EV_EXIT, VL_EVF_KERNEL, pages, 0, 0);
	emit(g, VL_EV_CR3, VL_EVF_KERNEL, 0, parent, 0);
	run_path(g, K_WAIT, KP_WAIT); /* wait4 returns in the parent */
	emit(g, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
}

/*
 * mmap of 64 fresh anonymous pages, a write to each, munmap: vl-probe's
 * pgfault, as captured (tests/data/pgfault-anon.vlb, 1024 faults): per
 * region, 10 user instructions before mmap, 10 and a call/ret pair before
 * the first write, 5 before each other write, 22 and a pair before
 * munmap; each write a fault (KP_FAULT) with a NP->P PTE write; munmap a
 * P->NP write and an invlpg per page; mmap and munmap KP_MMAP each.
 */
static void gen_pgfault(struct vl_gen *g)
{
	const unsigned pages = 64;
	uint64_t base = 0x7f0000000000ull + (g->addr++ % 1024) * 0x10000000ull;

	run_user(g, 10, 0);
	syscall_path(g, 9, K_MMAP, KP_MMAP); /* mmap */
	for (unsigned p = 0; p < pages; p++) {
		uint64_t a = base + p * 4096ull;
		run_user(g, p ? 5 : 10, p ? 0 : 1);
		emit(g, VL_EV_PGFAULT, VL_EVF_WRITE, 0, a, 0);
		run_path(g, K_FAULT, KP_FAULT);
		emit(g, VL_EV_PTEWRITE, VL_EVF_KERNEL | VL_EVF_P_NEW, 0, a, 0);
		emit(g, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0);
	}
	run_user(g, 22, 1);
	emit(g, VL_EV_SYSCALL, 0, 0, 11, 0); /* munmap */
	run_path(g, K_MUNMAP, KP_MMAP);
	for (unsigned p = 0; p < pages; p++) {
		emit(g, VL_EV_PTEWRITE, VL_EVF_KERNEL | VL_EVF_P_OLD, 0, base + p * 4096ull, 0);
		emit(g, VL_EV_INVLPG, VL_EVF_KERNEL, 0, base + p * 4096ull, 0);
	}
	emit(g, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
}

static void gen_disk(struct vl_gen *g)
{
	int write = gsl_rng_uniform(g->r) >= 0.7;
	uint32_t bytes = 4096u << gsl_rng_uniform_int(g->r, 5); /* 4..64 KiB */

	run_code(g, &g->user, 5000);
	emit(g, VL_EV_SYSCALL, 0, 0, write ? 1 : 0, 0);
	run_path(g, K_DISK, 3000);
	for (unsigned i = 0; i < 7; i++) /* IDE taskfile registers 0x1f1..0x1f7 */
		emit(g, VL_EV_OUT, VL_EVF_KERNEL, 1, 0x1f1 + i, 0);
	emit(g, VL_EV_DISK, write ? VL_EVF_WRITE : 0, bytes, 0, 0);
	emit(g, VL_EV_IN, VL_EVF_KERNEL, 1, 0x1f7, 0); /* status after the interrupt */
	run_path(g, K_DISK_DONE, 1500);
	emit(g, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
}

/*
 * One request to a web server. Counts per request measured on Apache
 * 2.4.71 (Debian 12, event MPM, single process, the 10.7 KB default page)
 * under ab -c 1 on loopback: strace -c -f shows 25.4 system calls
 * (accept4, 2.4 read, 2 newfstatat, 2 fcntl, openat, mmap, munmap,
 * writev, write to the log, shutdown, 2 close, getsockname, times,
 * epoll_wait, 0.7 epoll_ctl and 6.3 futex between threads); /proc shows
 * 1.04 minor faults; 10,975 bytes go out; callgrind counts 63,600 user
 * instructions per request (all threads; the difference between 220 and
 * 20 requests, so start-up cancels). Kernel paths counted under QEMU TCG
 * (KP_*): the server's half of a loopback exchange of the same sizes,
 * split 1:2 over receiving (accept, request) and sending (the reply; the
 * split is an assumption), a null call for futex, mmap and munmap as
 * measured, and a 1-byte read or write for every other call.
 */
static void gen_net(struct vl_gen *g)
{
	const unsigned calls = 25, futex = 6, user = 63600;
	const uint64_t half = KP_TCP_EXCHANGE / 2, rx = half / 3, tx = half - rx;

	emit(g, VL_EV_SYSCALL, 0, 0, 288, 0); /* accept4 */
	run_path(g, K_NET_RX, rx / 2);
	emit(g, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
	emit(g, VL_EV_NET, 0, 80, 0, 0);      /* the request arrives */
	run_path(g, K_NET_RX, rx - rx / 2);
	emit(g, VL_EV_PGFAULT, VL_EVF_WRITE, 0, 0x20000000 + (g->addr++ % 4096) * 4096ull, 0);
	run_path(g, K_FAULT, KP_FAULT);
	emit(g, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0);
	for (unsigned i = 0; i < calls - 2; i++) {
		run_code(g, &g->user, user / (calls - 2));
		if (i < futex)
			syscall_path(g, 202, K_GETPID, KP_NULL_SYSCALL);
		else if (i == futex || i == futex + 1)
			syscall_path(g, i == futex ? 9 : 11, K_MMAP, KP_MMAP); /* mmap, munmap */
		else
			syscall_path(g, 0, K_READ, KP_NULL_IO);
	}
	emit(g, VL_EV_SYSCALL, 0, 0, 20, 0);  /* writev: the reply */
	run_path(g, K_NET_TX, tx);
	emit(g, VL_EV_MMIO, VL_EVF_KERNEL | VL_EVF_WRITE, 4, 0xfebc0018, 0); /* doorbell */
	emit(g, VL_EV_NET, VL_EVF_WRITE | VL_EVF_ASYNC, 10975, 0, 0);
	emit(g, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
}

/*
 * One compiler invocation of a build (gcc -O2 -c of a 600-line C file).
 * Counts measured on Linux 6.1 (Debian 12, gcc 12) for the driver, cc1 and
 * as together: 1.07G user instructions (callgrind, --trace-children),
 * 5285 minor page faults (/usr/bin/time), 4634 system calls including 12
 * execve and 2 vfork (strace -f -c). TLB misses at SPECint's 70.4 per 100K
 * instructions (Bhargava et al. 2008). Kernel paths counted under QEMU
 * TCG: KP_FAULT per fault, KP_EXEC per exec; a system call is assumed to
 * cost a 4 KiB read or write (KP_IO_4K): the mix of the 4634 was not counted.
 */
static void gen_compile(struct vl_gen *g)
{
	const unsigned faults = 5285, syscalls = 4634, procs = 3, chunks = 10700;
	const uint64_t heap = 0x10000000;
	unsigned f = 0, c = 0;

	for (unsigned p = 0; p < procs; p++) { /* vfork + exec of driver, cc1, as */
		syscall_path(g, 59, K_MMAP, KP_EXEC);
		emit(g, VL_EV_CR3, VL_EVF_KERNEL, 0, 3 + p, 0);
	}
	/* spread faults and system calls evenly over 100K-instruction chunks */
	for (unsigned k = 0; k < chunks; k++) {
		emit(g, VL_EV_USER, 0, 100000, 0, 0);
		emit(g, VL_EV_TLBMISS, 0, 70, 0, 0);
		for (unsigned want = (unsigned)((uint64_t)faults * (k + 1) / chunks); f < want; f++) {
			uint64_t a = heap + f * 4096ull;
			emit(g, VL_EV_PGFAULT, VL_EVF_WRITE, 0, a, 0);
			run_path(g, K_FAULT, KP_FAULT);
			emit(g, VL_EV_PTEWRITE, VL_EVF_KERNEL | VL_EVF_P_NEW, 0, a, 0);
			emit(g, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0);
		}
		for (unsigned want = (unsigned)((uint64_t)syscalls * (k + 1) / chunks); c < want; c++)
			syscall_path(g, 0, K_READ, KP_IO_4K);
	}
	emit(g, VL_EV_CR3, VL_EVF_KERNEL, 0, 1, 0); /* back to make */
}

/*
 * A TLB-bound workload: `cpu`'s user code and timer, with a touch of a
 * random page of a 1 GiB region at Bhargava's highest server-mix miss rate
 * instead of the tlbmiss events, and no page-table activity at all: where
 * nested paging's 2-D walks cost most and shadow paging has nothing to trap.
 */
static void gen_bigfootprint(struct vl_gen *g)
{
	const uint64_t base = 1ull << 40, pages = (1ull << 30) >> 12;

	for (int i = 0; i < 256; i++) {
		size_t b = gsl_ran_discrete(g->r, g->user.pick);
		uint32_t len = g->user.len[b];
		emit(g, VL_EV_BB, 0, len, g->user.first_id + b, 0);
		if (len >= g->insns_to_tlbmiss) {
			uint64_t page = gsl_rng_uniform_int(g->r, (unsigned long)pages);
			emit(g, VL_EV_TOUCH, VL_EVF_WRITE, 0, base + (page << 12), 0);
			g->insns_to_tlbmiss = 1 + (uint64_t)gsl_ran_exponential(g->r, 100000.0 / 294);
		} else {
			g->insns_to_tlbmiss -= len;
		}
		if (len >= g->insns_to_timer) {
			emit(g, VL_EV_TIMER, VL_EVF_KERNEL, 0, 0, 0);
			run_path(g, K_TIMER, 2000);
			emit(g, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0);
			g->insns_to_timer = 3800000; /* 1 ms at 3.8 GHz and one cycle per insn */
		} else {
			g->insns_to_timer -= len;
		}
	}
}

static void (*const gen_fn[])(struct vl_gen *) = {
	gen_cpu, gen_syscall, gen_forkwait, gen_pgfault, gen_disk, gen_net, gen_compile,
	gen_bigfootprint,
};

int vl_gen_new(struct vl_gen **out, const char *kind, uint64_t events, uint64_t seed,
               struct vl_err *err)
{
	struct vl_gen *g;
	int k = -1;

	for (size_t i = 0; i < vl_ngen_kinds; i++)
		if (strcmp(vl_gen_kinds[i].name, kind) == 0)
			k = (int)i;
	if (k < 0) {
		char names[256] = "";
		for (size_t i = 0; i < vl_ngen_kinds; i++) {
			strcat(names, i ? ", " : "");
			strcat(names, vl_gen_kinds[i].name);
		}
		return vl_err_set(err, VL_EINVAL, "unknown generator '%s' (valid: %s)", kind, names);
	}
	g = calloc(1, sizeof(*g));
	if (!g)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	g->k = k;
	g->kind = &vl_gen_kinds[k];
	g->left = events;
	g->seed = seed;
	g->r = vl_rng_new(seed, 0, VL_RNG_GEN + (unsigned)k);
	if (!g->r || code_init(&g->user, g->r, 8192, 1, 0) ||
	    code_init(&g->kern, g->r, 4096, 1000000, 1)) {
		vl_gen_free(g);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	g->insns_to_tlbmiss = 1 + (uint64_t)gsl_ran_exponential(g->r, 100000.0 / 70.4);
	g->insns_to_timer = 3800000;
	*out = g;
	return 0;
}

long vl_gen_read(struct vl_gen *g, struct vl_event *buf, size_t max, struct vl_err *err)
{
	size_t k = 0;

	(void)err;
	while (k < max && g->left) {
		if (g->pos == g->npend) {
			if (g->by_iters && !g->iters_left)
				break;
			g->npend = g->pos = 0;
			gen_fn[g->k](g);
			g->iters_left -= g->by_iters;
		}
		size_t m = g->npend - g->pos;
		if (m > max - k)
			m = max - k;
		if (m > g->left)
			m = (size_t)g->left;
		memcpy(buf + k, g->pend + g->pos, m * sizeof(*buf));
		g->pos += m;
		g->left -= m;
		k += m;
	}
	return (long)k;
}

int vl_gen_new_iters(struct vl_gen **g, const char *kind, uint64_t iterations, uint64_t seed,
                     struct vl_err *err)
{
	int rc = vl_gen_new(g, kind, UINT64_MAX, seed, err);

	if (!rc) {
		(*g)->by_iters = 1;
		(*g)->iters_left = iterations;
	}
	return rc;
}

void vl_gen_meta(const struct vl_gen *g, struct vl_meta *m)
{
	char seed[32], source[128];

	memset(m, 0, sizeof(*m));
	snprintf(seed, sizeof(seed), "%llu", (unsigned long long)g->seed);
	snprintf(source, sizeof(source),
	         "virtlab generator '%s' (event mix: docs/trace-format.md, Generators)",
	         g->kind->name);
	vl_meta_set(m, "name", g->kind->name, NULL);
	vl_meta_set(m, "source", source, NULL);
	vl_meta_set(m, "generator", g->kind->name, NULL);
	vl_meta_set(m, "seed", seed, NULL);
	vl_meta_set(m, "clock_hz", "3800000000", NULL);
}

void vl_gen_free(struct vl_gen *g)
{
	if (!g)
		return;
	free(g->pend);
	code_free(&g->user);
	code_free(&g->kern);
	if (g->r)
		gsl_rng_free(g->r);
	free(g);
}

static long source_read(void *ctx, struct vl_event *buf, size_t max, struct vl_err *err)
{
	return vl_gen_read(ctx, buf, max, err);
}

struct vl_source vl_gen_source(struct vl_gen *g)
{
	return (struct vl_source){source_read, g};
}
