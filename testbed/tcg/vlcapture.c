/*
 * vlcapture: the QEMU TCG plugin behind `virtlab trace capture`. Under
 * qemu-x86_64 (user mode) it records what a program really does: every
 * translation block executed (with its instruction count, its loads and
 * stores, how it ends), first touches and copy-on-write stores of pages
 * (the page faults Linux would take), every system call with its arguments
 * and result, and the process events: fork (the child keeps recording into
 * a file of its own), execve (followed: the new image runs under QEMU with
 * this plugin again, where plain qemu-user would run a host binary
 * natively) and exit.
 *
 *   qemu-x86_64 -plugin vlcapture.so,dir=DIR[,limit=N] PROGRAM ARGS...
 *
 * Each process image appends records (traces/capraw.h) to DIR/PID.raw.
 * Page faults are inferred, not observed (user mode has no MMU): a first
 * touch of a page is a fault; a file mapping's read fault maps its aligned
 * 16-page window (Linux's fault-around); a store to a page present but not
 * yet written since it was mapped or forked is a write fault; munmap,
 * madvise(DONTNEED) and a shrinking brk forget pages; a fork child forgets
 * the clean file pages Linux does not copy. docs/trace-format.md says what
 * is exact and what is estimated.
 *
 * Page references: a data reference to a page outside a small LRU filter
 * of the pages referenced most recently (VL_CAPRAW_TOUCH_FILTER, per vCPU,
 * emptied at every system call) is a touch, the stream a TLB sees. And the
 * page-table entries the kernel writes at fork, exit, exec and unmap are
 * named by the pages they map, from the resident set.
 */
#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "testbed/tcg/qemu-plugin-v1.h"
#include "traces/capraw.h"

QP_EXPORT int qemu_plugin_version = 1;

#define MAX_VCPUS 256
#define BUF_BYTES (1 << 16)
#define NO_PAGE UINT64_MAX
#define FAULT_AROUND 16     /* pages: Linux's fault_around_bytes of 64 KiB */
#define MAX_REGIONS 8192
#define G_CLONE_THREAD 0x10000 /* the guest's (x86-64 Linux) flag values */
#define G_MAP_ANON 0x20
#define G_MADV_DONTNEED 4
#define G_MADV_FREE 8
#define FILTER VL_CAPRAW_TOUCH_FILTER

enum { NR_MMAP = 9, NR_MUNMAP = 11, NR_BRK = 12, NR_MREMAP = 25, NR_MADVISE = 28,
       NR_CLONE = 56, NR_FORK = 57, NR_VFORK = 58, NR_EXECVE = 59, NR_EXIT = 60,
       NR_EXIT_GROUP = 231 };

/* Page states in the resident set. */
enum { PG_WRITABLE = 1, /* written since mapped or forked: stores do not fault */
       PG_ANON = 2 };   /* anonymous or privately modified: a fork copies it */

struct tb {
	uint64_t id;
	int measured; /* its loads and stores have been recorded */
};

struct vcpu {
	struct tb *cur;            /* the block executing */
	uint32_t loads, stores;    /* memory accesses since it started */
	uint64_t last_r, last_w;   /* pages known present / writable */
	uint64_t filt[FILTER];     /* the touch filter, most recent first */
	unsigned nfilt;            /* pages in it */
};

struct pageset {
	uint64_t *key; /* page + 1; 0 = empty */
	uint8_t *st;
	size_t cap, n;
};

struct region { uint64_t lo, hi; }; /* file-backed pages [lo, hi) */

static struct {
	int fd;
	char path[PATH_MAX];
	char dir[PATH_MAX / 2];
	char qemu[PATH_MAX];
	char spec[PATH_MAX];
	char exe[PATH_MAX]; /* the guest program, for its /proc/self/exe */
	unsigned char buf[BUF_BYTES];
	size_t len;
	uint64_t next_tb;
	uint64_t records, limit;
	uint64_t brk;
	int threaded, stopped, maps_read, forking;
	pthread_mutex_t lock;
	struct pageset pages;
	uint64_t *sorted; /* pages of a fork, teardown or unmap, ascending */
	size_t nsorted, sorted_cap;
	struct region regions[MAX_REGIONS];
	unsigned nregions;
	struct vcpu vcpu[MAX_VCPUS];
} g = {.fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER};

/* --- output ------------------------------------------------------------- */

static void die(const char *what)
{
	char msg[PATH_MAX + 128];

	snprintf(msg, sizeof(msg), "vlcapture: %s: %s: %m\n", g.path, what);
	if (write(STDERR_FILENO, msg, strlen(msg)) < 0)
		msg[0] = 0;
	_exit(125);
}

static void flush(void)
{
	size_t off = 0;

	while (off < g.len) {
		ssize_t n = write(g.fd, g.buf + off, g.len - off);
		if (n <= 0)
			die("write");
		off += (size_t)n;
	}
	g.len = 0;
}

static void put_byte(unsigned v)
{
	g.buf[g.len++] = (unsigned char)v;
}

static void put_var(uint64_t v)
{
	while (v >= 0x80) {
		g.buf[g.len++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	g.buf[g.len++] = (unsigned char)v;
}

/* Starts a record; room for its tag and up to eight varints. */
static void rec(unsigned tag)
{
	if (g.len > BUF_BYTES - 128)
		flush();
	put_byte(tag);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void lock(void)
{
	if (g.threaded)
		pthread_mutex_lock(&g.lock);
}

static void unlock(void)
{
	if (g.threaded)
		pthread_mutex_unlock(&g.lock);
}

static void open_out(void)
{
	struct stat st;

	snprintf(g.path, sizeof(g.path), "%s/%ld.raw", g.dir, (long)getpid());
	g.fd = open(g.path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (g.fd < 0)
		die("open");
	if (fstat(g.fd, &st))
		die("stat");
	rec(VL_CR_START);
	put_var((uint64_t)getpid());
	put_var((uint64_t)getppid());
	put_var(g.next_tb);
	put_var(now_ns());
}

/* --- the resident set ---------------------------------------------------- */

static size_t slot_of(const struct pageset *s, uint64_t page)
{
	uint64_t h = (page + 1) * 0x9e3779b97f4a7c15ull;
	size_t i = (size_t)(h >> 20) & (s->cap - 1);

	while (s->key[i] && s->key[i] != page + 1)
		i = (i + 1) & (s->cap - 1);
	return i;
}

static void grow(struct pageset *s)
{
	struct pageset n = {.cap = s->cap ? s->cap * 2 : 4096};

	n.key = calloc(n.cap, sizeof(*n.key));
	n.st = calloc(n.cap, 1);
	if (!n.key || !n.st)
		die("out of memory for the resident set");
	for (size_t i = 0; i < s->cap; i++)
		if (s->key[i]) {
			size_t j = slot_of(&n, s->key[i] - 1);
			n.key[j] = s->key[i];
			n.st[j] = s->st[i];
			n.n++;
		}
	free(s->key);
	free(s->st);
	*s = n;
}

/* The state slot of page, inserting it (state 0) when absent if add. */
static uint8_t *page_state(uint64_t page, int add, int *was_absent)
{
	struct pageset *s = &g.pages;
	size_t i;

	if (s->n * 2 >= s->cap)
		grow(s);
	i = slot_of(s, page);
	*was_absent = !s->key[i];
	if (!s->key[i]) {
		if (!add)
			return NULL;
		s->key[i] = page + 1;
		s->st[i] = 0;
		s->n++;
	}
	return &s->st[i];
}

/* Removes page, keeping every probe chain intact (backward shift). */
static int page_drop(uint64_t page)
{
	struct pageset *s = &g.pages;
	size_t i, j;

	if (!s->cap)
		return 0;
	i = slot_of(s, page);
	if (!s->key[i])
		return 0;
	s->key[i] = 0;
	s->n--;
	for (j = (i + 1) & (s->cap - 1); s->key[j]; j = (j + 1) & (s->cap - 1)) {
		uint64_t k = s->key[j];
		uint8_t st = s->st[j];
		s->key[j] = 0;
		size_t to = slot_of(s, k - 1);
		s->key[to] = k;
		s->st[to] = st;
	}
	return 1;
}

static void forget_caches(void)
{
	for (unsigned i = 0; i < MAX_VCPUS; i++)
		g.vcpu[i].last_r = g.vcpu[i].last_w = NO_PAGE;
}

/* --- page lists: the entries a fork, teardown or unmap writes ----------- */

static void sorted_add(uint64_t v)
{
	if (g.nsorted == g.sorted_cap) {
		size_t cap = g.sorted_cap ? g.sorted_cap * 2 : 4096;
		uint64_t *n = realloc(g.sorted, cap * sizeof(*n));
		if (!n)
			die("out of memory for a page list");
		g.sorted = n;
		g.sorted_cap = cap;
	}
	g.sorted[g.nsorted++] = v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Writes the collected list as VL_CR_PTE records, in address order as the
 * kernel walks a page table; each entry is page << 4 | flags. */
static void sorted_put(void)
{
	qsort(g.sorted, g.nsorted, sizeof(*g.sorted), cmp_u64);
	for (size_t i = 0; i < g.nsorted; i++) {
		rec(VL_CR_PTE);
		put_var(g.sorted[i]);
	}
	g.nsorted = 0;
}

/* exit or exec: the resident count, then every resident page. */
static void put_teardown(void)
{
	rec(VL_CR_RSS);
	put_var(g.pages.n);
	for (size_t i = 0; i < g.pages.cap; i++)
		if (g.pages.key[i])
			sorted_add((g.pages.key[i] - 1) << 4 | VL_CP_DROP);
	sorted_put();
}

/* Drops the pages of [addr, addr + len); names and counts those resident. */
static void drop_range(uint64_t addr, uint64_t len)
{
	uint64_t lo = addr >> VL_CAPRAW_PAGE_SHIFT;
	uint64_t hi = (addr + len + 4095) >> VL_CAPRAW_PAGE_SHIFT, dropped = 0;

	if (hi <= lo)
		return;
	if (hi - lo <= g.pages.n * 4) {
		for (uint64_t p = lo; p < hi; p++)
			if (page_drop(p))
				sorted_add(p << 4 | VL_CP_UNMAP);
	} else {
		for (size_t i = 0; i < g.pages.cap;) {
			uint64_t k = g.pages.key[i];
			if (k && k - 1 >= lo && k - 1 < hi && page_drop(k - 1)) {
				sorted_add((k - 1) << 4 | VL_CP_UNMAP);
				continue; /* a key may have shifted into slot i */
			}
			i++;
		}
	}
	forget_caches();
	dropped = g.nsorted;
	sorted_put();
	if (dropped) {
		rec(VL_CR_UNMAP);
		put_var(dropped);
	}
}

static const struct region *file_region(uint64_t page)
{
	for (unsigned i = 0; i < g.nregions; i++)
		if (page >= g.regions[i].lo && page < g.regions[i].hi)
			return &g.regions[i];
	return NULL;
}

static void add_region(uint64_t lo, uint64_t hi)
{
	if (g.nregions < MAX_REGIONS && hi > lo)
		g.regions[g.nregions++] = (struct region){lo, hi};
}

/* The file mappings present before the guest's first instruction: its
 * executable and interpreter, mapped by QEMU's loader. */
static void read_maps(void)
{
	FILE *f = fopen("/proc/self/maps", "r");
	char line[PATH_MAX + 128];

	g.maps_read = 1;
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		unsigned long long lo, hi, ino;
		char perms[8];
		if (sscanf(line, "%llx-%llx %7s %*s %*s %llu", &lo, &hi, perms, &ino) == 4 && ino)
			add_region(lo >> VL_CAPRAW_PAGE_SHIFT, hi >> VL_CAPRAW_PAGE_SHIFT);
	}
	fclose(f);
}

static void fault(uint64_t page, unsigned flags)
{
	rec(VL_CR_FAULT);
	put_var(page);
	put_byte(flags);
}

/* A page touched for the first time since the caches last forgot it. */
static void present(struct vcpu *v, uint64_t page, int write)
{
	int absent;
	uint8_t *st;

	lock();
	st = page_state(page, 1, &absent);
	if (absent) {
		const struct region *r = file_region(page);
		*st = (uint8_t)(r ? 0 : PG_ANON) | (write ? PG_WRITABLE | PG_ANON : 0);
		fault(page, write ? VL_CF_WRITE : 0);
		if (r && !write) {
			uint64_t lo = page & ~(uint64_t)(FAULT_AROUND - 1), hi = lo + FAULT_AROUND;
			for (uint64_t p = lo > r->lo ? lo : r->lo; p < hi && p < r->hi; p++)
				page_state(p, 1, &absent); /* mapped clean by fault-around */
		}
	} else if (write && !(*st & PG_WRITABLE)) {
		*st |= PG_WRITABLE | PG_ANON;
		fault(page, VL_CF_WRITE | VL_CF_COW);
	}
	if (write)
		v->last_w = page;
	v->last_r = page;
	unlock();
}

/* --- callbacks ------------------------------------------------------------ */

/*
 * A reference to a page not the most recent one: an LRU update of the
 * filter, moving the page to the front (a scan of at most FILTER pages), and
 * a touch record when it was not there (the least recent page drops out).
 */
static void filter(struct vcpu *v, uint64_t page, int write)
{
	unsigned i = 1;

	while (i < v->nfilt && v->filt[i] != page)
		i++;
	if (i >= v->nfilt) {
		if (v->nfilt < FILTER)
			v->nfilt++;
		i = v->nfilt - 1;
		lock();
		rec(VL_CR_TOUCH);
		put_var(page << 1 | (uint64_t)write);
		unlock();
	}
	memmove(&v->filt[1], &v->filt[0], i * sizeof(v->filt[0]));
	v->filt[0] = page;
}

static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	struct vcpu *v = &g.vcpu[vcpu % MAX_VCPUS];
	uint64_t page = vaddr >> VL_CAPRAW_PAGE_SHIFT;
	int write = qemu_plugin_mem_is_store(info);

	(void)udata;
	if (g.stopped)
		return;
	if (write) {
		v->stores++;
		if (page != v->last_w)
			present(v, page, 1);
	} else {
		v->loads++;
		if (page != v->last_r && page != v->last_w)
			present(v, page, 0);
	}
	/* after its fault: the faulting access retries and then references the page */
	if (!v->nfilt || v->filt[0] != page)
		filter(v, page, write);
}

static void stop_at_limit(void)
{
	char path[PATH_MAX];
	int fd;

	rec(VL_CR_END);
	flush();
	g.stopped = 1;
	snprintf(path, sizeof(path), "%s/limit", g.dir);
	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
	if (fd >= 0)
		close(fd);
	kill(0, SIGKILL); /* the captured process group: a prefix is all that was asked */
}

/* Records the memory accesses of the block that just ran, the first time. */
static void measure(struct vcpu *v)
{
	if (v->cur && !v->cur->measured) {
		v->cur->measured = 1;
		rec(VL_CR_TBMEM);
		put_var(v->cur->id);
		put_var(v->loads);
		put_var(v->stores);
	}
}

static void on_tb(unsigned int vcpu, void *udata)
{
	struct vcpu *v = &g.vcpu[vcpu % MAX_VCPUS];
	struct tb *t = udata;

	if (g.stopped)
		return;
	if (!g.maps_read)
		read_maps();
	lock();
	measure(v);
	v->cur = t;
	v->loads = v->stores = 0;
	rec(VL_CR_TB);
	put_var(t->id);
	if (++g.records > g.limit)
		stop_at_limit();
	unlock();
}

/* Where an instruction's opcode starts: past its legacy and REX prefixes. */
static size_t opcode_at(const unsigned char *b, size_t n)
{
	size_t i = 0;

	while (i < n && (b[i] == 0x66 || b[i] == 0x67 || b[i] == 0xf2 || b[i] == 0xf3 ||
	                 b[i] == 0x2e || b[i] == 0x3e || b[i] == 0x26 || b[i] == 0x64 ||
	                 b[i] == 0x65 || b[i] == 0x36 || b[i] == 0xf0 || (b[i] & 0xf0) == 0x40))
		i++;
	return i;
}

/*
 * Whether an instruction computes in floating point, which QEMU's TCG does
 * in a helper with softfloat: x87 (D8-DF), and SSE/AVX arithmetic, square
 * roots, reciprocals, conversions and compares (0F 2A, 2C-2F, 51-53, 58-5F,
 * 7C-7D, C2, D0, E6; 0F3A 08-0B, 40-41; VEX 0F38's fused multiply-adds).
 * Moves, shuffles and the bitwise ops (0F 10-17, 28-29, 54-57) are not:
 * TCG inlines them.
 */
static int is_fp(const unsigned char *b, size_t n)
{
	size_t i = opcode_at(b, n);
	unsigned map = 1, op;

	if (i >= n)
		return 0;
	if (b[i] >= 0xd8 && b[i] <= 0xdf)
		return 1;
	if (b[i] == 0xc5 && i + 2 < n) { /* two-byte VEX: map 0F */
		op = b[i + 2];
	} else if (b[i] == 0xc4 && i + 3 < n) { /* three-byte VEX: map in mmmmm */
		map = b[i + 1] & 0x1f;
		op = b[i + 3];
	} else if (b[i] == 0x0f && i + 1 < n) {
		op = b[i + 1];
		if ((op == 0x38 || op == 0x3a) && i + 2 < n) {
			map = op == 0x38 ? 2 : 3;
			op = b[i + 2];
		}
	} else {
		return 0;
	}
	switch (map) {
	case 1:
		return op == 0x2a || (op >= 0x2c && op <= 0x2f) || (op >= 0x51 && op <= 0x53) ||
		       (op >= 0x58 && op <= 0x5f) || op == 0x7c || op == 0x7d || op == 0xc2 ||
		       op == 0xd0 || op == 0xe6;
	case 2:
		return op >= 0x96 && op <= 0xbf && (op & 0x0f) >= 0x06; /* VEX FMA */
	case 3:
		return (op >= 0x08 && op <= 0x0b) || op == 0x40 || op == 0x41;
	default:
		return 0;
	}
}

/* How the block's last instruction leaves it, from its bytes. */
static unsigned terminator(const unsigned char *b, size_t n)
{
	size_t i = opcode_at(b, n);

	if (i >= n)
		return VL_CT_OTHER;
	if ((b[i] & 0xf0) == 0x70 || (b[i] >= 0xe0 && b[i] <= 0xe3))
		return VL_CT_JCC; /* jcc rel8, loop, loope, loopne, jrcxz */
	switch (b[i]) {
	case 0xc3: case 0xc2: return VL_CT_RET;
	case 0xe8: return VL_CT_CALL;
	case 0x0f:
		if (i + 1 < n && (b[i + 1] & 0xf0) == 0x80)
			return VL_CT_JCC; /* jcc rel32 */
		return i + 1 < n && b[i + 1] == 0x05 ? VL_CT_SYSCALL : VL_CT_OTHER;
	case 0xff:
		if (i + 1 < n) {
			unsigned reg = (b[i + 1] >> 3) & 7;
			if (reg == 2 || reg == 3)
				return VL_CT_ICALL;
			if (reg == 4 || reg == 5)
				return VL_CT_IJMP;
		}
		return VL_CT_OTHER;
	default: return VL_CT_OTHER;
	}
}

/* vl-probe's marker around its operations: a phase boundary in the trace. */
static void on_mark(unsigned int vcpu, void *udata)
{
	(void)vcpu, (void)udata;
	if (g.stopped)
		return;
	lock();
	rec(VL_CR_MARK);
	unlock();
}

static int is_mark(struct qemu_plugin_insn *insn)
{
	const unsigned char *b = qemu_plugin_insn_data(insn);

	return qemu_plugin_insn_size(insn) == 3 && b[0] == 0x66 && b[1] == 0x87 && b[2] == 0xdb;
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *qtb)
{
	size_t n = qemu_plugin_tb_n_insns(qtb);
	struct tb *t = calloc(1, sizeof(*t));
	struct qemu_plugin_insn *last;
	uint64_t fp = 0;

	(void)id;
	if (!t || !n)
		die("out of memory for a block");
	last = qemu_plugin_tb_get_insn(qtb, n - 1);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(qtb, i);
		fp += (uint64_t)is_fp(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn));
	}
	lock();
	t->id = g.next_tb++;
	rec(VL_CR_TBDEF);
	put_var(t->id);
	put_var(qemu_plugin_tb_vaddr(qtb));
	put_var(n);
	put_byte(terminator(qemu_plugin_insn_data(last), qemu_plugin_insn_size(last)));
	put_var(qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last) -
	        qemu_plugin_tb_vaddr(qtb));
	put_var(fp);
	unlock();
	qemu_plugin_register_vcpu_tb_exec_cb(qtb, on_tb, QEMU_PLUGIN_CB_NO_REGS, t);
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(qtb, i);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
		                                 QEMU_PLUGIN_MEM_RW, NULL);
		if (is_mark(insn))
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS, NULL);
	}
}

/* Before a fork: every written page becomes copy-on-write in both processes. */
static void fork_prepare(void)
{
	uint64_t copied = 0, wp = 0;

	for (size_t i = 0; i < g.pages.cap; i++) {
		if (!g.pages.key[i])
			continue;
		unsigned fl = (g.pages.st[i] & PG_WRITABLE ? VL_CP_WP : 0) |
		              (g.pages.st[i] & PG_ANON ? VL_CP_COPY : 0);
		copied += !!(fl & VL_CP_COPY);
		wp += !!(fl & VL_CP_WP);
		g.pages.st[i] &= (uint8_t)~PG_WRITABLE;
		if (fl)
			sorted_add((g.pages.key[i] - 1) << 4 | fl);
	}
	forget_caches();
	rec(VL_CR_FORK);
	put_var(g.next_tb);
	put_var(copied);
	put_var(wp);
	sorted_put();
	flush(); /* the child starts with an empty buffer */
	g.forking = 1;
}

/* In the child: a file of its own; clean file pages are not copied. */
static void fork_child(void)
{
	for (size_t i = 0; i < g.pages.cap;) {
		uint64_t k = g.pages.key[i];
		if (k && !(g.pages.st[i] & PG_ANON) && page_drop(k - 1))
			continue;
		i++;
	}
	for (unsigned i = 0; i < MAX_VCPUS; i++)
		g.vcpu[i].cur = NULL;
	forget_caches();
	close(g.fd);
	g.records = 0;
	open_out();
}

/* Follows execve: the new image runs under QEMU with this plugin again. */
static void follow_exec(const char *path, char *const *argv, char *const *envp)
{
	char interp[PATH_MAX], *arg = NULL, *nargv[4096];
	size_t k = 0, plen = strlen(path);
	int fd;

	if (!strcmp(path, "/proc/self/exe") && g.exe[0])
		path = g.exe; /* QEMU's own would be this process's */
	if (access(path, X_OK))
		return; /* the guest's execve fails as it would (execvp tries each PATH entry) */
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	{
		unsigned char magic[4];
		ssize_t m = pread(fd, magic, 4, 0);
		if (m < 2 || !((m == 4 && !memcmp(magic, "\177ELF", 4)) || !memcmp(magic, "#!", 2))) {
			close(fd);
			return; /* not a program QEMU can load: the kernel says ENOEXEC */
		}
	}
	put_teardown();
	rec(VL_CR_EXEC);
	if (plen > 1024)
		plen = 1024;
	put_var(plen);
	flush();
	if (write(g.fd, path, plen) != (ssize_t)plen)
		die("write");
	nargv[k++] = g.qemu;
	nargv[k++] = "-plugin";
	nargv[k++] = g.spec;
	nargv[k++] = "-0";
	nargv[k++] = argv && argv[0] ? argv[0] : (char *)path;
	{
		ssize_t n = read(fd, interp, sizeof(interp) - 1);
		close(fd);
		if (n > 2 && interp[0] == '#' && interp[1] == '!') {
			/* a script: Linux runs its interpreter with the script as argument */
			char *s = interp + 2, *e;
			interp[n] = 0;
			if ((e = strchr(s, '\n')))
				*e = 0;
			while (*s == ' ' || *s == '\t')
				s++;
			for (e = s; *e && *e != ' ' && *e != '\t'; e++)
				;
			if (*e) {
				*e++ = 0;
				while (*e == ' ' || *e == '\t')
					e++;
				arg = *e ? e : NULL;
			}
			nargv[k - 1] = s;
			nargv[k++] = s;
			if (arg)
				nargv[k++] = arg;
		}
	}
	nargv[k++] = (char *)path;
	for (size_t i = 1; argv && argv[i] && k < 4095; i++)
		nargv[k++] = argv[i];
	nargv[k] = NULL;
	execve(g.qemu, nargv, envp);
	/* could not: the guest's own execve runs, and fails or runs unrecorded */
}

static void on_syscall(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1,
                       uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                       uint64_t a7, uint64_t a8)
{
	(void)id, (void)a7, (void)a8;
	if (g.stopped)
		return;
	if (num == NR_CLONE && (a1 & G_CLONE_THREAD))
		g.threaded = 1;
	lock();
	measure(&g.vcpu[vcpu % MAX_VCPUS]); /* the block ends with the syscall */
	g.vcpu[vcpu % MAX_VCPUS].nfilt = 0; /* the kernel may switch to another process here */
	rec(VL_CR_SYS);
	put_var((uint64_t)num);
	put_var(a1), put_var(a2), put_var(a3), put_var(a4), put_var(a5), put_var(a6);
	put_var(now_ns());
	switch (num) {
	case NR_CLONE:
		if (!(a1 & G_CLONE_THREAD))
			fork_prepare();
		break;
	case NR_FORK:
	case NR_VFORK:
		fork_prepare();
		break;
	case NR_EXECVE:
		unlock();
		follow_exec((const char *)(uintptr_t)a1, (char *const *)(uintptr_t)a2,
		            (char *const *)(uintptr_t)a3);
		return;
	case NR_EXIT:
		if (g.threaded)
			break;
		__attribute__((fallthrough)); /* the last thread of the process */
	case NR_EXIT_GROUP:
		put_teardown();
		rec(VL_CR_END);
		flush();
		g.stopped = 1;
		break;
	case NR_MUNMAP:
		drop_range(a1, a2);
		break;
	case NR_MREMAP:
		drop_range(a1, a2);
		break;
	case NR_MADVISE:
		if (a3 == G_MADV_DONTNEED || a3 == G_MADV_FREE)
			drop_range(a1, a2);
		break;
	}
	unlock();
}

static void on_sysret(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, int64_t ret)
{
	(void)id, (void)vcpu;
	if (g.stopped)
		return;
	lock();
	if (g.forking && (num == NR_CLONE || num == NR_FORK || num == NR_VFORK)) {
		g.forking = 0;
		if (ret == 0)
			fork_child();
	}
	if (num == NR_BRK && ret > 0) { /* the kernel's work: before the return */
		if (g.brk && (uint64_t)ret < g.brk)
			drop_range((uint64_t)ret, g.brk - (uint64_t)ret);
		g.brk = (uint64_t)ret;
	}
	rec(VL_CR_SYSRET);
	put_var((uint64_t)num);
	put_var(((uint64_t)ret << 1) ^ (uint64_t)(ret >> 63));
	put_var(now_ns());
	unlock();
}

/* mmap's fd and flags are needed after it returns: kept from the entry. */
struct mmap_args { uint64_t len, flags; int64_t fd; };
static struct mmap_args mm[MAX_VCPUS];

static void on_syscall_mmap(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, uint64_t a1,
                            uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5, uint64_t a6,
                            uint64_t a7, uint64_t a8)
{
	if (num == NR_MMAP) {
		mm[vcpu % MAX_VCPUS].len = a2;
		mm[vcpu % MAX_VCPUS].flags = a4;
		mm[vcpu % MAX_VCPUS].fd = (int64_t)a5;
	}
	on_syscall(id, vcpu, num, a1, a2, a3, a4, a5, a6, a7, a8);
	if (num == NR_MMAP && (a4 & 0x10) && !g.stopped) { /* MAP_FIXED replaces what was there */
		lock();
		drop_range(a1, a2);
		unlock();
	}
}

static void on_sysret_mmap(qemu_plugin_id_t id, unsigned int vcpu, int64_t num, int64_t ret)
{
	if (num == NR_MMAP && ret > 0) {
		const struct mmap_args *m = &mm[vcpu % MAX_VCPUS];
		if (!(m->flags & G_MAP_ANON) && m->fd >= 0)
			add_region((uint64_t)ret >> VL_CAPRAW_PAGE_SHIFT,
			           ((uint64_t)ret + m->len + 4095) >> VL_CAPRAW_PAGE_SHIFT);
	}
	on_sysret(id, vcpu, num, ret);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id, (void)udata;
	if (g.fd < 0 || g.stopped)
		return;
	put_teardown();
	rec(VL_CR_END);
	flush();
}

/* The guest program: the first argument after QEMU's options, as virtlab
 * and follow_exec write them (-plugin SPEC, then optionally -0 ARGV0). */
static void guest_exe(void)
{
	char cmd[8192];
	int fd = open("/proc/self/cmdline", O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, cmd, sizeof(cmd) - 1) : -1;
	const char *a[8];
	unsigned k = 0;

	if (fd >= 0)
		close(fd);
	if (n <= 0)
		return;
	cmd[n] = 0;
	for (char *p = cmd; p < cmd + n && k < 8; p += strlen(p) + 1)
		a[k++] = p;
	unsigned i = 1;
	while (i + 1 < k && (!strcmp(a[i], "-plugin") || !strcmp(a[i], "-0")))
		i += 2;
	if (i < k && !realpath(a[i], g.exe))
		g.exe[0] = 0;
}

QP_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                                  char **argv);
QP_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                                  char **argv)
{
	Dl_info self;
	ssize_t n;
	size_t len;

	(void)info;
	g.limit = UINT64_MAX;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "dir=", 4))
			snprintf(g.dir, sizeof(g.dir), "%s", argv[i] + 4);
		else if (!strncmp(argv[i], "limit=", 6))
			g.limit = strtoull(argv[i] + 6, NULL, 10);
	}
	if (!g.dir[0] || !dladdr((void *)qemu_plugin_install, &self) || !self.dli_fname)
		return -1;
	n = readlink("/proc/self/exe", g.qemu, sizeof(g.qemu) - 1);
	if (n <= 0)
		return -1;
	g.qemu[n] = 0;
	len = (size_t)snprintf(g.spec, sizeof(g.spec), "%s", self.dli_fname);
	for (int i = 0; i < argc && len < sizeof(g.spec); i++)
		len += (size_t)snprintf(g.spec + len, sizeof(g.spec) - len, ",%s", argv[i]);
	guest_exe();
	forget_caches();
	open_out();
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_vcpu_syscall_cb(id, on_syscall_mmap);
	qemu_plugin_register_vcpu_syscall_ret_cb(id, on_sysret_mmap);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
