/*
 * The trace event vocabulary: what a guest does, at the granularity where
 * virtualization costs arise. One static table describes every event kind
 * (name, fields, flags, class); text and binary formats, the docs and the
 * models all read it. docs/trace-format.md explains each kind.
 */
#ifndef VL_EVENT_H
#define VL_EVENT_H

#include <stdint.h>

/* Event kinds. Append only: the binary format stores these numbers. */
enum vl_ev {
	VL_EV_USER,      /* run of n user-mode instructions */
	VL_EV_KERNEL,    /* run of n kernel-mode instructions */
	VL_EV_BB,        /* basic block a (id) of n instructions, mode flag */
	VL_EV_CALLRET,   /* n call/ret pairs */
	VL_EV_INDIRECT,  /* n indirect jumps/calls */
	VL_EV_SYSCALL,   /* system call entry, a = number */
	VL_EV_SYSRET,    /* system call return */
	VL_EV_INT,       /* software interrupt INT a */
	VL_EV_EXCEPTION, /* exception, a = vector (0 = divide error) */
	VL_EV_IRET,      /* return from interrupt/exception */
	VL_EV_PGFAULT,   /* true guest page fault at address a */
	VL_EV_PTEWRITE,  /* page-table-entry write at a; present bit before/after */
	VL_EV_CR3,       /* address-space switch to address-space id a */
	VL_EV_CR0,       /* write of CR0, a = value */
	VL_EV_CR4,       /* write of CR4, a = value */
	VL_EV_CR8,       /* write of CR8 (task priority), a = value */
	VL_EV_INVLPG,    /* TLB invalidation of the page at a */
	VL_EV_TLBMISS,   /* n TLB misses (page walks) */
	VL_EV_CPUID,     /* CPUID, a = leaf */
	VL_EV_RDTSC,     /* read time-stamp counter */
	VL_EV_RDMSR,     /* read MSR a */
	VL_EV_WRMSR,     /* write MSR a with value b */
	VL_EV_HLT,       /* halt until the next interrupt */
	VL_EV_CLI,       /* disable interrupts */
	VL_EV_STI,       /* enable interrupts */
	VL_EV_POPF,      /* sensitive but unprivileged instructions, POPF .. */
	VL_EV_PUSHF,
	VL_EV_SGDT,
	VL_EV_SIDT,
	VL_EV_SLDT,
	VL_EV_SMSW,
	VL_EV_STR,
	VL_EV_LAR,
	VL_EV_LSL,
	VL_EV_VERR,
	VL_EV_VERW,
	VL_EV_MOVSEG,    /* .. move to/from a segment register */
	VL_EV_IN,        /* port read: a = port, n = size in bytes */
	VL_EV_OUT,       /* port write: a = port, n = size in bytes */
	VL_EV_MMIO,      /* memory-mapped I/O at a, n bytes, read or write */
	VL_EV_DISK,      /* block request of n bytes, read or write, sync or async, file a */
	VL_EV_NET,       /* network request of n bytes, rx or tx, sync or async */
	VL_EV_IRQ,       /* device interrupt, a = vector */
	VL_EV_TIMER,     /* timer interrupt */
	VL_EV_PHASE,     /* phase marker a: no cost, splits the time series */
	VL_EV_VSWITCH,   /* the pCPU switches to this vCPU from another guest */
	VL_EV_FORK,      /* process creation: child address space a, n pages copied */
	VL_EV_EXEC,      /* a new program image replaces the process's; n pages torn down */
	VL_EV_EXIT,      /* the process ends; n pages torn down */
	VL_EV_TOUCH,     /* a reference to the page at a that a small LRU filter missed */
	VL_EV_XPAGE,     /* n direct jumps or fall-throughs into a block on another code page */
	VL_EV_SLEEP,     /* the guest waits a ns for a timer, with nothing else to run */
	VL_EV_MISPREDICT, /* n conditional branches the reference predictor got wrong */
	VL_EV_FP,        /* n floating-point instructions: software floating point under an emulator */
	VL_EV__COUNT
};

/* Event flags. Each kind may carry only the flags its fields can express. */
enum vl_evf {
	VL_EVF_KERNEL = 1 << 0, /* executed at guest kernel mode (CPL0) */
	VL_EVF_WRITE = 1 << 1,  /* write access; disk write; network tx */
	VL_EVF_ASYNC = 1 << 2,  /* I/O request that does not block the vCPU */
	VL_EVF_P_OLD = 1 << 3,  /* ptewrite: entry was present before */
	VL_EVF_P_NEW = 1 << 4,  /* ptewrite: entry is present after */
	VL_EVF_SYNTH = 1 << 5,  /* made by the simulator, never read from a trace */
};

/* Classes of event kinds, for models that treat a class alike. */
enum vl_evclass {
	VL_EVC_RUN = 1 << 0,        /* carries an instruction count in n */
	VL_EVC_PRIV = 1 << 1,       /* privileged: faults at CPL>0 */
	VL_EVC_SENSITIVE = 1 << 2,  /* sensitive but unprivileged on x86 */
	VL_EVC_IO = 1 << 3,         /* touches a device */
	VL_EVC_INTR = 1 << 4,       /* interrupt or exception delivery */
	VL_EVC_MMU = 1 << 5,        /* page tables, TLB, address spaces */
	VL_EVC_PROC = 1 << 6,       /* process events: fork, exec, exit */
};

/* One event: 24 bytes, plain data. */
struct vl_event {
	uint16_t type;  /* enum vl_ev */
	uint16_t flags; /* enum vl_evf */
	uint32_t n;     /* count: instructions, pairs, bytes, misses */
	uint64_t a;     /* address, port, vector, id, value */
	uint64_t b;     /* second operand (wrmsr value); bb: loads | stores << 32 */
};

/*
 * Field letters of a kind's text form, in order; '?' makes the rest
 * optional (defaults: numbers 0 unless `def_n`, flags from `def_flags`):
 *   n  count (u32)        a  first operand (u64)   b  second operand (u64)
 *   m  user|kernel        w  r|w                   d  rx|tx
 *   s  sync|async         p  present before 0|1    q  present after 0|1
 *   l  loads (u32, the low half of b)   t  stores (u32, the high half of b)
 */
struct vl_evdesc {
	const char *name;
	const char *fields;
	unsigned cls;       /* enum vl_evclass */
	uint16_t def_flags; /* flags when the optional field is absent */
	uint32_t def_n;     /* n when the optional field is absent */
	const char *usage;  /* text form, e.g. "bb ID COUNT user|kernel" */
	const char *help;
};

extern const struct vl_evdesc vl_evdesc[VL_EV__COUNT];

/* Looks a kind up by its text name; returns -1 if none. */
int vl_ev_lookup(const char *name, unsigned len);

/* Flags that a kind's fields can express (others are invalid for it). */
uint16_t vl_ev_flag_mask(unsigned type);

static inline const char *vl_ev_name(unsigned type)
{
	return type < VL_EV__COUNT ? vl_evdesc[type].name : "?";
}

/* Instructions represented by an event (runs and blocks), else 0. The
 * three kinds with instruction counts come first in enum vl_ev. */
static inline uint64_t vl_ev_insns(const struct vl_event *ev)
{
	return ev->type <= VL_EV_BB ? ev->n : 0;
}

/* Kinds that make the guest wait for something outside its CPU: a device, an interrupt, a timer. */
static inline int vl_ev_waits(unsigned type)
{
	return type == VL_EV_DISK || type == VL_EV_NET || type == VL_EV_HLT || type == VL_EV_SLEEP;
}

/* A block's memory accesses per execution (0 when the trace does not say). */
static inline uint32_t vl_bb_loads(const struct vl_event *ev)
{
	return (uint32_t)ev->b;
}

static inline uint32_t vl_bb_stores(const struct vl_event *ev)
{
	return (uint32_t)(ev->b >> 32);
}

#endif
