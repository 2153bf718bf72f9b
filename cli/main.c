/*
 * virtlab: the command. One table of subcommands, one file each.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "sim/version.h"

static const struct cmd commands[] = {
	{"run", cmd_run, "replay a trace through a model and record the run"},
	{"models", cmd_models, "list models, their parameters and profiles; host profiles"},
	{"trace", cmd_trace, "convert, inspect, print and generate traces"},
	{"runs", cmd_runs, "list the runs recorded in a results database"},
	{"experiment", cmd_experiment, "run an experiment file: workloads x systems x sweeps"},
	{"report", cmd_report, "draw an experiment's plots, diagrams and error table"},
	{"export", cmd_export, "print runs' metrics and breakdowns as CSV or JSON"},
	{"calibrate", cmd_calibrate, "measure this host's mechanisms; write the this-host profiles"},
	{"plan", cmd_plan, "how many guests fit on a host under each technique (capacity)"},
	{"merge", cmd_merge, "merge the result databases of shards into one"},
	{"validate", cmd_validate, "check the calibrated models against workloads measured here"},
};

#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void usage(FILE *f)
{
	fprintf(f, "usage: virtlab COMMAND [ARGS]\n\n"
	           "virtlab replays instruction and I/O traces through models of\n"
	           "virtualization techniques and records where the cycles go.\n\n"
	           "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
	fprintf(f, "\n'virtlab help COMMAND' (or 'virtlab COMMAND --help') describes each command;\n"
	           "'virtlab --version' (-V) prints the version.\n"
	           "exit status: 0 ok, 1 run or environment failed, 2 usage or invalid input,\n"
	           "130 interrupted.\n");
}

static const struct cmd *find(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(name, commands[i].name) == 0)
			return &commands[i];
	return NULL;
}

/*
 * `virtlab help [CMD]`: the general usage, or CMD's own --help;
 * `virtlab help --commands`: "NAME<tab>SUMMARY" lines of the command table,
 * for the man page and completion generators (scripts/gen-man.sh).
 */
static int help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(argv[1], "--commands") == 0) {
		for (size_t i = 0; i < NCOMMANDS; i++)
			printf("%s\t%s\n", commands[i].name, commands[i].summary);
		return EXIT_OK;
	}
	const struct cmd *c = find(argv[1]);
	if (!c) {
		fprintf(stderr, "virtlab help: unknown command '%s'\n\n", argv[1]);
		usage(stderr);
		return EXIT_USAGE;
	}
	static char opt[] = "--help";
	char *args[] = {argv[1], opt, NULL};
	return c->fn(2, args);
}

int main(int argc, char **argv)
{
	static const char *const helps[] = {"help", "--help", "-h"};
	static const char *const versions[] = {"version", "--version", "-V"};

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	for (size_t i = 0; i < sizeof(helps) / sizeof(helps[0]); i++)
		if (strcmp(argv[1], helps[i]) == 0)
			return help(argc - 1, argv + 1);
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++)
		if (strcmp(argv[1], versions[i]) == 0) {
			printf("virtlab %s\n", VL_VERSION);
			return EXIT_OK;
		}
	const struct cmd *c = find(argv[1]);
	if (c)
		return c->fn(argc - 1, argv + 1);
	fprintf(stderr, "virtlab: unknown command '%s'\n\n", argv[1]);
	usage(stderr);
	return EXIT_USAGE;
}
