/*
 * hwassist: hardware-assisted virtualization (Intel VT-x, AMD-V). The guest
 * runs directly in VMX non-root mode; configured events exit to the monitor:
 * a hardware round trip (host parameter `vmexit`, by CPU generation), VMCS
 * reads and writes, and handler work. Memory is virtualized by shadow page
 * tables (sim/shadow.h: page faults, traced PTE writes, hidden faults, CR3
 * and INVLPG exit) or nested paging (nothing exits, every TLB miss walks two
 * dimensions). README.md shows where every default comes from and the
 * arithmetic of the derived ones.
 */
#include "models/hwassist/hwassist.h"
#include "sim/native.h"
#include "sim/shadow.h"
#include "sim/tcache.h"

enum {
	P_NESTED,         /* 0 shadow paging, 1 nested paging (EPT/NPT) */
	P_VPID,           /* tagged TLB: exits do not flush it */
	P_TLB_REFILL,     /* cycles of TLB refills after an untagged exit */
	P_EXIT_READS,     /* VMCS reads per exit */
	P_EXIT_WRITES,    /* VMCS writes per exit */
	P_TPR_SHADOW,     /* CR8 writes do not exit */
	P_TPR_CYCLES,     /* extra cycles of a shadowed CR8 write */
	P_GUEST_EXC,      /* extra cycles of exception delivery in guest mode */
	P_H_IO,           /* handler: port I/O (decode, device model) */
	P_H_MMIO,         /* handler: MMIO (decode, emulate, device model) */
	P_IO_USER,        /* device models run in user space */
	P_USER_EXIT,      /* cycles of a trip to a user-space device model */
	P_VIRTIO,         /* paravirtual devices: one notification per request */
	P_H_KICK,         /* handler: virtio notification */
	P_H_PF,           /* handler: shadow paging, true guest fault */
	P_H_PTE,          /* handler: decode and emulate a traced PTE write */
	P_SHADOW_SAME,    /* shadow work: PTE rewritten unchanged */
	P_SHADOW_CLEAR,   /* shadow work: PTE made not present */
	P_SHADOW_SET,     /* shadow work: PTE made present */
	P_H_CR3,          /* handler: shadow paging, address-space switch */
	P_H_INVLPG,       /* handler: shadow paging, INVLPG */
	P_SHADOW_BUILD,   /* shadow paging: building an empty shadow */
	P_SHADOW_CAP,     /* shadow paging: shadows cached, in address spaces */
	P_UNSYNC,         /* shadow paging: unsynchronised shadow page tables */
	P_RESYNC,         /* shadow paging: resynchronising one entry */
	P_H_CPUID,
	P_H_CR,           /* handler: CR0/CR4 (and CR8 without TPR shadow) */
	P_H_MSR,
	P_H_HLT,
	P_EXIT_RDTSC,     /* RDTSC exits */
	P_H_RDTSC,
	P_H_IRQ,          /* handler: external interrupt, then injection */
	P_SWITCH,         /* loading another vCPU's VMCS and state */
	P_KERNEL_EMUL,    /* software KVM: cycles per emulated guest kernel instruction */
	P_USER_LEAVE,     /* software KVM: leaving guest user mode (exception, call, exit) */
	P_CLUSTER,        /* exit clustering (Agesen et al. 2012) */
	P_CL_WINDOW,      /* clustering: instructions to the next exiting one */
	P_CL_EMULATE,     /* clustering: an exiting instruction emulated in translated code */
	P_CL_TRANSLATE,   /* clustering: translating one guest instruction */
	P_CL_LOOKUP,      /* clustering: a call/ret or indirect branch in translated code */
	P_CL_TC_KB,       /* clustering: translation cache for clusters */
	P_MEM_MONITOR,    /* host memory per guest for the monitor */
	P_MEM_SHADOW,     /* shadow page tables per MB of guest memory (nested=0) */
	P_MEM_EPT,        /* nested page tables per MB of guest memory (nested=1) */
	P_START_MS,     /* from creation until the guest serves */
	P__COUNT
};

#define AA4 "Adams & Agesen 2006, Fig. 4"
#define AG12 "Agesen et al. 2012"
#define EST(why) "estimate: " why
#define DER(why) "derived from " AA4 ": " why " (see README)"

static const struct vl_param_def params[P__COUNT] = {
	[P_NESTED] = {"nested", "flag", 0, 0, 1, "Adams & Agesen 2006 used shadow paging; "
		"nested paging: Bhargava et al. 2008", "1: nested paging (EPT/NPT); 0: shadow paging"},
	[P_VPID] = {"vpid", "flag", 0, 0, 1, "VPID/ASID tags arrived after Prescott (Nehalem, "
		"AMD-V ASIDs)", "1: tagged TLB, exits keep it"},
	[P_TLB_REFILL] = {"tlb_refill", "cycles", 300, 0, 1e6,
		EST("a few dozen TLB refills from cache after each untagged exit"),
		"TLB refills after an exit without VPID, on traces without touches (with touches "
		"the TLB model empties the TLB and pays the refills as walks)"},
	[P_EXIT_READS] = {"exit_reads", "count", 10, 0, 1000,
		"Adams & Agesen 2006, Sec. 4: about ten VMCB reads to handle a typical exit",
		"VMCS reads per exit"},
	[P_EXIT_WRITES] = {"exit_writes", "count", 2, 0, 1000,
		EST("advance the guest RIP, update interruptibility"), "VMCS writes per exit"},
	[P_TPR_SHADOW] = {"tpr_shadow", "flag", 1, 0, 1,
		AA4 ": cr8wr costs 177 under VT-x, so it did not exit", "1: CR8 writes do not exit"},
	[P_TPR_CYCLES] = {"tpr_cycles", "cycles", 27, 0, 1e6, DER("cr8wr 177 - native 150"),
		"extra cost of a shadowed CR8 write"},
	[P_GUEST_EXC] = {"guest_exception", "cycles", 125, 0, 1e6,
		DER("divzero 1014 - native 889"), "extra cost of exception delivery in guest mode"},
	[P_H_IO] = {"h_io", "cycles", 9441, 0, 1e7, DER("in 15826 - exit 6385"),
		"port I/O exit handler: decode, device model"},
	[P_H_MMIO] = {"h_mmio", "cycles", 9441, 0, 1e10, EST("as h_io, plus nothing measured"),
		"MMIO exit handler: decode, emulate, device model"},
	[P_IO_USER] = {"io_user", "flag", 0, 0, 1,
		"KVM and Xen HVM run device models in user space (QEMU); VMware's VMM in its own",
		"1: I/O exits continue to a user-space device model"},
	[P_USER_EXIT] = {"user_exit", "cycles", 6000, 0, 1e10,
		EST("return from the run ioctl, the device model, and re-entry; SplitX (Landau "
		    "et al. 2011) finds indirect costs an order above the 2000-cycle direct one"),
		"round trip to a user-space device model"},
	[P_VIRTIO] = {"virtio", "flag", 0, 0, 1, "virtio (Russell 2008): one notification per "
		"request batch instead of emulated device registers",
		"1: paravirtual devices; 0: emulated devices"},
	[P_H_KICK] = {"h_kick", "cycles", 2000, 0, 1e7, EST("read the ring, hand the request on"),
		"virtio notification handler"},
	[P_H_PF] = {"h_pf", "cycles", 3764, 0, 1e10, DER("pgfault 11242 - native 1093 - exit 6385"),
		"shadow paging: walk the guest tables, inject a true fault"},
	[P_H_PTE] = {"h_pte", "cycles", 2769, 0, 1e7, DER("ptemod P->NP 9154 - exit 6385"),
		"shadow paging: decode and emulate a traced PTE write"},
	[P_SHADOW_SAME] = {"shadow_same", "cycles", 3579, 0, 1e7,
		DER("ptemod unchanged 12733 - exit 6385 - h_pte 2769"),
		"shadow work when a PTE is rewritten unchanged"},
	[P_SHADOW_CLEAR] = {"shadow_clear", "cycles", 0, 0, 1e7,
		"assumption: dropping a shadow entry is part of h_pte", "shadow work, PTE P->NP"},
	[P_SHADOW_SET] = {"shadow_set", "cycles", 7866, 0, 1e7,
		DER("ptemod NP->P 17020 - exit 6385 - h_pte 2769"), "shadow work, PTE NP->P"},
	[P_H_CR3] = {"h_cr3", "cycles", 200, 0, 1e7,
		EST("find the cached shadow root of the guest's new CR3 (a hash probe; KVM's fast "
		    "CR3 switch compares its cached roots) and put it in the VMCS; the guest's "
		    "CR3 load is charged at its native cost, building a missing shadow as "
		    "shadow_build"),
		"shadow paging: CR3 write handler, switch to a cached shadow"},
	[P_H_INVLPG] = {"h_invlpg", "cycles", 1000, 0, 1e7, EST("drop one shadow entry"),
		"shadow paging: INVLPG handler"},
	[P_SHADOW_BUILD] = VL_SHADOW_P_BUILD,
	[P_SHADOW_CAP] = VL_SHADOW_P_CAP,
	[P_UNSYNC] = VL_SHADOW_P_UNSYNC,
	[P_RESYNC] = VL_SHADOW_P_RESYNC,
	[P_H_CPUID] = {"h_cpuid", "cycles", 300, 0, 1e7, EST("look up the virtual CPUID leaf"),
		"CPUID handler"},
	[P_H_CR] = {"h_cr", "cycles", 500, 0, 1e7, EST("update the virtual control register"),
		"control-register write handler"},
	[P_H_MSR] = {"h_msr", "cycles", 500, 0, 1e7, EST("look up the virtual MSR"),
		"RDMSR/WRMSR handler"},
	[P_H_HLT] = {"h_hlt", "cycles", 500, 0, 1e10, EST("mark the vCPU idle"), "HLT handler"},
	[P_EXIT_RDTSC] = {"exit_rdtsc", "flag", 0, 0, 1, "VT-x offsets the TSC without exiting "
		"unless told to", "1: RDTSC exits"},
	[P_H_RDTSC] = {"h_rdtsc", "cycles", 200, 0, 1e7, EST("compute the virtual TSC"),
		"RDTSC handler"},
	[P_H_IRQ] = {"h_irq", "cycles", 1000, 0, 1e7,
		EST("acknowledge on the host, queue and inject the virtual interrupt"),
		"external interrupt exit handler"},
	[P_SWITCH] = {"switch", "cycles", 2000, 0, 1e7,
		EST("VMPTRLD of another VMCS plus the state the hardware does not switch"),
		"switching the physical CPU to another vCPU"},
	[P_KERNEL_EMUL] = {"kernel_emul", "cycles/insn", 0, 0, 1e8,
		"0 on VT-x/AMD-V (guest kernel code runs directly); a software KVM (kvm_pvm) "
		"emulates it: virtlab calibrate measures the cost",
		"emulating one guest kernel-mode instruction (0: direct execution)"},
	[P_USER_LEAVE] = {"user_leave", "cycles", 0, 0, 1e9,
		"0 on VT-x/AMD-V (a guest's user and kernel modes are one context to the "
		"hardware); a software KVM (kvm_pvm) runs guest user code directly in a context "
		"of its own and switches out of it for every exception and exit taken there: "
		"virtlab calibrate measures the cost (cpuid, #GP); that system calls leave it alike "
		"is an assumption (this host's KVM fails a guest SYSCALL loop)",
		"leaving guest user mode for the monitor: an exception, system call or exit taken "
		"at guest user mode"},
	[P_CLUSTER] = {"cluster", "flag", 0, 0, 1,
		AG12 ": VMware's hardware VMM translates clusters of exiting instructions, in "
		"products from 2011 on (none in the 2006 VMM A&A measured)",
		"1: an exit also handles the exiting instructions that follow it, in translated code"},
	[P_CL_WINDOW] = {"cluster_window", "insns", 24, 0, 1e6,
		EST("the translator looks ahead about two translation units of up to 12 "
		    "instructions (A&A 2006, Sec. 3.1) for the next exiting instruction"),
		"clustering: the next exiting instruction joins the cluster when it comes within "
		"this many instructions"},
	[P_CL_EMULATE] = {"cluster_emulate", "cycles", 216, 0, 1e7,
		"Adams & Agesen 2006, Sec. 3.2: in-translation-cache emulation, 216 cycles (rdtsc); "
		"BT's `in` costs 216 in all (Fig. 4)",
		"clustering: an exiting instruction emulated inside the cluster's translation"},
	[P_CL_TRANSLATE] = {"cluster_translate", "cycles/insn", 2300, 0, 1e6,
		"Adams & Agesen 2006, Sec. 3.1: about 2300 cycles per translated guest instruction",
		"clustering: translating a cluster, per guest instruction, once per site"},
	[P_CL_LOOKUP] = {"cluster_lookup", "cycles", 40, 0, 1e6,
		"Adams & Agesen 2006, Fig. 4: BT's call/ret 51 - native 11",
		"clustering: a return or indirect branch in translated code (a hash lookup)"},
	[P_CL_TC_KB] = {"cluster_tc_kb", "KiB", 1024, 1, 1e7,
		EST("the size VMware gives cluster translations is not published"),
		"clustering: translation cache for clusters (oldest go first)"},
	[P_MEM_MONITOR] = VL_MEMORY_P_MONITOR,
	[P_MEM_SHADOW] = VL_SHADOW_P_MEM,
	[P_MEM_EPT] = {"ept_fraction", "ratio", 0.002, 0, 1,
		"an EPT/NPT entry of 8 bytes per 4 KiB guest page: 8 / 4096, about 0.2%",
		"capacity plans: nested page tables per MB of guest memory (nested=1)"},
	[P_START_MS] = VL_START_P(125, VL_START_VM_SRC),
};

static const struct vl_setting kvm_prescott[] = {
	{"io_user", 1}, {"tpr_shadow", 0}, {NULL, 0},
};

static const struct vl_setting kvm_modern[] = {
	{"nested", 1}, {"vpid", 1}, {"io_user", 1}, {"virtio", 1}, {NULL, 0},
};

static const struct vl_setting xen_hvm[] = {
	{"io_user", 1}, {NULL, 0},
};

static const struct vl_setting vbox_vtx[] = {
	{"io_user", 0}, {NULL, 0},
};

static const struct vl_setting vmware_ept[] = {
	{"nested", 1}, {"vpid", 1}, {NULL, 0},
};

static const struct vl_profile profiles[] = {
	{"vmware-vtx-2006", "VMware Player 1.0.1 hardware VMM: VT-x, shadow paging", "prescott",
	 NULL, "Adams & Agesen 2006: the same VMM binary as the software VMM, using VT-x; "
	 "devices emulated in the VMM; every default of this model", NULL, "desktop"},
	{"kvm-prescott", "KVM with shadow paging and QEMU device models on the Prescott host",
	 "prescott", kvm_prescott, "KVM handler costs were not measured on Prescott: the "
	 "A&A-derived handler costs stand in; I/O goes to QEMU in user space; Prescott has no "
	 "TPR shadow, so CR8 writes exit", NULL, "server"},
	{"kvm", "KVM on a recent host: EPT, VPID, virtio, QEMU device models", "modern",
	 kvm_modern, "handler costs are the A&A-derived ones scaled by nothing: KVM's own "
	 "were not measured by a source here (virtlab calibrate measures this host's)",
	 NULL, "server,development"},
	{"xen3-hvm", "Xen 3 HVM guest: VT-x, shadow paging, qemu-dm device model in dom0",
	 "merom", xen_hvm, "device model in dom0 user space; handler costs not published, the "
	 "A&A-derived ones stand in", NULL, "server"},
	{"virtualbox-vtx", "VirtualBox with VT-x, shadow paging", "merom", vbox_vtx,
	 "handler costs not published; the A&A-derived ones stand in",
	 NULL, "desktop,development"},
	{"vmware-ept", "VMware with VT-x and nested paging (EPT) and VPID", "nehalem", vmware_ept,
	 "Bhargava et al. 2008 for the 2-D walk; handler costs: the A&A-derived ones",
	 NULL, "server"},
};

struct hwassist {
	struct vl_nativecost nc;
	struct vl_shadow sh;  /* shadow paging only */
	uint64_t exit_cost;   /* round trip, cycles */
	uint64_t tlb_refill;  /* flat TLB refill after an untagged exit (traces without touches) */
	int vpid;
	uint64_t vmcs_cost;   /* reads and writes per exit */
	uint64_t h[P__COUNT]; /* parameter values as whole cycles */
	int nested, tpr_shadow, io_user, virtio, exit_rdtsc;
	uint64_t extra_walk;  /* nested paging: extra references per TLB miss x walk_ref */
	uint64_t exits, shadow_exits, io_exits;
	struct cluster {
		int on;
		int open;          /* an exit's translation could continue to this one */
		int members;       /* exiting instructions the open cluster handled */
		int building;      /* its site had no translation: translating as it goes */
		uint64_t site;     /* the opening exit's block and kind */
		uint64_t gap;      /* instructions since the last exiting one */
		uint64_t lookups;  /* returns and indirect branches among them */
		uint64_t last_bb;  /* id of the latest block */
		uint64_t window;
		struct vl_tcache tc;
		uint64_t clusters, handled, translations;
	} cl;
};

/*
 * The costs that move with the processor (in Prescott cycles here): the
 * exit round trip and VMCS accesses are host parameters of their own; the
 * extra of exception delivery in guest mode is a hardware transition; the
 * handlers are monitor software. Trips to a user-space device model and
 * software KVM's emulation are measured on the host they run on.
 */
static const unsigned char scale[P__COUNT] = {
	[P_GUEST_EXC] = VL_SCALE_HW, [P_TPR_CYCLES] = VL_SCALE_HW,
	[P_H_IO] = VL_SCALE_SW, [P_H_MMIO] = VL_SCALE_SW, [P_H_KICK] = VL_SCALE_SW,
	[P_H_PF] = VL_SCALE_SW, [P_H_PTE] = VL_SCALE_SW, [P_SHADOW_SAME] = VL_SCALE_SW,
	[P_SHADOW_CLEAR] = VL_SCALE_SW, [P_SHADOW_SET] = VL_SCALE_SW, [P_H_CR3] = VL_SCALE_SW,
	[P_H_INVLPG] = VL_SCALE_SW, [P_H_CPUID] = VL_SCALE_SW, [P_H_CR] = VL_SCALE_SW,
	[P_H_MSR] = VL_SCALE_SW, [P_H_HLT] = VL_SCALE_SW, [P_H_RDTSC] = VL_SCALE_SW,
	[P_H_IRQ] = VL_SCALE_SW, [P_SWITCH] = VL_SCALE_SW,
	[P_CL_EMULATE] = VL_SCALE_SW, [P_CL_TRANSLATE] = VL_SCALE_SW, [P_CL_LOOKUP] = VL_SCALE_SW,
	[P_SHADOW_BUILD] = VL_SCALE_SW, [P_RESYNC] = VL_SCALE_SW,
};

static int hw_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct hwassist *s = state;
	const double *h = p->host->v, *v = p->v;

	(void)err;
	vl_nativecost_init(&s->nc, p->host);
	for (int i = 0; i < P__COUNT; i++)
		s->h[i] = vl_cycles(v[i] * vl_host_scale(p->host, scale[i]));
	s->nested = v[P_NESTED] >= 0.5;
	s->tpr_shadow = v[P_TPR_SHADOW] >= 0.5;
	s->io_user = v[P_IO_USER] >= 0.5;
	s->virtio = v[P_VIRTIO] >= 0.5;
	s->exit_rdtsc = v[P_EXIT_RDTSC] >= 0.5;
	s->vpid = v[P_VPID] >= 0.5;
	s->exit_cost = vl_cycles(h[VL_H_VMEXIT]);
	s->tlb_refill = s->vpid ? 0 : vl_cycles(v[P_TLB_REFILL]);
	vl_tlb_set_nested(&s->nc.tlb, s->nested);
	s->vmcs_cost = vl_cycles(v[P_EXIT_READS] * h[VL_H_VMCS_READ] + v[P_EXIT_WRITES] * h[VL_H_VMCS_WRITE]);
	/* A 2-D walk makes n*m + n + m references instead of n (Bhargava et al. 2008). */
	double n = h[VL_H_PT_LEVELS];
	s->extra_walk = vl_cycles((n * n + n + n - n) * h[VL_H_WALK_REF]);
	s->cl.on = v[P_CLUSTER] >= 0.5;
	s->cl.window = (uint64_t)v[P_CL_WINDOW];
	if (s->cl.on && vl_tcache_init(&s->cl.tc, (uint64_t)(v[P_CL_TC_KB] * 1024), VL_TC_FIFO,
	                               err))
		return -1;
	if (!s->nested)
		return vl_shadow_init(&s->sh, (unsigned)s->h[P_SHADOW_CAP], v[P_UNSYNC] >= 0.5, err);
	return 0;
}

static void hw_release(void *state)
{
	struct hwassist *s = state;

	vl_shadow_release(&s->sh);
	if (s->cl.on)
		vl_tcache_release(&s->cl.tc);
}

/*
 * One exit: the hardware round trip, the VMCS accesses, and the handler.
 * Without VPID the exit empties the TLB: on a trace with touches the TLB
 * model then pays the refills as walks; on one without, tlb_refill stands in.
 */
static uint64_t exit_round_trip(struct hwassist *s)
{
	if (!s->vpid && s->nc.tlb.touches)
		vl_tlb_flush(&s->nc.tlb);
	return s->exit_cost + (s->nc.tlb.touches ? 0 : s->tlb_refill);
}

static void exit_once(struct hwassist *s, struct vl_charge *out, unsigned mech, uint64_t handler)
{
	s->exits++;
	vl_charge(out, VL_MECH_VMEXIT, exit_round_trip(s));
	vl_charge(out, VL_MECH_EXITHANDLER, s->vmcs_cost);
	if (handler)
		vl_charge(out, mech, handler);
}

/* a cluster's translated bytes per guest instruction: bt's tc_bytes estimate */
#define CL_BYTES_PER_INSN 5

/* An exit that no cluster can hold (a fault, an interrupt, a CR3 switch). */
static void vmexit(struct hwassist *s, struct vl_charge *out, unsigned mech, uint64_t handler)
{
	s->cl.open = 0;
	exit_once(s, out, mech, handler);
}

/*
 * Exit clustering (Agesen et al. 2012). At an exit the monitor translates
 * the guest code that follows the exiting instruction and runs it in
 * translated form, emulating the further exiting instructions it meets,
 * so that one exit stands for the whole cluster; the translation is cached
 * by site. Here an exiting instruction joins the open cluster when it
 * comes within cluster_window instructions of the previous one, with no
 * interrupt, fault, system call or unclusterable exit between: it costs
 * cluster_emulate instead of an exit, the instructions between ran as
 * translated code (native, plus a lookup per return or indirect branch),
 * and while the site's translation is being built each instruction it
 * covers costs cluster_translate. The look-ahead is the trace's own
 * future; a real translator finds the same instructions statically.
 * Returns 1 when ev was handled inside a cluster.
 */
static int clustered(struct hwassist *s, const struct vl_event *ev, struct vl_charge *out,
                     unsigned mech)
{
	struct cluster *c = &s->cl;

	if (!c->on)
		return 0;
	if (!c->open || c->gap > c->window) { /* this exit opens a candidate cluster */
		c->open = 1;
		c->members = 1;
		c->site = c->last_bb << 6 | ev->type;
		c->gap = c->lookups = 0;
		return 0;
	}
	if (c->members++ == 1) { /* the candidate is a cluster: its translation */
		c->clusters++;
		c->building = vl_tcache_access(&c->tc, c->site,
		                               (uint32_t)(c->window * CL_BYTES_PER_INSN)) != 1;
		if (c->building) {
			c->translations++;
			vl_charge(out, VL_MECH_TRANSLATE, s->h[P_CL_TRANSLATE]); /* the opener */
		}
	}
	if (c->building)
		vl_charge(out, VL_MECH_TRANSLATE, (c->gap + 1) * s->h[P_CL_TRANSLATE]);
	if (c->lookups)
		vl_charge(out, VL_MECH_LOOKUP, c->lookups * s->h[P_CL_LOOKUP]);
	vl_charge(out, mech, s->h[P_CL_EMULATE]);
	c->handled++;
	c->gap = c->lookups = 0;
	return 1;
}

/* The instructions between exits, as a cluster sees them. */
static void cluster_track(struct cluster *c, const struct vl_event *ev)
{
	switch (ev->type) {
	case VL_EV_BB:
		c->last_bb = ev->a;
		/* fallthrough */
	case VL_EV_USER:
	case VL_EV_KERNEL:
		c->gap += ev->n;
		break;
	case VL_EV_CALLRET:
	case VL_EV_INDIRECT:
		c->lookups += ev->n;
		break;
	default:
		if (vl_evdesc[ev->type].cls & VL_EVC_INTR)
			c->open = 0; /* control leaves the translated code */
	}
}

/* An exiting instruction: an exit, or one more member of a cluster. */
static int insn_exit(struct hwassist *s, const struct vl_event *ev, struct vl_charge *out,
                     unsigned mech, uint64_t handler)
{
	if (clustered(s, ev, out, mech))
		return 1;
	exit_once(s, out, mech, handler);
	return 0;
}

/* n exits whose handlers do `shadow` cycles of shadow-table work in all. */
static void shadow_exits(struct hwassist *s, struct vl_charge *out, uint64_t n, uint64_t shadow)
{
	s->cl.open = 0;
	s->exits += n;
	s->shadow_exits += n;
	vl_charge(out, VL_MECH_VMEXIT, n * exit_round_trip(s));
	vl_charge(out, VL_MECH_EXITHANDLER, n * s->vmcs_cost);
	if (shadow)
		vl_charge(out, VL_MECH_SHADOWPT, shadow);
}

/*
 * Shadow paging (nested=0): the events whose cost depends on the shadow
 * tables. A hidden fault is an exit whose handler walks the guest tables
 * and fills the entry: h_pf, the walk a true fault makes, with the fill in
 * place of the injection. Returns 1 when the event is charged whole.
 */
static int shadow_event(struct hwassist *s, const struct vl_event *ev, struct vl_charge *out)
{
	const uint64_t *h = s->h;
	struct vl_shadow_out o;

	vl_shadow_event(&s->sh, ev, &o);
	switch (ev->type) {
	case VL_EV_PTEWRITE:
		if (!o.traced) { /* no shadow yet, or an unsynchronised table: no exit */
			vl_native_charge(&s->nc, ev, out);
		} else {
			int before = !!(ev->flags & VL_EVF_P_OLD), after = !!(ev->flags & VL_EVF_P_NEW);
			if (!insn_exit(s, ev, out, VL_MECH_EMULATE, h[P_H_PTE]))
				s->shadow_exits++;
			uint64_t w = before == after ? h[P_SHADOW_SAME] : before ? h[P_SHADOW_CLEAR]
			                                                         : h[P_SHADOW_SET];
			if (w)
				vl_charge(out, VL_MECH_SHADOWPT, w);
		}
		return 1;
	case VL_EV_CR3:
		vl_native_charge(&s->nc, ev, out); /* the CR3 load at entry */
		shadow_exits(s, out, 1 + o.hidden, h[P_H_CR3] + o.rebuilt * h[P_SHADOW_BUILD] +
		             o.resync * h[P_RESYNC] + o.hidden * h[P_H_PF]);
		return 1;
	case VL_EV_INVLPG:
		shadow_exits(s, out, 1, h[P_H_INVLPG] + o.resync * h[P_RESYNC]);
		return 1;
	case VL_EV_EXEC:
		vl_native_charge(&s->nc, ev, out);
		if (o.rebuilt)
			vl_charge(out, VL_MECH_SHADOWPT, h[P_SHADOW_BUILD]);
		return 1;
	case VL_EV_TOUCH:
		if (o.hidden)
			shadow_exits(s, out, o.hidden, o.hidden * h[P_H_PF]);
		return 0; /* the reference itself is priced as without a monitor */
	default:
		return 0;
	}
}

static void io_exit(struct hwassist *s, const struct vl_event *ev, struct vl_charge *out,
                    uint64_t handler)
{
	if (!insn_exit(s, ev, out, VL_MECH_DEVEMU, handler))
		s->io_exits++;
	if (s->io_user)
		vl_charge(out, VL_MECH_WORLDSWITCH, s->h[P_USER_EXIT]);
}

/* An event that takes the vCPU out of guest user mode: an exception, fault or
 * system call there, or an instruction that exits (interrupts carry no mode). */
static int leaves_user(const struct vl_event *ev)
{
	return !(ev->flags & VL_EVF_KERNEL) &&
	       ((vl_evdesc[ev->type].cls & (VL_EVC_INTR | VL_EVC_PRIV | VL_EVC_IO)) ||
	        ev->type == VL_EV_CPUID);
}

static void hw_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct hwassist *s = state;
	const uint64_t *h = s->h;

	if (s->cl.on)
		cluster_track(&s->cl, ev);
	if (h[P_USER_LEAVE] && leaves_user(ev))
		vl_charge(out, VL_MECH_VMEXIT, h[P_USER_LEAVE]);
	/* Shadow paging's INVLPG exit reaches the TLB too (the VMM flushes the
	 * entry; its CR3 exit loads the shadow CR3 through vl_native_charge);
	 * nested paging's go through vl_native_charge below. */
	if (!s->nested && ev->type == VL_EV_INVLPG)
		vl_nativecost_mmu(&s->nc, ev, out);
	if (!s->nested && vl_shadow_wants(ev->type) && shadow_event(s, ev, out))
		return;
	switch (ev->type) {
	case VL_EV_EXCEPTION:
		vl_native_charge(&s->nc, ev, out);
		vl_charge(out, VL_MECH_DIRECT, h[P_GUEST_EXC]);
		break;
	case VL_EV_PGFAULT:
		vl_native_charge(&s->nc, ev, out); /* the guest's own handler */
		if (!s->nested) {
			s->shadow_exits++;
			vmexit(s, out, VL_MECH_SHADOWPT, h[P_H_PF]);
		}
		break;
	case VL_EV_PTEWRITE:
	case VL_EV_CR3:
	case VL_EV_INVLPG:
		/* nested paging: none of these exits (shadow paging: shadow_event) */
		vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_TLBMISS:
		vl_native_charge(&s->nc, ev, out);
		if (s->nested)
			vl_charge(out, VL_MECH_NESTEDWALK, ev->n * s->extra_walk);
		break;
	case VL_EV_CR8:
		if (s->tpr_shadow) {
			vl_native_charge(&s->nc, ev, out);
			vl_charge(out, VL_MECH_DIRECT, h[P_TPR_CYCLES]);
		} else {
			insn_exit(s, ev, out, VL_MECH_EMULATE, h[P_H_CR]);
		}
		break;
	case VL_EV_CR0:
	case VL_EV_CR4:
		insn_exit(s, ev, out, VL_MECH_EMULATE, h[P_H_CR]);
		break;
	case VL_EV_CPUID:
		insn_exit(s, ev, out, VL_MECH_EMULATE, h[P_H_CPUID]);
		break;
	case VL_EV_RDMSR:
	case VL_EV_WRMSR:
		insn_exit(s, ev, out, VL_MECH_EMULATE, h[P_H_MSR]);
		break;
	case VL_EV_HLT:
		vmexit(s, out, VL_MECH_EMULATE, h[P_H_HLT]);
		break;
	case VL_EV_RDTSC:
		if (s->exit_rdtsc)
			insn_exit(s, ev, out, VL_MECH_EMULATE, h[P_H_RDTSC]);
		else
			vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_IN:
	case VL_EV_OUT:
	case VL_EV_MMIO:
		/* A paravirtual driver makes no such accesses (its requests are
		 * kicks); an emulated device's are exits. Either way the host's
		 * driver makes the real ones. */
		if (!s->virtio)
			io_exit(s, ev, out, h[ev->type == VL_EV_MMIO ? P_H_MMIO : P_H_IO]);
		vl_native_charge_hostdrv(&s->nc, ev, out);
		break;
	case VL_EV_DISK:
	case VL_EV_NET:
		if (s->virtio)
			io_exit(s, ev, out, h[P_H_KICK]);
		break;
	case VL_EV_IRQ:
	case VL_EV_TIMER:
		vmexit(s, out, VL_MECH_EXITHANDLER, h[P_H_IRQ]);
		vl_native_charge(&s->nc, ev, out); /* delivery to the guest */
		break;
	case VL_EV_VSWITCH:
		vl_charge(out, VL_MECH_CTXSWITCH, h[P_SWITCH]);
		vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_KERNEL:
	case VL_EV_BB:
		if (h[P_KERNEL_EMUL] && (ev->type == VL_EV_KERNEL || (ev->flags & VL_EVF_KERNEL))) {
			vl_charge(out, VL_MECH_INTERP, ev->n * h[P_KERNEL_EMUL]);
			break;
		}
		vl_native_charge(&s->nc, ev, out);
		break;
	default:
		/* Everything else runs in non-root mode at native cost: instructions,
		 * system calls, sensitive instructions (they behave), CLI/STI. */
		vl_native_charge(&s->nc, ev, out);
	}
}

static void hw_report(const void *state, vl_emit_fn emit, void *ctx)
{
	const struct hwassist *s = state;

	emit(ctx, "exits", (double)s->exits, "count");
	emit(ctx, "shadow_exits", (double)s->shadow_exits, "count");
	emit(ctx, "io_exits", (double)s->io_exits, "count");
	if (s->cl.on) {
		emit(ctx, "clusters", (double)s->cl.clusters, "count");
		emit(ctx, "clustered_exits", (double)s->cl.handled, "count");
		emit(ctx, "cluster_translations", (double)s->cl.translations, "count");
	}
	if (!s->nested)
		vl_shadow_report(&s->sh, emit, ctx);
	if (s->nc.tlb.touches) {
		emit(ctx, "tlb_touches", (double)s->nc.tlb.touches, "count");
		emit(ctx, "tlb_walks", (double)s->nc.tlb.walks, "count");
		emit(ctx, "walk_refs_guest", (double)s->nc.tlb.guest_refs, "count");
		emit(ctx, "walk_refs_nested", (double)s->nc.tlb.nested_refs, "count");
	}
}

/* Host memory per guest, from the parameters above (docs/capacity.md). */
static void hw_memory(const struct vl_params *p, struct vl_memory *out)
{
	out->fixed_mb = p->v[P_MEM_MONITOR];
	out->per_guest_mb = p->v[P_NESTED] >= 0.5 ? p->v[P_MEM_EPT] : p->v[P_MEM_SHADOW];
}

const struct vl_model vl_model_hwassist = {
	.version = VL_MODEL_VERSION,
	.name = "hwassist",
	.summary = "hardware assist (VT-x/AMD-V): exits, shadow or nested paging",
	.params = params,
	.nparams = P__COUNT,
	.profiles = profiles,
	.nprofiles = sizeof(profiles) / sizeof(profiles[0]),
	.state_size = sizeof(struct hwassist),
	.init = hw_init,
	.on_event = hw_on_event,
	.report = hw_report,
	.release = hw_release,
	.memory = hw_memory,
};
