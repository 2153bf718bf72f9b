/*
 * Names and quoting (sim/text.h): one definition of a name, one escape per
 * target, so that no name or title reaches a script, a page or SQL as code.
 */
#include <string.h>

#include "sim/text.h"

static int alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

int vl_name_ok(const char *s)
{
	size_t n = 0;

	if (!s || !alnum(*s))
		return 0;
	for (; s[n]; n++)
		if (!alnum(s[n]) && s[n] != '.' && s[n] != '_' && s[n] != '+' && s[n] != '-')
			return 0;
	return n <= VL_NAME_MAX;
}

const char *vl_quote_char(enum vl_quote how, char c)
{
	switch (how) {
	case VL_Q_GNUPLOT:
		return c == '\'' ? "''" : NULL;
	case VL_Q_HTML:
		return c == '&' ? "&amp;" : c == '<' ? "&lt;" : c == '>' ? "&gt;"
		     : c == '"' ? "&quot;" : c == '\'' ? "&#39;" : NULL;
	case VL_Q_DOT:
		return c == '"' ? "\\\"" : c == '\\' ? "\\\\" : NULL;
	case VL_Q_SH:
		return c == '\'' ? "'\\''" : NULL;
	}
	return NULL;
}

const char *vl_quote(enum vl_quote how, const char *s, char *buf, size_t len)
{
	const char *q = how == VL_Q_GNUPLOT || how == VL_Q_SH ? "'" : how == VL_Q_DOT ? "\"" : "";
	size_t o = 0, ql = strlen(q);

	if (len < 2 * ql + 1) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	memcpy(buf, q, ql);
	o = ql;
	for (; s && *s; s++) {
		char c = (unsigned char)*s < 0x20 || *s == 0x7f ? ' ' : *s;
		const char *r = vl_quote_char(how, c);
		size_t rl = r ? strlen(r) : 1;
		if (o + rl + ql + 1 > len)
			break;
		if (r)
			memcpy(buf + o, r, rl);
		else
			buf[o] = c;
		o += rl;
	}
	memcpy(buf + o, q, ql);
	buf[o + ql] = '\0';
	return buf;
}
