/* virtlab's version, recorded with every run. */
#ifndef VL_VERSION_H
#define VL_VERSION_H

#define VL_VERSION "0.1.0"

#endif
