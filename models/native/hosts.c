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
 * TLB geometries are recalled from Intel's optimization reference manual
 * (not read here: marked so); page-walk-cache sizes are not published by
 * Intel, Bhargava et al.'s 24 entries stand in from Nehalem on, the first
 * Intel generation with EPT.
 */
#include "models/native/native.h"

#define SAME_NATIVE "other native costs: Prescott's cycle counts (not measured for this " \
	"generation)"
#define TLB_CORE2 "TLB: 16-entry L1 DTLB, 256-entry 4-way L2 DTLB (Intel optimization manual, " \
	"recalled, not read here); no page-walk cache (none documented: an estimate)"
#define TLB_NHM "TLB: 64-entry 4-way L1 DTLB, 512-entry 4-way L2 TLB (Intel optimization " \
	"manual, recalled, not read here); page-walk cache: Bhargava et al. 2008's 24 entries " \
	"(Intel publishes no size: an estimate)"
#define BP_SRC "mispredict: the pipeline refill of a mispredicted branch, Agner Fog's " \
	"microarchitecture manual (recalled, not read here)"
#define T_RULE "trap_scale: Merom's x this round trip / Merom's 1579 (Agesen et al. 2012)"

#define T_MEROM (1186.0 / 1931.0)         /* A&A 2006 Table 1: page-fault VM exit, Core 2 / P4 */
#define T_FROM_MEROM(exit) (T_MEROM * (exit) / 1579.0) /* Agesen 2012: round trip / Merom's */

/* A generation's transitions: trap_scale and the native costs it moves. */
#define TRANSITIONS(t) \
	{"trap_scale", (t)}, {"syscall", 242 * (t)}, {"int", 889 * (t)}, {"exception", 889 * (t)}, \
	{"irq", 889 * (t)}, {"pgfault", 889 * (t) + (1093 - 889)}

/* The TLB geometry of each generation (see TLB_CORE2, TLB_NHM). */
#define CORE2_TLB {"dtlb1_entries", 16}, {"dtlb1_ways", 16}, {"dtlb2_entries", 256}, \
	{"dtlb2_ways", 4}
#define NHM_TLB {"dtlb1_entries", 64}, {"dtlb1_ways", 4}, {"dtlb2_entries", 512}, \
	{"dtlb2_ways", 4}, {"pwc_entries", 24}

static const struct vl_setting merom[] = {
	{"clock_hz", 2.66e9}, /* A&A 2006 Table 1: Core 2 Duo, 2.66 GHz */
	{"vmexit", 1579},     /* Agesen et al. 2012: Merom round trip */
	{"vmcs_read", 52},    /* A&A 2006 Table 1: Core 2 Duo VMCB read */
	{"vmcs_write", 44},   /* A&A 2006 Table 1: Core 2 Duo VMCB write */
	TRANSITIONS(T_MEROM), CORE2_TLB, {"mispredict", 15},
	{NULL, 0},
};

static const struct vl_setting penryn[] = {
	{"clock_hz", 3.0e9}, {"vmexit", 1266}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(1266)), CORE2_TLB, {"mispredict", 15}, {NULL, 0},
};

static const struct vl_setting nehalem[] = {
	{"clock_hz", 2.93e9}, {"vmexit", 1009}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(1009)), NHM_TLB, {"mispredict", 17}, {NULL, 0},
};

static const struct vl_setting westmere[] = {
	{"clock_hz", 3.33e9}, {"vmexit", 761}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(761)), NHM_TLB, {"mispredict", 17}, {NULL, 0},
};

static const struct vl_setting sandybridge[] = {
	{"clock_hz", 3.4e9}, {"vmexit", 784}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(784)), NHM_TLB, {"mispredict", 15}, {NULL, 0},
};

/* A guest hypervisor's VM on Sandy Bridge: its exits go through the outer monitor. */
static const struct vl_setting sandybridge_nested[] = {
	{"clock_hz", 3.4e9}, {"vmexit", 9794}, {"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(784)), NHM_TLB, {"mispredict", 15}, {NULL, 0},
};

static const struct vl_setting modern[] = {
	{"clock_hz", 3.0e9},
	{"vmexit", 784},            /* the newest generation measured (Sandy Bridge) */
	{"vmcs_read", 52}, {"vmcs_write", 44},
	TRANSITIONS(T_FROM_MEROM(784)),
	{"disk_latency_ns", 100e3}, /* estimate: NVMe flash read, about 100 us */
	{"disk_seek", 0},           /* flash: no seek, no rotation */
	/* estimate: PCIe 3.0 NVMe datasheets give random-read IOPS at queue
	 * depth 32 about 30 times those at depth 1 (e.g. 620k against 19k) */
	{"disk_channels", 32},
	{"disk_mbs", 2000},         /* estimate: PCIe 3.0 x4 NVMe */
	{"net_latency_ns", 10e3},   /* estimate: 10 GbE in a rack */
	{"net_mbs", 1250},          /* 10 Gbit/s */
	/* Skylake-class server: 64-entry 4-way L1 DTLB, 1536-entry 12-way L2 TLB
	 * (recalled, not read here); Linux uses PCID since 4.14 */
	{"dtlb1_entries", 64}, {"dtlb1_ways", 4}, {"dtlb2_entries", 1536}, {"dtlb2_ways", 12},
	{"pwc_entries", 24}, {"pcid", 1},
	{"mispredict", 16},         /* Skylake-class: 16-20 (BP_SRC) */
	{NULL, 0},
};

const struct vl_profile vl_host_profiles[] = {
	{"prescott", "Intel Pentium 4 672 (Prescott), 3.8 GHz, 2005", NULL, NULL,
	 "the host of Adams & Agesen, ASPLOS 2006: every default of the host table"},
	{"merom", "Intel Core 2 Duo (Merom), 2.66 GHz, 2006", NULL, merom,
	 "exit round trip from Agesen et al. 2012; VMCB costs and trap_scale (page-fault exit "
	 "1186 / 1931) from A&A 2006 Table 1; " TLB_CORE2 "; " BP_SRC "; " SAME_NATIVE},
	{"penryn", "Intel Penryn (45 nm Core 2), 2008", NULL, penryn,
	 "exit round trip from Agesen et al. 2012; " T_RULE "; clock of a representative part "
	 "(E8400), an assumption; VMCS costs: Merom's; " TLB_CORE2 "; " BP_SRC "; " SAME_NATIVE},
	{"nehalem", "Intel Nehalem, 2009", NULL, nehalem,
	 "exit round trip from Agesen et al. 2012; " T_RULE "; clock of a representative part "
	 "(X5570 turbo), an assumption; VMCS costs: Merom's; " TLB_NHM "; " BP_SRC "; " SAME_NATIVE},
	{"westmere", "Intel Westmere, 2010", NULL, westmere,
	 "exit round trip from Agesen et al. 2012; " T_RULE "; clock of a representative part, "
	 "an assumption; VMCS costs: Merom's; " TLB_NHM "; " BP_SRC "; " SAME_NATIVE},
	{"sandybridge", "Intel Sandy Bridge, 2011", NULL, sandybridge,
	 "exit round trip from Agesen et al. 2012; " T_RULE "; clock of a representative part "
	 "(i7-2600), an assumption; VMCS costs: Merom's; " TLB_NHM "; " BP_SRC "; " SAME_NATIVE},
	{"sandybridge-nested", "a VM inside a VM on Sandy Bridge: VMware Workstation 8 nested",
	 NULL, sandybridge_nested,
	 "vmexit: one virtual exit round trip of the inner guest, about 9794 cycles, which the "
	 "outer monitor carries out in software (Agesen et al. 2012); the rest as sandybridge: the "
	 "inner guest's own transitions do not exit, and the inner monitor's VMCS accesses are "
	 "taken at the hardware's cost (an assumption: how the outer monitor serves them is not "
	 "published)"},
	{"modern", "a generic recent x86 server with flash storage and 10 GbE", NULL, modern,
	 "exit latency and trap_scale of the newest measured generation; devices are estimates; "
	 "TLB of a Skylake-class part (recalled, not read here), PCID used; " BP_SRC "; " SAME_NATIVE},
};

const size_t vl_nhost_profiles = sizeof(vl_host_profiles) / sizeof(vl_host_profiles[0]);
