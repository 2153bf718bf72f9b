/*
 * From raw capture records to a trace. Each process's records are read in
 * order from DIR/PID.raw; a child's whole life is spliced into its parent's
 * stream where the parent's wait returns it, as a uniprocessor kernel whose
 * parent sleeps in wait would run them. The kernel's side, invisible to a
 * user-mode capture, is inserted by the mechanism Linux uses: a system call
 * runs its measured path; a fault runs the fault path and writes a PTE; a
 * fork write-protects the parent's written pages and copies the entries of
 * its anonymous ones; exit and exec tear every resident page down.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/capraw.h"
#include "traces/capture.h"
#include "traces/import.h"
#include "traces/kpaths.h"

#define OUT_BATCH 4096
#define RD_BYTES 65536
#define RUN_FLUSH 64              /* blocks between callret/indirect events */
#define SYNTH_PT 0x7e0000000000ull /* addresses of PTEs whose page is not known */
#define MAX_DEPTH 256             /* nested live processes */


enum { NR_READ = 0, NR_WRITE = 1, NR_OPEN = 2, NR_CLOSE = 3, NR_PREAD = 17, NR_PWRITE = 18,
       NR_READV = 19, NR_WRITEV = 20, NR_DUP2 = 33, NR_GETTIMEOFDAY = 96, NR_CLONE = 56,
       NR_FORK = 57, NR_VFORK = 58, NR_EXECVE = 59, NR_WAIT4 = 61, NR_TIME = 201,
       NR_CLOCK_GETTIME = 228, NR_WAITID = 247, NR_OPENAT = 257, NR_DUP3 = 292,
       NR_PREADV = 295, NR_PWRITEV = 296, NR_GETCPU = 309 };

#define G_O_DIRECT 040000 /* the guest's (x86-64 Linux) flag */
#define MAX_FD 1024       /* descriptors whose O_DIRECT is followed */

/*
 * A call Linux serves from the vDSO without entering the kernel, which
 * QEMU 7.2's user mode has no vDSO for: its libc falls back to the system
 * call. Charged as the vDSO would run: a read of the time-stamp counter and
 * VDSO_INSNS user instructions (an estimate of the vDSO's clock path).
 */
#define VDSO_INSNS 40

static int is_vdso(uint64_t nr)
{
	return nr == NR_CLOCK_GETTIME || nr == NR_GETTIMEOFDAY || nr == NR_TIME || nr == NR_GETCPU;
}

struct tbent {
	uint32_t out;    /* block id in the trace; 0 = undefined */
	uint32_t insns;
	uint32_t loads, stores;
	uint8_t term;
};

/* Block ids of one image; a fork child sees its parent's below base. */
struct tbtab {
	struct tbtab *parent;
	uint64_t base;
	struct tbent *e;
	size_t cap;
};

struct rd {
	FILE *f;
	char path[512];
	unsigned char buf[RD_BYTES];
	size_t pos, len;
	uint64_t off; /* file offset of buf[0] */
};

struct child {
	long pid;
	uint8_t direct[MAX_FD / 8]; /* its descriptors as the fork left them */
};

struct proc {
	long pid, parent;
	struct rd rd;
	struct tbtab *tab;
	struct child *children; /* forked, not yet spliced */
	size_t nchild, capchild;
	uint64_t rec_off; /* file offset of the record being read */
	uint64_t sys_nr, sys_a[6];
	uint8_t direct[MAX_FD / 8]; /* descriptors opened O_DIRECT: reads and writes reach the disk */
	uint64_t fork_copied, fork_wp, rss;
	int forking, exec_pending;
};

struct conv {
	const char *dir;
	struct vl_writer *w;
	struct vl_event out[OUT_BATCH];
	size_t nout;
	uint64_t limit;
	uint32_t next_id;
	struct vl_capture_stats *st;
	vl_capture_progress_fn progress;
	void *ctx;
	struct vl_err *err;
	int depth, full;
	uint64_t phases;
	/* a block waiting for its memory counts, and the branches since the last flush */
	struct vl_event bb;
	int have_bb;
	uint32_t rets, indirects, since_flush;
};

/* --- output ------------------------------------------------------------- */

static int put_out(struct conv *c)
{
	if (c->nout && vl_writer_put(c->w, c->out, c->nout, c->err))
		return c->err->code;
	c->st->events += c->nout;
	c->nout = 0;
	if (c->progress)
		c->progress(c->ctx, c->st->events);
	return 0;
}

static int emit(struct conv *c, unsigned type, uint16_t flags, uint32_t n, uint64_t a, uint64_t b)
{
	if (c->full)
		return 0;
	c->out[c->nout++] = (struct vl_event){(uint16_t)type, flags, n, a, b};
	if (c->st->events + c->nout >= c->limit) {
		c->full = 1;
		c->st->limited = 1;
		return put_out(c);
	}
	return c->nout == OUT_BATCH ? put_out(c) : 0;
}

static int flush_branches(struct conv *c)
{
	int rc = 0;

	if (c->rets)
		rc = emit(c, VL_EV_CALLRET, 0, c->rets, 0, 0);
	if (!rc && c->indirects)
		rc = emit(c, VL_EV_INDIRECT, 0, c->indirects, 0, 0);
	c->rets = c->indirects = c->since_flush = 0;
	return rc;
}

/* Everything user-mode that is pending, before a kernel event. */
static int flush_user(struct conv *c)
{
	if (c->have_bb) {
		c->have_bb = 0;
		if (emit(c, VL_EV_BB, 0, c->bb.n, c->bb.a, c->bb.b))
			return c->err->code;
	}
	return flush_branches(c);
}

static int kernel_run(struct conv *c, uint32_t insns)
{
	c->st->kernel_insns += insns;
	return insns ? emit(c, VL_EV_KERNEL, VL_EVF_KERNEL, insns, 0, 0) : 0;
}

/* n PTE writes at addresses from base, present bit before/after. */
static int ptewrites(struct conv *c, uint64_t n, uint64_t base, int before, int after)
{
	uint16_t fl = (uint16_t)(VL_EVF_KERNEL | (before ? VL_EVF_P_OLD : 0) |
	                         (after ? VL_EVF_P_NEW : 0));

	for (uint64_t i = 0; i < n && !c->full; i++)
		if (emit(c, VL_EV_PTEWRITE, fl, 0, base + i * 4096, 0))
			return c->err->code;
	return 0;
}

/* --- raw records --------------------------------------------------------- */

static int bad(struct conv *c, struct proc *p, const char *what)
{
	return vl_err_set(c->err, VL_ECORRUPT, "%s: byte %llu: %s", p->rd.path,
	                  (unsigned long long)p->rec_off, what);
}

/* The next byte, or -1 at the end of the file. */
static int get_byte(struct rd *r)
{
	if (r->pos == r->len) {
		r->off += r->len;
		r->len = fread(r->buf, 1, RD_BYTES, r->f);
		r->pos = 0;
		if (!r->len)
			return -1;
	}
	return r->buf[r->pos++];
}

static int get_var(struct rd *r, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		int b = get_byte(r);
		if (b < 0)
			return -1;
		x |= (uint64_t)(b & 0x7f) << shift;
		if (b < 0x80) {
			*v = x;
			return 0;
		}
	}
	return -1;
}

/* Reads k varints into v; -1 if the file ends inside them. */
static int get_vars(struct rd *r, uint64_t *v, int k)
{
	for (int i = 0; i < k; i++)
		if (get_var(r, &v[i]))
			return -1;
	return 0;
}

/* --- block tables -------------------------------------------------------- */

static struct tbtab *tab_new(struct tbtab *parent, uint64_t base)
{
	struct tbtab *t = calloc(1, sizeof(*t));

	if (t) {
		t->parent = parent;
		t->base = base;
	}
	return t;
}

static void tab_free(struct tbtab *t)
{
	if (t) {
		free(t->e);
		free(t);
	}
}

/* The entry of block id as this image sees it, created if absent (NULL: no memory). */
static struct tbent *tab_get(struct tbtab *t, uint64_t id, int create)
{
	while (id < t->base && t->parent)
		t = t->parent;
	if (id < t->base)
		return NULL;
	uint64_t i = id - t->base;
	if (i >= t->cap) {
		if (!create || i > (1u << 28))
			return NULL;
		size_t cap = t->cap ? t->cap : 1024;
		while (cap <= i)
			cap *= 2;
		struct tbent *e = realloc(t->e, cap * sizeof(*e));
		if (!e)
			return NULL;
		memset(e + t->cap, 0, (cap - t->cap) * sizeof(*e));
		t->e = e;
		t->cap = cap;
	}
	return &t->e[i];
}

/* --- kernel paths -------------------------------------------------------- */

uint32_t vl_capture_kernel_path(uint64_t nr, int64_t ret)
{
	if (ret < 0 && ret > -4096)
		return KP_NULL_SYSCALL; /* failed: the importer's rule too */
	return vl_kpath_insns(vl_syscall_kpath(nr > UINT32_MAX ? UINT32_MAX : (unsigned)nr), ret, 1);
}

/* --- the processes -------------------------------------------------------- */

static int run_proc(struct conv *c, long pid, struct tbtab *inherit, const uint8_t *direct,
                    long parent);

static int add_child(struct conv *c, struct proc *p, long pid)
{
	if (p->nchild == p->capchild) {
		size_t cap = p->capchild ? 2 * p->capchild : 16;
		struct child *n = realloc(p->children, cap * sizeof(*n));
		if (!n)
			return vl_err_set(c->err, VL_ENOMEM, "out of memory");
		p->children = n;
		p->capchild = cap;
	}
	p->children[p->nchild].pid = pid;
	memcpy(p->children[p->nchild].direct, p->direct, sizeof(p->direct));
	p->nchild++;
	return 0;
}

/* Runs child pid where its parent is now (if it was forked and not yet run). */
static int splice(struct conv *c, struct proc *p, long pid)
{
	for (size_t i = 0; i < p->nchild; i++) {
		if (p->children[i].pid != pid)
			continue;
		struct child ch = p->children[i];
		memmove(&p->children[i], &p->children[i + 1], (p->nchild - i - 1) * sizeof(ch));
		p->nchild--;
		if (flush_user(c))
			return c->err->code;
		return run_proc(c, pid, p->tab, ch.direct, p->pid);
	}
	return 0;
}

static int splice_all(struct conv *c, struct proc *p)
{
	while (p->nchild && !c->full)
		if (splice(c, p, p->children[0].pid))
			return c->err->code;
	return 0;
}

static int fd_direct(const struct proc *p, uint64_t fd)
{
	return fd < MAX_FD && (p->direct[fd / 8] >> (fd % 8) & 1);
}

static void fd_set_direct(struct proc *p, uint64_t fd, int on)
{
	if (fd >= MAX_FD)
		return;
	if (on)
		p->direct[fd / 8] |= (uint8_t)(1u << (fd % 8));
	else
		p->direct[fd / 8] &= (uint8_t)~(1u << (fd % 8));
}

/*
 * Descriptors opened O_DIRECT bypass the page cache: a read or write on
 * one is a device request, as fio's direct=1 makes them. Buffered I/O is
 * served from the page cache, and its writeback is invisible to a
 * user-mode capture: no disk events for it.
 */
static int follow_fds(struct conv *c, struct proc *p, uint64_t nr, int64_t ret)
{
	const uint64_t *a = p->sys_a;

	switch (nr) {
	case NR_OPEN:
		if (ret >= 0)
			fd_set_direct(p, (uint64_t)ret, !!(a[1] & G_O_DIRECT));
		return 0;
	case NR_OPENAT:
		if (ret >= 0)
			fd_set_direct(p, (uint64_t)ret, !!(a[2] & G_O_DIRECT));
		return 0;
	case NR_CLOSE:
		fd_set_direct(p, a[0], 0);
		return 0;
	case NR_DUP2:
	case NR_DUP3:
		if (ret >= 0)
			fd_set_direct(p, (uint64_t)ret, fd_direct(p, a[0]));
		return 0;
	case NR_READ: case NR_PREAD: case NR_READV: case NR_PREADV:
	case NR_WRITE: case NR_PWRITE: case NR_WRITEV: case NR_PWRITEV: {
		if (ret <= 0 || !fd_direct(p, a[0]))
			return 0;
		int w = nr == NR_WRITE || nr == NR_PWRITE || nr == NR_WRITEV || nr == NR_PWRITEV;
		c->st->disk++;
		return emit(c, VL_EV_DISK, (uint16_t)(w ? VL_EVF_WRITE : 0),
		            (uint32_t)(ret > UINT32_MAX ? UINT32_MAX : ret), 0, 0);
	}
	default:
		return 0;
	}
}

/* exit or exec: the image's resident pages go. */
static int teardown(struct conv *c, struct proc *p, unsigned type)
{
	uint64_t pages = p->rss;

	p->rss = 0;
	if (flush_user(c) || kernel_run(c, type == VL_EV_EXIT ? vl_kpath_insns(VL_KP_EXIT, 0, 1) : 0) ||
	    ptewrites(c, pages, SYNTH_PT, 1, 0))
		return c->err->code;
	return emit(c, type, VL_EVF_KERNEL, (uint32_t)(pages > UINT32_MAX ? UINT32_MAX : pages),
	            0, 0);
}

static int on_tb(struct conv *c, struct proc *p, uint64_t id)
{
	struct tbent *e = tab_get(p->tab, id, 0);

	if (!e || !e->out)
		return bad(c, p, "a block executes before its definition");
	if (c->have_bb && emit(c, VL_EV_BB, 0, c->bb.n, c->bb.a, c->bb.b))
		return c->err->code;
	c->bb = (struct vl_event){VL_EV_BB, 0, e->insns, e->out,
	                          e->loads | (uint64_t)e->stores << 32};
	c->have_bb = 1;
	c->st->blocks++;
	c->st->insns += e->insns;
	c->st->loads += e->loads;
	c->st->stores += e->stores;
	if (e->term == VL_CT_RET)
		c->rets++;
	else if (e->term == VL_CT_ICALL || e->term == VL_CT_IJMP)
		c->indirects++;
	if (++c->since_flush >= RUN_FLUSH && (c->rets || c->indirects)) {
		/* the branches belong after the block that ends with them */
		if (emit(c, VL_EV_BB, 0, c->bb.n, c->bb.a, c->bb.b))
			return c->err->code;
		c->have_bb = 0;
		return flush_branches(c);
	}
	return 0;
}

static int on_tbmem(struct conv *c, struct proc *p, const uint64_t *v)
{
	struct tbent *e = tab_get(p->tab, v[0], 0);

	if (!e || !e->out)
		return bad(c, p, "memory counts of an undefined block");
	e->loads = (uint32_t)(v[1] > UINT32_MAX ? UINT32_MAX : v[1]);
	e->stores = (uint32_t)(v[2] > UINT32_MAX ? UINT32_MAX : v[2]);
	if (c->have_bb && c->bb.a == e->out) { /* its first execution, still pending */
		c->st->loads += e->loads;
		c->st->stores += e->stores;
		c->bb.b = e->loads | (uint64_t)e->stores << 32;
	}
	return 0;
}

static int on_fault(struct conv *c, uint64_t page, unsigned flags)
{
	uint64_t addr = page << VL_CAPRAW_PAGE_SHIFT;

	c->st->faults++;
	/* the fault interrupts the pending block, which completes after it */
	if (emit(c, VL_EV_PGFAULT, (uint16_t)(flags & VL_CF_WRITE ? VL_EVF_WRITE : 0), 0, addr, 0) ||
	    kernel_run(c, KP_FAULT) ||
	    ptewrites(c, 1, addr, !!(flags & VL_CF_COW), 1) ||
	    emit(c, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0))
		return c->err->code;
	return 0;
}

static int is_fork(uint64_t nr)
{
	return nr == NR_CLONE || nr == NR_FORK || nr == NR_VFORK;
}

static int on_sysret(struct conv *c, struct proc *p, uint64_t nr, int64_t ret)
{
	if (is_fork(nr) && ret == 0)
		return 0; /* the child's side: its parent was charged the fork */
	if (is_vdso(nr)) {
		c->st->vdso++;
		if (emit(c, VL_EV_RDTSC, 0, 0, 0, 0))
			return c->err->code;
		return emit(c, VL_EV_USER, 0, VDSO_INSNS, 0, 0);
	}
	if (flush_user(c))
		return c->err->code;
	if (nr == NR_EXECVE) /* failed: the old image goes on */
		p->exec_pending = 0;
	if (is_fork(nr) && ret > 0 && p->forking) {
		/* a process, not a thread: Linux write-protects the parent's written
		 * pages and copies the entries of its anonymous ones */
		uint64_t copied = p->fork_copied, wp = p->fork_wp;
		p->forking = 0;
		c->st->forks++;
		if (kernel_run(c, vl_kpath_insns(VL_KP_FORK, 0, 1)) || ptewrites(c, wp, SYNTH_PT, 1, 1) ||
		    ptewrites(c, copied, SYNTH_PT + (1ull << 36), 0, 1) ||
		    emit(c, VL_EV_FORK, VL_EVF_KERNEL, (uint32_t)copied, (uint64_t)ret, 0) ||
		    emit(c, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0) || add_child(c, p, (long)ret))
			return c->err->code;
		return 0;
	}
	if ((nr == NR_WAIT4 || nr == NR_WAITID) && ret > 0 && splice(c, p, (long)ret))
		return c->err->code;
	if (kernel_run(c, vl_capture_kernel_path(nr, ret)) || follow_fds(c, p, nr, ret))
		return c->err->code;
	return emit(c, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
}

static int record(struct conv *c, struct proc *p, int tag)
{
	uint64_t v[7];
	struct tbent *e;

	switch (tag) {
	case VL_CR_TB:
		if (get_var(&p->rd, v))
			break;
		return on_tb(c, p, v[0]);
	case VL_CR_TBDEF: {
		int term;
		if (get_vars(&p->rd, v, 3) || (term = get_byte(&p->rd)) < 0)
			break;
		if (!(e = tab_get(p->tab, v[0], 1)))
			return bad(c, p, "block id out of range");
		e->out = ++c->next_id;
		e->insns = (uint32_t)(v[2] > 512 ? 512 : v[2]);
		e->term = (uint8_t)term;
		return 0;
	}
	case VL_CR_TBMEM:
		if (get_vars(&p->rd, v, 3))
			break;
		return on_tbmem(c, p, v);
	case VL_CR_FAULT: {
		int flags;
		if (get_var(&p->rd, v) || (flags = get_byte(&p->rd)) < 0)
			break;
		return on_fault(c, v[0], (unsigned)flags);
	}
	case VL_CR_SYS:
		if (get_vars(&p->rd, v, 7))
			break;
		p->sys_nr = v[0];
		memcpy(p->sys_a, v + 1, sizeof(p->sys_a));
		if (flush_user(c))
			return c->err->code;
		if (is_vdso(v[0]))
			return 0; /* no kernel entry natively: see on_sysret */
		c->st->syscalls++;
		return emit(c, VL_EV_SYSCALL, 0, 0, v[0], 0);
	case VL_CR_SYSRET:
		if (get_vars(&p->rd, v, 2))
			break;
		return on_sysret(c, p, v[0], (int64_t)(v[1] >> 1) ^ -(int64_t)(v[1] & 1));
	case VL_CR_FORK:
		if (get_vars(&p->rd, v, 3))
			break;
		p->fork_copied = v[1];
		p->fork_wp = v[2];
		p->forking = 1;
		return 0;
	case VL_CR_EXEC: {
		uint64_t len;
		if (get_var(&p->rd, &len) || len > 4096)
			break;
		for (uint64_t i = 0; i < len; i++)
			if (get_byte(&p->rd) < 0)
				return bad(c, p, "truncated record");
		p->exec_pending = 1;
		return splice_all(c, p);
	}
	case VL_CR_RSS:
		if (get_var(&p->rd, v))
			break;
		p->rss = v[0];
		return 0;
	case VL_CR_UNMAP:
		if (get_var(&p->rd, v))
			break;
		if (flush_user(c) || ptewrites(c, v[0], p->sys_a[0] & ~4095ull, 1, 0))
			return c->err->code;
		for (uint64_t i = 0; i < v[0] && !c->full; i++)
			if (emit(c, VL_EV_INVLPG, VL_EVF_KERNEL, 0, (p->sys_a[0] & ~4095ull) + i * 4096, 0))
				return c->err->code;
		return 0;
	case VL_CR_START:
		if (get_vars(&p->rd, v, 3))
			break;
		if (!p->exec_pending)
			return bad(c, p, "a process image starts without an execve");
		/* execve succeeded: the old image is torn down, a new one begins */
		p->exec_pending = 0;
		c->st->execs++;
		if (teardown(c, p, VL_EV_EXEC) || kernel_run(c, vl_capture_kernel_path(NR_EXECVE, 0)) ||
		    emit(c, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0))
			return c->err->code;
		tab_free(p->tab); /* no child still sees it: they ran at the execve */
		if (!(p->tab = tab_new(NULL, 0)))
			return vl_err_set(c->err, VL_ENOMEM, "out of memory");
		return 0;
	case VL_CR_END:
		return 0;
	case VL_CR_MARK:
		/* a phase boundary: what lies between two is the measured operations */
		if (flush_user(c))
			return c->err->code;
		return emit(c, VL_EV_PHASE, 0, 0, ++c->phases, 0);
	default:
		return bad(c, p, "unknown record");
	}
	return bad(c, p, "truncated record");
}

static int run_proc(struct conv *c, long pid, struct tbtab *inherit, const uint8_t *direct,
                    long parent)
{
	struct proc *p = calloc(1, sizeof(*p));
	uint64_t v[3];
	int rc = 0, tag;

	if (!p)
		return vl_err_set(c->err, VL_ENOMEM, "out of memory");
	if (++c->depth > MAX_DEPTH) {
		rc = vl_err_set(c->err, VL_EINVAL, "%s: more than %d nested processes", c->dir,
		                MAX_DEPTH);
		goto out;
	}
	p->pid = pid;
	p->parent = parent;
	snprintf(p->rd.path, sizeof(p->rd.path), "%s/%ld.raw", c->dir, pid);
	if (!(p->rd.f = fopen(p->rd.path, "rb"))) {
		rc = vl_err_set(c->err, VL_EIO, "%s: %s (process %ld left no record)", p->rd.path,
		                strerror(errno), pid);
		goto out;
	}
	c->st->processes++;
	if (get_byte(&p->rd) != VL_CR_START || get_vars(&p->rd, v, 3)) {
		rc = bad(c, p, "the file does not start with a process start");
		goto out;
	}
	if (direct)
		memcpy(p->direct, direct, sizeof(p->direct));
	if (!(p->tab = tab_new(inherit, inherit ? v[2] : 0))) {
		rc = vl_err_set(c->err, VL_ENOMEM, "out of memory");
		goto out;
	}
	if (parent && (rc = emit(c, VL_EV_CR3, VL_EVF_KERNEL, 0, (uint64_t)pid, 0)))
		goto out;
	for (;;) {
		p->rec_off = p->rd.off + p->rd.pos;
		if (c->full || (tag = get_byte(&p->rd)) < 0)
			break;
		if ((rc = record(c, p, tag)))
			goto out;
	}
	if (ferror(p->rd.f)) {
		rc = vl_err_set(c->err, VL_EIO, "%s: read error", p->rd.path);
		goto out;
	}
	if (c->full)
		goto out;
	if ((rc = flush_user(c)) || (rc = splice_all(c, p)))
		goto out;
	c->st->exits++;
	rc = teardown(c, p, VL_EV_EXIT);
	if (!rc && parent)
		rc = emit(c, VL_EV_CR3, VL_EVF_KERNEL, 0, (uint64_t)parent, 0);
out:
	c->st->raw_bytes += p->rd.off + p->rd.len;
	if (p->rd.f)
		fclose(p->rd.f);
	tab_free(p->tab);
	free(p->children);
	free(p);
	c->depth--;
	return rc;
}

int vl_capture_convert(const char *dir, long root_pid, struct vl_writer *w, uint64_t limit,
                       struct vl_capture_stats *st, vl_capture_progress_fn progress, void *ctx,
                       struct vl_err *err)
{
	struct conv *c = calloc(1, sizeof(*c));
	int rc;

	if (!c)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	memset(st, 0, sizeof(*st));
	c->dir = dir;
	c->w = w;
	c->limit = limit ? limit : UINT64_MAX;
	c->st = st;
	c->progress = progress;
	c->ctx = ctx;
	c->err = err;
	rc = run_proc(c, root_pid, NULL, NULL, 0);
	if (!rc)
		rc = put_out(c);
	free(c);
	return rc;
}
