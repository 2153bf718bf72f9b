/*
 * A test plugin: "crashy", native costs, and a crash (abort) on its first
 * event when its parameter `crash` is 1, so that tests can see how a sweep
 * run with --jobs reports a worker that dies in the middle of a run.
 */
#include <stdlib.h>

#include "sim/model.h"
#include "sim/native.h"

static const struct vl_param_def params[] = {
	{"crash", "flag", 0, 0, 1, "a test switch", "1: abort on the first event"},
};

struct crashy {
	struct vl_nativecost nc;
	int crash;
};

static int crashy_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct crashy *s = state;

	(void)err;
	vl_nativecost_init(&s->nc, p->host);
	s->crash = p->v[0] >= 0.5;
	return 0;
}

static void crashy_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct crashy *s = state;

	if (s->crash)
		abort();
	uint64_t native = vl_nativecost_event(&s->nc, ev);
	if (native)
		vl_charge(out, VL_MECH_DIRECT, native);
}

const struct vl_model vl_plugin_model = {
	.version = VL_MODEL_VERSION,
	.name = "crashy",
	.summary = "test plugin: native, or a crash when crash = 1",
	.params = params,
	.nparams = 1,
	.state_size = sizeof(struct crashy),
	.init = crashy_init,
	.on_event = crashy_on_event,
};
