/*
 * Internals of the paravirt model, shared by its two halves: the Xen-style
 * hypervisor (paravirt.c) and User-Mode Linux (uml.c), whose guest kernel
 * is a host process that runs its processes through ptrace and host calls.
 * Nothing outside models/paravirt includes this file.
 */
#ifndef VL_MODELS_PARAVIRT_INT_H
#define VL_MODELS_PARAVIRT_INT_H

#include "sim/native.h"

/* Parameters, in table order. Append only: profiles and databases name them. */
enum {
	P_HYPERCALL,     /* one hypercall round trip */
	P_BATCH,         /* PTE updates per mmu_update hypercall */
	P_VALIDATE,      /* hypervisor validation per PTE update */
	P_PF_TRANSITIONS,/* transitions into the hypervisor per page fault */
	P_FAST_SYSCALL,  /* 1: system calls go straight to the guest kernel */
	P_BOUNCE,        /* a trap bounced through the hypervisor */
	P_CR3,           /* new page-table base: validation and switch */
	P_VIRQ_FLAG,     /* CLI/STI on the shared-memory flag */
	P_EVTCHN,        /* event-channel upcall instead of an interrupt */
	P_RING,          /* front end: one request on the shared ring */
	P_BACKEND,       /* back end (driver domain) per request */
	P_UML_MODE,      /* -1: not UML (Xen-style); 0: tt; 1: skas */
	P_H_CALL,        /* host kernel instructions of a small host call */
	P_H_MAP,         /* host kernel instructions of mmap/munmap/mprotect */
	P_H_STOP,        /* host kernel instructions of a ptrace stop */
	P_H_SIGNAL,      /* host kernel instructions of a signal frame and its sigreturn */
	P_H_FORK,        /* host kernel instructions of a host fork */
	P_H_EXIT,        /* host kernel instructions of a host process exit */
	P_H_MM,          /* host kernel instructions to make or free a /proc/mm address space */
	P_H_IO,          /* host kernel instructions of a host read/write for a guest I/O request */
	P_JAIL,          /* tt: kernel memory write-protected while user code runs */
	P_MEM_DOMAIN,    /* host memory per guest for its domain structures */
	P_MEM_P2M,       /* P2M table per MB of guest memory */
	P_SOFT_TLB,      /* 1: TLB refills are the guest's, and each traps to the monitor (MIPS) */
	P_TLB_REFILL,    /* the monitor's work for one trapped refill */
	P_HAL_IO,        /* 1: device accesses and requests are hypercalls into the host (HAL) */
	P_START_MS,      /* from creation until the guest serves */
	P__COUNT
};

enum uml_mode { UML_OFF = -1, UML_TT = 0, UML_SKAS = 1 };

/* User-Mode Linux: host costs in cycles, computed once, and counters. */
struct uml {
	int mode; /* UML_TT or UML_SKAS */
	int jail;
	uint64_t syscall_cycles;  /* the guest's own host system call, made a getpid */
	uint64_t call_cycles;     /* one small host call: ptrace request, wait4, kill */
	uint64_t map_cycles;      /* one host mmap, munmap or mprotect */
	uint64_t stop_cycles;     /* one ptrace stop (the switch apart) */
	uint64_t frame_cycles;    /* one signal frame delivered and returned from */
	uint64_t switch_cycles;   /* one host context switch */
	uint64_t fault_cycles;    /* one host page fault */
	uint64_t exc_cycles;      /* one host exception */
	uint64_t cr3_cycles;      /* the host loading another address space */
	uint64_t fork_cycles;     /* host fork of a process */
	uint64_t exit_cycles;     /* host exit of a process */
	uint64_t mm_cycles;       /* a /proc/mm address space made or freed */
	uint64_t io_cycles;       /* a host read or write serving a guest I/O request */
	/* the run of PTE writes that the last host call covers (UML's flush
	 * merges adjacent pages into one munmap or mprotect) */
	unsigned run_kind;        /* 0: none; else the ptewrite kind + 1 */
	uint64_t run_next;        /* the address that would extend the run */
	/* counters */
	uint64_t calls, stops, switches, frames, maps;
};

void uml_init(struct uml *u, const struct vl_host *host, const double *v);
void uml_on_event(struct uml *u, struct vl_nativecost *nc, const struct vl_event *ev,
                  struct vl_charge *out);
void uml_report(const struct uml *u, vl_emit_fn emit, void *ctx);

#endif
