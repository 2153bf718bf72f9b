/*
 * Native cost of an event on the host: the baseline every technique starts
 * from (direct execution of user code under bt, syscalls under hwassist...).
 * Precomputed integer tables from struct vl_host; exact and deterministic.
 */
#ifndef VL_NATIVE_H
#define VL_NATIVE_H

#include <stdint.h>

#include "sim/event.h"
#include "sim/model.h"
#include "sim/param.h"
#include "sim/tlb.h"

#define VL_CPI_SHIFT 16

/*
 * What the kernel is doing, by the last system call or interrupt that
 * entered it: its kernel runs cost cpi_kernel x the class's kscale_*.
 */
enum vl_kclass {
	VL_KC_OTHER, /* any other call, faults, interrupts: cpi_kernel */
	VL_KC_PROC,  /* fork, clone, vfork, exit, exit_group, wait4, waitid */
	VL_KC_EXEC,  /* execve, execveat */
	VL_KC_MM,    /* mmap, munmap, mprotect, mremap, madvise, brk */
	VL_KC_IO,    /* read, write, pread, pwrite, readv, writev, preadv, pwritev */
	VL_KC__COUNT
};

/* The class of x86-64 Linux system call nr. */
enum vl_kclass vl_kclass_of(uint64_t nr);

struct vl_nativecost {
	uint64_t fixed[VL_EV__COUNT];  /* cycles per event (non-runs) */
	uint64_t per_unit[VL_EV__COUNT]; /* cycles per n-unit (callret, indirect, tlbmiss) */
	uint64_t cpi_user_fp;          /* user cycles/insn << VL_CPI_SHIFT */
	uint64_t kcpi_fp[VL_KC__COUNT]; /* kernel cycles/insn << VL_CPI_SHIFT, by class */
	unsigned kclass;               /* enum vl_kclass of the kernel's current work */
	uint64_t pte[3];               /* ptewrite: same, clear (P->NP), set (NP->P) */
	uint64_t rem[2];               /* fractional cycles carried between runs */
	struct vl_tlb tlb;             /* prices `touch` events: a miss walks the tables */
};

void vl_nativecost_init(struct vl_nativecost *nc, const struct vl_host *host);

/* Cycles of n instructions in the given mode, carrying the fraction. */
static inline uint64_t vl_nativecost_insns(struct vl_nativecost *nc, uint64_t n, int kernel)
{
	uint64_t fp = n * (kernel ? nc->kcpi_fp[nc->kclass] : nc->cpi_user_fp) + nc->rem[kernel];
	nc->rem[kernel] = fp & ((1u << VL_CPI_SHIFT) - 1);
	return fp >> VL_CPI_SHIFT;
}

/* Native cycles of one event. */
static inline uint64_t vl_nativecost_event(struct vl_nativecost *nc, const struct vl_event *ev)
{
	switch (ev->type) {
	case VL_EV_USER:
		return vl_nativecost_insns(nc, ev->n, 0);
	case VL_EV_KERNEL:
		return vl_nativecost_insns(nc, ev->n, 1);
	case VL_EV_BB:
		return vl_nativecost_insns(nc, ev->n, !!(ev->flags & VL_EVF_KERNEL));
	case VL_EV_PTEWRITE: {
		int before = !!(ev->flags & VL_EVF_P_OLD), after = !!(ev->flags & VL_EVF_P_NEW);
		return nc->pte[before == after ? 0 : before ? 1 : 2];
	}
	case VL_EV_SYSCALL:
		nc->kclass = vl_kclass_of(ev->a);
		return nc->fixed[ev->type];
	case VL_EV_INT:
	case VL_EV_EXCEPTION:
	case VL_EV_PGFAULT:
	case VL_EV_IRQ:
	case VL_EV_TIMER:
		nc->kclass = VL_KC_OTHER;
		return nc->fixed[ev->type];
	default:
		return nc->fixed[ev->type] + ev->n * nc->per_unit[ev->type];
	}
}

/*
 * The MMU side of an event the host sees: a touch goes through the TLB (a
 * miss's walk charged to "pagewalk", and under nested paging the 2-D
 * walk's extra to "nestedwalk"); CR3 and INVLPG act on the TLB. Models
 * whose own paths handle CR3 or INVLPG call it to keep the TLB in step.
 */
void vl_nativecost_mmu(struct vl_nativecost *nc, const struct vl_event *ev,
                       struct vl_charge *out);

/*
 * Charges an event's native cost as the host would: TLB misses (and the
 * walks of touches that miss the TLB) to "pagewalk", CPU switches to
 * "ctxswitch", everything else to "direct".
 */
static inline void vl_native_charge(struct vl_nativecost *nc, const struct vl_event *ev,
                                    struct vl_charge *out)
{
	if (ev->type == VL_EV_TOUCH || ev->type == VL_EV_CR3 || ev->type == VL_EV_INVLPG) {
		vl_nativecost_mmu(nc, ev, out);
		if (ev->type == VL_EV_TOUCH)
			return;
	}
	uint64_t c = vl_nativecost_event(nc, ev);

	if (c)
		vl_charge(out, ev->type == VL_EV_TLBMISS ? VL_MECH_PAGEWALK
		               : ev->type == VL_EV_VSWITCH ? VL_MECH_CTXSWITCH : VL_MECH_DIRECT, c);
}

/*
 * A device access (IN, OUT, MMIO) of the trace's native driver, made for a
 * guest by the host: whatever a technique puts between the guest and the
 * device (a trap and an emulated register, a virtio kick, a Xen ring), a
 * native driver in the host still drives the real device with the accesses
 * the native driver makes, at their native cost. Models charge it beside
 * their own interception, never instead of it, so no technique's device
 * path is cheaper than the native one it replaces; it goes to "hostdrv".
 * Port 0x80, the POST diagnostic port that kernels write to for a delay,
 * has no device behind it in a virtual machine: a monitor emulates it and
 * nothing reaches a host driver.
 */
static inline void vl_native_charge_hostdrv(struct vl_nativecost *nc, const struct vl_event *ev,
                                            struct vl_charge *out)
{
	if ((ev->type == VL_EV_IN || ev->type == VL_EV_OUT) && ev->a == 0x80)
		return;
	uint64_t c = vl_nativecost_event(nc, ev);

	if (c)
		vl_charge(out, VL_MECH_HOSTDRV, c);
}

/* A parameter value as whole cycles (negative values as 0). */
static inline uint64_t vl_cycles(double v)
{
	return v <= 0 ? 0 : (uint64_t)(v + 0.5);
}

#endif
