/*
 * Names and one-line descriptions of the mechanisms.
 */
#include <string.h>

#include "sim/mech.h"

const struct vl_mechdesc vl_mechdesc[VL_MECH__COUNT] = {
	[VL_MECH_DIRECT] = {"direct", "guest work at native cost"},
	[VL_MECH_PAGEWALK] = {"pagewalk", "native page walks after TLB misses"},
	[VL_MECH_CTXSWITCH] = {"ctxswitch", "context switch of a physical CPU"},
	[VL_MECH_TRAP] = {"trap", "hardware trap into the monitor and back"},
	[VL_MECH_EMULATE] = {"emulate", "monitor emulates a privileged operation"},
	[VL_MECH_INTERP] = {"interp", "interpretation of guest instructions"},
	[VL_MECH_TRANSLATE] = {"translate", "translator building code"},
	[VL_MECH_TRANSLATED] = {"translated", "extra cost of translated code"},
	[VL_MECH_LOOKUP] = {"lookup", "translation-cache lookups"},
	[VL_MECH_CALLOUT] = {"callout", "translated code calls into the monitor"},
	[VL_MECH_SOFTMMU] = {"softmmu", "software MMU address translation"},
	[VL_MECH_VMEXIT] = {"vmexit", "hardware VM exit and entry"},
	[VL_MECH_EXITHANDLER] = {"exithandler", "monitor handling a VM exit"},
	[VL_MECH_HYPERCALL] = {"hypercall", "paravirtual hypercall"},
	[VL_MECH_SHADOWPT] = {"shadowpt", "shadow page-table maintenance"},
	[VL_MECH_NESTEDWALK] = {"nestedwalk", "extra references of 2-D page walks"},
	[VL_MECH_DEVEMU] = {"devemu", "device emulation"},
	[VL_MECH_WORLDSWITCH] = {"worldswitch", "switch to the host OS and back"},
	[VL_MECH_EVTCHN] = {"evtchn", "event channels"},
	[VL_MECH_RING] = {"ring", "shared-ring split-driver I/O"},
	[VL_MECH_NAMESPACE] = {"namespace", "namespace checks on a shared kernel"},
	[VL_MECH_CGROUP] = {"cgroup", "cgroup accounting"},
	[VL_MECH_COPYUP] = {"copyup", "overlay copy-up on first write"},
	[VL_MECH_BRIDGE] = {"bridge", "bridge/NAT network path"},
	[VL_MECH_HOSTDRV] = {"hostdrv", "host driver doing the native device accesses"},
	[VL_MECH_HOSTPAGING] = {"hostpaging", "the host OS paging a hosted guest's page back in"},
	[VL_MECH_CODEFETCH] = {"codefetch", "running generated code the host's L2 no longer holds"},
	[VL_MECH_FPHELPER] = {"fphelper", "floating point done in software by an emulator's helpers"},
};

int vl_mech_lookup(const char *name)
{
	for (int i = 0; i < VL_MECH__COUNT; i++)
		if (strcmp(vl_mechdesc[i].name, name) == 0)
			return i;
	return -1;
}
