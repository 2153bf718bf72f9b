/*
 * Error reporting for library code (sim/, models/, traces/): functions return
 * 0 or a negative VL_E* code and leave a message in a caller-owned vl_err.
 * Only cli/ prints messages and picks exit codes.
 */
#ifndef VL_ERR_H
#define VL_ERR_H

#include <stdio.h>
#include <stdlib.h>

enum vl_errcode {
	VL_OK = 0,
	VL_EINVAL = -1,   /* bad input: trace, parameter, name, option */
	VL_EIO = -2,      /* a file could not be opened, read or written */
	VL_ENOMEM = -3,   /* out of memory */
	VL_ECORRUPT = -4, /* binary data fails its checks (checksum, length) */
	VL_EVERSION = -5, /* a format or interface version we do not speak */
	VL_EDB = -6,      /* the results database refused an operation */
	VL_EINTR = -7,    /* stopped on request (signal) */
	VL_EUNAVAIL = -8, /* a facility this host lacks (KVM, namespaces, QEMU): skip */
	VL_ETIMEOUT = -9, /* a watchdog fired: the guest or child did not finish */
};

/* The message buffer is owned by whoever declares the struct. */
struct vl_err {
	int code;
	char msg[2048];
};

/* Sets err (if non-NULL) and returns code, so callers can `return vl_err_set(...)`. */
int vl_err_set(struct vl_err *err, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Prefixes the existing message with "prefix: "; returns err->code. */
int vl_err_prefix(struct vl_err *err, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

void vl_err_clear(struct vl_err *err);

/* Always-on assertion for broken invariants: aborts with file:line. */
#define VL_ASSERT(cond)                                                      \
	do {                                                                     \
		if (!(cond)) {                                                       \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__,       \
			        __LINE__, #cond);                                        \
			abort();                                                         \
		}                                                                    \
	} while (0)

#endif
