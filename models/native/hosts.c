/*
 * Host profiles. The defaults of the host parameter table (sim/param.c) are
 * the Prescott host; a profile lists only what differs, with its source.
 * The later generations carry the exit latencies Agesen et al. measured,
 * and a trap_scale for their other hardware transitions: Core 2's from
 * A&A 2006 Table 1 (a page-fault VM exit, an exception-class transition in
 * microcode: 1186 cycles against Prescott's 1931), later ones from Merom's
 * by the ratio of their exit round trips (Agesen et al. 2012). That rule
 * also moves the native transitions (system call, interrupt, exception,
 * the delivery part of a page fault); the rest of the native costs keep
 * Prescott's cycle counts, measured for no other generation, and say so.
 */
#include "models/native/native.h"

#define SAME_NATIVE "other native costs: Prescott's cycle counts (not measured for this " \
	"generation)"

#define T_MEROM (1186.0 / 1931.0)         /* A&A 2006 Table 1: page-fault VM exit, Core 2 / P4 */
#define T_FROM_MEROM(exit) (T_MEROM * (exit) / 1579.0) /* Agesen 2012: round trip / Merom's */

/* A generation's transitions: trap_scale and the native costs it moves. */
#define TRANSITIONS(t) \
	{"trap_scale", (t)}, {"syscall", 242 * (t)}, {"int", 889 * (t)}, {"exception", 889 * (t)}, \
	{"irq", 889 * (t)}, {"pgfault", 889 * (t) + (1093 - 889)}

static const struct vl_setting merom[] = {
	{"clock_hz", 2.66e9}, /* A&A 2006 Table 1: Core 2 Duo, 2.66 GHz */
	{"vmexit", 1579},     /* Agesen et al. 2012: Merom round trip */
	{"vmcs_read", 52},    /* A&A 2006 Table 1: Core 2 Duo VMCB read */
	{"vmcs_write", 44},   /* A&A 2006 Table 1: Core 2 Duo VMCB write */
	TRANSITIONS(T_MEROM),
	{NULL, 0},
};

static const struct vl_setting penryn[] = {
	{"clock_hz", 3.0e9}, {"vmexit", 1266}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(1266)), {NULL, 0},
};

static const struct vl_setting nehalem[] = {
	{"clock_hz", 2.93e9}, {"vmexit", 1009}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(1009)), {NULL, 0},
};

static const struct vl_setting westmere[] = {
	{"clock_hz", 3.33e9}, {"vmexit", 761}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(761)), {NULL, 0},
};

static const struct vl_setting sandybridge[] = {
	{"clock_hz", 3.4e9}, {"vmexit", 784}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(784)), {NULL, 0},
};

static const struct vl_setting modern[] = {
	{"clock_hz", 3.0e9},
	{"vmexit", 784},            /* the newest generation measured (Sandy Bridge) */
	{"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(784)),
	{"disk_latency_ns", 100e3}, /* estimate: NVMe flash read, about 100 us */
	{"disk_mbs", 2000},         /* estimate: PCIe 3.0 x4 NVMe */
	{"net_latency_ns", 10e3},   /* estimate: 10 GbE in a rack */
	{"net_mbs", 1250},          /* 10 Gbit/s */
	{NULL, 0},
};

const struct vl_profile vl_host_profiles[] = {
	{"prescott", "Intel Pentium 4 672 (Prescott), 3.8 GHz, 2005", NULL, NULL,
	 "the host of Adams & Agesen, ASPLOS 2006: every default of the host table"},
	{"merom", "Intel Core 2 Duo (Merom), 2.66 GHz, 2006", NULL, merom,
	 "exit round trip from Agesen et al. 2012; VMCB costs and trap_scale (page-fault exit "
	 "1186 / 1931) from A&A 2006 Table 1; " SAME_NATIVE},
	{"penryn", "Intel Penryn (45 nm Core 2), 2008", NULL, penryn,
	 "exit round trip and trap_scale (Merom's x round trip / 1579) from Agesen et al. "
	 "2012; clock of a representative part (E8400), an "
	 "assumption; VMCS costs: Merom's; " SAME_NATIVE},
	{"nehalem", "Intel Nehalem, 2009", NULL, nehalem,
	 "exit round trip and trap_scale (Merom's x round trip / 1579) from Agesen et al. "
	 "2012; clock of a representative part (X5570 turbo), "
	 "an assumption; VMCS costs: Merom's; " SAME_NATIVE},
	{"westmere", "Intel Westmere, 2010", NULL, westmere,
	 "exit round trip and trap_scale (Merom's x round trip / 1579) from Agesen et al. "
	 "2012; clock of a representative part, an assumption; "
	 "VMCS costs: Merom's; " SAME_NATIVE},
	{"sandybridge", "Intel Sandy Bridge, 2011", NULL, sandybridge,
	 "exit round trip and trap_scale (Merom's x round trip / 1579) from Agesen et al. "
	 "2012; clock of a representative part (i7-2600), an "
	 "assumption; VMCS costs: Merom's; " SAME_NATIVE},
	{"modern", "a generic recent x86 server with flash storage and 10 GbE", NULL, modern,
	 "exit latency and trap_scale of the newest measured generation; devices are estimates; "
	 SAME_NATIVE},
};

const size_t vl_nhost_profiles = sizeof(vl_host_profiles) / sizeof(vl_host_profiles[0]);
