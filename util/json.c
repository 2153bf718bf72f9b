/*
 * The JSON writer (util/json.h): one member or element a line, indented by
 * depth, so that the output is both parseable and readable.
 */
#include <math.h>
#include <inttypes.h>
#include <stdlib.h>

#include "util/json.h"
#include "sim/err.h"

void vl_json_init(struct vl_json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->count[0] = 0;
}

/* Length of the UTF-8 sequence starting at s, or 0 when it is not one. */
static int utf8_len(const unsigned char *s)
{
	int n = s[0] >= 0xf0 && s[0] <= 0xf4 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;

	if (s[0] >= 0xf8)
		return 0;
	for (int i = 1; i < n; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	/* no overlong three- or four-byte forms, no surrogates, nothing past U+10FFFF */
	if ((n == 3 && s[0] == 0xe0 && s[1] < 0xa0) || (n == 3 && s[0] == 0xed && s[1] >= 0xa0) ||
	    (n == 4 && s[0] == 0xf0 && s[1] < 0x90) || (n == 4 && s[0] == 0xf4 && s[1] >= 0x90))
		return 0;
	return n;
}

void vl_json_quote(FILE *f, const char *s)
{
	const unsigned char *u = (const unsigned char *)s;

	fputc('"', f);
	while (*u) {
		if (*u == '"' || *u == '\\') {
			fprintf(f, "\\%c", *u++);
		} else if (*u == '\n') {
			fputs("\\n", f), u++;
		} else if (*u == '\t') {
			fputs("\\t", f), u++;
		} else if (*u < 0x20 || *u == 0x7f) {
			fprintf(f, "\\u%04x", *u++);
		} else if (*u < 0x80) {
			fputc(*u++, f);
		} else {
			int n = utf8_len(u);
			if (n) {
				fwrite(u, 1, (size_t)n, f);
				u += n;
			} else {
				fputs("\\ufffd", f);
				u++;
			}
		}
	}
	fputc('"', f);
}

/* The comma, newline and indentation before a value, and its key. */
static void start(struct vl_json *j, const char *key)
{
	VL_ASSERT(j->depth == 0 || (key != NULL) == (j->close[j->depth] == '}'));
	if (j->depth > 0)
		fprintf(j->f, "%s\n%*s", j->count[j->depth] ? "," : "", 2 * j->depth, "");
	j->count[j->depth]++;
	if (key) {
		vl_json_quote(j->f, key);
		fputs(": ", j->f);
	}
}

static void begin(struct vl_json *j, const char *key, char o, char c)
{
	start(j, key);
	VL_ASSERT(j->depth + 1 < VL_JSON_DEPTH);
	fputc(o, j->f);
	j->depth++;
	j->count[j->depth] = 0;
	j->close[j->depth] = c;
}

void vl_json_object(struct vl_json *j, const char *key)
{
	begin(j, key, '{', '}');
}

void vl_json_array(struct vl_json *j, const char *key)
{
	begin(j, key, '[', ']');
}

void vl_json_end(struct vl_json *j)
{
	VL_ASSERT(j->depth > 0);
	if (j->count[j->depth])
		fprintf(j->f, "\n%*s", 2 * (j->depth - 1), "");
	fputc(j->close[j->depth], j->f);
	j->depth--;
	if (!j->depth)
		fputc('\n', j->f);
}

void vl_json_str(struct vl_json *j, const char *key, const char *s)
{
	start(j, key);
	if (s)
		vl_json_quote(j->f, s);
	else
		fputs("null", j->f);
}

void vl_json_num(struct vl_json *j, const char *key, double v)
{
	start(j, key);
	char buf[32];

	/* the shortest of %.15g and %.17g that reads back as v */
	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	if (isfinite(v))
		fputs(buf, j->f);
	else
		fputs("null", j->f);
}

void vl_json_int(struct vl_json *j, const char *key, int64_t v)
{
	start(j, key);
	fprintf(j->f, "%" PRId64, v);
}

void vl_json_uint(struct vl_json *j, const char *key, uint64_t v)
{
	start(j, key);
	fprintf(j->f, "%" PRIu64, v);
}

void vl_json_bool(struct vl_json *j, const char *key, int v)
{
	start(j, key);
	fputs(v ? "true" : "false", j->f);
}

void vl_json_null(struct vl_json *j, const char *key)
{
	start(j, key);
	fputs("null", j->f);
}
