/*
 * External programs through posix_spawn: the child is a new program from
 * its first instruction, never a fork of ours holding our stdio buffers.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sim/proc.h"

extern char **environ;

int vl_proc_find(const char *name, char *path, size_t len)
{
	char buf[PATH_MAX];
	const char *p = getenv("PATH");

	if (!name || !*name)
		return 0;
	if (strchr(name, '/')) {
		if (access(name, X_OK))
			return 0;
		if (path)
			snprintf(path, len, "%s", name);
		return 1;
	}
	while (p && *p) {
		const char *end = strchr(p, ':');
		size_t n = end ? (size_t)(end - p) : strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, n ? p : ".", name);
		if (!access(buf, X_OK)) {
			if (path)
				snprintf(path, len, "%s", buf);
			return 1;
		}
		p = end ? end + 1 : NULL;
	}
	return 0;
}

int vl_proc_run(const char *dir, const char *const argv[], const char *out_path,
                const char *err_path, struct vl_err *err)
{
	posix_spawn_file_actions_t fa;
	pid_t pid;
	int st, rc;

	if (posix_spawn_file_actions_init(&fa))
		return vl_err_set(err, VL_ENOMEM, "%s: cannot start: out of memory", argv[0]);
	/* the chdir comes first so that the files are opened relative to dir */
	rc = dir ? posix_spawn_file_actions_addchdir_np(&fa, dir) : 0;
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 1, out_path ? out_path : "/dev/null",
		                                      O_WRONLY | O_CREAT | O_TRUNC,
		                                      0644);
	if (!rc)
		rc = posix_spawn_file_actions_addopen(&fa, 2, err_path ? err_path : "/dev/null",
		                                      O_WRONLY | O_CREAT | O_APPEND, 0644);
	if (!rc)
		rc = posix_spawnp(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc)
		return vl_err_set(err, VL_EUNAVAIL, "%s: cannot start: %s", argv[0], strerror(rc));
	while (waitpid(pid, &st, 0) < 0)
		if (errno != EINTR)
			return vl_err_set(err, VL_EIO, "%s: waitpid: %s", argv[0], strerror(errno));
	if (WIFEXITED(st) && WEXITSTATUS(st) == 0)
		return 0;
	if (WIFEXITED(st) && WEXITSTATUS(st) == 127)
		return vl_err_set(err, VL_EUNAVAIL, "%s: cannot start (exit status 127)", argv[0]);
	if (WIFEXITED(st))
		return vl_err_set(err, VL_EIO, "%s failed with exit status %d", argv[0],
		                  WEXITSTATUS(st));
	return vl_err_set(err, VL_EIO, "%s killed by signal %d", argv[0], WTERMSIG(st));
}

void vl_proc_first_line(const char *const argv[], const char *dir, char *buf, size_t len)
{
	char path[PATH_MAX + 32];
	struct vl_err ignore = {0};
	FILE *f;

	snprintf(buf, len, "unknown");
	snprintf(path, sizeof(path), "%s/first-line", dir);
	if (vl_proc_run(NULL, argv, path, NULL, &ignore) || !(f = fopen(path, "r")))
		return;
	if (fgets(buf, (int)len, f))
		buf[strcspn(buf, "\n")] = 0;
	fclose(f);
	unlink(path);
}

void vl_proc_remove_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[PATH_MAX + 512];

	if (d) {
		while ((e = readdir(d)))
			if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
				snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
				unlink(path);
			}
		closedir(d);
	}
	rmdir(dir);
}
