/*
 * The raw stream of a full-system capture: what testbed/tcg/vlsyscap.c
 * writes while a Linux guest runs under qemu-system-x86_64's TCG, and what
 * traces/syscapture.c turns into a trace. Same encoding as traces/capraw.h
 * (a tag byte, unsigned LEB128 varints), one file for the whole machine;
 * the tags are a range of their own so that the two formats never clash.
 * Internal to one build: never shipped, no version.
 */
#ifndef VL_SYSRAW_H
#define VL_SYSRAW_H

enum vl_sysraw_tag {
	VL_SR_TBDEF = 64, /* tb, vaddr, insns, term, bytes, nops, nops x (op, arg, size): a block */
	VL_SR_TBMEM,      /* tb, loads, stores: its memory accesses, at its first execution */
	VL_SR_TB,         /* tb: the block executes */
	VL_SR_MARK,       /* kind: a marker instruction executed (enum vl_sysraw_mark) */
	VL_SR_FADDR,      /* vaddr, store: the first access of the first block after an IRET */
	VL_SR_END,        /* the recording ended: at the closing mark, the limit or exit */
	VL_SR_PTW,        /* vaddr, kind: a page-table entry written (enum vl_sysraw_ptw) */
	VL_SR_TOUCH,      /* page << 1 | store: a data reference the touch filter missed */
	VL_SR_MM,         /* vaddr: the address-space switch marked the next mm (its CPU mask) */
};

/* VL_SR_PTW's kind: how the entry was written (testbed/tcg/vlsyscap.c).
 * Only a setter writes an entry that holds no value. */
enum vl_sysraw_ptw {
	VL_SP_SET = 1, /* by a setter (native_set_pte, _pmd, ...): a new value */
	VL_SP_XCHG,    /* exchanged: ptep_get_and_clear, the entry emptied */
	VL_SP_RMW,     /* a read-modify-write (and, or, btr): flags changed */
	VL_SP_STORE,   /* a plain store: an exiting process's entry emptied */
	VL_SP_LIVE = 16, /* or'ed into VL_SP_SET: the entry held a value before */
};

/* VL_SR_MARK's kind. */
enum vl_sysraw_mark {
	VL_SM_OPS,  /* xchg %bx,%bx (66 87 db): vl-probe around its operations */
	VL_SM_RUN,  /* xchg %cx,%cx (66 87 c9): vl-init around the whole command */
};

/* How a block ends (VL_SR_TBDEF's term); the first six as traces/capraw.h's. */
enum vl_sysraw_term {
	VL_ST_OTHER, VL_ST_CALL, VL_ST_RET, VL_ST_ICALL, VL_ST_IJMP, VL_ST_SYSCALL,
	VL_ST_IRET,   /* iret: the next block is where an interrupt or fault returns */
	VL_ST_SYSRET,
	VL_ST_JCC,    /* conditional branch: taken unless the next block starts at vaddr + bytes */
};

/* Privileged and sensitive instructions inside a block, decoded from its bytes. */
enum vl_sysraw_op {
	VL_SO_CLI = 1, VL_SO_STI, VL_SO_PUSHF, VL_SO_POPF, VL_SO_HLT,
	VL_SO_CRW,     /* mov to CRn: arg n */
	VL_SO_CRR,     /* mov from CRn: arg n */
	VL_SO_INVLPG, VL_SO_WRMSR, VL_SO_RDMSR,
	VL_SO_IN,      /* arg: port (VL_SR_NOPORT: in DX), size: bytes */
	VL_SO_OUT,
	VL_SO_IRET, VL_SO_SYSRET, VL_SO_SWAPGS, VL_SO_RDTSC, VL_SO_RDTSCP, VL_SO_CPUID,
	VL_SO_SYSCALL,
	VL_SO_INT,     /* int imm8 / int3: arg vector */
	VL_SO_SGDT, VL_SO_SIDT, VL_SO_SLDT, VL_SO_STR, VL_SO_SMSW, VL_SO_LAR, VL_SO_LSL,
	VL_SO_VERR, VL_SO_VERW, VL_SO_MOVSEG,
	VL_SO_LDESC,   /* lgdt, lidt, lldt, ltr, lmsw: privileged, no event kind */
	VL_SO_CACHE,   /* wbinvd, invd, clts, mov to/from DRn: privileged, no event kind */
	VL_SO__COUNT
};

#define VL_SR_NOPORT 0x10000u /* the port is in DX, unknown without register reads */
#define VL_SR_KERNEL_BASE 0xffff800000000000ull /* x86-64 Linux: the upper half */

#endif
