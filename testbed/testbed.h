/*
 * The testbed: measures on this host the mechanisms the models charge for,
 * turns the measurements into the `this-host` profiles (sim/thishost.h),
 * and checks the models' predictions against measured runs.
 *
 * Backends (docs/testbed.md):
 *   native     vl-probe's microbenchmarks run directly
 *   kvm        the guest nanobenchmarks of testbed/kvm at guest user and kernel mode
 *   container  vl-probe inside fresh user/pid/mount/net/uts/ipc namespaces,
 *              also inside a cgroup with a CPU limit where one is writable
 *   emulation  vl-probe under qemu-x86_64, and an aarch64 build under qemu-aarch64
 *
 * A backend that cannot run here is skipped with one reason; nothing hangs:
 * every child process and every KVM_RUN has a watchdog.
 */
#ifndef VL_TESTBED_H
#define VL_TESTBED_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/recorder.h"
#include "testbed/kvm/vmm.h"

enum {
	VL_TB_NATIVE = 1 << 0,
	VL_TB_KVM = 1 << 1,
	VL_TB_CONTAINER = 1 << 2,
	VL_TB_EMULATION = 1 << 3,
	VL_TB_ALL = 0xf,
};

/* Parses "native,kvm,..." (or "all") into a mask; VL_EINVAL naming the bad word. */
int vl_tb_backends_parse(const char *s, unsigned *mask, struct vl_err *err);

/*
 * Whether a facility is pretended absent through VIRTLAB_PRETEND_ABSENT
 * (a comma list of kvm, userns, cgroup, qemu, aarch64): the tests use it to
 * walk every skip path on a host that has everything.
 */
int vl_tb_pretend_absent(const char *facility);

/* Reasons a facility cannot be used here; return 0 and fill why when absent. */
int vl_tb_have_userns(char *why, size_t len);
int vl_tb_have_qemu(const char *prog, char *why, size_t len);

typedef void (*vl_tb_progress_fn)(void *ctx, const char *line);

struct vl_tb_opts {
	unsigned backends;
	int quick;            /* fewer samples and shorter KVM goals: under two minutes */
	const char *kvm_dev;  /* "/dev/kvm" */
	const char *probe_dir; /* where vl-probe lives; NULL: beside this program */
	vl_tb_progress_fn progress;
	void *ctx;
};

struct vl_tb_sample {
	char backend[16], env[24], bench[24];
	double ns, cycles;  /* per operation */
	long ops;           /* operations in the sample */
};

struct vl_tb_summary {
	char backend[16], env[24], bench[24];
	unsigned n;
	double median_ns, lo_ns, hi_ns; /* median and its 95% interval */
	double median_cycles;
};

struct vl_tb_skip {
	char backend[16], env[24];
	char reason[320];
};

struct vl_tb_kvm {
	enum vl_gbench bench;
	int user;
	int ok;
	char error[320];     /* when !ok */
	char outcome[160];   /* what happened: "exit to the VMM (I/O)", "#GP in the guest", ... */
	struct vl_kvm_result r;
	double cycles, ns;   /* per operation */
};

struct vl_tb_calib {
	char host[64], started[32];
	int quick;
	double tsc_hz;
	double l2_kb;    /* the host's L2, from sysfs (0: not known) */
	double tc_bytes; /* qemu-x86_64's host code bytes per guest instruction (0: not measured) */
	struct vl_kvm_host kvm;
	struct vl_tb_sample *samples;
	size_t nsamples, capsamples;
	struct vl_tb_summary *sums;
	size_t nsums, capsums;
	struct vl_tb_skip skips[24];
	size_t nskips;
	struct vl_tb_kvm kvmres[2 * VL_GB__COUNT];
	size_t nkvm;
};

int vl_tb_calibrate(const struct vl_tb_opts *o, struct vl_tb_calib *c, struct vl_err *err);
void vl_tb_calib_free(struct vl_tb_calib *c);

/* The summary of (env, bench), or NULL. */
const struct vl_tb_summary *vl_tb_find(const struct vl_tb_calib *c, const char *env,
                                       const char *bench);
/* The KVM result of (bench, user), or NULL when it did not run. */
const struct vl_tb_kvm *vl_tb_kvm_find(const struct vl_tb_calib *c, enum vl_gbench b, int user);

/* Stores every raw sample and summary in one transaction; sets *id. */
int vl_tb_record(struct vl_db *db, const struct vl_tb_calib *c, int64_t *id, struct vl_err *err);

/* Writes the this-host profile file from c (see sim/thishost.h). */
int vl_tb_write_profile(const struct vl_tb_calib *c, const char *path, struct vl_err *err);

/*
 * What the this-host profile charges for a system call's and a page
 * fault's transitions: the measured getppid() round trip and first touch
 * less their kernel paths' instructions (traces/kpaths.h) at cpi_kernel,
 * which traces carry as `kernel` runs of their own. -1 when not measured.
 */
/*
 * The guest ISAs calibrate runs vl-probe's cross builds of under QEMU's
 * user-mode TCG (env qemu-ISA), and the emulation profile, if any, whose
 * guest ISA each stands for on this host (profile.c: this-host-ISA).
 */
struct vl_tb_cross {
	const char *isa;     /* in vl-probe-ISA and the env's name */
	const char *qemu;    /* qemu-QEMU runs it */
	const char *package; /* Debian's cross compiler */
	const char *profile; /* the emulation profile of a guest of this ISA, or NULL */
};
#define VL_TB_NCROSS 3
extern const struct vl_tb_cross vl_tb_cross[VL_TB_NCROSS];

/*
 * Host code bytes per guest instruction in a log of QEMU's `-d in_asm,out_asm`:
 * the OUT sizes over the guest instructions of the IN blocks; 0 if none.
 */
double vl_tb_out_asm_bytes(const char *log);

double vl_tb_syscall_transition(const struct vl_tb_calib *c);
double vl_tb_fault_transition(const struct vl_tb_calib *c);

/* Median and 95% distribution-free interval of x[0..n) (sorts x). */
void vl_tb_median_ci(double *x, size_t n, double *median, double *lo, double *hi);

/* ---- validation ---- */

struct vl_tb_valrow {
	char workload[24], env[24];
	char model[24], profile[24];
	char unit[16];                  /* "x" (slowdown against native) or "cycles" (per op) */
	double native_ns, env_ns;       /* measured wall time of the workload */
	double measured, predicted;     /* slowdowns against native */
	double error;                   /* (predicted - measured) / measured */
	int ok;
	int fitted;                     /* a parameter was calibrated from this very operation */
	char note[320];
};

struct vl_tb_validation {
	struct vl_tb_valrow rows[64];
	size_t nrows;
	struct vl_tb_skip skips[24];
	size_t nskips;
	char tracedir[512];
};

/*
 * Runs the workloads natively, in a container, under QEMU and (for the guest
 * workloads) in the KVM guest; writes a trace of each from the native run's
 * counts into tracedir; predicts each environment with the models under the
 * this-host profiles in c; records the table in db when non-NULL.
 */
int vl_tb_validate(const struct vl_tb_opts *o, const struct vl_tb_calib *c, const char *tracedir,
                   struct vl_tb_validation *v, struct vl_err *err);
int vl_tb_record_validation(struct vl_db *db, int64_t calib_id, const struct vl_tb_validation *v,
                            struct vl_err *err);

#endif
