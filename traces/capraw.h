/*
 * The raw capture stream: what the capture plugin (testbed/tcg/vlcapture.c)
 * writes while a program runs under QEMU's user-mode TCG, one file per
 * process (DIR/PID.raw), and what traces/capture.c turns into a trace.
 * Records are a tag byte and unsigned LEB128 varints; signed values are
 * zigzag-encoded. This is an internal interchange format between the plugin
 * and virtlab of one build: it is never shipped and carries no version.
 */
#ifndef VL_CAPRAW_H
#define VL_CAPRAW_H

enum vl_capraw_tag {
	VL_CR_START = 1, /* pid, ppid, tb_base, ns: an image starts (fork child or exec) */
	VL_CR_TBDEF,     /* tb, vaddr, insns, term, bytes, fp: a translation block is defined */
	VL_CR_TBMEM,     /* tb, loads, stores: its memory accesses per execution */
	VL_CR_TB,        /* tb: the block executes */
	VL_CR_FAULT,     /* page, flags: a first touch or copy-on-write */
	VL_CR_SYS,       /* nr, a1..a6, ns: system call entry */
	VL_CR_SYSRET,    /* nr, ret (zigzag), ns */
	VL_CR_FORK,      /* tb_next, pages copied, pages write-protected */
	VL_CR_EXEC,      /* len, path bytes: execve of path follows */
	VL_CR_RSS,       /* pages resident (before exit or exec teardown) */
	VL_CR_UNMAP,     /* pages dropped by munmap/madvise/brk (each named by a VL_CR_PTE before) */
	VL_CR_END,       /* the image ended normally (atexit) */
	VL_CR_MARK,      /* the guest executed the marker xchg %bx,%bx (66 87 db) */
	VL_CR_TOUCH,     /* page << 1 | write: a reference the touch filter missed */
	VL_CR_PTE,       /* page << 4 | enum vl_capraw_pte: a page-table entry written */
	VL_CR__COUNT
};

/* How a translation block ends: VL_CR_TBDEF's term. */
enum vl_capraw_term {
	VL_CT_OTHER,    /* fall through, direct jump or branch */
	VL_CT_CALL,     /* direct call */
	VL_CT_RET,      /* return */
	VL_CT_ICALL,    /* indirect call */
	VL_CT_IJMP,     /* indirect jump */
	VL_CT_SYSCALL,  /* syscall instruction */
	VL_CT_JCC,      /* conditional branch: taken unless the next block starts at vaddr + bytes */
};

/* VL_CR_FAULT's flags. */
enum vl_capraw_fault {
	VL_CF_WRITE = 1 << 0, /* the access was a store */
	VL_CF_COW = 1 << 1,   /* a store to a present page shared since fork */
};

/*
 * VL_CR_PTE's flags: what the kernel does to the entry mapping the page.
 * A fork's records follow its VL_CR_FORK (one per page write-protected or
 * copied, both flags when both), a teardown's its VL_CR_RSS (one per
 * resident page), each list in ascending page order; an unmap's come
 * before its VL_CR_UNMAP.
 */
enum vl_capraw_pte {
	VL_CP_WP = 1 << 0,    /* fork: write-protected in the parent (present before and after) */
	VL_CP_COPY = 1 << 1,  /* fork: copied into the child (not present before) */
	VL_CP_DROP = 1 << 2,  /* exit or exec: torn down */
	VL_CP_UNMAP = 1 << 3, /* munmap, madvise or brk: torn down, its TLB entry invalidated */
};

#define VL_CAPRAW_PAGE_SHIFT 12

/*
 * Pages in the capture's touch filter: a fully-associative LRU set of the
 * pages referenced most recently, per vCPU, emptied at every system call.
 * A data reference to a page outside it is a VL_CR_TOUCH. The trace says
 * it in @touch_filter. See docs/trace-format.md for the choice of 16.
 */
#ifndef VL_CAPRAW_TOUCH_FILTER
#define VL_CAPRAW_TOUCH_FILTER 16
#endif

/*
 * ns: the host's CLOCK_MONOTONIC in nanoseconds, the same clock in every
 * process: it orders the processes' system calls as they happened.
 */

#endif
