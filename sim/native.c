/*
 * Builds the native cost tables from the host parameters: which host
 * parameter prices which event kind.
 */
#include <math.h>
#include <string.h>

#include "sim/native.h"

/* Event kind -> host parameter of its fixed cost (-1: costs nothing itself). */
static const int fixed_param[VL_EV__COUNT] = {
	[VL_EV_USER] = -1, [VL_EV_KERNEL] = -1, [VL_EV_BB] = -1,
	[VL_EV_CALLRET] = -1, [VL_EV_INDIRECT] = -1,
	[VL_EV_SYSCALL] = VL_H_SYSCALL, [VL_EV_SYSRET] = -1,
	[VL_EV_INT] = VL_H_INT, [VL_EV_EXCEPTION] = VL_H_EXCEPTION, [VL_EV_IRET] = -1,
	[VL_EV_PGFAULT] = VL_H_PGFAULT, [VL_EV_PTEWRITE] = -1,
	[VL_EV_CR3] = VL_H_CR3, [VL_EV_CR0] = VL_H_CR0, [VL_EV_CR4] = VL_H_CR4,
	[VL_EV_CR8] = VL_H_CR8, [VL_EV_INVLPG] = VL_H_INVLPG, [VL_EV_TLBMISS] = -1,
	[VL_EV_CPUID] = VL_H_CPUID, [VL_EV_RDTSC] = VL_H_RDTSC,
	[VL_EV_RDMSR] = VL_H_RDMSR, [VL_EV_WRMSR] = VL_H_WRMSR, [VL_EV_HLT] = -1,
	[VL_EV_CLI] = VL_H_CLI, [VL_EV_STI] = VL_H_STI,
	[VL_EV_POPF] = VL_H_SENSITIVE, [VL_EV_PUSHF] = VL_H_SENSITIVE,
	[VL_EV_SGDT] = VL_H_SENSITIVE, [VL_EV_SIDT] = VL_H_SENSITIVE,
	[VL_EV_SLDT] = VL_H_SENSITIVE, [VL_EV_SMSW] = VL_H_SENSITIVE,
	[VL_EV_STR] = VL_H_SENSITIVE, [VL_EV_LAR] = VL_H_SENSITIVE,
	[VL_EV_LSL] = VL_H_SENSITIVE, [VL_EV_VERR] = VL_H_SENSITIVE,
	[VL_EV_VERW] = VL_H_SENSITIVE, [VL_EV_MOVSEG] = VL_H_SENSITIVE,
	[VL_EV_IN] = VL_H_PORTIO, [VL_EV_OUT] = VL_H_PORTIO, [VL_EV_MMIO] = VL_H_MMIO,
	[VL_EV_DISK] = -1, [VL_EV_NET] = -1,
	[VL_EV_IRQ] = VL_H_IRQ, [VL_EV_TIMER] = VL_H_IRQ, [VL_EV_PHASE] = -1,
	[VL_EV_VSWITCH] = VL_H_CTXSWITCH,
	[VL_EV_FORK] = -1, [VL_EV_EXEC] = -1, [VL_EV_EXIT] = -1, /* their work is in the runs */
	[VL_EV_TOUCH] = -1, /* a TLB model prices it (a hit costs nothing) */
	[VL_EV_XPAGE] = -1, /* the jump is in its block's run */
	[VL_EV_SLEEP] = -1, /* the core idles the vCPU: time, not work */
	[VL_EV_MISPREDICT] = -1, /* per branch: per_unit */
	[VL_EV_FP] = -1, /* the instructions are in their blocks' runs */
};

enum vl_kclass vl_kclass_of(uint64_t nr)
{
	switch (nr) {
	case 56: case 57: case 58: case 60: case 61: case 231: case 247: case 435:
		return VL_KC_PROC; /* clone, fork, vfork, exit, wait4, exit_group, waitid, clone3 */
	case 59: case 322:
		return VL_KC_EXEC; /* execve, execveat */
	case 9: case 10: case 11: case 12: case 25: case 28:
		return VL_KC_MM; /* mmap, mprotect, munmap, brk, mremap, madvise */
	case 0: case 1: case 17: case 18: case 19: case 20: case 295: case 296:
		return VL_KC_IO; /* read, write, pread64, pwrite64, readv, writev, preadv, pwritev */
	default:
		return VL_KC_OTHER;
	}
}

static uint64_t cyc(double v)
{
	return v <= 0 ? 0 : (uint64_t)llround(v);
}

void vl_nativecost_init(struct vl_nativecost *nc, const struct vl_host *host)
{
	const double *h = host->v;

	memset(nc, 0, sizeof(*nc));
	for (int t = 0; t < VL_EV__COUNT; t++)
		if (fixed_param[t] >= 0)
			nc->fixed[t] = cyc(h[fixed_param[t]]);
	nc->per_unit[VL_EV_CALLRET] = cyc(h[VL_H_CALLRET]);
	nc->per_unit[VL_EV_INDIRECT] = cyc(h[VL_H_INDIRECT]);
	nc->per_unit[VL_EV_MISPREDICT] = cyc(h[VL_H_MISPREDICT]);
	nc->per_unit[VL_EV_TLBMISS] = cyc(h[VL_H_PT_LEVELS] * h[VL_H_WALK_REF]);
	nc->cpi_user_fp = cyc(ldexp(h[VL_H_CPI_USER], VL_CPI_SHIFT));
	static const int kscale[VL_KC__COUNT] = {
		[VL_KC_OTHER] = -1, [VL_KC_PROC] = VL_H_KSCALE_PROC, [VL_KC_EXEC] = VL_H_KSCALE_EXEC,
		[VL_KC_MM] = VL_H_KSCALE_MM, [VL_KC_IO] = VL_H_KSCALE_IO,
	};
	for (int k = 0; k < VL_KC__COUNT; k++)
		nc->kcpi_fp[k] = cyc(ldexp(h[VL_H_CPI_KERNEL] * (kscale[k] < 0 ? 1 : h[kscale[k]]),
		                           VL_CPI_SHIFT));
	nc->pte[0] = cyc(h[VL_H_PTE_SAME]);
	nc->pte[1] = cyc(h[VL_H_PTE_CLEAR]);
	nc->pte[2] = cyc(h[VL_H_PTE_SET]);
	vl_tlb_init(&nc->tlb, host);
}

void vl_nativecost_mmu(struct vl_nativecost *nc, const struct vl_event *ev,
                       struct vl_charge *out)
{
	struct vl_walk w;

	switch (ev->type) {
	case VL_EV_TOUCH:
		if (!vl_tlb_touch(&nc->tlb, ev->a, !!(ev->flags & VL_EVF_KERNEL), &w))
			return;
		uint64_t g = vl_walk_guest_cycles(&nc->tlb, &w), x = vl_walk_nested_cycles(&nc->tlb, &w);
		if (g)
			vl_charge(out, VL_MECH_PAGEWALK, g);
		if (x)
			vl_charge(out, VL_MECH_NESTEDWALK, x);
		break;
	case VL_EV_CR3:
		vl_tlb_cr3(&nc->tlb, ev->a);
		break;
	case VL_EV_INVLPG:
		vl_tlb_invlpg(&nc->tlb, ev->a);
		break;
	}
}
