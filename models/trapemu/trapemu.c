/*
 * trapemu: classic trap-and-emulate (Popek & Goldberg 1974; VM/370). The
 * guest kernel runs deprivileged; every privileged instruction traps into
 * the monitor, which emulates it. On x86 the sensitive-but-unprivileged
 * instructions (POPF, SGDT, ...) do not trap: they run with the wrong
 * semantics, and each one executed by the guest kernel is counted as a
 * virtualization hole — why x86 needed BT, paravirtualization or VT-x. On a
 * classically virtualizable machine (the vm370 profile) they trap too.
 * Memory is virtualized by shadow page tables (sim/shadow.h): traced PTE
 * writes and hidden faults trap and are emulated.
 */
#include "models/trapemu/trapemu.h"
#include "sim/native.h"
#include "sim/shadow.h"

enum {
	P_SENSITIVE_TRAPS, /* 1: every sensitive instruction is privileged */
	P_TRAP,
	P_EMULATE,
	P_REFLECT,
	P_SHADOW_WALK,
	P_SHADOW_UPDATE,
	P_SHADOW_CR3,
	P_DEVEMU,
	P_SHADOW_BUILD,
	P_SHADOW_CAP,
	P_UNSYNC,
	P_RESYNC,
	P_MEM_MONITOR,     /* host memory per guest for the monitor */
	P_MEM_SHADOW,      /* shadow page tables per MB of guest memory */
	P_START_MS,     /* from creation until the guest serves */
	P__COUNT
};

#define AA "Adams & Agesen 2006"

static const struct vl_param_def params[P__COUNT] = {
	[P_SENSITIVE_TRAPS] = {"sensitive_traps", "flag", 0, 0, 1,
		"Robin & Irvine 2000: 17 x86 instructions are sensitive but not privileged; "
		"Popek & Goldberg 1974, Theorem 1", "1: sensitive instructions trap (virtualizable ISA)"},
	[P_TRAP] = {"trap", "cycles", 1814, 0, 1e7,
		AA ", Sec. 3.2: rdtsc trap-and-emulate 2030 - in-cache emulation 216 (P4)",
		"hardware trap into the monitor and back"},
	[P_EMULATE] = {"emulate", "cycles", 216, 0, 1e7,
		AA ", Sec. 3.2: emulating rdtsc in the monitor, 216", "emulating one instruction"},
	[P_REFLECT] = {"reflect", "cycles", 520, 0, 1e7,
		"as bt's reflect, derived from " AA " Fig. 4 divzero", "reflecting a trap into the guest"},
	[P_SHADOW_WALK] = {"shadow_walk", "cycles", 500, 0, 1e7,
		"as bt's shadow_walk, derived from " AA " Fig. 4 pgfault",
		"guest page walk of a true or hidden fault (a hidden fault also fills the entry)"},
	[P_SHADOW_UPDATE] = {"shadow_update", "cycles", 1000, 0, 1e7,
		"estimate: update one shadow entry after an emulated PTE write",
		"shadow work per trapped PTE write"},
	[P_SHADOW_CR3] = {"shadow_cr3", "cycles", 200, 0, 1e7,
		"estimate: find the cached shadow root of the guest's new CR3 (a hash probe); the "
		"real CR3 load is charged at its native cost, building a missing shadow as "
		"shadow_build", "CR3 switch to a cached shadow: find it"},
	[P_DEVEMU] = {"devemu", "cycles", 2000, 0, 1e7,
		"estimate: decode the access, update the virtual device", "one device access"},
	[P_SHADOW_BUILD] = VL_SHADOW_P_BUILD,
	[P_SHADOW_CAP] = VL_SHADOW_P_CAP,
	[P_UNSYNC] = VL_SHADOW_P_UNSYNC,
	[P_RESYNC] = VL_SHADOW_P_RESYNC,
	[P_MEM_MONITOR] = VL_MEMORY_P_MONITOR,
	[P_MEM_SHADOW] = VL_SHADOW_P_MEM,
	[P_START_MS] = VL_START_P(125, VL_START_VM_SRC),
};

static const struct vl_setting vm370[] = {{"sensitive_traps", 1}, {NULL, 0}};

static const struct vl_profile profiles[] = {
	{"x86-deprivileged", "x86 guest kernel run at ring 1 or 3 under a trap-and-emulate "
	 "monitor", "prescott", NULL,
	 "not a correct VMM: sensitive unprivileged instructions are counted as holes",
	 NULL, "teaching"},
	{"vm370", "IBM VM/370 on System/370: a classically virtualizable architecture",
	 "prescott", vm370, "every sensitive instruction traps, so no holes; cycle costs are the "
	 "Prescott-era trap costs as placeholders — VM/370's own are not given by a source here",
	 NULL, "server,development"},
};

struct trapemu {
	struct vl_nativecost nc;
	struct vl_shadow sh;
	uint64_t h[P__COUNT];
	int sensitive_traps;
	uint64_t traps;
};

/* Processor-dependent costs, in Prescott cycles: the trap is a hardware
 * transition, the rest monitor software (scaled by the host's generation). */
static const unsigned char scale[P__COUNT] = {
	[P_TRAP] = VL_SCALE_HW, [P_EMULATE] = VL_SCALE_SW, [P_REFLECT] = VL_SCALE_SW,
	[P_SHADOW_WALK] = VL_SCALE_SW, [P_SHADOW_UPDATE] = VL_SCALE_SW, [P_SHADOW_CR3] = VL_SCALE_SW,
	[P_DEVEMU] = VL_SCALE_SW,
	[P_SHADOW_BUILD] = VL_SCALE_SW, [P_RESYNC] = VL_SCALE_SW,
};

static int te_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct trapemu *s = state;

	(void)err;
	vl_nativecost_init(&s->nc, p->host);
	for (int i = 0; i < P__COUNT; i++)
		s->h[i] = vl_cycles(p->v[i] * vl_host_scale(p->host, scale[i]));
	s->sensitive_traps = p->v[P_SENSITIVE_TRAPS] >= 0.5;
	return vl_shadow_init(&s->sh, (unsigned)s->h[P_SHADOW_CAP], p->v[P_UNSYNC] >= 0.5, err);
}

static void te_release(void *state)
{
	vl_shadow_release(&((struct trapemu *)state)->sh);
}

static void trap(struct trapemu *s, struct vl_charge *out, unsigned mech, uint64_t work)
{
	s->traps++;
	vl_charge(out, VL_MECH_TRAP, s->h[P_TRAP]);
	if (work)
		vl_charge(out, mech, work);
}

/*
 * Shadow work other than a PTE write: each hidden fault a trap, a guest walk
 * and a fill (shadow_walk); finding the cached shadow, building one,
 * resynchronising out-of-sync entries.
 */
static void shadow_work(struct trapemu *s, const struct vl_shadow_out *o, struct vl_charge *out)
{
	const uint64_t *h = s->h;
	uint64_t w = o->switched * h[P_SHADOW_CR3] + o->rebuilt * h[P_SHADOW_BUILD] +
	             o->resync * h[P_RESYNC] + o->hidden * h[P_SHADOW_WALK];

	if (o->hidden) {
		s->traps += o->hidden;
		vl_charge(out, VL_MECH_TRAP, o->hidden * h[P_TRAP]);
	}
	if (w)
		vl_charge(out, VL_MECH_SHADOWPT, w);
}

static void te_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct trapemu *s = state;
	const uint64_t *h = s->h;
	unsigned cls = vl_evdesc[ev->type].cls;
	int kernel = !!(ev->flags & VL_EVF_KERNEL);
	struct vl_shadow_out o = {0};

	if (vl_shadow_wants(ev->type))
		vl_shadow_event(&s->sh, ev, &o);
	switch (ev->type) {
	case VL_EV_SYSCALL:
	case VL_EV_INT:
	case VL_EV_EXCEPTION:
	case VL_EV_IRQ:
	case VL_EV_TIMER:
		vl_native_charge(&s->nc, ev, out);
		trap(s, out, VL_MECH_EMULATE, h[P_REFLECT]);
		break;
	case VL_EV_SYSRET:
	case VL_EV_IRET:
		trap(s, out, VL_MECH_EMULATE, h[P_EMULATE]);
		break;
	case VL_EV_PGFAULT:
		vl_native_charge(&s->nc, ev, out);
		trap(s, out, VL_MECH_EMULATE, h[P_REFLECT]);
		vl_charge(out, VL_MECH_SHADOWPT, h[P_SHADOW_WALK]);
		break;
	case VL_EV_PTEWRITE:
		if (o.traced) { /* a write-protected guest page table: trap, emulate, update */
			trap(s, out, VL_MECH_EMULATE, h[P_EMULATE]);
			vl_charge(out, VL_MECH_SHADOWPT, h[P_SHADOW_UPDATE]);
		} else {        /* no shadow yet, or an unsynchronised table */
			vl_native_charge(&s->nc, ev, out);
		}
		break;
	case VL_EV_CR3:
		trap(s, out, VL_MECH_EMULATE, h[P_EMULATE]);
		vl_native_charge(&s->nc, ev, out); /* the real CR3 load of the shadow root */
		shadow_work(s, &o, out);
		break;
	case VL_EV_INVLPG:
		trap(s, out, VL_MECH_EMULATE, h[P_EMULATE]); /* drops the entry as it emulates */
		vl_nativecost_mmu(&s->nc, ev, out);
		shadow_work(s, &o, out);
		break;
	case VL_EV_TOUCH:
	case VL_EV_EXEC:
		/* a hidden fault; exec: the new image's empty shadow */
		shadow_work(s, &o, out);
		vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_IN:
	case VL_EV_OUT:
	case VL_EV_MMIO:
		trap(s, out, VL_MECH_DEVEMU, h[P_DEVEMU]);
		vl_native_charge_hostdrv(&s->nc, ev, out);
		break;
	default:
		if ((cls & VL_EVC_PRIV) || ((cls & VL_EVC_SENSITIVE) && kernel && s->sensitive_traps)) {
			trap(s, out, VL_MECH_EMULATE, h[P_EMULATE]);
		} else {
			if ((cls & VL_EVC_SENSITIVE) && kernel)
				out->holes++; /* ran deprivileged with the wrong semantics */
			vl_native_charge(&s->nc, ev, out);
		}
	}
}

static void te_report(const void *state, vl_emit_fn emit, void *ctx)
{
	const struct trapemu *s = state;

	emit(ctx, "traps", (double)s->traps, "count");
	vl_shadow_report(&s->sh, emit, ctx);
}

/* Host memory per guest, from the parameters above (docs/capacity.md). */
static void te_memory(const struct vl_params *p, struct vl_memory *out)
{
	out->fixed_mb = p->v[P_MEM_MONITOR];
	out->per_guest_mb = p->v[P_MEM_SHADOW];
}

const struct vl_model vl_model_trapemu = {
	.version = VL_MODEL_VERSION,
	.name = "trapemu",
	.summary = "classic trap-and-emulate; counts x86's virtualization holes",
	.params = params,
	.nparams = P__COUNT,
	.profiles = profiles,
	.nprofiles = sizeof(profiles) / sizeof(profiles[0]),
	.state_size = sizeof(struct trapemu),
	.init = te_init,
	.on_event = te_on_event,
	.report = te_report,
	.release = te_release,
	.memory = te_memory,
};
