/*
 * paravirt: Xen-style paravirtualization. The guest kernel is modified: it
 * runs deprivileged but calls the hypervisor (hypercalls) instead of using
 * privileged instructions, queues page-table updates and sends them in
 * batches, registers a fast system-call handler, keeps its interrupt flag in
 * shared memory, takes interrupts as event-channel upcalls, and does I/O
 * through split front-end/back-end drivers over shared rings. With
 * uml_mode 0 or 1 the guest is User-Mode Linux instead, and uml.c prices
 * every event from the host operations it takes.
 */
#include "models/paravirt/paravirt.h"
#include "models/paravirt/paravirt_int.h"


#define BARHAM "Barham et al., SOSP 2003"
#define EST(why) "estimate: " why
#define KPATHS "traces/kpaths.h, Linux 6.1 counted under QEMU TCG"

static const struct vl_param_def params[P__COUNT] = {
	[P_HYPERCALL] = {"hypercall", "cycles", 1000, 0, 1e7,
		EST("a trap into ring 0, dispatch and return, of the order of a system call bounced "
		    "through a monitor (A&A's trap, 1814, is its upper bound)"),
		"one hypercall round trip"},
	[P_BATCH] = {"batch", "count", 2048, 1, 1e6,
		BARHAM ": XenoLinux batches up to 2048 page-table updates in one hypercall",
		"PTE updates per mmu_update hypercall"},
	[P_VALIDATE] = {"validate", "cycles", 100, 0, 1e6,
		EST("check the frame's type and reference counts"), "validation per PTE update"},
	[P_PF_TRANSITIONS] = {"pf_transitions", "count", 2, 0, 100,
		BARHAM ": mmap and page faults need two transitions into Xen per page",
		"hypervisor transitions per page fault"},
	[P_FAST_SYSCALL] = {"fast_syscall", "flag", 1, 0, 1,
		BARHAM ": guests install a fast handler for system calls, bypassing Xen",
		"1: system calls go straight to the guest kernel"},
	[P_BOUNCE] = {"bounce", "cycles", 1000, 0, 1e7, EST("as a hypercall"),
		"a trap bounced through the hypervisor to the guest"},
	[P_CR3] = {"cr3_switch", "cycles", 4800, 0, 1e8,
		BARHAM ": a context switch costs Xen an extra 1-3 us at 2.4 GHz: 2 us x 2.4 GHz",
		"page-table-base hypercall: validation and switch"},
	[P_VIRQ_FLAG] = {"virq_flag", "cycles", 2, 0, 1e4,
		BARHAM ": the interrupt flag is a bit in shared memory", "CLI/STI"},
	[P_EVTCHN] = {"evtchn", "cycles", 800, 0, 1e7,
		EST("upcall into the guest's event-channel handler and the ack hypercall"),
		"event-channel upcall instead of an interrupt"},
	[P_RING] = {"ring", "cycles", 300, 0, 1e7,
		EST("write a request descriptor, grant the pages"), "front end: one ring request"},
	[P_BACKEND] = {"backend", "cycles", 6000, 0, 1e8,
		EST("the driver domain maps the grant, issues the real I/O, answers"),
		"back end per request"},
	[P_UML_MODE] = {"uml_mode", "mode", -1, -1, 1,
		"design as described by Dike: tt (ALS 2000) and skas (OLS 2002)",
		"-1: not User-Mode Linux (Xen-style paths); 0: tt, tracing thread; 1: skas"},
	[P_H_CALL] = {"h_call", "insns", 323, 0, 1e7,
		KPATHS ": KP_NULL_SYSCALL, getppid's kernel path; estimate: a ptrace request, wait4, "
		"kill or sigreturn as short",
		"UML: host kernel instructions of one small host call (ptrace request, wait4, kill)"},
	[P_H_MAP] = {"h_map", "insns", 9278, 0, 1e8,
		KPATHS ": KP_MMAP, mmap or munmap; mprotect estimated as the same",
		"UML: host kernel instructions of one mmap, munmap or mprotect"},
	[P_H_STOP] = {"h_stop", "insns", 646, 0, 1e7,
		EST("a ptrace stop records its status, queues SIGCHLD for the tracer and wakes it: "
		    "as two null calls, 2 x KP_NULL_SYSCALL (traces/kpaths.h)"),
		"UML: host kernel instructions of one ptrace stop (the context switch apart)"},
	[P_H_SIGNAL] = {"h_signal", "insns", 1200, 0, 1e7,
		EST("the host writes a signal frame (registers and the 512-byte FXSAVE area) to the "
		    "user stack and rt_sigreturn reads it back: about two null calls and the copies"),
		"UML: host kernel instructions of a signal frame and its sigreturn"},
	[P_H_FORK] = {"h_fork", "insns", 66493, 0, 1e9,
		KPATHS ": KP_FORK, the fork path of a small process (15/28 of fork, exit and "
		"wait; the split an assumption)",
		"UML tt: host kernel instructions of a host fork"},
	[P_H_EXIT] = {"h_exit", "insns", 44329, 0, 1e9,
		KPATHS ": KP_EXIT, the exit path of a small process (10/28 of fork, exit and wait)",
		"UML tt: host kernel instructions of a host process exit"},
	[P_H_MM] = {"h_mm", "insns", 9278, 0, 1e9,
		EST("opening or closing /proc/mm allocates or frees an mm and its page-table root: "
		    "of the order of an mmap, KP_MMAP (traces/kpaths.h)"),
		"UML skas: host kernel instructions to make or free a host address space"},
	[P_H_IO] = {"h_io", "insns", 4845, 0, 1e9,
		KPATHS ": KP_IO_4K, a 4 KiB read or write on tmpfs",
		"UML: host kernel instructions of the host read/write serving a guest I/O request"},
	[P_JAIL] = {"jail", "flag", 0, 0, 1,
		"design as described by Dike: tt mode's jail switch write-protects the kernel's "
		"memory while user code runs; off by default",
		"UML tt: 1: two host mprotects per kernel entry"},
	[P_MEM_DOMAIN] = {"domain_mb", "MB", 4, 0, 1e6,
		EST("Xen keeps a domain's own structures (domain and vCPU state, grant and "
		    "event-channel tables) in a few MB"),
		"capacity plans: host memory per guest for its domain structures"},
	[P_MEM_P2M] = {"p2m_fraction", "ratio", 0.002, 0, 1,
		"the physical-to-machine table: one 8-byte frame number per 4 KiB guest page, "
		    "8 / 4096, about 0.2%",
		"capacity plans: P2M table per MB of guest memory"},
	[P_SOFT_TLB] = {"soft_tlb", "flag", 0, 0, 1,
		"Bugnion et al., SOSP 1997, Sec. 4.2: on MIPS the TLB is refilled by software, and "
		"the guest kernel's TLB writes are privileged: each refill traps to Disco, which "
		"maps the guest-physical page to a machine page and writes the real TLB",
		"1: every TLB miss is also a trap to the monitor and its refill"},
	[P_TLB_REFILL] = {"tlb_refill", "cycles", 200, 0, 1e6,
		EST("look up the guest-physical to machine map and write one TLB entry, a few tens "
		    "of instructions with their cache misses; Disco's costs are not published in a "
		    "form used here"),
		"soft_tlb: the monitor's work for one trapped TLB refill"},
	[P_HAL_IO] = {"hal_io", "flag", 0, 0, 1,
		"plex86's design: the guest has no device drivers of its own; its I/O goes through "
		"a hardware abstraction layer as calls into the host",
		"1: each device access and each disk or network request is a hypercall served by "
		"the host's own driver, with no ring and no driver domain"},
	[P_START_MS] = VL_START_P(125, VL_START_VM_SRC),
};

static const struct vl_setting xenolinux[] = {{"cr3_switch", 2400}, {NULL, 0}};
static const struct vl_setting uml[] = {{"uml_mode", UML_SKAS}, {NULL, 0}};
static const struct vl_setting uml_tt[] = {{"uml_mode", UML_TT}, {NULL, 0}};
static const struct vl_setting unbatched[] = {{"batch", 1}, {NULL, 0}};
/* Disco: every trap, system calls and TLB refills included, enters the monitor first. */
static const struct vl_setting disco[] = {{"batch", 1}, {"fast_syscall", 0}, {"soft_tlb", 1},
                                          {NULL, 0}};
/* plex86: unbatched, as denali, and I/O through its HAL. */
static const struct vl_setting plex86[] = {{"batch", 1}, {"hal_io", 1}, {NULL, 0}};
static const struct vl_setting vmi[] = {{"hypercall", 600}, {NULL, 0}};

static const struct vl_profile profiles[] = {
	{"xen-3", "Xen 3 with a paravirtualized Linux guest", "prescott", NULL,
	 "Barham et al. 2003 for batching, fast system calls and page-fault transitions; "
	 "hypercall, upcall and ring costs are estimates", NULL, "server"},
	{"xenolinux", "Xen 1.0 / XenoLinux 2.4 (Barham et al., SOSP 2003)", "prescott",
	 xenolinux, "cr3_switch: the low end of Barham's 1-3 us at 2.4 GHz", NULL,
	 "research,server"},
	{"uml", "User-Mode Linux in skas mode: the guest kernel is a host process that runs "
	 "its processes in another, through ptrace and /proc/mm", "prescott", uml,
	 "skas (skas3, a host with the /proc/mm patch): the mode Dike's OLS 2002 paper and "
	 "book recommend, faster and safer than tt; every guest system call, fault, signal "
	 "and address-space change priced as the host calls, ptrace stops and context "
	 "switches it takes, at the host's own costs", NULL, "development,teaching"},
	{"uml-tt", "User-Mode Linux in tt mode: each guest process a host process under a "
	 "tracing thread, the kernel mapped into each", "prescott", uml_tt,
	 "tt (Dike, ALS 2000): the kernel's work runs in the process, entered by a signal; "
	 "fork and exec make host processes; the jail switch is off", NULL,
	 "development,teaching"},
	{"denali", "Denali: a paravirtualized isolation kernel for many small services",
	 "prescott", unbatched, "Denali's virtual architecture has no virtual memory inside a "
	 "guest (Whitaker et al., OSDI 2002); not modelled yet: a trace with address-space "
	 "switches runs as under xen-3; its costs are not published in a form used here: "
	 "xen-3's stand in, page-table updates unbatched", NULL, "research"},
	{"disco", "Disco (Stanford, MIPS): a monitor for shared-memory multiprocessors with "
	 "lightly modified IRIX", "prescott", disco,
	 "fast_syscall 0: a system call, like any trap, enters the monitor, which emulates its "
	 "effect on the virtual CPU (Bugnion et al., SOSP 1997, Sec. 4.2); soft_tlb 1: MIPS "
	 "refills its TLB in software, and each refill's TLB write traps to the monitor; the "
	 "bounce cost is xen-3's estimate and the refill's an estimate; ccNUMA placement is "
	 "not modelled; IRIX was patched, not ported", NULL, "research"},
	{"plex86", "plex86: a lightweight monitor for a paravirtualized Linux", "prescott", plex86,
	 "hal_io 1: the guest's I/O goes through plex86's hardware abstraction layer, each "
	 "device access and request a call into the host, served by the host's own driver; "
	 "page-table updates unbatched, as denali; xen-3's costs stand in (plex86's are not "
	 "published)", NULL, "research"},
	{"vmi", "VMI / paravirt_ops: the kernel calls the hypervisor through a ROM interface",
	 "prescott", vmi, "hypercall 600 is an estimate of a direct call into the VMI ROM plus "
	 "the monitor's work", NULL, "server"},
};

struct paravirt {
	struct vl_nativecost nc;
	uint64_t h[P__COUNT];
	uint64_t batch, pending; /* PTE updates queued for the next mmu_update */
	int fast_syscall, soft_tlb, hal_io;
	uint64_t hypercalls, pte_updates, tlb_traps;
	int uml_on;      /* User-Mode Linux: uml.c prices every event */
	struct uml uml;
};

/*
 * The costs that move with the processor (in Prescott cycles here): a
 * hypercall, a bounced trap and an event-channel upcall are dominated by
 * their ring transitions; validation, the page-table-base switch (the
 * hypervisor's checks; the TLB it flushes is charged apart) and the split
 * drivers are hypervisor and driver-domain software. The UML costs are
 * instruction counts priced by the host, which already knows its generation.
 */
static const unsigned char scale[P__COUNT] = {
	[P_HYPERCALL] = VL_SCALE_HW, [P_BOUNCE] = VL_SCALE_HW, [P_EVTCHN] = VL_SCALE_HW,
	[P_VALIDATE] = VL_SCALE_SW, [P_CR3] = VL_SCALE_SW, [P_RING] = VL_SCALE_SW,
	[P_BACKEND] = VL_SCALE_SW,
};

static int pv_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct paravirt *s = state;

	(void)err;
	vl_nativecost_init(&s->nc, p->host);
	for (int i = 0; i < P__COUNT; i++)
		s->h[i] = vl_cycles(p->v[i] * vl_host_scale(p->host, scale[i]));
	s->batch = s->h[P_BATCH];
	s->fast_syscall = p->v[P_FAST_SYSCALL] >= 0.5;
	s->soft_tlb = p->v[P_SOFT_TLB] >= 0.5;
	s->hal_io = p->v[P_HAL_IO] >= 0.5;
	s->uml_on = p->v[P_UML_MODE] > -0.5;
	if (s->uml_on)
		uml_init(&s->uml, p->host, p->v);
	return 0;
}

static void hypercall(struct paravirt *s, struct vl_charge *out, uint64_t work)
{
	s->hypercalls++;
	vl_charge(out, VL_MECH_HYPERCALL, s->h[P_HYPERCALL] + work);
}

/* Sends the queued PTE updates in one hypercall. */
static void flush(struct paravirt *s, struct vl_charge *out)
{
	if (s->pending) {
		hypercall(s, out, s->pending * s->h[P_VALIDATE]);
		s->pending = 0;
	}
}

/* soft_tlb: n TLB refills, each a trap into the monitor and its refill. */
static void tlb_traps(struct paravirt *s, uint64_t n, struct vl_charge *out)
{
	s->tlb_traps += n;
	vl_charge(out, VL_MECH_TRAP, n * s->h[P_BOUNCE]);
	vl_charge(out, VL_MECH_EMULATE, n * s->h[P_TLB_REFILL]);
}

static void pv_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct paravirt *s = state;
	const uint64_t *h = s->h;

	if (s->uml_on) {
		uml_on_event(&s->uml, &s->nc, ev, out);
		return;
	}
	switch (ev->type) {
	case VL_EV_SYSCALL:
	case VL_EV_INT:
		vl_native_charge(&s->nc, ev, out);
		if (!s->fast_syscall)
			vl_charge(out, VL_MECH_TRAP, h[P_BOUNCE]);
		break;
	case VL_EV_EXCEPTION:
		vl_native_charge(&s->nc, ev, out);
		vl_charge(out, VL_MECH_TRAP, h[P_BOUNCE]);
		break;
	case VL_EV_PGFAULT: /* Xen takes the fault and bounces it; the fix-up is a hypercall */
		vl_native_charge(&s->nc, ev, out);
		vl_charge(out, VL_MECH_TRAP, h[P_PF_TRANSITIONS] * h[P_BOUNCE]);
		break;
	case VL_EV_PTEWRITE:
		vl_native_charge(&s->nc, ev, out);
		s->pte_updates++;
		if (++s->pending == s->batch)
			flush(s, out);
		break;
	case VL_EV_CR3: /* queued updates go first, then the new base */
		flush(s, out);
		hypercall(s, out, h[P_CR3]);
		vl_nativecost_mmu(&s->nc, ev, out); /* Xen loads the new base: the TLB */
		break;
	case VL_EV_INVLPG:
	case VL_EV_CR0:
	case VL_EV_CR4:
	case VL_EV_CR8:
	case VL_EV_RDMSR:
	case VL_EV_WRMSR:
	case VL_EV_HLT:
		flush(s, out);
		hypercall(s, out, 0);
		break;
	case VL_EV_CLI:
	case VL_EV_STI:
		vl_charge(out, VL_MECH_DIRECT, h[P_VIRQ_FLAG]);
		break;
	case VL_EV_IRQ:
	case VL_EV_TIMER:
		vl_charge(out, VL_MECH_EVTCHN, h[P_EVTCHN]);
		break;
	case VL_EV_IN:
	case VL_EV_OUT:
	case VL_EV_MMIO:
		/* the front-end driver touches no device registers; the back end's
		 * native driver in the driver domain does; through a HAL, each
		 * access is a call into the host, whose driver makes it */
		if (s->hal_io)
			hypercall(s, out, 0);
		vl_native_charge_hostdrv(&s->nc, ev, out);
		break;
	case VL_EV_DISK:
	case VL_EV_NET:
		if (s->hal_io) { /* one call into the host, which does the request itself */
			hypercall(s, out, h[P_BACKEND]);
			break;
		}
		vl_charge(out, VL_MECH_RING, h[P_RING] + h[P_BACKEND]);
		hypercall(s, out, 0); /* notify the back end through its event channel */
		break;
	case VL_EV_TLBMISS:
		vl_native_charge(&s->nc, ev, out); /* the guest's refill handler walks its tables */
		if (s->soft_tlb)
			tlb_traps(s, ev->n, out);
		break;
	case VL_EV_TOUCH: {
		unsigned before = out->n;
		vl_native_charge(&s->nc, ev, out);
		if (s->soft_tlb && out->n > before) /* a walk was charged: the TLB missed */
			tlb_traps(s, 1, out);
		break;
	}
	default:
		/* Instructions run natively at ring 1; the modified kernel avoids the
		 * sensitive instructions, so they are harmless. */
		vl_native_charge(&s->nc, ev, out);
	}
}

static void pv_finish(void *state, struct vl_charge *out)
{
	flush(state, out);
}

static void pv_report(const void *state, vl_emit_fn emit, void *ctx)
{
	const struct paravirt *s = state;

	emit(ctx, "hypercalls", (double)s->hypercalls, "count");
	emit(ctx, "pte_updates", (double)s->pte_updates, "count");
	if (s->soft_tlb)
		emit(ctx, "tlb_traps", (double)s->tlb_traps, "count");
	if (s->uml_on)
		uml_report(&s->uml, emit, ctx);
}

/* Host memory per guest, from the parameters above (docs/capacity.md). */
static void pv_memory(const struct vl_params *p, struct vl_memory *out)
{
	out->fixed_mb = p->v[P_MEM_DOMAIN];
	out->per_guest_mb = p->v[P_MEM_P2M];
}

const struct vl_model vl_model_paravirt = {
	.version = VL_MODEL_VERSION,
	.name = "paravirt",
	.summary = "paravirtualization (Xen-style): hypercalls, batched page tables, rings",
	.params = params,
	.nparams = P__COUNT,
	.profiles = profiles,
	.nprofiles = sizeof(profiles) / sizeof(profiles[0]),
	.state_size = sizeof(struct paravirt),
	.init = pv_init,
	.on_event = pv_on_event,
	.finish = pv_finish,
	.report = pv_report,
	.memory = pv_memory,
};
