/*
 * A document written as Markdown and as HTML at once, so that a report
 * reads the same on a repository page and in a browser: headings,
 * paragraphs, a picture, tables. Text is escaped for each format here.
 */
#ifndef VL_DOC_H
#define VL_DOC_H

#include <stdio.h>

#include "sim/err.h"

struct vl_doc {
	FILE *md, *html; /* owned between vl_doc_open and vl_doc_close */
	int failed;      /* a write failed: vl_doc_close reports it */
	char align[32];  /* the current table's column alignment */
	char md_path[1024], html_path[1024];
};

/*
 * Creates md_path and html_path (the caller's struct d) and writes the
 * title as their first heading. 0, or VL_EIO with err set (nothing open).
 */
int vl_doc_open(struct vl_doc *d, const char *md_path, const char *html_path, const char *title,
                struct vl_err *err);

/* A heading of level 2 or 3. */
void vl_doc_heading(struct vl_doc *d, int level, const char *text);

/* A paragraph of plain text (printf format; the result is escaped). */
void vl_doc_para(struct vl_doc *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* A picture: png shown, svg (may be NULL) linked from it; alt describes it. */
void vl_doc_image(struct vl_doc *d, const char *png, const char *svg, const char *alt);

/*
 * A table of ncols columns: head[ncols] names, align a string of ncols
 * letters ('l' or 'r'); then rows of ncols cells, then vl_doc_table_end.
 */
void vl_doc_table(struct vl_doc *d, int ncols, const char *const head[], const char *align);
void vl_doc_row(struct vl_doc *d, int ncols, const char *const cells[]);
void vl_doc_table_end(struct vl_doc *d);

/* A bulleted list of links: begin, items (text escaped; note may be NULL), end. */
void vl_doc_list(struct vl_doc *d);
void vl_doc_link(struct vl_doc *d, const char *href, const char *text, const char *note);
void vl_doc_list_end(struct vl_doc *d);

/*
 * Writes root/index.html and root/README.md listing every report below
 * root (each root/NAME/index.html, with its <title>), newest first: the
 * page to open after `make run` or a lab. *n is the number listed.
 * 0, or VL_EIO with err set.
 */
int vl_doc_index(const char *root, unsigned *n, struct vl_err *err);

/* Closes both files; 0, or VL_EIO when any write failed. */
int vl_doc_close(struct vl_doc *d, struct vl_err *err);

#endif
