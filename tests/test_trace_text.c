/*
 * Text traces: every field kind parses, defaults apply, and every malformed
 * line gets one message naming file:line and the field.
 */
#include <string.h>

#include "tests/util.h"
#include "traces/trace.h"

#define HDR "vlt 1\n"

static void test_text_parse_all_fields(void)
{
	struct vl_event ev[32];
	struct vl_err err = {0};
	long n = t_parse(HDR "@name t\n# comment\n\n"
	                 "user 10\n"
	                 "bb 0x2a 5 kernel  # inline comment\n"
	                 "pgfault 0x1000 user w\n"
	                 "ptewrite 0x2000 1 0\n"
	                 "disk 4096 w async\n"
	                 "net 512 rx\n"
	                 "wrmsr 0x10 18446744073709551615\n"
	                 "in 0x80\n"
	                 "callret 3\n"
	                 "mmio 0xfe000000 4 r\n",
	                 ev, 32, &err);
	CU_ASSERT_EQUAL_FATAL(n, 10);
	CU_ASSERT_EQUAL(ev[0].type, VL_EV_USER);
	CU_ASSERT_EQUAL(ev[0].n, 10);
	CU_ASSERT_EQUAL(ev[0].flags, 0);
	CU_ASSERT_EQUAL(ev[1].type, VL_EV_BB);
	CU_ASSERT_EQUAL(ev[1].a, 42);
	CU_ASSERT_EQUAL(ev[1].n, 5);
	CU_ASSERT_EQUAL(ev[1].flags, VL_EVF_KERNEL);
	CU_ASSERT_EQUAL(ev[2].flags, VL_EVF_WRITE);
	CU_ASSERT_EQUAL(ev[2].a, 0x1000);
	CU_ASSERT_EQUAL(ev[3].flags, VL_EVF_KERNEL | VL_EVF_P_OLD);
	CU_ASSERT_EQUAL(ev[4].flags, VL_EVF_WRITE | VL_EVF_ASYNC);
	CU_ASSERT_EQUAL(ev[4].n, 4096);
	CU_ASSERT_EQUAL(ev[5].flags, 0);
	CU_ASSERT_EQUAL(ev[6].b, UINT64_MAX);
	CU_ASSERT_EQUAL(ev[7].n, 1);                /* default size */
	CU_ASSERT_EQUAL(ev[7].flags, VL_EVF_KERNEL); /* port I/O is kernel mode */
	CU_ASSERT_EQUAL(ev[8].n, 3);
	CU_ASSERT_EQUAL(ev[8].flags, VL_EVF_KERNEL); /* default mode of callret */
	CU_ASSERT_EQUAL(ev[9].n, 4);
}

static void test_text_metadata(void)
{
	struct vl_trace *t;
	struct vl_err err = {0};
	const char *p = t_write("meta.vlt", HDR "# c\n@name  my trace  \n@clock_hz 3800000000\nuser 1\n");

	CU_ASSERT_EQUAL_FATAL(vl_trace_open(&t, p, &err), 0);
	CU_ASSERT_STRING_EQUAL(vl_meta_get(vl_trace_meta(t), "name"), "my trace");
	CU_ASSERT_STRING_EQUAL(vl_meta_get(vl_trace_meta(t), "clock_hz"), "3800000000");
	CU_ASSERT_PTR_NULL(vl_meta_get(vl_trace_meta(t), "nosuch"));
	struct vl_event ev[4];
	CU_ASSERT_EQUAL(vl_trace_read(t, ev, 4, &err), 1);
	CU_ASSERT_EQUAL(vl_trace_read(t, ev, 4, &err), 0);
	vl_trace_close(t);
}

/* Expects the text to fail with a message containing want. */
static void expect_error(const char *text, const char *want)
{
	struct vl_event ev[16];
	struct vl_err err = {0};
	long n = t_parse(text, ev, 16, &err);

	CU_ASSERT(n < 0);
	CU_ASSERT(err.code == VL_EINVAL || err.code == VL_EVERSION);
	T_ASSERT_STR_CONTAINS(err.msg, want);
}

static void test_text_error_unknown_event(void)
{
	expect_error(HDR "user 1\nvmexit2 5\n", "parse.vlt:3: unknown event 'vmexit2'");
}

static void test_text_error_bad_number(void)
{
	expect_error(HDR "user 12abc\n", "parse.vlt:2: 'user': COUNT '12abc' is not a number");
	expect_error(HDR "user -5\n", "'-5' is not a number");
	expect_error(HDR "pgfault 0xZZ\n", "'pgfault': ADDR '0xZZ' is not a number");
}

static void test_text_error_missing_field(void)
{
	expect_error(HDR "bb 1 5\n", "parse.vlt:2: 'bb': missing field user|kernel");
	expect_error(HDR "user\n", "'user': missing field COUNT (usage: user COUNT)");
}

static void test_text_error_overflow(void)
{
	expect_error(HDR "user 4294967296\n", "parse.vlt:2: 'user': COUNT '4294967296' is out of range");
	expect_error(HDR "pgfault 18446744073709551616\n", "is out of range");
	expect_error(HDR "pgfault 0x10000000000000000\n", "is out of range");
}

static void test_text_error_extra_and_choice(void)
{
	expect_error(HDR "sysret now\n", "'sysret': unexpected field 'now'");
	expect_error(HDR "bb 1 5 supervisor\n", "field 'supervisor' must be user|kernel");
	expect_error(HDR "ptewrite 0x1000 2 1\n", "must be 0|1");
	expect_error(HDR "in 0x80 3\n", "port I/O size must be 1, 2 or 4");
	expect_error(HDR "bb 1 0 user\n", "at least one instruction");
	expect_error(HDR "vswitch\n", "unknown event 'vswitch'");
}

static void test_text_error_header(void)
{
	expect_error("user 1\n", "parse.vlt:1: not a virtlab trace");
	expect_error("vlt 2\nuser 1\n", "parse.vlt:1: text trace version 2 is not supported");
	expect_error("", "empty trace");
	expect_error(HDR "user 1\n@name late\n", "parse.vlt:3: metadata after the first event");
	expect_error(HDR "@b@d x\n", "parse.vlt:2: metadata key 'b@d'");
}

static void test_text_error_nul_byte(void)
{
	const char *p = t_path("nul.vlt");
	FILE *f = fopen(p, "wb");
	fwrite("vlt 1\nuser 1\nus\0er 2\n", 1, 21, f);
	fclose(f);
	struct vl_event ev[4];
	struct vl_err err = {0};
	CU_ASSERT(t_read_all(p, ev, 4, &err) < 0);
	T_ASSERT_STR_CONTAINS(err.msg, "nul.vlt:3: NUL byte");
}

static void test_text_error_missing_file(void)
{
	struct vl_event ev[4];
	struct vl_err err = {0};
	CU_ASSERT(t_read_all("/nonexistent/x.vlt", ev, 4, &err) < 0);
	T_ASSERT_STR_CONTAINS(err.msg, "/nonexistent/x.vlt: cannot open");
}

static void test_text_format_roundtrip(void)
{
	/* Each line formats back to itself (defaults trimmed). */
	static const char *const lines[] = {
		"user 10", "bb 42 5 kernel", "callret 3", "callret 3 user", "syscall",
		"syscall 39", "pgfault 0x1000 user w", "pgfault 0x1000 kernel", "ptewrite 0x2000 1 0",
		"disk 4096 w async", "disk 4096 r", "net 512 tx", "wrmsr 16 7", "in 0x80",
		"in 0x80 2", "mmio 0xfe000000 4 r", "popf user", "popf", "cr8", "cr8 15",
		"cpuid 7 user", "tlbmiss", "tlbmiss 3", "phase 2", "irq 14", "timer", "rdtsc kernel",
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		char text[128], out[128];
		struct vl_event ev[2];
		struct vl_err err = {0};
		snprintf(text, sizeof(text), HDR "%s\n", lines[i]);
		CU_ASSERT_EQUAL_FATAL(t_parse(text, ev, 2, &err), 1);
		vl_event_format(&ev[0], out, sizeof(out));
		if (strcmp(out, lines[i]))
			fprintf(stderr, "\n  '%s' formats as '%s'\n", lines[i], out);
		CU_ASSERT_STRING_EQUAL(out, lines[i]);
	}
}

void suite_trace_text(void)
{
	static const struct t_case cases[] = {
		{"text_parse_all_fields", test_text_parse_all_fields},
		{"text_metadata", test_text_metadata},
		{"text_error_unknown_event", test_text_error_unknown_event},
		{"text_error_bad_number", test_text_error_bad_number},
		{"text_error_missing_field", test_text_error_missing_field},
		{"text_error_overflow", test_text_error_overflow},
		{"text_error_extra_and_choice", test_text_error_extra_and_choice},
		{"text_error_header", test_text_error_header},
		{"text_error_nul_byte", test_text_error_nul_byte},
		{"text_error_missing_file", test_text_error_missing_file},
		{"text_format_roundtrip", test_text_format_roundtrip},
		{NULL, NULL},
	};
	t_add_suite("trace_text", cases);
}
