/*
 * The testbed's VMM. Guest-physical layout (identity mapped, mirrored in
 * guest.S):
 *
 *   0x1000 GDT   0x2000 IDT   0x3000 TSS   0x4000 data page
 *   0x8000 PML4  0x9000 PDPT  0xa000 PD (0-1 GiB)  0xb000, 0xc000 PTs (0-4 MiB)
 *   0xd000 PD for 1-2 GiB: one 2 MiB page at 0x40000000 that no memory backs
 *   0x10000 guest code   0x6f000 user stack top   0x7f000 kernel stack top
 *   0x200000-0x3fffff fault region: PTEs start not present
 *
 * Selectors: 0x08 kernel code, 0x10 kernel data, 0x1b user data,
 * 0x23 user code, 0x28 TSS.
 */
#include "testbed/kvm/vmm.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#define MEM_SIZE   (4u << 20)
#define GDT        0x1000
#define IDT        0x2000
#define TSS        0x3000
#define DATA       0x4000
#define PML4       0x8000
#define PDPT       0x9000
#define PD0        0xa000
#define PT0        0xb000
#define PT1        0xc000
#define PD1        0xd000
#define CODE       0x10000
#define KSTACK     0x7f000
#define MMIO_ADDR  0x40000000ull
#define PORT_DEV   0xe0
#define PORT_DONE  0xf0
#define PORT_FAULT 0xf1

enum { D_SKIP = 0, D_GP = 8, D_PF = 16, D_T0 = 24, D_T1 = 32, D_VEC = 40, D_ERR = 48,
       D_RIP = 56, D_PREV = 64, D_INT = 72 };

extern const char vl_guest_start[], vl_guest_end[], vl_guest_entry[], vl_guest_vectors[];
extern const char vl_guest_pf[], vl_guest_gp[], vl_guest_done[], vl_guest_int[];
extern const char vl_guest_ud[], vl_guest_syscall[];

const struct vl_gbench_desc vl_gbench[VL_GB__COUNT] = {
	[VL_GB_ALU] = {"alu", "10 ALU instructions, no exit (control)", 1},
	[VL_GB_CPUID] = {"cpuid", "CPUID leaf 0", 1},
	[VL_GB_OUT] = {"outb_to_vmm", "OUT to a port handled by the VMM in user space", 1},
	[VL_GB_IN] = {"inb_from_vmm", "IN from a port handled by the VMM in user space", 1},
	[VL_GB_HLT] = {"hlt", "HLT (no interrupt controller: returns to the VMM)", 1},
	[VL_GB_VMCALL] = {"vmcall", "VMCALL with an unknown hypercall number", 1},
	[VL_GB_CR8] = {"mov_to_cr8", "MOV to CR8 (task priority)", 1},
	[VL_GB_RDMSR] = {"rdmsr", "RDMSR IA32_SYSENTER_CS", 1},
	[VL_GB_WRMSR] = {"wrmsr", "WRMSR IA32_SYSENTER_CS", 1},
	[VL_GB_MMIO] = {"mmio_wr_unbacked", "a store to guest-physical memory nothing backs", 1},
	[VL_GB_PF] = {"pgfault", "a page fault the guest kernel fixes (maps the page)", 1},
	[VL_GB_INT] = {"int_iret", "INT to a guest handler and IRET (a guest system call)", 1},
	[VL_GB_SYSCALL] = {"syscall_sysret", "SYSCALL to the guest kernel and SYSRET back", 1},
};

/* Bytes the #GP handler skips when the instruction faults at CPL3. */
static const uint8_t insn_len[VL_GB__COUNT] = {
	[VL_GB_OUT] = 1, [VL_GB_IN] = 1, [VL_GB_HLT] = 1, [VL_GB_VMCALL] = 3,
	[VL_GB_CR8] = 4, [VL_GB_RDMSR] = 2, [VL_GB_WRMSR] = 2, [VL_GB_CPUID] = 2,
	[VL_GB_MMIO] = 7,
};

struct stat_idx {
	const char *name;
	size_t off; /* into struct vl_kvm_counts */
	int found;
	uint64_t data_off;
};

struct vl_vmm {
	int kvm, vm, vcpu, stats;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	struct stat_idx st[10];
	size_t nst;
};

const char *vl_kvm_kind_name(enum vl_kvm_kind k)
{
	switch (k) {
	case VL_KVM_VMX: return "vmx";
	case VL_KVM_SVM: return "svm";
	case VL_KVM_NESTED: return "nested";
	case VL_KVM_SOFTWARE: return "software";
	default: return "none";
	}
}

static int cpu_flag(const char *flag)
{
	FILE *f = fopen("/proc/cpuinfo", "r");
	char line[8192];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		if (strncmp(line, "flags", 5))
			continue;
		for (char *t = strtok(strchr(line, ':') ? strchr(line, ':') + 1 : line, " \n"); t;
		     t = strtok(NULL, " \n"))
			if (!strcmp(t, flag))
				found = 1;
		break;
	}
	fclose(f);
	return found;
}

static int module_loaded(const char *name)
{
	char path[128];
	struct stat sb;

	snprintf(path, sizeof(path), "/sys/module/%s", name);
	return stat(path, &sb) == 0;
}

void vl_kvm_detect(struct vl_kvm_host *h, const char *dev)
{
	int fd, vmx = cpu_flag("vmx"), svm = cpu_flag("svm"), hv = cpu_flag("hypervisor");

	memset(h, 0, sizeof(*h));
	fd = open(dev, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		h->kind = VL_KVM_NONE;
		if (errno == ENOENT)
			snprintf(h->reason, sizeof(h->reason), "%s: no such device (KVM not loaded)", dev);
		else if (errno == EACCES || errno == EPERM)
			snprintf(h->reason, sizeof(h->reason),
			         "%s: permission denied (root or the kvm group needed)", dev);
		else
			snprintf(h->reason, sizeof(h->reason), "%s: %s", dev, strerror(errno));
		return;
	}
	h->api_version = ioctl(fd, KVM_GET_API_VERSION, 0);
	if (h->api_version != KVM_API_VERSION) {
		h->kind = VL_KVM_NONE;
		snprintf(h->reason, sizeof(h->reason), "%s: KVM API version %d, expected %d", dev,
		         h->api_version, KVM_API_VERSION);
		close(fd);
		return;
	}
#ifdef KVM_CAP_BINARY_STATS_FD
	h->has_stats_fd = ioctl(fd, KVM_CHECK_EXTENSION, KVM_CAP_BINARY_STATS_FD) > 0;
#endif
	close(fd);
	if (module_loaded("kvm_pvm") || (!vmx && !svm)) {
		h->kind = VL_KVM_SOFTWARE;
		snprintf(h->label, sizeof(h->label),
		         "software KVM%s: no vmx/svm flag; guest user mode runs directly, guest "
		         "kernel mode is emulated, shadow paging",
		         module_loaded("kvm_pvm") ? " (kvm_pvm)" : "");
	} else if (hv) {
		h->kind = VL_KVM_NESTED;
		snprintf(h->label, sizeof(h->label), "nested %s: this host is itself a guest",
		         vmx ? "VT-x" : "AMD-V");
	} else {
		h->kind = vmx ? VL_KVM_VMX : VL_KVM_SVM;
		snprintf(h->label, sizeof(h->label), "hardware %s", vmx ? "VT-x" : "AMD-V");
	}
}

/* ---- watchdog ---- */

static struct kvm_run *volatile watched_run;

static void on_alarm(int sig)
{
	(void)sig;
	if (watched_run)
		watched_run->immediate_exit = 1;
}

static void watchdog_arm(struct kvm_run *run, double s)
{
	struct sigaction sa;
	struct itimerval it = {0};

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm; /* no SA_RESTART: KVM_RUN returns EINTR */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGALRM, &sa, NULL);
	watched_run = run;
	it.it_value.tv_sec = (time_t)s;
	it.it_value.tv_usec = (suseconds_t)((s - (double)(time_t)s) * 1e6);
	if (!it.it_value.tv_sec && !it.it_value.tv_usec)
		it.it_value.tv_usec = 1;
	setitimer(ITIMER_REAL, &it, NULL);
}

static void watchdog_disarm(void)
{
	struct itimerval it = {0};

	setitimer(ITIMER_REAL, &it, NULL);
	watched_run = NULL;
}

/* ---- statistics file descriptor ---- */

static void stats_init(struct vl_vmm *vm)
{
	static const struct {
		const char *name;
		size_t off;
	} want[] = {
		{"exits", offsetof(struct vl_kvm_counts, exits)},
		{"io_exits", offsetof(struct vl_kvm_counts, io_exits)},
		{"mmio_exits", offsetof(struct vl_kvm_counts, mmio_exits)},
		{"halt_exits", offsetof(struct vl_kvm_counts, halt_exits)},
		{"irq_exits", offsetof(struct vl_kvm_counts, irq_exits)},
		{"insn_emulation", offsetof(struct vl_kvm_counts, insn_emulation)},
		{"hypercalls", offsetof(struct vl_kvm_counts, hypercalls)},
		{"pf_taken", offsetof(struct vl_kvm_counts, pf_taken)},
		{"pf_fixed", offsetof(struct vl_kvm_counts, pf_fixed)},
		{"signal_exits", offsetof(struct vl_kvm_counts, signal_exits)},
	};
	vm->stats = -1;
	vm->nst = sizeof(want) / sizeof(want[0]);
	for (size_t i = 0; i < vm->nst; i++) {
		vm->st[i].name = want[i].name;
		vm->st[i].off = want[i].off;
	}
#ifdef KVM_GET_STATS_FD
	struct kvm_stats_header hdr;
	int fd = ioctl(vm->vcpu, KVM_GET_STATS_FD, NULL);

	if (fd < 0)
		return;
	if (pread(fd, &hdr, sizeof(hdr), 0) != (ssize_t)sizeof(hdr)) {
		close(fd);
		return;
	}
	size_t dsz = sizeof(struct kvm_stats_desc) + hdr.name_size;
	char *descs = malloc(dsz * hdr.num_desc);

	if (!descs || pread(fd, descs, dsz * hdr.num_desc, hdr.desc_offset) !=
	                  (ssize_t)(dsz * hdr.num_desc)) {
		free(descs);
		close(fd);
		return;
	}
	for (uint32_t d = 0; d < hdr.num_desc; d++) {
		struct kvm_stats_desc *sd = (struct kvm_stats_desc *)(descs + d * dsz);
		for (size_t i = 0; i < vm->nst; i++)
			if (!strncmp(sd->name, vm->st[i].name, hdr.name_size)) {
				vm->st[i].found = 1;
				vm->st[i].data_off = hdr.data_offset + sd->offset;
			}
	}
	free(descs);
	vm->stats = fd;
#endif
}

static void stats_read(struct vl_vmm *vm, struct vl_kvm_counts *c)
{
	for (size_t i = 0; i < vm->nst && vm->stats >= 0; i++) {
		uint64_t v = 0;
		if (vm->st[i].found &&
		    pread(vm->stats, &v, sizeof(v), (off_t)vm->st[i].data_off) != (ssize_t)sizeof(v))
			v = 0;
		*(uint64_t *)((char *)c + vm->st[i].off) = v;
	}
}

/* ---- setting up the guest ---- */

static void put64(uint8_t *mem, uint64_t addr, uint64_t v) { memcpy(mem + addr, &v, 8); }
static uint64_t get64(const uint8_t *mem, uint64_t addr)
{
	uint64_t v;
	memcpy(&v, mem + addr, 8);
	return v;
}

static void set_gate(uint8_t *mem, int vec, uint64_t handler, int dpl)
{
	uint8_t g[16] = {0};

	g[0] = (uint8_t)handler;
	g[1] = (uint8_t)(handler >> 8);
	g[2] = 0x08; /* kernel code selector */
	g[5] = (uint8_t)(0x8e | (dpl << 5)); /* present, interrupt gate */
	g[6] = (uint8_t)(handler >> 16);
	g[7] = (uint8_t)(handler >> 24);
	memcpy(g + 8, (uint8_t[4]){(uint8_t)(handler >> 32), (uint8_t)(handler >> 40),
	                           (uint8_t)(handler >> 48), (uint8_t)(handler >> 56)}, 4);
	memcpy(mem + IDT + 16 * vec, g, 16);
}

static uint64_t guest_addr(const char *sym) { return CODE + (uint64_t)(sym - vl_guest_start); }

static void build_memory(uint8_t *mem)
{
	memset(mem, 0, MEM_SIZE);
	/* GDT */
	put64(mem, GDT + 0x08, 0x00af9a000000ffffull); /* kernel code, L */
	put64(mem, GDT + 0x10, 0x00cf92000000ffffull); /* kernel data */
	put64(mem, GDT + 0x18, 0x00cff2000000ffffull); /* user data, DPL3 */
	put64(mem, GDT + 0x20, 0x00affa000000ffffull); /* user code, DPL3, L */
	put64(mem, GDT + 0x28, 0x0000890000000067ull | ((uint64_t)(TSS & 0xffffff) << 16));
	/* TSS: rsp0, no I/O bitmap */
	put64(mem, TSS + 4, KSTACK);
	mem[TSS + 0x66] = 0x68;
	/* page tables: 0-4 MiB in 4 KiB pages, user-accessible */
	put64(mem, PML4, PDPT | 7);
	put64(mem, PDPT, PD0 | 7);
	put64(mem, PDPT + 8, PD1 | 7);
	put64(mem, PD0, PT0 | 7);
	put64(mem, PD0 + 8, PT1 | 7);
	put64(mem, PD1, MMIO_ADDR | 0x87); /* 2 MiB page, nothing behind it */
	for (uint64_t i = 0; i < 512; i++) {
		put64(mem, PT0 + 8 * i, (i << 12) | 7);
		put64(mem, PT1 + 8 * i, ((512 + i) << 12) | 6); /* fault region: not present */
	}
	/* code and IDT */
	memcpy(mem + CODE, vl_guest_start, (size_t)(vl_guest_end - vl_guest_start));
	for (int v = 0; v < 32; v++)
		set_gate(mem, v, guest_addr(vl_guest_vectors) + 32 * (uint64_t)v, 0);
	set_gate(mem, 6, guest_addr(vl_guest_ud), 0);
	set_gate(mem, 13, guest_addr(vl_guest_gp), 0);
	set_gate(mem, 14, guest_addr(vl_guest_pf), 0);
	set_gate(mem, 0x80, guest_addr(vl_guest_done), 3);
	set_gate(mem, 0x81, guest_addr(vl_guest_int), 3);
}

static void seg(struct kvm_segment *s, uint16_t sel, int code, int dpl)
{
	memset(s, 0, sizeof(*s));
	s->selector = sel;
	s->limit = 0xffffffff;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->dpl = (uint8_t)dpl;
	if (code) {
		s->type = 11;
		s->l = 1;
	} else {
		s->type = 3;
		s->db = 1;
	}
}

static int set_cpu(struct vl_vmm *vm, enum vl_gbench b, int user, uint64_t iters,
                   struct vl_err *err)
{
	struct kvm_sregs sr;
	struct kvm_regs r;

	if (ioctl(vm->vcpu, KVM_GET_SREGS, &sr) < 0)
		return vl_err_set(err, VL_EIO, "KVM_GET_SREGS: %s", strerror(errno));
	seg(&sr.cs, 0x08, 1, 0);
	seg(&sr.ds, 0x10, 0, 0);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	memset(&sr.tr, 0, sizeof(sr.tr));
	sr.tr.selector = 0x28;
	sr.tr.base = TSS;
	sr.tr.limit = 0x67;
	sr.tr.type = 11;
	sr.tr.present = 1;
	memset(&sr.ldt, 0, sizeof(sr.ldt));
	sr.ldt.type = 2;
	sr.ldt.unusable = 1;
	sr.gdt.base = GDT;
	sr.gdt.limit = 0x37;
	sr.idt.base = IDT;
	sr.idt.limit = 16 * 256 - 1;
	sr.cr3 = PML4;
	sr.cr4 = 0x20;                       /* PAE */
	sr.cr0 = 0x80050033;                 /* PG, AM, WP, NE, ET, MP, PE */
	sr.efer = 0x501;                     /* LME, LMA, SCE */
	if (ioctl(vm->vcpu, KVM_SET_SREGS, &sr) < 0)
		return vl_err_set(err, VL_EIO, "KVM_SET_SREGS: %s", strerror(errno));
	memset(&r, 0, sizeof(r));
	r.rip = guest_addr(vl_guest_entry);
	r.rflags = 2;
	r.rdi = (uint64_t)b;
	r.rsi = iters;
	r.rdx = (uint64_t)user;
	if (ioctl(vm->vcpu, KVM_SET_REGS, &r) < 0)
		return vl_err_set(err, VL_EIO, "KVM_SET_REGS: %s", strerror(errno));
	/* SYSCALL: kernel CS 0x08; SYSRET: SS 0x18|3, CS 0x20|3; entry; mask IF */
	struct {
		struct kvm_msrs h;
		struct kvm_msr_entry e[3];
	} m = {{.nmsrs = 3}, {{.index = 0xc0000081, .data = (0x10ull << 48) | (0x08ull << 32)},
	                      {.index = 0xc0000082, .data = guest_addr(vl_guest_syscall)},
	                      {.index = 0xc0000084, .data = 0x200}}};
	if (ioctl(vm->vcpu, KVM_SET_MSRS, &m) != 3)
		return vl_err_set(err, VL_EIO, "KVM_SET_MSRS (SYSCALL MSRs) failed");
	return 0;
}

static int set_cpuid(struct vl_vmm *vm, struct vl_err *err)
{
	int n = 128;
	struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));
	int rc = 0;

	if (!c)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	c->nent = (uint32_t)n;
	if (ioctl(vm->kvm, KVM_GET_SUPPORTED_CPUID, c) < 0 ||
	    ioctl(vm->vcpu, KVM_SET_CPUID2, c) < 0)
		rc = vl_err_set(err, VL_EIO, "setting the guest's CPUID: %s", strerror(errno));
	free(c);
	return rc;
}

int vl_vmm_open(struct vl_vmm **out, const char *dev, struct vl_err *err)
{
	struct vl_kvm_host h;
	struct vl_vmm *vm;
	struct kvm_userspace_memory_region region;
	int mmap_size;

	*out = NULL;
	vl_kvm_detect(&h, dev);
	if (h.kind == VL_KVM_NONE)
		return vl_err_set(err, VL_EUNAVAIL, "%s", h.reason);
	vm = calloc(1, sizeof(*vm));
	if (!vm)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	vm->vm = vm->vcpu = vm->stats = -1;
	vm->kvm = open(dev, O_RDWR | O_CLOEXEC);
	if (vm->kvm < 0) {
		vl_err_set(err, VL_EUNAVAIL, "%s: %s", dev, strerror(errno));
		goto fail;
	}
	vm->vm = ioctl(vm->kvm, KVM_CREATE_VM, 0);
	if (vm->vm < 0) {
		vl_err_set(err, VL_EUNAVAIL, "KVM_CREATE_VM: %s", strerror(errno));
		goto fail;
	}
	vm->mem = mmap(NULL, MEM_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (vm->mem == MAP_FAILED) {
		vm->mem = NULL;
		vl_err_set(err, VL_ENOMEM, "guest memory: %s", strerror(errno));
		goto fail;
	}
	region = (struct kvm_userspace_memory_region){
		.slot = 0, .guest_phys_addr = 0, .memory_size = MEM_SIZE,
		.userspace_addr = (uint64_t)(uintptr_t)vm->mem};
	if (ioctl(vm->vm, KVM_SET_USER_MEMORY_REGION, &region) < 0) {
		vl_err_set(err, VL_EIO, "KVM_SET_USER_MEMORY_REGION: %s", strerror(errno));
		goto fail;
	}
	vm->vcpu = ioctl(vm->vm, KVM_CREATE_VCPU, 0);
	mmap_size = ioctl(vm->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->vcpu < 0 || mmap_size <= 0) {
		vl_err_set(err, VL_EIO, "KVM_CREATE_VCPU: %s", strerror(errno));
		goto fail;
	}
	vm->run_size = (size_t)mmap_size;
	vm->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, vm->vcpu, 0);
	if (vm->run == MAP_FAILED) {
		vm->run = NULL;
		vl_err_set(err, VL_EIO, "mapping kvm_run: %s", strerror(errno));
		goto fail;
	}
	if (set_cpuid(vm, err))
		goto fail;
	stats_init(vm);
	*out = vm;
	return 0;
fail:
	vl_vmm_close(vm);
	return err->code;
}

void vl_vmm_close(struct vl_vmm *vm)
{
	if (!vm)
		return;
	if (vm->stats >= 0)
		close(vm->stats);
	if (vm->run)
		munmap(vm->run, vm->run_size);
	if (vm->vcpu >= 0)
		close(vm->vcpu);
	if (vm->mem)
		munmap(vm->mem, MEM_SIZE);
	if (vm->vm >= 0)
		close(vm->vm);
	if (vm->kvm >= 0)
		close(vm->kvm);
	free(vm);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One guest run to its DONE port; counts what it saw into c (absolute). */
static int run_once(struct vl_vmm *vm, enum vl_gbench b, int user, uint64_t iters,
                    double watchdog_s, struct vl_kvm_counts *c, uint64_t *tsc,
                    double *wall, struct vl_err *err)
{
	struct vl_kvm_counts before = {0}, after = {0};
	double t0;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	build_memory(vm->mem);
	put64(vm->mem, DATA + D_SKIP, user ? insn_len[b] : 0);
	if ((rc = set_cpu(vm, b, user, iters, err)))
		return rc;
	stats_read(vm, &before);
	t0 = now_ns();
	watchdog_arm(vm->run, watchdog_s);
	for (;;) {
		vm->run->immediate_exit = 0;
		if (watched_run == NULL) { /* the watchdog fired between runs */
			rc = vl_err_set(err, VL_ETIMEOUT, "guest did not finish within %.0f s", watchdog_s);
			break;
		}
		if (ioctl(vm->vcpu, KVM_RUN, 0) < 0) {
			if (errno == EINTR) {
				rc = vl_err_set(err, VL_ETIMEOUT,
				                "watchdog: the guest did not finish within %.1f s "
				                "(stuck in KVM_RUN)", watchdog_s);
				break;
			}
			rc = vl_err_set(err, VL_EIO, "KVM_RUN: %s", strerror(errno));
			break;
		}
		c->user_exits++;
		struct kvm_run *r = vm->run;
		if (r->exit_reason == KVM_EXIT_IO) {
			if (r->io.port == PORT_DONE)
				break;
			if (r->io.port == PORT_FAULT) {
				rc = vl_err_set(err, VL_EIO,
				                "guest exception, vector %llu (error/rip 0x%llx, rip/cs 0x%llx)",
				                (unsigned long long)get64(vm->mem, DATA + D_VEC),
				                (unsigned long long)get64(vm->mem, DATA + D_ERR),
				                (unsigned long long)get64(vm->mem, DATA + D_RIP));
				break;
			}
			if (r->io.direction == KVM_EXIT_IO_IN)
				memset((char *)r + r->io.data_offset, 0, (size_t)r->io.size * r->io.count);
			c->user_io++;
		} else if (r->exit_reason == KVM_EXIT_MMIO) {
			if (!r->mmio.is_write)
				memset(r->mmio.data, 0, sizeof(r->mmio.data));
			c->user_mmio++;
		} else if (r->exit_reason == KVM_EXIT_HLT) {
			c->user_hlt++;
#ifdef KVM_EXIT_SET_TPR
		} else if (r->exit_reason == KVM_EXIT_SET_TPR) {
			c->user_tpr++;
#endif
		} else if (r->exit_reason == KVM_EXIT_INTR) {
			c->user_other++;
		} else if (r->exit_reason == KVM_EXIT_HYPERCALL) {
			r->hypercall.ret = (uint64_t)-1000;
			c->user_other++;
		} else if (r->exit_reason == KVM_EXIT_INTERNAL_ERROR) {
			rc = vl_err_set(err, VL_EIO, "KVM internal error, suberror %u",
			                r->internal.suberror);
			break;
		} else if (r->exit_reason == KVM_EXIT_FAIL_ENTRY) {
			rc = vl_err_set(err, VL_EIO, "VM entry failed, reason 0x%llx",
			                (unsigned long long)r->fail_entry.hardware_entry_failure_reason);
			break;
		} else if (r->exit_reason == KVM_EXIT_SHUTDOWN) {
			rc = vl_err_set(err, VL_EIO, "guest shut down (triple fault)");
			break;
		} else {
			rc = vl_err_set(err, VL_EIO, "unexpected exit reason %u", r->exit_reason);
			break;
		}
	}
	watchdog_disarm();
	*wall = now_ns() - t0;
	stats_read(vm, &after);
	for (size_t i = 0; i < vm->nst; i++) {
		size_t off = vm->st[i].off;
		*(uint64_t *)((char *)c + off) =
			*(uint64_t *)((char *)&after + off) - *(uint64_t *)((char *)&before + off);
	}
	c->guest_gp = get64(vm->mem, DATA + D_GP);
	c->guest_pf = get64(vm->mem, DATA + D_PF);
	c->guest_int = get64(vm->mem, DATA + D_INT);
	*tsc = get64(vm->mem, DATA + D_T1) - get64(vm->mem, DATA + D_T0);
	return rc;
}

static void counts_sub(struct vl_kvm_counts *a, const struct vl_kvm_counts *b)
{
	uint64_t *pa = (uint64_t *)a;
	const uint64_t *pb = (const uint64_t *)b;

	for (size_t i = 0; i < sizeof(*a) / sizeof(uint64_t); i++)
		pa[i] = pa[i] >= pb[i] ? pa[i] - pb[i] : 0;
}

int vl_vmm_run(struct vl_vmm *vm, enum vl_gbench b, int user, uint64_t iters,
               double watchdog_s, struct vl_kvm_result *r, struct vl_err *err)
{
	struct vl_kvm_counts zero;
	uint64_t tsc0;
	double wall0;
	int rc;

	memset(r, 0, sizeof(*r));
	if ((unsigned)b >= VL_GB__COUNT)
		return vl_err_set(err, VL_EINVAL, "no guest benchmark %d", (int)b);
	if ((rc = run_once(vm, b, user, 0, watchdog_s, &zero, &tsc0, &wall0, err)))
		return vl_err_prefix(err, "%s (%s mode)", vl_gbench[b].name, user ? "user" : "kernel");
	if ((rc = run_once(vm, b, user, iters, watchdog_s, &r->c, &r->tsc, &r->wall_ns, err)))
		return vl_err_prefix(err, "%s (%s mode)", vl_gbench[b].name, user ? "user" : "kernel");
	counts_sub(&r->c, &zero);
	r->iters = iters;
	return 0;
}

int vl_vmm_measure(struct vl_vmm *vm, enum vl_gbench b, int user, uint64_t goal,
                   uint64_t start_iters, uint64_t max_iters, double watchdog_s,
                   struct vl_kvm_result *r, struct vl_err *err)
{
	uint64_t n = start_iters ? start_iters : 1;
	int rc;

	for (;;) {
		if ((rc = vl_vmm_run(vm, b, user, n, watchdog_s, r, err)))
			return rc;
		if (r->tsc >= goal || n >= max_iters)
			return 0;
		n *= 2;
	}
}
