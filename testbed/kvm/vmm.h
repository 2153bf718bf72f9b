/*
 * A small VMM on the KVM API: one VM, one vCPU in 64-bit mode, a guest of
 * our own (guest.S) that runs one nanobenchmark at guest kernel or user
 * mode. Every KVM_RUN has a watchdog (an interval timer whose signal sets
 * kvm_run.immediate_exit), since a guest can hang inside KVM_RUN on some
 * hosts (host-notes: VMCALL at CPL0 under a software KVM).
 */
#ifndef VL_TESTBED_VMM_H
#define VL_TESTBED_VMM_H

#include <stdint.h>

#include "sim/err.h"

/* What kind of KVM this host offers. */
enum vl_kvm_kind {
	VL_KVM_NONE,     /* no usable /dev/kvm */
	VL_KVM_VMX,      /* hardware VT-x on bare metal */
	VL_KVM_SVM,      /* hardware AMD-V on bare metal */
	VL_KVM_NESTED,   /* VT-x/AMD-V offered to this host by its own hypervisor */
	VL_KVM_SOFTWARE, /* a software hypervisor (kvm_pvm): no vmx/svm flag */
};

struct vl_kvm_host {
	enum vl_kvm_kind kind;
	char label[160];  /* "software KVM (kvm_pvm): ..." */
	char reason[256]; /* why it is unusable, when kind == VL_KVM_NONE */
	int api_version;
	int has_stats_fd;
};

/*
 * Detects KVM from /proc/cpuinfo flags, /sys/module and the device itself.
 * dev is normally "/dev/kvm" (tests pass another path to pretend it is
 * absent). Never fails: an unusable KVM is kind VL_KVM_NONE with a reason.
 */
void vl_kvm_detect(struct vl_kvm_host *h, const char *dev);
const char *vl_kvm_kind_name(enum vl_kvm_kind k);

/* The guest nanobenchmarks, in guest.S's numbering. */
enum vl_gbench {
	VL_GB_ALU,    /* 10 instructions, no exit: the control */
	VL_GB_CPUID,
	VL_GB_OUT,    /* OUT to a port the VMM handles in user space */
	VL_GB_IN,
	VL_GB_HLT,
	VL_GB_VMCALL,
	VL_GB_CR8,    /* MOV to CR8 */
	VL_GB_RDMSR,
	VL_GB_WRMSR,
	VL_GB_MMIO,   /* a write to unbacked guest-physical memory */
	VL_GB_PF,     /* a guest page fault, handled by the guest's own kernel */
	VL_GB_INT,    /* INT to a guest handler and IRET: a guest system call */
	VL_GB_SYSCALL, /* SYSCALL/SYSRET: a guest system call (user mode only) */
	VL_GB__COUNT
};

#define VL_ALU_INSNS 10 /* instructions per VL_GB_ALU iteration */

struct vl_gbench_desc {
	const char *name;    /* kvm-unit-tests x86/vmexit's name where it has one */
	const char *what;
	int user_ok;         /* meaningful at guest user mode */
};
extern const struct vl_gbench_desc vl_gbench[VL_GB__COUNT];

/* The counters one run changed. */
struct vl_kvm_counts {
	uint64_t exits;        /* KVM statistics: all exits */
	uint64_t io_exits, mmio_exits, halt_exits, irq_exits, insn_emulation;
	uint64_t hypercalls, pf_taken, pf_fixed, signal_exits;
	uint64_t user_exits;   /* exits that returned to this VMM (all reasons) */
	uint64_t user_io, user_mmio, user_hlt, user_tpr, user_other;
	uint64_t guest_gp, guest_pf, guest_int; /* exceptions the guest handled */
};

struct vl_kvm_result {
	uint64_t iters;
	uint64_t tsc;        /* guest TSC cycles of the loop */
	double wall_ns;      /* host CLOCK_MONOTONIC around the whole run */
	struct vl_kvm_counts c; /* counts of this run minus those of a 0-iteration run */
};

struct vl_vmm;

/* Creates the VM; VL_EUNAVAIL with the reason when KVM cannot be used. */
int vl_vmm_open(struct vl_vmm **vm, const char *dev, struct vl_err *err);
void vl_vmm_close(struct vl_vmm *vm);

/*
 * Runs benchmark b for iters iterations at guest user (user=1) or kernel
 * mode, and again for 0 iterations to subtract the fixed counts. watchdog_s
 * bounds each KVM_RUN: VL_ETIMEOUT when it fires. A guest exception the
 * guest has no handler for is VL_EIO naming the vector.
 */
int vl_vmm_run(struct vl_vmm *vm, enum vl_gbench b, int user, uint64_t iters,
               double watchdog_s, struct vl_kvm_result *r, struct vl_err *err);

/*
 * kvm-unit-tests' timing: double the iterations, starting at start_iters,
 * until one run's loop takes at least goal TSC cycles (or max_iters).
 */
int vl_vmm_measure(struct vl_vmm *vm, enum vl_gbench b, int user, uint64_t goal,
                   uint64_t start_iters, uint64_t max_iters, double watchdog_s,
                   struct vl_kvm_result *r, struct vl_err *err);

#endif
