/*
 * Binary traces: lossless round trips through both forms, with and without
 * zstd, and a clear error with the byte offset for every truncation and
 * every corrupted byte.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/rng.h"
#include "tests/util.h"
#include "traces/trace.h"
#include "traces/trace_int.h"

/* A valid random event of every kind, with numbers of every magnitude. */
static void random_events(struct vl_event *ev, size_t n, uint64_t seed)
{
	gsl_rng *r = vl_rng_new(seed, 0, 1);

	for (size_t i = 0; i < n; i++) {
		unsigned type;
		do
			type = (unsigned)gsl_rng_uniform_int(r, VL_EV__COUNT);
		while (type == VL_EV_VSWITCH);
		const struct vl_evdesc *d = &vl_evdesc[type];
		struct vl_event e = {(uint16_t)type, d->def_flags, 0, 0, 0};
		unsigned shift = (unsigned)gsl_rng_uniform_int(r, 64);
		uint64_t big = ((uint64_t)gsl_rng_get(r) << 32 | gsl_rng_get(r)) >> shift;
		for (const char *f = d->fields; *f; f++) {
			switch (*f) {
			case 'n': e.n = (uint32_t)(big >> 3) | 1; break;
			case 'a': e.a = big; break;
			case 'b': e.b = ~big; break;
			}
		}
		/* Keep the constraints of the text form. */
		if (type == VL_EV_IN || type == VL_EV_OUT) {
			e.n = 1u << gsl_rng_uniform_int(r, 3);
			e.a &= 0xffff;
		}
		if (type == VL_EV_MMIO)
			e.n = 1u << gsl_rng_uniform_int(r, 4);
		if (type == VL_EV_INT || type == VL_EV_EXCEPTION || type == VL_EV_IRQ)
			e.a &= 0xff;
		uint16_t mask = vl_ev_flag_mask(type) & (uint16_t)~d->def_flags;
		e.flags |= (uint16_t)(gsl_rng_get(r) & mask);
		if (strchr(d->fields, 'm') && gsl_rng_uniform(r) < 0.5)
			e.flags ^= VL_EVF_KERNEL;
		ev[i] = e;
	}
	gsl_rng_free(r);
}

static void write_trace(const char *path, enum vl_tfmt fmt, unsigned flags,
                        const struct vl_event *ev, size_t n)
{
	struct vl_writer *w;
	struct vl_err err = {0};
	struct vl_meta m = {0};

	vl_meta_set(&m, "name", "roundtrip", &err);
	vl_meta_set(&m, "source", "tests", &err);
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, path, fmt, flags, &m, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_put(w, ev, n, &err), 0);
	CU_ASSERT_EQUAL_FATAL(vl_writer_close(w, &err), 0);
}

static int same_events(const struct vl_event *a, const struct vl_event *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i].type != b[i].type || a[i].flags != b[i].flags || a[i].n != b[i].n ||
		    a[i].a != b[i].a || a[i].b != b[i].b) {
			fprintf(stderr, "\n  event %zu differs: %s %x %u %llu %llu vs %s %x %u %llu %llu\n", i,
			        vl_ev_name(a[i].type), a[i].flags, a[i].n, (unsigned long long)a[i].a,
			        (unsigned long long)a[i].b, vl_ev_name(b[i].type), b[i].flags, b[i].n,
			        (unsigned long long)b[i].a, (unsigned long long)b[i].b);
			return 0;
		}
	}
	return 1;
}

static void roundtrip(unsigned flags)
{
	enum { N = 100000 }; /* several blocks */
	struct vl_event *ev = malloc(N * sizeof(*ev)), *back = malloc(N * sizeof(*back));
	struct vl_err err = {0};
	const char *bin = t_path("rt.vlb"), *txt = t_path("rt.vlt"), *bin2 = t_path("rt2.vlb");

	random_events(ev, N, 42 + flags);
	write_trace(bin, VL_TFMT_BINARY, flags, ev, N);
	CU_ASSERT_EQUAL(t_read_all(bin, back, N, &err), N);
	CU_ASSERT(same_events(ev, back, N));

	/* binary -> text -> binary: the same events and metadata again */
	write_trace(txt, VL_TFMT_TEXT, 0, back, N);
	CU_ASSERT_EQUAL(t_read_all(txt, back, N, &err), N);
	CU_ASSERT(same_events(ev, back, N));
	write_trace(bin2, VL_TFMT_BINARY, flags, back, N);
	memset(back, 0, N * sizeof(*back));
	CU_ASSERT_EQUAL(t_read_all(bin2, back, N, &err), N);
	CU_ASSERT(same_events(ev, back, N));

	struct vl_trace *t;
	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, bin2, &err), 0);
	CU_ASSERT_EQUAL(vl_trace_format(t), VL_TFMT_BINARY);
	CU_ASSERT_STRING_EQUAL(vl_meta_get(vl_trace_meta(t), "name"), "roundtrip");
	vl_trace_close(t);
	free(ev);
	free(back);
}

static void test_binary_roundtrip_plain(void)
{
	roundtrip(0);
}

static void test_binary_roundtrip_zstd(void)
{
	roundtrip(VL_W_ZSTD);
}

static void test_binary_writer_refuses_bad_flags(void)
{
	struct vl_writer *w;
	struct vl_err err = {0};
	struct vl_event bad = {VL_EV_SYSRET, VL_EVF_KERNEL | VL_EVF_WRITE, 0, 0, 0};

	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, t_path("bad.vlb"), VL_TFMT_BINARY, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_put(w, &bad, 1, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "'sysret' cannot carry flags");
	vl_writer_abort(w);
}

/* A regular file is replaced whole or not at all; a FIFO is written in place
 * and stays a FIFO (a device given as -o must never be renamed over). */
static void test_writer_replaces_whole_or_not_at_all(void)
{
	struct vl_writer *w;
	struct vl_err err = {0};
	struct vl_event ev = {VL_EV_BB, 0, 7, 0x1000, 0};
	struct stat st;
	const char *old = t_write("keep.vlt", "vlt 1\nbb 1 0x10\n"), *fifo = t_path("pipe.vlt");
	char tmp[1100];

	snprintf(tmp, sizeof(tmp), "%s.tmp", old);
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, old, VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_put(w, &ev, 1, &err), 0);
	CU_ASSERT_EQUAL(access(tmp, F_OK), 0);
	vl_writer_abort(w);
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	CU_ASSERT_EQUAL(stat(old, &st), 0);
	CU_ASSERT_EQUAL(st.st_size, 16); /* the old trace, untouched */
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, old, VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_put(w, &ev, 1, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_close(w, &err), 0);
	CU_ASSERT_NOT_EQUAL(access(tmp, F_OK), 0);
	CU_ASSERT_EQUAL(stat(old, &st), 0);
	CU_ASSERT(st.st_size > 16);

	unlink(fifo);
	CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
	pid_t pid = fork();
	if (pid == 0) { /* the reader: exit 0 when it saw the event */
		char buf[4096];
		FILE *f = fopen(fifo, "r");
		size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
		buf[n] = 0;
		_exit(strstr(buf, "\nbb 4096 7 ") ? 0 : 1);
	}
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, fifo, VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_put(w, &ev, 1, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_close(w, &err), 0);
	int status = -1;
	CU_ASSERT_EQUAL(waitpid(pid, &status, 0), pid);
	CU_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	CU_ASSERT_EQUAL(stat(fifo, &st), 0);
	CU_ASSERT(S_ISFIFO(st.st_mode));
	unlink(fifo);
}

static unsigned char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	fseek(f, 0, SEEK_END);
	*len = (size_t)ftell(f);
	fseek(f, 0, SEEK_SET);
	unsigned char *b = malloc(*len);
	CU_ASSERT_EQUAL(fread(b, 1, *len, f), *len);
	fclose(f);
	return b;
}

static void spill(const char *path, const unsigned char *b, size_t len)
{
	FILE *f = fopen(path, "wb");
	fwrite(b, 1, len, f);
	fclose(f);
}

/* A small binary trace of two blocks plus the end marker. */
static unsigned char *small_trace(size_t *len, unsigned flags)
{
	enum { N = 30000 };
	static struct vl_event ev[N];
	const char *p = t_path("small.vlb");

	random_events(ev, N, 7);
	write_trace(p, VL_TFMT_BINARY, flags, ev, N);
	return slurp(p, len);
}

static void test_binary_every_truncation_fails(void)
{
	size_t len;
	unsigned char *b = small_trace(&len, 0);
	static struct vl_event ev[40000];
	const char *p = t_path("trunc.vlb");
	int silent = 0;

	/* Every cut, including inside headers and blocks, is an error. */
	for (size_t cut = 8; cut < len; cut += (cut < 200 || len - cut < 200) ? 1 : 997) {
		struct vl_err err = {0};
		spill(p, b, cut);
		long n = t_read_all(p, ev, 40000, &err);
		if (n >= 0 || !strstr(err.msg, "byte ")) {
			silent++;
			fprintf(stderr, "\n  cut at %zu: %ld, '%s'\n", cut, n, err.msg);
		}
	}
	CU_ASSERT_EQUAL(silent, 0);
	struct vl_err err = {0};
	spill(p, b, len - 3);
	CU_ASSERT(t_read_all(p, ev, 40000, &err) < 0);
	T_ASSERT_STR_CONTAINS(err.msg, "trunc.vlb: byte ");
	free(b);
}

static void test_binary_every_corrupt_byte_fails(void)
{
	size_t len;
	unsigned char *b = small_trace(&len, VL_W_ZSTD);
	static struct vl_event ev[40000];
	const char *p = t_path("flip.vlb");
	int silent = 0;

	for (size_t i = 8; i < len; i += (i < 300 || len - i < 300) ? 1 : 101) {
		struct vl_err err = {0};
		b[i] ^= 0x41;
		spill(p, b, len);
		b[i] ^= 0x41;
		long n = t_read_all(p, ev, 40000, &err);
		if (n >= 0 || !strstr(err.msg, "byte ")) {
			silent++;
			fprintf(stderr, "\n  flip at %zu: %ld, '%s'\n", i, n, err.msg);
		}
	}
	CU_ASSERT_EQUAL(silent, 0);
	free(b);
}

static void test_binary_wrong_version(void)
{
	size_t len;
	unsigned char *b = small_trace(&len, 0);
	struct vl_err err = {0};
	static struct vl_event ev[40000];

	b[8] = 9;
	spill(t_path("v9.vlb"), b, len);
	CU_ASSERT(t_read_all(t_path("v9.vlb"), ev, 40000, &err) < 0);
	CU_ASSERT_EQUAL(err.code, VL_EVERSION);
	T_ASSERT_STR_CONTAINS(err.msg, "v9.vlb: byte 8: binary trace version 9 is not supported");
	free(b);
}

static void test_binary_trailing_garbage(void)
{
	size_t len;
	unsigned char *b = small_trace(&len, 0);
	struct vl_err err = {0};
	static struct vl_event ev[40000];

	b = realloc(b, len + 1);
	b[len] = 'x';
	spill(t_path("tail.vlb"), b, len + 1);
	CU_ASSERT(t_read_all(t_path("tail.vlb"), ev, 40000, &err) < 0);
	T_ASSERT_STR_CONTAINS(err.msg, "data after the end marker");
	free(b);
}

/* A binary trace of one block holding the raw event bytes ev[0..n), checksums right. */
static void raw_trace(const char *path, const unsigned char *ev, uint32_t n, uint32_t nev)
{
	unsigned char b[256];
	size_t k = 0;
	uint64_t h;

	memcpy(b, vl_vlb_magic, 8);
	b[8] = 2, b[9] = 0, b[10] = 0, b[11] = 0; /* version 2, no zstd */
	memset(b + 12, 0, 4);                     /* no metadata */
	h = XXH3_64bits(b, 16);
	k = 16;
	for (int i = 0; i < 4; i++)
		b[k++] = (unsigned char)(h >> (8 * i));
	uint64_t seed = ((uint64_t)n << 32 | n) ^ ((uint64_t)nev * 0x9e3779b97f4a7c15ull);
	uint32_t words[4] = {n, n, nev, (uint32_t)XXH3_64bits_withSeed(ev, n, seed)};
	for (int w = 0; w < 4; w++)
		for (int i = 0; i < 4; i++)
			b[k++] = (unsigned char)(words[w] >> (8 * i));
	memcpy(b + k, ev, n);
	k += n;
	uint32_t end[4] = {0, 0, 0, (uint32_t)XXH3_64bits_withSeed(NULL, 0, 0)};
	for (int w = 0; w < 4; w++)
		for (int i = 0; i < 4; i++)
			b[k++] = (unsigned char)(end[w] >> (8 * i));
	spill(path, b, k);
}

/*
 * The binary reader refuses what the text reader refuses, with the same
 * reason: a port access of 3 bytes, a vector above 255, an empty block. The
 * writer refuses them too. A valid `in 0x60 1` built the same way reads.
 */
static void test_binary_refuses_what_text_refuses(void)
{
	const char *path = t_path("bad.vlb");
	struct vl_event ev[4];
	struct vl_err err = {0};
	const unsigned char ok[] = {VL_EV_IN, 0x60, 1};
	const unsigned char in3[] = {VL_EV_IN, 0x60, 3};
	const unsigned char vec[] = {VL_EV_IRQ, 0x80, 0x02};
	const unsigned char bb0[] = {VL_EV_BB, 5, 0};

	raw_trace(path, ok, sizeof(ok), 1);
	CU_ASSERT_EQUAL(t_read_all(path, ev, 4, &err), 1);
	raw_trace(path, in3, sizeof(in3), 1);
	CU_ASSERT_EQUAL(t_read_all(path, ev, 4, &err), VL_ECORRUPT);
	T_ASSERT_STR_CONTAINS(err.msg, "event 1 of the block: 'in': port I/O size must be 1, 2 or 4");
	raw_trace(path, vec, sizeof(vec), 1);
	CU_ASSERT_EQUAL(t_read_all(path, ev, 4, &err), VL_ECORRUPT);
	T_ASSERT_STR_CONTAINS(err.msg, "'irq': vector must be at most 255");
	raw_trace(path, bb0, sizeof(bb0), 1);
	CU_ASSERT_EQUAL(t_read_all(path, ev, 4, &err), VL_ECORRUPT);
	T_ASSERT_STR_CONTAINS(err.msg, "a basic block has at least one instruction");
	CU_ASSERT(t_parse("vlt 1\nin 0x60 3\n", ev, 4, &err) < 0);
	T_ASSERT_STR_CONTAINS(err.msg, "port I/O size must be 1, 2 or 4");

	struct vl_writer *w;
	struct vl_event bad = {VL_EV_IN, VL_EVF_KERNEL, 3, 0x60, 0};
	CU_ASSERT_EQUAL_FATAL(vl_writer_open(&w, t_path("bad.vlt"), VL_TFMT_TEXT, 0, NULL, &err), 0);
	CU_ASSERT_EQUAL(vl_writer_put(w, &bad, 1, &err), VL_EINVAL);
	T_ASSERT_STR_CONTAINS(err.msg, "'in': port I/O size must be 1, 2 or 4");
	vl_writer_abort(w);
}

void suite_trace_binary(void)
{
	static const struct t_case cases[] = {
		{"binary_roundtrip_plain", test_binary_roundtrip_plain},
		{"binary_roundtrip_zstd", test_binary_roundtrip_zstd},
		{"binary_writer_refuses_bad_flags", test_binary_writer_refuses_bad_flags},
		{"writer_replaces_whole_or_not_at_all", test_writer_replaces_whole_or_not_at_all},
		{"binary_every_truncation_fails", test_binary_every_truncation_fails},
		{"binary_every_corrupt_byte_fails", test_binary_every_corrupt_byte_fails},
		{"binary_wrong_version", test_binary_wrong_version},
		{"binary_trailing_garbage", test_binary_trailing_garbage},
		{"binary_refuses_what_text_refuses", test_binary_refuses_what_text_refuses},
		{NULL, NULL},
	};
	t_add_suite("trace_binary", cases);
}
