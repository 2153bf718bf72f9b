/*
 * bt: VMware-style binary translation. User code runs directly; guest kernel
 * code runs from a translation cache (translated on first use, evicted when
 * the cache is full); privileged instructions become in-cache emulation or
 * callouts into the monitor; returns and indirect branches need lookups;
 * faults and system calls trap into the monitor and are reflected into the
 * guest; shadow page tables (sim/shadow.h) trace guest PTE writes, which
 * trap until adaptive translation turns their write sites into callouts, and
 * fill lazily by hidden faults. Hosted monitors reach devices through a world
 * switch to the host OS. VirtualBox's raw mode (patch = 1) runs ring-0 code
 * in place instead: scanned once (CSAM), its sensitive instructions patched
 * (PATM), its returns native, and what it cannot patch trapping. README.md
 * shows the sources and the arithmetic.
 */
#include "models/bt/bt.h"
#include "sim/lru.h"
#include "sim/native.h"
#include "sim/shadow.h"
#include "sim/tcache.h"

enum {
	P_TRANSLATE,      /* translator cycles per guest instruction */
	P_TC_KB,          /* translation-cache capacity */
	P_TC_POLICY,      /* 0 flush when full, 1 evict oldest */
	P_TC_BYTES,       /* translated bytes per guest instruction */
	P_TRANSLATED,     /* extra cycles per translated instruction */
	P_TC_EMULATE,     /* emulating a privileged instruction in the cache */
	P_TC_VREG,        /* a privileged access to a virtual register, inline */
	P_TRAP,           /* hardware trap into the monitor and back */
	P_CALLOUT,        /* call from translated code into the monitor and back */
	P_RET_LOOKUP,     /* translated return: target lookup */
	P_IND_LOOKUP,     /* translated indirect branch: target lookup */
	P_SYSCALL,        /* system call: into the monitor, then translated kernel */
	P_REFLECT,        /* reflecting a fault or interrupt into the guest */
	P_SHADOW_WALK,    /* hidden-fault check: walk the guest page tables */
	P_PTE_SAME,       /* traced PTE write, value unchanged */
	P_PTE_CLEAR,      /* traced PTE write, P -> NP */
	P_PTE_SET,        /* traced PTE write, NP -> P */
	P_SHADOW_CR3,     /* finding the cached shadow of the new address space */
	P_SHADOW_INVLPG,  /* dropping one shadow entry */
	P_SHADOW_BUILD,   /* building an empty shadow */
	P_SHADOW_CAP,     /* shadows cached, in address spaces */
	P_UNSYNC,         /* 1: unsynchronised shadow page tables */
	P_RESYNC,         /* resynchronising one out-of-sync entry */
	P_ADAPT,          /* traps of a write kind before its sites are retranslated */
	P_DEVEMU,         /* device emulation of one access */
	P_HOSTED,         /* 1: devices through the host OS */
	P_WORLDSWITCH,    /* monitor -> host OS -> monitor */
	P_MEM_MONITOR,    /* host memory per guest for the monitor */
	P_MEM_SHADOW,     /* shadow page tables per MB of guest memory */
	P_MAX_VCPUS,      /* most vCPUs of a guest (0: no limit) */
	P_MAX_GUESTS,     /* most guests on a host (0: no limit) */
	P_PATCH,          /* 1: ring-0 code runs in place, scanned and patched (PATM/CSAM) */
	P_SCAN,           /* patch: scanning one guest instruction of code not run before */
	P_HOST_MEM,       /* hosted: host memory the guest's pages may stay resident in (0: all) */
	P_START_MS,     /* from creation until the guest serves */
	P__COUNT
};

#define AA "Adams & Agesen 2006"
#define DER(why) "derived from " AA ", Fig. 4: " why " (see README)"
#define EST(why) "estimate: " why

static const struct vl_param_def params[P__COUNT] = {
	[P_TRANSLATE] = {"translate", "cycles/insn", 2300, 0, 1e6,
		AA ", Sec. 3.1: about 2300 cycles per translated guest instruction",
		"translator cost per guest instruction"},
	[P_TC_KB] = {"tc_kb", "KiB", 4096, 1, 1e7,
		EST("VMware's translation-cache size is not published"),
		"translation-cache capacity"},
	[P_TC_POLICY] = {"tc_policy", "policy", 1, 0, 1, EST("oldest translations go first"),
		"when full: 0 flush everything, 1 evict the oldest"},
	[P_TC_BYTES] = {"tc_bytes", "bytes/insn", 5, 0.1, 1000,
		EST("most instructions translate IDENT (A&A Sec. 3.1): about an x86 instruction "
		    "and a little glue"), "translated bytes per guest instruction"},
	[P_TRANSLATED] = {"translated", "cycles/insn", 0, 0, 1e4,
		AA ", Sec. 3.1: IDENT translations run at native speed",
		"extra cycles per translated instruction"},
	[P_TC_EMULATE] = {"tc_emulate", "cycles", 216, 0, 1e7,
		AA ", Sec. 3.2: rdtsc by in-translation-cache emulation, 216 cycles",
		"emulating a privileged instruction inside the cache"},
	[P_TC_VREG] = {"tc_vreg", "cycles", 35, 0, 1e7, DER("cr8wr 35"),
		"inline access to a virtual register (CR8, IF, segment state)"},
	[P_TRAP] = {"trap", "cycles", 1814, 0, 1e7,
		AA ", Sec. 3.2: rdtsc trap-and-emulate 2030 - in-cache emulation 216",
		"hardware trap into the monitor and back"},
	[P_CALLOUT] = {"callout", "cycles", 1038, 0, 1e7,
		AA ", Sec. 3.2: rdtsc callout-and-emulate 1254 - in-cache emulation 216",
		"callout from translated code into the monitor and back"},
	[P_RET_LOOKUP] = {"ret_lookup", "cycles", 40, 0, 1e6, DER("call/ret 51 - native 11"),
		"translated return: look up the target"},
	[P_IND_LOOKUP] = {"ind_lookup", "cycles", 40, 0, 1e6,
		EST("the same hash lookup as a return"), "translated indirect branch lookup"},
	[P_SYSCALL] = {"syscall_trans", "cycles", 2066, 0, 1e7, DER("syscall 2308 - native 242"),
		"system call: monitor entry, translated kernel entry, sysret emulation"},
	[P_REFLECT] = {"reflect", "cycles", 520, 0, 1e7, DER("divzero 3223 - native 889 - trap 1814"),
		"reflecting a fault or interrupt into the guest kernel"},
	[P_SHADOW_WALK] = {"shadow_walk", "cycles", 500, 0, 1e7,
		DER("pgfault 3927 - native 1093 - trap 1814 - reflect 520"),
		"hidden-fault check: walk the guest page tables"},
	[P_PTE_SAME] = {"pte_same_extra", "cycles", 390, 0, 1e7, DER("ptemod unchanged 391 - native 1"),
		"traced PTE write, unchanged: revalidate the shadow entry"},
	[P_PTE_CLEAR] = {"pte_clear_extra", "cycles", 13, 0, 1e7, DER("ptemod P->NP 17 - native 4"),
		"traced PTE write, P->NP: drop the shadow entry inline"},
	[P_PTE_SET] = {"pte_set_extra", "cycles", 2116, 0, 1e7, DER("ptemod NP->P 2121 - native 5"),
		"traced PTE write, NP->P: build the shadow entry"},
	[P_SHADOW_CR3] = {"shadow_cr3", "cycles", 200, 0, 1e7,
		EST("find the cached shadow root of the guest's new CR3 (a hash probe; KVM's fast "
		    "CR3 switch compares its cached roots); the real CR3 load is charged at its "
		    "native cost, building a missing shadow as shadow_build"),
		"CR3 switch to a cached shadow: find it"},
	[P_SHADOW_INVLPG] = {"shadow_invlpg", "cycles", 500, 0, 1e7, EST("drop one shadow entry"),
		"INVLPG under shadow paging"},
	[P_SHADOW_BUILD] = VL_SHADOW_P_BUILD,
	[P_SHADOW_CAP] = VL_SHADOW_P_CAP,
	[P_UNSYNC] = VL_SHADOW_P_UNSYNC,
	[P_RESYNC] = VL_SHADOW_P_RESYNC,
	[P_ADAPT] = {"adapt_after", "count", 4, 0, 1e9,
		EST(AA ", Sec. 3.3: a write that keeps trapping is retranslated; after how many traps "
		    "is not published: 'a few'"),
		"traced PTE writes of one kind (P->P, P->NP, NP->P) that trap before the kernel's "
		"write sites are retranslated (0: adapted from the start)"},
	[P_DEVEMU] = {"devemu", "cycles", 2000, 0, 1e7,
		EST("decode the access, update the virtual device"), "emulating one device access"},
	[P_HOSTED] = {"hosted", "flag", 0, 0, 1,
		"Sugerman et al. 2001: Workstation reaches devices through the host OS",
		"1: hosted monitor (Workstation); 0: bare metal (ESX)"},
	[P_WORLDSWITCH] = {"worldswitch", "cycles", 6524, 0, 1e8,
		"Sugerman et al., USENIX ATC 2001: 8.9 us per world switch at 733 MHz",
		"one world switch, monitor -> host -> monitor"},
	[P_MEM_MONITOR] = VL_MEMORY_P_MONITOR,
	[P_MEM_SHADOW] = VL_SHADOW_P_MEM,
	[P_MAX_VCPUS] = VL_LIMIT_P_VCPUS("0: no limit; vmware-esx-2006: 2, ESX's Virtual SMP of "
	                                 "its time (2-way guests; recalled, not read here)"),
	[P_MAX_GUESTS] = VL_LIMIT_P_GUESTS("0: no limit (a hosted monitor: the host's memory "
	                                   "decides); vmware-esx-2006: 64 VMs per host (ESX's "
	                                   "configuration maximum; recalled, not read here)"),
	[P_PATCH] = {"patch", "flag", 0, 0, 1,
		"VirtualBox's raw mode (its VMM's CSAM and PATM, in the VirtualBox sources; design "
		"recalled, not read here): guest ring-0 code runs in ring 1 in place, each code page "
		"scanned before it first runs, the instructions that misbehave there replaced by "
		"jumps into patch code; what cannot be patched faults into the monitor",
		"1: kernel code runs in place (no translation cache: returns need no lookup), "
		"scanned once; privileged instructions trap instead of calling out"},
	[P_SCAN] = {"scan", "cycles/insn", 150, 0, 1e6,
		EST("decoding an instruction to find the ones to patch: a disassembler pass, "
		    "about a fifteenth of translating it (2300)"),
		"patch: scanning a guest kernel instruction the first time its block runs"},
	[P_HOST_MEM] = {"host_mem_mb", "MB", 0, 0, 1e7,
		"Sugerman et al., USENIX ATC 2001: a hosted monitor's guest memory is allocated "
		"from the host OS, which may page it out; how much stays resident is a what-if",
		"hosted: host memory the guest's pages stay resident in, least recently used "
		"paged out (0: all of it, no paging)"},
	[P_START_MS] = VL_START_P(125, VL_START_VM_SRC),
};

static const struct vl_setting esx[] = {{"max_vcpus", 2}, {"max_guests", 64}, {NULL, 0}};
static const struct vl_setting workstation[] = {{"hosted", 1}, {NULL, 0}};
static const struct vl_setting virtualbox[] = {{"hosted", 1}, {"patch", 1}, {NULL, 0}};

static const struct vl_profile profiles[] = {
	{"vmware-esx-2006", "VMware's software VMM, bare metal (ESX), on the Prescott host",
	 "prescott", esx, "Adams & Agesen 2006's software VMM: every cost default of this model; "
	 "ESX runs 2-way guests at most, 64 of them on a host", NULL, "server"},
	{"vmware-workstation", "VMware Workstation: the software VMM, hosted", "prescott",
	 workstation, "device accesses reach the host OS by a world switch (Sugerman et al. "
	 "2001)", NULL, "desktop,development"},
	{"virtualbox", "VirtualBox 1.x software mode: ring-0 code run in place, scanned and "
	 "patched (PATM/CSAM)", "prescott", virtualbox, "hosted; kernel code is not "
	 "translated: it is scanned once and its sensitive instructions patched, returns run "
	 "natively, privileged instructions trap; the scan's cost is an estimate and the rest "
	 "are VMware's (VirtualBox published none)", NULL, "desktop,development"},
	/* Aliases: hosted binary translators whose published descriptions give this model
	 * nothing to set differently. Each resolves exactly to its target. */
	{"vmware-server", "VMware Server 1.0: the Workstation VMM as a host service", NULL, NULL,
	 "the same hosted VMM and VMDriver as Workstation, run headless as a service on a server "
	 "OS with a remote console: no published cost difference, so nothing to set apart; its "
	 "host-memory settings (reserved memory, how much may be swapped) are Workstation's too",
	 "vmware-workstation", "server"},
	{"virtualpc", "Microsoft Virtual PC (x86 host): hosted binary translation", NULL, NULL,
	 "no published difference known: same structure, hosted; its translator and device "
	 "costs are not published, so VMware Workstation's stand in", "vmware-workstation",
	 "desktop"},
	{"virtualserver", "Microsoft Virtual Server 2005: hosted binary translation", NULL, NULL,
	 "Virtual Server 2005 runs the VMM and emulated hardware of Virtual PC (both from "
	 "Connectix), hosted on Windows Server; no published cost difference", "virtualpc",
	 "server"},
	{"parallels", "Parallels Workstation 2: hosted, ring-0 code by translation", NULL, NULL,
	 "no published difference known: same structure, hosted; costs not published, so "
	 "VMware Workstation's stand in", "vmware-workstation", "desktop"},

};

struct bt {
	struct vl_nativecost nc;
	struct vl_tcache tc;
	struct vl_shadow sh;
	uint64_t h[P__COUNT];
	double tc_bytes;
	int hosted, patch;
	struct vl_lru resident;   /* hosted, host_mem_mb > 0: the guest pages the host keeps */
	uint64_t host_fault;      /* cycles to bring one back: world switch, fault, disk read */
	uint64_t adapt_traps[3]; /* traps so far of PTE writes same, clear, set */
	uint64_t translated_insns, callouts, traps, pte_trapped, pte_adapted;
};

/*
 * The costs that move with the processor (in Prescott cycles here): traps
 * are hardware transitions; the rest is monitor software. The world switch
 * was measured on another machine (a Pentium III) and stays as given.
 */
static const unsigned char scale[P__COUNT] = {
	[P_TRAP] = VL_SCALE_HW, [P_SYSCALL] = VL_SCALE_HW,
	[P_TRANSLATE] = VL_SCALE_SW, [P_TRANSLATED] = VL_SCALE_SW, [P_TC_EMULATE] = VL_SCALE_SW,
	[P_TC_VREG] = VL_SCALE_SW, [P_CALLOUT] = VL_SCALE_SW, [P_RET_LOOKUP] = VL_SCALE_SW,
	[P_IND_LOOKUP] = VL_SCALE_SW, [P_REFLECT] = VL_SCALE_SW, [P_SHADOW_WALK] = VL_SCALE_SW,
	[P_PTE_SAME] = VL_SCALE_SW, [P_PTE_CLEAR] = VL_SCALE_SW, [P_PTE_SET] = VL_SCALE_SW,
	[P_SHADOW_CR3] = VL_SCALE_SW, [P_SHADOW_INVLPG] = VL_SCALE_SW, [P_DEVEMU] = VL_SCALE_SW,
	[P_SHADOW_BUILD] = VL_SCALE_SW, [P_RESYNC] = VL_SCALE_SW, [P_SCAN] = VL_SCALE_SW,
};

static int bt_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct bt *s = state;
	const double *v = p->v;

	vl_nativecost_init(&s->nc, p->host);
	for (int i = 0; i < P__COUNT; i++)
		s->h[i] = vl_cycles(v[i] * vl_host_scale(p->host, scale[i]));
	s->tc_bytes = v[P_TC_BYTES];
	s->hosted = v[P_HOSTED] >= 0.5;
	s->patch = v[P_PATCH] >= 0.5;
	int rc = vl_shadow_init(&s->sh, (unsigned)s->h[P_SHADOW_CAP], v[P_UNSYNC] >= 0.5, err);
	if (rc)
		return rc;
	rc = vl_tcache_init(&s->tc, (uint64_t)(v[P_TC_KB] * 1024), v[P_TC_POLICY] >= 0.5
	                    ? VL_TC_FIFO : VL_TC_FLUSH, err);
	if (rc) {
		vl_shadow_release(&s->sh);
		return rc;
	}
	if (s->hosted && v[P_HOST_MEM] > 0) {
		/* a page the host paged out: a world switch to the host, its page
		 * fault, and a 4 KiB read from its disk, at the host's costs */
		const double *h = p->host->v;
		double pages = v[P_HOST_MEM] * 256, disk_ns = h[VL_H_DISK_LATENCY_NS] +
		                                              4096 / (h[VL_H_DISK_MBS] * 1e6) * 1e9;
		s->host_fault = s->h[P_WORLDSWITCH] + vl_cycles(h[VL_H_PGFAULT]) +
		                vl_cycles(disk_ns * h[VL_H_CLOCK_HZ] / 1e9);
		rc = vl_lru_init(&s->resident, pages >= UINT32_MAX ? UINT32_MAX - 1
		                                                   : (uint32_t)(pages < 1 ? 1 : pages), err);
		if (rc) {
			vl_tcache_release(&s->tc);
			vl_shadow_release(&s->sh);
		}
	}
	return rc;
}

static void bt_release(void *state)
{
	struct bt *s = state;

	vl_tcache_release(&s->tc);
	vl_shadow_release(&s->sh);
	if (s->resident.cap)
		vl_lru_release(&s->resident);
}

/* A privileged instruction the monitor performs: translated code calls out
 * to it; code running in place (patch) traps to it. */
static void callout_emulate(struct bt *s, struct vl_charge *out)
{
	if (s->patch) {
		s->traps++;
		vl_charge(out, VL_MECH_TRAP, s->h[P_TRAP]);
	} else {
		s->callouts++;
		vl_charge(out, VL_MECH_CALLOUT, s->h[P_CALLOUT]);
	}
	vl_charge(out, VL_MECH_EMULATE, s->h[P_TC_EMULATE]);
}

static void trap_reflect(struct bt *s, struct vl_charge *out)
{
	s->traps++;
	vl_charge(out, VL_MECH_TRAP, s->h[P_TRAP]);
	vl_charge(out, VL_MECH_EMULATE, s->h[P_REFLECT]);
}

/*
 * Shadow work other than a PTE write: each hidden fault a hardware trap plus
 * a guest walk and fill (shadow_walk, the same walk a true fault makes);
 * the CR3 switch, building a shadow, resynchronising out-of-sync entries.
 */
static void shadow_work(struct bt *s, const struct vl_shadow_out *o, uint64_t extra,
                        struct vl_charge *out)
{
	const uint64_t *h = s->h;
	uint64_t w = extra + o->switched * h[P_SHADOW_CR3] + o->rebuilt * h[P_SHADOW_BUILD] +
	             o->resync * h[P_RESYNC] + o->hidden * h[P_SHADOW_WALK];

	if (o->hidden) {
		s->traps += o->hidden;
		vl_charge(out, VL_MECH_TRAP, o->hidden * h[P_TRAP]);
	}
	if (w)
		vl_charge(out, VL_MECH_SHADOWPT, w);
}

/*
 * A traced PTE write. Until its kind has trapped adapt_after times, the
 * write traps and the monitor decodes and performs it (as an emulated
 * instruction); then its sites are retranslated and the write costs only
 * what Fig. 4 measured, the adapted update (in-cache emulation or callout).
 */
static void traced_write(struct bt *s, const struct vl_event *ev, struct vl_charge *out)
{
	int before = !!(ev->flags & VL_EVF_P_OLD), after = !!(ev->flags & VL_EVF_P_NEW);
	int kind = before == after ? 0 : before ? 1 : 2;
	static const int upd[3] = {P_PTE_SAME, P_PTE_CLEAR, P_PTE_SET};

	if (s->adapt_traps[kind] < s->h[P_ADAPT]) {
		s->adapt_traps[kind]++;
		s->pte_trapped++;
		s->traps++;
		vl_charge(out, VL_MECH_TRAP, s->h[P_TRAP]);
		vl_charge(out, VL_MECH_EMULATE, s->h[P_TC_EMULATE]);
	} else {
		s->pte_adapted++;
	}
	vl_charge(out, VL_MECH_SHADOWPT, s->h[upd[kind]]);
}

/* A device access: emulated in the monitor, or through the host when hosted. */
static void device(struct bt *s, struct vl_charge *out)
{
	vl_charge(out, VL_MECH_DEVEMU, s->h[P_DEVEMU]);
	if (s->hosted)
		vl_charge(out, VL_MECH_WORLDSWITCH, s->h[P_WORLDSWITCH]);
}

static void bt_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct bt *s = state;
	const uint64_t *h = s->h;
	int kernel = !!(ev->flags & VL_EVF_KERNEL);
	struct vl_shadow_out o = {0};

	if (vl_shadow_wants(ev->type))
		vl_shadow_event(&s->sh, ev, &o);
	switch (ev->type) {
	case VL_EV_BB:
		if (kernel) {
			uint32_t bytes = (uint32_t)(ev->n * s->tc_bytes + 0.5);
			int hit = vl_tcache_access(&s->tc, ev->a, bytes ? bytes : 1);
			VL_ASSERT(hit >= 0);
			if (!hit)
				vl_charge(out, VL_MECH_TRANSLATE,
				          ev->n * h[s->patch ? P_SCAN : P_TRANSLATE]);
			s->translated_insns += ev->n;
			if (h[P_TRANSLATED] && !s->patch)
				vl_charge(out, VL_MECH_TRANSLATED, ev->n * h[P_TRANSLATED]);
		}
		vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_KERNEL:
		/* Kernel code without block ids: assumed already translated. */
		s->translated_insns += ev->n;
		if (h[P_TRANSLATED])
			vl_charge(out, VL_MECH_TRANSLATED, ev->n * h[P_TRANSLATED]);
		vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_CALLRET:
		vl_native_charge(&s->nc, ev, out);
		if (kernel && !s->patch) /* in place, a return goes where it says */
			vl_charge(out, VL_MECH_LOOKUP, ev->n * h[P_RET_LOOKUP]);
		break;
	case VL_EV_INDIRECT:
		vl_native_charge(&s->nc, ev, out);
		if (kernel && !s->patch)
			vl_charge(out, VL_MECH_LOOKUP, ev->n * h[P_IND_LOOKUP]);
		break;
	case VL_EV_SYSCALL:
		vl_native_charge(&s->nc, ev, out);
		s->traps++;
		vl_charge(out, VL_MECH_TRAP, h[P_SYSCALL]);
		break;
	case VL_EV_INT:
	case VL_EV_EXCEPTION:
	case VL_EV_IRQ:
	case VL_EV_TIMER:
		vl_native_charge(&s->nc, ev, out);
		trap_reflect(s, out);
		break;
	case VL_EV_PGFAULT:
		vl_native_charge(&s->nc, ev, out);
		trap_reflect(s, out);
		vl_charge(out, VL_MECH_SHADOWPT, h[P_SHADOW_WALK]);
		break;
	case VL_EV_PTEWRITE:
		/* untraced (no shadow yet) or absorbed by an unsynchronised table: native */
		vl_native_charge(&s->nc, ev, out);
		if (o.traced)
			traced_write(s, ev, out);
		break;
	case VL_EV_CR3:
		callout_emulate(s, out);
		vl_native_charge(&s->nc, ev, out); /* the real CR3 load of the shadow root */
		shadow_work(s, &o, 0, out);
		break;
	case VL_EV_INVLPG:
		callout_emulate(s, out);
		vl_nativecost_mmu(&s->nc, ev, out); /* the monitor flushes the TLB entry */
		shadow_work(s, &o, h[P_SHADOW_INVLPG], out);
		break;
	case VL_EV_TOUCH:
	case VL_EV_EXEC:
		/* a hidden fault; exec: the new image's empty shadow */
		shadow_work(s, &o, 0, out);
		vl_native_charge(&s->nc, ev, out);
		/* hosted under memory pressure: the host may have paged it out
		 * (pages by their guest-virtual address: the trace has no other) */
		if (ev->type == VL_EV_TOUCH && s->resident.cap &&
		    vl_lru_touch(&s->resident, ev->a >> 12))
			vl_charge(out, VL_MECH_HOSTPAGING, s->host_fault);
		break;
	case VL_EV_CR8:
	case VL_EV_CLI:
	case VL_EV_STI:
		vl_charge(out, VL_MECH_EMULATE, h[P_TC_VREG]);
		break;
	case VL_EV_CR0:
	case VL_EV_CR4:
	case VL_EV_RDMSR:
	case VL_EV_WRMSR:
	case VL_EV_HLT:
		callout_emulate(s, out);
		break;
	case VL_EV_CPUID:
	case VL_EV_RDTSC:
		if (kernel)
			vl_charge(out, VL_MECH_EMULATE, h[P_TC_EMULATE]);
		else
			vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_IN:
	case VL_EV_OUT:
		/* Port 0x80, the POST/delay port, has no device behind it: the
		 * translation emulates it in place (A&A Fig. 4 'in'). */
		if (ev->a == 0x80) {
			vl_charge(out, VL_MECH_EMULATE, h[P_TC_EMULATE]);
		} else {
			callout_emulate(s, out);
			device(s, out);
			vl_native_charge_hostdrv(&s->nc, ev, out);
		}
		break;
	case VL_EV_MMIO:
		/* The device page is not mapped: a hidden fault into the monitor. */
		s->traps++;
		vl_charge(out, VL_MECH_TRAP, h[P_TRAP]);
		device(s, out);
		vl_native_charge_hostdrv(&s->nc, ev, out);
		break;
	case VL_EV_DISK:
	case VL_EV_NET:
		if (s->hosted)
			vl_charge(out, VL_MECH_WORLDSWITCH, h[P_WORLDSWITCH]);
		break;
	default:
		if ((vl_evdesc[ev->type].cls & VL_EVC_SENSITIVE) && kernel)
			vl_charge(out, VL_MECH_EMULATE, h[P_TC_VREG]); /* translated: no hole */
		else
			vl_native_charge(&s->nc, ev, out);
	}
}

static void bt_report(const void *state, vl_emit_fn emit, void *ctx)
{
	const struct bt *s = state;

	emit(ctx, "tc_hits", (double)s->tc.hits, "count");
	emit(ctx, "tc_misses", (double)s->tc.misses, "count");
	emit(ctx, "tc_evictions", (double)s->tc.evictions, "count");
	emit(ctx, "tc_flushes", (double)s->tc.flushes, "count");
	emit(ctx, "translated_insns", (double)s->translated_insns, "count");
	emit(ctx, "callouts", (double)s->callouts, "count");
	emit(ctx, "traps", (double)s->traps, "count");
	emit(ctx, "pte_writes_trapped", (double)s->pte_trapped, "count");
	emit(ctx, "pte_writes_adapted", (double)s->pte_adapted, "count");
	if (s->resident.cap)
		emit(ctx, "host_page_ins", (double)s->resident.misses, "count");
	vl_shadow_report(&s->sh, emit, ctx);
}

/* Host memory per guest, from the parameters above (docs/capacity.md). */
static void bt_memory(const struct vl_params *p, struct vl_memory *out)
{
	out->fixed_mb = p->v[P_MEM_MONITOR];
	out->per_guest_mb = p->v[P_MEM_SHADOW];
}

const struct vl_model vl_model_bt = {
	.version = VL_MODEL_VERSION,
	.name = "bt",
	.summary = "binary translation (VMware-style): direct user code, translated kernel",
	.params = params,
	.nparams = P__COUNT,
	.profiles = profiles,
	.nprofiles = sizeof(profiles) / sizeof(profiles[0]),
	.state_size = sizeof(struct bt),
	.init = bt_init,
	.on_event = bt_on_event,
	.report = bt_report,
	.release = bt_release,
	.memory = bt_memory,
};
