/*
 * The host parameter table (defaults: the Pentium 4 672 "Prescott" host of
 * Adams & Agesen 2006) and helpers for overrides and range checks.
 */
#include <errno.h>
#include <math.h>
#include <string.h>

#include "sim/param.h"

#define AA "Adams & Agesen, ASPLOS 2006, Fig. 4 (native)"
#define INF 1e18

/* The kernel path classes: no published per-path costs; this host's are measured. */
#define KSCALE_SRC(bench) "assumption: every kernel path at cpi_kernel; virtlab calibrate measures " \
	"this host's from vl-probe " bench

const struct vl_param_def vl_host_params[VL_H__COUNT] = {
	[VL_H_CLOCK_HZ] = {"clock_hz", "Hz", 3.8e9, 1e6, 1e11,
		"Adams & Agesen 2006, Sec. 6: Pentium 4 672, 3.8 GHz", "host clock rate"},
	[VL_H_CPI_USER] = {"cpi_user", "cycles/insn", 1.0, 0.05, 100,
		"assumption: nominal; scales direct execution alike in every technique",
		"cycles per ordinary user-mode instruction"},
	[VL_H_CPI_KERNEL] = {"cpi_kernel", "cycles/insn", 1.0, 0.05, 100,
		"assumption: as cpi_user", "cycles per ordinary kernel-mode instruction"},
	[VL_H_CALLRET] = {"callret", "cycles", 9, 0, INF,
		"derived from " AA ": call/ret 11 less its 2 instructions at cpi 1.0",
		"a call/ret pair beyond its two instructions (which the runs around it count)"},
	[VL_H_INDIRECT] = {"indirect", "cycles", 5, 0, INF,
		"estimate: a mostly predicted indirect branch",
		"an indirect jump or call beyond its instruction"},
	[VL_H_SYSCALL] = {"syscall", "cycles", 242, 0, INF, AA ": syscall 242",
		"syscall/sysret round trip, charged at entry"},
	[VL_H_INT] = {"int", "cycles", 889, 0, INF,
		"estimate: same delivery path as divzero, " AA ": 889",
		"software interrupt round trip (with iret)"},
	[VL_H_EXCEPTION] = {"exception", "cycles", 889, 0, INF, AA ": divzero 889",
		"exception round trip without MMU involvement (with iret)"},
	[VL_H_PGFAULT] = {"pgfault", "cycles", 1093, 0, INF, AA ": pgfault 1093",
		"true page fault round trip (with iret)"},
	[VL_H_PTE_SAME] = {"pte_same", "cycles", 1, 0, INF, AA ": ptemod unchanged 1",
		"PTE write keeping the present bit"},
	[VL_H_PTE_CLEAR] = {"pte_clear", "cycles", 4, 0, INF, AA ": ptemod P->NP 4",
		"PTE write present -> not present"},
	[VL_H_PTE_SET] = {"pte_set", "cycles", 5, 0, INF, AA ": ptemod NP->P 5",
		"PTE write not present -> present"},
	[VL_H_CR3] = {"cr3", "cycles", 500, 0, INF,
		"estimate: serializing write plus untagged TLB flush (refills not included)",
		"address-space switch"},
	[VL_H_CR0] = {"cr0", "cycles", 150, 0, INF, "estimate: as cr8wr, " AA,
		"CR0 write"},
	[VL_H_CR4] = {"cr4", "cycles", 150, 0, INF, "estimate: as cr8wr, " AA,
		"CR4 write"},
	[VL_H_CR8] = {"cr8", "cycles", 150, 0, INF, AA ": cr8wr 150", "CR8 write"},
	[VL_H_INVLPG] = {"invlpg", "cycles", 100, 0, INF,
		"estimate: one TLB entry invalidation", "INVLPG"},
	[VL_H_PT_LEVELS] = {"pt_levels", "levels", 4, 2, 5,
		"x86-64 four-level paging; Bhargava et al., ASPLOS 2008",
		"page-table levels of a walk"},
	[VL_H_WALK_REF] = {"walk_ref", "cycles", 25, 0, INF,
		"estimate from Bhargava et al. 2008 model: page-walk-cache hits 2 cycles, "
		"L2 misses about 100", "mean cost of one page-walk memory reference"},
	[VL_H_CPUID] = {"cpuid", "cycles", 200, 0, INF,
		"estimate: serializing, microcoded", "CPUID"},
	[VL_H_RDTSC] = {"rdtsc", "cycles", 80, 0, INF, "estimate: microcoded on NetBurst",
		"RDTSC"},
	[VL_H_RDMSR] = {"rdmsr", "cycles", 100, 0, INF, "estimate: microcoded", "RDMSR"},
	[VL_H_WRMSR] = {"wrmsr", "cycles", 150, 0, INF, "estimate: serializing", "WRMSR"},
	[VL_H_CLI] = {"cli", "cycles", 60, 0, INF,
		"Adams & Agesen 2006, Sec. 3.2: native cli about 60 cycles on P4", "CLI"},
	[VL_H_STI] = {"sti", "cycles", 60, 0, INF, "estimate: as cli", "STI"},
	[VL_H_SENSITIVE] = {"sensitive", "cycles", 20, 0, INF,
		"estimate: POPF/SGDT/... are ordinary microcoded instructions",
		"one sensitive-but-unprivileged instruction"},
	[VL_H_PORTIO] = {"portio", "cycles", 3209, 0, INF, AA ": in 3209",
		"port I/O (IN/OUT) to a legacy device"},
	[VL_H_MMIO] = {"mmio", "cycles", 700, 0, INF,
		"estimate: an uncached device access of about 0.2 us", "one MMIO access"},
	[VL_H_IRQ] = {"irq", "cycles", 889, 0, INF,
		"estimate: delivery as an exception, " AA ": divzero 889",
		"external interrupt delivery round trip"},
	[VL_H_CTXSWITCH] = {"ctxswitch", "cycles", 5000, 0, INF,
		"estimate: a process switch of 1-2 us with cache refill",
		"switch of a physical CPU between guests"},
	[VL_H_DISK_LATENCY_NS] = {"disk_latency_ns", "ns", 8e6, 0, 1e12,
		"estimate: 7200 rpm disk, about 4 ms seek + 4.2 ms half rotation",
		"mean access time of a disk request (exponential with seeks, else fixed)"},
	[VL_H_DISK_MBS] = {"disk_mbs", "MB/s", 60, 0.001, 1e7,
		"estimate: 2006 desktop disk sequential rate", "disk transfer rate"},
	[VL_H_NET_LATENCY_NS] = {"net_latency_ns", "ns", 50e3, 0, 1e12,
		"estimate: gigabit LAN one-way latency through a switch",
		"wire latency of a network request, after its bytes are sent"},
	[VL_H_NET_MBS] = {"net_mbs", "MB/s", 125, 0.001, 1e7, "1 Gbit/s Ethernet",
		"network transfer rate"},
	[VL_H_DISK_CHANNELS] = {"disk_channels", "requests", 1, 1, 1024,
		"a disk has one head assembly: one request at a time",
		"requests the disk serves at once (flash: channels and dies)"},
	[VL_H_DISK_SEEK] = {"disk_seek", "0/1", 1, 0, 1,
		"a rotating disk: the access time is a seek and a rotation, random",
		"1: the access time is random (exponential), 0: fixed (flash)"},
	[VL_H_VMEXIT] = {"vmexit", "cycles", 3963, 0, INF,
		"Agesen et al., USENIX ATC 2012, exit round trip by generation: Prescott 3963",
		"hardware VM exit plus re-entry, round trip"},
	[VL_H_VMCS_READ] = {"vmcs_read", "cycles", 178, 0, INF,
		"Adams & Agesen 2006, Table 1: VMCB read on P4 672, 178",
		"one VMREAD of the VM control structure"},
	[VL_H_VMCS_WRITE] = {"vmcs_write", "cycles", 171, 0, INF,
		"Adams & Agesen 2006, Table 1: VMCB write on P4 672, 171",
		"one VMWRITE of the VM control structure"},
	[VL_H_TRAP_SCALE] = {"trap_scale", "ratio", 1, 0.01, 100,
		"1 on Prescott; a later generation's from the measured transition latencies "
		"(models/native/hosts.c: A&A 2006 Table 1, Agesen et al. 2012)",
		"hardware transitions (trap, fault delivery) against Prescott's"},
	[VL_H_SOFT_SCALE] = {"soft_scale", "ratio", 1, 0.01, 100,
		"1: no source here measured monitor software across generations, so Prescott's "
		"cycle counts stand for every host",
		"monitor software (handlers, translator) against Prescott's cycles"},
	/* The TLB hierarchy that prices `touch` events (sim/tlb.h, docs/tlb.md). */
	[VL_H_DTLB1_ENTRIES] = {"dtlb1_entries", "count", 64, 0, 128,
		"Bhargava et al. 2008 model: 64-entry L1 DTLB; the Pentium 4's DTLB has 64 entries "
		"too (Intel optimization manual, recalled, not read here)",
		"entries of the first-level data TLB"},
	[VL_H_DTLB1_WAYS] = {"dtlb1_ways", "count", 64, 1, 128,
		"estimate: fully associative, as the Pentium 4's DTLB (recalled, not read here)",
		"associativity of the L1 DTLB (ways = entries: fully associative)"},
	[VL_H_DTLB2_ENTRIES] = {"dtlb2_entries", "count", 0, 0, 2048,
		"estimate: NetBurst has no second-level DTLB; Bhargava et al. 2008 model 512 entries",
		"entries of the second-level data TLB (0: none)"},
	[VL_H_DTLB2_WAYS] = {"dtlb2_ways", "count", 4, 1, 2048,
		"estimate: 4-way, as Intel's and AMD's second-level TLBs of 2008-2011",
		"associativity of the L2 DTLB"},
	[VL_H_PWC_ENTRIES] = {"pwc_entries", "count", 0, 0, 64,
		"estimate: no page-walk cache is documented for NetBurst; Bhargava et al. 2008 "
		"model a 24-entry PWC", "entries of the page-walk cache of upper-level entries (0: none)"},
	[VL_H_PWC_HIT] = {"pwc_hit", "cycles", 2, 0, 1000,
		"Bhargava et al. 2008 model: page-walk-cache hit 2 cycles (nested-TLB hits alike, "
		"an estimate)", "cycles of a page-walk-cache or nested-TLB hit"},
	[VL_H_PWC_NESTED] = {"pwc_nested", "flag", 1, 0, 1,
		"Bhargava et al. 2008: the two-dimensional PWC caches nested-dimension entries too",
		"1: the PWC also caches upper-level entries of nested (host) walks"},
	[VL_H_NTLB_ENTRIES] = {"ntlb_entries", "count", 16, 0, 64,
		"Bhargava et al. 2008 model: 16-entry nested TLB",
		"nested TLB: guest-physical -> host-physical translations of guest page-table pages"},
	[VL_H_PCID] = {"pcid", "flag", 0, 0, 1,
		"PCID arrived with Westmere (2010) and Linux used it from 4.14 (2017): 0 for the "
		"hosts and guests of the papers", "1: CR3 switches keep the TLB (tagged by address space)"},
	[VL_H_LARGE_PAGES] = {"large_pages", "ratio", 0, 0, 1,
		"assumption: 4 KiB pages unless a study sets it", "fraction of the guest's 2 MiB "
		"regions mapped by one large page (chosen by a fixed hash of the region)"},
	[VL_H_NESTED_LARGE_PAGES] = {"nested_large_pages", "ratio", 0, 0, 1,
		"assumption: 4 KiB host backing unless a study sets it",
		"fraction of guest-physical 2 MiB regions the host backs with a large page"},
	[VL_H_KSCALE_PROC] = {"kscale_proc", "ratio", 1, 0, 1000, KSCALE_SRC("forkwait"),
		"the kernel paths of fork, exit and wait: cycles per instruction against cpi_kernel"},
	[VL_H_KSCALE_EXEC] = {"kscale_exec", "ratio", 1, 0, 1000, KSCALE_SRC("exec"),
		"the kernel path of execve, against cpi_kernel"},
	[VL_H_KSCALE_MM] = {"kscale_mm", "ratio", 1, 0, 1000, KSCALE_SRC("mapunmap"),
		"the kernel paths of mmap, munmap, mprotect, mremap, madvise and brk, against "
		"cpi_kernel"},
	[VL_H_KSCALE_IO] = {"kscale_io", "ratio", 1, 0, 1000, KSCALE_SRC("rw1"),
		"the kernel paths of read and write calls, against cpi_kernel"},
	[VL_H_MISPREDICT] = {"mispredict", "cycles", 30, 0, 1000,
		"estimate: the Pentium 4 refills its 31-stage pipeline (Prescott; recalled, not read "
		"here); virtlab calibrate measures this host's from vl-probe branches",
		"a mispredicted conditional branch: the pipeline refilled"},
	[VL_H_L2_KB] = {"l2_kb", "KiB", 2048, 0, 1e7,
		"Pentium 4 6xx: 2 MB L2 (Intel's product brief; recalled, not read here); virtlab "
		"calibrate reads this host's from sysfs",
		"the cache that code runs from before a costly fetch: the L2 (0: none modelled)"},
	[VL_H_CODE_FETCH] = {"code_fetch", "cycles", 100, 0, 1e5,
		"Bhargava et al. 2008's model: an L2 miss about 100 cycles; straight-line code is "
		"prefetched, so this is an upper bound; virtlab calibrate measures this host's",
		"running one 64-byte line of code not in the L2 (generated code: translations)"},
};

int vl_override_parse(struct vl_override *o, char *s, struct vl_err *err)
{
	char *eq = strchr(s, '='), *end;
	double mul = 1;

	if (!eq || eq == s)
		return vl_err_set(err, VL_EINVAL, "'%s': expected name=value", s);
	*eq = '\0';
	errno = 0;
	o->name = s;
	o->value = strtod(eq + 1, &end);
	if (end != eq + 1) {
		switch (*end) {
		case 'k': mul = 1e3; end++; break;
		case 'M': mul = 1e6; end++; break;
		case 'G': mul = 1e9; end++; break;
		}
	}
	if (end == eq + 1 || *end != '\0' || errno == ERANGE || !isfinite(o->value)) {
		*eq = '=';
		return vl_err_set(err, VL_EINVAL, "'%s': value is not a number", s);
	}
	o->value *= mul;
	return 0;
}

int vl_param_find(const struct vl_param_def *defs, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(defs[i].name, name) == 0)
			return (int)i;
	return -1;
}

int vl_param_check(const struct vl_param_def *def, double value, const char *where,
                   struct vl_err *err)
{
	if (value >= def->min && value <= def->max)
		return 0;
	return vl_err_set(err, VL_EINVAL,
	                  "%s: parameter '%s' = %g is out of range [%g, %g] %s", where,
	                  def->name, value, def->min, def->max, def->unit);
}

void vl_param_names(const struct vl_param_def *defs, size_t n, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < n && used + 1 < len; i++) {
		int w = snprintf(buf + used, len - used, "%s%s", i ? ", " : "", defs[i].name);
		if (w < 0)
			break;
		used += (size_t)w;
	}
}
