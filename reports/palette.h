/*
 * One fixed colour per mechanism, the same in every plot and diagram,
 * grouped by family so that related costs share a hue: direct execution,
 * translation, traps and exits, memory, I/O, containers; and where its
 * cycles go in a diagram's path of an event.
 */
#ifndef VL_PALETTE_H
#define VL_PALETTE_H

#include <stddef.h>

struct vl_mechstyle {
	int mech;           /* enum vl_mech */
	const char *family; /* "direct", "translation", "traps/exits", "memory", "I/O", "containers" */
	const char *colour; /* "#rrggbb" */
	const char *from, *to; /* the diagrams' edge: guest, monitor, hardware, host OS, devices */
};

/* Every mechanism once, family by family: the order of stacked bars and keys. */
extern const struct vl_mechstyle vl_mechstyles[];
extern const size_t vl_nmechstyles;

/* The style of mechanism mech (enum vl_mech); NULL if out of range. */
const struct vl_mechstyle *vl_mechstyle(int mech);

#endif
