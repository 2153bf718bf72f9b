/*
 * vl-init: the init of the guest that `virtlab trace capture --system`
 * boots. It mounts /proc, /sys, /tmp and /dev, brings the loopback
 * interface up, then runs the command written NUL-separated in /vl-cmd
 * between two markers (xchg %cx,%cx, 66 87 c9) that start and stop the
 * vlsyscap plugin's recording: the recording covers the command from its
 * fork to its reaping, and nothing of boot or power-off. The command runs
 * with VL_PROBE_MARK=1 (vl-probe then marks its operations with
 * xchg %bx,%bx). Prints "vl-init: exit status N" and powers off. With
 * /vl-syms present it first prints the kernel symbols the converter needs.
 * Static, no library beyond libc: it runs in an initramfs with no loader.
 */
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testbed/tcg/ptsyms.h"

#define MAX_ARGS 256

static void mark(void)
{
	__asm__ volatile("xchg %%cx, %%cx" ::: "memory");
}

static void lo_up(void)
{
	struct ifreq ifr = {0};
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	if (s < 0)
		return;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	if (!ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	close(s);
}

/* The command: NUL-separated arguments in /vl-cmd. */
static int read_cmd(char *buf, size_t len, char **argv)
{
	int fd = open("/vl-cmd", O_RDONLY), n = 0;
	ssize_t got;

	if (fd < 0)
		return -1;
	got = read(fd, buf, len - 1);
	close(fd);
	if (got <= 0)
		return -1;
	buf[got] = 0;
	for (char *p = buf; p < buf + got && n < MAX_ARGS - 1; p += strlen(p) + 1)
		argv[n++] = p;
	argv[n] = NULL;
	return n;
}

/*
 * Debian ships no System.map (its place holds a pointer to the -dbg
 * package): the kernel's own symbol table gives the handler and system
 * call entries the converter needs. Addresses are fixed (nokaslr), so the
 * host keeps what this prints, once per kernel.
 */
/* 1: a symbol the converter names; 2: one whose end is needed too (the
 * page-table setters, the page fillers and the address-space switch of
 * vlsyscap.c's pt=, fill= and mm= ranges): it ends at the next symbol. */
static int wanted(const char *name)
{
	static const char *const prefix[] = {"asm_exc_", "asm_sysvec_", "__x64_sys_"};
	static const char *const exact[] = {"asm_common_interrupt", "asm_spurious_interrupt",
	                                    "kernel_clone", "begin_new_exec", "do_exit",
	                                    "entry_SYSCALL_64", "x64_sys_call"};

	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (!strncmp(name, prefix[i], strlen(prefix[i])))
			return 1;
	for (size_t i = 0; i < sizeof(exact) / sizeof(exact[0]); i++)
		if (!strcmp(name, exact[i]))
			return 1;
	for (size_t i = 0; i < sizeof(vl_pt_setters) / sizeof(vl_pt_setters[0]); i++)
		if (!strcmp(name, vl_pt_setters[i]))
			return 2;
	for (size_t i = 0; i < sizeof(vl_pt_fillers) / sizeof(vl_pt_fillers[0]); i++)
		if (!strcmp(name, vl_pt_fillers[i]))
			return 2;
	for (size_t i = 0; i < sizeof(vl_mm_switchers) / sizeof(vl_mm_switchers[0]); i++)
		if (!strcmp(name, vl_mm_switchers[i]))
			return 2;
	return 0;
}

static void dump_symbols(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], addr[32], type[8], name[256];
	int next = 0;

	printf("vl-syms begin\n");
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%31s %7s %255s", addr, type, name) == 3 && !strchr(line, '[')) {
			int w = wanted(name);
			if (w || next) /* kallsyms is in address order: the next line ends a range */
				printf("vl-sym %s %s %s\n", addr, type, name);
			next = w == 2;
		}
	if (f)
		fclose(f);
	printf("vl-syms end\n");
	fflush(stdout);
}

static void power_off(void)
{
	sync();
	reboot(RB_POWER_OFF);
	for (;;)
		pause();
}

int main(void)
{
	static char buf[65536];
	char *argv[MAX_ARGS];
	int status = 0;
	pid_t pid;

	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	mount("tmp", "/tmp", "tmpfs", 0, NULL);
	mount("dev", "/dev", "devtmpfs", 0, NULL);
	lo_up();
	setenv("PATH", "/bin:/", 1);
	setenv("HOME", "/tmp", 1);
	setenv("VL_PROBE_MARK", "1", 1);
	if (read_cmd(buf, sizeof(buf), argv) <= 0) {
		printf("vl-init: no command in /vl-cmd\n");
		power_off();
	}
	if (!access("/vl-syms", F_OK))
		dump_symbols();
	fflush(stdout);
	mark();
	pid = fork();
	if (pid == 0) {
		execv(argv[0], argv);
		printf("vl-init: %s: %s\n", argv[0], strerror(errno));
		fflush(stdout);
		_exit(127);
	}
	while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	mark();
	if (pid < 0)
		printf("vl-init: fork: %s\n", strerror(errno));
	else if (WIFEXITED(status))
		printf("vl-init: exit status %d\n", WEXITSTATUS(status));
	else
		printf("vl-init: killed by signal %d\n", WTERMSIG(status));
	fflush(stdout);
	power_off();
	return 0;
}
