/*
 * The Markdown+HTML document writer: each call writes both files, the HTML
 * one a self-contained page (inline style, no scripts).
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "reports/doc.h"
#include "sim/text.h"

/* s for HTML text and attributes (sim/text.h's escapes). */
static void put_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		const char *q = vl_quote_char(VL_Q_HTML, *s);
		if (q)
			fputs(q, f);
		else
			fputc(*s, f);
	}
}

/* s for Markdown text; in a table cell a '|' would end the cell. */
static void put_md(FILE *f, const char *s, int cell)
{
	for (; *s; s++) {
		if (strchr("\\`*_[]<>", *s) || (cell && *s == '|'))
			fputc('\\', f);
		fputc(*s == '\n' && cell ? ' ' : *s, f);
	}
}

int vl_doc_open(struct vl_doc *d, const char *md_path, const char *html_path, const char *title,
                struct vl_err *err)
{
	memset(d, 0, sizeof(*d));
	snprintf(d->md_path, sizeof(d->md_path), "%s", md_path);
	snprintf(d->html_path, sizeof(d->html_path), "%s", html_path);
	if (!(d->md = fopen(md_path, "w")))
		return vl_err_set(err, VL_EIO, "%s: cannot write: %s", md_path, strerror(errno));
	if (!(d->html = fopen(html_path, "w"))) {
		int e = errno;
		fclose(d->md);
		d->md = NULL;
		return vl_err_set(err, VL_EIO, "%s: cannot write: %s", html_path, strerror(e));
	}
	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", d->html);
	put_html(d->html, title);
	fputs("</title>\n<style>body{font-family:sans-serif;max-width:1200px;margin:2em auto;}"
	      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px}"
	      "td.r{text-align:right}img{max-width:100%}</style></head><body>\n<h1>", d->html);
	put_html(d->html, title);
	fputs("</h1>\n", d->html);
	fputs("# ", d->md);
	put_md(d->md, title, 0);
	fputs("\n\n", d->md);
	return 0;
}

void vl_doc_heading(struct vl_doc *d, int level, const char *text)
{
	level = level < 2 ? 2 : level > 3 ? 3 : level;
	fprintf(d->html, "<h%d>", level);
	put_html(d->html, text);
	fprintf(d->html, "</h%d>\n", level);
	fputs(level == 2 ? "## " : "### ", d->md);
	put_md(d->md, text, 0);
	fputs("\n\n", d->md);
}

void vl_doc_para(struct vl_doc *d, const char *fmt, ...)
{
	char buf[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	fputs("<p>", d->html);
	put_html(d->html, buf);
	fputs("</p>\n", d->html);
	put_md(d->md, buf, 0);
	fputs("\n\n", d->md);
}

void vl_doc_image(struct vl_doc *d, const char *png, const char *svg, const char *alt)
{
	fputs("<p>", d->html);
	if (svg) {
		fputs("<a href=\"", d->html);
		put_html(d->html, svg);
		fputs("\">", d->html);
	}
	fputs("<img src=\"", d->html);
	put_html(d->html, png);
	fputs("\" alt=\"", d->html);
	put_html(d->html, alt);
	fputs("\">", d->html);
	fputs(svg ? "</a></p>\n" : "</p>\n", d->html);
	fputs("![", d->md);
	put_md(d->md, alt, 0);
	fprintf(d->md, "](%s)\n\n", png);
}

void vl_doc_table(struct vl_doc *d, int ncols, const char *const head[], const char *align)
{
	fputs("<table>\n<tr>", d->html);
	fputs("|", d->md);
	for (int i = 0; i < ncols; i++) {
		fputs("<th>", d->html);
		put_html(d->html, head[i]);
		fputs("</th>", d->html);
		fputc(' ', d->md);
		put_md(d->md, head[i], 1);
		fputs(" |", d->md);
	}
	fputs("</tr>\n", d->html);
	fputs("\n|", d->md);
	for (int i = 0; i < ncols; i++)
		fputs(align[i] == 'r' ? "---:|" : "---|", d->md);
	fputc('\n', d->md);
	snprintf(d->align, sizeof(d->align), "%s", align);
	d->failed |= (int)strlen(align) != ncols;
}

void vl_doc_row(struct vl_doc *d, int ncols, const char *const cells[])
{
	fputs("<tr>", d->html);
	fputs("|", d->md);
	for (int i = 0; i < ncols; i++) {
		fputs(i < (int)strlen(d->align) && d->align[i] == 'r' ? "<td class=\"r\">" : "<td>",
		      d->html);
		put_html(d->html, cells[i]);
		fputs("</td>", d->html);
		fputc(' ', d->md);
		put_md(d->md, cells[i], 1);
		fputs(" |", d->md);
	}
	fputs("</tr>\n", d->html);
	fputc('\n', d->md);
}

void vl_doc_table_end(struct vl_doc *d)
{
	fputs("</table>\n", d->html);
	fputc('\n', d->md);
}

int vl_doc_close(struct vl_doc *d, struct vl_err *err)
{
	const char *bad = NULL;

	if (!d->md)
		return 0;
	fputs("</body></html>\n", d->html);
	int md_err = ferror(d->md), html_err = ferror(d->html);
	if (fclose(d->md) != 0 || md_err)
		bad = d->md_path;
	if (fclose(d->html) != 0 || html_err)
		bad = d->html_path;
	d->md = d->html = NULL;
	if (bad || d->failed)
		return vl_err_set(err, VL_EIO, "%s: write failed", bad ? bad : d->md_path);
	return 0;
}

void vl_doc_list(struct vl_doc *d)
{
	fputs("<ul>\n", d->html);
}

void vl_doc_link(struct vl_doc *d, const char *href, const char *text, const char *note)
{
	fputs("<li><a href=\"", d->html);
	put_html(d->html, href);
	fputs("\">", d->html);
	put_html(d->html, text);
	fputs("</a>", d->html);
	fputs("- [", d->md);
	put_md(d->md, text, 0);
	fprintf(d->md, "](%s)", href);
	if (note) {
		fputs(": ", d->html);
		put_html(d->html, note);
		fputs(": ", d->md);
		put_md(d->md, note, 0);
	}
	fputs("</li>\n", d->html);
	fputc('\n', d->md);
}

void vl_doc_list_end(struct vl_doc *d)
{
	fputs("</ul>\n", d->html);
	fputc('\n', d->md);
}

struct entry {
	char name[256], title[512];
	time_t mtime;
};

static int newest_first(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;
	return x->mtime != y->mtime ? (x->mtime < y->mtime ? 1 : -1) : strcmp(x->name, y->name);
}

/* The text of path's <title>, entities undone, into buf ("" if none). */
static void read_title(const char *path, char *buf, size_t len)
{
	static const struct {
		const char *ent;
		char c;
	} ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&#39;", '\''}};
	char head[4096];
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(head, 1, sizeof(head) - 1, f) : 0, o = 0;

	if (f)
		fclose(f);
	head[n] = '\0';
	buf[0] = '\0';
	char *t = strstr(head, "<title>"), *end = t ? strstr(t, "</title>") : NULL;
	if (!t || !end)
		return;
	for (t += 7; t < end && o + 1 < len; t++) {
		size_t k = 0;
		while (k < sizeof(ents) / sizeof(ents[0]) && strncmp(t, ents[k].ent, strlen(ents[k].ent)))
			k++;
		if (k < sizeof(ents) / sizeof(ents[0])) {
			buf[o++] = ents[k].c;
			t += strlen(ents[k].ent) - 1;
		} else {
			buf[o++] = *t;
		}
	}
	buf[o] = '\0';
}

int vl_doc_index(const char *root, unsigned *n, struct vl_err *err)
{
	struct entry *e = NULL;
	size_t ne = 0;
	struct dirent *de;
	DIR *dir = opendir(root);
	char path[1400], html[1200];
	struct vl_doc d;
	int rc;

	*n = 0;
	if (!dir)
		return vl_err_set(err, VL_EIO, "%s: cannot list: %s", root, strerror(errno));
	while ((de = readdir(dir))) {
		struct stat st;
		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/index.html", root, de->d_name);
		if (stat(path, &st) || !S_ISREG(st.st_mode))
			continue;
		struct entry *x = realloc(e, (ne + 1) * sizeof(*e));
		if (!x) {
			closedir(dir);
			free(e);
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		}
		e = x;
		snprintf(e[ne].name, sizeof(e[ne].name), "%s", de->d_name);
		read_title(path, e[ne].title, sizeof(e[ne].title));
		e[ne++].mtime = st.st_mtime;
	}
	closedir(dir);
	qsort(e, ne, sizeof(*e), newest_first);
	snprintf(path, sizeof(path), "%s/README.md", root);
	snprintf(html, sizeof(html), "%s/index.html", root);
	if ((rc = vl_doc_open(&d, path, html, "virtlab reports", err))) {
		free(e);
		return rc;
	}
	vl_doc_para(&d, "Every report in %s, newest first. Written by virtlab after each report "
	            "or plan.", root);
	vl_doc_list(&d);
	for (size_t i = 0; i < ne; i++) {
		char href[300], note[600];
		struct tm tm;
		snprintf(href, sizeof(href), "%s/index.html", e[i].name);
		gmtime_r(&e[i].mtime, &tm);
		int k = snprintf(note, sizeof(note), "%s/, written ", e[i].name);
		strftime(note + k, sizeof(note) - (size_t)k, "%Y-%m-%d %H:%M UTC", &tm);
		vl_doc_link(&d, href, e[i].title[0] ? e[i].title : e[i].name, note);
	}
	vl_doc_list_end(&d);
	free(e);
	*n = (unsigned)ne;
	return vl_doc_close(&d, err);
}
