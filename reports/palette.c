/*
 * The mechanism palette: one table, family by family, each family a hue
 * (greys, browns and oranges, reds and pinks, greens, blues, purples), and
 * the edge of the diagrams' path of an event that each mechanism's cycles
 * take.
 */
#include "reports/palette.h"
#include "sim/mech.h"

const struct vl_mechstyle vl_mechstyles[] = {
	{VL_MECH_DIRECT, "direct", "#a0a0a0", "guest", "hardware"},
	{VL_MECH_CTXSWITCH, "direct", "#505050", "hardware", "hardware"},

	{VL_MECH_INTERP, "translation", "#8c510a", "monitor", "guest"},
	{VL_MECH_TRANSLATE, "translation", "#bf812d", "monitor", "monitor"},
	{VL_MECH_TRANSLATED, "translation", "#dfc27d", "guest", "hardware"},
	{VL_MECH_LOOKUP, "translation", "#e08214", "guest", "monitor"},
	{VL_MECH_CALLOUT, "translation", "#fdb863", "guest", "monitor"},
	{VL_MECH_SOFTMMU, "translation", "#7f3b08", "monitor", "hardware"},
	{VL_MECH_CODEFETCH, "translation", "#fee0b6", "guest", "hardware"},
	{VL_MECH_FPHELPER, "translation", "#b35806", "guest", "monitor"},

	{VL_MECH_TRAP, "traps/exits", "#d73027", "guest", "monitor"},
	{VL_MECH_EMULATE, "traps/exits", "#f4a582", "monitor", "guest"},
	{VL_MECH_VMEXIT, "traps/exits", "#67001f", "guest", "monitor"},
	{VL_MECH_EXITHANDLER, "traps/exits", "#b2182b", "monitor", "monitor"},
	{VL_MECH_HYPERCALL, "traps/exits", "#de77ae", "guest", "monitor"},

	{VL_MECH_PAGEWALK, "memory", "#b8e186", "guest", "hardware"},
	{VL_MECH_SHADOWPT, "memory", "#1b7837", "monitor", "hardware"},
	{VL_MECH_NESTEDWALK, "memory", "#5aae61", "guest", "hardware"},
	{VL_MECH_HOSTPAGING, "memory", "#00441b", "monitor", "host OS"},

	{VL_MECH_DEVEMU, "I/O", "#2166ac", "monitor", "devices"},
	{VL_MECH_WORLDSWITCH, "I/O", "#4393c3", "monitor", "host OS"},
	{VL_MECH_EVTCHN, "I/O", "#92c5de", "monitor", "guest"},
	{VL_MECH_RING, "I/O", "#053061", "guest", "host OS"},
	{VL_MECH_HOSTDRV, "I/O", "#d1e5f0", "host OS", "devices"},

	{VL_MECH_NAMESPACE, "containers", "#762a83", "guest", "host OS"},
	{VL_MECH_CGROUP, "containers", "#9970ab", "guest", "host OS"},
	{VL_MECH_COPYUP, "containers", "#c2a5cf", "host OS", "devices"},
	{VL_MECH_BRIDGE, "containers", "#40004b", "host OS", "devices"},
};

const size_t vl_nmechstyles = sizeof(vl_mechstyles) / sizeof(vl_mechstyles[0]);

const struct vl_mechstyle *vl_mechstyle(int mech)
{
	for (size_t i = 0; i < vl_nmechstyles; i++)
		if (vl_mechstyles[i].mech == mech)
			return &vl_mechstyles[i];
	return NULL;
}
