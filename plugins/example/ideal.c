/*
 * An example model plugin: "ideal", a hypothetical monitor in which every
 * privileged or I/O event costs one flat exit of `exit_cycles` on top of its
 * native cost, and everything else runs natively. A starting point for a
 * model of your own: docs/plugins.md walks through it.
 *
 * Build: cc -std=c11 -shared -fPIC -I. -o ideal.so plugins/example/ideal.c
 * Run:   virtlab run --model-path ./ideal.so --model ideal -t traces/samples/hello.vlt
 */
#include "sim/model.h"
#include "sim/native.h" /* vl_nativecost_*: exported by the virtlab binary */

#ifndef IDEAL_MODEL_VERSION
#define IDEAL_MODEL_VERSION VL_MODEL_VERSION /* the tests build a stale one on purpose */
#endif
#ifndef IDEAL_NAME
#define IDEAL_NAME "ideal" /* and one named like a built-in model */
#endif

enum { P_EXIT, P__COUNT };

static const struct vl_param_def params[P__COUNT] = {
	[P_EXIT] = {"exit_cycles", "cycles", 1000, 0, 1e7,
		"a round number for the exercise, not a measurement",
		"cost of one exit, added to the native cost"},
};

static const struct vl_setting slow_exits[] = {{"exit_cycles", 4000}, {NULL, 0}};

static const struct vl_profile profiles[] = {
	{"ideal", "exits cost exit_cycles", "prescott", NULL, NULL},
	{"slow", "exits cost 4000 cycles", "prescott", slow_exits, NULL},
};

/* Per-run state: the core allocates state_size zeroed bytes for it. */
struct ideal {
	struct vl_nativecost nc;
	uint64_t exit_cycles;
	uint64_t exits;
};

static int ideal_init(void *state, const struct vl_params *p, struct vl_err *err)
{
	struct ideal *s = state;

	(void)err;
	vl_nativecost_init(&s->nc, p->host);
	s->exit_cycles = (uint64_t)p->v[P_EXIT];
	return 0;
}

static void ideal_on_event(void *state, const struct vl_event *ev, struct vl_charge *out)
{
	struct ideal *s = state;
	uint64_t native = vl_nativecost_event(&s->nc, ev);

	if (native)
		vl_charge(out, VL_MECH_DIRECT, native);
	if (vl_evdesc[ev->type].cls & (VL_EVC_PRIV | VL_EVC_IO)) {
		s->exits++;
		vl_charge(out, VL_MECH_VMEXIT, s->exit_cycles);
	}
}

static void ideal_report(const void *state, vl_emit_fn emit, void *ctx)
{
	emit(ctx, "exits", (double)((const struct ideal *)state)->exits, "count");
}

/* The one symbol virtlab looks for. */
const struct vl_model vl_plugin_model = {
	.version = IDEAL_MODEL_VERSION,
	.name = IDEAL_NAME,
	.summary = "example plugin: a flat cost per privileged or I/O event",
	.params = params,
	.nparams = P__COUNT,
	.profiles = profiles,
	.nprofiles = sizeof(profiles) / sizeof(profiles[0]),
	.state_size = sizeof(struct ideal),
	.init = ideal_init,
	.on_event = ideal_on_event,
	.report = ideal_report,
};
