/*
 * Names and quoting: the one character set of the names that experiment and
 * plan files give (workloads, systems, sweeps, plots, plans, guest kinds,
 * techniques, and the values and parameters of sweeps), checked when a file
 * is parsed; and the quoting of any text for each place it is written
 * (gnuplot, HTML, Graphviz, POSIX shell). Names are data, never code.
 */
#ifndef VL_TEXT_H
#define VL_TEXT_H

#include <stddef.h>

/* The longest name, in characters (names fit a char[VL_NAME_MAX + 1]). */
#define VL_NAME_MAX 63

/* The characters a name may use; its first is a letter or a digit. */
#define VL_NAME_CHARS "A-Z a-z 0-9 . _ + -"

/* Whether s is a name: 1 to VL_NAME_MAX of VL_NAME_CHARS, starting alphanumeric. */
int vl_name_ok(const char *s);

enum vl_quote {
	VL_Q_GNUPLOT, /* a single-quoted gnuplot string: ' doubled; no substitution inside */
	VL_Q_HTML,    /* HTML text or attribute value (no quotes added): & < > " ' escaped */
	VL_Q_DOT,     /* a double-quoted Graphviz ID: " and \ escaped */
	VL_Q_SH,      /* a single-quoted POSIX shell word: ' written as '\'' */
};

/*
 * Writes s quoted for `how` into buf (len bytes) and returns buf. Control
 * characters become spaces. Output that does not fit is cut between
 * characters, never inside an escape, and the closing quote is kept.
 */
const char *vl_quote(enum vl_quote how, const char *s, char *buf, size_t len);

/* The replacement of character c for `how`, or NULL when c stands as is:
 * for writing a string of any length to a stream. */
const char *vl_quote_char(enum vl_quote how, char c);

#endif
