/*
 * The INI reader (experiments/ini_text.h): libinih's rules without its
 * fixed buffers, so that no line is split and no section name cut.
 */
#include <stdlib.h>
#include <string.h>

#include "experiments/ini_text.h"

static int space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static char *rstrip(char *s)
{
	char *e = s + strlen(s);

	while (e > s && space(e[-1]))
		*--e = '\0';
	return s;
}

static char *lskip(char *s)
{
	while (*s && space(*s))
		s++;
	return s;
}

/* The first of chars in s, or an inline comment (';' after a space), or the end. */
static char *find(char *s, const char *chars)
{
	int was_space = 0;

	while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
		was_space = space(*s);
		s++;
	}
	return s;
}

int vl_ini_parse(struct vl_ini_text *t, vl_ini_handler h, void *user)
{
	char *section = strdup(""), *prev = strdup(""), *line = NULL;
	int error = 0;

	if (!section || !prev)
		goto out_nomem;
	if (!strncmp(t->pos, "\xEF\xBB\xBF", 3))
		t->pos += 3;
	while (*t->pos) {
		size_t n = strcspn(t->pos, "\n");
		free(line);
		if (!(line = malloc(n + 1)))
			goto out_nomem;
		memcpy(line, t->pos, n);
		line[n] = '\0';
		t->pos += n + (t->pos[n] == '\n');
		t->line++;
		char *start = lskip(rstrip(line));
		if (*start == ';' || *start == '#')
			continue;
		if (*prev && *start && start > line) {
			/* an indented line continues the value of the key before */
			char *end = find(start, NULL);
			*end = '\0';
			rstrip(start);
			if (!h(user, section, prev, start) && !error)
				error = t->line;
		} else if (*start == '[') {
			char *end = find(start + 1, "]");
			if (*end != ']') {
				if (!error)
					error = t->line;
				continue;
			}
			*end = '\0';
			free(section);
			if (!(section = strdup(start + 1)))
				goto out_nomem;
			prev[0] = '\0';
			t->section_line = t->line;
		} else if (*start) {
			char *end = find(start, "=:");
			if (*end != '=' && *end != ':') {
				if (!error)
					error = t->line;
				continue;
			}
			*end = '\0';
			char *name = rstrip(start), *value = end + 1;
			end = find(value, NULL);
			*end = '\0';
			value = lskip(value);
			rstrip(value);
			free(prev);
			if (!(prev = strdup(name)))
				goto out_nomem;
			if (!h(user, section, name, value) && !error)
				error = t->line;
		}
	}
	free(line);
	free(section);
	free(prev);
	return error;

out_nomem:
	free(line);
	free(section);
	free(prev);
	return -1;
}
