/*
 * The one progress display of the virtlab command: a count of things done,
 * the total when known, the rate and an estimate of the time left, redrawn
 * in place on a terminal at most VL_PROGRESS_REDRAW_S apart and erased at
 * the end; plain occasional lines (or nothing) when the output is a file.
 */
#ifndef VL_PROGRESS_H
#define VL_PROGRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* The least time between two redraws on a terminal (seconds). */
#define VL_PROGRESS_REDRAW_S 0.1
/* The least time between two plain lines when not on a terminal (seconds). */
#define VL_PROGRESS_LINE_S 1.0
/* No rate nor time left before this much time has passed (seconds). */
#define VL_PROGRESS_SETTLE_S 1.0

enum vl_progress_flags {
	VL_PROGRESS_QUIET = 1 << 0, /* draw nothing at all (--quiet, --json) */
	VL_PROGRESS_TTY = 1 << 1,   /* the stream is a terminal (else found with isatty) */
	VL_PROGRESS_FILE = 1 << 2,  /* the stream is not a terminal, whatever isatty says */
	VL_PROGRESS_LINES = 1 << 3, /* not on a terminal: a line at every tenth of a known total */
};

struct vl_progress {
	FILE *f;            /* where it draws; not owned */
	unsigned flags;     /* enum vl_progress_flags */
	int tty;            /* drawing in place */
	char unit[24];      /* what is counted, plural: "runs", "events" */
	uint64_t total;     /* 0: unknown */
	uint64_t done;
	double t0_s;        /* monotonic time of the start */
	double drawn_s;     /* of the last redraw or line; < 0: none yet */
	unsigned tenth;     /* the last tenth of the total a plain line was written at */
	size_t width;       /* columns of what is on the line now (to erase) */
	char status[160];   /* a status text drawn instead of the count (capture) */
};

/*
 * Starts a display on f counting `unit` (plural), total of them (0 when not
 * known), from now. Draws nothing yet.
 */
void vl_progress_init(struct vl_progress *p, FILE *f, const char *unit, uint64_t total,
                      unsigned flags);

/* Sets the total (0: unknown) and starts the clock again: when the work to
 * do becomes known after the display was set up. */
void vl_progress_start(struct vl_progress *p, uint64_t total);

/* done of them are done now; redraws when it is time to. */
void vl_progress_update(struct vl_progress *p, uint64_t done);

/* The same at a given time since the start (seconds): for the tests. */
void vl_progress_update_at(struct vl_progress *p, uint64_t done, double elapsed_s);

/* Shows text instead of the count (a status from elsewhere), on a terminal only. */
void vl_progress_status(struct vl_progress *p, const char *text);

/*
 * Writes one line of its own (a log line, a warning) above the display:
 * erases the display, writes "text\n", and leaves the display to be
 * redrawn at the next update. Nothing when quiet.
 */
void vl_progress_line(struct vl_progress *p, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Erases the display, leaving the line empty; the struct can be dropped. */
void vl_progress_end(struct vl_progress *p);

/*
 * The display's text into buf (len bytes): "1.23k/5.00k runs (24%)  12.3
 * runs/s  ETA 5:06"; without the total and ETA when total is 0; "--" for
 * the rate and ETA before one is known; "in 6:40" (the time taken) instead
 * of the ETA when done reaches total. Returns buf.
 */
const char *vl_progress_format(char *buf, size_t len, uint64_t done, uint64_t total,
                               double elapsed_s, const char *unit);

/* A number of seconds left as m:ss or h:mm:ss; "--" when unknown (< 0,
 * not finite, or beyond 99 hours). Returns buf. */
const char *vl_progress_eta(char *buf, size_t len, double left_s);

#endif
