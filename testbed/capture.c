/*
 * virtlab trace capture: runs a real program under qemu-x86_64 with the
 * vlcapture plugin (testbed/tcg/vlcapture.c) in a process group of its own,
 * shows progress while it runs, then turns the raw records into a trace
 * (traces/capture.c) written under a temporary name and renamed only when
 * complete. Interrupted, it kills the group and leaves nothing behind.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/proc.h"
#include "testbed/capture.h"
#include "testbed/testbed.h"
#include "traces/capraw.h"

extern char **environ;

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

static int is_file(const char *path, int exec)
{
	struct stat st;

	return !stat(path, &st) && S_ISREG(st.st_mode) && (!exec || !access(path, X_OK));
}

int vl_capture_find_plugin(const char *given, char *buf, size_t len, struct vl_err *err)
{
	char exe[PATH_MAX];
	ssize_t n;

	if (given) {
		if (!is_file(given, 0))
			return vl_err_set(err, VL_EINVAL, "capture plugin '%s' not found", given);
		snprintf(buf, len, "%s", given);
		return 0;
	}
	n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (n > 0) {
		exe[n] = 0;
		char *slash = strrchr(exe, '/');
		if (slash) {
			*slash = 0;
			snprintf(buf, len, "%s/vlcapture.so", exe);
			if (is_file(buf, 0))
				return 0;
			snprintf(buf, len, "%s/../lib/virtlab/vlcapture.so", exe);
			if (is_file(buf, 0))
				return 0;
		}
	}
	return vl_err_set(err, VL_EUNAVAIL, "the capture plugin vlcapture.so is not next to the "
	                  "virtlab binary nor in ../lib/virtlab (build it with `make`)");
}

/* Resolves a command like execvp would; 0 and its absolute path, or an error. */
static int find_command(const char *cmd, char *buf, size_t len, struct vl_err *err)
{
	char found[PATH_MAX];

	if (!vl_proc_find(cmd, found, sizeof(found))) {
		if (!strchr(cmd, '/'))
			return vl_err_set(err, VL_EINVAL, "capture: '%s': command not found", cmd);
		return vl_err_set(err, VL_EINVAL, "capture: '%s': %s", cmd,
		                  access(cmd, F_OK) ? "no such file" : "not an executable file");
	}
	if (len < PATH_MAX || !realpath(found, buf))
		return vl_err_set(err, VL_EIO, "capture: '%s': %s", cmd, strerror(errno));
	return 0;
}

/* Bytes of raw records and processes so far. */
static void raw_size(const char *dir, uint64_t *bytes, unsigned *procs)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 512];
	struct stat st;

	*bytes = 0;
	*procs = 0;
	if (!d)
		return;
	while ((e = readdir(d))) {
		size_t n = strlen(e->d_name);
		if (n < 5 || strcmp(e->d_name + n - 4, ".raw"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (!stat(path, &st)) {
			*bytes += (uint64_t)st.st_size;
			(*procs)++;
		}
	}
	closedir(d);
}



static void set_meta(struct vl_meta *m, const struct vl_capture_opts *o, const char *qemu_ver)
{
	char cmd[256], date[32], kern[128];
	size_t k = 0;
	time_t now = time(NULL);
	struct tm tm;
	struct utsname u;
	const char *base = strrchr(o->argv[0], '/');
	struct vl_err ignore = {0};

	for (int i = 0; o->argv[i] && k < sizeof(cmd) - 1; i++)
		k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, "%s%s", i ? " " : "", o->argv[i]);
	for (char *c = cmd; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(kern, sizeof(kern), "%s", uname(&u) ? "unknown" : u.release);
	vl_meta_set(m, "name", base ? base + 1 : o->argv[0], &ignore);
	vl_meta_set(m, "source", "captured under QEMU user-mode TCG by virtlab trace capture "
	            "(testbed/tcg/vlcapture.c)", &ignore);
	vl_meta_set(m, "command", cmd, &ignore);
	vl_meta_set(m, "captured", date, &ignore);
	vl_meta_set(m, "capture", "user", &ignore);
	vl_meta_set(m, "qemu", qemu_ver, &ignore);
	vl_meta_set(m, "host_kernel", kern, &ignore);
	vl_meta_set(m, "kernel_paths", "Linux 6.1 under QEMU TCG, counted by make kernel-paths "
	            "(traces/kpaths.h)", &ignore);
	{
		char f[32];
		snprintf(f, sizeof(f), "%d", VL_CAPRAW_TOUCH_FILTER);
		vl_meta_set(m, "touch_filter", f, &ignore);
	}
	if (o->operations) {
		char n[32];
		snprintf(n, sizeof(n), "%llu", (unsigned long long)o->operations);
		vl_meta_set(m, "operations", n, &ignore);
	}
}

/* Spawns qemu in a group of its own and waits, showing progress; 0 or an error. */
static int run_qemu(const struct vl_capture_opts *o, const char *qemu, const char *plugin,
                    const char *dir, const char *prog, pid_t *root, int *status,
                    struct vl_err *err)
{
	char spec[PATH_MAX * 2 + 64];
	const char *argv[4096];
	size_t k = 0;
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	pid_t pid;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	time_t start = time(NULL);
	int rc;

	if (o->limit)
		snprintf(spec, sizeof(spec), "%s,dir=%s,limit=%llu", plugin, dir,
		         (unsigned long long)o->limit);
	else
		snprintf(spec, sizeof(spec), "%s,dir=%s", plugin, dir);
	argv[k++] = qemu;
	argv[k++] = "-plugin";
	argv[k++] = spec;
	argv[k++] = "-0";
	argv[k++] = o->argv[0];
	argv[k++] = prog;
	for (int i = 1; o->argv[i] && k < 4095; i++)
		argv[k++] = o->argv[i];
	argv[k] = NULL;

	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawn_file_actions_init(&fa);
	if (o->discard_stdout)
		posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	fflush(NULL);
	rc = posix_spawn(&pid, qemu, &fa, &attr, (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		return vl_err_set(err, VL_EIO, "capture: cannot run %s: %s", qemu, strerror(rc));
	}
	*root = pid;
	for (unsigned tick = 0;; tick++) {
		pid_t w = waitpid(pid, status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			rc = vl_err_set(err, VL_EIO, "capture: waitpid: %s", strerror(errno));
			break;
		}
		if (stop_signal) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, status, 0) < 0 && errno == EINTR)
				;
			rc = vl_err_set(err, VL_EINTR, "capture: interrupted; no trace written");
			break;
		}
		if (o->progress && tick % 5 == 0) {
			uint64_t bytes;
			unsigned procs;
			char line[160];
			raw_size(dir, &bytes, &procs);
			snprintf(line, sizeof(line), "capturing %s: %.1f MB of records, %u process%s, %lds",
			         o->argv[0], (double)bytes / 1e6, procs, procs == 1 ? "" : "es",
			         (long)(time(NULL) - start));
			o->progress(o->ctx, line);
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}

struct conv_progress {
	const struct vl_capture_opts *o;
	uint64_t next;
};

static int on_converted(void *ctx, uint64_t events)
{
	struct conv_progress *cp = ctx;
	char line[96];

	if (stop_signal)
		return 1; /* Ctrl-C while writing: the writer is aborted, nothing is left */
	if (!cp->o->progress || events < cp->next)
		return 0;
	cp->next = events + (1u << 22);
	snprintf(line, sizeof(line), "writing the trace: %llu events", (unsigned long long)events);
	cp->o->progress(cp->o->ctx, line);
	return 0;
}

int vl_capture_run(const struct vl_capture_opts *o, struct vl_capture_stats *st,
                   struct vl_err *err)
{
	char plugin[PATH_MAX], prog[PATH_MAX], dir[PATH_MAX], tmp[PATH_MAX + 16], why[256];
	char qemu[PATH_MAX], qver[128];
	struct vl_meta meta = {0};
	struct vl_writer *w = NULL;
	struct conv_progress cp = {o, 0};
	int status = 0, rc;
	pid_t root = 0;
	const char *slash;

	memset(st, 0, sizeof(*st));
	if (!o->argv || !o->argv[0])
		return vl_err_set(err, VL_EINVAL, "capture: no command given (usage: virtlab trace "
		                  "capture [-o FILE] -- CMD [ARGS...])");
	if (!vl_tb_have_qemu("qemu-x86_64", why, sizeof(why)))
		return vl_err_set(err, VL_EUNAVAIL, "capture: %s", why);
	if ((rc = find_command("qemu-x86_64", qemu, sizeof(qemu), err)) ||
	    (rc = vl_capture_find_plugin(o->plugin, plugin, sizeof(plugin), err)) ||
	    (rc = find_command(o->argv[0], prog, sizeof(prog), err)))
		return rc;
	if (plugin[0] != '/') {
		char abs[PATH_MAX];
		if (!realpath(plugin, abs))
			return vl_err_set(err, VL_EIO, "%s: %s", plugin, strerror(errno));
		snprintf(plugin, sizeof(plugin), "%s", abs);
	}
	/* the raw records go beside the output: the same file system, no /tmp limit */
	slash = strrchr(o->out, '/');
	snprintf(dir, sizeof(dir), "%.*s%s.vlcapture-XXXXXX", slash ? (int)(slash - o->out + 1) : 0,
	         o->out, slash ? "" : "./");
	if (!mkdtemp(dir))
		return vl_err_set(err, VL_EIO, "capture: cannot make a directory for the records "
		                  "beside '%s': %s", o->out, strerror(errno));
	const char *ver_argv[] = {qemu, "--version", NULL}; /* provenance */
	vl_proc_first_line(ver_argv, dir, qver, sizeof(qver));
	rc = run_qemu(o, qemu, plugin, dir, prog, &root, &status, err);
	if (rc)
		goto out;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 125) {
		rc = vl_err_set(err, VL_EIO, "capture: the plugin could not write its records (its "
		                "message is above)");
		goto out;
	}
	snprintf(tmp, sizeof(tmp), "%s/limit", dir);
	st->limited = !access(tmp, F_OK);
	if (WIFSIGNALED(status) && !st->limited) {
		rc = vl_err_set(err, VL_EIO, "capture: '%s' was killed by signal %d (%s); no trace "
		                "written", o->argv[0], WTERMSIG(status), strsignal(WTERMSIG(status)));
		goto out;
	}
	st->exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;

	set_meta(&meta, o, qver);
	if (!root) {
		rc = vl_err_set(err, VL_EIO, "capture: '%s' left no records", o->argv[0]);
		goto out;
	}
	if ((rc = vl_writer_open(&w, o->out, vl_tfmt_from_path(o->out), o->zstd ? VL_W_ZSTD | (o->zstd > 1 ? VL_W_ZSTD_MAX : 0) : 0,
	                         &meta, err)))
		goto out;
	{
		struct vl_capture_stats cs;
		struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
		int limited = st->limited, code = st->exit_status;
		stop_signal = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		rc = vl_capture_convert(dir, (long)root, w, o->limit, &cs, on_converted, &cp, err);
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
		*st = cs;
		st->limited |= limited;
		st->exit_status = code;
	}
	if (rc) {
		vl_writer_abort(w);
		goto out;
	}
	rc = vl_writer_close(w, err);
out:
	vl_proc_remove_dir(dir);
	return rc;
}
