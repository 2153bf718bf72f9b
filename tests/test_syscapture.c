/*
 * Full-system captures: the converter on hand-written raw records and a
 * three-symbol map (block events, sensitive instructions in their order,
 * a system call named by its __x64_sys_* entry, a page fault whose address
 * comes after its iret), its errors, then a real capture of vl-probe's
 * getppid loop in a Linux guest under qemu-system-x86_64 replayed through
 * bt.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "testbed/syscapture.h"
#include "tests/util.h"
#include "traces/kpaths.h"
#include "traces/syscapture.h"
#include "traces/trace.h"

struct raw {
	unsigned char b[4096];
	size_t n;
};

static void var(struct raw *r, uint64_t v)
{
	while (v >= 0x80) {
		r->b[r->n++] = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	r->b[r->n++] = (unsigned char)v;
}

static void byte(struct raw *r, unsigned v)
{
	r->b[r->n++] = (unsigned char)v;
}

/* A block definition (four bytes an instruction) with its sensitive
 * instructions (op, arg, size). */
static void tbdef(struct raw *r, uint64_t id, uint64_t vaddr, unsigned insns, unsigned term,
                  unsigned nops, ...)
{
	va_list ap;

	byte(r, VL_SR_TBDEF);
	var(r, id), var(r, vaddr), var(r, insns);
	byte(r, term);
	var(r, 4 * insns); /* bytes: four an instruction */
	var(r, nops);
	va_start(ap, nops);
	for (unsigned i = 0; i < nops; i++) {
		byte(r, va_arg(ap, unsigned));
		var(r, va_arg(ap, unsigned));
		byte(r, va_arg(ap, unsigned));
	}
	va_end(ap);
}

static void tb(struct raw *r, uint64_t id)
{
	byte(r, VL_SR_TB);
	var(r, id);
}

static void mark(struct raw *r, unsigned kind)
{
	byte(r, VL_SR_MARK);
	byte(r, kind);
}

static const char *save(const char *name, const struct raw *r)
{
	const char *path = t_path(name);
	FILE *f = fopen(path, "wb");

	CU_ASSERT_PTR_NOT_NULL_FATAL(f);
	CU_ASSERT_EQUAL(fwrite(r->b, 1, r->n, f), r->n);
	fclose(f);
	return path;
}

/*
 * Converts the raw records at raw with the symbols of syms (NULL: none)
 * into the text trace out and reads its events back into ev (max of them):
 * how many.
 */
static long convert_read(const char *raw, const char *syms, const char *out,
                         struct vl_syscap_stats *st, struct vl_event *ev, size_t max)
{
	struct vl_err err = {0};
	struct vl_syscap_syms *sy = NULL;
	struct vl_writer *w;
	struct vl_trace *t;

	if (syms)
		CU_ASSERT_EQUAL_FATAL(vl_syscap_syms_load(&sy, syms, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, out, VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_syscap_convert(raw, sy, w, 0, st, NULL, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_writer_close(w, &err), 0);
	vl_syscap_syms_free(sy);
	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, out, &err), 0);
	long n = vl_trace_read(t, ev, max, &err);
	vl_trace_close(t);
	return n;
}

#define K 0xffffffff81000000ull
#define PF 0xffffffff81c00be0ull
#define GETPPID 0xffffffff810b0f90ull

static const char *syms_file(void)
{
	return t_write("syms.map", "ffffffff81c00be0 T asm_exc_page_fault\n"
	                           "ffffffff81c00eb0 T asm_sysvec_apic_timer_interrupt\n"
	                           "ffffffff810b0f90 T __x64_sys_getppid\n"
	                           "ffffffff81000000 T unrelated_function\n");
}

/*
 * A user block (0, 4 instructions, ends in syscall; 2 loads and 1 store,
 * known after its first run) runs once before vl-probe's first mark: its
 * system call stays unnamed (no __x64_sys_* block follows). Inside the
 * marks: the block again, a kernel entry block (cli, pushf), getppid's
 * entry (names the call 110; ends in ret), the exit block (sti, sysret),
 * a user block (6) that faults: the handler (cr3 write: address space 1),
 * its iret, block 6 again whose first access, a store at 0x402abc, gives
 * the fault's page and makes it a write. Worked out by hand: trace ids
 * follow definition order (tb k is id k+1); the kernel's ret is counted
 * into a callret event when the mode changes back to user, and its two
 * direct transfers into another code page (the entry block to getppid's,
 * the fault handler to its iret's) into xpage events.
 */
static void test_convert_system(void)
{
	struct raw r = {0};
	struct vl_syscap_stats st;
	static struct vl_event ev[64];
	const char *out = t_path("sys.vlt");

	tbdef(&r, 0, 0x401000, 4, VL_ST_SYSCALL, 1, VL_SO_SYSCALL, 0, 0);
	tbdef(&r, 1, K, 6, VL_ST_OTHER, 2, VL_SO_CLI, 0, 0, VL_SO_PUSHF, 0, 0);
	tbdef(&r, 2, GETPPID, 3, VL_ST_RET, 0);
	tbdef(&r, 3, K + 0x100, 5, VL_ST_SYSRET, 2, VL_SO_STI, 0, 0, VL_SO_SYSRET, 0, 0);
	tbdef(&r, 4, PF, 7, VL_ST_OTHER, 1, VL_SO_CRW, 3, 0);
	tbdef(&r, 5, K + 0x200, 2, VL_ST_IRET, 1, VL_SO_IRET, 0, 0);
	tbdef(&r, 6, 0x402000, 3, VL_ST_OTHER, 0);
	mark(&r, VL_SM_RUN);
	tb(&r, 0);
	byte(&r, VL_SR_TBMEM), var(&r, 0), var(&r, 2), var(&r, 1);
	mark(&r, VL_SM_OPS);
	tb(&r, 0), tb(&r, 1), tb(&r, 2), tb(&r, 3), tb(&r, 6), tb(&r, 4), tb(&r, 5), tb(&r, 6);
	byte(&r, VL_SR_FADDR), var(&r, 0x402abc), byte(&r, 1);
	mark(&r, VL_SM_OPS);
	mark(&r, VL_SM_RUN);
	byte(&r, VL_SR_END), byte(&r, 0);
	const char *raw = save("sys.raw", &r);


	static const struct vl_event want[] = {
		{VL_EV_BB, 0, 4, 1, 2 | 1ull << 32}, /* its counts patched in after it ran */
		{VL_EV_SYSCALL, 0, 0, VL_SYSCAP_NR_UNKNOWN, 0},
		{VL_EV_PHASE, 0, 0, 1, 0},
		{VL_EV_BB, 0, 4, 1, 2 | 1ull << 32},
		{VL_EV_SYSCALL, 0, 0, 110, 0},
		{VL_EV_BB, VL_EVF_KERNEL, 6, 2, 0},
		{VL_EV_CLI, VL_EVF_KERNEL, 0, 0, 0},
		{VL_EV_PUSHF, VL_EVF_KERNEL, 0, 0, 0},
		{VL_EV_BB, VL_EVF_KERNEL, 3, 3, 0},
		{VL_EV_BB, VL_EVF_KERNEL, 5, 4, 0},
		{VL_EV_STI, VL_EVF_KERNEL, 0, 0, 0},
		{VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0, 0},
		{VL_EV_CALLRET, VL_EVF_KERNEL, 1, 0, 0},
		{VL_EV_XPAGE, VL_EVF_KERNEL, 1, 0, 0}, /* the entry block to getppid's page */
		{VL_EV_BB, 0, 3, 7, 0},
		{VL_EV_PGFAULT, VL_EVF_WRITE, 0, 0x402000, 0},
		{VL_EV_BB, VL_EVF_KERNEL, 7, 5, 0},
		{VL_EV_CR3, VL_EVF_KERNEL, 0, 1, 0},
		{VL_EV_BB, VL_EVF_KERNEL, 2, 6, 0},
		{VL_EV_IRET, VL_EVF_KERNEL, 0, 0, 0},
		{VL_EV_XPAGE, VL_EVF_KERNEL, 1, 0, 0}, /* the fault handler to the iret's page */
		{VL_EV_BB, 0, 3, 7, 0},
		{VL_EV_PHASE, 0, 0, 2, 0},
	};
	size_t nwant = sizeof(want) / sizeof(want[0]);
	long n = convert_read(raw, syms_file(), out, &st, ev, 64);
	CU_ASSERT_EQUAL_FATAL(n, (long)nwant);
	for (size_t i = 0; i < nwant; i++) {
		CU_ASSERT_EQUAL(ev[i].type, want[i].type);
		CU_ASSERT_EQUAL(ev[i].flags, want[i].flags);
		CU_ASSERT_EQUAL(ev[i].n, want[i].n);
		CU_ASSERT_EQUAL(ev[i].a, want[i].a);
		CU_ASSERT_EQUAL(ev[i].b, want[i].b);
		if (ev[i].type != want[i].type || ev[i].a != want[i].a || ev[i].flags != want[i].flags)
			fprintf(stderr, "\nevent %zu: %s %u %llx, want %s %u %llx\n", i,
			        vl_ev_name(ev[i].type), ev[i].flags, (unsigned long long)ev[i].a,
			        vl_ev_name(want[i].type), want[i].flags, (unsigned long long)want[i].a);
	}
	CU_ASSERT_EQUAL(st.syscalls, 2);
	CU_ASSERT_EQUAL(st.syscalls_named, 1);
	CU_ASSERT_EQUAL(st.sysrets, 1);
	CU_ASSERT_EQUAL(st.pgfaults, 1);
	CU_ASSERT_EQUAL(st.pgfault_addrs, 1);
	CU_ASSERT_EQUAL(st.blocks[0], 4);
	CU_ASSERT_EQUAL(st.blocks[1], 5);
	CU_ASSERT_EQUAL(st.insns[0], 4 + 4 + 3 + 3);
	CU_ASSERT_EQUAL(st.insns[1], 6 + 3 + 5 + 7 + 2);
	CU_ASSERT_EQUAL(st.ops[VL_SO_CLI], 1);
	CU_ASSERT_EQUAL(st.phases, 2);
	CU_ASSERT(st.complete);
	CU_ASSERT(!st.limited);
}

/*
 * A timer interrupt taken on the way into a system call, before its
 * __x64_sys_* block: the interrupt's iret must not forget the call, which
 * getppid's block then names (110). A second call returns to user mode by
 * iret with no __x64_sys_* block on its way: it stays unnamed. (The first
 * case once depended on where the guest's timer happened to fire, and a
 * real capture's count of named calls with it.)
 */
static void test_convert_system_irq_in_entry(void)
{
	struct raw r = {0};
	struct vl_syscap_stats st;
	static struct vl_event ev[64];
	const char *out = t_path("sysirq.vlt");
	const uint64_t TIMER = 0xffffffff81c00eb0ull;

	tbdef(&r, 0, 0x401000, 4, VL_ST_SYSCALL, 1, VL_SO_SYSCALL, 0, 0);
	tbdef(&r, 1, K, 6, VL_ST_OTHER, 0);
	tbdef(&r, 2, TIMER, 5, VL_ST_OTHER, 0);
	tbdef(&r, 3, K + 0x200, 2, VL_ST_IRET, 1, VL_SO_IRET, 0, 0);
	tbdef(&r, 4, GETPPID, 3, VL_ST_RET, 0);
	tbdef(&r, 5, K + 0x100, 5, VL_ST_SYSRET, 1, VL_SO_SYSRET, 0, 0);
	mark(&r, VL_SM_RUN);
	tb(&r, 0), tb(&r, 1), tb(&r, 2), tb(&r, 3), tb(&r, 4), tb(&r, 5); /* named after the irq */
	tb(&r, 0), tb(&r, 1), tb(&r, 3), tb(&r, 4), tb(&r, 5); /* back by iret: unnamed */
	mark(&r, VL_SM_RUN);
	byte(&r, VL_SR_END), byte(&r, 0);
	const char *raw = save("sysirq.raw", &r);

	long n = convert_read(raw, syms_file(), out, &st, ev, 64);
	uint64_t a[2] = {0, 0};
	int calls = 0, timers = 0;
	for (long i = 0; i < n; i++) {
		if (ev[i].type == VL_EV_SYSCALL && calls < 2)
			a[calls++] = ev[i].a;
		timers += ev[i].type == VL_EV_TIMER;
	}
	CU_ASSERT_EQUAL(calls, 2);
	CU_ASSERT_EQUAL(timers, 1);
	CU_ASSERT_EQUAL(a[0], 110);
	CU_ASSERT_EQUAL(a[1], VL_SYSCAP_NR_UNKNOWN);
	CU_ASSERT_EQUAL(st.syscalls_named, 1);
}

static void ptw(struct raw *r, uint64_t vaddr, unsigned kind)
{
	byte(r, VL_SR_PTW);
	var(r, vaddr);
	byte(r, kind);
}

/*
 * Page-table writes: a setter fills entry 1 of a table page (0 1), writes
 * it again (1 1), a read-modify-write keeps it (1 1), a plain store empties
 * it (1 0); the setter fills entry 511 of a second page (0 1), an exchange
 * empties it (1 0). Each event's address is the stand-in of its entry:
 * table numbers 1 and 2 in order of first write, entry indexes 1 and 511.
 */
static void test_convert_system_ptes(void)
{
	struct raw r = {0};
	struct vl_err err = {0};
	struct vl_syscap_stats st;
	struct vl_writer *w;
	struct vl_trace *t;
	static struct vl_event ev[16];
	const char *out = t_path("sysptw.vlt");
	const uint64_t t1 = 0xffff888001234000ull, t2 = 0xffff888005678000ull;

	tbdef(&r, 0, K, 3, VL_ST_OTHER, 0);
	mark(&r, VL_SM_RUN);
	tb(&r, 0);
	ptw(&r, t1 + 8, VL_SP_SET);
	ptw(&r, t1 + 8, VL_SP_SET | VL_SP_LIVE);
	ptw(&r, t1 + 8, VL_SP_RMW);
	ptw(&r, t1 + 8, VL_SP_STORE);
	ptw(&r, t2 + 511 * 8, VL_SP_SET);
	ptw(&r, t2 + 511 * 8, VL_SP_XCHG);
	mark(&r, VL_SM_RUN);
	byte(&r, VL_SR_END), byte(&r, 0);
	const char *raw = save("sysptw.raw", &r);

	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, out, VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_syscap_convert(raw, NULL, w, 0, &st, NULL, NULL, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_writer_close(w, &err), 0);

	const uint16_t kf = VL_EVF_KERNEL;
	const uint64_t e1 = VL_SYSCAP_PT_BASE + (1ull << 21) + (1ull << 12);
	const uint64_t e2 = VL_SYSCAP_PT_BASE + (2ull << 21) + (511ull << 12);
	static const struct { uint16_t flags; int second; } want[] = {
		{VL_EVF_P_NEW, 0}, {VL_EVF_P_OLD | VL_EVF_P_NEW, 0}, {VL_EVF_P_OLD | VL_EVF_P_NEW, 0},
		{VL_EVF_P_OLD, 0}, {VL_EVF_P_NEW, 1}, {VL_EVF_P_OLD, 1},
	};
	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, out, &err), 0);
	long n = vl_trace_read(t, ev, 16, &err);
	vl_trace_close(t);
	CU_ASSERT_EQUAL_FATAL(n, 7);
	CU_ASSERT_EQUAL(ev[0].type, VL_EV_BB);
	for (int i = 0; i < 6; i++) {
		CU_ASSERT_EQUAL(ev[i + 1].type, VL_EV_PTEWRITE);
		CU_ASSERT_EQUAL(ev[i + 1].flags, kf | want[i].flags);
		CU_ASSERT_EQUAL(ev[i + 1].a, want[i].second ? e2 : e1);
	}
	CU_ASSERT_EQUAL(st.ptewrites[VL_SP_SET], 3);
	CU_ASSERT_EQUAL(st.ptewrites[VL_SP_RMW], 1);
	CU_ASSERT_EQUAL(st.ptewrites[VL_SP_STORE], 1);
	CU_ASSERT_EQUAL(st.ptewrites[VL_SP_XCHG], 1);

	r.n = 0; /* a kind the plugin never writes */
	ptw(&r, t1, 9);
	raw = save("sysptwbad.raw", &r);
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, t_path("sysptwbad.vlt"), VL_TFMT_TEXT, 0, NULL, &err),
	                      0);
	CU_ASSERT_EQUAL(vl_syscap_convert(raw, NULL, w, 0, &st, NULL, NULL, &err), VL_ECORRUPT);
	T_ASSERT_STR_CONTAINS(err.msg, "page-table write");
	vl_writer_abort(w);
}

/*
 * Conditional branches: user block A (0x401000, 16 bytes) ends in one; B
 * (0x401010) is its fall-through, C (0x402000) its target. A C A C A B A,
 * then a timer interrupt: taken, taken, not taken; the interrupt entered
 * after the last A says nothing of its branch. A fresh predictor says
 * taken: one misprediction, a user one. A to C and C back to A cross a
 * code page, twice each: 4 xpage.
 */
static void test_convert_system_branches(void)
{
	struct raw r = {0};
	struct vl_syscap_stats st;
	static struct vl_event ev[64];
	const char *out = t_path("sysjcc.vlt");

	tbdef(&r, 0, 0x401000, 4, VL_ST_JCC, 0);
	tbdef(&r, 1, 0x401010, 2, VL_ST_OTHER, 0);
	tbdef(&r, 2, 0x402000, 3, VL_ST_OTHER, 0);
	tbdef(&r, 3, 0xffffffff81c00eb0ull, 5, VL_ST_OTHER, 0);
	mark(&r, VL_SM_RUN);
	tb(&r, 0), tb(&r, 2), tb(&r, 0), tb(&r, 2), tb(&r, 0), tb(&r, 1), tb(&r, 0), tb(&r, 3);
	mark(&r, VL_SM_RUN);
	byte(&r, VL_SR_END), byte(&r, 0);
	const char *raw = save("sysjcc.raw", &r);

	long n = convert_read(raw, syms_file(), out, &st, ev, 64);
	uint64_t missed = 0, xpages = 0;
	for (long i = 0; i < n; i++) {
		if (ev[i].type == VL_EV_MISPREDICT) {
			missed += ev[i].n;
			CU_ASSERT_EQUAL(ev[i].flags & VL_EVF_KERNEL, 0);
		}
		xpages += ev[i].type == VL_EV_XPAGE ? ev[i].n : 0;
	}
	CU_ASSERT_EQUAL(st.xpages, 4);
	CU_ASSERT_EQUAL(xpages, 4);
	CU_ASSERT_EQUAL(st.branches, 3);
	CU_ASSERT_EQUAL(st.mispredicts, 1);
	CU_ASSERT_EQUAL(missed, 1);
}

static void mm(struct raw *r, uint64_t vaddr)
{
	byte(r, VL_SR_MM);
	var(r, vaddr);
}

static void touch(struct raw *r, uint64_t vaddr, int store)
{
	byte(r, VL_SR_TOUCH);
	var(r, (vaddr >> 12) << 1 | (uint64_t)store);
}

/*
 * Address spaces and touches. A fork (child 2); the switch marks mm A, new
 * after a fork: the child's, cr3 2; it touches a user page (a store) and a
 * kernel one; a CR3 write no switch marked reloads it (cr3 2); do_exit's
 * exit event waits for the switch away, to mm P: the first address space
 * (1). A second fork (3) whose child's mm reuses A's memory: a new address
 * space, 3, not the dead 2. Back to P: 1 again. An exec in it: its new mm
 * B keeps the process's id (1).
 */
static void test_convert_system_address_spaces(void)
{
	struct raw r = {0};
	struct vl_syscap_stats st;
	static struct vl_event ev[64];
	const char *out = t_path("sysmm.vlt");
	const uint64_t A = 0xffff888004a11440ull, P = 0xffff888004a12880ull,
	               B = 0xffff888004a13cc0ull, FORK = K + 0x1000, EXIT = K + 0x2000,
	               EXEC = K + 0x3000;
	const char *syms = t_write("syms-mm.map", "ffffffff81c00be0 T asm_exc_page_fault\n"
	                                          "ffffffff810b0f90 T __x64_sys_getppid\n"
	                                          "ffffffff81001000 T kernel_clone\n"
	                                          "ffffffff81002000 T do_exit\n"
	                                          "ffffffff81003000 T begin_new_exec\n");

	tbdef(&r, 0, FORK, 3, VL_ST_OTHER, 0);
	tbdef(&r, 1, EXIT, 3, VL_ST_OTHER, 0);
	tbdef(&r, 2, EXEC, 3, VL_ST_OTHER, 0);
	tbdef(&r, 3, K, 2, VL_ST_OTHER, 1, VL_SO_CRW, 3, 0);
	tbdef(&r, 4, 0x401000, 5, VL_ST_OTHER, 0);
	mark(&r, VL_SM_RUN);
	tb(&r, 0), mm(&r, A), tb(&r, 3);
	tb(&r, 4), touch(&r, 0x7ffc1234, 1), touch(&r, 0xffff888001000040ull, 0);
	tb(&r, 3); /* reload */
	tb(&r, 1), mm(&r, P), tb(&r, 3);
	tb(&r, 0), mm(&r, A), tb(&r, 3);
	mm(&r, P), tb(&r, 3);
	tb(&r, 2), mm(&r, B), tb(&r, 3);
	mark(&r, VL_SM_RUN);
	byte(&r, VL_SR_END), byte(&r, 0);
	const char *raw = save("sysmm.raw", &r);

	long n = convert_read(raw, syms, out, &st, ev, 64);

	static const struct { uint16_t type, flags; uint64_t a; } want[] = {
		{VL_EV_FORK, VL_EVF_KERNEL, 2}, {VL_EV_CR3, VL_EVF_KERNEL, 2},
		{VL_EV_TOUCH, VL_EVF_WRITE, 0x7ffc1000},
		{VL_EV_TOUCH, VL_EVF_KERNEL, 0xffff888001000000ull}, {VL_EV_CR3, VL_EVF_KERNEL, 2},
		{VL_EV_EXIT, VL_EVF_KERNEL, 0}, {VL_EV_CR3, VL_EVF_KERNEL, 1},
		{VL_EV_FORK, VL_EVF_KERNEL, 3}, {VL_EV_CR3, VL_EVF_KERNEL, 3},
		{VL_EV_CR3, VL_EVF_KERNEL, 1}, {VL_EV_EXEC, VL_EVF_KERNEL, 0},
		{VL_EV_CR3, VL_EVF_KERNEL, 1},
	};
	size_t k = 0;
	for (long i = 0; i < n; i++) {
		if (ev[i].type == VL_EV_BB || ev[i].type == VL_EV_PHASE || ev[i].type == VL_EV_XPAGE)
			continue;
		CU_ASSERT_FATAL(k < sizeof(want) / sizeof(want[0]));
		CU_ASSERT_EQUAL(ev[i].type, want[k].type);
		CU_ASSERT_EQUAL(ev[i].flags, want[k].flags);
		CU_ASSERT_EQUAL(ev[i].a, want[k].a);
		k++;
	}
	CU_ASSERT_EQUAL(k, sizeof(want) / sizeof(want[0]));
	CU_ASSERT_EQUAL(st.touches, 2);
	CU_ASSERT_EQUAL(st.cr3_reloads, 1);
	CU_ASSERT_EQUAL(st.exits, 1);
}

/* Bad raw records and symbol files: one clear error each. */
static void test_convert_system_errors(void)
{
	struct raw r = {0};
	struct vl_err err = {0};
	struct vl_syscap_syms *sy;
	struct vl_syscap_stats st;
	struct vl_writer *w;

	tb(&r, 3); /* executes before its definition */
	const char *raw = save("sysbad.raw", &r);
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, t_path("sysbad.vlt"), VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL(vl_syscap_convert(raw, NULL, w, 0, &st, NULL, NULL, &err), VL_ECORRUPT);
	T_ASSERT_STR_CONTAINS(err.msg, "before its definition");
	vl_writer_abort(w);

	r.n = 0;
	tbdef(&r, 0, 0x401000, 4, VL_ST_OTHER, 1, VL_SO_CLI, 0, 0);
	r.n -= 2; /* cut inside its instruction list */
	raw = save("syscut.raw", &r);
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, t_path("syscut.vlt"), VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL(vl_syscap_convert(raw, NULL, w, 0, &st, NULL, NULL, &err), VL_ECORRUPT);
	T_ASSERT_STR_CONTAINS(err.msg, "truncated");
	vl_writer_abort(w);

	CU_ASSERT_EQUAL(vl_syscap_syms_load(&sy, t_write("nosyms.map",
	                "ffffffffffffffff B The real System.map is in the -dbg package\n"), &err),
	                VL_EINVAL);
	CU_ASSERT_PTR_NULL(sy);
	CU_ASSERT_EQUAL(vl_syscap_syms_load(&sy, t_path("no-such.map"), &err), VL_EIO);
}

static const char *needs_system(void)
{
	static char why[512];

	return vl_syscap_available(NULL, why, sizeof(why)) ? NULL : why;
}

/* The full capture's minutes are QEMU's: the sanitized pass leaves it to the release one. */
static const char *needs_system_release(void)
{
	return t_release_only() ? t_release_only() : needs_system();
}

/* A counter of `virtlab run`'s output ("bt.tc_hits = 9.82281e+06 count"). */
static double counter(const char *out, const char *name)
{
	const char *p = strstr(out, name);

	return p ? strtod(p + strlen(name), NULL) : 0;
}

/*
 * A real capture: 100 getppid calls of vl-probe in the guest. Between its
 * marks: the 100 calls and their returns (timer interrupts return by iret
 * and add no system call), every one named getppid (110), kernel blocks,
 * cli/sti on every call (the entry and exit paths), pushf from the
 * kernel's irq-save sequences elsewhere in the run, and the kernel
 * instructions per call near KP_NULL_SYSCALL (counted by the same TCG with
 * insncount): [250, 600] leaves room for a timer tick (a few thousand
 * instructions) inside the loop. Replayed through bt, the translation
 * cache sees kernel blocks: misses (first translations) and hits.
 */
static void test_capture_system(void)
{
	char out[8192], args[1400], probe[600], dir[512];
	const char *bin = getenv("VIRTLAB") ? getenv("VIRTLAB") : "build/rel/virtlab";
	const char *trace = t_path("sys.vlb");
	struct vl_err err = {0};
	struct vl_trace *t;
	static struct vl_event buf[4096];
	uint64_t cnt[VL_EV__COUNT] = {0}, kinsns = 0, kblocks = 0, named = 0, flags = 0;
	int phase = 0;
	long n;

	snprintf(dir, sizeof(dir), "%s", bin);
	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = 0;
	snprintf(probe, sizeof(probe), "%s/vl-probe", dir[0] ? dir : ".");
	snprintf(args, sizeof(args), "trace capture --system --timeout 600 --ops 100 -o %s -- %s work "
	         "syscall 100", trace, probe);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "exit status 0");
	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, trace, &err), 0);
	T_ASSERT_STR_CONTAINS(vl_meta_get(vl_trace_meta(t), "capture"), "system");
	while ((n = vl_trace_read(t, buf, 4096, &err)) > 0)
		for (long i = 0; i < n; i++) {
			const struct vl_event *e = &buf[i];
			phase += e->type == VL_EV_PHASE;
			if (e->type == VL_EV_BB && (e->flags & VL_EVF_KERNEL))
				kblocks++;
			flags += e->type == VL_EV_PUSHF || e->type == VL_EV_POPF;
			if (phase != 1)
				continue;
			cnt[e->type]++;
			if (e->flags & VL_EVF_KERNEL)
				kinsns += vl_ev_insns(e);
			named += e->type == VL_EV_SYSCALL && e->a == 110;
		}
	vl_trace_close(t);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(phase, 2);
	CU_ASSERT(kblocks > 1000);
	CU_ASSERT(cnt[VL_EV_SYSCALL] >= 100 && cnt[VL_EV_SYSCALL] <= 102);
	CU_ASSERT(cnt[VL_EV_SYSRET] >= 98 && cnt[VL_EV_SYSRET] <= 102);
	CU_ASSERT(named >= 100);
	CU_ASSERT(cnt[VL_EV_CLI] >= 100 && cnt[VL_EV_STI] >= 100);
	CU_ASSERT(flags > 0); /* local_irq_save: not on getppid's path, on exec's and exit's */
	CU_ASSERT(kinsns >= 250 * 100 && kinsns <= 600 * 100);
	printf("\n  --system getppid: %.1f kernel instructions a call (KP_NULL_SYSCALL %d) ",
	       (double)kinsns / 100, KP_NULL_SYSCALL);

	snprintf(args, sizeof(args), "run --no-db -t %s -m bt", trace);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT(counter(out, "bt.tc_misses = ") > 1000);
	CU_ASSERT(counter(out, "bt.tc_hits = ") > counter(out, "bt.tc_misses = "));
}

/*
 * A dynamically linked program in the guest: vl-probe-dyn (glibc) forking 5
 * children, its loader and libc copied in. It runs to its end; each fork
 * switches to a new address space and back to the parent's one (6 ids);
 * its own pages are touched (user) beside the kernel's.
 */
static void test_capture_system_dynamic(void)
{
	char out[8192], args[1400], probe[600], dir[512];
	const char *bin = getenv("VIRTLAB") ? getenv("VIRTLAB") : "build/rel/virtlab";
	const char *trace = t_path("sysdyn.vlb");
	struct vl_err err = {0};
	struct vl_trace *t;
	static struct vl_event buf[4096];
	uint64_t forks = 0, touch[2] = {0}, ids[64], nids = 0;
	int phase = 0;
	long n;

	snprintf(dir, sizeof(dir), "%s", bin);
	*(strrchr(dir, '/') ? strrchr(dir, '/') : dir) = 0;
	snprintf(probe, sizeof(probe), "%s/vl-probe-dyn", dir[0] ? dir : ".");
	snprintf(args, sizeof(args), "trace capture --system --timeout 600 --ops 5 -o %s -- %s work "
	         "forkwait 5", trace, probe);
	int rc = t_virtlab(out, sizeof(out), args);
	if (rc)
		fprintf(stderr, "\n%s\n", out);
	CU_ASSERT_EQUAL_FATAL(rc, 0);
	T_ASSERT_STR_CONTAINS(out, "exit status 0");
	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, trace, &err), 0);
	while ((n = vl_trace_read(t, buf, 4096, &err)) > 0)
		for (long i = 0; i < n; i++) {
			phase += buf[i].type == VL_EV_PHASE;
			if (phase != 1)
				continue;
			forks += buf[i].type == VL_EV_FORK;
			if (buf[i].type == VL_EV_TOUCH)
				touch[!!(buf[i].flags & VL_EVF_KERNEL)]++;
			if (buf[i].type == VL_EV_CR3) {
				uint64_t k = 0;
				while (k < nids && ids[k] != buf[i].a)
					k++;
				if (k == nids && nids < 64)
					ids[nids++] = buf[i].a;
			}
		}
	vl_trace_close(t);
	CU_ASSERT_EQUAL(phase, 2);
	CU_ASSERT_EQUAL(forks, 5);
	CU_ASSERT_EQUAL(nids, 6);
	CU_ASSERT(touch[0] >= 5 * 10 && touch[1] > touch[0]);
}

/*
 * The shipped full-system forkwait: kernel instructions per operation
 * between its phases within 10% of KP_FORKWAIT (counted by insncount in
 * the same guest; the capture's extra timer ticks add about 5%), its user
 * ones within 10% of the 268 insncount gave, 4 system calls and 8 page
 * faults an operation (as kernel-paths.sh's getrusage counted), its
 * page-table writes, kernel blocks, and a bt replay whose translation
 * cache misses and hits.
 */
static void test_corpus_system(void)
{
	const char *path = "traces/captured/system-forkwait.vlb";
	struct vl_err err = {0};
	struct vl_trace *t;
	static struct vl_event buf[4096];
	uint64_t ins[2] = {0}, sys = 0, pf = 0, ops = 0, pte[4] = {0}, touch[2] = {0};
	uint64_t ids[256], nids = 0, cr3 = 0;
	int phase = 0;
	long n;
	char out[8192], args[512];

	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, path, &err), 0);
	T_ASSERT_STR_CONTAINS(vl_meta_get(vl_trace_meta(t), "capture"), "system");
	ops = strtoull(vl_meta_get(vl_trace_meta(t), "operations"), NULL, 10);
	CU_ASSERT_FATAL(ops > 0);
	while ((n = vl_trace_read(t, buf, 4096, &err)) > 0)
		for (long i = 0; i < n; i++) {
			phase += buf[i].type == VL_EV_PHASE;
			if (phase != 1)
				continue;
			ins[!!(buf[i].flags & VL_EVF_KERNEL)] += vl_ev_insns(&buf[i]);
			sys += buf[i].type == VL_EV_SYSCALL;
			pf += buf[i].type == VL_EV_PGFAULT;
			if (buf[i].type == VL_EV_PTEWRITE)
				pte[!!(buf[i].flags & VL_EVF_P_OLD) * 2 + !!(buf[i].flags & VL_EVF_P_NEW)]++;
			if (buf[i].type == VL_EV_TOUCH)
				touch[!!(buf[i].flags & VL_EVF_KERNEL)]++;
			if (buf[i].type == VL_EV_CR3) {
				uint64_t k = 0;
				while (k < nids && ids[k] != buf[i].a)
					k++;
				if (k == nids && nids < 256)
					ids[nids++] = buf[i].a;
				cr3++;
			}
		}
	vl_trace_close(t);
	CU_ASSERT_EQUAL(n, 0);
	CU_ASSERT_EQUAL(phase, 2);
	double k = (double)ins[1] / (double)ops, u = (double)ins[0] / (double)ops;
	CU_ASSERT(k > KP_FORKWAIT * 0.9 && k < KP_FORKWAIT * 1.1);
	CU_ASSERT(u > 268 * 0.9 && u < 268 * 1.1);
	CU_ASSERT_EQUAL(sys, 4 * ops);
	CU_ASSERT_EQUAL(pf, 8 * ops);
	/* page-table writes: at least the 13 entries a child gets in the
	 * user-mode capture filled and emptied again per operation, what is
	 * filled for a child emptied at its exit (within a quarter), and the
	 * parent's write-protected entries */
	printf("\n  system forkwait: PTE writes an operation: %.1f NP->P, %.1f P->NP, %.1f P->P ",
	       (double)pte[1] / (double)ops, (double)pte[2] / (double)ops,
	       (double)pte[3] / (double)ops);
	CU_ASSERT(pte[1] >= 13 * ops && pte[2] >= 13 * ops && pte[3] >= 1 * ops);
	CU_ASSERT(pte[2] > pte[1] * 3 / 4 && pte[2] < pte[1] * 5 / 4);
	CU_ASSERT_EQUAL(pte[0], 0);
	/* 4 CR3 writes a fork into 1 + ops address spaces: the parent's one id
	 * whenever it runs again, one for each child; touches of the kernel's
	 * pages (its task, stack, tables) and a few of the child's own */
	CU_ASSERT_EQUAL(cr3, 4 * ops);
	CU_ASSERT_EQUAL(nids, ops + 1);
	CU_ASSERT(touch[1] > 1000 * ops);
	CU_ASSERT(touch[0] >= 5 * ops && touch[0] < touch[1] / 10);
	snprintf(args, sizeof(args), "run --no-db -t %s -m bt", path);
	CU_ASSERT_EQUAL_FATAL(t_virtlab(out, sizeof(out), args), 0);
	CU_ASSERT(counter(out, "bt.tc_misses = ") > 1000);
	CU_ASSERT(counter(out, "bt.tc_hits = ") > 50 * counter(out, "bt.tc_misses = "));
}

/* A command the guest cannot run (a script: the guest has no bash): one
 * message, nothing left behind. */
static void test_capture_system_errors(void)
{
	char out[4096], args[512];

	snprintf(args, sizeof(args), "trace capture --system -o %s -- /usr/bin/ldd /bin/ls",
	         t_path("ldd.vlb"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "not an x86-64 program");
	CU_ASSERT(access(t_path("ldd.vlb"), F_OK) != 0);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), "trace capture --system --timeout 0 -- true"), 2);
	/* a --file that is not there, or not a regular file, or a relative guest path */
	snprintf(args, sizeof(args), "trace capture --system -o %s --file %s -- true",
	         t_path("f.vlb"), t_path("no-such-file"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "no-such-file");
	snprintf(args, sizeof(args), "trace capture --system -o %s --file /tmp -- true",
	         t_path("f.vlb"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "not a regular file");
	snprintf(args, sizeof(args), "trace capture --system -o %s --file %s:src/x -- true",
	         t_path("f.vlb"), t_write("x.txt", "x\n"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 2);
	T_ASSERT_STR_CONTAINS(out, "must be absolute");
	CU_ASSERT(access(t_path("f.vlb"), F_OK) != 0);
}

/*
 * --file: a file copied into the guest where the command expects it.
 * busybox's cat reads it (exit status 0); without it, cat fails (1) and
 * the capture shows what the command said, not the firmware's lines.
 */
static void test_capture_system_file(void)
{
	char out[8192], args[1024];
	const char *in = t_write("hello.txt", "hello from the host\n");

	snprintf(args, sizeof(args), "trace capture --system --timeout 600 -o %s --file %s:/src/"
	         "hello.txt -- cat /src/hello.txt", t_path("cat.vlb"), in);
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "exit status 0");
	snprintf(args, sizeof(args), "trace capture --system --timeout 600 -o %s -- cat "
	         "/src/hello.txt", t_path("cat2.vlb"));
	CU_ASSERT_EQUAL(t_virtlab(out, sizeof(out), args), 0);
	T_ASSERT_STR_CONTAINS(out, "exit status 1");
	/* what cat said, when the console kept its line apart from the kernel's
	 * (a kernel message may land on the same line: then nothing is shown) */
	const char *said = strstr(out, "the command's last output in the guest:");
	if (said) {
		T_ASSERT_STR_CONTAINS(said, "No such file or directory");
		CU_ASSERT_PTR_NULL(strstr(said, "Booting from ROM"));
	}
}

void suite_syscapture(void)
{
	static const struct t_case cases[] = {
		{"convert_system", test_convert_system, NULL},
		{"convert_system_irq_in_entry", test_convert_system_irq_in_entry, NULL},
		{"convert_system_ptes", test_convert_system_ptes, NULL},
		{"convert_system_address_spaces", test_convert_system_address_spaces, NULL},
		{"convert_system_branches", test_convert_system_branches, NULL},
		{"convert_system_errors", test_convert_system_errors, NULL},
		{"corpus_system", test_corpus_system, NULL},
		{"capture_system_errors", test_capture_system_errors, needs_system},
		{"capture_system", test_capture_system, needs_system_release},
		{"capture_system_dynamic", test_capture_system_dynamic, needs_system_release},
		{"capture_system_file", test_capture_system_file, needs_system_release},
		{NULL, NULL, NULL},
	};
	t_add_suite("syscapture", cases);
}
