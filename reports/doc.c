/*
 * The Markdown+HTML document writer: each call writes both files, the HTML
 * one a self-contained page (inline style, no scripts).
 */
#include <errno.h>
#include <stdarg.h>
#include <string.h>

#include "reports/doc.h"

/* s for HTML text and attributes. */
static void put_html(FILE *f, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", f); break;
		case '<': fputs("&lt;", f); break;
		case '>': fputs("&gt;", f); break;
		case '"': fputs("&quot;", f); break;
		case '\'': fputs("&#39;", f); break;
		default: fputc(*s, f);
		}
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
