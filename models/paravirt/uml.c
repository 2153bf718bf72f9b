/*
 * User-Mode Linux (design as described by Dike: "A user-mode port of the
 * Linux kernel", ALS 2000; "Making Linux safe for virtual machines", OLS
 * 2002; the book "User Mode Linux", 2006). The guest kernel is a host
 * process; its processes are host processes under ptrace. Every guest
 * operation is priced as the host operations it takes (system calls,
 * context switches, ptrace stops, signal frames, mmap/munmap/mprotect), each
 * at this host's own native cost, so one model serves any host profile.
 */
#include "models/paravirt/paravirt_int.h"

/*
 * Guest operations whose host work the path table gives per mode, beyond
 * the host entry the guest itself takes (its trapped system call, host
 * page fault or exception, priced in uml_on_event).
 */
enum uml_op {
	UO_SYSCALL,   /* system call (syscall, int 0x80) */
	UO_FAULT,     /* page fault: SIGSEGV */
	UO_EXCEPTION, /* other exception: SIGFPE, SIGILL, SIGTRAP */
	UO_SIGNAL,    /* interrupt: SIGALRM (timer) or SIGIO (device) */
	UO_SWITCH,    /* guest context switch (cr3) */
	UO_FORK,      /* a new guest address space */
	UO_EXEC,      /* a new program image */
	UO_EXIT,      /* the guest process ends */
	UO__COUNT
};

struct uml_path {
	uint8_t calls;    /* small host calls: ptrace requests, wait4, kill, sigreturn, pipe I/O */
	uint8_t stops;    /* ptrace stops of a guest process */
	uint8_t switches; /* host context switches */
	uint8_t frames;   /* signal frames delivered to a handler */
	uint8_t hforks;   /* host processes created */
	uint8_t hexits;   /* host processes ended */
	uint8_t hmms;     /* host address spaces made or freed through /proc/mm */
};

/*
 * The host work of each guest operation. Counts derived from the design
 * (a steady state: the tracer's wait4 that reaps a stop is counted with the
 * stop it reaps):
 *
 * skas (skas3: the UML kernel is one host process; all guest processes run
 * in one traced host process whose address space it switches through
 * /proc/mm). Its loop: wait4 for a stop, PTRACE_GETREGS, handle, then
 * PTRACE_SETREGS, PTRACE_SYSCALL, wait4 again.
 *  - syscall: the guest's syscall stops at entry (stop 1, switch 1 to the
 *    kernel); wait4, GETREGS; the kernel annuls the host call with
 *    PTRACE_POKEUSER (its number made getpid) and resumes it with
 *    PTRACE_SYSCALL, wait4 (switch 2); getpid runs and stops at exit (stop
 *    2, switch 3); the kernel runs the guest's handler (the trace's kernel
 *    run), SETREGS with the result, PTRACE_SYSCALL, wait4 (switch 4).
 *    Calls: wait4 x2, GETREGS, POKEUSER, SYSCALL x2, SETREGS = 7;
 *    2 stops, 4 switches.
 *  - page fault: the host faults, finds no mapping and sends SIGSEGV; the
 *    traced process stops instead (1 stop, switch 1); wait4, GETREGS,
 *    PTRACE_FAULTINFO (skas3) for the address; the handler maps the page
 *    with an mmap through /proc/mm (priced at the guest's PTE write);
 *    SETREGS, PTRACE_SYSCALL with the signal cancelled, wait4 (switch 2).
 *    Calls 5, 1 stop, 2 switches; the retried access faults once more in
 *    the host, which now finds the mapping (a hidden fault).
 *  - exception, interrupt: the same loop without FAULTINFO: 4 calls,
 *    1 stop, 2 switches (SIGALRM and SIGIO stop the traced process too).
 *  - context switch: PTRACE_SWITCH_MM to the next process's /proc/mm
 *    address space (1 call); the host loads it (a cr3 write).
 *  - fork: open /proc/mm (a host address space made) and copy the
 *    segments into it with a write (1 call); the child's pages are mapped
 *    by host mmaps when it first runs (the trace's PTE writes).
 *  - exit: close the /proc/mm descriptor (the host address space freed).
 *  - exec: the old image's pages are unmapped (the trace's PTE writes).
 *
 * tt (tracing thread: each guest process is a host process with the UML
 * kernel mapped into its upper address space; one tracing thread traces
 * them all; the kernel's work runs in the process itself, in a signal
 * handler, with tracing off):
 *  - syscall: entry stop (stop 1, switch 1 to the tracer); wait4, GETREGS,
 *    POKEUSER (getpid), PTRACE_CONT with SIGUSR2, wait4 (switch 2); getpid
 *    runs, SIGUSR2's frame puts the process in the kernel's syscall handler
 *    (1 frame); to return to user mode the process signals itself, kill
 *    SIGUSR1, and stops (stop 2, switch 3); the tracer turns tracing back
 *    on, PTRACE_SYSCALL, wait4 (switch 4); the handler's sigreturn.
 *    Calls: wait4 x2, GETREGS, POKEUSER, CONT, SYSCALL, kill, sigreturn
 *    = 8; 2 stops, 4 switches, 1 frame.
 *  - page fault, exception, interrupt: the signal stops the process (stop
 *    1, switch 1); wait4, PTRACE_CONT passing the signal, wait4 (switch 2);
 *    its handler runs the kernel's code in the process (1 frame), which
 *    maps the page itself; kill SIGUSR1 (stop 2, switch 3), PTRACE_SYSCALL,
 *    wait4 (switch 4), sigreturn. Calls 6, 2 stops, 4 switches, 1 frame.
 *  - context switch: the outgoing process writes a byte to the next one's
 *    pipe and blocks reading its own: 2 calls, 1 switch.
 *  - fork: a host fork (the host copies the process and its page tables);
 *    the new process stops for the tracer (1 stop, 2 switches), which
 *    reaps the stop with wait4 and resumes it: 2 calls.
 *  - exec: a new host process replaces the old (as fork, plus the old
 *    process's exit and the tracer's wait4 for it): 3 calls.
 *  - exit: the host process exits; the tracer reaps it: 1 call.
 */
static const struct uml_path paths[2][UO__COUNT] = {
	[UML_TT] = {
		[UO_SYSCALL] = {.calls = 8, .stops = 2, .switches = 4, .frames = 1},
		[UO_FAULT] = {.calls = 6, .stops = 2, .switches = 4, .frames = 1},
		[UO_EXCEPTION] = {.calls = 6, .stops = 2, .switches = 4, .frames = 1},
		[UO_SIGNAL] = {.calls = 6, .stops = 2, .switches = 4, .frames = 1},
		[UO_SWITCH] = {.calls = 2, .switches = 1},
		[UO_FORK] = {.calls = 2, .stops = 1, .switches = 2, .hforks = 1},
		[UO_EXEC] = {.calls = 3, .stops = 1, .switches = 2, .hforks = 1, .hexits = 1},
		[UO_EXIT] = {.calls = 1, .hexits = 1},
	},
	[UML_SKAS] = {
		[UO_SYSCALL] = {.calls = 7, .stops = 2, .switches = 4},
		[UO_FAULT] = {.calls = 5, .stops = 1, .switches = 2},
		[UO_EXCEPTION] = {.calls = 4, .stops = 1, .switches = 2},
		[UO_SIGNAL] = {.calls = 4, .stops = 1, .switches = 2},
		[UO_SWITCH] = {.calls = 1},
		[UO_FORK] = {.calls = 1, .hmms = 1},
		[UO_EXEC] = {0},
		[UO_EXIT] = {.hmms = 1},
	},
};

/* Host kernel instructions as cycles at the host's kernel CPI. */
static uint64_t kinsns(const struct vl_host *host, double n)
{
	return vl_cycles(n * host->v[VL_H_CPI_KERNEL]);
}

void uml_init(struct uml *u, const struct vl_host *host, const double *v)
{
	const double *h = host->v;
	uint64_t sys = vl_cycles(h[VL_H_SYSCALL]);

	u->mode = v[P_UML_MODE] >= 0.5 ? UML_SKAS : UML_TT;
	u->jail = u->mode == UML_TT && v[P_JAIL] >= 0.5;
	/* Every host call is the host's syscall round trip plus its kernel path. */
	u->call_cycles = sys + kinsns(host, v[P_H_CALL]);
	u->syscall_cycles = u->call_cycles;
	u->map_cycles = sys + kinsns(host, v[P_H_MAP]);
	u->fork_cycles = sys + kinsns(host, v[P_H_FORK]);
	u->exit_cycles = sys + kinsns(host, v[P_H_EXIT]);
	u->mm_cycles = sys + kinsns(host, v[P_H_MM]);
	u->io_cycles = sys + kinsns(host, v[P_H_IO]);
	u->stop_cycles = kinsns(host, v[P_H_STOP]);
	u->frame_cycles = kinsns(host, v[P_H_SIGNAL]);
	u->switch_cycles = vl_cycles(h[VL_H_CTXSWITCH]);
	u->fault_cycles = vl_cycles(h[VL_H_PGFAULT]);
	u->exc_cycles = vl_cycles(h[VL_H_EXCEPTION]);
	u->cr3_cycles = vl_cycles(h[VL_H_CR3]);
}

/* Charges the host work of op; entry_cycles is the host entry the guest took. */
static void path(struct uml *u, enum uml_op op, uint64_t entry_cycles, struct vl_charge *out)
{
	const struct uml_path *p = &paths[u->mode][op];
	uint64_t trap = entry_cycles + p->stops * u->stop_cycles + p->frames * u->frame_cycles;
	uint64_t emulate = p->calls * u->call_cycles + p->hforks * u->fork_cycles +
	                   p->hexits * u->exit_cycles + p->hmms * u->mm_cycles;
	uint64_t cs = p->switches * u->switch_cycles;

	if (op == UO_SWITCH && u->mode == UML_SKAS)
		cs += u->cr3_cycles; /* same host process, another address space */
	u->calls += p->calls + p->hforks + p->hexits + p->hmms;
	u->stops += p->stops;
	u->switches += p->switches;
	u->frames += p->frames;
	if (trap)
		vl_charge(out, VL_MECH_TRAP, trap);
	if (cs)
		vl_charge(out, VL_MECH_CTXSWITCH, cs);
	if (emulate)
		vl_charge(out, VL_MECH_EMULATE, emulate);
	/* jail: kernel memory made writable on entry, read-only again on the
	 * way back to user code: two host mprotects */
	if (u->jail && op <= UO_SIGNAL) {
		u->maps += 2;
		vl_charge(out, VL_MECH_SHADOWPT, 2 * u->map_cycles);
	}
}

/*
 * A guest PTE write becomes a host call that brings the host's mappings in
 * step: not present -> present an mmap of the page's frame from the
 * physical-memory file; present -> not present a munmap; present ->
 * present an mprotect (or a remap to a new frame). UML's flush merges
 * adjacent pages into one munmap or mprotect; mmaps are not merged (the
 * frames of separately allocated pages are not adjacent in the file).
 */
static void ptewrite(struct uml *u, const struct vl_event *ev, struct vl_charge *out)
{
	int before = !!(ev->flags & VL_EVF_P_OLD), after = !!(ev->flags & VL_EVF_P_NEW);
	unsigned kind = 1 + (unsigned)(before * 2 + after);

	if (!before && !after)
		return; /* nothing the host maps changes */
	if (before && kind == u->run_kind && ev->a == u->run_next) {
		u->run_next += 4096;
		return; /* one more page of the last munmap or mprotect */
	}
	u->run_kind = kind;
	u->run_next = ev->a + 4096;
	u->maps++;
	vl_charge(out, VL_MECH_SHADOWPT, u->map_cycles);
}

/* Events that end a run of PTE writes: anything but the writes, their
 * invlpg and the instructions between them. */
static int ends_run(unsigned type)
{
	return type > VL_EV_INDIRECT && type != VL_EV_PTEWRITE && type != VL_EV_INVLPG &&
	       type != VL_EV_TOUCH && type != VL_EV_TLBMISS && type != VL_EV_PHASE;
}

void uml_on_event(struct uml *u, struct vl_nativecost *nc, const struct vl_event *ev,
                  struct vl_charge *out)
{
	if (ends_run(ev->type))
		u->run_kind = 0;
	switch (ev->type) {
	case VL_EV_SYSCALL:
	case VL_EV_INT:
		path(u, UO_SYSCALL, u->syscall_cycles, out);
		break;
	case VL_EV_PGFAULT:
		path(u, UO_FAULT, u->fault_cycles, out);
		/* the retried access faults again; the host fills its PTE */
		vl_charge(out, VL_MECH_SHADOWPT, u->fault_cycles);
		break;
	case VL_EV_EXCEPTION:
		path(u, UO_EXCEPTION, u->exc_cycles, out);
		break;
	case VL_EV_IRQ:
	case VL_EV_TIMER: /* the host takes its own interrupt, then signals */
		vl_native_charge(nc, ev, out);
		path(u, UO_SIGNAL, 0, out);
		break;
	case VL_EV_CR3:
		path(u, UO_SWITCH, 0, out);
		break;
	case VL_EV_FORK:
		path(u, UO_FORK, 0, out);
		break;
	case VL_EV_EXEC:
		path(u, UO_EXEC, 0, out);
		break;
	case VL_EV_EXIT:
		path(u, UO_EXIT, 0, out);
		break;
	case VL_EV_PTEWRITE: /* the guest's store into its own page table, then the host call */
		vl_native_charge(nc, ev, out);
		ptewrite(u, ev, out);
		break;
	case VL_EV_HLT: /* the idle kernel sleeps in the host until a signal */
		u->calls++;
		vl_charge(out, VL_MECH_EMULATE, u->call_cycles);
		break;
	case VL_EV_DISK:
	case VL_EV_NET: /* the driver reads or writes a host file or socket */
		u->calls++;
		vl_charge(out, VL_MECH_DEVEMU, u->io_cycles);
		break;
	case VL_EV_CLI:
	case VL_EV_STI: /* interrupts off is a flag the signal handlers check */
	case VL_EV_INVLPG: /* the host call is the PTE write's */
	case VL_EV_CR0:
	case VL_EV_CR4:
	case VL_EV_CR8:
	case VL_EV_RDMSR:
	case VL_EV_WRMSR:
	case VL_EV_IN:
	case VL_EV_OUT:
	case VL_EV_MMIO:
		/* the arch/um kernel has no device registers: its drivers call the
		 * host, whose native driver makes the accesses */
		vl_native_charge_hostdrv(nc, ev, out);
		break;
	default:
		/* user code, the guest kernel's code (in the UML kernel process or,
		 * in tt, in the process itself) and unprivileged instructions run
		 * natively */
		vl_native_charge(nc, ev, out);
	}
}

void uml_report(const struct uml *u, vl_emit_fn emit, void *ctx)
{
	emit(ctx, "uml.host_calls", (double)u->calls, "count");
	emit(ctx, "uml.host_maps", (double)u->maps, "count");
	emit(ctx, "uml.ptrace_stops", (double)u->stops, "count");
	emit(ctx, "uml.host_switches", (double)u->switches, "count");
	emit(ctx, "uml.signal_frames", (double)u->frames, "count");
}
