/*
 * From measurements to the this-host profiles. Each value is a mechanism
 * cost derived from one or two microbenchmarks; the file says which, so a
 * reader can redo the arithmetic (docs/testbed.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sim/tlb.h"
#include "traces/kpaths.h"
#include "testbed/testbed.h"

static double cyc(const struct vl_tb_calib *c, const char *env, const char *bench)
{
	const struct vl_tb_summary *s = vl_tb_find(c, env, bench);
	return s ? s->median_cycles : -1;
}

static double pos(double x) { return x > 0 ? x : 0; }

static void kv(FILE *f, const char *key, double v, const char *why)
{
	fprintf(f, "%-14s = %.10g\n", key, v);
	if (why)
		fprintf(f, "; %s\n", why);
}

/* qemu-x86_64's cycles per iteration of bench less the native ones; -1 if either is missing. */
static double extra(const struct vl_tb_calib *c, const char *bench)
{
	double n = cyc(c, "native", bench), q = cyc(c, "qemu-x86_64", bench);
	return n > 0 && q > 0 ? q - n : -1;
}

/*
 * qemu-user's costs by instruction class, each from microbenchmarks run
 * natively and under qemu-x86_64 (the extra cycles per iteration, Δ): the
 * guest's own native work is done as well (dbt_factor 1), and on top of
 * it every block entered through its chain costs block_extra B and every
 * instruction insn_extra e:
 *   alu     10 instructions, 1 block           Δ = 10e + B
 *   blocks  10 instructions, 5 blocks          Δ = 10e + 5B
 *   xpage   blocks, each on its own page       Δ = 10e + 5B + 5 xpage_lookup
 *   mem     10 instructions, 1 block, 8 accesses       + 8 softmmu
 *   callret 4 instructions, 3 blocks, 1 return         + lookup
 *   codegen a new 5-instruction block, run once        + 5 translate
 *   fp      alu with 8 floating-point instructions for its 8 ALU ones
 *                                                Δ = Δalu + 8 fp_helper
 * Without a measurement a class keeps the model's default.
 */
static void emulation_classes(const struct vl_tb_calib *c, FILE *f)
{
	double alu = extra(c, "alu"), blk = extra(c, "blocks"), xp = extra(c, "xpage");
	double mem = extra(c, "mem"), cr = extra(c, "callret"), cg = extra(c, "codegen");
	double fp = extra(c, "fp");
	double b = blk >= 0 ? pos(blk - alu) / 4 : 0, e = pos(alu - b) / VL_ALU_INSNS;

	kv(f, "dbt_factor", 1, "the guest's native work is done as well; insn_extra comes on top");
	if (blk >= 0)
		kv(f, "block_extra", b, "(Δblocks - Δalu) / 4: the 4 more blocks entered by a chain");
	kv(f, "insn_extra", e, "(Δalu - block_extra) / 10 instructions");
	if (xp >= 0 && blk >= 0)
		kv(f, "xpage_lookup", pos(xp - blk) / 5,
		   "(Δxpage - Δblocks) / 5: jumps to another page are looked up, not chained");
	if (mem >= 0)
		kv(f, "softmmu", pos(mem - 10 * e - b) / 8,
		   "(Δmem - 10 insn_extra - block_extra) / 8 accesses: qemu-user adds the guest base, "
		   "no soft MMU");
	else
		kv(f, "softmmu", 0, "qemu-user maps guest memory directly: no soft MMU");
	if (cr >= 0)
		kv(f, "lookup", pos(cr - 4 * e - 3 * b),
		   "Δcallret - 4 insn_extra - 3 block_extra: the return's lookup");
	if (cg >= 0)
		kv(f, "translate", pos(cg - 5 * e - b) / 5,
		   "(Δcodegen - 5 insn_extra - block_extra) / 5 instructions: translating a new block "
		   "(its page's invalidation on munmap included)");
	if (fp >= 0 && alu >= 0)
		kv(f, "fp_helper", pos(fp - alu) / 8,
		   "(Δfp - Δalu) / 8: a floating-point instruction in place of an ALU one");
}

/*
 * The data TLB from native chases (testbed.c, tlb_benches): extra(N) is a
 * load's cost over N pages less its cost over N cache lines, i.e. what the
 * TLB adds. Up to the L1 DTLB's reach it adds nothing; up to the L2's, an
 * L2 hit; beyond, a walk (its page tables in the caches: the largest N).
 * The L1's reach is the largest N whose extra stays within a twentieth of
 * a walk; the L2's, within a tenth of the step from an L2 hit to a walk. The walk is charged as 4 references of walk_ref (no
 * page-walk cache in the profile); an L2 hit is not charged by the TLB
 * model (docs/tlb.md), so the profile says what it measured.
 */
static void tlb_geometry(const struct vl_tb_calib *c, FILE *f)
{
	static const int sizes[] = {32, 48, 64, 96, 128, 192, 256, 512, 768, 1024, 1536, 2048,
	                            3072, 4096, 8192};
	enum { NS = sizeof(sizes) / sizeof(sizes[0]) };
	double x[NS];
	char bench[32];

	for (int i = 0; i < NS; i++) {
		snprintf(bench, sizeof(bench), "pages:%d", sizes[i]);
		double p = cyc(c, "native", bench);
		snprintf(bench, sizeof(bench), "lines:%d", sizes[i]);
		double l = cyc(c, "native", bench);
		if (p <= 0 || l <= 0)
			return; /* not measured (an older calibration, or not x86) */
		x[i] = pos(p - l);
	}
	double walk = x[NS - 1];
	int l1 = -1, l2 = -1;
	for (int i = 0; i < NS && x[i] <= 0.05 * walk; i++)
		l1 = i;
	if (l1 < 0 || l1 + 2 >= NS || walk <= 0)
		return; /* no L1 plateau: nothing to read off */
	double hit = x[l1 + 2 < NS - 1 ? l1 + 2 : l1 + 1];
	for (int i = l1; i < NS && x[i] <= hit + 0.1 * (walk - hit); i++)
		l2 = i;
	fprintf(f, "; data TLB, from native chases over N pages against N cache lines (cycles a "
	           "load adds):\n;");
	for (int i = 0; i < NS; i++)
		fprintf(f, " %d:%.1f", sizes[i], x[i]);
	fprintf(f, "\n");
	int e1 = sizes[l1] < VL_TLB_L1_MAX ? sizes[l1] : VL_TLB_L1_MAX;
	kv(f, "dtlb1_entries", e1, "the largest N at which pages cost no more than lines");
	kv(f, "dtlb1_ways", e1, "associativity not measured: fully associative");
	if (l2 > l1 && sizes[l2] <= VL_TLB_L2_MAX) {
		kv(f, "dtlb2_entries", sizes[l2], "the largest N still within a tenth of the L2 hit");
		kv(f, "dtlb2_ways", 4, "associativity not measured: 4-way");
		fprintf(f, "; an L2 hit adds %.1f cycles, which the TLB model does not charge\n", hit);
	}
	kv(f, "pwc_entries", 0, "the walk below is measured whole");
	kv(f, "walk_ref", walk / 4, "a walk over 8192 pages / 4 references");
}

/*
 * The cache generated code runs from: the L2 as sysfs gives it, and what a
 * 64-byte line of translated code costs to run from beyond it. vl-probe's
 * code:N runs lines of 22 instructions over N KiB; under qemu-x86_64 each
 * line becomes 22 x tc_bytes of host code, which fits the L2 for N = 16 and
 * not for N = 1024 (natively both fit). The extra of the large over the
 * small, over the host lines of a guest line, is the fetch.
 */
static void code_cache(const struct vl_tb_calib *c, FILE *f)
{
	double small = extra(c, "code:16"), big = extra(c, "code:1024");

	if (c->l2_kb > 0)
		kv(f, "l2_kb", c->l2_kb, "the L2 of CPU 0 (sysfs)");
	if (small >= 0 && big >= 0 && c->tc_bytes > 0) {
		double lines = 22 * c->tc_bytes / 64;
		kv(f, "code_fetch", pos(big - small) / lines,
		   "(Δcode:1024 - Δcode:16) / (22 instructions x tc_bytes / 64): a line of "
		   "translated code run from beyond the L2");
	}
}

static double transition(const struct vl_tb_calib *c, const char *bench, double path_insns)
{
	double alu = cyc(c, "native", "alu"), v = cyc(c, "native", bench);
	return alu > 0 && v > 0 ? pos(v - path_insns * alu / VL_ALU_INSNS) : -1;
}

double vl_tb_syscall_transition(const struct vl_tb_calib *c)
{
	return transition(c, "syscall", KP_NULL_SYSCALL);
}

double vl_tb_fault_transition(const struct vl_tb_calib *c)
{
	return transition(c, "pgfault", KP_FAULT);
}

/*
 * What a kernel path costs here per instruction against cpi_kernel, by
 * class, each from its own microbenchmark: the measured operation less
 * its system calls' and faults' transitions, over the path's instructions
 * (traces/kpaths.h, Linux 6.1 counted under TCG) at cpi_kernel. One CPI
 * does not fit them all: on a virtual machine a fork's page-table work and
 * an exec's are dear, an mmap of untouched pages cheap.
 *   rw1       2 calls, 2 x KP_NULL_IO
 *   mapunmap  2 calls, 2 x KP_MMAP
 *   forkwait  4 calls and 8 faults; KP_FORKWAIT, whose 8 faults' and
 *             set_robust_list's paths keep cpi_kernel
 *   exec      forkwait's and one call more, KP_EXEC
 * Returns kscale_io (1 when not measured).
 */
static double kernel_classes(const struct vl_tb_calib *c, FILE *f)
{
	double cpi = cyc(c, "native", "alu") / VL_ALU_INSNS, ts = vl_tb_syscall_transition(c),
	       tf = vl_tb_fault_transition(c), rw = cyc(c, "native", "rw1"),
	       mm = cyc(c, "native", "mapunmap"), fw = cyc(c, "native", "forkwait"),
	       ex = cyc(c, "native", "exec");

	double kio = 1;

	if (cpi <= 0 || ts < 0 || tf < 0)
		return kio;
	if (rw > 0)
		kv(f, "kscale_io", kio = pos(rw - 2 * ts) / (2 * KP_NULL_IO * cpi),
		   "(native rw1 - 2 syscall) / (2 x 617 instructions x cpi_kernel)");
	if (mm > 0)
		kv(f, "kscale_mm", pos(mm - 2 * ts) / (2 * KP_MMAP * cpi),
		   "(native mapunmap - 2 syscall) / (2 x 9278 instructions x cpi_kernel)");
	if (fw > 0)
		kv(f, "kscale_proc",
		   pos(fw - 4 * ts - 8 * tf - (8 * KP_FAULT + KP_NULL_SYSCALL) * cpi) /
		       (KP_FORKWAIT_REST * cpi),
		   "(native forkwait - 4 syscall - 8 pgfault - the faults' and set_robust_list's "
		   "paths) / (124,122 instructions x cpi_kernel)");
	if (fw > 0 && ex > 0)
		kv(f, "kscale_exec", pos(ex - fw - ts) / (KP_EXEC * cpi),
		   "(native exec - native forkwait - 1 syscall) / (483,951 instructions x cpi_kernel)");
	return kio;
}

/*
 * The block device from O_DIRECT reads: a random 4 KiB read's access time
 * is dread less what a trace charges the CPU for it (the transition and
 * the 4 KiB read path at kscale_io); the rate is what a 1 MiB read adds
 * over a 4 KiB one. One request at a time is all that is measured, so the
 * device's channels keep their default; a virtual machine's disk does not
 * seek.
 */
static void disk(const struct vl_tb_calib *c, FILE *f, double kscale_io)
{
	const struct vl_tb_summary *r = vl_tb_find(c, "native", "dread"),
	                           *s = vl_tb_find(c, "native", "dseq");
	double cpi = cyc(c, "native", "alu") / VL_ALU_INSNS, ts = vl_tb_syscall_transition(c);

	if (!r || !s || cpi <= 0 || ts < 0 || c->tsc_hz <= 0)
		return;
	double cpu_ns = (ts + KP_IO_4K * cpi * kscale_io) / c->tsc_hz * 1e9;
	kv(f, "disk_latency_ns", pos(r->median_ns - cpu_ns),
	   "native dread (a random 4 KiB O_DIRECT read) less its system call and read path");
	if (s->median_ns > r->median_ns)
		kv(f, "disk_mbs", ((1 << 20) - 4096) / ((s->median_ns - r->median_ns) / 1e3),
		   "(1 MiB - 4 KiB) / (native dseq - native dread): the transfer rate");
	kv(f, "disk_seek", 0, "a virtual machine's block device: no seek; not measured apart");
}

/* Instructions of the guest loops around the measured operation (guest.S). */
enum { LOOP_CPUID = 4, LOOP_OUT = 3, LOOP_HLT = 2, LOOP_MMIO = 2, PF_LOOP = 9,
       PF_HANDLER = 27 };

/* The values vl_tb_write_profile derives for hwassist on a software KVM. */
struct kvm_derived {
	int ok;
	double kernel_emul, vmexit, user_leave, user_exit, h_hlt, h_mmio, h_pf;
};

static void derive_kvm(const struct vl_tb_calib *c, double pgfault_native, struct kvm_derived *d)
{
	const struct vl_tb_kvm *alu = vl_tb_kvm_find(c, VL_GB_ALU, 0);
	const struct vl_tb_kvm *ualu = vl_tb_kvm_find(c, VL_GB_ALU, 1);
	const struct vl_tb_kvm *cpuid = vl_tb_kvm_find(c, VL_GB_CPUID, 0);
	const struct vl_tb_kvm *ucpuid = vl_tb_kvm_find(c, VL_GB_CPUID, 1);
	const struct vl_tb_kvm *out = vl_tb_kvm_find(c, VL_GB_OUT, 0);
	const struct vl_tb_kvm *hlt = vl_tb_kvm_find(c, VL_GB_HLT, 0);
	const struct vl_tb_kvm *mmio = vl_tb_kvm_find(c, VL_GB_MMIO, 0);
	const struct vl_tb_kvm *pf = vl_tb_kvm_find(c, VL_GB_PF, 0);

	memset(d, 0, sizeof(*d));
	if (!alu || !ualu || !cpuid || !ucpuid || !out || !hlt || !mmio || !pf)
		return;
	d->ok = 1;
	d->kernel_emul = c->kvm.kind == VL_KVM_SOFTWARE ? alu->cycles / VL_ALU_INSNS : 0;
	d->vmexit = pos(cpuid->cycles - LOOP_CPUID * d->kernel_emul);
	d->user_leave = pos(ucpuid->cycles - LOOP_CPUID * ualu->cycles / VL_ALU_INSNS - d->vmexit);
	d->user_exit = pos(out->cycles - LOOP_OUT * d->kernel_emul - d->vmexit);
	d->h_hlt = pos(hlt->cycles - LOOP_HLT * d->kernel_emul - d->vmexit);
	d->h_mmio = pos(mmio->cycles - LOOP_MMIO * d->kernel_emul - d->vmexit - d->user_exit);
	d->h_pf = pos(pf->cycles - (PF_LOOP + PF_HANDLER) * d->kernel_emul - d->vmexit -
	              pgfault_native);
}

int vl_tb_write_profile(const struct vl_tb_calib *c, const char *path, struct vl_err *err)
{
	FILE *f = fopen(path, "w");
	double alu = cyc(c, "native", "alu"), sys = cyc(c, "native", "syscall"),
	       pf = cyc(c, "native", "pgfault"), cs = cyc(c, "native", "ctxsw");

	if (!f)
		return vl_err_set(err, VL_EIO, "%s: %s", path, strerror(errno));
	if (alu <= 0 || sys <= 0 || pf <= 0 || cs <= 0) {
		fclose(f);
		return vl_err_set(err, VL_EINVAL, "%s: the native backend's measurements are needed "
		                  "for a this-host profile (run with --backend native)", path);
	}
	fprintf(f, "; this-host: written by `virtlab calibrate%s` on %s, host %s.\n"
	           "; Cycles are time-stamp-counter cycles (%.4g Hz); each value names the\n"
	           "; microbenchmarks it comes from (docs/testbed.md). Values not listed keep the\n"
	           "; model's defaults.\n\n",
	        c->quick ? " --quick" : "", c->started, c->host, c->tsc_hz);

	fprintf(f, "[host]\nnotes = measured by virtlab calibrate on %s (%s)\n", c->host,
	        c->kvm.kind ? c->kvm.label : "no KVM");
	kv(f, "clock_hz", c->tsc_hz, "TSC ticks per second against CLOCK_MONOTONIC");
	kv(f, "cpi_user", alu / VL_ALU_INSNS, "native alu: cycles per 10-instruction iteration / 10");
	kv(f, "cpi_kernel", alu / VL_ALU_INSNS, "not measurable without counters: as cpi_user");
	if (cyc(c, "native", "callret") > 0)
		kv(f, "callret", pos(cyc(c, "native", "callret") - 4 * alu / VL_ALU_INSNS),
		   "native callret - its 4 instructions at cpi_user: a pair beyond its instructions");
	if (cyc(c, "native", "branch") > 0 && cyc(c, "native", "branchp") > 0)
		kv(f, "mispredict", pos(2 * (cyc(c, "native", "branch") - cyc(c, "native", "branchp"))),
		   "2 x (native branch - native branchp): a branch on a random bit mispredicts half "
		   "the time, the same code on a constant bit never");
	disk(c, f, kernel_classes(c, f));
	tlb_geometry(c, f);
	kv(f, "syscall", vl_tb_syscall_transition(c),
	   "native syscall (a getppid() round trip) less getppid's 323 kernel instructions "
	   "(traces/kpaths.h) at cpi_kernel: the transition; traces carry the path");
	kv(f, "pgfault", vl_tb_fault_transition(c),
	   "native pgfault (a first touch, mmap/munmap amortised) less the fault path's 4253 "
	   "kernel instructions at cpi_kernel");
	kv(f, "ctxswitch", cs / 2, "native ctxsw: pipe round trip / 2");
	code_cache(c, f);
	if (cyc(c, "native", "cpuid") > 0)
		kv(f, "cpuid", cyc(c, "native", "cpuid"), "native cpuid");
	if (cyc(c, "native", "rdtsc") > 0)
		kv(f, "rdtsc", cyc(c, "native", "rdtsc"), "native rdtsc");

	struct kvm_derived k;
	derive_kvm(c, pf, &k);
	if (k.ok) {
		kv(f, "vmexit", k.vmexit, "kvm cpuid at guest kernel mode - its 4 loop instructions at "
		   "kernel_emul: an exit handled in KVM, round trip");
		kv(f, "vmcs_read", 0, "folded into vmexit");
		kv(f, "vmcs_write", 0, "folded into vmexit");
	}
	fprintf(f, "\n");

	double csys = cyc(c, "container", "syscall"), cpf = cyc(c, "container-cgroup", "pgfault"),
	       ccs = cyc(c, "container-cgroup", "ctxsw");
	if (cpf < 0)
		cpf = cyc(c, "container", "pgfault");
	if (ccs < 0)
		ccs = cyc(c, "container", "ctxsw");
	if (csys > 0) {
		fprintf(f, "[system container]\nnotes = fresh user/pid/mount/net/uts/ipc namespaces%s; "
		           "no overlay, no bridge measured\n",
		        vl_tb_find(c, "container-cgroup", "syscall") ? " and a CPU-limited cgroup" : "");
		kv(f, "ns_syscall", pos(csys - sys), "container syscall - native syscall");
		kv(f, "memcg_pf", pos(cpf - pf), "container pgfault - native pgfault");
		kv(f, "cg_switch", pos(ccs - cs) / 2, "(container ctxsw - native ctxsw) / 2");
		kv(f, "copyup", 0, "no overlay file system in these containers");
		const struct vl_tb_summary *start = vl_tb_find(c, "container", "start");
		if (start)
			kv(f, "start_ms", start->median_ns / 1e6, "container start: vl-probe list run in "
			   "fresh namespaces, from spawn to exit");
		fprintf(f, "\n");
	}

	double qalu = cyc(c, "qemu-x86_64", "alu"), qsys = cyc(c, "qemu-x86_64", "syscall");
	/* [system emulation], then each guest ISA's variant of it: the same
	 * emulator with cross_isa measured (this-host-ISA) */
	for (size_t x = 0; qalu > 0 && qsys > 0 && x <= VL_TB_NCROSS; x++) {
		const struct vl_tb_cross *cr = x ? &vl_tb_cross[x - 1] : NULL;
		char env[32];
		double ratio;
		if (cr) {
			snprintf(env, sizeof(env), "qemu-%s", cr->isa);
			double q = cyc(c, env, "cwork"), q86 = cyc(c, "qemu-x86_64", "cwork"),
			       n = cyc(c, "native", "cwork");
			if (q <= 0 || q86 <= 0 || n <= 0)
				continue;
			/* the model scales the native cost by cross_isa and adds the
			 * x86 guest's extras: what the foreign build takes beyond them */
			ratio = 1 + pos(q - q86) / n;
			fprintf(f, "[system emulation %s]\nnotes = QEMU user-mode emulation (%s, TCG) on "
			           "this host of vl-probe built for %s%s%s%s\n", cr->isa, env, cr->isa,
			        cr->profile ? ": the cross-ISA factor profile " : "",
			        cr->profile ? cr->profile : "", cr->profile ? " assumes, measured" : "");
			kv(f, "cross_isa", ratio, "1 + (qemu-ISA cwork - qemu-x86_64 cwork) / native "
			   "cwork: the same C built for this ISA and for x86-64, under the same emulator");
		} else {
			fprintf(f, "[system emulation]\nnotes = QEMU user-mode emulation (qemu-x86_64, TCG) "
			           "of an x86-64 program on this host\n");
		}
		kv(f, "dbt", 1, NULL);
		kv(f, "user_mode", 1, "qemu-user: the host kernel serves the guest's system calls");
		emulation_classes(c, f);
		double mem_kb = (double)sysconf(_SC_PHYS_PAGES) * (double)sysconf(_SC_PAGESIZE) / 1024;
		kv(f, "tc_kb", mem_kb > 0 && mem_kb / 8 < 131072 ? mem_kb / 8 : 131072,
		   "QEMU 7.2 tcg/region.c: user mode's code buffer is 128 MiB, or an eighth of the "
		   "host's memory if less; flushed whole when full");
		if (c->tc_bytes > 0)
			kv(f, "tc_bytes", c->tc_bytes, "qemu-x86_64 -d in_asm,out_asm on vl-probe: host "
			   "code bytes over guest instructions translated");
		kv(f, "exec_native", !cr, cr ? "a foreign ISA: every process emulated"
		                            : "qemu-user hands execve to the host kernel: programs it "
		                              "execs run natively");
		kv(f, "syscall_xlat", pos(qsys - sys), "qemu-x86_64 syscall - native syscall");
		if (cyc(c, "qemu-x86_64", "forkwait") > 0)
			kv(f, "fork_xlat",
			   pos(cyc(c, "qemu-x86_64", "forkwait") - cyc(c, "native", "forkwait") -
			       3 * (qsys - sys)),
			   "qemu-x86_64 forkwait - native forkwait - 3 syscall_xlat");
		fprintf(f, "\n");
	}

	if (k.ok) {
		fprintf(f, "[system hwassist]\nnotes = this host's KVM: %s\n", c->kvm.label);
		kv(f, "kernel_emul", k.kernel_emul,
		   c->kvm.kind == VL_KVM_SOFTWARE ? "kvm alu at guest kernel mode / 10 instructions"
		                                  : "hardware assist: guest kernel code runs directly");
		kv(f, "user_leave", k.user_leave,
		   "kvm cpuid at guest user mode - its 4 loop instructions - vmexit: leaving guest "
		   "user mode (0 where the hardware runs both modes in one context)");
		kv(f, "vpid", 1, "no TLB refill cost apart from vmexit");
		kv(f, "exit_reads", 0, "folded into vmexit");
		kv(f, "exit_writes", 0, "folded into vmexit");
		kv(f, "h_cpuid", 0, "folded into vmexit");
		kv(f, "io_user", 1, "our VMM handles port I/O in user space");
		kv(f, "h_io", 0, "folded into user_exit");
		kv(f, "user_exit", k.user_exit, "kvm outb_to_vmm (kernel) - 3 loop instructions - vmexit");
		kv(f, "h_hlt", k.h_hlt, "kvm hlt (kernel) - 2 loop instructions - vmexit");
		kv(f, "h_mmio", k.h_mmio,
		   "kvm mmio_wr_unbacked (kernel) - 2 loop instructions - vmexit - user_exit");
		kv(f, "h_pf", k.h_pf,
		   "kvm pgfault (kernel) - 36 instructions (loop 9, handler 27) - vmexit - native pgfault");
		kv(f, "tpr_shadow", 0, NULL);
		fprintf(f, "\n");
	}
	if (fclose(f))
		return vl_err_set(err, VL_EIO, "%s: %s", path, strerror(errno));
	return 0;
}
