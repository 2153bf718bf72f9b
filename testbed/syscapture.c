/*
 * virtlab trace capture --system: boots Debian's cloud kernel (the one
 * testbed/tcg/kernel-paths.sh counts kernel paths on, fetched by
 * testbed/tcg/fetch-kernel.sh) under qemu-system-x86_64's TCG with the
 * vlsyscap plugin (testbed/tcg/vlsyscap.c), on an initramfs this file
 * writes: vl-init as /init, busybox, and the command. vl-init runs the
 * command between the markers that bound the recording, then powers off.
 * A watchdog kills a guest that does not finish; Ctrl-C kills it too and
 * leaves nothing behind; the trace is written under a temporary name and
 * renamed when complete, as a user-mode capture is (testbed/capture.c).
 *
 * The command runs inside the guest: it must be an x86-64 program (copied
 * into the initramfs as /bin/NAME; a dynamically linked one with its loader
 * and shared libraries, as ldd lists them, at their own paths) or a busybox
 * applet (busybox-static is /bin/busybox, and /bin/sh). The kernel's symbols come from the guest's
 * /proc/kallsyms the first time (Debian ships no System.map) and are kept
 * beside the kernel as vl-syms-RELEASE.map.
 */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sim/proc.h"
#include "testbed/syscapture.h"
#include "testbed/tcg/ptsyms.h"
#include "traces/capraw.h"

extern char **environ;

#define DEFAULT_KERNEL_DIR "out/kernel-paths/kernel"
#define DEFAULT_TIMEOUT 1800
#define GUEST_MEM "512" /* MiB: as kernel-paths.sh, whose paths traces/kpaths.h holds */
#define APPEND "console=ttyS0 quiet panic=-1 nokaslr norandmaps"

static volatile sig_atomic_t stop_signal;

static void on_signal(int sig)
{
	stop_signal = sig;
}

/* --- what is needed ------------------------------------------------------ */

static const char *kernel_dir_of(const char *given)
{
	const char *env = getenv("VL_KERNEL_DIR");

	return given ? given : env && *env ? env : DEFAULT_KERNEL_DIR;
}

/* DIR/boot/vmlinuz-RELEASE: the release into rel; 0 or -1. */
static int find_kernel(const char *dir, char *path, size_t len, char *rel, size_t rlen)
{
	char boot[PATH_MAX];
	DIR *d;
	struct dirent *e;
	int found = -1;

	snprintf(boot, sizeof(boot), "%s/boot", dir);
	if (!(d = opendir(boot)))
		return -1;
	while ((e = readdir(d)))
		if (!strncmp(e->d_name, "vmlinuz-", 8) && found < 0) {
			if (snprintf(path, len, "%s/%s", boot, e->d_name) < (int)len &&
			    snprintf(rel, rlen, "%s", e->d_name + 8) < (int)rlen)
				found = 0;
		}
	closedir(d);
	return found;
}

/* An x86-64 ELF program: 1 when static (no PT_INTERP), 2 when dynamically
 * linked, else 0. */
static int elf_kind(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC), ok = 0;

	if (fd < 0)
		return 0;
	if (pread(fd, &eh, sizeof(eh), 0) == sizeof(eh) && !memcmp(eh.e_ident, ELFMAG, SELFMAG) &&
	    eh.e_ident[EI_CLASS] == ELFCLASS64 && eh.e_machine == EM_X86_64) {
		ok = 1;
		for (unsigned i = 0; i < eh.e_phnum; i++)
			if (pread(fd, &ph, sizeof(ph), (off_t)(eh.e_phoff + (uint64_t)i * eh.e_phentsize)) !=
			        sizeof(ph) ||
			    ph.p_type == PT_INTERP) {
				ok = 2;
				break;
			}
	}
	close(fd);
	return ok;
}

/* A file beside the virtlab binary or in ../lib/virtlab. */
static int find_beside(const char *name, char *buf, size_t len)
{
	char exe[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	char *slash;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	if (!(slash = strrchr(exe, '/')))
		return -1;
	*slash = 0;
	if (snprintf(buf, len, "%s/%s", exe, name) < (int)len && !access(buf, R_OK))
		return 0;
	if (snprintf(buf, len, "%s/../lib/virtlab/%s", exe, name) >= (int)len)
		return -1;
	return access(buf, R_OK) ? -1 : 0;
}

int vl_syscap_available(const char *kernel_dir, char *why, size_t len)
{
	char path[PATH_MAX], rel[256];
	const char *kdir = kernel_dir_of(kernel_dir);

	if (!vl_proc_find("qemu-system-x86_64", NULL, 0)) {
		snprintf(why, len, "qemu-system-x86_64 not found (Debian package qemu-system-x86)");
		return 0;
	}
	if (!vl_proc_find("busybox", path, sizeof(path)) || elf_kind(path) != 1) {
		snprintf(why, len, "no static busybox on PATH (Debian package busybox-static)");
		return 0;
	}
	if (find_kernel(kdir, path, sizeof(path), rel, sizeof(rel))) {
		snprintf(why, len, "no kernel in %s/boot (fetch Debian's linux-image-cloud-amd64 with "
		         "`make kernel`, or set VL_KERNEL_DIR)", kdir);
		return 0;
	}
	if (find_beside("vlsyscap.so", path, sizeof(path)) || find_beside("vl-init", path, sizeof(path))) {
		snprintf(why, len, "vlsyscap.so or vl-init is not beside the virtlab binary (build them "
		         "with `make`)");
		return 0;
	}
	return 1;
}

/* --- the initramfs (cpio newc) -------------------------------------------- */

struct cpio {
	FILE *f;
	unsigned ino;
	int failed;
};

static void cpio_pad(struct cpio *c)
{
	long pos = ftell(c->f);

	while (pos >= 0 && pos % 4) {
		fputc(0, c->f);
		pos++;
	}
}

static void cpio_head(struct cpio *c, const char *name, unsigned mode, uint64_t size,
                      unsigned rmaj, unsigned rmin)
{
	size_t nlen = strlen(name) + 1;

	if (fprintf(c->f, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08zX%08X", ++c->ino,
	            mode, 0u, 0u, 1u, 0u, (unsigned)size, 0u, 0u, rmaj, rmin, nlen, 0u) < 0 ||
	    fwrite(name, 1, nlen, c->f) != nlen)
		c->failed = 1;
	cpio_pad(c);
}

static void cpio_data(struct cpio *c, const char *name, unsigned mode, const void *data,
                      size_t size)
{
	cpio_head(c, name, mode, size, 0, 0);
	if (size && fwrite(data, 1, size, c->f) != size)
		c->failed = 1;
	cpio_pad(c);
}

static int cpio_file(struct cpio *c, const char *name, const char *src)
{
	FILE *in = fopen(src, "rb");
	char buf[65536];
	struct stat st;
	size_t n;

	if (!in || fstat(fileno(in), &st)) {
		if (in)
			fclose(in);
		return -1;
	}
	cpio_head(c, name, S_IFREG | 0755, (uint64_t)st.st_size, 0, 0);
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		if (fwrite(buf, 1, n, c->f) != n)
			c->failed = 1;
	fclose(in);
	cpio_pad(c);
	return 0;
}

/* The file src at the absolute path dest, with the directories above it
 * (the kernel's unpacker takes a directory made twice as made once). */
static int cpio_at_path(struct cpio *c, const char *dest, const char *src)
{
	char name[PATH_MAX];

	snprintf(name, sizeof(name), "%s", dest + 1);
	for (char *sl = strchr(name, '/'); sl; sl = strchr(sl + 1, '/')) {
		*sl = 0;
		cpio_data(c, name, S_IFDIR | 0755, NULL, 0);
		*sl = '/';
	}
	return cpio_file(c, name, src);
}

/* The initramfs: vl-init, busybox (also as /bin/sh), the command, the other
 * files it needs (files: pairs of source and destination paths, as struct
 * copies keeps them; NULL: none) and its words. */
static int write_initrd(const char *path, const char *init, const char *busybox,
                        const char *prog, const char *prog_name, const char *files,
                        const char *cmd, size_t cmd_len, int want_syms, struct vl_err *err)
{
	static const char *const dirs[] = {"bin", "dev", "proc", "sys", "tmp"};
	struct cpio c = {fopen(path, "wb"), 0, 0};
	char name[PATH_MAX];

	if (!c.f)
		return vl_err_set(err, VL_EIO, "%s: %s", path, strerror(errno));
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++)
		cpio_data(&c, dirs[i], S_IFDIR | 0755, NULL, 0);
	cpio_head(&c, "dev/console", S_IFCHR | 0600, 0, 5, 1);
	if (cpio_file(&c, "init", init) || cpio_file(&c, "bin/busybox", busybox))
		c.failed = 1;
	cpio_data(&c, "bin/sh", S_IFLNK | 0777, "busybox", 7);
	if (prog) {
		snprintf(name, sizeof(name), "bin/%s", prog_name);
		if (cpio_file(&c, name, prog))
			c.failed = 1;
	}
	for (const char *l = files; l && *l; l += strlen(l) + 1) {
		const char *dest = l + strlen(l) + 1;
		if (cpio_at_path(&c, dest, l))
			c.failed = 1;
		l = dest;
	}
	cpio_data(&c, "vl-cmd", S_IFREG | 0644, cmd, cmd_len);
	if (want_syms)
		cpio_data(&c, "vl-syms", S_IFREG | 0644, NULL, 0);
	cpio_data(&c, "TRAILER!!!", 0, NULL, 0);
	if (fclose(c.f) || c.failed) {
		unlink(path);
		return vl_err_set(err, VL_EIO, "%s: cannot write the initramfs: %s", path,
		                  strerror(errno ? errno : EIO));
	}
	return 0;
}

/* Whether busybox has an applet called name. */
static int busybox_applet(const char *busybox, const char *name, const char *dir)
{
	const char *argv[] = {busybox, "--list", NULL};
	char path[PATH_MAX + 16], line[128];
	struct vl_err ignore = {0};
	FILE *f;
	int found = 0;

	snprintf(path, sizeof(path), "%s/applets", dir);
	if (vl_proc_run(NULL, argv, path, NULL, &ignore) || !(f = fopen(path, "r")))
		return 0;
	while (!found && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = 0;
		found = !strcmp(line, name);
	}
	fclose(f);
	unlink(path);
	return found;
}

/* --- running the guest --------------------------------------------------- */


static off_t file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? 0 : st.st_size;
}

static int run_guest(const struct vl_syscap_opts *o, const char *const *argv, const char *log,
                     const char *raw, struct vl_err *err)
{
	posix_spawnattr_t attr;
	posix_spawn_file_actions_t fa;
	struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
	unsigned timeout = o->timeout ? o->timeout : DEFAULT_TIMEOUT;
	time_t start = time(NULL);
	pid_t pid;
	int rc, status;

	posix_spawnattr_init(&attr);
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
	posix_spawnattr_setpgroup(&attr, 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	posix_spawn_file_actions_adddup2(&fa, 1, 2);
	stop_signal = 0;
	sigaction(SIGINT, &sa, &old_int);
	sigaction(SIGTERM, &sa, &old_term);
	fflush(NULL);
	rc = posix_spawn(&pid, argv[0], &fa, &attr, (char *const *)argv, environ);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	if (rc) {
		rc = vl_err_set(err, VL_EIO, "capture: cannot run %s: %s", argv[0], strerror(rc));
		goto out;
	}
	for (unsigned tick = 0;; tick++) {
		pid_t w = waitpid(pid, &status, WNOHANG);
		if (w == pid)
			break;
		if (w < 0 && errno != EINTR) {
			rc = vl_err_set(err, VL_EIO, "capture: waitpid: %s", strerror(errno));
			break;
		}
		long secs = (long)(time(NULL) - start);
		if (stop_signal || secs > (long)timeout) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
			rc = stop_signal ? vl_err_set(err, VL_EINTR, "capture: interrupted; no trace written")
			                 : vl_err_set(err, VL_ETIMEOUT, "capture: the guest did not finish "
			                              "in %u s (see --timeout); no trace written", timeout);
			break;
		}
		if (o->progress && tick % 5 == 0) {
			char line[160];
			snprintf(line, sizeof(line), "capturing %s in a guest: %.1f MB of records, %lds",
			         o->argv[0], (double)file_size(raw) / 1e6, secs);
			o->progress(o->ctx, line);
		}
		struct timespec ts = {0, 100 * 1000 * 1000};
		nanosleep(&ts, NULL);
	}
	if (!rc && WIFEXITED(status) && WEXITSTATUS(status) == 125)
		rc = vl_err_set(err, VL_EIO, "capture: the plugin could not write its records");
	else if (!rc && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
		rc = vl_err_set(err, VL_EIO, "capture: %s failed (%s %d; its output is in %s)", argv[0],
		                WIFEXITED(status) ? "exit status" : "signal",
		                WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), log);
out:
	sigaction(SIGINT, &old_int, NULL);
	sigaction(SIGTERM, &old_term, NULL);
	return rc;
}

/*
 * Reads the console: the command's exit status (-1: none printed), the
 * symbols vl-init printed (written to syms_out when not NULL), vl-init's
 * complaint if any (into msg).
 */
/* A kernel message on the console: "[ SECONDS.MICROS] ...". */
static int is_printk(const char *line)
{
	const char *p = line;

	if (*p++ != '[')
		return 0;
	p += strspn(p, " ");
	p += strspn(p, "0123456789");
	return *p == '.' && p[strspn(p + 1, "0123456789") + 1] == ']';
}

static int read_console(const char *log, const char *syms_out, char *msg, size_t len,
                        char *tail, size_t tlen)
{
	FILE *f = fopen(log, "r"), *s = NULL;
	char line[1024], tmp[PATH_MAX + 8], last[4][160];
	int status = -1, n = 0, nlast = 0;

	msg[0] = 0;
	if (!f)
		return -1;
	if (syms_out) {
		snprintf(tmp, sizeof(tmp), "%s.tmp", syms_out);
		s = fopen(tmp, "w");
	}
	while (fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "vl-sym ");
		if (p && s) {
			fputs(p + 7, s);
			n++;
		} else if ((p = strstr(line, "vl-init: exit status "))) {
			status = atoi(p + 21);
		} else if ((p = strstr(line, "vl-init: killed by signal "))) {
			status = 128 + atoi(p + 26);
		} else if ((p = strstr(line, "vl-init: "))) {
			snprintf(msg, len, "%s", p);
			msg[strcspn(msg, "\r\n")] = 0;
		} else if (strstr(line, "Booting from ROM")) {
			nlast = 0; /* the firmware's last words: the kernel's and ours follow */
		} else if (!is_printk(line) && strspn(line, " \r\n") < strlen(line)) {
			/* the command's own output, without the terminal's escape sequences */
			char *o = last[nlast % 4];
			size_t k = 0;
			for (const char *q = line; *q && *q != '\r' && *q != '\n' && k < 159; q++) {
				if (*q == 0x1b) { /* ESC c, or ESC [ parameters and a letter */
					if (q[1] == '[')
						for (q += 2; *q && !((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'));)
							q++;
					else if (q[1])
						q++;
					if (!*q)
						break;
					continue;
				}
				if ((unsigned char)*q >= ' ')
					o[k++] = *q;
			}
			o[k] = 0;
			nlast += k > 0;
		}
	}
	fclose(f);
	if (tail) {
		size_t k = 0;
		tail[0] = 0;
		for (int i = nlast > 4 ? nlast - 4 : 0; i < nlast && k + 2 < tlen; i++)
			k += (size_t)snprintf(tail + k, tlen - k, "%s%s", k ? " | " : "", last[i % 4]);
	}
	if (s) {
		if (fclose(s) || !n || rename(tmp, syms_out))
			unlink(tmp);
	}
	return status;
}

/*
 * The plugin's pt=, fill= and mm= arguments from the symbol map: each
 * page-table setter, page filler and address-space switch vl-init dumps is
 * followed there by the next symbol, its end. Returns the number of
 * ranges; 0 when the map has no setter, no page clearer or no switch (one
 * written by an older vl-init: it is dumped again).
 */
static int pt_ranges(const char *syms, char *spec, size_t len)
{
	FILE *f = fopen(syms, "r");
	char line[512], type[8], name[256];
	unsigned long long addr, start = 0;
	const char *arg = NULL;
	int n = 0, have_pte = 0, have_clear = 0, have_mm = 0;
	size_t k = 0;

	spec[0] = 0;
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx %7s %255s", &addr, type, name) != 3)
			continue;
		if (arg && addr > start && k + 48 < len) {
			k += (size_t)snprintf(spec + k, len - k, ",%s=%llx-%llx", arg, start, addr);
			n++;
		}
		arg = NULL;
		start = addr;
		for (size_t i = 0; i < sizeof(vl_pt_setters) / sizeof(vl_pt_setters[0]); i++)
			if (!strcmp(name, vl_pt_setters[i]))
				arg = "pt";
		for (size_t i = 0; i < sizeof(vl_pt_fillers) / sizeof(vl_pt_fillers[0]); i++)
			if (!strcmp(name, vl_pt_fillers[i]))
				arg = "fill";
		for (size_t i = 0; i < sizeof(vl_mm_switchers) / sizeof(vl_mm_switchers[0]); i++)
			if (!strcmp(name, vl_mm_switchers[i]))
				arg = "mm", have_mm = 1;
		have_pte |= !strcmp(name, "native_set_pte");
		have_clear |= !strncmp(name, "clear_page_", 11);
	}
	if (f)
		fclose(f);
	return have_pte && have_clear && have_mm ? n : 0;
}

static void set_meta(struct vl_meta *m, const struct vl_syscap_opts *o, const char *qver,
                     const char *rel)
{
	char cmd[256], date[32], n[32];
	size_t k = 0;
	time_t now = time(NULL);
	struct tm tm;
	const char *base = strrchr(o->argv[0], '/');
	struct vl_err ignore = {0};

	for (int i = 0; o->argv[i] && k < sizeof(cmd) - 1; i++)
		k += (size_t)snprintf(cmd + k, sizeof(cmd) - k, "%s%s", i ? " " : "", o->argv[i]);
	for (char *c = cmd; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	gmtime_r(&now, &tm);
	strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", &tm);
	vl_meta_set(m, "name", base ? base + 1 : o->argv[0], &ignore);
	vl_meta_set(m, "source", "captured under QEMU full-system TCG by virtlab trace capture "
	            "--system (testbed/tcg/vlsyscap.c)", &ignore);
	vl_meta_set(m, "command", cmd, &ignore);
	vl_meta_set(m, "captured", date, &ignore);
	vl_meta_set(m, "capture", "system", &ignore);
	vl_meta_set(m, "qemu", qver, &ignore);
	vl_meta_set(m, "guest_kernel", rel, &ignore);
	vl_meta_set(m, "guest", "-accel tcg -cpu qemu64 -m " GUEST_MEM " -smp 1, " APPEND, &ignore);
	snprintf(n, sizeof(n), "%d", VL_CAPRAW_TOUCH_FILTER);
	vl_meta_set(m, "touch_filter", n, &ignore);
	if (o->operations) {
		snprintf(n, sizeof(n), "%llu", (unsigned long long)o->operations);
		vl_meta_set(m, "operations", n, &ignore);
	}
}

/* Progress of the conversion; Ctrl-C stops it. */
static int on_converted(void *ctx, uint64_t events)
{
	const struct vl_syscap_opts *o = ctx;
	char line[96];

	if (o->progress && events % (1u << 20) < 16384) {
		snprintf(line, sizeof(line), "writing the trace: %llu events", (unsigned long long)events);
		o->progress(o->ctx, line);
	}
	return stop_signal != 0;
}

/*
 * What to copy into the guest besides vl-init, busybox and the command: a
 * list of pairs of NUL-terminated paths, the file here and where it goes in
 * the guest, an empty string after the last.
 */
struct copies {
	char buf[16384];
	size_t len;
};

/* Adds src at dest unless something is there already: 0, or an error. */
static int copy_add(struct copies *c, const char *src, const char *dest, struct vl_err *err)
{
	for (const char *l = c->buf; l < c->buf + c->len; l += strlen(l) + 1) {
		l += strlen(l) + 1;
		if (!strcmp(l, dest))
			return 0;
	}
	if (c->len + strlen(src) + strlen(dest) + 3 > sizeof(c->buf))
		return vl_err_set(err, VL_EINVAL, "capture --system: too many files to copy into "
		                  "the guest");
	c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s", src) + 1;
	c->len += (size_t)snprintf(c->buf + c->len, sizeof(c->buf) - c->len, "%s", dest) + 1;
	c->buf[c->len] = 0;
	return 0;
}

/*
 * The loader and shared libraries of a dynamically linked program, as ldd
 * lists them (linux-vdso has no file), added to c at their own paths. 0, or
 * an error naming the program.
 */
static int guest_libs(const char *prog, const char *dir, struct copies *c, struct vl_err *err)
{
	const char *argv[] = {"ldd", prog, NULL};
	char path[PATH_MAX + 16], line[PATH_MAX + 64];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/ldd", dir);
	if ((rc = vl_proc_run(NULL, argv, path, NULL, err)))
		return vl_err_set(err, rc, "capture --system: '%s' is dynamically linked and ldd "
		                  "cannot list its libraries (Debian package libc-bin): %s", prog,
		                  err->msg);
	if (!(f = fopen(path, "r")))
		return vl_err_set(err, VL_EIO, "%s: %s", path, strerror(errno));
	while (!rc && fgets(line, sizeof(line), f)) {
		char *lib = strstr(line, "=> "), *end;
		lib = lib ? lib + 3 : line + strspn(line, " \t");
		if (*lib != '/' || !(end = strstr(lib, " (")))
			continue; /* linux-vdso.so.1, or "not found" */
		*end = 0;
		rc = copy_add(c, lib, lib, err);
	}
	fclose(f);
	return rc;
}

/* The --file entries: SRC or SRC:DEST, each with its libraries when it is a
 * dynamically linked program. */
static int guest_files(const struct vl_syscap_opts *o, const char *dir, struct copies *c,
                       struct vl_err *err)
{
	for (size_t i = 0; i < o->nfiles; i++) {
		char src[PATH_MAX], dest[PATH_MAX];
		const char *colon = strchr(o->files[i], ':');
		struct stat st;
		snprintf(src, sizeof(src), "%.*s", colon ? (int)(colon - o->files[i]) : PATH_MAX,
		         o->files[i]);
		if (stat(src, &st))
			return vl_err_set(err, VL_EINVAL, "capture --system: --file '%s': %s", src,
			                  strerror(errno));
		if (!S_ISREG(st.st_mode))
			return vl_err_set(err, VL_EINVAL, "capture --system: --file '%s': not a regular "
			                  "file", src);
		if (colon && colon[1] != '/')
			return vl_err_set(err, VL_EINVAL, "capture --system: --file '%s': the guest's "
			                  "path must be absolute", o->files[i]);
		if (!colon && !realpath(src, dest))
			return vl_err_set(err, VL_EINVAL, "capture --system: --file '%s': %s", src,
			                  strerror(errno));
		if (colon)
			snprintf(dest, sizeof(dest), "%s", colon + 1);
		if (copy_add(c, src, dest, err) ||
		    (elf_kind(src) == 2 && guest_libs(src, dir, c, err)))
			return err->code;
	}
	return 0;
}

/* The command inside the guest: its words, NUL-separated, and what to copy. */
static int guest_command(const struct vl_syscap_opts *o, const char *busybox, const char *dir,
                         char *prog, size_t plen, struct copies *files, char *words,
                         size_t wlen, size_t *used, struct vl_err *err)
{
	char found[PATH_MAX];
	const char *name = strrchr(o->argv[0], '/');
	size_t k = 0;
	int kind = 0;

	name = name ? name + 1 : o->argv[0];
	prog[0] = 0;
	if (vl_proc_find(o->argv[0], found, sizeof(found)) && (kind = elf_kind(found)) &&
	    strcmp(name, "busybox") && strcmp(name, "sh") && strlen(name) < 200) {
		if (!realpath(found, prog) || strlen(prog) >= plen)
			return vl_err_set(err, VL_EIO, "capture: '%s': %s", o->argv[0], strerror(errno));
		if (kind == 2 && guest_libs(prog, dir, files, err))
			return err->code;
		k += (size_t)snprintf(words, wlen, "/bin/%s", name) + 1;
	} else if (!strchr(o->argv[0], '/') && busybox_applet(busybox, name, dir)) {
		k += (size_t)snprintf(words, wlen, "/bin/busybox") + 1;
		k += (size_t)snprintf(words + k, wlen - k, "%s", name) + 1;
	} else {
		return vl_err_set(err, VL_EINVAL, "capture --system: '%s' is %s: the command runs "
		                  "inside the guest's initramfs, so it must be an x86-64 program or a "
		                  "busybox applet", o->argv[0],
		                  vl_proc_find(o->argv[0], NULL, 0) ? "not an x86-64 program"
		                                                    : "not found nor a busybox applet");
	}
	for (int i = 1; o->argv[i]; i++) {
		size_t l = strlen(o->argv[i]) + 1;
		if (k + l > wlen)
			return vl_err_set(err, VL_EINVAL, "capture --system: the command is too long");
		memcpy(words + k, o->argv[i], l);
		k += l;
	}
	*used = k;
	return 0;
}

int vl_syscap_run(const struct vl_syscap_opts *o, struct vl_syscap_stats *st, int *exit_status,
                  struct vl_err *err)
{
	char why[512], qemu[PATH_MAX], busybox[PATH_MAX], plugin[PATH_MAX], init[PATH_MAX];
	char kernel[PATH_MAX], rel[256], syms[PATH_MAX + 300], prog[PATH_MAX], dir[PATH_MAX];
	char initrd[PATH_MAX + 16], raw[PATH_MAX + 16], log[PATH_MAX + 16];
	char spec[PATH_MAX * 2 + 64 + 2048], ptspec[2048], qver[128], msg[256], *words = NULL;
	static struct copies files; /* one capture at a time */
	char output[sizeof(st->output)];
	const char *kdir = kernel_dir_of(o->kernel_dir), *slash;
	struct vl_syscap_syms *sy = NULL;
	struct vl_meta meta = {0};
	struct vl_writer *w = NULL;
	size_t nwords = 0;
	int rc;

	memset(st, 0, sizeof(*st));
	*exit_status = -1;
	if (!o->argv || !o->argv[0])
		return vl_err_set(err, VL_EINVAL, "capture: no command given (usage: virtlab trace "
		                  "capture --system [-o FILE] -- CMD [ARGS...])");
	if (!vl_syscap_available(o->kernel_dir, why, sizeof(why)))
		return vl_err_set(err, VL_EUNAVAIL, "capture --system: %s", why);
	vl_proc_find("qemu-system-x86_64", qemu, sizeof(qemu));
	vl_proc_find("busybox", busybox, sizeof(busybox));
	find_kernel(kdir, kernel, sizeof(kernel), rel, sizeof(rel));
	find_beside("vlsyscap.so", plugin, sizeof(plugin));
	find_beside("vl-init", init, sizeof(init));
	snprintf(syms, sizeof(syms), "%s/boot/vl-syms-%s.map", kdir, rel);

	slash = strrchr(o->out, '/');
	snprintf(dir, sizeof(dir), "%.*s%s.vlsyscap-XXXXXX", slash ? (int)(slash - o->out + 1) : 0,
	         o->out, slash ? "" : "./");
	if (!mkdtemp(dir))
		return vl_err_set(err, VL_EIO, "capture: cannot make a directory beside '%s': %s",
		                  o->out, strerror(errno));
	if (!(words = malloc(65536))) {
		rc = vl_err_set(err, VL_ENOMEM, "out of memory");
		goto out;
	}
	files.len = 0;
	files.buf[0] = 0;
	if ((rc = guest_command(o, busybox, dir, prog, sizeof(prog), &files, words, 65536, &nwords,
	                        err)) ||
	    (rc = guest_files(o, dir, &files, err)))
		goto out;
	snprintf(initrd, sizeof(initrd), "%s/initrd", dir);
	snprintf(raw, sizeof(raw), "%s/sys.raw", dir);
	snprintf(log, sizeof(log), "%s/console", dir);
	if (!pt_ranges(syms, ptspec, sizeof(ptspec))) {
		/* the kernel's symbols first: one boot that runs `true` and prints them */
		static const char cmd_true[] = "/bin/busybox\0true";
		const char *argv[] = {qemu, "-accel", "tcg", "-cpu", "qemu64", "-m", GUEST_MEM,
		                      "-smp", "1", "-nographic", "-no-reboot", "-kernel", kernel,
		                      "-initrd", initrd, "-append", APPEND, NULL};
		if ((rc = write_initrd(initrd, init, busybox, NULL, NULL, NULL, cmd_true, sizeof(cmd_true),
		                       1, err)) ||
		    (rc = run_guest(o, argv, log, raw, err)))
			goto out;
		read_console(log, syms, msg, sizeof(msg), NULL, 0);
		if (!pt_ranges(syms, ptspec, sizeof(ptspec))) {
			/* the kernel's directory is not writable: keep them for this run */
			snprintf(syms, sizeof(syms), "%s/syms.map", dir);
			read_console(log, syms, msg, sizeof(msg), NULL, 0);
			if (!pt_ranges(syms, ptspec, sizeof(ptspec))) {
				rc = vl_err_set(err, VL_EIO, "capture --system: the guest's kernel has no "
				                "out-of-line page-table setters (native_set_pte) among its "
				                "symbols: a kernel built without PARAVIRT_XXL?");
				goto out;
			}
		}
	}
	{
		const char *pn = strrchr(o->argv[0], '/');
		if ((rc = write_initrd(initrd, init, busybox, prog[0] ? prog : NULL,
		                       pn ? pn + 1 : o->argv[0], files.buf, words, nwords, 0, err)))
			goto out;
	}
	const char *ver_argv[] = {qemu, "--version", NULL}; /* provenance */
	vl_proc_first_line(ver_argv, dir, qver, sizeof(qver));
	if (o->limit)
		snprintf(spec, sizeof(spec), "%s,out=%s,limit=%llu%s", plugin, raw,
		         (unsigned long long)o->limit, ptspec);
	else
		snprintf(spec, sizeof(spec), "%s,out=%s%s", plugin, raw, ptspec);
	{
		const char *argv[] = {qemu, "-accel", "tcg", "-cpu", "qemu64", "-m", GUEST_MEM,
		                      "-smp", "1", "-nographic", "-no-reboot", "-kernel", kernel,
		                      "-initrd", initrd,
		                      "-append", APPEND, "-plugin", spec, NULL};
		if ((rc = run_guest(o, argv, log, raw, err)))
			goto out;
	}
	*exit_status = read_console(log, NULL, msg, sizeof(msg), output, sizeof(output));
	if ((rc = vl_syscap_syms_load(&sy, syms, err)))
		goto out;
	if (*exit_status < 0 && !o->limit) {
		rc = vl_err_set(err, VL_EIO, "capture --system: the guest did not run the command to "
		                "its end%s%s", msg[0] ? ": " : "", msg);
		goto out;
	}
	if (*exit_status == 127 && msg[0]) {
		rc = vl_err_set(err, VL_EINVAL, "capture --system: %s", msg);
		goto out;
	}
	set_meta(&meta, o, qver, rel);
	if ((rc = vl_writer_open(&w, o->out, vl_tfmt_from_path(o->out),
	                         o->zstd ? VL_W_ZSTD | (o->zstd > 1 ? VL_W_ZSTD_MAX : 0) : 0, &meta,
	                         err)))
		goto out;
	{
		struct sigaction sa = {.sa_handler = on_signal}, old_int, old_term;
		stop_signal = 0;
		sigaction(SIGINT, &sa, &old_int);
		sigaction(SIGTERM, &sa, &old_term);
		rc = vl_syscap_convert(raw, sy, w, o->limit, st, on_converted, (void *)o, err);
		memcpy(st->output, output, sizeof(st->output));
		sigaction(SIGINT, &old_int, NULL);
		sigaction(SIGTERM, &old_term, NULL);
	}
	if (rc) {
		vl_writer_abort(w);
		goto out;
	}
	rc = vl_writer_close(w, err);
out:
	vl_syscap_syms_free(sy);
	free(words);
	vl_proc_remove_dir(dir);
	return rc;
}
