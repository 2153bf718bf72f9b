/*
 * virtlab trace: convert (text <-> binary, lossless), stats (counts,
 * instructions, code footprint), cat (as text), gen (synthetic workloads).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "traces/gen.h"
#include "traces/trace.h"
#include "util/progress.h"

#define BATCH 4096

static void help(void)
{
	printf("usage: virtlab trace convert IN OUT [--zstd|--zstd-max]\n"
	       "       virtlab trace stats TRACE\n"
	       "       virtlab trace cat TRACE [--head N]\n"
	       "       virtlab trace gen KIND [--events N] [--seed S] [-o OUT] [--zstd]\n"
	       "       virtlab trace gen --list\n"
	       "       virtlab trace capture [-o OUT] [--limit EVENTS] -- CMD [ARGS...]\n"
	       "       virtlab trace import strace|blkio LOG [-o OUT] [--zstd] [--hz HZ]\n"
	       "       virtlab trace kinds\n\n"
	       "convert  text (.vlt) <-> binary (.vlb), by OUT's extension; lossless both\n"
	       "         ways (comments are not kept). --zstd compresses binary blocks;\n"
	       "         --zstd-max compresses harder (slow: for files to ship).\n"
	       "stats    events per kind, instructions, code footprint, pages, I/O bytes\n"
	       "cat      print any trace as text\n"
	       "gen      write a synthetic workload (default: 1000000 events, seed 1, text\n"
	       "         to standard output); --list shows the kinds and their sources\n"
	       "capture  record a real program's trace under QEMU (trace capture --help)\n"
	       "import   a trace from real tool output: strace -f -tt -T logs, fio iologs,\n"
	       "         blkparse text (trace import --help)\n"
	       "kinds    every event kind: its text form and meaning\n\n"
	       "The trace format is specified in docs/trace-format.md.\n");
}

/* Copies every event of t to w, counting them on bar. */
static int pump(struct vl_trace *t, struct vl_writer *w, uint64_t limit, struct vl_progress *bar,
                struct vl_err *err)
{
	struct vl_event buf[BATCH];
	uint64_t done = 0;
	long n = 0;

	while (done < limit && (n = vl_trace_read(t, buf, BATCH, err)) > 0) {
		if ((uint64_t)n > limit - done)
			n = (long)(limit - done);
		if (vl_writer_put(w, buf, (size_t)n, err))
			return err->code;
		done += (uint64_t)n;
		vl_progress_update(bar, done);
	}
	vl_progress_end(bar);
	return done < limit && n < 0 ? (int)n : 0;
}

static int do_convert(int argc, char **argv)
{
	struct vl_err err = {0};
	const char *in = NULL, *out = NULL;
	unsigned flags = 0;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--zstd") == 0)
			flags |= VL_W_ZSTD;
		else if (strcmp(argv[i], "--zstd-max") == 0)
			flags |= VL_W_ZSTD | VL_W_ZSTD_MAX;
		else if (argv[i][0] == '-' && argv[i][1])
			return cli_usage_error("trace", "convert: unknown option '%s'", argv[i]);
		else if (!in)
			in = argv[i];
		else if (!out)
			out = argv[i];
		else
			return cli_usage_error("trace", "convert: unexpected argument '%s'", argv[i]);
	}
	if (!in || !out)
		return cli_usage_error("trace", "convert needs IN and OUT");
	enum vl_tfmt fmt = vl_tfmt_from_path(out);
	if ((flags & VL_W_ZSTD) && fmt != VL_TFMT_BINARY)
		return cli_usage_error("trace", "--zstd needs a binary OUT (.vlb)");
	struct vl_trace *t;
	struct vl_writer *w;
	if (vl_trace_open(&t, in, &err))
		return cli_fail(&err);
	if (vl_writer_open(&w, out, fmt, flags, vl_trace_meta(t), &err)) {
		vl_trace_close(t);
		return cli_fail(&err);
	}
	struct vl_progress bar;
	vl_progress_init(&bar, stderr, "events", 0, strcmp(out, "-") ? 0 : VL_PROGRESS_QUIET);
	if (pump(t, w, UINT64_MAX, &bar, &err)) {
		vl_writer_abort(w);
		vl_trace_close(t);
		return cli_fail(&err);
	}
	vl_trace_close(t);
	if (vl_writer_close(w, &err))
		return cli_fail(&err);
	return EXIT_OK;
}

static int do_cat(int argc, char **argv)
{
	struct vl_err err = {0};
	const char *in = NULL;
	uint64_t head = UINT64_MAX;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--head") == 0 && i + 1 < argc) {
			if (cli_parse_u64(argv[++i], &head))
				return cli_usage_error("trace", "--head '%s' is not a number", argv[i]);
		} else if (argv[i][0] == '-') {
			return cli_usage_error("trace", "cat: unknown option '%s'", argv[i]);
		} else if (!in) {
			in = argv[i];
		} else {
			return cli_usage_error("trace", "cat: unexpected argument '%s'", argv[i]);
		}
	}
	if (!in)
		return cli_usage_error("trace", "cat needs a TRACE");
	struct vl_trace *t;
	struct vl_writer *w;
	if (vl_trace_open(&t, in, &err))
		return cli_fail(&err);
	if (vl_writer_open(&w, "-", VL_TFMT_TEXT, 0, vl_trace_meta(t), &err)) {
		vl_trace_close(t);
		return cli_fail(&err);
	}
	struct vl_progress bar;
	vl_progress_init(&bar, stderr, "events", 0, VL_PROGRESS_QUIET);
	int rc = pump(t, w, head, &bar, &err);
	vl_trace_close(t);
	if (vl_writer_close(w, rc ? NULL : &err) || rc)
		return cli_fail(&err);
	return EXIT_OK;
}

/* An open-addressing set of 64-bit keys (key + 1 stored; 0 is empty). */
struct set {
	uint64_t *k;
	size_t n, cap;
};

static int set_add(struct set *s, uint64_t key)
{
	if (2 * (s->n + 1) > s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 1024;
		uint64_t *k = calloc(cap, sizeof(*k));
		if (!k)
			return -1;
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->k[i])
				continue;
			size_t j = (s->k[i] * 0x9e3779b97f4a7c15ull) >> 20 & (cap - 1);
			while (k[j])
				j = (j + 1) & (cap - 1);
			k[j] = s->k[i];
		}
		free(s->k);
		s->k = k;
		s->cap = cap;
	}
	uint64_t v = key + 1;
	size_t j = (v * 0x9e3779b97f4a7c15ull) >> 20 & (s->cap - 1);
	while (s->k[j]) {
		if (s->k[j] == v)
			return 0;
		j = (j + 1) & (s->cap - 1);
	}
	s->k[j] = v;
	s->n++;
	return 1;
}

static int do_stats(int argc, char **argv)
{
	struct vl_err err = {0};
	struct vl_event buf[BATCH];
	uint64_t count[VL_EV__COUNT] = {0}, insns[2] = {0}, bytes[2][2] = {{0}}, total = 0;
	uint64_t static_insns = 0, phases = 0;
	uint64_t pcount[VL_EV__COUNT] = {0}, pinsns[2] = {0}; /* between phases 1 and 2 */
	struct set blocks = {0}, pages = {0};
	char a[32], b[32];
	long n;

	if (argc != 2 || argv[1][0] == '-')
		return cli_usage_error("trace", "stats needs exactly one TRACE");
	struct vl_trace *t;
	if (vl_trace_open(&t, argv[1], &err))
		return cli_fail(&err);
	while ((n = vl_trace_read(t, buf, BATCH, &err)) > 0) {
		for (long i = 0; i < n; i++) {
			const struct vl_event *e = &buf[i];
			int k = !!(e->flags & VL_EVF_KERNEL);
			count[e->type]++;
			insns[k] += vl_ev_insns(e);
			phases += e->type == VL_EV_PHASE;
			if (phases == 1 && e->type != VL_EV_PHASE) {
				pcount[e->type]++;
				pinsns[k] += vl_ev_insns(e);
			}
			int added = 0;
			switch (e->type) {
			case VL_EV_BB:
				added = set_add(&blocks, e->a << 1 | (uint64_t)k);
				if (added > 0)
					static_insns += e->n;
				break;
			case VL_EV_PGFAULT:
			case VL_EV_PTEWRITE:
			case VL_EV_INVLPG:
			case VL_EV_TOUCH:
				added = set_add(&pages, e->a >> 12);
				break;
			case VL_EV_DISK:
			case VL_EV_NET:
				bytes[e->type == VL_EV_NET][!!(e->flags & VL_EVF_WRITE)] += e->n;
				break;
			}
			if (added < 0) {
				vl_err_set(&err, VL_ENOMEM, "out of memory");
				n = VL_ENOMEM;
				break;
			}
		}
		if (n < 0)
			break;
		total += (uint64_t)n;
	}
	if (n < 0) {
		vl_trace_close(t);
		free(blocks.k);
		free(pages.k);
		return cli_fail(&err);
	}
	const struct vl_meta *m = vl_trace_meta(t);
	printf("trace          %s (%s)\n", argv[1],
	       vl_trace_format(t) == VL_TFMT_BINARY ? "binary" : "text");
	for (unsigned i = 0; i < m->n; i++)
		printf("  @%-12s %s\n", m->key[i], m->value[i]);
	printf("events         %s\n", cli_num(total, a, sizeof(a)));
	printf("instructions   %s user, %s kernel\n", cli_num(insns[0], a, sizeof(a)),
	       cli_num(insns[1], b, sizeof(b)));
	printf("code footprint %s distinct basic blocks, %s instructions\n",
	       cli_num(blocks.n, a, sizeof(a)), cli_num(static_insns, b, sizeof(b)));
	printf("pages          %s distinct (faults, PTE writes, invlpg, touches)\n",
	       cli_num(pages.n, a, sizeof(a)));
	if (count[VL_EV_DISK] || count[VL_EV_NET])
		printf("I/O bytes      disk %llu read, %llu written; net %llu rx, %llu tx\n",
		       (unsigned long long)bytes[0][0], (unsigned long long)bytes[0][1],
		       (unsigned long long)bytes[1][0], (unsigned long long)bytes[1][1]);
	/* A capture of vl-probe marks its operations with phases 1 and 2; with
	 * @operations, the counts between them per operation. */
	const char *ops_s = vl_meta_get(m, "operations");
	uint64_t ops = 0;
	if (phases < 2 || !ops_s || cli_parse_u64(ops_s, &ops) || !ops)
		ops = 0;
	if (ops)
		printf("measured       %s operations between phases 1 and 2: per operation %.1f "
		       "user and %.1f kernel instructions\n", ops_s, (double)pinsns[0] / (double)ops,
		       (double)pinsns[1] / (double)ops);
	printf("%-14s %16s %8s%s\n", "event", "count", "share", ops ? "  per operation" : "");
	for (int i = 0; i < VL_EV__COUNT; i++) {
		if (!count[i])
			continue;
		printf("%-14s %16s %7.2f%%", vl_evdesc[i].name, cli_num(count[i], a, sizeof(a)),
		       100.0 * count[i] / (double)total);
		if (ops)
			printf("  %14.2f", (double)pcount[i] / (double)ops);
		printf("\n");
	}
	vl_trace_close(t);
	free(blocks.k);
	free(pages.k);
	return EXIT_OK;
}

static int do_gen(int argc, char **argv)
{
	static const struct option opts[] = {
		{"events", required_argument, NULL, 'n'},
		{"seed", required_argument, NULL, 's'},
		{"output", required_argument, NULL, 'o'},
		{"zstd", no_argument, NULL, 'z'},
		{"list", no_argument, NULL, 'l'},
		{NULL, 0, NULL, 0},
	};
	uint64_t events = 1000000, seed = 1;
	const char *out = "-";
	unsigned flags = 0;
	struct vl_err err = {0};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "n:s:o:", opts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (cli_parse_u64(optarg, &events))
				return cli_usage_error("trace", "--events '%s' is not a number", optarg);
			break;
		case 's':
			if (cli_parse_u64(optarg, &seed))
				return cli_usage_error("trace", "--seed '%s' is not a number", optarg);
			break;
		case 'o': out = optarg; break;
		case 'z': flags |= VL_W_ZSTD; break;
		case 'l':
			for (size_t i = 0; i < vl_ngen_kinds; i++)
				printf("%-9s %s\n%-9s source: %s\n", vl_gen_kinds[i].name,
				       vl_gen_kinds[i].summary, "", vl_gen_kinds[i].source);
			return EXIT_OK;
		default:
			return cli_usage_error("trace", "gen: unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("trace", "gen needs exactly one KIND (see --list)");
	enum vl_tfmt fmt = strcmp(out, "-") ? vl_tfmt_from_path(out) : VL_TFMT_TEXT;
	if ((flags & VL_W_ZSTD) && fmt != VL_TFMT_BINARY)
		return cli_usage_error("trace", "--zstd needs a binary output (.vlb)");
	struct vl_gen *g;
	struct vl_writer *w;
	struct vl_meta meta;
	if (vl_gen_new(&g, argv[optind], events, seed, &err))
		return cli_fail(&err);
	vl_gen_meta(g, &meta);
	if (vl_writer_open(&w, out, fmt, flags, &meta, &err)) {
		vl_gen_free(g);
		return cli_fail(&err);
	}
	struct vl_event buf[BATCH];
	struct vl_progress bar;
	uint64_t done = 0;
	long n;
	vl_progress_init(&bar, stderr, "events", events, strcmp(out, "-") ? 0 : VL_PROGRESS_QUIET);
	while ((n = vl_gen_read(g, buf, BATCH, &err)) > 0) {
		if (vl_writer_put(w, buf, (size_t)n, &err))
			break;
		done += (uint64_t)n;
		vl_progress_update(&bar, done);
	}
	vl_progress_end(&bar);
	vl_gen_free(g);
	if (n != 0) {
		vl_writer_abort(w);
		return cli_fail(&err);
	}
	if (vl_writer_close(w, &err))
		return cli_fail(&err);
	if (strcmp(out, "-") != 0) {
		char b[32];
		fprintf(stderr, "wrote %s: %s events of %s, seed %llu\n", out, cli_num(done, b, sizeof(b)),
		        argv[optind], (unsigned long long)seed);
	}
	return EXIT_OK;
}

static int do_kinds(void)
{
	for (int i = 0; i < VL_EV__COUNT; i++) {
		if (i == VL_EV_VSWITCH)
			continue; /* made by the simulator only */
		printf("%-34s %s%s\n", vl_evdesc[i].usage, vl_evdesc[i].help,
		       vl_evdesc[i].cls & VL_EVC_SENSITIVE ? " [sensitive, unprivileged]" : "");
	}
	return EXIT_OK;
}

static int do_kinds_cmd(int argc, char **argv)
{
	if (argc != 1)
		return cli_usage_error("trace", "kinds: unexpected argument '%s'", argv[1]);
	return do_kinds();
}

/* Subcommands; those with their own --help get it passed on. */
static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
	int own_help;
} subs[] = {
	{"convert", do_convert, 0},
	{"stats", do_stats, 0},
	{"cat", do_cat, 0},
	{"gen", do_gen, 0},
	{"capture", cmd_trace_capture, 1}, /* cli/cmd_trace_capture.c */
	{"import", cmd_trace_import, 1},   /* cli/cmd_trace_import.c */
	{"kinds", do_kinds_cmd, 0},
};

int cmd_trace(int argc, char **argv)
{
	if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
		help();
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		if (strcmp(argv[1], subs[i].name))
			continue;
		if (!subs[i].own_help && argc >= 3 &&
		    (strcmp(argv[2], "--help") == 0 || strcmp(argv[2], "-h") == 0)) {
			help();
			return EXIT_OK;
		}
		return subs[i].fn(argc - 1, argv + 1);
	}
	return cli_usage_error("trace", "unknown subcommand '%s' (convert, stats, cat, gen, capture, "
	                       "import, kinds)", argv[1]);
}
