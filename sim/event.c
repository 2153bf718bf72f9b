/*
 * The event table: names, fields, classes and one-line help of every kind.
 * Kinds without a mode field get their fixed mode from def_flags.
 */
#include <string.h>

#include "sim/event.h"

#define K VL_EVF_KERNEL
#define RUN VL_EVC_RUN
#define PRIV VL_EVC_PRIV
#define SENS VL_EVC_SENSITIVE
#define IO VL_EVC_IO
#define INTR VL_EVC_INTR
#define MMU VL_EVC_MMU
#define PROC VL_EVC_PROC

const struct vl_evdesc vl_evdesc[VL_EV__COUNT] = {
	[VL_EV_USER] = {"user", "n", RUN, 0, 0, "user COUNT", "a run of ordinary user-mode instructions"},
	[VL_EV_KERNEL] = {"kernel", "n", RUN, K, 0, "kernel COUNT", "a run of ordinary kernel-mode instructions"},
	[VL_EV_BB] = {"bb", "anm?lt", RUN, 0, 0, "bb ID COUNT user|kernel [LOADS STORES]", "a basic block: id, instruction count, mode; loads and stores per execution"},
	[VL_EV_CALLRET] = {"callret", "n?m", 0, K, 1, "callret COUNT [user|kernel]", "call/ret pairs"},
	[VL_EV_INDIRECT] = {"indirect", "n?m", 0, K, 1, "indirect COUNT [user|kernel]", "indirect jumps or calls"},
	[VL_EV_SYSCALL] = {"syscall", "?a", INTR, 0, 0, "syscall [NUMBER]", "system call entry from user mode"},
	[VL_EV_SYSRET] = {"sysret", "", INTR, K, 0, "sysret", "system call return"},
	[VL_EV_INT] = {"int", "a?m", INTR, 0, 0, "int VECTOR [user|kernel]", "software interrupt"},
	[VL_EV_EXCEPTION] = {"exception", "a?m", INTR, K, 0, "exception VECTOR [user|kernel]", "exception (vector 0 = divide error)"},
	[VL_EV_IRET] = {"iret", "", INTR, K, 0, "iret", "return from interrupt or exception"},
	[VL_EV_PGFAULT] = {"pgfault", "a?mw", INTR | MMU, 0, 0, "pgfault ADDR [user|kernel] [r|w]", "a true guest page fault"},
	[VL_EV_PTEWRITE] = {"ptewrite", "apq", MMU, K, 0, "ptewrite ADDR 0|1 0|1", "page-table-entry write: present bit before and after"},
	[VL_EV_CR3] = {"cr3", "a", PRIV | MMU, K, 0, "cr3 ASID", "address-space switch (CR3 write)"},
	[VL_EV_CR0] = {"cr0", "?a", PRIV, K, 0, "cr0 [VALUE]", "CR0 write"},
	[VL_EV_CR4] = {"cr4", "?a", PRIV, K, 0, "cr4 [VALUE]", "CR4 write"},
	[VL_EV_CR8] = {"cr8", "?a", PRIV, K, 0, "cr8 [VALUE]", "CR8 (task priority) write"},
	[VL_EV_INVLPG] = {"invlpg", "a", PRIV | MMU, K, 0, "invlpg ADDR", "invalidate one TLB entry"},
	[VL_EV_TLBMISS] = {"tlbmiss", "?n", MMU, 0, 1, "tlbmiss [COUNT]", "TLB misses, each a page walk"},
	[VL_EV_CPUID] = {"cpuid", "?am", 0, K, 0, "cpuid [LEAF] [user|kernel]", "CPUID"},
	[VL_EV_RDTSC] = {"rdtsc", "?m", 0, 0, 0, "rdtsc [user|kernel]", "read the time-stamp counter"},
	[VL_EV_RDMSR] = {"rdmsr", "a", PRIV, K, 0, "rdmsr MSR", "read a model-specific register"},
	[VL_EV_WRMSR] = {"wrmsr", "a?b", PRIV, K, 0, "wrmsr MSR [VALUE]", "write a model-specific register"},
	[VL_EV_HLT] = {"hlt", "", PRIV, K, 0, "hlt", "halt until the next interrupt"},
	[VL_EV_CLI] = {"cli", "", PRIV, K, 0, "cli", "disable interrupts"},
	[VL_EV_STI] = {"sti", "", PRIV, K, 0, "sti", "enable interrupts"},
	[VL_EV_POPF] = {"popf", "?m", SENS, K, 0, "popf [user|kernel]", "POPF: IF changes silently ignored at CPL>0"},
	[VL_EV_PUSHF] = {"pushf", "?m", SENS, K, 0, "pushf [user|kernel]", "PUSHF: shows the real IOPL/IF"},
	[VL_EV_SGDT] = {"sgdt", "?m", SENS, K, 0, "sgdt [user|kernel]", "SGDT: reveals the host GDT"},
	[VL_EV_SIDT] = {"sidt", "?m", SENS, K, 0, "sidt [user|kernel]", "SIDT: reveals the host IDT"},
	[VL_EV_SLDT] = {"sldt", "?m", SENS, K, 0, "sldt [user|kernel]", "SLDT"},
	[VL_EV_SMSW] = {"smsw", "?m", SENS, K, 0, "smsw [user|kernel]", "SMSW: reads CR0 bits"},
	[VL_EV_STR] = {"str", "?m", SENS, K, 0, "str [user|kernel]", "STR"},
	[VL_EV_LAR] = {"lar", "?m", SENS, K, 0, "lar [user|kernel]", "LAR: shows descriptor privilege"},
	[VL_EV_LSL] = {"lsl", "?m", SENS, K, 0, "lsl [user|kernel]", "LSL"},
	[VL_EV_VERR] = {"verr", "?m", SENS, K, 0, "verr [user|kernel]", "VERR"},
	[VL_EV_VERW] = {"verw", "?m", SENS, K, 0, "verw [user|kernel]", "VERW"},
	[VL_EV_MOVSEG] = {"movseg", "?m", SENS, K, 0, "movseg [user|kernel]", "move to or from a segment register"},
	[VL_EV_IN] = {"in", "a?n", PRIV | IO, K, 1, "in PORT [SIZE]", "port read (SIZE 1, 2 or 4 bytes)"},
	[VL_EV_OUT] = {"out", "a?n", PRIV | IO, K, 1, "out PORT [SIZE]", "port write (SIZE 1, 2 or 4 bytes)"},
	[VL_EV_MMIO] = {"mmio", "anw", IO, K, 0, "mmio ADDR SIZE r|w", "memory-mapped device access"},
	[VL_EV_DISK] = {"disk", "nw?sa", IO, 0, 0, "disk BYTES r|w [sync|async] [FILE]", "block-device request; sync blocks the vCPU; FILE: an id of the file (0: unknown)"},
	[VL_EV_NET] = {"net", "nd?s", IO, 0, 0, "net BYTES rx|tx [sync|async]", "network request; sync blocks the vCPU"},
	[VL_EV_IRQ] = {"irq", "?a", INTR | IO, K, 0, "irq [VECTOR]", "device interrupt"},
	[VL_EV_TIMER] = {"timer", "", INTR, K, 0, "timer", "timer interrupt"},
	[VL_EV_PHASE] = {"phase", "a", 0, 0, 0, "phase ID", "phase marker (costs nothing)"},
	[VL_EV_VSWITCH] = {"vswitch", "", 0, K, 0, "vswitch", "the physical CPU switches to this guest"},
	[VL_EV_FORK] = {"fork", "a?n", PROC, K, 0, "fork CHILD [PAGES]", "a process is created: its address-space id, pages copied"},
	[VL_EV_EXEC] = {"exec", "?n", PROC, K, 0, "exec [PAGES]", "a new program image replaces the process's: pages torn down"},
	[VL_EV_EXIT] = {"exit", "?n", PROC, K, 0, "exit [PAGES]", "the process ends: pages torn down"},
	[VL_EV_XPAGE] = {"xpage", "n?m", 0, K, 1, "xpage COUNT [user|kernel]", "direct jumps, calls and fall-throughs from a block into a block that starts on another 4 KiB code page"},
	[VL_EV_SLEEP] = {"sleep", "a", 0, 0, 0, "sleep NS", "the guest waits NS nanoseconds for a timer with nothing else to run (a captured nanosleep, or a poll's timeout, while no other process ran): the vCPU idles"},
	[VL_EV_MISPREDICT] = {"mispredict", "n?m", 0, K, 1, "mispredict COUNT [user|kernel]", "conditional branches that the capture's reference predictor (TAGE, traces/bpred.h) predicted wrong: each costs the host's pipeline refill"},
	[VL_EV_FP] = {"fp", "n?m", 0, K, 1, "fp COUNT [user|kernel]", "floating-point instructions (x87; SSE and AVX arithmetic, square roots, conversions and compares) in the blocks before: their cycles are in the blocks' runs, and an emulator carries each out in a helper with software floating point"},
	[VL_EV_TOUCH] = {"touch", "a?mw", MMU, 0, 0, "touch ADDR [user|kernel] [r|w]", "a data reference to the page at ADDR that the capture's LRU filter of recent pages missed: the stream a TLB sees"},
};

int vl_ev_lookup(const char *name, unsigned len)
{
	for (int i = 0; i < VL_EV__COUNT; i++) {
		const char *n = vl_evdesc[i].name;
		if (strncmp(n, name, len) == 0 && n[len] == '\0')
			return i;
	}
	return -1;
}

uint16_t vl_ev_flag_mask(unsigned type)
{
	const struct vl_evdesc *d = &vl_evdesc[type];
	uint16_t mask = d->def_flags;

	for (const char *f = d->fields; *f; f++) {
		switch (*f) {
		case 'm': mask |= VL_EVF_KERNEL; break;
		case 'w': case 'd': mask |= VL_EVF_WRITE; break;
		case 's': mask |= VL_EVF_ASYNC; break;
		case 'p': mask |= VL_EVF_P_OLD; break;
		case 'q': mask |= VL_EVF_P_NEW; break;
		}
	}
	return mask;
}
