/*
 * virtlab report: write an experiment's report (plots, diagrams, tables,
 * index.html, README.md) from its results database.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "experiments/experiment.h"
#include "reports/report.h"

static void help(void)
{
	printf("usage: virtlab report FILE.ini|RESULTS.db [--experiment NAME] [--out DIR]\n\n"
	       "Writes the report of an experiment from its results database alone: gnuplot\n"
	       "plots (PNG and SVG), Graphviz diagrams of where events go, the simulated\n"
	       "against published table with the error of each, index.html and README.md.\n"
	       "Given an experiment file, reads OUTPUT/results.db and draws the file's\n"
	       "[plot] and [reference] sections as they are now (with a warning when its\n"
	       "runs differ from those recorded); given a database, reports every experiment\n"
	       "in it (or NAME) as recorded. Without gnuplot or Graphviz the data and tables\n"
	       "are still written and the report says which pictures are missing; a series\n"
	       "a plot cannot draw is named, with the reason.\n\n"
	       "  --experiment NAME  only this experiment of the database\n"
	       "  --out DIR          write here instead of the experiment's output directory\n");
}

static int report_one(struct vl_db *db, const char *name, const struct vl_experiment *file,
                      const char *out)
{
	struct vl_report_result r;
	struct vl_err err = {0};

	if (vl_report_write(db, name, file, out, &r, &err))
		return cli_fail(&err);
	if (r.warning[0])
		fprintf(stderr, "virtlab: warning: %s\n", r.warning);
	printf("report %s: %s/index.html (%u plots, %u diagrams, %u references", name, r.dir,
	       r.plots, r.diagrams, r.references);
	if (r.references)
		printf(", largest error %.1f%%", 100 * r.max_abs_error);
	if (r.references && !r.predicted)
		printf("; every one fitted");
	else if (r.predicted < r.references)
		printf("; of the %u predicted, %.1f%%", r.predicted, 100 * r.max_abs_error_predicted);
	printf(")\n");
	if (r.missing[0])
		fprintf(stderr, "virtlab: not drawn: %s\n", r.missing);
	cli_update_index(r.dir, 0);
	return EXIT_OK;
}

int cmd_report(int argc, char **argv)
{
	static const struct option opts[] = {
		{"experiment", required_argument, NULL, 'e'},
		{"out", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	const char *only = NULL, *out = NULL;
	struct vl_err err = {0};
	int c;

	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'e': only = optarg; break;
		case 'o': out = optarg; break;
		case 'h': help(); return EXIT_OK;
		default: return cli_usage_error("report", "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		return cli_usage_error("report", "needs exactly one FILE.ini or RESULTS.db");
	const char *arg = argv[optind];
	char dbpath[1024], name[VL_NAME] = "";
	struct vl_experiment *e = NULL; /* the file as it is now: its plots and references */
	size_t len = strlen(arg);
	if (len > 4 && strcmp(arg + len - 4, ".ini") == 0) {
		if (vl_exp_load(&e, arg, &err))
			return cli_fail(&err);
		snprintf(dbpath, sizeof(dbpath), "%s/results.db", e->output);
		snprintf(name, sizeof(name), "%s", e->name);
	} else {
		snprintf(dbpath, sizeof(dbpath), "%s", arg);
	}
	if (access(dbpath, R_OK) != 0) {
		fprintf(stderr, "virtlab: %s: no results database (run the experiment first)\n", dbpath);
		vl_exp_free(e);
		return EXIT_USAGE;
	}
	struct vl_db *db;
	if (vl_db_open_ro(&db, dbpath, &err)) {
		vl_exp_free(e);
		return cli_fail(&err);
	}
	int rc = EXIT_OK;
	if (name[0] || only) {
		rc = report_one(db, only ? only : name, only && strcmp(only, name) ? NULL : e, out);
	} else {
		sqlite3_stmt *st;
		int any = 0;
		if (sqlite3_prepare_v2(vl_db_handle(db), "SELECT name FROM experiment ORDER BY id", -1,
		                       &st, NULL) == SQLITE_OK) {
			while (sqlite3_step(st) == SQLITE_ROW && rc == EXIT_OK) {
				char n[VL_NAME];
				snprintf(n, sizeof(n), "%s", (const char *)sqlite3_column_text(st, 0));
				rc = report_one(db, n, NULL, out);
				any = 1;
			}
			sqlite3_finalize(st);
		}
		if (!any) {
			fprintf(stderr, "virtlab: %s: no experiment in this database\n", dbpath);
			rc = EXIT_USAGE;
		}
	}
	vl_db_close(db);
	vl_exp_free(e);
	return rc;
}
