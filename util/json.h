/*
 * A small JSON writer for the command's --json output: objects and arrays
 * nested to VL_JSON_DEPTH, commas and indentation kept by the writer,
 * strings escaped (control characters, quotes, backslashes, and bytes that
 * are not UTF-8 as U+FFFD), numbers that are not finite written as null.
 */
#ifndef VL_JSON_H
#define VL_JSON_H

#include <stdint.h>
#include <stdio.h>

#define VL_JSON_DEPTH 16

struct vl_json {
	FILE *f;                         /* not owned */
	int depth;                       /* open objects and arrays */
	int count[VL_JSON_DEPTH];        /* values written at each level */
	char close[VL_JSON_DEPTH];       /* '}' or ']' */
};

/* Starts a document on f; the first value written is its top level. */
void vl_json_init(struct vl_json *j, FILE *f);

/*
 * Each writer takes the member's key inside an object, and NULL inside an
 * array or at the top level.
 */
void vl_json_object(struct vl_json *j, const char *key);
void vl_json_array(struct vl_json *j, const char *key);
void vl_json_end(struct vl_json *j); /* closes the innermost; a newline after the top level */
void vl_json_str(struct vl_json *j, const char *key, const char *s); /* NULL: null */
void vl_json_num(struct vl_json *j, const char *key, double v);      /* exact; NaN: null */
void vl_json_int(struct vl_json *j, const char *key, int64_t v);
void vl_json_uint(struct vl_json *j, const char *key, uint64_t v);
void vl_json_bool(struct vl_json *j, const char *key, int v);
void vl_json_null(struct vl_json *j, const char *key);

/* Writes s as a quoted, escaped JSON string to f (for callers writing JSON by hand). */
void vl_json_quote(FILE *f, const char *s);

#endif
