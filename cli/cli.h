/*
 * The virtlab command: shared helpers of the subcommands. Only cli/ prints
 * and chooses exit codes (documented in docs/cli.md):
 *   0 success; 1 the run or the environment failed (database, I/O, memory);
 *   2 usage error or invalid input (options, trace, names, parameters);
 *   130 interrupted.
 */
#ifndef VL_CLI_H
#define VL_CLI_H

#include <stdint.h>

#include "sim/err.h"

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,
	EXIT_USAGE = 2,
	EXIT_INTR = 130,
};

struct cmd {
	const char *name;
	int (*fn)(int argc, char **argv);
	const char *summary;
};

int cmd_run(int argc, char **argv);
int cmd_models(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_trace_capture(int argc, char **argv); /* virtlab trace capture */
int cmd_trace_capture_system(int argc, char **argv); /* virtlab trace capture --system */
int cmd_trace_import(int argc, char **argv); /* virtlab trace import */
int cmd_runs(int argc, char **argv);
int cmd_experiment(int argc, char **argv);
int cmd_report(int argc, char **argv);
int cmd_export(int argc, char **argv);
int cmd_calibrate(int argc, char **argv);
int cmd_validate(int argc, char **argv);
int cmd_plan(int argc, char **argv);
int cmd_merge(int argc, char **argv);

/* Parses "I/N" (0 <= I < N); returns 0 or -1. */
int cli_parse_shard(const char *s, unsigned *i, unsigned *n);

/* Prints "virtlab: msg" to stderr and returns the exit code for err. */
int cli_fail(const struct vl_err *err);

/* Prints "virtlab CMD: msg" and a hint to see --help; returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Exit code for a VL_E* code. */
int cli_exit_code(int code);

/* Parses an unsigned integer option; returns 0 or -1. */
int cli_parse_u64(const char *s, uint64_t *out);

/* Formats n with thousands separators into buf. */
const char *cli_num(uint64_t n, char *buf, size_t len);

/* Creates the parent directories of path that are missing (as mkdir -p). */
int cli_ensure_parent(const char *path, struct vl_err *err);

#define VL_DEFAULT_DB "out/results.db"

/*
 * After a report written into ROOT/NAME where ROOT is a directory called
 * "out": rewrites ROOT/index.html, the list of every report, and says so
 * on standard output unless quiet. Elsewhere (--out somewhere else) it does
 * nothing. A failure only warns.
 */
void cli_update_index(const char *report_dir, int quiet);

struct vl_model;

/* Models loaded with --model-path, at most CLI_MAX_PLUGINS. */
#define CLI_MAX_PLUGINS 16
struct cli_plugins {
	const struct vl_model *m[CLI_MAX_PLUGINS];
	size_t n;
};

/* Loads a plugin into p; prints the error and returns an exit code on failure. */
int cli_load_plugin(struct cli_plugins *p, const char *path);

/* A built-in or loaded model by name; on failure prints the valid names. */
const struct vl_model *cli_find_model(const struct cli_plugins *p, const char *name);

#endif
