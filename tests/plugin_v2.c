/*
 * A test plugin built as against model interface version 2: "oldnative",
 * native costs, exported as the version-2 table, which ends before the
 * members appended since (memory). Since versions 4, 5 and 6 the structs
 * vl_nativecost and vl_host such a plugin embeds or reads have grown, so virtlab must refuse it
 * with a clear message rather than load it.
 */
#include "sim/model.h"
#include "sim/native.h"

/* struct vl_model as sim/model.h declared it at version 2. */
struct vl_model_v2 {
	int version;
	const char *name;
	const char *summary;
	const struct vl_param_def *params;
	size_t nparams;
	const struct vl_profile *profiles;
	size_t nprofiles;
	size_t state_size;
	int (*init)(void *state, const struct vl_params *p, struct vl_err *err);
	void (*on_event)(void *state, const struct vl_event *ev, struct vl_charge *out);
	void (*finish)(void *state, struct vl_charge *out);
	void (*report)(const void *state, vl_emit_fn emit, void *ctx);
	void (*release)(void *state);
};

static int old_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	(void)err;
	vl_nativecost_init(state, p->host);
	return 0;
}

static void old_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	vl_native_charge(state, ev, out);
}

const struct vl_model_v2 vl_plugin_model = {
	.version = 2,
	.name = "oldnative",
	.summary = "test plugin: native costs, model interface version 2",
	.state_size = sizeof(struct vl_nativecost),
	.init = old_init,
	.on_event = old_on_event,
};
