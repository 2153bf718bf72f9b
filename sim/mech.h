/*
 * Mechanisms: the named places where a model charges cycles. One shared
 * vocabulary, so that breakdowns of different techniques line up column by
 * column. Append only: result databases store the names, not the numbers.
 */
#ifndef VL_MECH_H
#define VL_MECH_H

enum vl_mech {
	VL_MECH_DIRECT,      /* guest work at native cost, run directly on the CPU */
	VL_MECH_PAGEWALK,    /* native one-dimensional page walks after TLB misses */
	VL_MECH_CTXSWITCH,   /* process or vCPU context switch on a physical CPU */
	VL_MECH_TRAP,        /* hardware trap into the monitor and back */
	VL_MECH_EMULATE,     /* monitor emulating one privileged operation */
	VL_MECH_INTERP,      /* interpreting guest instructions one by one */
	VL_MECH_TRANSLATE,   /* building translated code (BT or DBT translator) */
	VL_MECH_TRANSLATED,  /* extra cost of running translated code */
	VL_MECH_LOOKUP,      /* translation-cache lookups: indirect branches, returns */
	VL_MECH_CALLOUT,     /* translated code calling out into the monitor */
	VL_MECH_SOFTMMU,     /* software address translation of emulated memory */
	VL_MECH_VMEXIT,      /* hardware VM exit and re-entry round trip */
	VL_MECH_EXITHANDLER, /* monitor code that handles a VM exit */
	VL_MECH_HYPERCALL,   /* paravirtual call into the hypervisor */
	VL_MECH_SHADOWPT,    /* shadow page tables: hidden faults, traced writes */
	VL_MECH_NESTEDWALK,  /* extra references of two-dimensional page walks */
	VL_MECH_DEVEMU,      /* device emulation */
	VL_MECH_WORLDSWITCH, /* hosted monitor switching to the host OS and back */
	VL_MECH_EVTCHN,      /* paravirtual event channels (virtual interrupts) */
	VL_MECH_RING,        /* split-driver shared-ring I/O */
	VL_MECH_NAMESPACE,   /* namespace lookups and checks on a shared kernel */
	VL_MECH_CGROUP,      /* cgroup accounting */
	VL_MECH_COPYUP,      /* overlay file-system copy-up on first write */
	VL_MECH_BRIDGE,      /* bridge/NAT network path per packet */
	VL_MECH_HOSTDRV,     /* the host's native driver driving the real device for a guest */
	VL_MECH_HOSTPAGING,  /* the host OS paging a hosted guest's page back in */
	VL_MECH_CODEFETCH,   /* running generated code the host's L2 no longer holds */
	VL_MECH_FPHELPER,    /* floating point done in software by an emulator's helpers */
	VL_MECH__COUNT
};

struct vl_mechdesc {
	const char *name;
	const char *help;
};

extern const struct vl_mechdesc vl_mechdesc[VL_MECH__COUNT];

/* Returns the mechanism number of name, or -1. */
int vl_mech_lookup(const char *name);

#endif
