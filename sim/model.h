/*
 * The model interface: one const ops table per virtualization technique.
 * The core reaches every model through this table only (see registry.h).
 * A model turns each event into cycles charged to named mechanisms and keeps
 * its own state (translation cache, shadow page tables, ...).
 */
#ifndef VL_MODEL_H
#define VL_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/err.h"
#include "sim/event.h"
#include "sim/mech.h"
#include "sim/param.h"

/*
 * Interface version: bumped when a member is appended to struct vl_model or
 * to a struct it points to an array of (2: struct vl_profile's alias_of,
 * field; 3: struct vl_model's memory), or when what a plugin embeds in its
 * own state changes size (4: struct vl_nativecost of sim/native.h, with
 * the xpage event kind and the kernel path classes; 5: again, with the
 * mispredict event kind, and struct vl_host with the mispredict host
 * parameter; 6: struct vl_host with l2_kb and code_fetch). A plugin of an older version would overrun its state, so the
 * registry refuses it: rebuild it.
 */
#define VL_MODEL_VERSION 6
#define VL_MODEL_VERSION_MIN 6

#define VL_CHARGE_MAX 6

/* What one event cost: up to VL_CHARGE_MAX (mechanism, cycles) pairs. */
struct vl_charge {
	unsigned n;
	uint32_t holes; /* sensitive instructions that ran without trapping */
	struct {
		uint32_t mech;   /* enum vl_mech */
		uint64_t cycles; /* host cycles */
	} c[VL_CHARGE_MAX];
};

static inline void vl_charge(struct vl_charge *out, unsigned mech, uint64_t cycles)
{
	VL_ASSERT(out->n < VL_CHARGE_MAX && mech < VL_MECH__COUNT);
	out->c[out->n].mech = mech;
	out->c[out->n].cycles = cycles;
	out->n++;
}

/*
 * The host memory a technique takes for one guest beyond the guest's own
 * memory (docs/capacity.md, "Memory"): what a capacity plan fits.
 */
struct vl_memory {
	double fixed_mb;     /* per guest: monitor, its code and data, device state, domain or
	                        container objects */
	double per_guest_mb; /* per MB of guest memory: tables the technique keeps for it
	                        (shadow page tables, EPT, P2M) */
	int shared_kernel;   /* 1: guests run on the host's kernel and bring none of their own */
};

/* A VM monitor's memory per guest, as a parameter (struct vl_memory's fixed_mb). */
#define VL_MEMORY_P_MONITOR \
	{"monitor_mb", "MB", 32, 0, 1e6, \
	 "estimate: VMware's overhead-memory tables give a few tens of MB for a small VM: the " \
	 "monitor, its code and data, device state", \
	 "capacity plans: host memory per guest for the monitor"}

/*
 * What a monitor supports, as parameters a model may declare (0: no
 * limit): the most vCPUs one guest may have and the most guests one host
 * may run. Capacity plans refuse a guest kind beyond the first and admit no
 * guest beyond the second (docs/capacity.md).
 */
#define VL_LIMIT_VCPUS "max_vcpus"
#define VL_LIMIT_GUESTS "max_guests"
#define VL_LIMIT_P_VCPUS(src) \
	{VL_LIMIT_VCPUS, "vCPUs", 0, 0, 1024, src, \
	 "capacity plans: most vCPUs of one guest (0: no limit)"}
/*
 * How long a guest takes from its creation until it serves, as a
 * parameter a model may declare (0: at once): a VM's boot, a container's
 * start. Capacity plans delay a guest's first request by it; the CPU work
 * of booting is not charged.
 */
#define VL_START_MS "start_ms"
#define VL_START_P(def, src) \
	{VL_START_MS, "ms", def, 0, 1e7, src, \
	 "capacity plans: from creating a guest until it serves (its CPU work not charged)"}
#define VL_START_VM_SRC \
	"Firecracker: at most 125 ms from the API call to the guest's init, for a minimal " \
	"microVM and kernel (calibration.md); a full distribution's boot takes longer, and a " \
	"2006 monitor's is not published: a lower bound that stands in"

#define VL_LIMIT_P_GUESTS(src) \
	{VL_LIMIT_GUESTS, "guests", 0, 0, 1e6, src, \
	 "capacity plans: most guests on one host (0: no limit)"}

/* Receives one named counter of a model's report (translation-cache hits, ...). */
typedef void (*vl_emit_fn)(void *ctx, const char *name, double value, const char *unit);

struct vl_model {
	int version; /* VL_MODEL_VERSION the model was built against */
	const char *name;
	const char *summary;
	const struct vl_param_def *params; /* the model's own parameters */
	size_t nparams;
	const struct vl_profile *profiles; /* the first is the default */
	size_t nprofiles;
	size_t state_size; /* bytes the core allocates (zeroed) for one instance */

	/* Prepares state from p; returns 0 or a VL_E* code with err set. */
	int (*init)(void *state, const struct vl_params *p, struct vl_err *err);
	/* Charges the cost of one event; out arrives empty. Must not fail. */
	void (*on_event)(void *state, const struct vl_event *ev, struct vl_charge *out);
	/* Charges costs due at the end of the run (may be NULL). */
	void (*finish)(void *state, struct vl_charge *out);
	/* Emits the model's own counters (may be NULL). */
	void (*report)(const void *state, vl_emit_fn emit, void *ctx);
	/* Frees what init allocated; the core frees state itself (may be NULL). */
	void (*release)(void *state);

	/* Appended in version 3. */
	/*
	 * States the memory the technique adds per guest under p, from the
	 * model's own parameters; out arrives zeroed. NULL: none stated (no
	 * overhead, and a kernel of the guest's own).
	 */
	void (*memory)(const struct vl_params *p, struct vl_memory *out);
};

#endif
