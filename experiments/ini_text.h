/*
 * Reading INI text through libinih's ini_parse_stream while counting lines,
 * so that parsers can name file:line in their messages (libinih's handler
 * is not told the line).
 */
#ifndef VL_INI_TEXT_H
#define VL_INI_TEXT_H

struct vl_ini_text {
	const char *pos;  /* the rest of the text */
	int line;         /* of the line last read */
	int section_line; /* of the last [section] header */
};

/* An fgets over the text: the reader argument of ini_parse_stream. */
char *vl_ini_text_reader(char *str, int num, void *stream);

#endif
