/*
 * container: OS-level virtualization. Host and guests share one kernel, so
 * every event runs at native cost; what a container adds is namespace
 * lookups on system calls, cgroup accounting (memory charged on page
 * faults, CPU on switches), overlay copy-up on the first write to a lower
 * file, and the bridge/NAT path of its virtual network.
 */
#include <stdlib.h>

#include "models/container/container.h"
#include "sim/native.h"

enum {
	P_NS_SYSCALL,  /* namespace work per system call */
	P_MEMCG_PF,    /* memory-cgroup charge per page fault */
	P_CG_SWITCH,   /* cgroup accounting per switch */
	P_COPYUP,      /* overlay copy-up of one file */
	P_BRIDGE,      /* bridge/NAT path per packet */
	P_MTU,         /* bytes per packet */
	P_MEM_KOBJ,    /* host kernel memory per container */
	P_START_MS,     /* from creation until the guest serves */
	P__COUNT
};

#define EST(why) "estimate: " why

static const struct vl_param_def params[P__COUNT] = {
	[P_NS_SYSCALL] = {"ns_syscall", "cycles", 50, 0, 1e6,
		EST("a few pointer dereferences to the task's namespaces"),
		"namespace work per system call"},
	[P_MEMCG_PF] = {"memcg_pf", "cycles", 200, 0, 1e6,
		EST("charge one page to the memory cgroup"), "memory-cgroup charge per page fault"},
	[P_CG_SWITCH] = {"cg_switch", "cycles", 300, 0, 1e6,
		EST("CFS group scheduling: update the hierarchy's accounting"),
		"cgroup accounting per CPU switch"},
	[P_COPYUP] = {"copyup", "cycles", 400000, 0, 1e10,
		EST("copying a small file to the upper layer, about 100 us"),
		"overlay copy-up on the first write to a file"},
	[P_BRIDGE] = {"bridge", "cycles", 4000, 0, 1e8,
		EST("veth pair, bridge and NAT: about 1 us per packet"), "bridge/NAT path per packet"},
	[P_MTU] = {"mtu", "bytes", 1500, 64, 65536, "Ethernet MTU", "bytes per packet"},
	[P_MEM_KOBJ] = {"kobj_mb", "MB", 1, 0, 1e6,
		EST("namespaces and cgroups on the host kernel: about a MB of kernel objects"),
		"capacity plans: host kernel memory per container"},
	[P_START_MS] = VL_START_P(1, "estimate: fresh namespaces, a cgroup and the first process's exec, about a millisecond (virtlab calibrate measures this host's: container start against a process's); a container runtime's own work (image layers, network) comes on top"),
};

static const struct vl_setting vserver[] = {{"bridge", 0}, {"copyup", 0}, {NULL, 0}};
static const struct vl_setting openvz[] = {{"bridge", 2000}, {"copyup", 0}, {NULL, 0}};
static const struct vl_setting zones[] = {
	{"bridge", 0}, {"copyup", 0}, {"memcg_pf", 0}, {NULL, 0},
};
static const struct vl_setting jails[] = {
	{"bridge", 0}, {"copyup", 0}, {"memcg_pf", 0}, {"cg_switch", 0}, {NULL, 0},
};

static const struct vl_profile profiles[] = {
	{"lxc", "Linux containers (LXC, Docker): namespaces, cgroups, overlayfs, veth+bridge+NAT",
	 "modern", NULL, "every cost is an estimate; virtlab calibrate measures this host's",
	 NULL, "server,development"},
	{"openvz", "OpenVZ / Virtuozzo: kernel patch with containers, venet routed networking",
	 "prescott", openvz, "venet routes without a bridge (lower per-packet cost, an estimate); "
	 "no overlay file system", NULL, "server"},
	{"linux-vserver", "Linux-VServer: contexts on a shared kernel, host network with IP "
	 "isolation", "prescott", vserver, "no virtual network device, no overlay; memory "
	 "charged to the context in the kernel (memcg_pf's estimate stands in)", NULL, "server"},
	{"solaris-zones", "Solaris Containers (zones): shared kernel, shared IP stack", "prescott",
	 zones, "shared-IP zones have no bridge; memcg_pf 0: a zone's physical-memory cap is "
	 "enforced by rcapd, a user-level daemon that samples resident sets (rcapd(1M)), not "
	 "charged per page fault; CPU shares through the fair-share scheduler (cg_switch's "
	 "estimate stands in)", NULL, "server"},
	{"freebsd-jails", "FreeBSD jails: chroot plus restrictions, host network stack",
	 "prescott", jails, "classic jails account no resources: no memory charge per fault and "
	 "no CPU accounting per switch (resource limits, racct/rctl, came with FreeBSD 9.0)",
	 NULL, "server"},
};

struct container {
	struct vl_nativecost nc;
	uint64_t h[P__COUNT];
	uint64_t *files; /* set of files copied up (id + 1; 0 empty) */
	size_t nfiles, cap;
	uint64_t copyups, packets;
};

static int ct_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct container *s = state;

	(void)err;
	vl_nativecost_init(&s->nc, p->host);
	for (int i = 0; i < P__COUNT; i++)
		s->h[i] = vl_cycles(p->v[i]);
	return 0;
}

static void ct_release(void *state)
{
	free(((struct container *)state)->files);
}

/* Adds file id to the set; returns 1 if it was new. */
static int first_write(struct container *s, uint64_t id)
{
	if (2 * (s->nfiles + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 256;
		uint64_t *f = calloc(cap, sizeof(*f));
		VL_ASSERT(f);
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->files[i])
				continue;
			size_t j = (s->files[i] * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);
			while (f[j])
				j = (j + 1) & (cap - 1);
			f[j] = s->files[i];
		}
		free(s->files);
		s->files = f;
		s->cap = cap;
	}
	uint64_t k = id + 1;
	size_t j = (k * 0x9e3779b97f4a7c15ull >> 20) & (s->cap - 1);
	while (s->files[j]) {
		if (s->files[j] == k)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->files[j] = k;
	s->nfiles++;
	return 1;
}

static void ct_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct container *s = state;
	const uint64_t *h = s->h;
	vl_native_charge(&s->nc, ev, out);
	switch (ev->type) {
	case VL_EV_SYSCALL:
		if (h[P_NS_SYSCALL])
			vl_charge(out, VL_MECH_NAMESPACE, h[P_NS_SYSCALL]);
		break;
	case VL_EV_PGFAULT:
		if (h[P_MEMCG_PF])
			vl_charge(out, VL_MECH_CGROUP, h[P_MEMCG_PF]);
		break;
	case VL_EV_VSWITCH:
		if (h[P_CG_SWITCH])
			vl_charge(out, VL_MECH_CGROUP, h[P_CG_SWITCH]);
		break;
	case VL_EV_DISK:
		if ((ev->flags & VL_EVF_WRITE) && ev->a && h[P_COPYUP] && first_write(s, ev->a)) {
			s->copyups++;
			vl_charge(out, VL_MECH_COPYUP, h[P_COPYUP]);
		}
		break;
	case VL_EV_NET: {
		uint64_t packets = (ev->n + h[P_MTU] - 1) / h[P_MTU];
		s->packets += packets ? packets : 1;
		if (h[P_BRIDGE])
			vl_charge(out, VL_MECH_BRIDGE, (packets ? packets : 1) * h[P_BRIDGE]);
		break;
	}
	}
}

static void ct_report(const void *state, vl_emit_fn emit, void *ctx)
{
	const struct container *s = state;

	emit(ctx, "copyups", (double)s->copyups, "count");
	emit(ctx, "packets", (double)s->packets, "count");
}

/* Host memory per guest, from the parameters above (docs/capacity.md). */
static void ct_memory(const struct vl_params *p, struct vl_memory *out)
{
	out->fixed_mb = p->v[P_MEM_KOBJ];
	out->shared_kernel = 1;
}

const struct vl_model vl_model_container = {
	.version = VL_MODEL_VERSION,
	.name = "container",
	.summary = "OS-level virtualization: one kernel, namespaces, cgroups, overlay, bridge",
	.params = params,
	.nparams = P__COUNT,
	.profiles = profiles,
	.nprofiles = sizeof(profiles) / sizeof(profiles[0]),
	.state_size = sizeof(struct container),
	.init = ct_init,
	.on_event = ct_on_event,
	.report = ct_report,
	.release = ct_release,
	.memory = ct_memory,
};
