/*
 * Child processes of the testbed: plain, in fresh namespaces, or in a
 * cgroup with a CPU limit; each with a watchdog, its output collected.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "testbed/tb_int.h"

#define CG_V1 "/sys/fs/cgroup/cpu"
#define CG_V2 "/sys/fs/cgroup"
#define CG_V2_HYBRID "/sys/fs/cgroup/unified"

void vl_tb_probe_path(const struct vl_tb_opts *o, const char *name, char *buf, size_t len)
{
	char self[PATH_MAX];
	ssize_t n;

	if (o && o->probe_dir) {
		snprintf(buf, len, "%s/%s", o->probe_dir, name);
		return;
	}
	n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (n <= 0) {
		snprintf(buf, len, "%s", name);
		return;
	}
	self[n] = '\0';
	char *slash = strrchr(self, '/');
	if (slash)
		*slash = '\0';
	snprintf(buf, len, "%s/%s", self, name);
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

static int write_file(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	close(fd);
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static int has_word(const char *path, const char *word)
{
	char buf[512];
	FILE *f = fopen(path, "r");
	int found = 0;

	if (!f)
		return 0;
	while (fscanf(f, "%511s", buf) == 1)
		found |= !strcmp(buf, word);
	fclose(f);
	return found;
}

/* The cgroup directory to create children in, or NULL. */
static const char *cgroup_base(int *v2)
{
	if (has_word(CG_V2 "/cgroup.controllers", "cpu") && access(CG_V2, W_OK) == 0) {
		*v2 = 1;
		return CG_V2;
	}
	if (has_word(CG_V2_HYBRID "/cgroup.controllers", "cpu") && access(CG_V2_HYBRID, W_OK) == 0) {
		*v2 = 1;
		return CG_V2_HYBRID;
	}
	if (access(CG_V1 "/cpu.cfs_quota_us", F_OK) == 0 && access(CG_V1, W_OK) == 0) {
		*v2 = 0;
		return CG_V1;
	}
	return NULL;
}

int vl_tb_have_cgroup_cpu(char *why, size_t len)
{
	int v2;
	const char *base;

	if (vl_tb_pretend_absent("cgroup")) {
		snprintf(why, len, "cgroup CPU controller pretended absent (VIRTLAB_PRETEND_ABSENT)");
		return 0;
	}
	base = cgroup_base(&v2);
	if (!base) {
		snprintf(why, len, "no writable cgroup CPU controller (v2 without cpu in "
		         "cgroup.controllers, v1 %s not writable: root needed)", CG_V1);
		return 0;
	}
	snprintf(why, len, "cgroup %s at %s, cpu limit 1.5 CPUs, weight halved", v2 ? "v2" : "v1",
	         base);
	return 1;
}

/* Creates a cgroup with a CPU limit; returns 0 and its path, or -1. */
static int cgroup_make(char *dir, size_t len)
{
	int v2;
	const char *base = cgroup_base(&v2);
	char path[PATH_MAX];

	if (!base)
		return -1;
	snprintf(dir, len, "%s/virtlab-%d", base, (int)getpid());
	if (mkdir(dir, 0755) && errno != EEXIST)
		return -1;
	if (v2) {
		snprintf(path, sizeof(path), "%s/cpu.max", dir);
		if (write_file(path, "150000 100000"))
			return -1;
		snprintf(path, sizeof(path), "%s/cpu.weight", dir);
		write_file(path, "50");
	} else {
		snprintf(path, sizeof(path), "%s/cpu.cfs_period_us", dir);
		if (write_file(path, "100000"))
			return -1;
		snprintf(path, sizeof(path), "%s/cpu.cfs_quota_us", dir);
		if (write_file(path, "150000"))
			return -1;
		snprintf(path, sizeof(path), "%s/cpu.shares", dir);
		write_file(path, "512");
	}
	return 0;
}

static int cgroup_join(const char *dir, pid_t pid)
{
	char path[PATH_MAX], num[32];

	snprintf(path, sizeof(path), "%s/cgroup.procs", dir);
	snprintf(num, sizeof(num), "%d", (int)pid);
	return write_file(path, num);
}

/* A fresh network namespace has only lo, and down: bring it up, as runtimes do. */
static void loopback_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (ioctl(fd, SIOCGIFFLAGS, &ifr) == 0) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(fd, SIOCSIFFLAGS, &ifr);
	}
	close(fd);
}

/* In the child: become a container (namespaces, uid map, pid 1 below us). */
static void enter_container(void)
{
	char map[64];
	uid_t uid = getuid();
	gid_t gid = getgid();

	if (unshare(CLONE_NEWUSER | CLONE_NEWPID | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWUTS |
	            CLONE_NEWIPC)) {
		dprintf(2, "unshare: %s\n", strerror(errno));
		_exit(126);
	}
	write_file("/proc/self/setgroups", "deny");
	snprintf(map, sizeof(map), "0 %d 1", (int)uid);
	write_file("/proc/self/uid_map", map);
	snprintf(map, sizeof(map), "0 %d 1", (int)gid);
	write_file("/proc/self/gid_map", map);
	loopback_up();
	/* the next child is pid 1 of the new pid namespace */
	pid_t pid = fork();
	if (pid < 0)
		_exit(126);
	if (pid > 0) {
		int st;
		while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
			;
		_exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
	}
	sethostname("virtlab", 7);
}

int vl_tb_spawn(enum vl_tb_env env, const char *const *argv, double timeout_s, char **out,
                double *wall_ns, struct vl_err *err)
{
	int outp[2], errp[2], st = 0;
	char cgdir[PATH_MAX] = "";
	char *buf = NULL, ebuf[1024];
	size_t len = 0, cap = 0, elen = 0;
	double t0, deadline;
	pid_t pid;

	if (out)
		*out = NULL;
	if (env == VL_TB_ENV_CGROUP && cgroup_make(cgdir, sizeof(cgdir)))
		return vl_err_set(err, VL_EIO, "creating a cgroup: %s", strerror(errno));
	if (pipe2(outp, O_CLOEXEC) || pipe2(errp, O_CLOEXEC))
		return vl_err_set(err, VL_EIO, "pipe: %s", strerror(errno));
	t0 = now_ns();
	/*
	 * A fork, not posix_spawn: the child enters namespaces and a cgroup
	 * before exec. It never returns to our code or flushes our stdio.
	 */
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return vl_err_set(err, VL_EIO, "fork: %s", strerror(errno));
	if (pid == 0) {
		dup2(outp[1], 1);
		dup2(errp[1], 2);
		setpgid(0, 0);
		if (env != VL_TB_ENV_NATIVE)
			enter_container();
		execvp(argv[0], (char *const *)argv);
		dprintf(2, "%s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	if (cgdir[0])
		cgroup_join(cgdir, pid);
	close(outp[1]);
	close(errp[1]);
	deadline = t0 + timeout_s * 1e9;
	struct pollfd pf[2] = {{outp[0], POLLIN, 0}, {errp[0], POLLIN, 0}};
	int open_fds = 2, timed_out = 0;
	while (open_fds) {
		int left = (int)((deadline - now_ns()) / 1e6);
		if (left <= 0) {
			timed_out = 1;
			break;
		}
		if (poll(pf, 2, left) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (int i = 0; i < 2; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP)))
				continue;
			char chunk[4096];
			ssize_t n = read(pf[i].fd, chunk, sizeof(chunk));
			if (n <= 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open_fds--;
				continue;
			}
			if (i == 0) {
				if (len + (size_t)n + 1 > cap) {
					cap = (len + (size_t)n + 1) * 2;
					char *p = realloc(buf, cap);
					if (!p) {
						free(buf);
						return vl_err_set(err, VL_ENOMEM, "out of memory");
					}
					buf = p;
				}
				memcpy(buf + len, chunk, (size_t)n);
				len += (size_t)n;
				buf[len] = '\0';
			} else if (elen < sizeof(ebuf) - 1) {
				size_t k = (size_t)n < sizeof(ebuf) - 1 - elen ? (size_t)n : sizeof(ebuf) - 1 - elen;
				memcpy(ebuf + elen, chunk, k);
				elen += k;
			}
		}
	}
	for (int i = 0; i < 2; i++)
		if (pf[i].fd >= 0)
			close(pf[i].fd);
	if (timed_out) {
		kill(-pid, SIGKILL);
		kill(pid, SIGKILL);
	}
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (wall_ns)
		*wall_ns = now_ns() - t0;
	if (cgdir[0])
		rmdir(cgdir);
	ebuf[elen] = '\0';
	if (elen && ebuf[elen - 1] == '\n')
		ebuf[elen - 1] = '\0';
	if (timed_out) {
		free(buf);
		return vl_err_set(err, VL_ETIMEOUT, "%s: killed after %.0f s (watchdog)", argv[0],
		                  timeout_s);
	}
	if (!WIFEXITED(st) || WEXITSTATUS(st)) {
		free(buf);
		if (WIFSIGNALED(st))
			return vl_err_set(err, VL_EIO, "%s: killed by signal %d%s%s", argv[0],
			                  WTERMSIG(st), elen ? ": " : "", ebuf);
		return vl_err_set(err, VL_EIO, "%s: exit status %d%s%s", argv[0], WEXITSTATUS(st),
		                  elen ? ": " : "", ebuf);
	}
	if (out) {
		*out = buf ? buf : strdup("");
		if (!*out)
			return vl_err_set(err, VL_ENOMEM, "out of memory");
	} else {
		free(buf);
	}
	return 0;
}

int vl_tb_start_latency(const struct vl_tb_opts *o, struct vl_tb_calib *c, enum vl_tb_env env,
                        const char *envname, struct vl_err *err)
{
	char probe[PATH_MAX];
	const char *argv[] = {probe, "list", NULL};
	int n = o->quick ? 9 : 31;

	vl_tb_probe_path(o, "vl-probe", probe, sizeof(probe));
	for (int i = 0; i < n + 1; i++) {
		double ns;
		int rc = vl_tb_spawn(env, argv, 30, NULL, &ns, err);
		if (rc)
			return rc;
		if (i > 0 && vl_tb_add_sample(c, env == VL_TB_ENV_NATIVE ? "native" : "container",
		                              envname, "start", ns, ns * c->tsc_hz / 1e9, 1))
			return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	return 0;
}
