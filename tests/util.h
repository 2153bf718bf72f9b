/*
 * Helpers shared by the CUnit suites: temporary files, reading text traces
 * from strings, running the virtlab binary.
 */
#ifndef VL_TESTS_UTIL_H
#define VL_TESTS_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <CUnit/CUnit.h>

#include "sim/event.h"
#include "sim/err.h"

/* A fresh path in the test's temporary directory (static buffer rotation). */
const char *t_path(const char *name);

/* Writes text to a new file at t_path(name); returns the path. */
const char *t_write(const char *name, const char *text);

/* Reads a whole trace file; returns the count or a negative code (err set). */
long t_read_all(const char *path, struct vl_event *buf, size_t max, struct vl_err *err);

/* Parses a text trace given as a string. */
long t_parse(const char *text, struct vl_event *buf, size_t max, struct vl_err *err);

/*
 * Runs the virtlab binary with the given shell-quoted arguments; captures
 * stdout+stderr into out (NUL-terminated) and returns the exit status.
 */
int t_virtlab(char *out, size_t len, const char *args);

/*
 * Runs the virtlab binary with standard output and error redirected to
 * the file at t_path(file) (fully buffered, as `virtlab ... > file`), then
 * reads the file into out; returns the exit status.
 */
int t_virtlab_file(char *out, size_t len, const char *file, const char *args);

/* How many times needle occurs in hay. */
unsigned t_count(const char *hay, const char *needle);

/* Registration functions of the suites. */
void suite_event(void);
void suite_trace_text(void);
void suite_trace_binary(void);
void suite_queue(void);
void suite_sim(void);
void suite_native(void);
void suite_params(void);
void suite_recorder(void);
void suite_gen(void);
void suite_import(void);
void suite_cli(void);
void suite_models(void);
void suite_shadow(void);
void suite_experiments(void);
void suite_testbed(void);
void suite_capacity(void);
void suite_hostile(void);
void suite_capture(void);
void suite_syscapture(void);
void suite_report(void);
void suite_profiles(void);
void suite_tlb(void);
void suite_bpred(void);

/*
 * Adds a suite with its tests: {name, fn[, needs]} ending in {NULL, NULL}.
 * needs, when given, says why the test cannot run here (a missing facility:
 * /dev/kvm, qemu, ...) or returns NULL; such a test is registered inactive,
 * so CUnit's summary counts it as inactive, never as passed, and its reason
 * is listed by t_print_report().
 */
struct t_case {
	const char *name;
	void (*fn)(void);
	const char *(*needs)(void);
};
void t_add_suite(const char *name, const struct t_case *cases);

/*
 * After the run: every inactive test of the suite run (all when only is
 * NULL) with its reason, and the slowest tests by wall time.
 */
void t_print_report(const char *only);

/* needs functions shared by suites: NULL when present, else the reason. */
const char *t_needs_qemu_user(void);
const char *t_needs_chromium(void);

/*
 * Non-NULL (why) in a sanitized build, for the tests whose time goes to
 * another program (a browser, Jupyter, a QEMU boot): CI runs the suites
 * twice, and the sanitizers have nothing to find in those programs.
 */
const char *t_release_only(void);

#define T_ASSERT_STR_CONTAINS(hay, needle)                                         \
	do {                                                                       \
		const char *h_ = (hay), *n_ = (needle);                                 \
		if (!strstr(h_, n_))                                                   \
			fprintf(stderr, "\n  expected \"%s\" in \"%s\"\n", n_, h_);        \
		CU_ASSERT_PTR_NOT_NULL(strstr(h_, n_));                                 \
	} while (0)

#endif
