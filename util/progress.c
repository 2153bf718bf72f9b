/*
 * The progress display (util/progress.h): one line redrawn with \r on a
 * terminal, cut to the terminal's width so that it never wraps (a wrapped
 * line cannot be erased with \r), erased with spaces of its own width.
 */
#include <math.h>
#include <stdarg.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "util/progress.h"

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* x with three significant digits and an SI suffix: 950, 12.3k, 4.56M. */
static const char *si(char *buf, size_t len, double x)
{
	static const char suffix[] = " kMGTP";
	size_t i = 0;

	while (x >= 999.5 && i + 1 < sizeof(suffix) - 1) {
		x /= 1000;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, x == floor(x) || x >= 100 ? "%.0f" : x < 10 ? "%.2f" : "%.1f", x);
	else
		snprintf(buf, len, x < 10 ? "%.2f%c" : x < 100 ? "%.1f%c" : "%.0f%c", x, suffix[i]);
	return buf;
}

/* A count: whole below 10000 (runs), with an SI suffix above (events). */
static const char *count(char *buf, size_t len, uint64_t n)
{
	if (n < 10000) {
		snprintf(buf, len, "%u", (unsigned)n);
		return buf;
	}
	return si(buf, len, (double)n);
}

const char *vl_progress_eta(char *buf, size_t len, double left_s)
{
	if (!(left_s >= 0) || !isfinite(left_s) || left_s >= 99.0 * 3600) {
		snprintf(buf, len, "--");
		return buf;
	}
	unsigned long s = (unsigned long)(left_s + 0.5);
	if (s >= 3600)
		snprintf(buf, len, "%lu:%02lu:%02lu", s / 3600, s / 60 % 60, s % 60);
	else
		snprintf(buf, len, "%lu:%02lu", s / 60, s % 60);
	return buf;
}

const char *vl_progress_format(char *buf, size_t len, uint64_t done, uint64_t total,
                               double elapsed_s, const char *unit)
{
	char d[16], t[16], r[16], e[16];
	/*
	 * The rate over the whole run: steady, and right for work of even size;
	 * none in the first VL_PROGRESS_SETTLE_S, when one quick item would make
	 * it absurd.
	 */
	double rate = elapsed_s >= VL_PROGRESS_SETTLE_S && done ? (double)done / elapsed_s : 0;

	count(d, sizeof(d), done);
	if (rate > 0)
		si(r, sizeof(r), rate);
	else
		snprintf(r, sizeof(r), "--");
	if (!total) {
		snprintf(buf, len, "%s %s  %s %s/s", d, unit, r, unit);
		return buf;
	}
	if (done > total)
		done = total;
	count(d, sizeof(d), done);
	count(t, sizeof(t), total);
	if (done == total) { /* the time it took instead of the time left */
		vl_progress_eta(e, sizeof(e), elapsed_s);
		snprintf(buf, len, "%s/%s %s (100%%) in %s  %s %s/s", d, t, unit, e, r, unit);
		return buf;
	}
	vl_progress_eta(e, sizeof(e), rate > 0 ? (double)(total - done) / rate : -1);
	snprintf(buf, len, "%s/%s %s (%u%%)  %s %s/s  ETA %s", d, t, unit,
	         (unsigned)(100 * done / total), r, unit, e);
	return buf;
}

void vl_progress_init(struct vl_progress *p, FILE *f, const char *unit, uint64_t total,
                      unsigned flags)
{
	memset(p, 0, sizeof(*p));
	p->f = f;
	p->flags = flags;
	p->tty = !(flags & (VL_PROGRESS_QUIET | VL_PROGRESS_FILE)) &&
	         ((flags & VL_PROGRESS_TTY) || isatty(fileno(f)));
	snprintf(p->unit, sizeof(p->unit), "%s", unit);
	p->total = total;
	p->t0_s = now_s();
	p->drawn_s = -1;
}

void vl_progress_start(struct vl_progress *p, uint64_t total)
{
	p->total = total;
	p->done = 0;
	p->tenth = 0;
	p->t0_s = now_s();
}

/* Columns of the terminal, less one so that the cursor never wraps. */
static size_t columns(FILE *f)
{
	struct winsize ws;

	if (ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1)
		return ws.ws_col - 1u;
	return 79;
}

static void erase(struct vl_progress *p)
{
	if (p->width)
		fprintf(p->f, "\r%*s\r", (int)p->width, "");
	p->width = 0;
}

static void draw(struct vl_progress *p, double elapsed_s)
{
	char text[256];
	size_t cols = columns(p->f);

	if (p->status[0])
		snprintf(text, sizeof(text), "%s", p->status);
	else
		vl_progress_format(text, sizeof(text), p->done, p->total, elapsed_s, p->unit);
	size_t n = strlen(text);
	if (n > cols)
		n = cols;
	/* pad over the rest of a longer line drawn before */
	fprintf(p->f, "\r%.*s%*s", (int)n, text, p->width > n ? (int)(p->width - n) : 0, "");
	if (p->width > n)
		fprintf(p->f, "\r%.*s", (int)n, text);
	p->width = n;
	fflush(p->f);
}

void vl_progress_update_at(struct vl_progress *p, uint64_t done, double elapsed_s)
{
	p->done = done;
	if (p->flags & VL_PROGRESS_QUIET)
		return;
	int last = p->total && done >= p->total;
	if (p->tty) {
		if (last || p->drawn_s < 0 || elapsed_s - p->drawn_s >= VL_PROGRESS_REDRAW_S) {
			draw(p, elapsed_s);
			p->drawn_s = elapsed_s;
		}
		return;
	}
	if (!(p->flags & VL_PROGRESS_LINES) || !p->total)
		return;
	/* a line when a new tenth is reached, a second after the start and the last line */
	unsigned tenth = (unsigned)(10 * (done < p->total ? done : p->total) / p->total);
	double since = p->drawn_s >= 0 ? p->drawn_s : 0;
	if (tenth == p->tenth || (!last && elapsed_s - since < VL_PROGRESS_LINE_S))
		return;
	char text[256];
	fprintf(p->f, "%s\n", vl_progress_format(text, sizeof(text), done, p->total, elapsed_s,
	                                         p->unit));
	fflush(p->f);
	p->tenth = tenth;
	p->drawn_s = elapsed_s;
}

void vl_progress_update(struct vl_progress *p, uint64_t done)
{
	vl_progress_update_at(p, done, now_s() - p->t0_s);
}

void vl_progress_status(struct vl_progress *p, const char *text)
{
	snprintf(p->status, sizeof(p->status), "%s", text);
	if (p->tty) {
		double t = now_s() - p->t0_s;
		if (p->drawn_s < 0 || t - p->drawn_s >= VL_PROGRESS_REDRAW_S) {
			draw(p, t);
			p->drawn_s = t;
		}
	}
}

void vl_progress_line(struct vl_progress *p, const char *fmt, ...)
{
	va_list ap;

	if (p->flags & VL_PROGRESS_QUIET)
		return;
	erase(p);
	va_start(ap, fmt);
	vfprintf(p->f, fmt, ap);
	va_end(ap);
	fputc('\n', p->f);
	fflush(p->f);
	p->drawn_s = -1; /* redraw at the next update */
}

void vl_progress_end(struct vl_progress *p)
{
	if (p->tty) {
		erase(p);
		fflush(p->f);
	}
}
