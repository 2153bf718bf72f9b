/*
 * Merging the result databases of shards: experiments' runs (with their
 * parameters, metrics, event counts, breakdowns and series) and plans'
 * runs (with their metrics), keyed by what identifies a run, so that the
 * merged database holds the same rows as a one-process run. Duplicates
 * (a run present twice) are kept once and reported; gaps (runs the
 * experiment or plan expands to that no input has) are listed.
 */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiments/capacity.h"
#include "experiments/experiment.h"
#include "experiments/merge.h"

static int fail(sqlite3 *h, struct vl_err *err, const char *what)
{
	vl_err_set(err, VL_EDB, "merge: %s: %s", what, sqlite3_errmsg(h));
	sqlite3_exec(h, "ROLLBACK", NULL, NULL, NULL);
	return err->code;
}

static int has_table(sqlite3 *h, const char *schema, const char *table)
{
	char sql[256];
	sqlite3_stmt *st;
	int found = 0;

	snprintf(sql, sizeof(sql), "SELECT 1 FROM %s.sqlite_master WHERE type = 'table' AND name = '%s'",
	         schema, table);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) == SQLITE_OK) {
		found = sqlite3_step(st) == SQLITE_ROW;
		sqlite3_finalize(st);
	}
	return found;
}

/* "a, b, c" of a table's columns except those named in skip (comma list). */
static void columns(sqlite3 *h, const char *table, const char *skip, char *out, size_t len)
{
	char sql[128];
	sqlite3_stmt *st;

	out[0] = '\0';
	snprintf(sql, sizeof(sql), "PRAGMA main.table_info(%s)", table);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return;
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *c = (const char *)sqlite3_column_text(st, 1);
		char pat[80];
		snprintf(pat, sizeof(pat), ",%s,", c);
		char sk[256];
		snprintf(sk, sizeof(sk), ",%s,", skip);
		if (strstr(sk, pat))
			continue;
		size_t used = strlen(out);
		snprintf(out + used, len - used, "%s%s", used ? ", " : "", c);
	}
	sqlite3_finalize(st);
}

/* Finds or creates the parent row (experiment or plan) by name; refuses another config. */
static int parent(sqlite3 *h, const char *table, int64_t src_id, int64_t *dst_id, char *name,
                  size_t nlen, const char *in, struct vl_err *err)
{
	char sql[1400];
	sqlite3_stmt *st;
	int rc = 0;

	snprintf(sql, sizeof(sql), "SELECT name, config FROM src.%s WHERE id = %lld", table,
	         (long long)src_id);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK || sqlite3_step(st) != SQLITE_ROW) {
		sqlite3_finalize(st);
		return fail(h, err, table);
	}
	if (!sqlite3_column_text(st, 0)) {
		sqlite3_finalize(st);
		return vl_err_set(err, VL_EINVAL, "merge: %s: a %s without a name", in, table);
	}
	snprintf(name, nlen, "%s", (const char *)sqlite3_column_text(st, 0));
	char *config = strdup(sqlite3_column_text(st, 1) ? (const char *)sqlite3_column_text(st, 1) : "");
	sqlite3_finalize(st);
	if (!config)
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	snprintf(sql, sizeof(sql), "SELECT id, config FROM main.%s WHERE name = ?1", table);
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK) {
		free(config);
		return fail(h, err, table);
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		*dst_id = sqlite3_column_int64(st, 0);
		const char *c = (const char *)sqlite3_column_text(st, 1);
		if (strcmp(c ? c : "", config))
			rc = vl_err_set(err, VL_EINVAL, "merge: %s: %s '%s' was run from another version of "
			                "its file than the runs already merged", in, table, name);
		sqlite3_finalize(st);
	} else {
		sqlite3_finalize(st);
		char cols[512];
		columns(h, table, "id", cols, sizeof(cols));
		snprintf(sql, sizeof(sql), "INSERT INTO main.%s(%s) SELECT %s FROM src.%s WHERE id = %lld",
		         table, cols, cols, table, (long long)src_id);
		if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
			rc = fail(h, err, table);
		*dst_id = sqlite3_last_insert_rowid(h);
	}
	free(config);
	return rc;
}

/* Copies the child rows of one run (tables with a run_id column). */
static int children(sqlite3 *h, const char *const *tables, size_t n, int64_t from, int64_t to,
                    struct vl_err *err)
{
	for (size_t i = 0; i < n; i++) {
		char cols[512], sql[1400];
		if (!has_table(h, "src", tables[i]))
			continue;
		columns(h, tables[i], "run_id", cols, sizeof(cols));
		snprintf(sql, sizeof(sql), "INSERT INTO main.%s(run_id, %s) SELECT %lld, %s FROM src.%s "
		         "WHERE run_id = %lld", tables[i], cols, (long long)to, cols, tables[i],
		         (long long)from);
		if (sqlite3_exec(h, sql, NULL, NULL, NULL) != SQLITE_OK)
			return fail(h, err, tables[i]);
	}
	return 0;
}

/* Copies the runs of one family: experiments (run) or plans (capacity_run). */
static int copy_runs(sqlite3 *h, int plans, const char *in, struct vl_merge_stats *ms,
                     struct vl_err *err)
{
	const char *ptable = plans ? "capacity_plan" : "experiment";
	const char *rtable = plans ? "capacity_run" : "run";
	const char *fk = plans ? "plan_id" : "experiment_id";
	static const char *const exp_children[] = {"param", "metric", "event_count", "breakdown",
	                                           "series"};
	static const char *const plan_children[] = {"capacity_metric"};
	const char *key = plans ? "technique || '|' || count || '|' || replication" : "label";
	char sql[1024], cols[1024], pname[256];
	sqlite3_stmt *st;

	if (!has_table(h, "src", rtable))
		return 0;
	snprintf(sql, sizeof(sql), "SELECT id, %s, %s FROM src.%s WHERE %s IS NOT NULL%s ORDER BY id",
	         fk, key, rtable, fk, plans ? "" : " AND status = 'ok'");
	if (sqlite3_prepare_v2(h, sql, -1, &st, NULL) != SQLITE_OK)
		return fail(h, err, rtable);
	columns(h, rtable, plans ? "id,plan_id" : "id,experiment_id", cols, sizeof(cols));
	int64_t last_src = -1, dst_parent = 0;
	int rc = 0;
	while (!rc && sqlite3_step(st) == SQLITE_ROW) {
		int64_t rid = sqlite3_column_int64(st, 0), sp = sqlite3_column_int64(st, 1);
		char ident[VL_EXP_LABEL];
		if (!sqlite3_column_text(st, 2)) {
			rc = vl_err_set(err, VL_EINVAL, "merge: %s: %s row %lld has no identity (label)", in,
			                rtable, (long long)rid);
			break;
		}
		if ((size_t)sqlite3_column_bytes(st, 2) >= sizeof(ident)) {
			rc = vl_err_set(err, VL_EINVAL, "merge: %s: %s row %lld: its identity is longer than "
			                "any run's", in, rtable, (long long)rid);
			break;
		}
		snprintf(ident, sizeof(ident), "%s", (const char *)sqlite3_column_text(st, 2));
		if (sp != last_src) {
			if ((rc = parent(h, ptable, sp, &dst_parent, pname, sizeof(pname), in, err)))
				break;
			last_src = sp;
		}
		/* already merged? */
		char q[512];
		sqlite3_stmt *d;
		snprintf(q, sizeof(q), "SELECT 1 FROM main.%s WHERE %s = %lld AND %s = ?1", rtable, fk,
		         (long long)dst_parent, key);
		int dup = 0;
		if (sqlite3_prepare_v2(h, q, -1, &d, NULL) == SQLITE_OK) {
			sqlite3_bind_text(d, 1, ident, -1, SQLITE_STATIC);
			dup = sqlite3_step(d) == SQLITE_ROW;
			sqlite3_finalize(d);
		}
		if (dup) {
			ms->duplicates++;
			if (ms->duplicates <= 5)
				fprintf(stderr, "merge: %s: duplicate run %s|%s skipped\n", in, pname, ident);
			continue;
		}
		char ins[2600];
		snprintf(ins, sizeof(ins), "INSERT INTO main.%s(%s, %s) SELECT %lld, %s FROM src.%s "
		         "WHERE id = %lld", rtable, fk, cols, (long long)dst_parent, cols, rtable,
		         (long long)rid);
		if (sqlite3_exec(h, ins, NULL, NULL, NULL) != SQLITE_OK) {
			rc = fail(h, err, rtable);
			break;
		}
		int64_t nid = sqlite3_last_insert_rowid(h);
		rc = plans ? children(h, plan_children, 1, rid, nid, err)
		           : children(h, exp_children, 5, rid, nid, err);
		ms->runs++;
	}
	sqlite3_finalize(st);
	return rc;
}

/* Runs an experiment or plan expands to that the merged database lacks. */
static int gaps(struct vl_db *db, struct vl_merge_stats *ms, struct vl_err *err)
{
	sqlite3 *h = vl_db_handle(db);
	sqlite3_stmt *st;

	if (has_table(h, "main", "capacity_plan") &&
	    sqlite3_prepare_v2(h, "SELECT id, name, config FROM capacity_plan", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct vl_cap_plan *p;
			struct vl_err e = {0};
			int64_t id = sqlite3_column_int64(st, 0);
			const char *config = (const char *)sqlite3_column_text(st, 2);
			const char *pname = (const char *)sqlite3_column_text(st, 1);
			if (!config || !pname || vl_cap_parse(&p, config, pname, &e))
				continue;
			for (size_t t = 0; t < p->ntechs; t++)
				for (size_t c = 0; c < p->ncounts; c++)
					for (unsigned r = 0; r < p->replications; r++) {
						char q[512];
						sqlite3_stmt *d;
						snprintf(q, sizeof(q), "SELECT 1 FROM capacity_run WHERE plan_id = %lld AND "
						         "technique = ?1 AND count = %u AND replication = %u",
						         (long long)id, p->counts[c], r);
						int found = 0;
						if (sqlite3_prepare_v2(h, q, -1, &d, NULL) == SQLITE_OK) {
							sqlite3_bind_text(d, 1, p->techs[t].name, -1, SQLITE_STATIC);
							found = sqlite3_step(d) == SQLITE_ROW;
							sqlite3_finalize(d);
						}
						if (!found && ms->gaps++ < 10)
							fprintf(stderr, "merge: missing run: plan %s, %s x%u, replication %u\n",
							        p->name, p->techs[t].name, p->counts[c], r);
					}
			vl_cap_free(p);
		}
		sqlite3_finalize(st);
	}
	if (has_table(h, "main", "experiment") &&
	    sqlite3_prepare_v2(h, "SELECT id, name, config FROM experiment", -1, &st, NULL) == SQLITE_OK) {
		while (sqlite3_step(st) == SQLITE_ROW) {
			struct vl_experiment *e;
			struct vl_exp_run *runs;
			size_t n;
			struct vl_err e2 = {0};
			int64_t id = sqlite3_column_int64(st, 0);
			const char *config = (const char *)sqlite3_column_text(st, 2);
			const char *ename = (const char *)sqlite3_column_text(st, 1);
			if (!config || !ename || vl_exp_parse(&e, config, ename, &e2))
				continue;
			if (vl_exp_expand(e, &runs, &n, &e2)) {
				vl_exp_free(e);
				continue;
			}
			for (size_t i = 0; i < n; i++) {
				sqlite3_stmt *d;
				int found = 0;
				if (sqlite3_prepare_v2(h, "SELECT 1 FROM run WHERE experiment_id = ?1 AND label = ?2 "
				                       "AND status = 'ok'", -1, &d, NULL) == SQLITE_OK) {
					sqlite3_bind_int64(d, 1, id);
					sqlite3_bind_text(d, 2, runs[i].label, -1, SQLITE_STATIC);
					found = sqlite3_step(d) == SQLITE_ROW;
					sqlite3_finalize(d);
				}
				if (!found && ms->gaps++ < 10)
					fprintf(stderr, "merge: missing run: experiment %s, %s\n", e->name,
					        runs[i].label);
			}
			struct vl_err e3 = {0};
			if (vl_exp_summarize(e, db, &e3))
				fprintf(stderr, "merge: summary of %s: %s\n", e->name, e3.msg);
			free(runs);
			vl_exp_free(e);
		}
		sqlite3_finalize(st);
	}
	(void)err;
	return 0;
}

int vl_merge(const char *out, const char *const *in, size_t nin, struct vl_merge_stats *ms,
             struct vl_err *err)
{
	struct vl_db *db;
	int rc;

	memset(ms, 0, sizeof(*ms));
	if ((rc = vl_db_open(&db, out, err)))
		return rc;
	sqlite3 *h = vl_db_handle(db);
	for (size_t i = 0; i < nin && !rc; i++) {
		/* an input is a results database of this version, or nothing is merged from it */
		struct vl_db *in_db;
		if ((rc = vl_db_open_ro(&in_db, in[i], err))) {
			vl_err_prefix(err, "merge");
			break;
		}
		vl_db_close(in_db);
		sqlite3_str *s = sqlite3_str_new(h);
		sqlite3_str_appendf(s, "ATTACH DATABASE %Q AS src", in[i]);
		char *att = sqlite3_str_finish(s);
		if (sqlite3_exec(h, att, NULL, NULL, NULL) != SQLITE_OK) {
			rc = vl_err_set(err, VL_EIO, "merge: %s: %s", in[i], sqlite3_errmsg(h));
			sqlite3_free(att);
			break;
		}
		sqlite3_free(att);
		/* the plan tables as this build defines them (never SQL the input carries) */
		if (has_table(h, "src", "capacity_run") && (rc = vl_cap_db_init(db, err))) {
			sqlite3_exec(h, "DETACH DATABASE src", NULL, NULL, NULL);
			break;
		}
		if (sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
			rc = fail(h, err, "begin");
		if (!rc)
			rc = copy_runs(h, 0, in[i], ms, err);
		if (!rc)
			rc = copy_runs(h, 1, in[i], ms, err);
		if (!rc && sqlite3_exec(h, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
			rc = fail(h, err, "commit");
		sqlite3_exec(h, "DETACH DATABASE src", NULL, NULL, NULL);
		ms->inputs++;
	}
	if (!rc)
		rc = gaps(db, ms, err);
	vl_db_close(db);
	return rc;
}
