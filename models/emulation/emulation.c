/*
 * emulation: every guest instruction emulated — by an interpreter (Bochs,
 * Hercules) or a dynamic translator with a translation cache (QEMU TCG,
 * PearPC's JIT). Memory accesses of a full-system emulator go through a
 * software MMU; a cross-ISA factor scales execution; every device is
 * emulated; privileged operations and exceptions are helper calls.
 */
#include <stdlib.h>

#include "models/emulation/emulation.h"
#include "sim/native.h"
#include "sim/tcache.h"

enum {
	P_DBT,          /* 1 dynamic translation, 0 interpretation */
	P_INTERP_CPI,   /* interpreter cycles per guest instruction */
	P_DBT_FACTOR,   /* translated code: host cycles per native cycle */
	P_INSN_EXTRA,   /* translated code: host cycles per guest instruction on top */
	P_TRANSLATE,    /* translator cycles per guest instruction */
	P_TC_KB,
	P_TC_POLICY,
	P_TC_BYTES,     /* host bytes per translated guest instruction */
	P_CHAINING,     /* direct jumps between translated blocks */
	P_PAGE_CHAIN,   /* chains only within a guest code page */
	P_LOOKUP,       /* finding the next block without a chain */
	P_XPAGE_LOOKUP, /* finding the next block across a code page */
	P_BLOCK_EXTRA,  /* entering a translated block through its chain */
	P_MEM_REFS,     /* memory accesses per guest instruction */
	P_SOFTMMU,      /* cycles per memory access through the soft MMU */
	P_CROSS_ISA,    /* factor for a guest ISA unlike the host's */
	P_HELPER,       /* a privileged operation emulated by a helper */
	P_FP_HELPER,    /* a floating-point instruction done in software */
	P_EXC,          /* delivering an exception or interrupt */
	P_DEVEMU,       /* one device access */
	P_USER_MODE,    /* user-mode emulation (qemu-user): the host kernel serves the guest */
	P_SYSCALL_XLAT, /* user-mode emulation: handing one system call to the host */
	P_FORK_XLAT,    /* user-mode emulation: extra cost of fork/clone/vfork */
	P_EXEC_NATIVE,  /* user-mode emulation: a host-ISA image exec'd runs natively */
	P_MEM_MONITOR,  /* host memory per guest for the emulator */
	P_START_MS,     /* from creation until the guest serves */
	P__COUNT
};

#define EST(why) "estimate: " why

static const struct vl_param_def params[P__COUNT] = {
	[P_DBT] = {"dbt", "flag", 1, 0, 1, "Bellard, USENIX 2005 (QEMU)",
		"1: dynamic translation; 0: interpretation"},
	[P_INTERP_CPI] = {"interp_cpi", "cycles/insn", 74, 1, 1e5,
		"Bochs 2.3.6 sample configuration: 33-37 MIPS on a 2.6 GHz Core 2 Duo: 2.6e9/35e6",
		"interpreter cycles per guest instruction"},
	[P_DBT_FACTOR] = {"dbt_factor", "ratio", 4, 0.1, 1000,
		"Bellard 2005: user-mode QEMU about 4x slower than native on integer code",
		"translated code: cycles per native cycle"},
	[P_INSN_EXTRA] = {"insn_extra", "cycles/insn", 0, 0, 1e6,
		"0: Bellard's factor carries the whole cost; virtlab calibrate measures it on this "
		"host (vl-probe alu under qemu-x86_64 less native, per instruction)",
		"translated code: cycles per guest instruction on top of the scaled native cost"},
	[P_TRANSLATE] = {"translate", "cycles/insn", 1000, 0, 1e7,
		EST("a few hundred host instructions of front end, optimiser and back end"),
		"translator cycles per guest instruction"},
	[P_TC_KB] = {"tc_kb", "KiB", 16384, 1, 1e7,
		"Bellard 2005: a 16 MB translation cache", "translation-cache capacity"},
	[P_TC_POLICY] = {"tc_policy", "policy", 0, 0, 1,
		"Bellard 2005: flushed whole when full", "when full: 0 flush everything, 1 evict oldest"},
	[P_TC_BYTES] = {"tc_bytes", "bytes/insn", 31, 0.1, 1000,
		"measured: qemu-x86_64 7.2 -d in_asm,out_asm on cc1 compiling a C unit wrote 15.4 MB "
		"of host code for 496,104 guest instructions (31 bytes each); virtlab calibrate "
		"measures this host's QEMU",
		"host code bytes per guest instruction: fills the translation cache and, beyond the "
		"host's l2_kb, costs code_fetch per 64-byte line run"},
	[P_CHAINING] = {"chaining", "flag", 1, 0, 1,
		"Bellard 2005: direct block chaining", "1: translated blocks jump to each other"},
	[P_PAGE_CHAIN] = {"page_chain", "flag", 1, 0, 1,
		"QEMU (translator_use_goto_tb): a block chains to a direct target only on its own "
		"guest page, so that unmapping or rewriting a page can drop its translations",
		"1: direct jumps to another code page (trace `xpage`) are looked up, not chained"},
	[P_LOOKUP] = {"lookup", "cycles", 30, 0, 1e6,
		EST("a hash lookup of the next block's address"),
		"finding the next block: every block without chaining; returns and indirect jumps "
		"always"},
	[P_XPAGE_LOOKUP] = {"xpage_lookup", "cycles", 0, 0, 1e6,
		"0: Bellard's factor carries the whole cost; virtlab calibrate measures it on this "
		"host (vl-probe xpage against blocks under qemu-x86_64)",
		"finding the next block of a direct jump to another code page (page_chain)"},
	[P_BLOCK_EXTRA] = {"block_extra", "cycles", 0, 0, 1e6,
		"0: Bellard's factor carries the whole cost; virtlab calibrate measures it on this "
		"host (vl-probe blocks against alu under qemu-x86_64)",
		"translated code: entering each executed block through its chain"},
	[P_MEM_REFS] = {"mem_refs", "ratio", 0.4, 0, 4,
		EST("loads and stores are about 40% of integer instructions (Hennessy & Patterson)"),
		"memory accesses per guest instruction"},
	[P_SOFTMMU] = {"softmmu", "cycles", 10, 0, 1e6,
		"Bellard 2005: the soft MMU costs another factor of about 2: 4 cycles per "
		"instruction / 0.4 accesses per instruction",
		"cycles per guest load or store: the soft MMU's lookup (full system), the guest-base "
		"addition (user mode)"},
	[P_CROSS_ISA] = {"cross_isa", "ratio", 1, 0.1, 1000,
		"1: same ISA (x86 on x86)", "factor for a foreign guest ISA"},
	[P_HELPER] = {"helper", "cycles", 200, 0, 1e7, EST("a call into a C helper"),
		"a privileged operation emulated by a helper"},
	[P_FP_HELPER] = {"fp_helper", "cycles", 6, 0, 1e6,
		"Bellard 2005: about 10x native on floating-point code against 4x on integer code, "
		"6 more native cycles an instruction at cpi 1 with every instruction floating point (a "
		"lower bound); virtlab calibrate measures it on this host (vl-probe fp against alu "
		"under qemu-x86_64)",
		"a floating-point instruction (trace `fp`) beyond its native cost: a helper call and "
		"software floating point"},
	[P_EXC] = {"exception", "cycles", 1000, 0, 1e7,
		EST("leave the translated block, build the frame in guest memory"),
		"delivering an exception or interrupt"},
	[P_DEVEMU] = {"devemu", "cycles", 3000, 0, 1e7,
		EST("dispatch to the device model and emulate the register access"),
		"one device access"},
	[P_USER_MODE] = {"user_mode", "flag", 0, 0, 1,
		"Bellard 2005: QEMU also runs single Linux programs, passing their system calls "
		"to the host kernel", "1: user-mode emulation; kernel work runs natively"},
	[P_SYSCALL_XLAT] = {"syscall_xlat", "cycles", 2000, 0, 1e8,
		EST("leave the translated block, convert arguments, call the host"),
		"user-mode emulation: converting and issuing one system call"},
	[P_FORK_XLAT] = {"fork_xlat", "cycles", 0, 0, 1e10,
		"0 unless calibrated: virtlab calibrate measures fork+exit+wait under qemu-x86_64 "
		"against native", "user-mode emulation: extra cost of fork, clone or vfork (the "
		"emulator's own larger process)"},
	[P_EXEC_NATIVE] = {"exec_native", "flag", 0, 0, 1,
		"QEMU 7.2 linux-user: execve is passed to the host kernel, which loads a program of "
		"the host's ISA itself (no binfmt_misc entry for the host's own ISA)",
		"1: a program exec'd by an emulated process runs natively when guest and host ISA "
		"agree (cross_isa = 1), as under qemu-user; 0: every process emulated"},
	[P_MEM_MONITOR] = {"monitor_mb", "MB", 64, 0, 1e6,
		EST("an emulator process: its code, translation cache and device models, some "
		    "tens of MB"),
		"capacity plans: host memory per guest for the emulator"},
	[P_START_MS] = VL_START_P(125, VL_START_VM_SRC),
};

static const struct vl_setting bochs[] = {{"dbt", 0}, {NULL, 0}};
static const struct vl_setting pearpc[] = {{"cross_isa", 2}, {NULL, 0}};
static const struct vl_setting hercules[] = {{"dbt", 0}, {"cross_isa", 2}, {NULL, 0}};

static const struct vl_profile profiles[] = {
	{"qemu-tcg", "QEMU full-system emulation with its dynamic translator (TCG)", "prescott",
	 NULL, "Bellard 2005: 4x user-mode slowdown, soft MMU about 2x more, 16 MB cache "
	 "flushed when full, block chaining", NULL, "development"},
	{"bochs", "Bochs: a portable x86 interpreter", "prescott", bochs,
	 "Bochs 2.3.6: 33-37 MIPS on a 2.6 GHz Core 2 (74 cycles per instruction); on a "
	 "1.6 GHz P4, Bochs 2.0.1 ran 5-7 MIPS (about 270)", NULL, "development,teaching"},
	{"pearpc", "PearPC: PowerPC guests on x86 with a JIT", "prescott", pearpc,
	 "cross-ISA factor 2 is an assumption: PearPC's slowdown is not given by a source here",
	 NULL, "desktop"},
	{"hercules", "Hercules: System/370-390-z interpreter on x86", "prescott", hercules,
	 "interpretation cost and cross-ISA factor 2 are assumptions, not published figures",
	 NULL, "development"},
	{"virtualpc-mac", "Virtual PC for Mac: x86 guests on PowerPC with dynamic translation",
	 NULL, NULL, "no difference this model can express yet: a foreign ISA translated "
	 "dynamically, as pearpc; both through a soft MMU with cross-ISA factor 2 assumed; the "
	 "PowerPC host and the endianness and flag-computation costs of x86 on PowerPC are not "
	 "modelled", "pearpc", "desktop"},
};

/* Processes that run natively, by address-space id (exec_native). */
struct procs {
	uint64_t *native; /* ids of the live native processes */
	size_t n, cap;
};

struct emulation {
	struct vl_nativecost nc;
	struct procs procs;
	uint64_t asid;     /* the running address space */
	int native_now;    /* it runs natively */
	int exec_native;
	struct vl_tcache tc;
	uint64_t h[P__COUNT];
	int dbt, chaining, page_chain;
	double interp_cpi, dbt_factor, insn_extra, mem_refs, softmmu, cross, tc_bytes, fp_helper;
	uint64_t l2_bytes;   /* the host cache translated code runs from (0: not modelled) */
	uint64_t code_fetch; /* cycles to run a 64-byte line of it from beyond l2_bytes */
	double frac;  /* fractional cycles carried between events */
	uint64_t insns;
	int user_mode;
};

static int em_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct emulation *s = state;
	const double *v = p->v;

	vl_nativecost_init(&s->nc, p->host);
	for (int i = 0; i < P__COUNT; i++)
		s->h[i] = vl_cycles(v[i]);
	s->dbt = v[P_DBT] >= 0.5;
	s->chaining = v[P_CHAINING] >= 0.5;
	s->page_chain = v[P_PAGE_CHAIN] >= 0.5;
	s->interp_cpi = v[P_INTERP_CPI];
	s->dbt_factor = v[P_DBT_FACTOR];
	s->insn_extra = v[P_INSN_EXTRA];
	s->mem_refs = v[P_MEM_REFS];
	s->softmmu = v[P_SOFTMMU];
	s->cross = v[P_CROSS_ISA];
	s->tc_bytes = v[P_TC_BYTES];
	s->fp_helper = v[P_FP_HELPER];
	s->l2_bytes = (uint64_t)(p->host->v[VL_H_L2_KB] * 1024);
	s->code_fetch = vl_cycles(p->host->v[VL_H_CODE_FETCH]);
	s->user_mode = v[P_USER_MODE] >= 0.5;
	s->exec_native = v[P_EXEC_NATIVE] >= 0.5 && v[P_CROSS_ISA] == 1;
	return vl_tcache_init(&s->tc, (uint64_t)(v[P_TC_KB] * 1024),
	                      v[P_TC_POLICY] >= 0.5 ? VL_TC_FIFO : VL_TC_FLUSH, err);
}

static void em_release(void *state)
{
	struct emulation *s = state;

	vl_tcache_release(&s->tc);
	free(s->procs.native);
}

static int is_native(const struct procs *p, uint64_t asid)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->native[i] == asid)
			return 1;
	return 0;
}

static void set_native(struct procs *p, uint64_t asid, int on)
{
	for (size_t i = 0; i < p->n; i++)
		if (p->native[i] == asid) {
			if (!on)
				p->native[i] = p->native[--p->n];
			return;
		}
	if (!on)
		return;
	if (p->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 16;
		uint64_t *n = realloc(p->native, cap * sizeof(*n));
		VL_ASSERT(n); /* live processes: a few hundred bytes */
		p->native = n;
		p->cap = cap;
	}
	p->native[p->n++] = asid;
}

/*
 * Process events decide which process is emulated: the first is; a fork
 * child runs as its parent; an exec makes the process native under
 * exec_native; an address-space switch brings the new process's mode.
 */
static void track_process(struct emulation *s, const struct vl_event *ev)
{
	switch (ev->type) {
	case VL_EV_CR3:
		s->asid = ev->a;
		s->native_now = is_native(&s->procs, ev->a);
		break;
	case VL_EV_FORK:
		set_native(&s->procs, ev->a, s->native_now);
		break;
	case VL_EV_EXEC:
		if (s->exec_native) {
			s->native_now = 1;
			set_native(&s->procs, s->asid, 1);
		}
		break;
	case VL_EV_EXIT:
		set_native(&s->procs, s->asid, 0);
		break;
	}
}

/* Whole cycles of x, carrying the fraction so that sums stay exact. */
static uint64_t whole(struct emulation *s, double x)
{
	x += s->frac;
	uint64_t c = (uint64_t)x;
	s->frac = x - (double)c;
	return c;
}

/* Executing n guest instructions whose native cost is native_cycles. */
static void execute(struct emulation *s, uint64_t n, uint64_t native_cycles,
                    struct vl_charge *out)
{
	s->insns += n;
	if (!s->dbt) {
		vl_charge(out, VL_MECH_INTERP, whole(s, n * s->interp_cpi * s->cross));
		return;
	}
	vl_charge(out, VL_MECH_TRANSLATED,
	          whole(s, (native_cycles * s->dbt_factor + n * s->insn_extra) * s->cross));
	uint64_t mmu = whole(s, n * s->mem_refs * s->softmmu);
	if (mmu)
		vl_charge(out, VL_MECH_SOFTMMU, mmu);
}

/* A block whose loads and stores the trace counted: those go through the soft MMU. */
static void execute_block(struct emulation *s, const struct vl_event *ev, struct vl_charge *out)
{
	uint64_t accesses = (uint64_t)vl_bb_loads(ev) + vl_bb_stores(ev);

	if (!ev->b || !s->dbt) {
		execute(s, ev->n, vl_nativecost_event(&s->nc, ev), out);
		return;
	}
	s->insns += ev->n;
	vl_charge(out, VL_MECH_TRANSLATED,
	          whole(s, (vl_nativecost_event(&s->nc, ev) * s->dbt_factor + ev->n * s->insn_extra) *
	                       s->cross));
	uint64_t mmu = whole(s, accesses * s->softmmu);
	if (mmu)
		vl_charge(out, VL_MECH_SOFTMMU, mmu);
}

/* What the kernel does on the guest's behalf, rather than guest user code. */
static int is_kernel_work(const struct vl_event *ev)
{
	switch (ev->type) {
	case VL_EV_USER:
		return 0;
	case VL_EV_BB:
	case VL_EV_CALLRET:
	case VL_EV_INDIRECT:
	case VL_EV_XPAGE:
	case VL_EV_MISPREDICT:
	case VL_EV_FP:
		return !!(ev->flags & VL_EVF_KERNEL);
	case VL_EV_TLBMISS:
		return 0;
	case VL_EV_TOUCH:
		return !!(ev->flags & VL_EVF_KERNEL);
	default:
		return 1;
	}
}

static void em_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct emulation *s = state;
	const uint64_t *h = s->h;

	if (vl_evdesc[ev->type].cls & VL_EVC_PROC || ev->type == VL_EV_CR3)
		track_process(s, ev);
	if (s->native_now) {
		/* a process the host runs itself: no emulation at all */
		vl_native_charge(&s->nc, ev, out);
		return;
	}
	if (s->user_mode && is_kernel_work(ev)) {
		/* qemu-user: the host kernel does the guest's kernel work natively */
		vl_native_charge(&s->nc, ev, out);
		if (ev->type == VL_EV_SYSCALL) {
			vl_charge(out, VL_MECH_EMULATE, h[P_SYSCALL_XLAT]);
			/* x86-64 clone, fork, vfork */
			if (h[P_FORK_XLAT] && ev->a >= 56 && ev->a <= 58)
				vl_charge(out, VL_MECH_EMULATE, h[P_FORK_XLAT]);
		}
		return;
	}
	switch (ev->type) {
	case VL_EV_BB:
		if (s->dbt) {
			uint32_t bytes = (uint32_t)(ev->n * s->tc_bytes + 0.5);
			uint64_t key = ev->a << 1 | !!(ev->flags & VL_EVF_KERNEL);
			int hit = vl_tcache_access(&s->tc, key, bytes ? bytes : 1);
			VL_ASSERT(hit >= 0);
			if (!hit)
				vl_charge(out, VL_MECH_TRANSLATE, ev->n * h[P_TRANSLATE]);
			else if (s->l2_bytes && s->code_fetch && !vl_tcache_resident(&s->tc, s->l2_bytes))
				vl_charge(out, VL_MECH_CODEFETCH, (bytes + 63) / 64 * s->code_fetch);
			if (!s->chaining)
				vl_charge(out, VL_MECH_LOOKUP, h[P_LOOKUP]);
			else if (h[P_BLOCK_EXTRA])
				vl_charge(out, VL_MECH_TRANSLATED, h[P_BLOCK_EXTRA]);
		}
		execute_block(s, ev, out);
		break;
	case VL_EV_XPAGE:
		/* chained blocks reach another page through the lookup (with no
		 * chaining at all, every block has paid one already) */
		if (s->dbt && s->chaining && s->page_chain)
			vl_charge(out, VL_MECH_LOOKUP, ev->n * h[P_XPAGE_LOOKUP]);
		break;
	case VL_EV_USER:
	case VL_EV_KERNEL:
		/* Runs without block ids: assumed translated already. */
		execute(s, ev->n, vl_nativecost_event(&s->nc, ev), out);
		break;
	case VL_EV_CALLRET:
	case VL_EV_INDIRECT:
		/* A return is an indirect jump: always a lookup. The instructions
		 * themselves are in the runs and blocks around: only the native
		 * extra of the pair is scaled here, with no per-instruction cost. */
		if (!s->dbt) {
			execute(s, 2ull * ev->n, 0, out);
			break;
		}
		vl_charge(out, VL_MECH_TRANSLATED,
		          whole(s, vl_nativecost_event(&s->nc, ev) * s->dbt_factor * s->cross));
		vl_charge(out, VL_MECH_LOOKUP, ev->n * h[P_LOOKUP]);
		break;
	case VL_EV_FP: {
		/* the instructions' native cycles are in their blocks */
		uint64_t c = whole(s, ev->n * s->fp_helper * s->cross);
		if (c)
			vl_charge(out, VL_MECH_FPHELPER, c);
		break;
	}
	case VL_EV_MISPREDICT:
		/* the translated block ends in the guest's branch, a host branch on
		 * the same condition: as predictable, and as dear, as natively */
		vl_native_charge(&s->nc, ev, out);
		break;
	case VL_EV_TLBMISS: /* a soft-TLB refill walks the guest tables in software */
		vl_charge(out, VL_MECH_SOFTMMU,
		          whole(s, ev->n * s->nc.per_unit[VL_EV_TLBMISS] * s->cross + ev->n * s->softmmu));
		break;
	case VL_EV_SYSCALL:
	case VL_EV_INT:
	case VL_EV_EXCEPTION:
	case VL_EV_PGFAULT:
	case VL_EV_IRQ:
	case VL_EV_TIMER:
		vl_charge(out, VL_MECH_EMULATE, h[P_EXC]);
		break;
	case VL_EV_IN:
	case VL_EV_OUT:
	case VL_EV_MMIO:
		vl_charge(out, VL_MECH_DEVEMU, h[P_DEVEMU]);
		vl_native_charge_hostdrv(&s->nc, ev, out);
		break;
	case VL_EV_TOUCH: /* the soft MMU's cost is per access (mem_refs, softmmu) */
	case VL_EV_DISK:
	case VL_EV_NET:
	case VL_EV_PHASE:
	case VL_EV_FORK:
	case VL_EV_EXEC:
	case VL_EV_EXIT:
		break;
	case VL_EV_VSWITCH: /* the host switches between emulator processes */
		vl_charge(out, VL_MECH_CTXSWITCH, vl_nativecost_event(&s->nc, ev));
		break;
	default:
		/* Privileged and sensitive instructions, PTE writes, CR3, ...: one
		 * instruction through a helper (the emulator implements them all). */
		execute(s, 1, vl_nativecost_event(&s->nc, ev) ? 1 : 0, out);
		vl_charge(out, VL_MECH_EMULATE, h[P_HELPER]);
	}
}

static void em_report(const void *state, vl_emit_fn emit, void *ctx)
{
	const struct emulation *s = state;

	emit(ctx, "tc_hits", (double)s->tc.hits, "count");
	emit(ctx, "tc_misses", (double)s->tc.misses, "count");
	emit(ctx, "tc_evictions", (double)s->tc.evictions, "count");
	emit(ctx, "tc_flushes", (double)s->tc.flushes, "count");
	emit(ctx, "emulated_insns", (double)s->insns, "count");
}

/* Host memory per guest, from the parameters above (docs/capacity.md). */
static void em_memory(const struct vl_params *p, struct vl_memory *out)
{
	out->fixed_mb = p->v[P_MEM_MONITOR];
}

const struct vl_model vl_model_emulation = {
	.version = VL_MODEL_VERSION,
	.name = "emulation",
	.summary = "full emulation: interpreter or dynamic translator, soft MMU, devices",
	.params = params,
	.nparams = P__COUNT,
	.profiles = profiles,
	.nprofiles = sizeof(profiles) / sizeof(profiles[0]),
	.state_size = sizeof(struct emulation),
	.init = em_init,
	.on_event = em_on_event,
	.report = em_report,
	.release = em_release,
	.memory = em_memory,
};
