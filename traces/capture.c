/*
 * From raw capture records to a trace. Each process's records are read in
 * order from DIR/PID.raw, and the live processes are interleaved as one
 * CPU would run them: a process runs from one system call to the next, and
 * while it is in the kernel, whichever process's next stretch began first
 * (by the host's clock, recorded at every system call) runs, behind an
 * address-space switch. The kernel's side, invisible to a
 * user-mode capture, is inserted by the mechanism Linux uses: a system call
 * runs its measured path; a fault runs the fault path and writes a PTE; a
 * fork write-protects the parent's written pages and copies the entries of
 * its anonymous ones; exit and exec tear every resident page down. The
 * entries are named by the pages they map, read back from the page lists
 * the plugin wrote after its fork and teardown records.
 */
#include <unistd.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/bpred.h"
#include "traces/capraw.h"
#include "traces/capture.h"
#include "traces/import.h"
#include "traces/kpaths.h"

#define OUT_BATCH 4096
#define RD_BYTES 65536
#define RUN_FLUSH 64              /* blocks between callret/indirect events */
#define LIST_BYTES 4096           /* read-back buffer of a page list */
#define MAX_LIVE 4096             /* processes alive at once */


enum { NR_READ = 0, NR_WRITE = 1, NR_OPEN = 2, NR_CLOSE = 3, NR_PREAD = 17, NR_PWRITE = 18,
       NR_READV = 19, NR_WRITEV = 20, NR_DUP2 = 33, NR_SOCKET = 41, NR_ACCEPT = 43,
       NR_SENDTO = 44, NR_SENDMSG = 46, NR_ACCEPT4 = 288, NR_GETTIMEOFDAY = 96, NR_CLONE = 56,
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

/*
 * A call that waits for a timer (nanosleep, clock_nanosleep) or for a
 * descriptor with a timeout (select, pselect6, poll, ppoll, epoll_wait,
 * epoll_pwait, epoll_pwait2): while it waits and no other process has
 * anything to do, the CPU idles (see idle_ns).
 */
static int is_sleep(uint64_t nr)
{
	switch (nr) {
	case 7: case 23: case 35: case 230: case 232: case 270: case 271: case 281: case 441:
		return 1;
	default:
		return 0;
	}
}

struct tbent {
	uint32_t out;    /* block id in the trace; 0 = undefined */
	uint32_t insns;
	uint32_t loads, stores;
	uint64_t vaddr;  /* its first instruction */
	uint64_t end;    /* the address after its last: a conditional branch's fall-through */
	uint8_t term;
	uint16_t fp;     /* its floating-point instructions */
};

/* Block ids of one image; a fork child sees its parent's below base. */
struct tbtab {
	struct tbtab *parent; /* referenced while this table lives */
	uint64_t base;
	struct tbent *e;
	size_t cap;
	unsigned refs;
};

struct rd {
	FILE *f;
	char path[512];
	unsigned char buf[RD_BYTES];
	size_t pos, len;
	uint64_t off; /* file offset of buf[0] */
};

/* A record with a time, read ahead to learn when a process goes on. */
struct held {
	int tag;       /* VL_CR_SYSRET or VL_CR_START; 0: none */
	uint64_t v[4]; /* its values, the time last */
	uint64_t off;
};

struct proc {
	long pid;
	struct rd rd;
	struct tbtab *tab;
	struct held held;
	uint64_t next_ns; /* when its next stretch begins */
	uint64_t rec_off; /* file offset of the record being read */
	uint64_t sys_nr, sys_a[6];
	uint8_t direct[MAX_FD / 8]; /* descriptors opened O_DIRECT: reads and writes reach the disk */
	uint8_t sock[MAX_FD / 8];   /* descriptors of sockets: their reads, writes, close take socket paths */
	uint64_t fork_copied, rss;
	uint64_t fork_list, rss_list; /* file offsets of the page lists (0: none) */
	uint64_t unmapped;            /* pages named since the last unmap record */
	int forking, exec_pending;
	uint64_t prev_vaddr, prev_end; /* the block it ran last: where it starts and ends, */
	int prev_term;                 /* how (-1: none since it started) */
	uint64_t sys_ns;    /* when its current (or last) system call began */
	int sleeping;       /* that call waits for a timer (is_sleep) */
	int device;         /* that call waits for the disk: a disk event stands for its wait */
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
	int full;
	uint64_t phases;
	struct proc *live[MAX_LIVE];
	size_t nlive;
	/* a block waiting for its memory counts, and the branches since the last flush */
	struct vl_event bb;
	int have_bb;
	uint32_t rets, indirects, xpages, mispredicts, fp, since_flush;
	struct vl_bpred bp; /* the reference predictor: one core's, shared by the processes */
	uint64_t gone_ns;   /* when the last process to end made its last call */
	/* a page list read back (one at a time) */
	unsigned char list[LIST_BYTES];
	size_t list_pos, list_len;
	uint64_t list_off;
};

/* --- output ------------------------------------------------------------- */

static int put_out(struct conv *c)
{
	if (c->nout && vl_writer_put(c->w, c->out, c->nout, c->err))
		return c->err->code;
	c->st->events += c->nout;
	c->nout = 0;
	if (c->progress && c->progress(c->ctx, c->st->events))
		return vl_err_set(c->err, VL_EINTR, "capture: interrupted; no trace written");
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
	if (!rc && c->xpages)
		rc = emit(c, VL_EV_XPAGE, 0, c->xpages, 0, 0);
	if (!rc && c->mispredicts)
		rc = emit(c, VL_EV_MISPREDICT, 0, c->mispredicts, 0, 0);
	if (!rc && c->fp)
		rc = emit(c, VL_EV_FP, 0, c->fp, 0, 0);
	c->rets = c->indirects = c->xpages = c->mispredicts = c->fp = c->since_flush = 0;
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

/* A PTE write for the page at addr, present bit before/after. */
static int ptewrite(struct conv *c, uint64_t addr, int before, int after)
{
	uint16_t fl = (uint16_t)(VL_EVF_KERNEL | (before ? VL_EVF_P_OLD : 0) |
	                         (after ? VL_EVF_P_NEW : 0));

	return emit(c, VL_EV_PTEWRITE, fl, 0, addr, 0);
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

/*
 * A page list lies earlier in the process's file, right after the record
 * that announced it (a fork's, a teardown's); its entries are emitted where
 * the kernel writes them, later, so they are read back from there with
 * pread (the stream's own position is left alone) in a fixed buffer.
 */
static int list_byte(struct conv *c, struct proc *p)
{
	if (c->list_pos == c->list_len) {
		ssize_t n = pread(fileno(p->rd.f), c->list, LIST_BYTES, (off_t)c->list_off);
		if (n <= 0)
			return -1;
		c->list_off += (uint64_t)n;
		c->list_len = (size_t)n;
		c->list_pos = 0;
	}
	return c->list[c->list_pos++];
}

/* The page-table writes of the list at off: a fork's (write-protects and
 * copies, page by page as Linux's copy_page_range goes) or a teardown's. */
static int put_list(struct conv *c, struct proc *p, uint64_t off)
{
	c->list_off = off;
	c->list_pos = c->list_len = 0;
	while (!c->full && list_byte(c, p) == VL_CR_PTE) {
		uint64_t v = 0;
		int b;
		for (unsigned shift = 0; shift < 64; shift += 7) {
			if ((b = list_byte(c, p)) < 0)
				return 0; /* the list was cut short: what is there */
			v |= (uint64_t)(b & 0x7f) << shift;
			if (b < 0x80)
				break;
		}
		uint64_t addr = (v >> 4) << VL_CAPRAW_PAGE_SHIFT;
		if (((v & VL_CP_WP) && ptewrite(c, addr, 1, 1)) ||
		    ((v & VL_CP_COPY) && ptewrite(c, addr, 0, 1)) ||
		    ((v & VL_CP_DROP) && ptewrite(c, addr, 1, 0)))
			return c->err->code;
	}
	return 0;
}

/* --- block tables -------------------------------------------------------- */

static struct tbtab *tab_new(struct tbtab *parent, uint64_t base)
{
	struct tbtab *t = calloc(1, sizeof(*t));

	if (t) {
		t->parent = parent;
		t->base = base;
		t->refs = 1;
		if (parent)
			parent->refs++;
	}
	return t;
}

static void tab_release(struct tbtab *t)
{
	while (t && !--t->refs) {
		struct tbtab *parent = t->parent;
		free(t->e);
		free(t);
		t = parent;
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

/* The calls that move bytes out: writes, and sends on a socket. */
static int is_write(uint64_t nr)
{
	return nr == NR_WRITE || nr == NR_PWRITE || nr == NR_WRITEV || nr == NR_PWRITEV ||
	       nr == NR_SENDTO || nr == NR_SENDMSG;
}

uint32_t vl_capture_kernel_path(uint64_t nr, int64_t ret, int sock)
{
	enum vl_kpath k = vl_syscall_kpath(nr > UINT32_MAX ? UINT32_MAX : (unsigned)nr);

	if (ret < 0 && ret > -4096)
		return KP_NULL_SYSCALL; /* failed: the importer's rule too */
	if (sock && (k == VL_KP_IO || k == VL_KP_SOCK_READ || k == VL_KP_SOCK_WRITE))
		k = is_write(nr) ? VL_KP_SOCK_WRITE : VL_KP_SOCK_READ;
	else if (sock && nr == NR_CLOSE)
		k = VL_KP_SOCK_CLOSE;
	return vl_kpath_insns(k, ret, 1);
}

/* --- the processes -------------------------------------------------------- */

static int proc_open(struct conv *c, long pid, struct proc *parent);

static int fd_direct(const struct proc *p, uint64_t fd)
{
	return fd < MAX_FD && (p->direct[fd / 8] >> (fd % 8) & 1);
}

static int fd_sock(const struct proc *p, uint64_t fd)
{
	return fd < MAX_FD && (p->sock[fd / 8] >> (fd % 8) & 1);
}

static void fd_set_sock(struct proc *p, uint64_t fd, int on)
{
	if (fd >= MAX_FD)
		return;
	if (on)
		p->sock[fd / 8] |= (uint8_t)(1u << (fd % 8));
	else
		p->sock[fd / 8] &= (uint8_t)~(1u << (fd % 8));
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
static int is_rw(uint64_t nr)
{
	switch (nr) {
	case NR_READ: case NR_PREAD: case NR_READV: case NR_PREADV:
	case NR_WRITE: case NR_PWRITE: case NR_WRITEV: case NR_PWRITEV:
		return 1;
	default:
		return 0;
	}
}

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
	case NR_SOCKET:
	case NR_ACCEPT:
	case NR_ACCEPT4:
		if (ret >= 0)
			fd_set_sock(p, (uint64_t)ret, 1);
		return 0;
	case NR_CLOSE:
		fd_set_direct(p, a[0], 0);
		fd_set_sock(p, a[0], 0);
		return 0;
	case NR_DUP2:
	case NR_DUP3:
		if (ret >= 0) {
			fd_set_direct(p, (uint64_t)ret, fd_direct(p, a[0]));
			fd_set_sock(p, (uint64_t)ret, fd_sock(p, a[0]));
		}
		return 0;
	default: {
		if (!is_rw(nr) || ret <= 0 || !fd_direct(p, a[0]))
			return 0;
		int w = is_write(nr);
		c->st->disk++;
		return emit(c, VL_EV_DISK, (uint16_t)(w ? VL_EVF_WRITE : 0),
		            (uint32_t)(ret > UINT32_MAX ? UINT32_MAX : ret), 0, 0);
	}
	}
}

/* exit or exec: the image's resident pages go. */
static int teardown(struct conv *c, struct proc *p, unsigned type)
{
	uint64_t pages = p->rss, list = p->rss_list;

	p->rss = p->rss_list = 0;
	if (flush_user(c) || kernel_run(c, type == VL_EV_EXIT ? vl_kpath_insns(VL_KP_EXIT, 0, 1) : 0) ||
	    (list && put_list(c, p, list)))
		return c->err->code;
	return emit(c, type, VL_EVF_KERNEL, (uint32_t)(pages > UINT32_MAX ? UINT32_MAX : pages),
	            0, 0);
}

static int on_tb(struct conv *c, struct proc *p, uint64_t id)
{
	struct tbent *e = tab_get(p->tab, id, 0);

	if (!e || !e->out)
		return bad(c, p, "a block executes before its definition");
	if (c->have_bb) {
		/* the previous block is complete, its faults and touches before it */
		c->have_bb = 0;
		if (emit(c, VL_EV_BB, 0, c->bb.n, c->bb.a, c->bb.b))
			return c->err->code;
		/* the branches belong after the block that ends with them */
		if (c->since_flush >= RUN_FLUSH &&
		    (c->rets || c->indirects || c->xpages || c->mispredicts || c->fp) &&
		    flush_branches(c))
			return c->err->code;
	}
	c->bb = (struct vl_event){VL_EV_BB, 0, e->insns, e->out,
	                          e->loads | (uint64_t)e->stores << 32};
	c->have_bb = 1;
	c->st->blocks++;
	c->st->insns += e->insns;
	c->st->loads += e->loads;
	c->st->stores += e->stores;
	c->st->fp += e->fp;
	c->fp += e->fp;
	/* a direct transfer (jump, branch, call, fall-through) into another
	 * code page; returns, indirect branches and system calls are their own */
	if ((p->prev_term == VL_CT_OTHER || p->prev_term == VL_CT_CALL ||
	     p->prev_term == VL_CT_JCC) &&
	    e->vaddr >> VL_CAPRAW_PAGE_SHIFT != p->prev_vaddr >> VL_CAPRAW_PAGE_SHIFT)
		c->xpages++;
	/* the conditional branch that ended the last block: taken unless this
	 * one is its fall-through */
	if (p->prev_term == VL_CT_JCC) {
		c->st->branches++;
		if (vl_bpred_branch(&c->bp, p->prev_vaddr, e->vaddr != p->prev_end)) {
			c->st->mispredicts++;
			c->mispredicts++;
		}
	}
	p->prev_vaddr = e->vaddr;
	p->prev_end = e->end;
	p->prev_term = e->term;
	if (e->term == VL_CT_RET)
		c->rets++;
	else if (e->term == VL_CT_ICALL || e->term == VL_CT_IJMP)
		c->indirects++;
	c->since_flush++;
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
	    ptewrite(c, addr, !!(flags & VL_CF_COW), 1) ||
	    emit(c, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0))
		return c->err->code;
	return 0;
}

/* A reference the plugin's filter missed: like a fault, it belongs to the
 * pending block and comes before it (after the fault it may have taken). */
static int on_touch(struct conv *c, uint64_t v)
{
	c->st->touches++;
	return emit(c, VL_EV_TOUCH, (uint16_t)(v & 1 ? VL_EVF_WRITE : 0), 0,
	            (v >> 1) << VL_CAPRAW_PAGE_SHIFT, 0);
}

static int is_fork(uint64_t nr)
{
	return nr == NR_CLONE || nr == NR_FORK || nr == NR_VFORK;
}

/*
 * How long the CPU idled while p's sleeping call, which began at p->sys_ns,
 * waited until t: none while another process waited for the disk (its
 * disk event stands for that time), else the time since p's call began or
 * since another process last ran, whichever is later (a process waiting
 * for a child, a pipe or a timer has no time of its own in the trace). A
 * capture runs the others slower than natively, so this errs towards less
 * idle time, never more.
 */
static uint64_t idle_ns(const struct conv *c, const struct proc *p, uint64_t t)
{
	uint64_t last = c->gone_ns > p->sys_ns ? c->gone_ns : p->sys_ns;

	for (size_t i = 0; i < c->nlive; i++) {
		const struct proc *q = c->live[i];
		if (q == p || q->held.tag != VL_CR_SYSRET)
			continue; /* not started yet: it did nothing in the meantime */
		if (q->device)
			return 0;
		if (q->sys_ns > last)
			last = q->sys_ns;
	}
	return t > last ? t - last : 0;
}

static int on_sysret(struct conv *c, struct proc *p, uint64_t nr, int64_t ret, uint64_t t)
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
		uint64_t copied = p->fork_copied, list = p->fork_list;
		p->forking = 0;
		p->fork_list = 0;
		c->st->forks++;
		if (kernel_run(c, vl_kpath_insns(VL_KP_FORK, 0, 1)) || (list && put_list(c, p, list)) ||
		    emit(c, VL_EV_FORK, VL_EVF_KERNEL, (uint32_t)copied, (uint64_t)ret, 0) ||
		    emit(c, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0) || proc_open(c, (long)ret, p))
			return c->err->code;
		return 0;
	}
	if (kernel_run(c, vl_capture_kernel_path(nr, ret, fd_sock(p, p->sys_a[0]))) ||
	    follow_fds(c, p, nr, ret))
		return c->err->code;
	uint64_t idle = p->sleeping ? idle_ns(c, p, t) : 0;
	p->sleeping = 0;
	if (idle) {
		c->st->idle_ns += idle;
		if (emit(c, VL_EV_SLEEP, 0, 0, idle, 0))
			return c->err->code;
	}
	return emit(c, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
}

/* The records with a time: a system call returning, an image starting. */
static int on_timed(struct conv *c, struct proc *p, int tag, const uint64_t *v)
{
	if (tag == VL_CR_SYSRET)
		return on_sysret(c, p, v[0], (int64_t)(v[1] >> 1) ^ -(int64_t)(v[1] & 1), v[2]);
	if (!p->exec_pending)
		return bad(c, p, "a process image starts without an execve");
	/* execve succeeded: the old image is torn down, a new one begins */
	p->exec_pending = 0;
	c->st->execs++;
	if (teardown(c, p, VL_EV_EXEC) || kernel_run(c, vl_capture_kernel_path(NR_EXECVE, 0, 0)) ||
	    emit(c, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0))
		return c->err->code;
	tab_release(p->tab); /* fork children of the old image keep it while they live */
	if (!(p->tab = tab_new(NULL, 0)))
		return vl_err_set(c->err, VL_ENOMEM, "out of memory");
	return 0;
}

/* Values of a timed record: SYSRET nr, ret, ns; START pid, ppid, base, ns. */
static int read_timed(struct rd *r, int tag, uint64_t v[4])
{
	return get_vars(r, v, tag == VL_CR_SYSRET ? 3 : 4);
}

static int record(struct conv *c, struct proc *p, int tag)
{
	uint64_t v[8];
	struct tbent *e;

	switch (tag) {
	case VL_CR_TB:
		if (get_var(&p->rd, v))
			break;
		return on_tb(c, p, v[0]);
	case VL_CR_TBDEF: {
		int term;
		if (get_vars(&p->rd, v, 3) || (term = get_byte(&p->rd)) < 0 ||
		    get_vars(&p->rd, v + 3, 2))
			break;
		if (!(e = tab_get(p->tab, v[0], 1)))
			return bad(c, p, "block id out of range");
		e->out = ++c->next_id;
		e->vaddr = v[1];
		e->end = v[1] + v[3];
		e->insns = (uint32_t)(v[2] > 512 ? 512 : v[2]);
		e->term = (uint8_t)term;
		e->fp = (uint16_t)(v[4] > e->insns ? e->insns : v[4]);
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
		if (get_vars(&p->rd, v, 8))
			break;
		p->sys_nr = v[0];
		p->sys_ns = v[7];
		p->sleeping = is_sleep(v[0]);
		p->device = is_rw(v[0]) && fd_direct(p, v[1]);
		p->prev_term = -1; /* the emulator's loop finds the next block */
		memcpy(p->sys_a, v + 1, sizeof(p->sys_a));
		if (flush_user(c))
			return c->err->code;
		if (is_vdso(v[0]))
			return 0; /* no kernel entry natively: see on_sysret */
		c->st->syscalls++;
		return emit(c, VL_EV_SYSCALL, 0, 0, v[0], 0);
	case VL_CR_FORK:
		if (get_vars(&p->rd, v, 3))
			break;
		p->fork_copied = v[1];
		p->fork_list = p->rd.off + p->rd.pos; /* its pages follow */
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
		return 0;
	}
	case VL_CR_RSS:
		if (get_var(&p->rd, v))
			break;
		p->rss = v[0];
		p->rss_list = p->rd.off + p->rd.pos; /* its pages follow */
		return 0;
	case VL_CR_PTE:
		if (get_var(&p->rd, v))
			break;
		if (!(v[0] & VL_CP_UNMAP))
			return 0; /* in a fork's or teardown's list: read back there */
		/* munmap, madvise, brk: the entry is cleared, its TLB entry invalidated */
		p->unmapped++;
		if (flush_user(c) || ptewrite(c, (v[0] >> 4) << VL_CAPRAW_PAGE_SHIFT, 1, 0))
			return c->err->code;
		return emit(c, VL_EV_INVLPG, VL_EVF_KERNEL, 0, (v[0] >> 4) << VL_CAPRAW_PAGE_SHIFT, 0);
	case VL_CR_TOUCH:
		if (get_var(&p->rd, v))
			break;
		return on_touch(c, v[0]);
	case VL_CR_UNMAP:
		if (get_var(&p->rd, v))
			break;
		if (v[0] != p->unmapped)
			return bad(c, p, "an unmap names fewer or more pages than it counts");
		p->unmapped = 0;
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

/*
 * Runs p from where it stands to its next system call, then reads ahead to
 * the time that call returns (or the new image starts), where p will go on.
 * 1 at the end of p's records.
 */
static int run_segment(struct conv *c, struct proc *p)
{
	int tag, rc, in_kernel = 0;

	if (p->held.tag) {
		struct held h = p->held;
		p->held.tag = 0;
		p->rec_off = h.off;
		if ((rc = on_timed(c, p, h.tag, h.v)))
			return rc;
	}
	while (!c->full) {
		p->rec_off = p->rd.off + p->rd.pos;
		if ((tag = get_byte(&p->rd)) < 0)
			return ferror(p->rd.f) ? vl_err_set(c->err, VL_EIO, "%s: read error", p->rd.path) : 1;
		if (tag == VL_CR_SYSRET || tag == VL_CR_START) {
			uint64_t v[4];
			if (read_timed(&p->rd, tag, v))
				return bad(c, p, "truncated record");
			if (in_kernel) {
				p->held = (struct held){tag, {v[0], v[1], v[2], v[3]}, p->rec_off};
				p->next_ns = v[tag == VL_CR_SYSRET ? 2 : 3];
				return 0;
			}
			if ((rc = on_timed(c, p, tag, v)))
				return rc;
			continue;
		}
		if ((rc = record(c, p, tag)))
			return rc;
		if (tag == VL_CR_SYS && !is_vdso(p->sys_nr))
			in_kernel = 1;
	}
	return 0;
}

static void proc_free(struct conv *c, struct proc *p)
{
	c->st->raw_bytes += p->rd.off + p->rd.len;
	if (p->rd.f)
		fclose(p->rd.f);
	tab_release(p->tab);
	free(p);
}

/* Opens process pid's records and makes it live; a fork child of parent. */
static int proc_open(struct conv *c, long pid, struct proc *parent)
{
	struct proc *p = calloc(1, sizeof(*p));
	uint64_t v[4];

	if (!p)
		return vl_err_set(c->err, VL_ENOMEM, "out of memory");
	p->pid = pid;
	p->prev_term = -1;
	snprintf(p->rd.path, sizeof(p->rd.path), "%s/%ld.raw", c->dir, pid);
	if (c->nlive == MAX_LIVE) {
		free(p);
		return vl_err_set(c->err, VL_EINVAL, "%s: more than %d processes alive at once",
		                  c->dir, MAX_LIVE);
	}
	if (!(p->rd.f = fopen(p->rd.path, "rb"))) {
		int rc = vl_err_set(c->err, VL_EIO, "%s: %s (process %ld left no record)", p->rd.path,
		                    strerror(errno), pid);
		free(p);
		return rc;
	}
	if (get_byte(&p->rd) != VL_CR_START || read_timed(&p->rd, VL_CR_START, v)) {
		int rc = bad(c, p, "the file does not start with a process start");
		proc_free(c, p);
		return rc;
	}
	p->next_ns = v[3];
	if (parent) {
		memcpy(p->direct, parent->direct, sizeof(p->direct));
		memcpy(p->sock, parent->sock, sizeof(p->sock));
	}
	if (!(p->tab = tab_new(parent ? parent->tab : NULL, parent ? v[2] : 0))) {
		proc_free(c, p);
		return vl_err_set(c->err, VL_ENOMEM, "out of memory");
	}
	c->st->processes++;
	c->live[c->nlive++] = p;
	return 0;
}

/* One CPU's view: whichever live process's next stretch began first runs. */
static int schedule(struct conv *c)
{
	struct proc *cur = c->live[0];
	int rc = 0;

	while (c->nlive && !c->full) {
		size_t k = 0;
		for (size_t i = 1; i < c->nlive; i++)
			if (c->live[i]->next_ns < c->live[k]->next_ns)
				k = i;
		struct proc *p = c->live[k];
		if (p != cur) {
			if ((rc = flush_user(c)) ||
			    (rc = emit(c, VL_EV_CR3, VL_EVF_KERNEL, 0, (uint64_t)p->pid, 0)))
				return rc;
			cur = p;
		}
		if ((rc = run_segment(c, p)) < 0)
			return rc;
		if (rc == 1) { /* the process is gone */
			c->st->exits++;
			if (p->sys_ns > c->gone_ns)
				c->gone_ns = p->sys_ns;
			if ((rc = flush_user(c)) || (rc = teardown(c, p, VL_EV_EXIT)))
				return rc;
			c->live[k] = c->live[--c->nlive];
			proc_free(c, p);
			cur = NULL;
		}
	}
	return 0;
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
	vl_bpred_init(&c->bp);
	rc = proc_open(c, root_pid, NULL);
	if (!rc)
		rc = schedule(c);
	if (!rc)
		rc = put_out(c);
	while (c->nlive)
		proc_free(c, c->live[--c->nlive]);
	free(c);
	return rc;
}
