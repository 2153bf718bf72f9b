/*
 * The guest side of the testbed's VMM (testbed/kvm/vmm.c): a few hundred
 * bytes of 64-bit code, copied to guest-physical 0x10000 and entered in
 * long mode at CPL0 with paging on (identity map, built by the host).
 *
 * Entry: %rdi = benchmark, %rsi = iterations, %rdx = 0 kernel / 1 user.
 * The guest times its loop with RDTSC into the data page and reports on
 * port DONE; an unexpected exception reports its vector on port FAULT.
 * Only absolute addresses of the fixed layout and RIP-relative branches are
 * used, so the code runs wherever the host binary keeps this copy.
 *
 * Layout constants are mirrored in vmm.c; keep both in step.
 */
#define DATA       0x4000
#define D_SKIP     (DATA + 0)   /* bytes to skip after a #GP */
#define D_GP       (DATA + 8)   /* #GP taken */
#define D_PF       (DATA + 16)  /* #PF taken */
#define D_T0       (DATA + 24)  /* TSC at loop start */
#define D_T1       (DATA + 32)  /* TSC at loop end */
#define D_VEC      (DATA + 40)  /* unexpected vector */
#define D_ERR      (DATA + 48)  /* its first stack word */
#define D_RIP      (DATA + 56)  /* its second stack word */
#define D_PREV     (DATA + 64)  /* page the last #PF mapped */
#define D_INT      (DATA + 72)  /* software interrupts taken */
#define KSTACK     0x7f000
#define USTACK     0x6f000
#define PT_FAULT   0xc000       /* page table of the fault region */
#define FAULT_BASE 0x200000
#define FAULT_END  0x400000
#define MMIO_ADDR  0x40000000
#define PORT_DEV   0xe0         /* a port the VMM handles in user space */
#define PORT_DONE  0xf0
#define PORT_FAULT 0xf1
#define FAULT_PAGES 64

	.section .rodata.vl_guest, "a"
	.code64
	.globl vl_guest_start, vl_guest_end, vl_guest_entry, vl_guest_vectors
	.globl vl_guest_pf, vl_guest_gp, vl_guest_done, vl_guest_int, vl_guest_ud
	.globl vl_guest_user_done, vl_guest_syscall

	.balign 16
vl_guest_start:
vl_guest_entry:
	mov $KSTACK, %rsp
	mov %rdi, %r14
	mov %rsi, %r15
	test %rdx, %rdx
	jnz 1f
	call run_bench
	mov $PORT_DONE, %dx
	out %al, %dx
	jmp .
1:	/* drop to CPL3: IOPL 3, interrupts off */
	pushq $0x1b
	pushq $USTACK
	pushq $0x3002
	pushq $0x23
	lea user_entry(%rip), %rax
	push %rax
	iretq
user_entry:
	call run_bench
	/* INT n from user mode is not emulated by every KVM (a software one
	 * raises #UD), so the user side signals its end with UD2 */
vl_guest_user_done:
	ud2
	jmp .

/* %r14 = benchmark, %r15 = iterations; %r12 counts. */
run_bench:
	mov %r15, %r12
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, D_T0
	test %r12, %r12
	jz done_loop
	cmp $0, %r14
	je b_alu
	cmp $1, %r14
	je b_cpuid
	cmp $2, %r14
	je b_out
	cmp $3, %r14
	je b_in
	cmp $4, %r14
	je b_hlt
	cmp $5, %r14
	je b_vmcall
	cmp $6, %r14
	je b_cr8
	cmp $7, %r14
	je b_rdmsr
	cmp $8, %r14
	je b_wrmsr
	cmp $9, %r14
	je b_mmio
	cmp $10, %r14
	je b_pf
	cmp $11, %r14
	je b_int
	cmp $12, %r14
	je b_syscall
	jmp done_loop

	/* 10 instructions an iteration, none of which exits */
b_alu:	add %rbx, %rax
	xor %rax, %rcx
	add %rcx, %rbx
	sub %rax, %r8
	xor %r8, %r9
	add %r9, %r10
	or %r10, %r11
	and %r11, %rax
	dec %r12
	jnz b_alu
	jmp done_loop

b_cpuid: xor %eax, %eax
	xor %ecx, %ecx
	cpuid
	dec %r12
	jnz b_cpuid
	jmp done_loop

b_out:	mov $PORT_DEV, %dx
	out %al, %dx
	dec %r12
	jnz b_out
	jmp done_loop

b_in:	mov $PORT_DEV, %dx
	in %dx, %al
	dec %r12
	jnz b_in
	jmp done_loop

b_hlt:	hlt
	dec %r12
	jnz b_hlt
	jmp done_loop

	/* an unknown hypercall number: KVM answers -KVM_ENOSYS */
b_vmcall: mov $0xffff, %eax
	vmcall
	dec %r12
	jnz b_vmcall
	jmp done_loop

b_cr8:	xor %eax, %eax
	mov %rax, %cr8
	dec %r12
	jnz b_cr8
	jmp done_loop

	/* IA32_SYSENTER_CS: an MSR KVM keeps in the kernel */
b_rdmsr: mov $0x174, %ecx
	rdmsr
	dec %r12
	jnz b_rdmsr
	jmp done_loop

b_wrmsr: mov $0x174, %ecx
	xor %eax, %eax
	xor %edx, %edx
	wrmsr
	dec %r12
	jnz b_wrmsr
	jmp done_loop

b_mmio:	movl %eax, MMIO_ADDR
	dec %r12
	jnz b_mmio
	jmp done_loop

	/* touch FAULT_PAGES pages in turn; the #PF handler maps the page it
	 * faulted on and unmaps the one before, so every touch faults */
b_pf:	xor %ebx, %ebx
2:	mov %rbx, %rax
	shl $12, %rax
	add $FAULT_BASE, %rax
	movb $1, (%rax)
	inc %rbx
	and $(FAULT_PAGES - 1), %rbx
	dec %r12
	jnz 2b
	jmp done_loop

b_int:	int $0x81
	dec %r12
	jnz b_int
	jmp done_loop

	/* SYSCALL to the guest kernel's entry and SYSRET back (user mode only) */
b_syscall: syscall
	dec %r12
	jnz b_syscall
	jmp done_loop

done_loop:
	rdtsc
	shl $32, %rdx
	or %rdx, %rax
	mov %rax, D_T1
	ret

	.balign 16
vl_guest_pf:
	push %rax
	push %rbx
	mov %cr2, %rax
	cmp $FAULT_BASE, %rax
	jb 9f
	cmp $FAULT_END, %rax
	jae 9f
	and $~0xfff, %rax
	mov %rax, %rbx
	sub $FAULT_BASE, %rbx
	shr $9, %rbx                 /* (page offset >> 12) * 8 */
	orq $1, PT_FAULT(%rbx)
	mov D_PREV, %rbx
	mov %rax, D_PREV
	test %rbx, %rbx
	jz 1f
	push %rbx
	sub $FAULT_BASE, %rbx
	shr $9, %rbx
	andq $~1, PT_FAULT(%rbx)
	pop %rbx
	invlpg (%rbx)
1:	incq D_PF
	pop %rbx
	pop %rax
	add $8, %rsp
	iretq
9:	pop %rbx
	pop %rax
	movq $14, D_VEC
	jmp fault_common

vl_guest_gp:
	push %rax
	incq D_GP
	mov D_SKIP, %rax
	test %rax, %rax
	jz 9f
	add %rax, 16(%rsp)           /* saved RIP, past the error code */
	pop %rax
	add $8, %rsp
	iretq
9:	pop %rax
	movq $13, D_VEC
	jmp fault_common

vl_guest_done:
	mov $PORT_DONE, %dx
	out %al, %dx
	jmp .

vl_guest_int:
	incq D_INT
	iretq

vl_guest_syscall:
	incq D_INT
	sysretq

/* #UD: the user side's end, or a real fault */
vl_guest_ud:
	push %rax
	lea vl_guest_user_done(%rip), %rax
	cmp %rax, 8(%rsp)
	pop %rax
	je vl_guest_done
	movq $6, D_VEC
	jmp fault_common

/* vectors 0-31 without a handler of their own: one 32-byte stub each */
	.balign 32
vl_guest_vectors:
	.set vec, 0
	.rept 32
	.balign 32
	movq $vec, D_VEC
	jmp fault_common
	.set vec, vec + 1
	.endr

fault_common:
	mov (%rsp), %rax
	mov %rax, D_ERR
	mov 8(%rsp), %rax
	mov %rax, D_RIP
	mov $PORT_FAULT, %dx
	out %al, %dx
	jmp .
vl_guest_end:
	.section .note.GNU-stack, "", @progbits
