/*
 * Parameters and profiles. A parameter is a named number with a unit, a
 * default, a range and the source the default came from. A profile is a
 * named set of values standing for one real system. The host (clock, native
 * costs, devices) is described by the same means, in its own table.
 */
#ifndef VL_PARAM_H
#define VL_PARAM_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"

struct vl_param_def {
	const char *name;
	const char *unit;    /* "cycles", "Hz", "ns", "MB/s", "bytes", "count", "ratio" */
	double def;          /* default value */
	double min, max;     /* inclusive range accepted by --param */
	const char *source;  /* paper + table/figure, or "estimate: why" */
	const char *help;    /* one line */
};

/* One value of a profile. Arrays end with a {NULL} entry. */
struct vl_setting {
	const char *name;
	double value;
};

struct vl_profile {
	const char *name;
	const char *summary;
	const char *host;                /* host profile it runs on (system profiles) */
	const struct vl_setting *set;    /* values differing from the defaults */
	const char *notes;               /* traits, and what is not known; for an alias, why
	                                    (its first clause, up to ';', is the short reason) */
	/* Appended in model interface version 2. */
	const char *alias_of; /* NULL, or the profile of the same model this one resolves to
	                         exactly (host and settings: its own are not used); notes say
	                         why no difference is modelled */
	const char *field;    /* field of use ("server", "desktop", ...), NULL if not known */
};

/* Host parameters: index into struct vl_host.v. Append only. */
enum vl_hostparam {
	VL_H_CLOCK_HZ,
	VL_H_CPI_USER,
	VL_H_CPI_KERNEL,
	VL_H_CALLRET,
	VL_H_INDIRECT,
	VL_H_SYSCALL,
	VL_H_INT,
	VL_H_EXCEPTION,
	VL_H_PGFAULT,
	VL_H_PTE_SAME,
	VL_H_PTE_CLEAR,
	VL_H_PTE_SET,
	VL_H_CR3,
	VL_H_CR0,
	VL_H_CR4,
	VL_H_CR8,
	VL_H_INVLPG,
	VL_H_PT_LEVELS,
	VL_H_WALK_REF,
	VL_H_CPUID,
	VL_H_RDTSC,
	VL_H_RDMSR,
	VL_H_WRMSR,
	VL_H_CLI,
	VL_H_STI,
	VL_H_SENSITIVE,
	VL_H_PORTIO,
	VL_H_MMIO,
	VL_H_IRQ,
	VL_H_CTXSWITCH,
	VL_H_DISK_LATENCY_NS,
	VL_H_DISK_MBS,
	VL_H_NET_LATENCY_NS,
	VL_H_NET_MBS,
	VL_H_DISK_CHANNELS,
	VL_H_DISK_SEEK,
	VL_H_VMEXIT,
	VL_H_VMCS_READ,
	VL_H_VMCS_WRITE,
	VL_H_TRAP_SCALE,
	VL_H_SOFT_SCALE,
	VL_H_DTLB1_ENTRIES,
	VL_H_DTLB1_WAYS,
	VL_H_DTLB2_ENTRIES,
	VL_H_DTLB2_WAYS,
	VL_H_PWC_ENTRIES,
	VL_H_PWC_HIT,
	VL_H_PWC_NESTED,
	VL_H_NTLB_ENTRIES,
	VL_H_PCID,
	VL_H_LARGE_PAGES,
	VL_H_NESTED_LARGE_PAGES,
	VL_H_KSCALE_PROC,
	VL_H_KSCALE_EXEC,
	VL_H_KSCALE_MM,
	VL_H_KSCALE_IO,
	VL_H_MISPREDICT,
	VL_H_L2_KB,
	VL_H_CODE_FETCH,
	VL_H__COUNT
};

/* The host's values, indexed by enum vl_hostparam. */
struct vl_host {
	const char *profile;
	double v[VL_H__COUNT];
};

extern const struct vl_param_def vl_host_params[VL_H__COUNT];

/*
 * How a model's processor-dependent cost moves with the host's generation:
 * a model gives such costs in Prescott cycles and scales them at init.
 */
enum vl_scale {
	VL_SCALE_NONE, /* not a cost, or not processor-dependent */
	VL_SCALE_HW,   /* a hardware transition: trap, fault delivery (trap_scale) */
	VL_SCALE_SW,   /* monitor software: handlers, translator, lookups (soft_scale) */
};

static inline double vl_host_scale(const struct vl_host *h, enum vl_scale k)
{
	return k == VL_SCALE_HW ? h->v[VL_H_TRAP_SCALE] : k == VL_SCALE_SW ? h->v[VL_H_SOFT_SCALE] : 1;
}

/*
 * Effective parameters handed to a model's init: the host and the model's
 * own values, indexed like the model's parameter table. Owned by the caller
 * of init; valid until the model is released.
 */
struct vl_params {
	const struct vl_host *host;
	const double *v;
	size_t n;
	uint64_t seed; /* seed of the model's own random stream, if it has one */
};

/* A "name=value" override from the command line or an experiment. */
struct vl_override {
	const char *name;
	double value;
};

/*
 * Parses "name=value" into o (o->name points into s, which must outlive o).
 * Numbers accept SI suffixes k, M, G (x1e3, x1e6, x1e9).
 */
int vl_override_parse(struct vl_override *o, char *s, struct vl_err *err);

/* Finds name in defs[0..n); returns its index or -1. */
int vl_param_find(const struct vl_param_def *defs, size_t n, const char *name);

/*
 * Checks value against defs[i]'s range; on failure sets err naming the
 * parameter, its range and unit.
 */
int vl_param_check(const struct vl_param_def *def, double value, const char *where,
                   struct vl_err *err);

/* Writes "a, b, c" of the parameter names into buf (for error messages). */
void vl_param_names(const struct vl_param_def *defs, size_t n, char *buf, size_t len);

#endif
