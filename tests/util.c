/*
 * Test helpers: a private temporary directory, trace reading, and running
 * the virtlab command as a user would.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/proc.h"
#include "testbed/testbed.h"
#include "tests/util.h"
#include "traces/trace.h"

static char tmpdir[256];

static const char *dir(void)
{
	if (!tmpdir[0]) {
		snprintf(tmpdir, sizeof(tmpdir), "/tmp/virtlab-test-XXXXXX");
		if (!mkdtemp(tmpdir)) {
			perror("mkdtemp");
			exit(1);
		}
	}
	return tmpdir;
}

const char *t_path(const char *name)
{
	static char bufs[8][512];
	static int next;
	char *b = bufs[next++ % 8];

	snprintf(b, sizeof(bufs[0]), "%s/%s", dir(), name);
	return b;
}

const char *t_write(const char *name, const char *text)
{
	const char *p = t_path(name);
	FILE *f = fopen(p, "wb");

	if (!f) {
		perror(p);
		exit(1);
	}
	fputs(text, f);
	fclose(f);
	return p;
}

long t_read_all(const char *path, struct vl_event *buf, size_t max, struct vl_err *err)
{
	struct vl_trace *t;
	long total = 0, n;

	if (vl_trace_open(&t, path, err))
		return err->code;
	while ((size_t)total < max && (n = vl_trace_read(t, buf + total, max - (size_t)total, err)) > 0)
		total += n;
	if ((size_t)total < max && n < 0) {
		vl_trace_close(t);
		return n;
	}
	vl_trace_close(t);
	return total;
}

long t_parse(const char *text, struct vl_event *buf, size_t max, struct vl_err *err)
{
	return t_read_all(t_write("parse.vlt", text), buf, max, err);
}

int t_virtlab(char *out, size_t len, const char *args)
{
	const char *bin = getenv("VIRTLAB");
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s %s 2>&1", bin ? bin : "./virtlab", args);
	FILE *p = popen(cmd, "r");
	if (!p)
		return -1;
	size_t n = fread(out, 1, len - 1, p);
	out[n] = '\0';
	while (fgetc(p) != EOF)
		;
	int st = pclose(p);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int t_virtlab_file(char *out, size_t len, const char *file, const char *args)
{
	const char *bin = getenv("VIRTLAB"), *path = t_path(file);
	char cmd[4096];

	snprintf(cmd, sizeof(cmd), "%s %s > '%s' 2>&1", bin ? bin : "./virtlab", args, path);
	int st = system(cmd);
	FILE *f = fopen(path, "r");
	size_t n = f ? fread(out, 1, len - 1, f) : 0;
	out[n] = '\0';
	if (f)
		fclose(f);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

unsigned t_count(const char *hay, const char *needle)
{
	unsigned n = 0;

	for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

static struct {
	char suite[32];
	char what[256];
} skips[64];
static unsigned nskips;

/* Wall time of each test, for the slowest ones' list: CI's time is bounded. */
static struct {
	char name[96];
	double s;
} slow[16];
static unsigned nslow;
static double started;

static double wall(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

static void test_setup(void)
{
	started = wall();
}

/* Keeps the slowest tests, slowest first. */
static void test_teardown(void)
{
	double s = wall() - started;
	CU_pSuite su = CU_get_current_suite();
	CU_pTest t = CU_get_current_test();
	unsigned n = sizeof(slow) / sizeof(slow[0]), i = nslow < n ? nslow++ : n - 1;

	if (nslow == n && s <= slow[n - 1].s)
		return;
	for (; i > 0 && slow[i - 1].s < s; i--)
		slow[i] = slow[i - 1];
	snprintf(slow[i].name, sizeof(slow[i].name), "%s/%s", su ? su->pName : "?",
	         t ? t->pName : "?");
	slow[i].s = s;
}

void t_add_suite(const char *name, const struct t_case *cases)
{
	CU_pSuite s = CU_add_suite_with_setup_and_teardown(name, NULL, NULL, test_setup,
	                                                    test_teardown);

	CU_set_fail_on_inactive(CU_FALSE);
	for (; cases->name; cases++) {
		CU_pTest t = CU_add_test(s, cases->name, cases->fn);
		const char *why = cases->needs ? cases->needs() : NULL;
		if (!why)
			continue;
		CU_set_test_active(t, CU_FALSE);
		if (nskips < sizeof(skips) / sizeof(skips[0])) {
			snprintf(skips[nskips].suite, sizeof(skips[0].suite), "%s", name);
			snprintf(skips[nskips++].what, sizeof(skips[0].what), "%s/%s: %s", name,
			         cases->name, why);
		}
	}
}

void t_print_report(const char *only)
{
	unsigned shown = 0;
	for (unsigned i = 0; i < nskips; i++) {
		if (only && strcmp(only, skips[i].suite))
			continue;
		if (!shown++)
			printf("\nSkipped (inactive), for want of what they measure:\n");
		printf("  %s\n", skips[i].what);
	}
	if (nslow)
		printf("\nSlowest tests, wall seconds:\n");
	for (unsigned i = 0; i < nslow && i < 8; i++)
		printf("  %7.1f  %s\n", slow[i].s, slow[i].name);
	/* once more, last: a log cut to its tail (CI's) still names them */
	CU_pFailureRecord f = CU_get_failure_list();
	if (f)
		printf("\nFailed:\n");
	for (; f; f = f->pNext)
		printf("  %s/%s  %s:%u  %s\n", f->pSuite ? f->pSuite->pName : "?",
		       f->pTest ? f->pTest->pName : "?", f->strFileName ? f->strFileName : "?",
		       f->uiLineNumber, f->strCondition ? f->strCondition : "");
}

const char *t_needs_qemu_user(void)
{
	static char why[256];

	return vl_tb_have_qemu("qemu-x86_64", why, sizeof(why)) ? NULL : why;
}

const char *t_release_only(void)
{
#if defined(__SANITIZE_ADDRESS__)
	return "a sanitized build: the release run (make test) runs it; what it adds is another "
	       "program's work, minutes of it";
#else
	return NULL;
#endif
}

const char *t_needs_chromium(void)
{
	static const char *const names[] = {"chromium", "chromium-browser", "google-chrome"};
	char path[4096];

	if (t_release_only())
		return t_release_only();
	if (getenv("VIRTLAB_CHROMIUM"))
		return NULL;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (vl_proc_find(names[i], path, sizeof(path)))
			return NULL;
	return "headless Chromium not installed (Debian: chromium)";
}
