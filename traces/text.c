/*
 * The text trace form (.vlt): a "vlt 1" line, "@key value" metadata lines,
 * then one event a line as "name field ...", '#' comments anywhere. Every
 * error names file:line and the field at fault.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "traces/trace_int.h"

#define MAX_TOK 8

struct text {
	char *line;
	size_t cap;
	unsigned long lineno;
	int seen_event;
};

static int is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Splits s in place into whitespace-separated tokens up to a '#'. */
static int tokenize(char *s, char **tok, unsigned *len, int max)
{
	int n = 0;

	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s || *s == '#')
			return n;
		if (n == max)
			return max + 1;
		tok[n] = s;
		while (*s && !is_space(*s) && *s != '#')
			s++;
		len[n] = (unsigned)(s - tok[n]);
		n++;
	}
}

/* The usage word of field i of a kind ("COUNT", "user|kernel"), for messages. */
static void field_word(unsigned type, int i, char *out, size_t len)
{
	const char *u = vl_evdesc[type].usage;
	int k = -1;

	out[0] = '\0';
	while (*u) {
		while (*u == ' ')
			u++;
		const char *s = u;
		while (*u && *u != ' ')
			u++;
		if (k == i) {
			while (*s == '[')
				s++;
			size_t n = (size_t)(u - s);
			while (n && s[n - 1] == ']')
				n--;
			snprintf(out, len, "%.*s", (int)n, s);
			return;
		}
		k++;
	}
}

static int parse_u64(const char *s, unsigned len, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	unsigned i = 0, base = 10;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		i = 2;
	}
	if (i == len)
		return -1;
	for (; i < len; i++) {
		unsigned d;
		char c = s[i];
		if (c >= '0' && c <= '9')
			d = (unsigned)(c - '0');
		else if (base == 16 && c >= 'a' && c <= 'f')
			d = (unsigned)(c - 'a' + 10);
		else if (base == 16 && c >= 'A' && c <= 'F')
			d = (unsigned)(c - 'A' + 10);
		else
			return -1;
		if (v > (max - d) / base)
			return -2;
		v = v * base + d;
	}
	*out = v;
	return 0;
}

static int tok_is(const char *t, unsigned len, const char *word)
{
	return strlen(word) == len && memcmp(t, word, len) == 0;
}

/* Parses one choice field; returns 0 and sets/clears flag, or -1. */
static int parse_choice(char letter, const char *t, unsigned len, uint16_t *flags)
{
	static const struct {
		char letter;
		const char *off, *on;
		uint16_t flag;
	} ch[] = {
		{'m', "user", "kernel", VL_EVF_KERNEL}, {'w', "r", "w", VL_EVF_WRITE},
		{'d', "rx", "tx", VL_EVF_WRITE},        {'s', "sync", "async", VL_EVF_ASYNC},
		{'p', "0", "1", VL_EVF_P_OLD},          {'q', "0", "1", VL_EVF_P_NEW},
	};
	for (size_t i = 0; i < sizeof(ch) / sizeof(ch[0]); i++) {
		if (ch[i].letter != letter)
			continue;
		if (tok_is(t, len, ch[i].on))
			*flags |= ch[i].flag;
		else if (tok_is(t, len, ch[i].off))
			*flags &= (uint16_t)~ch[i].flag;
		else
			return -1;
		return 0;
	}
	return -1;
}

static int parse_event(struct vl_trace *t, char **tok, unsigned *len, int ntok,
                       struct vl_event *ev, struct vl_err *err)
{
	struct text *x = t->priv;
	int type = vl_ev_lookup(tok[0], len[0]);
	char word[32];

	if (type < 0 || type == VL_EV_VSWITCH)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: unknown event '%.*s'", t->name, x->lineno,
		                  (int)len[0], tok[0]);
	const struct vl_evdesc *d = &vl_evdesc[type];
	ev->type = (uint16_t)type;
	ev->flags = d->def_flags;
	ev->n = 0;
	ev->a = ev->b = 0;
	int optional = 0, fi = 0, ti = 1;
	for (const char *f = d->fields; *f; f++) {
		if (*f == '?') {
			optional = 1;
			continue;
		}
		if (*f == 'n' && optional)
			ev->n = d->def_n;
		if (ti >= ntok) {
			if (optional) {
				fi++;
				continue;
			}
			field_word((unsigned)type, fi, word, sizeof(word));
			return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': missing field %s (usage: %s)",
			                  t->name, x->lineno, d->name, word, d->usage);
		}
		uint64_t v;
		int rc;
		switch (*f) {
		case 'n':
		case 'a':
		case 'b':
		case 'l':
		case 't': {
			uint64_t max = *f == 'a' || *f == 'b' ? UINT64_MAX : UINT32_MAX;
			rc = parse_u64(tok[ti], len[ti], max, &v);
			if (rc) {
				field_word((unsigned)type, fi, word, sizeof(word));
				if (rc == -2)
					return vl_err_set(err, VL_EINVAL,
					                  "%s:%lu: '%s': %s '%.*s' is out of range (at most %llu)",
					                  t->name, x->lineno, d->name, word, (int)len[ti], tok[ti],
					                  (unsigned long long)max);
				return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': %s '%.*s' is not a number",
				                  t->name, x->lineno, d->name, word, (int)len[ti], tok[ti]);
			}
			if (*f == 'n')
				ev->n = (uint32_t)v;
			else if (*f == 'a')
				ev->a = v;
			else if (*f == 'b')
				ev->b = v;
			else if (*f == 'l')
				ev->b = (ev->b & ~(uint64_t)UINT32_MAX) | v;
			else
				ev->b = (ev->b & UINT32_MAX) | v << 32;
			break;
		}
		default:
			if (parse_choice(*f, tok[ti], len[ti], &ev->flags)) {
				field_word((unsigned)type, fi, word, sizeof(word));
				return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': field '%.*s' must be %s",
				                  t->name, x->lineno, d->name, (int)len[ti], tok[ti], word);
			}
		}
		fi++;
		ti++;
	}
	if (ti < ntok)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': unexpected field '%.*s' (usage: %s)",
		                  t->name, x->lineno, d->name, (int)len[ti], tok[ti], d->usage);
	const char *why;
	if (vl_event_check(ev, &why))
		return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': %s", t->name, x->lineno, d->name, why);
	return 0;
}

/* Reads the next line into x->line; returns 1, 0 at the end, or a negative code. */
static int next_line(struct vl_trace *t, struct vl_err *err)
{
	struct text *x = t->priv;
	ssize_t n = getline(&x->line, &x->cap, t->f);

	if (n < 0) {
		if (ferror(t->f))
			return vl_err_set(err, VL_EIO, "%s:%lu: read error: %s", t->name, x->lineno + 1,
			                  strerror(errno));
		return 0;
	}
	x->lineno++;
	XXH3_64bits_update(t->hash, x->line, (size_t)n);
	if (memchr(x->line, '\0', (size_t)n))
		return vl_err_set(err, VL_EINVAL, "%s:%lu: NUL byte in a text trace", t->name,
		                  x->lineno);
	return 1;
}

/* Handles a "@key value" line. */
static int parse_meta(struct vl_trace *t, char *line, struct vl_err *err)
{
	struct text *x = t->priv;
	char *s = line + 1, *key = s;

	if (x->seen_event)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: metadata after the first event", t->name,
		                  x->lineno);
	while (*s && !is_space(*s))
		s++;
	if (*s)
		*s++ = '\0';
	while (is_space(*s))
		s++;
	char *end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		*--end = '\0';
	if (vl_meta_set(&t->meta, key, s, err))
		return vl_err_prefix(err, "%s:%lu", t->name, x->lineno);
	return 0;
}

static long text_read(struct vl_trace *t, struct vl_event *buf, size_t max, struct vl_err *err)
{
	struct text *x = t->priv;
	char *tok[MAX_TOK];
	unsigned len[MAX_TOK];
	size_t k = 0;

	while (k < max) {
		int rc = next_line(t, err);
		if (rc <= 0)
			return rc < 0 ? rc : (long)k;
		char *s = x->line;
		while (is_space(*s))
			s++;
		if (*s == '@') {
			if (parse_meta(t, s, err))
				return err->code;
			continue;
		}
		int n = tokenize(s, tok, len, MAX_TOK);
		if (n == 0)
			continue;
		if (n > MAX_TOK)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: too many fields", t->name, x->lineno);
		if (parse_event(t, tok, len, n, &buf[k], err))
			return err->code;
		x->seen_event = 1;
		k++;
	}
	return (long)k;
}

static void text_release(struct vl_trace *t)
{
	struct text *x = t->priv;

	if (x) {
		free(x->line);
		free(x);
	}
}

static const struct reader_ops text_reader_ops = {text_read, text_release};

/*
 * Reads the "vlt N" line and the metadata block. Metadata lines after the
 * header are parsed as they come by text_read (and refused after an event).
 */
int vl_text_open(struct vl_trace *t, struct vl_err *err)
{
	struct text *x = calloc(1, sizeof(*x));
	char *tok[MAX_TOK];
	unsigned len[MAX_TOK];

	if (!x)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	t->priv = x;
	t->ops = &text_reader_ops;
	for (;;) {
		int rc = next_line(t, err);
		if (rc < 0)
			goto out_fail;
		if (rc == 0) {
			vl_err_set(err, VL_EINVAL, "%s:%lu: empty trace: expected a 'vlt %d' line",
			           t->name, x->lineno + 1, VL_VLT_VERSION);
			goto out_fail;
		}
		int n = tokenize(x->line, tok, len, MAX_TOK);
		if (n == 0)
			continue;
		uint64_t v;
		if (n != 2 || !tok_is(tok[0], len[0], "vlt") || parse_u64(tok[1], len[1], 1000, &v)) {
			vl_err_set(err, VL_EINVAL,
			           "%s:%lu: not a virtlab trace: expected 'vlt %d' as the first line",
			           t->name, x->lineno, VL_VLT_VERSION);
			goto out_fail;
		}
		if (v != VL_VLT_VERSION) {
			vl_err_set(err, VL_EVERSION,
			           "%s:%lu: text trace version %llu is not supported (this build reads "
			           "version %d)", t->name, x->lineno, (unsigned long long)v,
			           VL_VLT_VERSION);
			goto out_fail;
		}
		break;
	}
	/* Metadata: read ahead while lines are '@', blank or comments. */
	for (;;) {
		long pos = ftell(t->f);
		unsigned long lineno = x->lineno;
		XXH3_state_t saved;
		XXH3_copyState(&saved, t->hash);
		int rc = next_line(t, err);
		if (rc < 0)
			goto out_fail;
		if (rc == 0)
			break;
		char *s = x->line;
		while (is_space(*s))
			s++;
		if (*s == '@') {
			if (parse_meta(t, s, err))
				goto out_fail;
			continue;
		}
		if (!*s || *s == '#')
			continue;
		/* An event: put it back for text_read. */
		if (pos < 0 || fseek(t->f, pos, SEEK_SET) != 0) {
			vl_err_set(err, VL_EIO, "%s: cannot seek", t->name);
			goto out_fail;
		}
		x->lineno = lineno;
		XXH3_copyState(t->hash, &saved);
		break;
	}
	return 0;

out_fail:
	text_release(t);
	t->priv = NULL;
	t->ops = NULL;
	return err->code;
}

/* --- writing ------------------------------------------------------------ */

int vl_event_format(const struct vl_event *ev, char *buf, size_t len)
{
	const struct vl_evdesc *d = &vl_evdesc[ev->type];
	char tok[6][32];
	int ntok = 0, nreq = 0, optional = 0;

	/* Render every field, then drop trailing optional ones at their default. */
	int is_default[6] = {0};
	for (const char *f = d->fields; *f; f++) {
		if (*f == '?') {
			optional = 1;
			continue;
		}
		char *o = tok[ntok];
		int def = 0;
		switch (*f) {
		case 'n':
			snprintf(o, 32, "%u", ev->n);
			def = ev->n == (optional ? d->def_n : 0);
			break;
		case 'a':
			snprintf(o, 32, (ev->type == VL_EV_PGFAULT || ev->type == VL_EV_PTEWRITE ||
			                 ev->type == VL_EV_INVLPG || ev->type == VL_EV_MMIO ||
			                 ev->type == VL_EV_TOUCH || ev->type == VL_EV_IN ||
			                 ev->type == VL_EV_OUT) && ev->a
			                    ? "0x%llx" : "%llu", (unsigned long long)ev->a);
			def = ev->a == 0;
			break;
		case 'b':
			snprintf(o, 32, "%llu", (unsigned long long)ev->b);
			def = ev->b == 0;
			break;
		case 'l':
		case 't':
			/* loads and stores are written both or neither */
			snprintf(o, 32, "%u", *f == 'l' ? vl_bb_loads(ev) : vl_bb_stores(ev));
			def = ev->b == 0;
			break;
		default: {
			static const char *const names[][2] = {
				['m'] = {"user", "kernel"}, ['w'] = {"r", "w"}, ['d'] = {"rx", "tx"},
				['s'] = {"sync", "async"},  ['p'] = {"0", "1"}, ['q'] = {"0", "1"},
			};
			uint16_t fl = *f == 'm' ? VL_EVF_KERNEL
			            : *f == 's' ? VL_EVF_ASYNC
			            : *f == 'p' ? VL_EVF_P_OLD
			            : *f == 'q' ? VL_EVF_P_NEW : VL_EVF_WRITE;
			int on = !!(ev->flags & fl);
			snprintf(o, 32, "%s", names[(unsigned char)*f][on]);
			def = on == !!(d->def_flags & fl);
		}
		}
		is_default[ntok] = optional && def;
		if (!optional)
			nreq = ntok + 1;
		ntok++;
	}
	while (ntok > nreq && is_default[ntok - 1])
		ntok--;
	int w = snprintf(buf, len, "%s", d->name);
	for (int i = 0; i < ntok && w >= 0 && (size_t)w < len; i++)
		w += snprintf(buf + w, len - (size_t)w, " %s", tok[i]);
	return w;
}

static int text_put(struct vl_writer *w, const struct vl_event *ev, size_t n, struct vl_err *err)
{
	char line[160];

	for (size_t i = 0; i < n; i++) {
		int len = vl_event_format(&ev[i], line, sizeof(line) - 1);
		line[len++] = '\n';
		if (fwrite(line, 1, (size_t)len, w->f) != (size_t)len)
			return vl_err_set(err, VL_EIO, "%s: write error: %s", w->path, strerror(errno));
	}
	return 0;
}

static int text_finish(struct vl_writer *w, struct vl_err *err)
{
	if (fflush(w->f) != 0)
		return vl_err_set(err, VL_EIO, "%s: write error: %s", w->path, strerror(errno));
	return 0;
}

static const struct writer_ops text_writer_ops = {text_put, text_finish, NULL};

int vl_text_writer(struct vl_writer *w, const struct vl_meta *meta, struct vl_err *err)
{
	w->ops = &text_writer_ops;
	fprintf(w->f, "vlt %d\n", VL_VLT_VERSION);
	for (unsigned i = 0; meta && i < meta->n; i++)
		fprintf(w->f, "@%s %s\n", meta->key[i], meta->value[i]);
	if (ferror(w->f))
		return vl_err_set(err, VL_EIO, "%s: write error: %s", w->path, strerror(errno));
	return 0;
}
