#include <stddef.h>

#include "experiments/ini_text.h"

char *vl_ini_text_reader(char *str, int num, void *stream)
{
	struct vl_ini_text *t = stream;
	int i = 0;

	if (!*t->pos)
		return NULL;
	while (i < num - 1 && *t->pos) {
		char c = *t->pos++;
		str[i++] = c;
		if (c == '\n')
			break;
	}
	str[i] = '\0';
	t->line++;
	const char *c = str;
	while (*c == ' ' || *c == '\t')
		c++;
	if (*c == '[')
		t->section_line = t->line;
	return str;
}
