/*
 * From a full-system capture's raw records to a trace. Every block the
 * guest executed becomes a bb event (kernel mode when its address is in
 * the upper half) followed by the events of the privileged and sensitive
 * instructions inside it, in their order; returns and indirect branches
 * are counted into callret/indirect events as a user-mode capture does.
 * What the plugin cannot see (it reads no registers) is inferred from the
 * kernel's symbols where it can be:
 *  - a block at asm_exc_page_fault is a page fault; its address is the
 *    page of the first access of the first block after the iret that
 *    closes the fault (QEMU restarts at the faulting instruction);
 *  - blocks at asm_sysvec_apic_timer_interrupt, asm_common_interrupt and
 *    asm_exc_* are timer interrupts, device interrupts and exceptions;
 *  - the first __x64_sys_NAME block after a syscall instruction names it;
 *  - kernel_clone, begin_new_exec and do_exit are fork, exec and exit;
 *  - a CR3 write switches to the address space of the mm_struct whose CPU
 *    mask the switch before it marked (the value written is not seen): the
 *    same mm, the same id while it lives (cr3_id); a write no switch marked
 *    reloads the running one;
 *  - touches the plugin's filter missed are kernel references when the
 *    page is in the upper half.
 * Events whose operand is not known (an inferred syscall or fault address
 * still pending) are patched in the output buffer before it is written.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "traces/bpred.h"
#include "traces/syscalls_x86_64.h"
#include "traces/syscapture.h"

#define OUT_BATCH 16384
#define RD_BYTES 65536
#define RUN_FLUSH 64 /* blocks between callret/indirect events */
#define MAX_TBS (1u << 26)
#define FORKQ 8 /* address spaces waiting for their mm, first served first */

/* --- symbols ------------------------------------------------------------- */

enum sym_class { SYM_NONE, SYM_PF, SYM_TIMER, SYM_IRQ, SYM_EXC, SYM_SYS, SYM_FORK, SYM_EXEC,
                 SYM_EXIT };

/* A map of nonzero 64-bit keys to 32-bit values, open addressing. */
struct map {
	uint64_t *key; /* 0 = empty */
	uint32_t *val;
	size_t cap, n;
};

static size_t map_slot(const struct map *m, uint64_t key)
{
	size_t i = (size_t)((key * 0x9e3779b97f4a7c15ull) >> 24) & (m->cap - 1);

	while (m->key[i] && m->key[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* The value of key; 0 when absent. */
static uint32_t map_get(const struct map *m, uint64_t key)
{
	if (!m->cap)
		return 0;
	size_t i = map_slot(m, key);
	return m->key[i] ? m->val[i] : 0;
}

static int map_put(struct map *m, uint64_t key, uint32_t val)
{
	if ((m->n + 1) * 2 > m->cap) {
		struct map n = {.cap = m->cap ? m->cap * 2 : 1024};
		n.key = calloc(n.cap, sizeof(*n.key));
		n.val = calloc(n.cap, sizeof(*n.val));
		if (!n.key || !n.val) {
			free(n.key);
			free(n.val);
			return -1;
		}
		for (size_t i = 0; i < m->cap; i++)
			if (m->key[i]) {
				size_t j = map_slot(&n, m->key[i]);
				n.key[j] = m->key[i];
				n.val[j] = m->val[i];
				n.n++;
			}
		free(m->key);
		free(m->val);
		*m = n;
	}
	size_t i = map_slot(m, key);
	if (!m->key[i]) {
		m->key[i] = key;
		m->n++;
	}
	m->val[i] = val;
	return 0;
}

static void map_free(struct map *m)
{
	free(m->key);
	free(m->val);
	*m = (struct map){0};
}

struct vl_syscap_syms {
	struct map m; /* address -> class | arg << 8 */
	int have_pf, have_sys;
};

static uint32_t sym_lookup(const struct vl_syscap_syms *s, uint64_t addr)
{
	return s ? map_get(&s->m, addr) : 0;
}

static int cmp_sysent(const void *key, const void *e)
{
	return strcmp(key, ((const struct sysent *)e)->name);
}

/* Exception vectors of the asm_exc_* entries (arch/x86/include/asm/idtentry.h). */
static int exc_vector(const char *name)
{
	static const struct { const char *n; int v; } exc[] = {
		{"divide_error", 0}, {"debug", 1}, {"nmi", 2}, {"int3", 3}, {"overflow", 4},
		{"bounds", 5}, {"invalid_op", 6}, {"device_not_available", 7}, {"double_fault", 8},
		{"invalid_tss", 10}, {"segment_not_present", 11}, {"stack_segment", 12},
		{"general_protection", 13}, {"spurious_interrupt_bug", 15},
		{"coprocessor_error", 16}, {"alignment_check", 17}, {"machine_check", 18},
		{"simd_coprocessor_error", 19}, {"control_protection", 21},
	};
	for (size_t i = 0; i < sizeof(exc) / sizeof(exc[0]); i++)
		if (!strcmp(name, exc[i].n))
			return exc[i].v;
	return -1;
}

static uint32_t classify(const char *name)
{
	if (!strcmp(name, "asm_exc_page_fault"))
		return SYM_PF;
	if (!strcmp(name, "asm_sysvec_apic_timer_interrupt"))
		return SYM_TIMER;
	if (!strcmp(name, "asm_common_interrupt") || !strncmp(name, "asm_sysvec_", 11))
		return SYM_IRQ;
	if (!strncmp(name, "asm_exc_", 8)) {
		int v = exc_vector(name + 8);
		return v < 0 ? SYM_NONE : SYM_EXC | (uint32_t)v << 8;
	}
	if (!strncmp(name, "__x64_sys_", 10)) {
		const struct sysent *e = bsearch(name + 10, syscalls_x86_64,
		                                 sizeof(syscalls_x86_64) / sizeof(syscalls_x86_64[0]),
		                                 sizeof(syscalls_x86_64[0]), cmp_sysent);
		return e ? SYM_SYS | e->nr << 8 : SYM_NONE;
	}
	if (!strcmp(name, "kernel_clone"))
		return SYM_FORK;
	if (!strcmp(name, "begin_new_exec"))
		return SYM_EXEC;
	if (!strcmp(name, "do_exit"))
		return SYM_EXIT;
	return SYM_NONE;
}

void vl_syscap_syms_free(struct vl_syscap_syms *s)
{
	if (s) {
		map_free(&s->m);
		free(s);
	}
}

int vl_syscap_syms_load(struct vl_syscap_syms **out, const char *path, struct vl_err *err)
{
	FILE *f = fopen(path, "r");
	struct vl_syscap_syms *s;
	char line[512], name[256], type[8];
	unsigned long long addr;

	*out = NULL;
	if (!f)
		return vl_err_set(err, VL_EIO, "%s: %s", path, strerror(errno));
	if (!(s = calloc(1, sizeof(*s)))) {
		fclose(f);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %7s %255s", &addr, type, name) != 3 || !addr)
			continue;
		uint32_t v = classify(name);
		if (!v)
			continue;
		s->have_pf |= v == SYM_PF;
		s->have_sys |= (v & 0xff) == SYM_SYS;
		if (map_put(&s->m, addr, v)) {
			fclose(f);
			vl_syscap_syms_free(s);
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		}
	}
	fclose(f);
	if (!s->have_pf || !s->have_sys) {
		vl_syscap_syms_free(s);
		return vl_err_set(err, VL_EINVAL, "%s: no asm_exc_page_fault or __x64_sys_* symbol "
		                  "(not the kernel's symbols?)", path);
	}
	*out = s;
	return 0;
}

const char *vl_syscap_op_name(unsigned op)
{
	static const char *const names[VL_SO__COUNT] = {
		[VL_SO_CLI] = "cli", [VL_SO_STI] = "sti", [VL_SO_PUSHF] = "pushf",
		[VL_SO_POPF] = "popf", [VL_SO_HLT] = "hlt", [VL_SO_CRW] = "mov-to-cr",
		[VL_SO_CRR] = "mov-from-cr", [VL_SO_INVLPG] = "invlpg", [VL_SO_WRMSR] = "wrmsr",
		[VL_SO_RDMSR] = "rdmsr", [VL_SO_IN] = "in", [VL_SO_OUT] = "out",
		[VL_SO_IRET] = "iret", [VL_SO_SYSRET] = "sysret", [VL_SO_SWAPGS] = "swapgs",
		[VL_SO_RDTSC] = "rdtsc", [VL_SO_RDTSCP] = "rdtscp", [VL_SO_CPUID] = "cpuid",
		[VL_SO_SYSCALL] = "syscall", [VL_SO_INT] = "int", [VL_SO_SGDT] = "sgdt",
		[VL_SO_SIDT] = "sidt", [VL_SO_SLDT] = "sldt", [VL_SO_STR] = "str",
		[VL_SO_SMSW] = "smsw", [VL_SO_LAR] = "lar", [VL_SO_LSL] = "lsl",
		[VL_SO_VERR] = "verr", [VL_SO_VERW] = "verw", [VL_SO_MOVSEG] = "movseg",
		[VL_SO_LDESC] = "lgdt/lidt/lldt/ltr/lmsw", [VL_SO_CACHE] = "wbinvd/invd/clts/dr/xsetbv",
	};
	return op < VL_SO__COUNT && names[op] ? names[op] : "?";
}

/* --- conversion ---------------------------------------------------------- */

struct sop {
	uint8_t op, size;
	uint32_t arg;
};

struct tbent {
	uint32_t out;   /* block id in the trace; 0 = undefined */
	uint32_t insns;
	uint32_t loads, stores;
	uint32_t sym;   /* class | arg << 8 of a symbol at its address */
	uint32_t ops;   /* its first op in the pool */
	uint64_t vaddr, end; /* its first instruction; the address after its last */
	uint8_t nops, term, kernel;
};

struct conv {
	FILE *f;
	const char *path;
	unsigned char buf[RD_BYTES];
	size_t pos, len;
	uint64_t off, rec_off;
	const struct vl_syscap_syms *syms;
	struct vl_writer *w;
	struct vl_event out[OUT_BATCH];
	size_t nout;
	uint64_t limit;
	int full;
	struct vl_syscap_stats *st;
	vl_syscap_progress_fn progress;
	void *ctx;
	struct vl_err *err;
	struct tbent *tb;
	size_t ntb;
	struct sop *pool;
	size_t npool, cappool;
	uint32_t next_id;
	uint64_t cur;             /* the block executing: its raw id + 1 (0: none; the
	                             table moves as it grows, so no pointer into it) */
	int prev_kernel;          /* the mode of the last block */
	uint32_t rets[2], indirects[2], mispredicts[2], xpages[2], since_flush;
	struct vl_bpred bp;       /* the reference predictor (traces/bpred.h) */
	uint64_t asid;            /* address-space ids handed out */
	long sys_idx, pf_idx;     /* events awaiting their operand; -1: none */
	unsigned depth, pf_depth; /* interrupt and exception nesting */
	int pf_await;             /* 1: the closing iret ran; 2: its next block started */
	long bb_idx;              /* the last bb event in the buffer; -1: written */
	struct map ptpage;        /* page-table page -> its number, from 1 */
	struct map mmid;          /* mm_struct (its CPU mask) -> address-space id; 0: gone */
	uint64_t next_mm, cur_mm; /* marked by the switch; loaded by the last CR3 write */
	uint64_t cur_id;          /* the running address space's id */
	uint64_t forkq[FORKQ];    /* ids waiting for an mm not seen before (expect_mm) */
	unsigned nforkq;
	int first_bound;          /* id 1, the first address space, has its mm */
	int exiting;              /* do_exit ran; the exit event waits for the switch */
};

static int put_out(struct conv *c, int all)
{
	size_t n = c->nout;

	if (!all) { /* keep the events still awaiting their operand */
		if (c->sys_idx >= 0 && (size_t)c->sys_idx < n)
			n = (size_t)c->sys_idx;
		if (c->pf_idx >= 0 && (size_t)c->pf_idx < n)
			n = (size_t)c->pf_idx;
		if (!n) { /* the whole buffer waits: give up on them */
			c->sys_idx = c->pf_idx = -1;
			n = c->nout;
		}
	}
	if (n && vl_writer_put(c->w, c->out, n, c->err))
		return c->err->code;
	c->st->events += n;
	memmove(c->out, c->out + n, (c->nout - n) * sizeof(c->out[0]));
	c->nout -= n;
	c->bb_idx = c->bb_idx >= (long)n ? c->bb_idx - (long)n : -1;
	if (c->sys_idx >= 0)
		c->sys_idx -= (long)n;
	if (c->pf_idx >= 0)
		c->pf_idx -= (long)n;
	if (c->progress && c->progress(c->ctx, c->st->events))
		return vl_err_set(c->err, VL_EINTR, "capture: interrupted; no trace written");
	return 0;
}

static int emit(struct conv *c, unsigned type, uint16_t flags, uint32_t n, uint64_t a, uint64_t b)
{
	if (c->full)
		return 0;
	if (c->nout == OUT_BATCH && put_out(c, 0))
		return c->err->code;
	c->out[c->nout++] = (struct vl_event){(uint16_t)type, flags, n, a, b};
	if (c->st->events + c->nout >= c->limit) {
		c->full = 1;
		c->st->limited = 1;
	}
	return 0;
}

static int flush_branches(struct conv *c)
{
	for (int k = 0; k < 2; k++) {
		uint16_t fl = k ? VL_EVF_KERNEL : 0;
		if ((c->rets[k] && emit(c, VL_EV_CALLRET, fl, c->rets[k], 0, 0)) ||
		    (c->indirects[k] && emit(c, VL_EV_INDIRECT, fl, c->indirects[k], 0, 0)) ||
		    (c->mispredicts[k] && emit(c, VL_EV_MISPREDICT, fl, c->mispredicts[k], 0, 0)) ||
		    (c->xpages[k] && emit(c, VL_EV_XPAGE, fl, c->xpages[k], 0, 0)))
			return c->err->code;
		c->rets[k] = c->indirects[k] = c->mispredicts[k] = c->xpages[k] = 0;
	}
	c->since_flush = 0;
	return 0;
}

static int bad(struct conv *c, const char *what)
{
	return vl_err_set(c->err, VL_ECORRUPT, "%s: byte %llu: %s", c->path,
	                  (unsigned long long)c->rec_off, what);
}

static int get_byte(struct conv *c)
{
	if (c->pos == c->len) {
		c->off += c->len;
		c->len = fread(c->buf, 1, RD_BYTES, c->f);
		c->pos = 0;
		if (!c->len)
			return -1;
	}
	return c->buf[c->pos++];
}

static int get_var(struct conv *c, uint64_t *v)
{
	uint64_t x = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		int b = get_byte(c);
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

static struct tbent *tb_get(struct conv *c, uint64_t id, int create)
{
	if (id >= c->ntb) {
		if (!create || id >= MAX_TBS)
			return NULL;
		size_t cap = c->ntb ? c->ntb : 4096;
		while (cap <= id)
			cap *= 2;
		struct tbent *t = realloc(c->tb, cap * sizeof(*t));
		if (!t)
			return NULL;
		memset(t + c->ntb, 0, (cap - c->ntb) * sizeof(*t));
		c->tb = t;
		c->ntb = cap;
	}
	return &c->tb[id];
}

static int on_tbdef(struct conv *c)
{
	uint64_t v[5];
	int term;
	struct tbent *e;

	if (get_var(c, &v[0]) || get_var(c, &v[1]) || get_var(c, &v[2]) ||
	    (term = get_byte(c)) < 0 || get_var(c, &v[4]) || get_var(c, &v[3]))
		return bad(c, "truncated record");
	if (!(e = tb_get(c, v[0], 1)))
		return bad(c, "block id out of range");
	*e = (struct tbent){.out = ++c->next_id, .insns = (uint32_t)(v[2] > 512 ? 512 : v[2]),
	                    .sym = sym_lookup(c->syms, v[1]), .ops = (uint32_t)c->npool,
	                    .vaddr = v[1], .end = v[1] + v[4],
	                    .nops = (uint8_t)(v[3] > 64 ? 64 : v[3]), .term = (uint8_t)term,
	                    .kernel = v[1] >= VL_SR_KERNEL_BASE};
	c->st->translations++;
	for (uint64_t i = 0; i < v[3]; i++) {
		uint64_t arg;
		int op, size;
		if ((op = get_byte(c)) < 0 || get_var(c, &arg) || (size = get_byte(c)) < 0)
			return bad(c, "truncated record");
		if (i >= 64)
			continue;
		if (c->npool == c->cappool) {
			size_t cap = c->cappool ? c->cappool * 2 : 4096;
			struct sop *p = realloc(c->pool, cap * sizeof(*p));
			if (!p)
				return vl_err_set(c->err, VL_ENOMEM, "out of memory");
			c->pool = p;
			c->cappool = cap;
		}
		c->pool[c->npool++] = (struct sop){(uint8_t)op, (uint8_t)size, (uint32_t)arg};
	}
	return 0;
}

/* The running mm goes (exit, or exec replacing it): its memory may hold the
 * next one, which is another address space. */
static int forget_mm(struct conv *c)
{
	if (c->cur_mm && map_get(&c->mmid, c->cur_mm) && map_put(&c->mmid, c->cur_mm, 0))
		return vl_err_set(c->err, VL_ENOMEM, "out of memory");
	c->cur_mm = 0;
	return 0;
}

/* The process that ran do_exit is switched away from: it is gone. */
static int end_exit(struct conv *c)
{
	c->exiting = 0;
	if (forget_mm(c))
		return c->err->code;
	return emit(c, VL_EV_EXIT, VL_EVF_KERNEL, 0, 0, 0);
}

/* An id the next mm not seen before takes: at the back (a fork child's, when
 * it first runs) or at the front (exec's new mm, loaded at once). */
static void expect_mm(struct conv *c, uint64_t id, int front)
{
	if (c->nforkq == FORKQ)
		c->nforkq--; /* the newest waits longest: forget it */
	if (front) {
		memmove(c->forkq + 1, c->forkq, c->nforkq * sizeof(c->forkq[0]));
		c->forkq[0] = id;
	} else {
		c->forkq[c->nforkq] = id;
	}
	c->nforkq++;
}

/*
 * The id of the address space a CR3 write loads. Without a switch marking
 * an mm before it, the write reloads the running one (a TLB flush). An mm
 * not seen before takes the id waiting for it, else the first address
 * space's (1: the one running when the recording began, until an mm is
 * known as it), else a new one.
 */
static int cr3_id(struct conv *c, uint64_t *id)
{
	uint64_t mm = c->next_mm;

	c->next_mm = 0;
	if (!mm) {
		c->st->cr3_reloads++;
		*id = c->cur_id;
		return 0;
	}
	if (c->exiting && end_exit(c))
		return c->err->code;
	c->cur_mm = mm;
	if (!(*id = map_get(&c->mmid, mm))) {
		if (c->nforkq) {
			*id = c->forkq[0];
			memmove(c->forkq, c->forkq + 1, --c->nforkq * sizeof(c->forkq[0]));
		} else if (!c->first_bound) {
			*id = 1;
		} else {
			*id = ++c->asid;
		}
		c->first_bound |= *id == 1;
		if (map_put(&c->mmid, mm, (uint32_t)*id))
			return vl_err_set(c->err, VL_ENOMEM, "out of memory");
	}
	c->cur_id = *id;
	return 0;
}

/* An interrupt, exception or fault enters the kernel at block e. */
static int on_entry(struct conv *c, const struct tbent *e)
{
	uint16_t mode = c->prev_kernel ? VL_EVF_KERNEL : 0;
	uint32_t arg = e->sym >> 8;

	switch (e->sym & 0xff) {
	case SYM_PF:
		c->st->pgfaults++;
		if (emit(c, VL_EV_PGFAULT, mode, 0, 0, 0))
			return c->err->code;
		c->pf_idx = c->full ? -1 : (long)c->nout - 1;
		c->pf_depth = c->depth;
		c->pf_await = 0;
		c->depth++;
		return 0;
	case SYM_TIMER:
		c->st->timers++;
		c->depth++;
		return emit(c, VL_EV_TIMER, VL_EVF_KERNEL, 0, 0, 0);
	case SYM_IRQ:
		c->st->irqs++;
		c->depth++;
		return emit(c, VL_EV_IRQ, VL_EVF_KERNEL, 0, 0, 0);
	case SYM_EXC:
		c->st->exceptions++;
		c->depth++;
		return emit(c, VL_EV_EXCEPTION, mode, 0, arg, 0);
	case SYM_SYS:
		if (c->sys_idx >= 0) {
			c->out[c->sys_idx].a = arg;
			c->sys_idx = -1;
			c->st->syscalls_named++;
		}
		return 0;
	case SYM_FORK:
		c->st->forks++;
		expect_mm(c, ++c->asid, 0);
		return emit(c, VL_EV_FORK, VL_EVF_KERNEL, 0, c->asid, 0);
	case SYM_EXEC:
		/* the process keeps its id: a model starts its new image afresh */
		c->st->execs++;
		if (forget_mm(c))
			return c->err->code;
		expect_mm(c, c->cur_id, 1);
		return emit(c, VL_EV_EXEC, VL_EVF_KERNEL, 0, 0, 0);
	case SYM_EXIT:
		/* the exit event waits for the switch away from the dying process:
		 * until then its mm is loaded and its tables are torn down in it */
		c->st->exits++;
		c->exiting = 1;
		return 0;
	default:
		return 0;
	}
}

/* The event of a sensitive instruction executed at mode kernel. */
static int on_op(struct conv *c, const struct sop *o, int kernel)
{
	uint16_t m = kernel ? VL_EVF_KERNEL : 0;
	static const uint8_t simple[VL_SO__COUNT] = {
		[VL_SO_CLI] = VL_EV_CLI, [VL_SO_STI] = VL_EV_STI, [VL_SO_PUSHF] = VL_EV_PUSHF,
		[VL_SO_POPF] = VL_EV_POPF, [VL_SO_HLT] = VL_EV_HLT, [VL_SO_RDTSC] = VL_EV_RDTSC,
		[VL_SO_RDTSCP] = VL_EV_RDTSC, [VL_SO_CPUID] = VL_EV_CPUID, [VL_SO_SGDT] = VL_EV_SGDT,
		[VL_SO_SIDT] = VL_EV_SIDT, [VL_SO_SLDT] = VL_EV_SLDT, [VL_SO_STR] = VL_EV_STR,
		[VL_SO_SMSW] = VL_EV_SMSW, [VL_SO_LAR] = VL_EV_LAR, [VL_SO_LSL] = VL_EV_LSL,
		[VL_SO_VERR] = VL_EV_VERR, [VL_SO_VERW] = VL_EV_VERW, [VL_SO_MOVSEG] = VL_EV_MOVSEG,
		[VL_SO_INVLPG] = VL_EV_INVLPG, [VL_SO_WRMSR] = VL_EV_WRMSR, [VL_SO_RDMSR] = VL_EV_RDMSR,
	};

	if (o->op >= VL_SO__COUNT)
		return bad(c, "unknown instruction kind");
	c->st->ops[o->op]++;
	switch (o->op) {
	case VL_SO_CRW: {
		static const uint8_t cr[16] = {[0] = VL_EV_CR0, [3] = VL_EV_CR3, [4] = VL_EV_CR4,
		                               [8] = VL_EV_CR8};
		unsigned t = o->arg < 16 ? cr[o->arg] : 0;
		uint64_t id = 0;
		if (!t)
			return 0; /* CR2 is written only by faults */
		if (t == VL_EV_CR3 && cr3_id(c, &id))
			return c->err->code;
		return emit(c, t, VL_EVF_KERNEL, 0, id, 0);
	}
	case VL_SO_IN:
	case VL_SO_OUT:
		return emit(c, o->op == VL_SO_IN ? VL_EV_IN : VL_EV_OUT, VL_EVF_KERNEL, o->size,
		            o->arg == VL_SR_NOPORT ? 0 : o->arg, 0);
	case VL_SO_SYSCALL:
		c->st->syscalls++;
		if (emit(c, VL_EV_SYSCALL, 0, 0, VL_SYSCAP_NR_UNKNOWN, 0))
			return c->err->code;
		c->sys_idx = c->full ? -1 : (long)c->nout - 1;
		return 0;
	case VL_SO_SYSRET:
		c->st->sysrets++;
		c->sys_idx = -1;
		return emit(c, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0);
	case VL_SO_IRET:
		c->st->irets++;
		/* the end of an interrupt taken on the way into a system call leaves
		 * the call waiting for its name; back in user mode, it stays unnamed */
		if (c->depth)
			c->depth--;
		else
			c->sys_idx = -1;
		if (c->pf_idx >= 0 && c->depth == c->pf_depth)
			c->pf_await = 1;
		return emit(c, VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0);
	case VL_SO_INT:
		return emit(c, VL_EV_INT, m, 0, o->arg, 0);
	case VL_SO_SWAPGS:
	case VL_SO_CRR:
	case VL_SO_LDESC:
	case VL_SO_CACHE:
		return 0; /* no event kind: counted only */
	default: {
		unsigned t = simple[o->op];
		if (!t)
			return 0;
		uint16_t fl = (uint16_t)((m & vl_ev_flag_mask(t)) | vl_evdesc[t].def_flags);
		return emit(c, t, fl, 0, 0, 0);
	}
	}
}

static int on_tb(struct conv *c, uint64_t id)
{
	struct tbent *e = tb_get(c, id, 0);

	if (!e || !e->out)
		return bad(c, "a block executes before its definition");
	if (c->pf_await == 2) { /* the block after the closing iret had no access first */
		c->pf_idx = -1;
		c->pf_await = 0;
	} else if (c->pf_await == 1) {
		c->pf_await = 2;
	}
	/* p: the block before, unless an interrupt or fault entered instead
	 * (which says nothing of how p ended); its conditional branch was taken
	 * unless this block is its fall-through */
	unsigned cls = e->sym & 0xff;
	int entered = cls >= SYM_PF && cls <= SYM_EXC;
	const struct tbent *p = entered || !c->cur ? NULL : &c->tb[c->cur - 1];
	if (p && p->term == VL_ST_JCC) {
		c->st->branches++;
		if (vl_bpred_branch(&c->bp, p->vaddr, e->vaddr != p->end)) {
			c->st->mispredicts++;
			c->mispredicts[p->kernel]++;
		}
	}
	/* a direct transfer (jump, branch, call, fall-through) into another code
	 * page; returns, indirect branches, system calls and irets are their own */
	if (p && (p->term == VL_ST_OTHER || p->term == VL_ST_CALL || p->term == VL_ST_JCC) &&
	    e->vaddr >> 12 != p->vaddr >> 12) {
		c->st->xpages++;
		c->xpages[p->kernel]++;
	}
	if (e->sym && on_entry(c, e))
		return c->err->code;
	if (e->kernel != c->prev_kernel &&
	    (c->rets[0] | c->rets[1] | c->mispredicts[0] | c->mispredicts[1] | c->xpages[0] |
	     c->xpages[1] | c->indirects[0] | c->indirects[1]) && flush_branches(c))
		return c->err->code;
	c->cur = id + 1;
	c->prev_kernel = e->kernel;
	c->st->blocks[e->kernel]++;
	c->st->insns[e->kernel] += e->insns;
	c->st->loads += e->loads;
	c->st->stores += e->stores;
	if (emit(c, VL_EV_BB, e->kernel ? VL_EVF_KERNEL : 0, e->insns, e->out,
	         e->loads | (uint64_t)e->stores << 32))
		return c->err->code;
	c->bb_idx = c->full ? -1 : (long)c->nout - 1;
	for (unsigned i = 0; i < e->nops; i++)
		if (on_op(c, &c->pool[e->ops + i], e->kernel))
			return c->err->code;
	if (e->term == VL_ST_RET)
		c->rets[e->kernel]++;
	else if (e->term == VL_ST_ICALL || e->term == VL_ST_IJMP)
		c->indirects[e->kernel]++;
	if (++c->since_flush >= RUN_FLUSH && flush_branches(c))
		return c->err->code;
	return 0;
}

/* A block's counts arrive after its first execution: patch that bb event. */
static int on_tbmem(struct conv *c)
{
	uint64_t v[3];
	struct tbent *e;

	if (get_var(c, &v[0]) || get_var(c, &v[1]) || get_var(c, &v[2]))
		return bad(c, "truncated record");
	if (!(e = tb_get(c, v[0], 0)) || !e->out)
		return bad(c, "memory counts of an undefined block");
	e->loads = (uint32_t)(v[1] > UINT32_MAX ? UINT32_MAX : v[1]);
	e->stores = (uint32_t)(v[2] > UINT32_MAX ? UINT32_MAX : v[2]);
	/* the plugin measures a block when the next one starts: it is the last bb */
	if (c->bb_idx >= 0 && c->out[c->bb_idx].a == e->out) {
		c->out[c->bb_idx].b = e->loads | (uint64_t)e->stores << 32;
		c->st->loads += e->loads;
		c->st->stores += e->stores;
	}
	return 0;
}

static int on_faddr(struct conv *c)
{
	uint64_t vaddr;
	int store;

	if (get_var(c, &vaddr) || (store = get_byte(c)) < 0)
		return bad(c, "truncated record");
	if (c->pf_await == 2 && c->pf_idx >= 0) {
		c->out[c->pf_idx].a = vaddr & ~4095ull;
		if (store)
			c->out[c->pf_idx].flags |= VL_EVF_WRITE;
		c->st->pgfault_addrs++;
		c->pf_idx = -1;
	}
	c->pf_await = 0;
	return 0;
}

/*
 * A page-table entry written (VL_SR_PTW). Its present bit before and after
 * follows from how it was written: a setter stores a present entry into an
 * empty one or over a live one, as the plugin saw (pte_clear's store of 0
 * through the setter is taken for a present one too); an exchange or a
 * plain store empties a live entry; a read-modify-write keeps it. The value
 * written is not seen, so the address of the page it maps is not either:
 * the event carries a stand-in, unique to the entry (VL_SYSCAP_PT_BASE,
 * the table's number, the entry's index).
 */
static int on_ptw(struct conv *c)
{
	uint64_t vaddr;
	int kind, before, after;
	uint32_t id;

	if (get_var(c, &vaddr) || (kind = get_byte(c)) < 0)
		return bad(c, "truncated record");
	before = kind != VL_SP_SET;
	kind &= ~VL_SP_LIVE;
	if (kind < VL_SP_SET || kind > VL_SP_STORE)
		return bad(c, "unknown page-table write");
	after = kind == VL_SP_SET || kind == VL_SP_RMW;
	if (!(id = map_get(&c->ptpage, vaddr >> 12))) {
		id = (uint32_t)c->ptpage.n + 1;
		if (map_put(&c->ptpage, vaddr >> 12, id))
			return vl_err_set(c->err, VL_ENOMEM, "out of memory");
	}
	c->st->ptewrites[kind]++;
	uint64_t a = VL_SYSCAP_PT_BASE + ((uint64_t)id << 21) + (((vaddr & 4095) >> 3) << 12);
	return emit(c, VL_EV_PTEWRITE, (uint16_t)(VL_EVF_KERNEL | (before ? VL_EVF_P_OLD : 0) |
	                                          (after ? VL_EVF_P_NEW : 0)), 0, a, 0);
}

/* A data reference the plugin's filter missed: a kernel one in the upper half. */
static int on_touch(struct conv *c)
{
	uint64_t v, page;

	if (get_var(c, &v))
		return bad(c, "truncated record");
	page = v >> 1;
	c->st->touches++;
	return emit(c, VL_EV_TOUCH, (uint16_t)((v & 1 ? VL_EVF_WRITE : 0) |
	                                       (page >= VL_SR_KERNEL_BASE >> 12 ? VL_EVF_KERNEL : 0)),
	            0, page << 12, 0);
}

static int record(struct conv *c, int tag)
{
	uint64_t v;
	int b;

	switch (tag) {
	case VL_SR_TBDEF:
		return on_tbdef(c);
	case VL_SR_TBMEM:
		return on_tbmem(c);
	case VL_SR_TB:
		if (get_var(c, &v))
			return bad(c, "truncated record");
		return on_tb(c, v);
	case VL_SR_FADDR:
		return on_faddr(c);
	case VL_SR_PTW:
		return on_ptw(c);
	case VL_SR_TOUCH:
		return on_touch(c);
	case VL_SR_MM:
		if (get_var(c, &v))
			return bad(c, "truncated record");
		c->next_mm = v;
		return 0;
	case VL_SR_MARK:
		if ((b = get_byte(c)) < 0)
			return bad(c, "truncated record");
		if (b != VL_SM_OPS)
			return 0;
		/* vl-probe's operations lie between two: a phase boundary */
		if (flush_branches(c))
			return c->err->code;
		return emit(c, VL_EV_PHASE, 0, 0, ++c->st->phases, 0);
	case VL_SR_END:
		if ((b = get_byte(c)) < 0)
			return bad(c, "truncated record");
		c->st->complete = b == 0;
		c->st->limited |= b == 1;
		return 1;
	default:
		return bad(c, "unknown record");
	}
}

int vl_syscap_convert(const char *raw_path, const struct vl_syscap_syms *syms,
                      struct vl_writer *w, uint64_t limit, struct vl_syscap_stats *st,
                      vl_syscap_progress_fn progress, void *ctx, struct vl_err *err)
{
	struct conv *c = calloc(1, sizeof(*c));
	int rc = 0, tag;

	memset(st, 0, sizeof(*st));
	if (!c)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	*c = (struct conv){.path = raw_path, .syms = syms, .w = w,
	                   .limit = limit ? limit : UINT64_MAX, .st = st, .progress = progress,
	                   .ctx = ctx, .err = err, .sys_idx = -1, .pf_idx = -1, .bb_idx = -1,
	                   .asid = 1, .cur_id = 1};
	vl_bpred_init(&c->bp);
	if (!(c->f = fopen(raw_path, "rb"))) {
		rc = vl_err_set(err, VL_EIO, "%s: %s", raw_path, strerror(errno));
		goto out;
	}
	while (!c->full) {
		c->rec_off = c->off + c->pos;
		if ((tag = get_byte(c)) < 0) {
			if (ferror(c->f))
				rc = vl_err_set(err, VL_EIO, "%s: read error", raw_path);
			break; /* no end record: the machine stopped (killed at a limit) */
		}
		if ((rc = record(c, tag)) < 0)
			goto out;
		if (rc == 1) {
			rc = 0;
			break;
		}
	}
	if (!rc && c->exiting)
		rc = end_exit(c);
	if (!rc)
		rc = flush_branches(c);
	if (!rc)
		rc = put_out(c, 1);
	st->raw_bytes = c->off + c->len;
out:
	if (c->f)
		fclose(c->f);
	free(c->tb);
	free(c->pool);
	map_free(&c->ptpage);
	map_free(&c->mmid);
	free(c);
	return rc;
}
