/*
 * vlsyscap: the QEMU TCG plugin behind `virtlab trace capture --system`.
 * Under qemu-system-x86_64 (one vCPU) it records what the whole machine
 * executes, kernel included: every translation block executed (its
 * instruction count, loads and stores, how it ends), and the privileged
 * and sensitive instructions inside it, decoded from its bytes at
 * translation time (cli, sti, pushf, popf, mov to/from CRn, invlpg,
 * wrmsr, rdmsr, in/out, hlt, iretq, sysretq, swapgs, rdtsc, cpuid,
 * syscall, int, the descriptor-table and segment instructions).
 *
 *   qemu-system-x86_64 -smp 1 ... -plugin vlsyscap.so,out=FILE[,limit=N]
 *
 * What is recorded: from the first `xchg %cx,%cx` (66 87 c9) the guest
 * executes to the second, which vl-init executes around the command it
 * runs (so boot and power-off are left out); `xchg %bx,%bx` (66 87 db),
 * vl-probe's marker around its operations, is recorded as a mark inside.
 * Block definitions are recorded from boot on: blocks translated then run
 * later.
 *
 * Page-table writes: with pt=START-END (hex, repeatable) naming the
 * kernel's page-table setters (native_set_pte and its kin, which a
 * PARAVIRT_XXL kernel calls out of line), the pages those functions store
 * into are page-table pages, from boot on. A store into one from elsewhere
 * is an entry write too: an xchg (ptep_get_and_clear), a read-modify-write
 * (ptep_set_wrprotect, clearing the accessed bit) or a plain store (an
 * exiting process's tables emptied entry by entry,
 * native_local_ptep_get_and_clear). A string instruction or a store from
 * the page fillers named by fill=START-END (clear_page, copy_page, memset,
 * memcpy, copy_user: testbed/tcg/ptsyms.h) means the page was freed and
 * reused, and it stops being one. Which entries a setter filled is kept
 * per page, so a store into one never filled is the page's reuse too, and
 * each entry write is recorded with the entry's address, how it was made
 * and, for a setter's, whether the entry held a value (traces/sysraw.h).
 *
 * Page references: a data reference to a page outside a small LRU filter
 * of the pages referenced most recently (VL_CAPRAW_TOUCH_FILTER, emptied
 * after every block that may change what a TLB holds: a system call,
 * sysret or iret, a CR3 write or an INVLPG) is recorded as a touch, user
 * and kernel pages alike, so the stream is what an LRU TLB at least as
 * large as the filter misses on (docs/trace-format.md).
 *
 * Address spaces: with mm=START-END naming the kernel's address-space
 * switch (switch_mm_irqs_off), the address of the `bts` with which it sets
 * this CPU's bit in the next mm_struct's CPU mask is recorded: the mm the
 * following CR3 write loads, so that a switch back to a process is known
 * as one.
 *
 * Plugin API version 1 reads no registers, so values (CR3, MSR
 * numbers, ports in DX, the system call number, the faulting address)
 * are not seen here; traces/syscapture.c infers what it can (the kernel's
 * System.map gives handler and system call entries) and
 * docs/trace-format.md says what is exact and what is estimated.
 * Records: traces/sysraw.h.
 */
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testbed/tcg/qemu-plugin-v1.h"
#include "traces/capraw.h"
#include "traces/sysraw.h"

/* Version 1 declarations that qemu-plugin-v1.h leaves out (QEMU 7.2's qemu-plugin.h). */
void qemu_plugin_register_vcpu_mem_inline(struct qemu_plugin_insn *insn,
                                          enum qemu_plugin_mem_rw rw, enum qemu_plugin_op op,
                                          void *ptr, uint64_t imm);

QP_EXPORT int qemu_plugin_version = 1;

#define BUF_BYTES (1 << 20)
#define MAX_OPS 64 /* sensitive instructions recorded per block */
#define MAX_PT_RANGES 8
#define MAX_FILL_RANGES 32
#define MAX_MM_RANGES 4
#define FILTER VL_CAPRAW_TOUCH_FILTER

enum { END_MARK, END_LIMIT, END_EXIT }; /* VL_SR_END's reason */

struct tb {
	uint64_t id;
	uint8_t term;
	uint8_t measured; /* its loads and stores have been recorded */
	uint8_t flush;    /* after it, the touch filter is emptied (see above) */
};

static struct {
	int fd;
	char path[PATH_MAX];
	unsigned char buf[BUF_BYTES];
	size_t len;
	uint64_t next_tb, records, limit;
	int on, done;
	int after_iret;        /* the block executing follows an iret */
	struct tb *cur;        /* the block executing */
	uint64_t loads, stores; /* counted inline by QEMU */
	uint64_t base_loads, base_stores; /* at the current block's start */
	uint64_t pt_lo[MAX_PT_RANGES], pt_hi[MAX_PT_RANGES]; /* the setters: [lo, hi) */
	uint64_t fill_lo[MAX_FILL_RANGES], fill_hi[MAX_FILL_RANGES]; /* the page fillers */
	uint64_t mm_lo[MAX_MM_RANGES], mm_hi[MAX_MM_RANGES]; /* the address-space switch */
	unsigned npt, nfill, nmm;
	uint64_t filt[FILTER]; /* the touch filter, most recent first */
	unsigned nfilt;
	struct ptpage *pt; /* the page-table pages, open addressing */
	size_t ptcap, ptused;
} g = {.fd = -1};

/* --- output ------------------------------------------------------------- */

static void die(const char *what)
{
	char msg[PATH_MAX + 128];

	snprintf(msg, sizeof(msg), "vlsyscap: %s: %s: %m\n", g.path, what);
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

static void end(unsigned reason)
{
	rec(VL_SR_END);
	put_byte(reason);
	flush();
	g.on = 0;
	g.done = 1;
}

/* --- decoding ------------------------------------------------------------ */

struct op {
	uint8_t op, size;
	uint32_t arg;
};

/* The prefixes of an instruction: their length, operand size, REX bits. */
static size_t prefixes(const uint8_t *b, size_t n, int *opsize16, unsigned *rex)
{
	size_t i = 0;

	*opsize16 = 0;
	*rex = 0;
	for (; i < n; i++) {
		uint8_t c = b[i];
		if (c == 0x66)
			*opsize16 = 1;
		else if ((c & 0xf0) == 0x40)
			*rex = c; /* REX must come last: a later legacy prefix would cancel it */
		else if (c == 0x67 || c == 0xf0 || c == 0xf2 || c == 0xf3 || c == 0x2e ||
		         c == 0x3e || c == 0x26 || c == 0x64 || c == 0x65 || c == 0x36)
			*rex = 0;
		else
			break;
	}
	return i;
}

/* How the block's last instruction leaves it. */
static uint8_t terminator(const uint8_t *b, size_t n)
{
	int o16;
	unsigned rex;
	size_t i = prefixes(b, n, &o16, &rex);

	if (i >= n)
		return VL_ST_OTHER;
	if ((b[i] & 0xf0) == 0x70 || (b[i] >= 0xe0 && b[i] <= 0xe3))
		return VL_ST_JCC; /* jcc rel8, loop, loope, loopne, jrcxz */
	switch (b[i]) {
	case 0xc3: case 0xc2: return VL_ST_RET;
	case 0xe8: return VL_ST_CALL;
	case 0xcf: return VL_ST_IRET;
	case 0x0f:
		if (i + 1 < n && (b[i + 1] & 0xf0) == 0x80)
			return VL_ST_JCC; /* jcc rel32 */
		if (i + 1 < n && b[i + 1] == 0x05)
			return VL_ST_SYSCALL;
		return i + 1 < n && b[i + 1] == 0x07 ? VL_ST_SYSRET : VL_ST_OTHER;
	case 0xff:
		if (i + 1 < n) {
			unsigned reg = (b[i + 1] >> 3) & 7;
			if (reg == 2 || reg == 3)
				return VL_ST_ICALL;
			if (reg == 4 || reg == 5)
				return VL_ST_IJMP;
		}
		return VL_ST_OTHER;
	default: return VL_ST_OTHER;
	}
}

/* The instruction's op (0: an ordinary one). */
static int decode(const uint8_t *b, size_t n, struct op *o)
{
	int o16;
	unsigned rex;
	size_t i = prefixes(b, n, &o16, &rex);
	uint8_t wide = (uint8_t)(o16 ? 2 : 4);

	*o = (struct op){0, 0, 0};
	if (i >= n)
		return 0;
	switch (b[i]) {
	case 0xfa: o->op = VL_SO_CLI; break;
	case 0xfb: o->op = VL_SO_STI; break;
	case 0x9c: o->op = VL_SO_PUSHF; break;
	case 0x9d: o->op = VL_SO_POPF; break;
	case 0xf4: o->op = VL_SO_HLT; break;
	case 0xcf: o->op = VL_SO_IRET; break;
	case 0xcc: o->op = VL_SO_INT, o->arg = 3; break;
	case 0xcd: o->op = VL_SO_INT, o->arg = i + 1 < n ? b[i + 1] : 0; break;
	case 0x8c: case 0x8e: o->op = VL_SO_MOVSEG; break;
	case 0xe4: case 0xe5: case 0xe6: case 0xe7:
		o->op = b[i] < 0xe6 ? VL_SO_IN : VL_SO_OUT;
		o->arg = i + 1 < n ? b[i + 1] : VL_SR_NOPORT;
		o->size = (b[i] & 1) ? wide : 1;
		break;
	case 0xec: case 0xed: case 0xee: case 0xef:
	case 0x6c: case 0x6d: case 0x6e: case 0x6f:
		o->op = (b[i] == 0xec || b[i] == 0xed || b[i] == 0x6c || b[i] == 0x6d) ? VL_SO_IN
		                                                                  : VL_SO_OUT;
		o->arg = VL_SR_NOPORT;
		o->size = (b[i] & 1) ? wide : 1;
		break;
	case 0x0f: {
		if (i + 1 >= n)
			return 0;
		uint8_t c = b[i + 1], m = i + 2 < n ? b[i + 2] : 0;
		unsigned reg = (m >> 3) & 7, mod = m >> 6;
		switch (c) {
		case 0x00: {
			static const uint8_t grp6[8] = {VL_SO_SLDT, VL_SO_STR, VL_SO_LDESC, VL_SO_LDESC,
			                                VL_SO_VERR, VL_SO_VERW, 0, 0};
			o->op = grp6[reg];
			break;
		}
		case 0x01:
			if (mod == 3) {
				if (m == 0xf8)
					o->op = VL_SO_SWAPGS;
				else if (m == 0xf9)
					o->op = VL_SO_RDTSCP;
				else if (m == 0xd1)
					o->op = VL_SO_CACHE; /* xsetbv */
				else if (reg == 4)
					o->op = VL_SO_SMSW;
				else if (reg == 6)
					o->op = VL_SO_LDESC; /* lmsw */
			} else {
				static const uint8_t grp7[8] = {VL_SO_SGDT, VL_SO_SIDT, VL_SO_LDESC,
				                                VL_SO_LDESC, VL_SO_SMSW, 0, VL_SO_LDESC,
				                                VL_SO_INVLPG};
				o->op = grp7[reg];
			}
			break;
		case 0x02: o->op = VL_SO_LAR; break;
		case 0x03: o->op = VL_SO_LSL; break;
		case 0x05: o->op = VL_SO_SYSCALL; break;
		case 0x06: case 0x08: case 0x09: case 0x21: case 0x23: o->op = VL_SO_CACHE; break;
		case 0x07: o->op = VL_SO_SYSRET; break;
		case 0x20: case 0x22:
			o->op = c == 0x22 ? VL_SO_CRW : VL_SO_CRR;
			o->arg = reg + ((rex & 4) ? 8 : 0);
			break;
		case 0x30: o->op = VL_SO_WRMSR; break;
		case 0x31: o->op = VL_SO_RDTSC; break;
		case 0x32: o->op = VL_SO_RDMSR; break;
		case 0xa2: o->op = VL_SO_CPUID; break;
		case 0xa0: case 0xa1: case 0xa8: case 0xa9: o->op = VL_SO_MOVSEG; break;
		default: break;
		}
		break;
	}
	default: break;
	}
	return o->op != 0;
}

/* --- page-table pages ------------------------------------------------------ */

/* A page-table page: its number and which of its 512 entries hold a value
 * a setter stored (not emptied since). */
struct ptpage {
	uint64_t key; /* page number + 2; PT_EMPTY, or PT_GONE: a tombstone */
	uint64_t live[8];
};

#define PT_EMPTY 0
#define PT_GONE 1

static size_t pt_slot(uint64_t key)
{
	return (size_t)((key * 0x9e3779b97f4a7c15ull) >> 20) & (g.ptcap - 1);
}

static struct ptpage *pt_find(uint64_t page)
{
	uint64_t key = page + 2;

	for (size_t i = pt_slot(key);; i = (i + 1) & (g.ptcap - 1)) {
		if (g.pt[i].key == key)
			return &g.pt[i];
		if (g.pt[i].key == PT_EMPTY)
			return NULL;
	}
}

static void pt_rehash(size_t cap)
{
	struct ptpage *old = g.pt;
	size_t ocap = g.ptcap;

	if (!(g.pt = calloc(cap, sizeof(*g.pt))))
		die("out of memory for page-table pages");
	g.ptcap = cap;
	g.ptused = 0;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].key > PT_GONE) {
			size_t j = pt_slot(old[i].key);
			while (g.pt[j].key)
				j = (j + 1) & (cap - 1);
			g.pt[j] = old[i];
			g.ptused++;
		}
	free(old);
}

static struct ptpage *pt_add(uint64_t page)
{
	uint64_t key = page + 2;
	struct ptpage *p = pt_find(page);
	size_t i;

	if (p)
		return p;
	if ((g.ptused + 1) * 2 > g.ptcap) {
		/* full of tombstones (pages freed and reused) or of pages: grow
		 * only for the second, so that memory follows the live pages */
		size_t live = 0;
		for (size_t k = 0; k < g.ptcap; k++)
			live += g.pt[k].key > PT_GONE;
		pt_rehash((live + 1) * 4 > g.ptcap ? g.ptcap * 2 : g.ptcap);
	}
	for (i = pt_slot(key); g.pt[i].key > PT_GONE; i = (i + 1) & (g.ptcap - 1))
		;
	if (g.pt[i].key == PT_EMPTY)
		g.ptused++; /* a tombstone reused was counted already */
	g.pt[i] = (struct ptpage){.key = key};
	return &g.pt[i];
}

static int in_ranges(const uint64_t *lo, const uint64_t *hi, unsigned n, uint64_t vaddr)
{
	for (unsigned r = 0; r < n; r++)
		if (vaddr >= lo[r] && vaddr < hi[r])
			return 1;
	return 0;
}

/* How an instruction stores, for the page-table rules above (VL_SP_*, or
 * 0: a store that ends a page's life as a page table). */
static unsigned store_kind(const uint8_t *b, size_t n, uint64_t vaddr)
{
	int o16;
	unsigned rex;
	size_t i = prefixes(b, n, &o16, &rex);

	if (i >= n)
		return 0;
	if (in_ranges(g.pt_lo, g.pt_hi, g.npt, vaddr)) /* not its own stack stores */
		return (b[i] & 0xf8) == 0x50 || b[i] == 0xe8 || b[i] == 0xff ? 0 : VL_SP_SET;
	if (in_ranges(g.fill_lo, g.fill_hi, g.nfill, vaddr))
		return 0;
	switch (b[i]) {
	case 0x86: case 0x87: /* xchg */
		return VL_SP_XCHG;
	case 0x88: case 0x89: case 0xc6: case 0xc7: /* mov */
		return VL_SP_STORE;
	case 0xaa: case 0xab: case 0xa4: case 0xa5: /* stos, movs: filling memory */
		return 0;
	default:
		/* and, or, btr, bts, cmpxchg: read-modify-write, locked or not
		 * (a uniprocessor kernel patches its lock prefixes out) */
		return VL_SP_RMW;
	}
}

/*
 * A kernel store: udata is store_kind() + 1. A setter's store makes its
 * page a page table and the entry live; any other store into a live entry
 * is an entry write (and empties it unless a read-modify-write); a store
 * into an entry no setter filled means the page holds something else now.
 */
static void on_store(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	unsigned kind = (unsigned)(uintptr_t)udata - 1, e = (unsigned)(vaddr >> 3) & 511;
	uint64_t bit = 1ull << (e & 63);
	struct ptpage *p;

	(void)vcpu;
	if (!qemu_plugin_mem_is_store(info))
		return; /* QEMU 7.2 calls back for loads too, whatever rw asked for */
	if (kind == VL_SP_SET) {
		p = pt_add(vaddr >> 12);
		if (p->live[e >> 6] & bit)
			kind |= VL_SP_LIVE;
		p->live[e >> 6] |= bit;
	} else if (!(p = pt_find(vaddr >> 12))) {
		return;
	} else if (!kind || !(p->live[e >> 6] & bit)) {
		p->key = PT_GONE; /* freed and reused */
		return;
	} else if (kind != VL_SP_RMW) {
		p->live[e >> 6] &= ~bit;
	}
	if (!g.on)
		return;
	rec(VL_SR_PTW);
	put_var(vaddr);
	put_byte(kind);
}

/* --- callbacks ------------------------------------------------------------ */

/* Records the memory accesses of the block that just ran, the first time. */
static void measure(void)
{
	if (g.cur && !g.cur->measured) {
		g.cur->measured = 1;
		rec(VL_SR_TBMEM);
		put_var(g.cur->id);
		put_var(g.loads - g.base_loads);
		put_var(g.stores - g.base_stores);
	}
}

static void on_tb(unsigned int vcpu, void *udata)
{
	struct tb *t = udata;

	(void)vcpu;
	if (!g.on)
		return;
	measure();
	g.after_iret = g.cur && g.cur->term == VL_ST_IRET;
	if (g.cur && g.cur->flush)
		g.nfilt = 0;
	g.cur = t;
	g.base_loads = g.loads;
	g.base_stores = g.stores;
	rec(VL_SR_TB);
	put_var(t->id);
	if (++g.records > g.limit) {
		end(END_LIMIT);
		_exit(0); /* a prefix is all that was asked: the machine stops here */
	}
}

/* The first access of a block: after an iret, the access a fault was
 * taken for (QEMU restarts at the faulting instruction). */
static void on_first_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr,
                         void *udata)
{
	(void)vcpu, (void)udata;
	if (!g.after_iret || !g.on)
		return;
	g.after_iret = 0;
	rec(VL_SR_FADDR);
	put_var(vaddr);
	put_byte(qemu_plugin_mem_is_store(info));
}

/*
 * A data reference: an LRU update of the touch filter (a scan of at most
 * FILTER pages), and a touch record when the page was not in it.
 */
static void on_mem(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	uint64_t page = vaddr >> VL_CAPRAW_PAGE_SHIFT;
	unsigned i = 1;

	(void)vcpu, (void)udata;
	if (!g.on || (g.nfilt && g.filt[0] == page))
		return;
	while (i < g.nfilt && g.filt[i] != page)
		i++;
	if (i >= g.nfilt) {
		if (g.nfilt < FILTER)
			g.nfilt++;
		i = g.nfilt - 1;
		rec(VL_SR_TOUCH);
		put_var(page << 1 | (uint64_t)qemu_plugin_mem_is_store(info));
	}
	memmove(&g.filt[1], &g.filt[0], i * sizeof(g.filt[0]));
	g.filt[0] = page;
}

/* The `bts` of the address-space switch: the next mm's CPU mask. */
static void on_mm(unsigned int vcpu, qemu_plugin_meminfo_t info, uint64_t vaddr, void *udata)
{
	(void)vcpu, (void)udata;
	if (!g.on || !qemu_plugin_mem_is_store(info))
		return;
	rec(VL_SR_MM);
	put_var(vaddr);
}

/* 1 for a bts with a memory operand (0f ab /r, 0f ba /5 ib). */
static int is_bts_mem(const uint8_t *b, size_t n)
{
	int o16;
	unsigned rex;
	size_t i = prefixes(b, n, &o16, &rex);

	if (i + 2 >= n || b[i] != 0x0f || (b[i + 2] >> 6) == 3)
		return 0;
	return b[i + 1] == 0xab || (b[i + 1] == 0xba && ((b[i + 2] >> 3) & 7) == 5);
}

static void on_mark(unsigned int vcpu, void *udata)
{
	unsigned kind = (unsigned)(uintptr_t)udata;

	(void)vcpu;
	if (g.done)
		return;
	if (kind == VL_SM_RUN && !g.on) {
		g.on = 1; /* the command starts */
		g.cur = NULL;
		rec(VL_SR_MARK);
		put_byte(kind);
		return;
	}
	if (!g.on)
		return;
	rec(VL_SR_MARK); /* the block goes on: it is measured at the next one */
	put_byte(kind);
	if (kind == VL_SM_RUN)
		end(END_MARK);
}

static int mark_kind(struct qemu_plugin_insn *insn)
{
	const uint8_t *b = qemu_plugin_insn_data(insn);

	if (qemu_plugin_insn_size(insn) != 3 || b[0] != 0x66 || b[1] != 0x87)
		return -1;
	return b[2] == 0xdb ? VL_SM_OPS : b[2] == 0xc9 ? VL_SM_RUN : -1;
}

static void on_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *qtb)
{
	size_t n = qemu_plugin_tb_n_insns(qtb);
	struct tb *t;
	struct op ops[MAX_OPS];
	unsigned nops = 0;
	struct qemu_plugin_insn *last;
	uint64_t vaddr = qemu_plugin_tb_vaddr(qtb);

	(void)id;
	if (g.done || !n)
		return; /* nothing more is recorded: no callbacks either */
	if (!(t = calloc(1, sizeof(*t))))
		die("out of memory for a block");
	for (size_t i = 0; i < n; i++) {
		struct qemu_plugin_insn *insn = qemu_plugin_tb_get_insn(qtb, i);
		int k;
		if (decode(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn), &ops[nops]) &&
		    nops < MAX_OPS)
			nops++;
		qemu_plugin_register_vcpu_mem_inline(insn, QEMU_PLUGIN_MEM_R,
		                                     QEMU_PLUGIN_INLINE_ADD_U64, &g.loads, 1);
		qemu_plugin_register_vcpu_mem_inline(insn, QEMU_PLUGIN_MEM_W,
		                                     QEMU_PLUGIN_INLINE_ADD_U64, &g.stores, 1);
		qemu_plugin_register_vcpu_mem_cb(insn, on_mem, QEMU_PLUGIN_CB_NO_REGS,
		                                 QEMU_PLUGIN_MEM_RW, NULL);
		if (g.nmm && in_ranges(g.mm_lo, g.mm_hi, g.nmm, qemu_plugin_insn_vaddr(insn)) &&
		    is_bts_mem(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn)))
			qemu_plugin_register_vcpu_mem_cb(insn, on_mm, QEMU_PLUGIN_CB_NO_REGS,
			                                 QEMU_PLUGIN_MEM_W, NULL);
		if (vaddr < VL_SR_KERNEL_BASE && (k = mark_kind(insn)) >= 0)
			qemu_plugin_register_vcpu_insn_exec_cb(insn, on_mark, QEMU_PLUGIN_CB_NO_REGS,
			                                       (void *)(uintptr_t)k);
		if (vaddr >= VL_SR_KERNEL_BASE && g.npt) {
			unsigned sk = store_kind(qemu_plugin_insn_data(insn), qemu_plugin_insn_size(insn),
			                         qemu_plugin_insn_vaddr(insn));
			qemu_plugin_register_vcpu_mem_cb(insn, on_store, QEMU_PLUGIN_CB_NO_REGS,
			                                 QEMU_PLUGIN_MEM_W, (void *)(uintptr_t)(sk + 1));
		}
	}
	qemu_plugin_register_vcpu_mem_cb(qemu_plugin_tb_get_insn(qtb, 0), on_first_mem,
	                                 QEMU_PLUGIN_CB_NO_REGS, QEMU_PLUGIN_MEM_RW, NULL);
	last = qemu_plugin_tb_get_insn(qtb, n - 1);
	t->id = g.next_tb++;
	t->term = terminator(qemu_plugin_insn_data(last), qemu_plugin_insn_size(last));
	t->flush = t->term == VL_ST_SYSCALL || t->term == VL_ST_SYSRET || t->term == VL_ST_IRET;
	for (unsigned i = 0; i < nops; i++)
		t->flush |= ops[i].op == VL_SO_INVLPG || (ops[i].op == VL_SO_CRW && ops[i].arg == 3);
	rec(VL_SR_TBDEF);
	put_var(t->id);
	put_var(vaddr);
	put_var(n);
	put_byte(t->term);
	put_var(qemu_plugin_insn_vaddr(last) + qemu_plugin_insn_size(last) - vaddr);
	put_var(nops);
	for (unsigned i = 0; i < nops; i++) {
		if (g.len > BUF_BYTES - 32)
			flush();
		put_byte(ops[i].op);
		put_var(ops[i].arg);
		put_byte(ops[i].size);
	}
	qemu_plugin_register_vcpu_tb_exec_cb(qtb, on_tb, QEMU_PLUGIN_CB_NO_REGS, t);
}

static void at_exit(qemu_plugin_id_t id, void *udata)
{
	(void)id, (void)udata;
	if (g.fd < 0)
		return;
	if (!g.done)
		end(END_EXIT);
	flush();
	close(g.fd);
	g.fd = -1;
}

/* START-END in hex: [lo, hi). */
static int parse_range(const char *s, uint64_t *lo, uint64_t *hi)
{
	char *end;

	*lo = strtoull(s, &end, 16);
	if (*end != '-')
		return -1;
	*hi = strtoull(end + 1, &end, 16);
	return *end || *hi <= *lo ? -1 : 0;
}

QP_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                                  char **argv);
QP_EXPORT int qemu_plugin_install(qemu_plugin_id_t id, const struct qemu_info_t *info, int argc,
                                  char **argv)
{
	(void)info;
	g.limit = UINT64_MAX;
	for (int i = 0; i < argc; i++) {
		if (!strncmp(argv[i], "out=", 4))
			snprintf(g.path, sizeof(g.path), "%s", argv[i] + 4);
		else if (!strncmp(argv[i], "limit=", 6))
			g.limit = strtoull(argv[i] + 6, NULL, 10);
		else if (!strncmp(argv[i], "pt=", 3) && g.npt < MAX_PT_RANGES) {
			if (parse_range(argv[i] + 3, &g.pt_lo[g.npt], &g.pt_hi[g.npt]))
				return -1;
			g.npt++;
		} else if (!strncmp(argv[i], "mm=", 3) && g.nmm < MAX_MM_RANGES) {
			if (parse_range(argv[i] + 3, &g.mm_lo[g.nmm], &g.mm_hi[g.nmm]))
				return -1;
			g.nmm++;
		} else if (!strncmp(argv[i], "fill=", 5) && g.nfill < MAX_FILL_RANGES) {
			if (parse_range(argv[i] + 5, &g.fill_lo[g.nfill], &g.fill_hi[g.nfill]))
				return -1;
			g.nfill++;
		}
	}
	if (!g.path[0])
		return -1;
	if (g.npt)
		pt_rehash(4096);
	g.fd = open(g.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (g.fd < 0)
		die("open");
	qemu_plugin_register_vcpu_tb_trans_cb(id, on_trans);
	qemu_plugin_register_atexit_cb(id, at_exit, NULL);
	return 0;
}
