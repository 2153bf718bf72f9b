/*
 * native: each event costs what it costs on the host, charged to "direct"
 * (page walks and CPU switches to their own mechanisms). No parameters of
 * its own; its profiles are the host profiles.
 */
#include "models/native/native.h"
#include "sim/native.h"

struct native {
	struct vl_nativecost nc;
};

static int native_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct native *s = state;

	(void)err;
	vl_nativecost_init(&s->nc, p->host);
	return 0;
}

static void native_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	vl_native_charge(&((struct native *)state)->nc, ev, out);
}

/* Processes on the host: nothing beyond their own memory, and the host's kernel. */
static void native_memory(const struct vl_params *p, struct vl_memory *out)
{
	(void)p;
	out->shared_kernel = 1;
}

const struct vl_model vl_model_native = {
	.version = VL_MODEL_VERSION,
	.name = "native",
	.summary = "no virtualization: the baseline, every event at its host cost",
	.params = NULL,
	.nparams = 0,
	.profiles = NULL, /* --profile names a host profile */
	.nprofiles = 0,
	.state_size = sizeof(struct native),
	.init = native_init,
	.on_event = native_on_event,
	.memory = native_memory,
};
