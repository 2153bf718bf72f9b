/*
 * vl_err helpers: formatted messages carried back to the caller.
 */
#include <stdarg.h>
#include <string.h>

#include "sim/err.h"

int vl_err_set(struct vl_err *err, int code, const char *fmt, ...)
{
	if (err) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
		va_end(ap);
		err->code = code;
	}
	return code;
}

int vl_err_prefix(struct vl_err *err, const char *fmt, ...)
{
	char old[sizeof(err->msg)];
	va_list ap;
	int n;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	if (n >= 0 && (size_t)n < sizeof(err->msg))
		snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", old);
	return err->code;
}

void vl_err_clear(struct vl_err *err)
{
	err->code = 0;
	err->msg[0] = '\0';
}
