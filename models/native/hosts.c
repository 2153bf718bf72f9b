/*
 * Host profiles. The defaults of the host parameter table (sim/param.c) are
 * the Prescott host; a profile lists only what differs, with its source.
 */
#include "models/native/native.h"

const struct vl_profile vl_host_profiles[] = {
	{"prescott", "Intel Pentium 4 672 (Prescott), 3.8 GHz, 2005", NULL, NULL,
	 "the host of Adams & Agesen, ASPLOS 2006: every default of the host table"},
};

const size_t vl_nhost_profiles = sizeof(vl_host_profiles) / sizeof(vl_host_profiles[0]);
