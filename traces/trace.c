/*
 * Format-independent parts of trace reading and writing: opening (telling
 * text from binary by the magic), metadata, the simulator source adapter.
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "traces/trace_int.h"

const unsigned char vl_vlb_magic[8] = {'V', 'L', 'T', 'R', 'A', 'C', 'E', 0x1a};

int vl_meta_set(struct vl_meta *m, const char *key, const char *value, struct vl_err *err)
{
	size_t kl = strlen(key);

	if (!kl || kl >= sizeof(m->key[0]))
		return vl_err_set(err, VL_EINVAL, "metadata key '%s' must have 1 to %zu characters",
		                  key, sizeof(m->key[0]) - 1);
	for (size_t i = 0; i < kl; i++)
		if (!isalnum((unsigned char)key[i]) && key[i] != '_' && key[i] != '.' && key[i] != '-')
			return vl_err_set(err, VL_EINVAL,
			                  "metadata key '%s': only letters, digits, '_', '.', '-'", key);
	if (strlen(value) >= sizeof(m->value[0]))
		return vl_err_set(err, VL_EINVAL, "metadata '%s': value longer than %zu characters",
		                  key, sizeof(m->value[0]) - 1);
	if (strchr(value, '\n'))
		return vl_err_set(err, VL_EINVAL, "metadata '%s': value has a newline", key);
	for (unsigned i = 0; i < m->n; i++) {
		if (strcmp(m->key[i], key) == 0) {
			strcpy(m->value[i], value);
			return 0;
		}
	}
	if (m->n == VL_META_MAX)
		return vl_err_set(err, VL_EINVAL, "more than %d metadata entries", VL_META_MAX);
	strcpy(m->key[m->n], key);
	strcpy(m->value[m->n], value);
	m->n++;
	return 0;
}

const char *vl_meta_get(const struct vl_meta *m, const char *key)
{
	for (unsigned i = 0; i < m->n; i++)
		if (strcmp(m->key[i], key) == 0)
			return m->value[i];
	return NULL;
}

int vl_ev_flag_fields(unsigned type, uint16_t out[2])
{
	int k = 0;

	for (const char *f = vl_evdesc[type].fields; *f; f++) {
		uint16_t fl = 0;
		switch (*f) {
		case 'm': fl = VL_EVF_KERNEL; break;
		case 'w': case 'd': fl = VL_EVF_WRITE; break;
		case 's': fl = VL_EVF_ASYNC; break;
		case 'p': fl = VL_EVF_P_OLD; break;
		case 'q': fl = VL_EVF_P_NEW; break;
		}
		if (fl) {
			VL_ASSERT(k < 2);
			out[k++] = fl;
		}
	}
	return k;
}

int vl_trace_open_stream(struct vl_trace **out, FILE *f, const char *name, int own,
                         struct vl_err *err)
{
	struct vl_trace *t = calloc(1, sizeof(*t));
	unsigned char head[8];
	int rc;

	if (!t) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out_close;
	}
	t->f = f;
	t->own = own;
	snprintf(t->name, sizeof(t->name), "%s", name);
	t->hash = XXH3_createState();
	if (!t->hash) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out_free;
	}
	XXH3_64bits_reset(t->hash);
	size_t got = fread(head, 1, sizeof(head), f);
	if (ferror(f)) {
		rc = vl_err_set(err, VL_EIO, "%s: %s", name, strerror(errno));
		goto out_free;
	}
	if (fseek(f, 0, SEEK_SET) != 0) {
		rc = vl_err_set(err, VL_EIO, "%s: cannot seek (a regular file is needed)", name);
		goto out_free;
	}
	if (got == sizeof(head) && memcmp(head, vl_vlb_magic, sizeof(head)) == 0) {
		t->fmt = VL_TFMT_BINARY;
		rc = vl_binary_open(t, err);
	} else {
		t->fmt = VL_TFMT_TEXT;
		rc = vl_text_open(t, err);
	}
	if (rc)
		goto out_free;
	*out = t;
	return 0;

out_free:
	if (t->hash)
		XXH3_freeState(t->hash);
	free(t);
out_close:
	if (own)
		fclose(f);
	return rc;
}

int vl_trace_open(struct vl_trace **t, const char *path, struct vl_err *err)
{
	struct stat st;

	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode))
		return vl_err_set(err, VL_EINVAL, "%s: not a regular file", path);
	FILE *f = fopen(path, "rb");
	if (!f)
		return vl_err_set(err, errno == ENOENT ? VL_EINVAL : VL_EIO, "%s: cannot open: %s",
		                  path, strerror(errno));
	return vl_trace_open_stream(t, f, path, 1, err);
}

long vl_trace_read(struct vl_trace *t, struct vl_event *buf, size_t max, struct vl_err *err)
{
	return t->ops->read(t, buf, max, err);
}

const struct vl_meta *vl_trace_meta(const struct vl_trace *t)
{
	return &t->meta;
}

enum vl_tfmt vl_trace_format(const struct vl_trace *t)
{
	return t->fmt;
}

const char *vl_trace_name(const struct vl_trace *t)
{
	return t->name;
}

uint64_t vl_trace_hash(const struct vl_trace *t)
{
	return XXH3_64bits_digest(t->hash);
}

void vl_trace_close(struct vl_trace *t)
{
	if (!t)
		return;
	if (t->ops && t->ops->release)
		t->ops->release(t);
	if (t->own && t->f)
		fclose(t->f);
	XXH3_freeState(t->hash);
	free(t);
}

static long source_read(void *ctx, struct vl_event *buf, size_t max, struct vl_err *err)
{
	return vl_trace_read(ctx, buf, max, err);
}

struct vl_source vl_trace_source(struct vl_trace *t)
{
	return (struct vl_source){source_read, t};
}

/* --- writing ------------------------------------------------------------ */

enum vl_tfmt vl_tfmt_from_path(const char *path)
{
	size_t n = strlen(path);

	if ((n >= 4 && strcmp(path + n - 4, ".vlb") == 0) ||
	    (n >= 8 && strcmp(path + n - 8, ".vlb.zst") == 0))
		return VL_TFMT_BINARY;
	return VL_TFMT_TEXT;
}

int vl_writer_open(struct vl_writer **out, const char *path, enum vl_tfmt fmt, unsigned flags,
                   const struct vl_meta *meta, struct vl_err *err)
{
	struct vl_writer *w = calloc(1, sizeof(*w));
	int rc;

	if (!w)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	snprintf(w->path, sizeof(w->path), "%s", path);
	if (strcmp(path, "-") == 0) {
		w->f = stdout;
		w->is_stdout = 1;
	} else {
		struct stat st;
		if (stat(path, &st) != 0 || S_ISREG(st.st_mode))
			snprintf(w->tmp, sizeof(w->tmp), "%s.tmp", path);
		w->f = fopen(w->tmp[0] ? w->tmp : path, "wb");
		if (!w->f) {
			rc = vl_err_set(err, VL_EIO, "%s: cannot create: %s", w->tmp[0] ? w->tmp : path,
			                strerror(errno));
			free(w);
			return rc;
		}
	}
	rc = fmt == VL_TFMT_BINARY ? vl_binary_writer(w, flags, meta, err)
	                           : vl_text_writer(w, meta, err);
	if (rc) {
		vl_writer_abort(w);
		return rc;
	}
	*out = w;
	return 0;
}

int vl_event_check(const struct vl_event *ev, const char **why)
{
	switch (ev->type) {
	case VL_EV_BB:
		if (!ev->n) {
			*why = "a basic block has at least one instruction";
			return -1;
		}
		break;
	case VL_EV_IN:
	case VL_EV_OUT:
		if (ev->n != 1 && ev->n != 2 && ev->n != 4) {
			*why = "port I/O size must be 1, 2 or 4";
			return -1;
		}
		if (ev->a > 0xffff) {
			*why = "port must be at most 0xffff";
			return -1;
		}
		break;
	case VL_EV_MMIO:
		if (ev->n != 1 && ev->n != 2 && ev->n != 4 && ev->n != 8) {
			*why = "MMIO size must be 1, 2, 4 or 8";
			return -1;
		}
		break;
	case VL_EV_INT:
	case VL_EV_EXCEPTION:
	case VL_EV_IRQ:
		if (ev->a > 255) {
			*why = "vector must be at most 255";
			return -1;
		}
		break;
	}
	return 0;
}

int vl_writer_put(struct vl_writer *w, const struct vl_event *ev, size_t n, struct vl_err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (ev[i].type >= VL_EV__COUNT)
			return vl_err_set(err, VL_EINVAL, "%s: event kind %u does not exist", w->path,
			                  ev[i].type);
		if (ev[i].flags & ~vl_ev_flag_mask(ev[i].type))
			return vl_err_set(err, VL_EINVAL, "%s: event '%s' cannot carry flags 0x%x",
			                  w->path, vl_ev_name(ev[i].type), ev[i].flags);
		const char *why;
		if (ev[i].type == VL_EV_VSWITCH || (ev[i].flags & VL_EVF_SYNTH))
			return vl_err_set(err, VL_EINVAL, "%s: event '%s' is made by the simulator, never "
			                  "written to a trace", w->path, vl_ev_name(ev[i].type));
		if (vl_event_check(&ev[i], &why))
			return vl_err_set(err, VL_EINVAL, "%s: '%s': %s", w->path, vl_ev_name(ev[i].type),
			                  why);
	}
	return w->ops->put(w, ev, n, err);
}

static void writer_free(struct vl_writer *w)
{
	if (w->ops && w->ops->release)
		w->ops->release(w);
	free(w);
}

int vl_writer_close(struct vl_writer *w, struct vl_err *err)
{
	int rc = w->ops->finish(w, err);

	if (!w->is_stdout) {
		if (fclose(w->f) != 0 && !rc)
			rc = vl_err_set(err, VL_EIO, "%s: %s", w->path, strerror(errno));
	} else if (fflush(w->f) != 0 && !rc) {
		rc = vl_err_set(err, VL_EIO, "standard output: %s", strerror(errno));
	}
	if (w->tmp[0]) {
		if (!rc && rename(w->tmp, w->path) != 0)
			rc = vl_err_set(err, VL_EIO, "%s: cannot rename to '%s': %s", w->tmp, w->path,
			                strerror(errno));
		if (rc)
			unlink(w->tmp);
	}
	writer_free(w);
	return rc;
}

void vl_writer_abort(struct vl_writer *w)
{
	if (!w->is_stdout)
		fclose(w->f);
	if (w->tmp[0])
		unlink(w->tmp);
	writer_free(w);
}
