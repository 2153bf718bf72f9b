/*
 * The INI reader of experiment and plan files: libinih's syntax (comments
 * with ; or #, inline ; comments after a space, key = value or key: value,
 * indented continuation lines), but with lines and section names of any
 * length read whole, and the line of each call known to the handler so that
 * parsers can name file:line in their messages.
 */
#ifndef VL_INI_TEXT_H
#define VL_INI_TEXT_H

struct vl_ini_text {
	const char *pos;  /* the rest of the text */
	int line;         /* of the line last read */
	int section_line; /* of the last [section] header */
};

/* Called for each key = value; returns non-zero to go on, 0 on error. */
typedef int (*vl_ini_handler)(void *user, const char *section, const char *key,
                              const char *value);

/*
 * Parses the text at t->pos, calling h for each value. Returns 0, the line
 * of the first malformed line or refused value, or -1 out of memory.
 */
int vl_ini_parse(struct vl_ini_text *t, vl_ini_handler h, void *user);

#endif
