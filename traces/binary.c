/*
 * The binary trace form (.vlb): a header with magic, version, flags and
 * metadata, then blocks of varint-encoded events, each with its lengths,
 * event count and an XXH3 checksum, optionally zstd-compressed; an empty
 * block ends the stream. Read one block at a time: constant memory.
 * docs/trace-format.md has the byte layout.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <zstd.h>

#include "traces/trace_int.h"

#define HDR_FIXED 16
#define BLK_HDR 16
#define BLOCK_RAW 65536        /* raw bytes per block the writer aims for */
#define ZBLOCK_RAW (1u << 20)  /* the same, compressed: a larger window compresses 2-3x better */
#define BLOCK_MAX (1u << 20)   /* largest raw block a reader accepts */
#define STORED_MAX (BLOCK_MAX + 65536)
#define META_MAX 65536
#define PAD 64                 /* zero bytes after a raw block: varints stop there */
#define MAX_EVENT_BYTES 31     /* 1 + 3 varints of at most 10 bytes */
#define F_ZSTD 1u

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)v;
	p[1] = (unsigned char)(v >> 8);
	p[2] = (unsigned char)(v >> 16);
	p[3] = (unsigned char)(v >> 24);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t block_seed(uint32_t stored, uint32_t raw, uint32_t nev)
{
	return ((uint64_t)raw << 32 | stored) ^ ((uint64_t)nev * 0x9e3779b97f4a7c15ull);
}

/* Numeric fields of a kind, in encoding order: 0 = n, 1 = a, 2 = b. */
static int numeric_fields(unsigned type, uint8_t out[3])
{
	int k = 0;

	for (const char *f = vl_evdesc[type].fields; *f; f++) {
		if (*f == 'n')
			out[k++] = 0;
		else if (*f == 'a')
			out[k++] = 1;
		else if (*f == 'b')
			out[k++] = 2;
	}
	return k;
}

/* --- reading ------------------------------------------------------------ */

/* Number fields of a kind in encoding order: every kind has one of these. */
enum layout { L_BAD, L_NONE, L_N, L_A, L_AN, L_AB, L_NA, L_ANLS };

/* A bb whose first byte has bit 7 set carries its loads and stores (version 2). */
#define BB_MEM 0x80u

/* What the first byte of an encoded event says. */
struct dec {
	uint32_t type_flags; /* type | flags << 16, stored as one word */
	uint8_t layout;      /* enum layout; L_BAD for a byte no kind starts with */
	uint8_t check;       /* enum check: what vl_event_check asks of the kind */
};

/* The text reader's checks, so that both forms accept the same events. */
enum check { C_NONE, C_NONZERO_N, C_FULL };

static uint8_t check_of(unsigned type)
{
	switch (type) {
	case VL_EV_BB: return C_NONZERO_N;
	case VL_EV_IN: case VL_EV_OUT: case VL_EV_MMIO:
	case VL_EV_INT: case VL_EV_EXCEPTION: case VL_EV_IRQ: return C_FULL;
	default: return C_NONE;
	}
}

struct bin {
	struct dec tab[256];
	unsigned char *stored, *raw;
	const unsigned char *p, *end;
	uint32_t left;      /* events left in the current block */
	uint32_t nev;       /* events in the current block */
	uint64_t off;       /* file offset of the next block header */
	uint64_t block_off; /* file offset of the current block */
	ZSTD_DCtx *dctx;
	int zstd, done;
};

static enum layout layout_of(unsigned type)
{
	uint8_t f[3];
	int n = numeric_fields(type, f);

	if (n == 0)
		return L_NONE;
	if (n == 1)
		return f[0] == 0 ? L_N : L_A;
	VL_ASSERT(n == 2);
	if (f[0] == 0)
		return L_NA;
	return f[1] == 0 ? L_AN : L_AB;
}

static void build_table(struct dec *tab)
{
	memset(tab, 0, 256 * sizeof(*tab));
	for (unsigned t = 0; t < VL_EV__COUNT; t++) {
		uint16_t ff[2];
		int nflag = vl_ev_flag_fields(t, ff);
		uint16_t base = vl_evdesc[t].def_flags & (uint16_t) ~((nflag > 0 ? ff[0] : 0) |
		                                                      (nflag > 1 ? ff[1] : 0));
		if (t == VL_EV_VSWITCH)
			continue; /* never in a trace */
		for (unsigned hi = 0; hi < 4; hi++) {
			if ((hi & 1 && nflag < 1) || (hi & 2 && nflag < 2))
				continue;
			struct dec *d = &tab[t | hi << 6];
			uint16_t flags = (uint16_t)(base | (hi & 1 ? ff[0] : 0) | (hi & 2 ? ff[1] : 0));
			d->type_flags = t | (uint32_t)flags << 16;
			d->layout = (uint8_t)layout_of(t);
			d->check = check_of(t);
		}
	}
	for (unsigned hi = 0; hi < 2; hi++) {
		struct dec *d = &tab[VL_EV_BB | hi << 6 | BB_MEM];
		d->type_flags = VL_EV_BB | (uint32_t)(hi ? VL_EVF_KERNEL : 0) << 16;
		d->layout = L_ANLS;
		d->check = C_NONZERO_N;
	}
}

static int corrupt(struct vl_trace *t, uint64_t off, struct vl_err *err, const char *what)
{
	return vl_err_set(err, VL_ECORRUPT, "%s: byte %llu: %s", t->name, (unsigned long long)off,
	                  what);
}

/* Reads exactly n bytes or says how the file fell short. */
static int read_exact(struct vl_trace *t, void *buf, size_t n, uint64_t off, const char *what,
                      struct vl_err *err)
{
	size_t got = fread(buf, 1, n, t->f);

	if (got == n)
		return 0;
	if (ferror(t->f))
		return vl_err_set(err, VL_EIO, "%s: byte %llu: read error: %s", t->name,
		                  (unsigned long long)(off + got), strerror(errno));
	return vl_err_set(err, VL_ECORRUPT,
	                  "%s: byte %llu: truncated %s (%zu of %zu bytes; the file ends at byte %llu)",
	                  t->name, (unsigned long long)off, what, got, n,
	                  (unsigned long long)(off + got));
}

static int load_block(struct vl_trace *t, struct vl_err *err)
{
	struct bin *b = t->priv;
	unsigned char h[BLK_HDR];
	uint64_t off = b->off;
	size_t got = fread(h, 1, BLK_HDR, t->f);

	if (got == 0 && !ferror(t->f))
		return vl_err_set(err, VL_ECORRUPT,
		                  "%s: byte %llu: truncated trace: the end marker is missing", t->name,
		                  (unsigned long long)off);
	if (got != BLK_HDR) {
		if (ferror(t->f))
			return vl_err_set(err, VL_EIO, "%s: byte %llu: read error: %s", t->name,
			                  (unsigned long long)off, strerror(errno));
		return corrupt(t, off, err, "truncated block header");
	}
	uint32_t stored = get32(h), raw = get32(h + 4), nev = get32(h + 8), check = get32(h + 12);
	b->block_off = off;
	b->off = off + BLK_HDR + stored;

	if (stored == 0 && raw == 0 && nev == 0) {
		if ((uint32_t)XXH3_64bits_withSeed(NULL, 0, 0) != check)
			return corrupt(t, off, err, "bad end marker");
		if (fgetc(t->f) != EOF)
			return corrupt(t, off + BLK_HDR, err, "data after the end marker");
		b->done = 1;
		return 0;
	}
	if (raw > BLOCK_MAX || stored > STORED_MAX || !nev || nev > raw || !stored ||
	    (!b->zstd && stored != raw))
		return corrupt(t, off, err, "bad block header (lengths or event count)");

	unsigned char *dst = b->zstd ? b->stored : b->raw;
	if (read_exact(t, dst, stored, off + BLK_HDR, "block", err))
		return err->code;
	uint64_t hash = XXH3_64bits_withSeed(dst, stored, block_seed(stored, raw, nev));
#ifndef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION /* let the fuzzer reach the decoder */
	if ((uint32_t)hash != check)
		return corrupt(t, off, err, "block checksum mismatch");
#endif
	XXH3_64bits_update(t->hash, &hash, sizeof(hash));
	if (b->zstd) {
		size_t n = ZSTD_decompressDCtx(b->dctx, b->raw, raw, b->stored, stored);
		if (ZSTD_isError(n) || n != raw)
			return corrupt(t, off, err, "block does not decompress");
	}
	memset(b->raw + raw, 0, PAD);
	b->p = b->raw;
	b->end = b->raw + raw;
	b->left = nev;
	b->nev = nev;
	return 0;
}

/* A varint of any length; NULL if longer than 64 bits allow. */
static const unsigned char *varint_slow(const unsigned char *p, uint64_t *out)
{
	uint64_t v = *p & 0x7f, c;

	if (*p++ < 0x80) {
		*out = v;
		return p;
	}
	for (unsigned shift = 7;; shift += 7) {
		c = *p++;
		if (shift == 63 && c > 1)
			return NULL;
		v |= (c & 0x7f) << shift;
		if (c < 0x80)
			break;
		if (shift == 63)
			return NULL;
	}
	*out = v;
	return p;
}

/*
 * One varint into out. Values below 2^14 (one or two bytes: nearly all) are
 * decoded without a branch on their length, which the CPU could not
 * predict; longer ones take varint_slow. Reading a byte ahead is safe: a
 * block is followed by zero padding, and an event that ends past its block
 * is an error.
 */
#define VARINT(p, out)                                                     \
	do {                                                                   \
		uint64_t c0_ = (p)[0], c1_ = (p)[1], two_ = c0_ >> 7;              \
		if (__builtin_expect((c0_ & c1_ & 0x80) != 0, 0)) {                \
			uint64_t t_; /* keeps `out` itself in a register */            \
			if (!((p) = varint_slow((p), &t_)))                            \
				goto bad_number;                                           \
			(out) = t_;                                                    \
		} else {                                                           \
			(out) = (c0_ & 0x7f) | ((c1_ << 7) & (0 - two_));              \
			(p) += 1 + two_;                                               \
		}                                                                  \
	} while (0)

/* A count: almost always a single byte, so a predictable branch; at most 2^32-1. */
#define VARINT1(p, out)                                                    \
	do {                                                                   \
		if (__builtin_expect((p)[0] < 0x80, 1)) {                          \
			(out) = *(p)++;                                                \
		} else {                                                           \
			uint64_t t_;                                                   \
			if (!((p) = varint_slow((p), &t_)))                            \
				goto bad_number;                                           \
			if (t_ > UINT32_MAX)                                           \
				goto bad_count;                                            \
			(out) = t_;                                                    \
		}                                                                  \
	} while (0)

/*
 * The hot loop: a table lookup on the first byte, then the kind's numbers.
 * Operands (ids, addresses) take one or two bytes unpredictably: VARINT;
 * counts nearly always one: VARINT1.
 */
static long bin_read(struct vl_trace *t, struct vl_event *buf, size_t max, struct vl_err *err)
{
	struct bin *b = t->priv;
	const struct dec *tab = b->tab;
	size_t k = 0;

	while (k < max) {
		if (!b->left) {
			if (b->p != b->end)
				return corrupt(t, b->block_off, err, "block has bytes after its last event");
			if (b->done)
				break;
			if (load_block(t, err))
				return err->code;
			if (b->done)
				break;
		}
		size_t m = max - k < b->left ? max - k : b->left;
		const unsigned char *p = b->p, *end = b->end;
		struct vl_event *ev = buf + k, *stop = ev + m;
		for (; ev < stop; ev++) {
			const struct dec *d = &tab[*p++];
			uint64_t n = 0, a = 0, x = 0;
			unsigned layout = d->layout;
			/* the commonest layouts first: blocks (a, n [, loads, stores]), runs (n) */
			if (__builtin_expect(layout == L_AN || layout == L_ANLS, 1)) {
				VARINT(p, a);
				VARINT1(p, n);
				if (layout == L_ANLS) {
					uint64_t ld, st;
					VARINT1(p, ld);
					VARINT1(p, st);
					x = ld | st << 32;
				}
			} else if (layout == L_N) {
				VARINT1(p, n);
			} else {
				switch (layout) {
				case L_NONE: break;
				case L_A: VARINT(p, a); break;
				case L_AB: VARINT(p, a); VARINT(p, x); break;
				case L_NA: VARINT1(p, n); VARINT(p, a); break;
				default: return corrupt(t, b->block_off, err, "unknown event kind in block");
				}
			}
			if (__builtin_expect(p > end, 0))
				return corrupt(t, b->block_off, err, "event runs past the end of its block");
			ev->type = (uint16_t)d->type_flags;
			ev->flags = (uint16_t)(d->type_flags >> 16);
			ev->n = (uint32_t)n;
			ev->a = a;
			ev->b = x;
			if (__builtin_expect(d->check != C_NONE, 0)) {
				const char *why = "a basic block has at least one instruction";
				if (d->check == C_NONZERO_N ? !n : vl_event_check(ev, &why) != 0)
					return vl_err_set(err, VL_ECORRUPT, "%s: byte %llu: event %u of the "
					                  "block: '%s': %s", t->name,
					                  (unsigned long long)b->block_off,
					                  b->nev - b->left + (unsigned)(ev - buf - k) + 1,
					                  vl_ev_name(ev->type), why);
			}
		}
		b->p = p;
		b->left -= (uint32_t)m;
		k += m;
	}
	return (long)k;

bad_number:
	return corrupt(t, b->block_off, err, "overlong number in block");
bad_count:
	return corrupt(t, b->block_off, err, "count out of range in block");
}

static void bin_release(struct vl_trace *t)
{
	struct bin *b = t->priv;

	if (!b)
		return;
	ZSTD_freeDCtx(b->dctx);
	free(b->stored);
	free(b->raw);
	free(b);
}

static const struct reader_ops bin_reader_ops = {bin_read, bin_release};

static int parse_meta(struct vl_trace *t, char *s, size_t len, struct vl_err *err)
{
	char *end = s + len;

	while (s < end) {
		char *nl = memchr(s, '\n', (size_t)(end - s));
		char *eq = memchr(s, '=', (size_t)(end - s));
		if (!nl || !eq || eq > nl)
			return corrupt(t, HDR_FIXED, err, "malformed metadata");
		*nl = *eq = '\0';
		if (vl_meta_set(&t->meta, s, eq + 1, err))
			return vl_err_prefix(err, "%s: byte %d", t->name, HDR_FIXED);
		s = nl + 1;
	}
	return 0;
}

int vl_binary_open(struct vl_trace *t, struct vl_err *err)
{
	struct bin *b = calloc(1, sizeof(*b));
	unsigned char h[HDR_FIXED], c[4];
	char *meta = NULL;

	if (!b)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	t->priv = b;
	t->ops = &bin_reader_ops;
	if (read_exact(t, h, HDR_FIXED, 0, "header", err))
		goto out_fail;
	unsigned version = h[8] | h[9] << 8, flags = h[10] | h[11] << 8;
	uint32_t mlen = get32(h + 12);
	if (version < 1 || version > VL_VLB_VERSION) {
		vl_err_set(err, VL_EVERSION,
		           "%s: byte 8: binary trace version %u is not supported (this build reads "
		           "versions 1 to %d)", t->name, version, VL_VLB_VERSION);
		goto out_fail;
	}
	if (flags & ~F_ZSTD) {
		vl_err_set(err, VL_ECORRUPT, "%s: byte 10: unknown flags 0x%x", t->name, flags);
		goto out_fail;
	}
	if (mlen > META_MAX) {
		corrupt(t, 12, err, "metadata length too large");
		goto out_fail;
	}
	meta = malloc(mlen + 1);
	if (!meta) {
		vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out_fail;
	}
	if (read_exact(t, meta, mlen, HDR_FIXED, "metadata", err) ||
	    read_exact(t, c, 4, HDR_FIXED + mlen, "header checksum", err))
		goto out_fail;
	XXH3_state_t *hs = XXH3_createState();
	if (!hs) {
		vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out_fail;
	}
	XXH3_64bits_reset(hs);
	XXH3_64bits_update(hs, h, HDR_FIXED);
	XXH3_64bits_update(hs, meta, mlen);
	uint64_t hh = XXH3_64bits_digest(hs);
	XXH3_freeState(hs);
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	hh = get32(c);
#endif
	if ((uint32_t)hh != get32(c)) {
		corrupt(t, HDR_FIXED + mlen, err, "header checksum mismatch");
		goto out_fail;
	}
	XXH3_64bits_update(t->hash, &hh, sizeof(hh));
	if (parse_meta(t, meta, mlen, err))
		goto out_fail;
	free(meta);
	meta = NULL;

	b->zstd = !!(flags & F_ZSTD);
	b->off = HDR_FIXED + mlen + 4;
	b->raw = malloc(BLOCK_MAX + PAD);
	b->stored = b->zstd ? malloc(STORED_MAX) : NULL;
	b->dctx = b->zstd ? ZSTD_createDCtx() : NULL;
	if (!b->raw || (b->zstd && (!b->stored || !b->dctx))) {
		vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out_fail;
	}
	b->p = b->end = b->raw;
	build_table(b->tab);
	return 0;

out_fail:
	free(meta);
	bin_release(t);
	t->priv = NULL;
	t->ops = NULL;
	return err->code;
}

/* --- writing ------------------------------------------------------------ */

struct binw {
	unsigned char *raw, *stored;
	size_t len, stored_cap, block_raw;
	uint32_t nev;
	int level; /* zstd's */
	ZSTD_CCtx *cctx;
};

static inline unsigned char *put_varint(unsigned char *p, uint64_t v)
{
	while (v >= 0x80) {
		*p++ = (unsigned char)(v | 0x80);
		v >>= 7;
	}
	*p++ = (unsigned char)v;
	return p;
}

static int write_block(struct vl_writer *w, const void *data, uint32_t stored, uint32_t raw,
                       uint32_t nev, struct vl_err *err)
{
	unsigned char h[BLK_HDR];

	put32(h, stored);
	put32(h + 4, raw);
	put32(h + 8, nev);
	put32(h + 12, (uint32_t)XXH3_64bits_withSeed(data, stored, block_seed(stored, raw, nev)));
	if (fwrite(h, 1, BLK_HDR, w->f) != BLK_HDR ||
	    (stored && fwrite(data, 1, stored, w->f) != stored))
		return vl_err_set(err, VL_EIO, "%s: write error: %s", w->path, strerror(errno));
	return 0;
}

static int flush_block(struct vl_writer *w, struct vl_err *err)
{
	struct binw *b = w->priv;
	const void *data = b->raw;
	size_t stored = b->len;

	if (!b->nev)
		return 0;
	if (b->cctx) {
		stored = ZSTD_compressCCtx(b->cctx, b->stored, b->stored_cap, b->raw, b->len, b->level);
		if (ZSTD_isError(stored))
			return vl_err_set(err, VL_EIO, "%s: zstd: %s", w->path, ZSTD_getErrorName(stored));
		data = b->stored;
	}
	int rc = write_block(w, data, (uint32_t)stored, (uint32_t)b->len, b->nev, err);
	b->len = 0;
	b->nev = 0;
	return rc;
}

static int bin_put(struct vl_writer *w, const struct vl_event *ev, size_t n, struct vl_err *err)
{
	struct binw *b = w->priv;

	for (size_t i = 0; i < n; i++) {
		if (b->len + MAX_EVENT_BYTES > b->block_raw && flush_block(w, err))
			return err->code;
		const struct vl_event *e = &ev[i];
		uint16_t ff[2];
		int nflag = vl_ev_flag_fields(e->type, ff);
		unsigned char *p = b->raw + b->len;
		unsigned hi = (nflag > 0 && (e->flags & ff[0]) ? 1u : 0u) |
		              (nflag > 1 && (e->flags & ff[1]) ? 2u : 0u);
		int mem = e->type == VL_EV_BB && e->b;
		*p++ = (unsigned char)(e->type | hi << 6 | (mem ? BB_MEM : 0));
		uint8_t f[3];
		int nf = numeric_fields(e->type, f);
		for (int j = 0; j < nf; j++)
			p = put_varint(p, f[j] == 0 ? e->n : f[j] == 1 ? e->a : e->b);
		if (mem) {
			p = put_varint(p, vl_bb_loads(e));
			p = put_varint(p, vl_bb_stores(e));
		}
		b->len = (size_t)(p - b->raw);
		b->nev++;
	}
	return 0;
}

static int bin_finish(struct vl_writer *w, struct vl_err *err)
{
	if (flush_block(w, err))
		return err->code;
	return write_block(w, NULL, 0, 0, 0, err);
}

static void bin_wrelease(struct vl_writer *w)
{
	struct binw *b = w->priv;

	if (!b)
		return;
	ZSTD_freeCCtx(b->cctx);
	free(b->raw);
	free(b->stored);
	free(b);
}

static const struct writer_ops bin_writer_ops = {bin_put, bin_finish, bin_wrelease};

int vl_binary_writer(struct vl_writer *w, unsigned flags, const struct vl_meta *meta,
                     struct vl_err *err)
{
	struct binw *b = calloc(1, sizeof(*b));
	unsigned char h[HDR_FIXED], c[4];
	char mbuf[VL_META_MAX * 300];
	size_t mlen = 0;

	if (!b)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	w->priv = b;
	w->ops = &bin_writer_ops;
	b->block_raw = flags & VL_W_ZSTD ? ZBLOCK_RAW : BLOCK_RAW;
	b->level = flags & VL_W_ZSTD_MAX ? 19 : 3;
	b->raw = malloc(b->block_raw);
	if (flags & VL_W_ZSTD) {
		b->stored_cap = ZSTD_compressBound(b->block_raw);
		b->stored = malloc(b->stored_cap);
		b->cctx = ZSTD_createCCtx();
	}
	if (!b->raw || ((flags & VL_W_ZSTD) && (!b->stored || !b->cctx)))
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	for (unsigned i = 0; meta && i < meta->n; i++)
		mlen += (size_t)snprintf(mbuf + mlen, sizeof(mbuf) - mlen, "%s=%s\n", meta->key[i],
		                         meta->value[i]);
	memcpy(h, vl_vlb_magic, 8);
	h[8] = VL_VLB_VERSION & 0xff;
	h[9] = VL_VLB_VERSION >> 8;
	h[10] = (flags & VL_W_ZSTD) ? F_ZSTD : 0;
	h[11] = 0;
	put32(h + 12, (uint32_t)mlen);
	XXH3_state_t *hs = XXH3_createState();
	if (!hs)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	XXH3_64bits_reset(hs);
	XXH3_64bits_update(hs, h, HDR_FIXED);
	XXH3_64bits_update(hs, mbuf, mlen);
	put32(c, (uint32_t)XXH3_64bits_digest(hs));
	XXH3_freeState(hs);
	if (fwrite(h, 1, HDR_FIXED, w->f) != HDR_FIXED || fwrite(mbuf, 1, mlen, w->f) != mlen ||
	    fwrite(c, 1, 4, w->f) != 4)
		return vl_err_set(err, VL_EIO, "%s: write error: %s", w->path, strerror(errno));
	return 0;
}
