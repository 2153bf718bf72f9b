/*
 * Reports: from a results database alone, write an experiment's plots
 * (gnuplot, PNG and SVG), diagrams (Graphviz: the path events take between
 * guest, monitor and host, weighted by the run's counts and cycles), the
 * data behind them, and an index.html plus README.md with the table of
 * simulated against published values and the error of each.
 */
#ifndef VL_REPORT_H
#define VL_REPORT_H

#include "experiments/experiment.h"
#include "sim/recorder.h"

struct vl_report_result {
	char dir[512];
	char missing[4096];   /* pictures and series not drawn, and why ("" if none) */
	char warning[1600];   /* the edited file's runs differ from the recorded ones, or "" */
	unsigned plots, diagrams, references;
	double max_abs_error; /* largest |error| over the references, as a fraction */
	unsigned predicted;   /* references not marked fitted */
	double max_abs_error_predicted; /* largest |error| over those, as a fraction */
};

/*
 * Writes the report of experiment `name` stored in db into dir (NULL: the
 * experiment's output directory). Tools that are missing (gnuplot, dot)
 * only cost their pictures; everything else is still written. Every
 * series a plot declares is drawn, or named in res->missing with why.
 * file (may be NULL; borrowed) is the experiment file as it is now: its
 * [plot] and [reference] sections replace the recorded ones, and
 * res->warning says so when its runs differ from those recorded.
 */
int vl_report_write(struct vl_db *db, const char *name, const struct vl_experiment *file,
                    const char *dir, struct vl_report_result *res, struct vl_err *err);

/* Whether a program is on PATH. */
int vl_report_have_tool(const char *name);

/*
 * Runs argv[0] with its arguments in dir, standard output to /dev/null and
 * the tool's warnings appended to dir/tools.log; 0 on success.
 */
int vl_report_run_tool(const char *dir, const char *const argv[]);

#endif
