/*
 * Importers of real tool output (traces/import.h): strace -f -tt -T logs and
 * block I/O logs (fio's iolog, blkparse's text), a line at a time, into
 * trace events in constant memory. What each line becomes, and every
 * assumption, is in docs/trace-format.md, "Importers".
 */
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "traces/import.h"
#include "traces/kpaths.h"
#include "traces/syscalls_x86_64.h"

#define LINE_MAX_BYTES (1u << 20) /* a longer line is an error: memory stays bounded */
#define NPROC 64                  /* processes followed at once; the least recent is forgotten */
#define NFD 256                   /* descriptors followed per process; higher ones are unknown */
#define NARG 4                    /* leading arguments kept of a call */
#define ARG_BYTES 128             /* bytes kept of each */
#define NPEND 8                   /* events one line can make, user runs aside */
#define NS 1000000000ull
#define USER_MAX (1ull << 42)     /* instructions of one gap: 19 minutes at 3.8 GHz, 1024 runs */

static const char *const fmt_names[] = {"strace", "blkio"};

/* --- what the strace importer knows of each system call --------------------- */

enum iodir { IO_NONE, IO_IN, IO_OUT };

/* What a successful call does to the descriptor table. */
enum fdop {
	F_NONE,
	F_OPEN,        /* result is a file opened at argument `arg` with flags at `arg2` */
	F_SOCKET,      /* result is a socket */
	F_OTHER,       /* result is a descriptor that is neither file nor socket */
	F_PAIR_SOCKET, /* argument `arg` is "[A, B]", two sockets */
	F_PAIR_OTHER,  /* argument `arg` is "[A, B]", two pipe ends */
	F_DUP,         /* result copies argument 0 */
	F_FCNTL,       /* F_DUPFD*: result copies argument 0 */
	F_CLOSE,       /* argument 0 is closed */
	F_CLOSE_RANGE, /* arguments 0..1 are closed */
	F_FORK,        /* result is a new process with a copy of the table */
	F_EXEC,        /* the process gets a new address space */
};

struct call {
	const char *name;
	unsigned char kp, io, fdop;
	signed char arg, arg2;
};

static const struct call calls[] = {
	{"read", VL_KP_IO, IO_IN, F_NONE, 0, 0},
	{"write", VL_KP_IO, IO_OUT, F_NONE, 0, 0},
	{"pread64", VL_KP_IO, IO_IN, F_NONE, 0, 0},
	{"pwrite64", VL_KP_IO, IO_OUT, F_NONE, 0, 0},
	{"readv", VL_KP_IO, IO_IN, F_NONE, 0, 0},
	{"writev", VL_KP_IO, IO_OUT, F_NONE, 0, 0},
	{"preadv", VL_KP_IO, IO_IN, F_NONE, 0, 0},
	{"pwritev", VL_KP_IO, IO_OUT, F_NONE, 0, 0},
	{"preadv2", VL_KP_IO, IO_IN, F_NONE, 0, 0},
	{"pwritev2", VL_KP_IO, IO_OUT, F_NONE, 0, 0},
	{"recvfrom", VL_KP_SOCK_READ, IO_IN, F_NONE, 0, 0},
	{"recvmsg", VL_KP_SOCK_READ, IO_IN, F_NONE, 0, 0},
	{"sendto", VL_KP_SOCK_WRITE, IO_OUT, F_NONE, 0, 0},
	{"sendmsg", VL_KP_SOCK_WRITE, IO_OUT, F_NONE, 0, 0},
	{"mmap", VL_KP_MMAP, IO_NONE, F_NONE, 0, 0},
	{"munmap", VL_KP_MMAP, IO_NONE, F_NONE, 0, 0},
	{"clone", VL_KP_FORK, IO_NONE, F_FORK, 0, 0},
	{"clone3", VL_KP_FORK, IO_NONE, F_FORK, 0, 0},
	{"fork", VL_KP_FORK, IO_NONE, F_FORK, 0, 0},
	{"vfork", VL_KP_FORK, IO_NONE, F_FORK, 0, 0},
	{"exit", VL_KP_EXIT, IO_NONE, F_NONE, 0, 0},
	{"exit_group", VL_KP_EXIT, IO_NONE, F_NONE, 0, 0},
	{"wait4", VL_KP_WAIT, IO_NONE, F_NONE, 0, 0},
	{"waitid", VL_KP_WAIT, IO_NONE, F_NONE, 0, 0},
	{"execve", VL_KP_EXEC, IO_NONE, F_EXEC, 0, 0},
	{"execveat", VL_KP_EXEC, IO_NONE, F_EXEC, 0, 0},
	{"open", VL_KP_NULL, IO_NONE, F_OPEN, 0, 1},
	{"creat", VL_KP_NULL, IO_NONE, F_OPEN, 0, -1},
	{"openat", VL_KP_NULL, IO_NONE, F_OPEN, 1, 2},
	{"openat2", VL_KP_NULL, IO_NONE, F_OPEN, 1, 2},
	{"socket", VL_KP_SOCKET, IO_NONE, F_SOCKET, 0, 0},
	{"connect", VL_KP_CONNECT, IO_NONE, F_NONE, 0, 0},
	{"accept", VL_KP_ACCEPT, IO_NONE, F_SOCKET, 0, 0},
	{"accept4", VL_KP_ACCEPT, IO_NONE, F_SOCKET, 0, 0},
	{"socketpair", VL_KP_NULL, IO_NONE, F_PAIR_SOCKET, 3, 0},
	{"pipe", VL_KP_NULL, IO_NONE, F_PAIR_OTHER, 0, 0},
	{"pipe2", VL_KP_NULL, IO_NONE, F_PAIR_OTHER, 0, 0},
	{"eventfd", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"eventfd2", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"epoll_create", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"epoll_create1", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"signalfd", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"signalfd4", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"timerfd_create", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"inotify_init", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"inotify_init1", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"memfd_create", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"userfaultfd", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"pidfd_open", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"fanotify_init", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"perf_event_open", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"io_uring_setup", VL_KP_NULL, IO_NONE, F_OTHER, 0, 0},
	{"dup", VL_KP_NULL, IO_NONE, F_DUP, 0, 0},
	{"dup2", VL_KP_NULL, IO_NONE, F_DUP, 0, 0},
	{"dup3", VL_KP_NULL, IO_NONE, F_DUP, 0, 0},
	{"fcntl", VL_KP_NULL, IO_NONE, F_FCNTL, 0, 0},
	{"close", VL_KP_NULL, IO_NONE, F_CLOSE, 0, 0},
	{"close_range", VL_KP_NULL, IO_NONE, F_CLOSE_RANGE, 0, 0},
};

static const struct call null_call = {"", VL_KP_NULL, IO_NONE, F_NONE, 0, 0};

/* --- importer state --------------------------------------------------------- */

enum fdkind { FD_UNKNOWN, FD_CLOSED, FD_FILE, FD_SOCKET, FD_OTHER };

struct fd {
	uint8_t kind;  /* enum fdkind */
	uint8_t sync;  /* opened O_SYNC, O_DSYNC or O_DIRECT: writes block */
	uint32_t file; /* file id: hash of the path as opened */
};

/*
 * The argument scanner: where it stands in a call's argument list (nesting,
 * inside a quoted string, which argument). Its state outlives an
 * "<unfinished ...>" line, so the "<... resumed>" line carries on with it.
 */
struct scan {
	unsigned depth, argi;
	int quote, esc;
	unsigned len[NARG];
	char arg[NARG][ARG_BYTES];
};

struct proc {
	int64_t pid;       /* -1: free slot */
	uint64_t used;     /* line last seen, for eviction */
	uint64_t asid;     /* address space: the pid, or the parent's for CLONE_VM */
	int fresh;         /* made by a parent's fork result before any line of its own */
	int have_ret;
	uint64_t ret_ns;   /* when the last call returned, for user runs */
	int pending;       /* an unfinished call waits for its resumed half */
	char pname[32];    /* its name */
	uint64_t pstart_ns;
	int have_pstart;
	struct scan scan;
	struct fd fd[NFD];
};

enum blkfmt { B_UNKNOWN, B_FIO2, B_FIO3, B_BLKPARSE };

struct vl_import {
	enum vl_import_fmt fmt;
	FILE *f;
	int own;
	char name[256];
	struct vl_import_opts opts;
	struct vl_import_stats st;
	char *line;
	size_t cap;
	unsigned long lineno;
	int replay; /* the line in `line` is still to be handled */
	/* events made by the last line: user runs go before pend[user_at] */
	struct vl_event pend[NPEND];
	size_t npend, pos, user_at;
	uint64_t user_left;
	/* strace */
	struct proc *procs;
	int have_cur;
	uint64_t cur_asid;
	int have_last_t;
	uint64_t last_t_ns, day_ns;
	/* blkio */
	enum blkfmt blk;
};

/* --- helpers ------------------------------------------------------------------ */

static void push(struct vl_import *im, unsigned type, uint16_t flags, uint32_t n, uint64_t a)
{
	VL_ASSERT(im->npend < NPEND);
	im->pend[im->npend++] = (struct vl_event){(uint16_t)type, flags, n, a, 0};
}

static uint32_t file_id(const char *s, size_t len)
{
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ? h : 1;
}

/* Reads the next line (at most LINE_MAX_BYTES, so memory stays bounded
 * whatever the input); returns 1, 0 at the end, or a negative code. */
static int next_line(struct vl_import *im, struct vl_err *err)
{
	size_t n = 0;
	int c = 0;

	if (im->replay) {
		im->replay = 0;
		return 1;
	}
	while ((c = getc_unlocked(im->f)) != EOF && c != '\n') {
		if (n + 1 >= im->cap) {
			size_t cap = im->cap ? 2 * im->cap : 256;
			if (cap > LINE_MAX_BYTES + 1)
				return vl_err_set(err, VL_EINVAL, "%s:%lu: line longer than %u bytes",
				                  im->name, im->lineno + 1, LINE_MAX_BYTES);
			char *line = realloc(im->line, cap);
			if (!line)
				return vl_err_set(err, VL_ENOMEM, "out of memory");
			im->line = line;
			im->cap = cap;
		}
		if (c == '\0')
			return vl_err_set(err, VL_EINVAL, "%s:%lu: NUL byte in a text log", im->name,
			                  im->lineno + 1);
		im->line[n++] = (char)c;
	}
	if (ferror(im->f))
		return vl_err_set(err, VL_EIO, "%s:%lu: read error: %s", im->name, im->lineno + 1,
		                  strerror(errno));
	if (c == EOF && n == 0)
		return 0;
	if (!im->line) {
		im->line = malloc(256);
		if (!im->line)
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		im->cap = 256;
	}
	while (n > 0 && im->line[n - 1] == '\r')
		n--;
	im->line[n] = '\0';
	im->lineno++;
	im->st.lines++;
	return 1;
}

static const char *skip_space(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

/* Length of the token at s (up to white space), for messages. */
static int toklen(const char *s)
{
	int n = 0;

	while (s[n] && s[n] != ' ' && s[n] != '\t' && n < 64)
		n++;
	return n;
}

/* --- strace ------------------------------------------------------------------- */

static struct proc *proc_find(struct vl_import *im, int64_t pid)
{
	for (unsigned i = 0; i < NPROC; i++)
		if (im->procs[i].pid == pid)
			return &im->procs[i];
	return NULL;
}

/* The slot of pid, made (evicting the least recently seen) if new. */
static struct proc *proc_get(struct vl_import *im, int64_t pid, int *made)
{
	struct proc *p = proc_find(im, pid), *victim = NULL;

	*made = 0;
	if (p)
		return p;
	for (unsigned i = 0; i < NPROC; i++) {
		struct proc *q = &im->procs[i];
		if (q->pid < 0) {
			victim = q;
			break;
		}
		if (!victim || q->used < victim->used)
			victim = q;
	}
	if (victim->pid >= 0)
		im->st.evicted++;
	memset(victim, 0, sizeof(*victim));
	victim->pid = pid;
	victim->asid = (uint64_t)pid;
	*made = 1;
	return victim;
}

static void scan_keep(struct scan *sc, char c)
{
	if (sc->argi < NARG && sc->len[sc->argi] == 0 && c == ' ')
		return; /* "<... read resumed> " of older versions */
	if (sc->argi < NARG && sc->len[sc->argi] < ARG_BYTES - 1)
		sc->arg[sc->argi][sc->len[sc->argi]++] = c;
}

/*
 * Feeds the rest of an argument list to the scanner. Returns a pointer past
 * the closing ')'; NULL with *unfinished set when the line stops at
 * "<unfinished ...>"; NULL otherwise when the line ends first. Commas,
 * parentheses and "<unfinished" inside quoted strings are data.
 */
static const char *scan_args(struct scan *sc, const char *s, int *unfinished)
{
	*unfinished = 0;
	for (; *s; s++) {
		char c = *s;
		if (sc->quote) {
			if (sc->esc)
				sc->esc = 0;
			else if (c == '\\')
				sc->esc = 1;
			else if (c == '"')
				sc->quote = 0;
		} else if (c == '"') {
			sc->quote = 1;
		} else if (c == '(' || c == '[' || c == '{') {
			sc->depth++;
		} else if (c == ')' && sc->depth == 0) {
			return s + 1;
		} else if (c == ')' || c == ']' || c == '}') {
			if (sc->depth)
				sc->depth--;
		} else if (c == ',' && sc->depth == 0) {
			sc->argi++;
			s = skip_space(s + 1) - 1;
			continue;
		} else if (c == '<' && strncmp(s, "<unfinished ...>", 16) == 0) {
			*unfinished = 1;
			return NULL;
		}
		scan_keep(sc, c);
	}
	return NULL;
}

static const char *arg(const struct scan *sc, int i)
{
	return i >= 0 && i < NARG && (unsigned)i <= sc->argi ? sc->arg[i] : "";
}

/* A descriptor argument ("3", or "3</path>" with -y); -1 if not one. */
static long arg_fd(const struct scan *sc, int i)
{
	const char *s = arg(sc, i);
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	long v = strtol(s, &end, 10);
	return v < NFD ? v : -1;
}

static struct fd *fd_slot(struct proc *p, long fd)
{
	return fd >= 0 && fd < NFD ? &p->fd[fd] : NULL;
}

/* The path of an open-style call as a descriptor: a file unless a device,
 * /proc, /sys or a directory. */
static struct fd open_fd(const struct scan *sc, const struct call *c)
{
	const char *path = arg(sc, c->arg), *flags = arg(sc, c->arg2);
	struct fd d = {FD_FILE, 0, 0};
	size_t len = 0;

	if (*path == '"') {
		path++;
		while (path[len] && path[len] != '"')
			len += path[len] == '\\' && path[len + 1] ? 2 : 1;
	}
	if (strncmp(path, "/dev/", 5) == 0 || strncmp(path, "/proc/", 6) == 0 ||
	    strncmp(path, "/sys/", 5) == 0 || strstr(flags, "O_DIRECTORY")) {
		d.kind = FD_OTHER;
		return d;
	}
	d.file = file_id(path, len);
	d.sync = strstr(flags, "O_SYNC") || strstr(flags, "O_DSYNC") || strstr(flags, "O_DIRECT");
	return d;
}

/* "[3, 4]" -> 3 and 4; returns 0 or -1. */
static int fd_pair(const char *s, long out[2])
{
	char *end;

	if (*s != '[')
		return -1;
	out[0] = strtol(s + 1, &end, 10);
	if (end == s + 1 || *end != ',')
		return -1;
	s = skip_space(end + 1);
	out[1] = strtol(s, &end, 10);
	return end == s ? -1 : 0;
}

static void set_fd(struct proc *p, long fd, struct fd d)
{
	struct fd *slot = fd_slot(p, fd);

	if (slot)
		*slot = d;
}

/* Switches the address space when this line's process has another one. */
static void switch_to(struct vl_import *im, struct proc *p)
{
	if (im->have_cur && im->cur_asid != p->asid)
		push(im, VL_EV_CR3, VL_EVF_KERNEL, 0, p->asid);
	im->have_cur = 1;
	im->cur_asid = p->asid;
}

/* Applies what a successful call did to the descriptor table and processes. */
static void track(struct vl_import *im, struct proc *p, const struct call *c,
                  const struct scan *sc, long long ret)
{
	struct fd none = {FD_UNKNOWN, 0, 0}, *from;
	long pair[2];

	switch (c->fdop) {
	case F_OPEN:
		set_fd(p, ret, open_fd(sc, c));
		break;
	case F_SOCKET:
		set_fd(p, ret, (struct fd){FD_SOCKET, 0, 0});
		break;
	case F_OTHER:
		set_fd(p, ret, (struct fd){FD_OTHER, 0, 0});
		break;
	case F_PAIR_SOCKET:
	case F_PAIR_OTHER:
		if (fd_pair(arg(sc, c->arg), pair) == 0) {
			struct fd d = {c->fdop == F_PAIR_SOCKET ? FD_SOCKET : FD_OTHER, 0, 0};
			set_fd(p, pair[0], d);
			set_fd(p, pair[1], d);
		}
		break;
	case F_FCNTL:
		if (strncmp(arg(sc, 1), "F_DUPFD", 7) != 0)
			break;
		/* fall through */
	case F_DUP:
		from = fd_slot(p, arg_fd(sc, 0));
		set_fd(p, ret, from ? *from : none);
		break;
	case F_CLOSE:
		set_fd(p, arg_fd(sc, 0), (struct fd){FD_CLOSED, 0, 0});
		break;
	case F_CLOSE_RANGE: {
		unsigned long lo = strtoul(arg(sc, 0), NULL, 0), hi = strtoul(arg(sc, 1), NULL, 0);
		for (unsigned long i = lo; i <= hi && i < NFD; i++)
			p->fd[i] = (struct fd){FD_CLOSED, 0, 0};
		break;
	}
	case F_FORK: {
		int made;
		if (ret <= 0)
			break;
		p->used = im->lineno;
		struct proc *child = proc_get(im, ret, &made);
		if (child == p)
			break;
		if (made)
			child->fresh = 1;
		for (unsigned i = 0; i < NFD; i++)
			if (child->fd[i].kind == FD_UNKNOWN)
				child->fd[i] = p->fd[i];
		/* threads and vfork share the address space until an exec */
		int vm = strcmp(c->name, "vfork") == 0;
		for (int i = 0; i < NARG; i++)
			vm |= strstr(arg(sc, i), "CLONE_VM") != NULL;
		if (vm && child->fresh)
			child->asid = p->asid;
		break;
	}
	case F_EXEC: /* a new address space, loaded before the call returns */
		if (p->asid != (uint64_t)p->pid) {
			p->asid = (uint64_t)p->pid;
			switch_to(im, p);
		}
		break;
	}
}

/* The kernel's work in call c; on a socket descriptor, its reads, writes
 * and close take the socket's paths. */
static uint32_t kernel_insns(const struct call *c, long long ret, int failed, int sock)
{
	enum vl_kpath k = (enum vl_kpath)c->kp;

	if (sock && c->io != IO_NONE)
		k = c->io == IO_IN ? VL_KP_SOCK_READ : VL_KP_SOCK_WRITE;
	else if (sock && c->fdop == F_CLOSE)
		k = VL_KP_SOCK_CLOSE;
	return failed ? KP_NULL_SYSCALL : vl_kpath_insns(k, ret, 0);
}

static const struct call *call_of(const char *name)
{
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++)
		if (strcmp(calls[i].name, name) == 0)
			return &calls[i];
	return &null_call;
}

enum vl_kpath vl_syscall_kpath(unsigned nr)
{
	for (size_t i = 0; i < sizeof(syscalls_x86_64) / sizeof(syscalls_x86_64[0]); i++)
		if (syscalls_x86_64[i].nr == nr) {
			const struct call *c = call_of(syscalls_x86_64[i].name);
			return c ? (enum vl_kpath)c->kp : VL_KP_NULL;
		}
	return VL_KP_NULL;
}

static int cmp_sysent(const void *key, const void *e)
{
	return strcmp(key, ((const struct sysent *)e)->name);
}

/* The x86-64 number of a call name (or "syscall_0x1c3"); -1 if unknown. */
static long syscall_nr(const char *name)
{
	const struct sysent *e = bsearch(name, syscalls_x86_64,
	                                 sizeof(syscalls_x86_64) / sizeof(syscalls_x86_64[0]),
	                                 sizeof(syscalls_x86_64[0]), cmp_sysent);
	if (e)
		return e->nr;
	if (strncmp(name, "syscall_0x", 10) == 0 && isxdigit((unsigned char)name[10])) {
		char *end;
		unsigned long v = strtoul(name + 10, &end, 16);
		return *end || v > 0xffff ? -1 : (long)v;
	}
	return -1;
}

/* User work of p since its last call returned, when a clock is given. */
static void user_gap(struct vl_import *im, struct proc *p, int have_t, uint64_t t_ns)
{
	if (!im->opts.hz || !have_t || !p->have_ret || t_ns <= p->ret_ns)
		return;
	unsigned __int128 c = (unsigned __int128)(t_ns - p->ret_ns) * im->opts.hz / NS;
	im->user_at = im->npend;
	im->user_left = c > USER_MAX ? USER_MAX : (uint64_t)c; /* bounds the events of a line */
}

/* Parses "09:31:51.069480" (-tt, -t) or "1701234567.069480" (-ttt) into ns. */
static const char *parse_time(const char *s, uint64_t *ns)
{
	uint64_t v[3] = {0, 0, 0}, frac = 0, scale = NS;
	int k = 0;

	for (;;) {
		if (!isdigit((unsigned char)*s))
			return NULL;
		while (isdigit((unsigned char)*s)) {
			v[k] = v[k] * 10 + (uint64_t)(*s++ - '0');
			if (v[k] > 1ull << 33) /* seconds of -ttt up to the year 2242 fit in ns */
				return NULL;
		}
		if (*s != ':' || k == 2)
			break;
		s++;
		k++;
	}
	if (k == 1 || (k == 2 && (v[0] > 23 || v[1] > 59 || v[2] > 60)))
		return NULL;
	if (*s == '.') {
		s++;
		if (!isdigit((unsigned char)*s))
			return NULL;
		for (; isdigit((unsigned char)*s); s++) {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(*s - '0') * scale;
			}
		}
	}
	if (*s && *s != ' ' && *s != '\t')
		return NULL;
	*ns = (k == 2 ? (v[0] * 3600 + v[1] * 60 + v[2]) : v[0]) * NS + frac;
	return s;
}

/* The "<0.000123>" of -T at the end of s, in ns; 0 if absent. */
static uint64_t parse_duration(const char *s)
{
	const char *lt = strrchr(s, '<');
	uint64_t ns;

	if (!lt || !isdigit((unsigned char)lt[1]))
		return 0;
	char buf[40];
	size_t n = strcspn(lt + 1, ">");
	if (n >= sizeof(buf) || lt[1 + n] != '>')
		return 0;
	memcpy(buf, lt + 1, n);
	buf[n] = '\0';
	return parse_time(buf, &ns) ? ns : 0;
}

struct result {
	int has_ret; /* 0: "= ?", the call did not return */
	int failed;  /* "= -1 ENOENT (...)" */
	long long ret;
	uint64_t dur_ns;
};

/* Parses " = RESULT [<DURATION>]" after the arguments of call `name`. */
static int parse_result(struct vl_import *im, const char *name, const char *s,
                        struct result *r, struct vl_err *err)
{
	char *end;

	memset(r, 0, sizeof(*r));
	s = skip_space(s);
	if (*s != '=')
		return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': expected '= RESULT' after the "
		                  "arguments, found '%.*s'", im->name, im->lineno, name, toklen(s), s);
	s = skip_space(s + 1);
	r->dur_ns = parse_duration(s);
	if (*s == '?')
		return 0;
	errno = 0;
	if (s[0] == '0' && s[1] == 'x')
		r->ret = (long long)strtoull(s, &end, 16);
	else
		r->ret = strtoll(s, &end, 10);
	if (end == s || (*end && *end != ' ' && *end != '\t'))
		return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': result '%.*s' is not a number",
		                  im->name, im->lineno, name, toklen(s), s);
	r->has_ret = 1;
	r->failed = r->ret < 0;
	return 0;
}

/* The events of a call's return: kernel run, I/O, sysret; and its effects. */
static void finish_call(struct vl_import *im, struct proc *p, const char *name,
                        const struct scan *sc, const struct result *r, uint64_t start_ns,
                        uint64_t now_ns, int have_t)
{
	const struct call *c = call_of(name);
	uint16_t flags;

	const struct fd *d0 = fd_slot(p, arg_fd(sc, 0));
	push(im, VL_EV_KERNEL, VL_EVF_KERNEL,
	     kernel_insns(c, r->ret, r->failed, d0 && d0->kind == FD_SOCKET), 0);
	if (r->has_ret && !r->failed && c->io != IO_NONE && r->ret > 0) {
		const struct fd *d = d0;
		uint32_t bytes = r->ret > UINT32_MAX ? UINT32_MAX : (uint32_t)r->ret;
		if (d && d->kind == FD_FILE) {
			flags = c->io == IO_OUT ? VL_EVF_WRITE | (d->sync ? 0 : VL_EVF_ASYNC) : 0;
			push(im, VL_EV_DISK, flags, bytes, d->file);
			im->st.io++;
		} else if (d && d->kind == FD_SOCKET) {
			flags = c->io == IO_OUT ? VL_EVF_WRITE | VL_EVF_ASYNC : 0;
			push(im, VL_EV_NET, flags, bytes, 0);
			im->st.io++;
		}
	}
	if (r->has_ret && !r->failed)
		track(im, p, c, sc, r->ret);
	if (r->has_ret) {
		push(im, VL_EV_SYSRET, VL_EVF_KERNEL, 0, 0);
		if (have_t) {
			p->have_ret = 1;
			p->ret_ns = r->dur_ns ? start_ns + r->dur_ns : now_ns; /* without -T: this line */
		}
	}
}

static int strace_line(struct vl_import *im, char *line, struct vl_err *err)
{
	const char *s = skip_space(line);
	int64_t pid = 0;
	uint64_t t = 0;
	int have_t = 0, made, unfinished;
	char *end;

	if (!*s)
		return 0;
	/* "[pid  123] " (output to a terminal) or "123 " (-o FILE) */
	if (strncmp(s, "[pid", 4) == 0) {
		s = skip_space(s + 4);
		pid = strtoll(s, &end, 10);
		if (end == s || *end != ']' || pid < 0)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: pid '%.*s' is not a number",
			                  im->name, im->lineno, toklen(s), s);
		s = skip_space(end + 1);
	} else if (isdigit((unsigned char)*s)) {
		long long v = strtoll(s, &end, 10);
		if (*end == ' ' || *end == '\t') {
			pid = v;
			s = skip_space(end);
		}
	}
	if (isdigit((unsigned char)*s)) {
		const char *e = parse_time(s, &t);
		if (!e)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: timestamp '%.*s' is not HH:MM:SS.UUUUUU "
			                  "(strace -tt)", im->name, im->lineno, toklen(s), s);
		/* -tt wraps at midnight */
		if (im->have_last_t && t + im->day_ns + 12 * 3600 * NS < im->last_t_ns)
			im->day_ns += 24 * 3600 * NS;
		t += im->day_ns;
		im->have_last_t = 1;
		im->last_t_ns = t;
		have_t = 1;
		s = skip_space(e);
	}
	if (strncmp(s, "--- ", 4) == 0 || strncmp(s, "[ ", 2) == 0) {
		im->st.skipped++; /* a signal; a change of personality */
		return 0;
	}
	if (strncmp(s, "+++ ", 4) == 0) {
		struct proc *p = proc_find(im, pid);
		if (p)
			p->pid = -1; /* exited or killed: the pid may come back as another process */
		im->st.skipped++;
		return 0;
	}
	if (strncmp(s, "<... ", 5) == 0) {
		const char *name = s + 5;
		size_t n = strcspn(name, " >");
		if (strncmp(name + n, " resumed>", 9) != 0)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: expected '<... NAME resumed>', found "
			                  "'%.*s'", im->name, im->lineno, toklen(s), s);
		struct proc *p = proc_find(im, pid);
		if (!p || !p->pending || strlen(p->pname) != n || strncmp(p->pname, name, n) != 0)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: '%.*s' resumed, but pid %lld has %s%s%s",
			                  im->name, im->lineno, (int)n, name, (long long)pid,
			                  p && p->pending ? "unfinished '" : "no unfinished call",
			                  p && p->pending ? p->pname : "", p && p->pending ? "'" : "");
		p->used = im->lineno;
		const char *rest = scan_args(&p->scan, name + n + 9, &unfinished);
		if (unfinished)
			return 0;
		if (!rest)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': no ')' closes the arguments",
			                  im->name, im->lineno, p->pname);
		struct result r;
		if (parse_result(im, p->pname, rest, &r, err))
			return err->code;
		p->pending = 0;
		p->fresh = 0;
		switch_to(im, p);
		finish_call(im, p, p->pname, &p->scan, &r, p->pstart_ns, t, p->have_pstart && have_t);
		return 0;
	}
	/* NAME(ARGS) = RESULT <DURATION>, or NAME(ARGS <unfinished ...> */
	const char *name = s;
	size_t n = 0;
	while (isalnum((unsigned char)name[n]) || name[n] == '_')
		n++;
	if (n == 0 || name[n] != '(')
		return vl_err_set(err, VL_EINVAL, "%s:%lu: cannot parse '%.*s': expected a system "
		                  "call, a signal (---) or an exit (+++)", im->name, im->lineno,
		                  toklen(s), s);
	char nm[32];
	if (n >= sizeof(nm))
		return vl_err_set(err, VL_EINVAL, "%s:%lu: unknown system call '%.*s'", im->name,
		                  im->lineno, (int)n, name);
	memcpy(nm, name, n);
	nm[n] = '\0';
	long nr = syscall_nr(nm);
	if (nr < 0)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: unknown system call '%s' (not in the "
		                  "x86-64 table)", im->name, im->lineno, nm);
	struct proc *p = proc_get(im, pid, &made);
	if (p->pending)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s' starts while pid %lld's '%s' is "
		                  "unfinished", im->name, im->lineno, nm, (long long)pid, p->pname);
	p->used = im->lineno;
	p->fresh = 0;
	memset(&p->scan, 0, sizeof(p->scan));
	const char *rest = scan_args(&p->scan, name + n + 1, &unfinished);
	struct result r;
	if (!rest && !unfinished)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': no ')' closes the arguments",
		                  im->name, im->lineno, nm);
	if (rest && parse_result(im, nm, rest, &r, err))
		return err->code;
	im->st.calls++;
	switch_to(im, p);
	user_gap(im, p, have_t, t);
	push(im, VL_EV_SYSCALL, 0, 0, (uint64_t)nr);
	if (unfinished) {
		p->pending = 1;
		memcpy(p->pname, nm, n + 1);
		p->pstart_ns = t;
		p->have_pstart = have_t;
		return 0;
	}
	finish_call(im, p, nm, &p->scan, &r, t, t, have_t);
	return 0;
}

/* --- blkio: fio iolog v2/v3, blkparse text ------------------------------------ */

#define MAX_TOK 10

static int tokenize(char *s, char **tok, int max)
{
	int n = 0;

	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			return n;
		if (n == max)
			return max + 1;
		tok[n++] = s;
		while (*s && *s != ' ' && *s != '\t')
			s++;
		if (*s)
			*s++ = '\0';
	}
}

static int parse_u64(const char *s, uint64_t *v)
{
	char *end;

	if (!isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	*v = strtoull(s, &end, 10);
	return *end || errno ? -1 : 0;
}

/* "8,0": a blkparse device field. */
static int is_dev(const char *s)
{
	if (!isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	if (*s++ != ',' || !isdigit((unsigned char)*s))
		return 0;
	while (isdigit((unsigned char)*s))
		s++;
	return *s == '\0';
}

static int fio_line(struct vl_import *im, char **tok, int n, struct vl_err *err)
{
	static const char *const skip[] = {"add", "open", "close", "sync", "datasync", "trim", "wait"};
	int base = im->blk == B_FIO3; /* v3: a timestamp first */
	uint64_t ts, off, len;

	if (base && (n < 1 || parse_u64(tok[0], &ts)))
		return vl_err_set(err, VL_EINVAL, "%s:%lu: timestamp '%s' is not a number (fio "
		                  "iolog version 3: TIMESTAMP FILE ACTION [OFFSET LENGTH])", im->name,
		                  im->lineno, n ? tok[0] : "");
	if (n < base + 2)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: missing ACTION (usage: %sFILE ACTION "
		                  "[OFFSET LENGTH])", im->name, im->lineno, base ? "TIMESTAMP " : "");
	const char *file = tok[base], *act = tok[base + 1];
	int write = strcmp(act, "write") == 0;
	if (write || strcmp(act, "read") == 0) {
		if (n < base + 4)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': missing %s (usage: FILE %s "
			                  "OFFSET LENGTH)", im->name, im->lineno, act,
			                  n < base + 3 ? "OFFSET" : "LENGTH", act);
		if (parse_u64(tok[base + 2], &off))
			return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': OFFSET '%s' is not a number",
			                  im->name, im->lineno, act, tok[base + 2]);
		if (parse_u64(tok[base + 3], &len) || len > UINT32_MAX)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': LENGTH '%s' is not a number "
			                  "of at most 32 bits", im->name, im->lineno, act, tok[base + 3]);
		if (n > base + 4)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: '%s': unexpected field '%s'",
			                  im->name, im->lineno, act, tok[base + 4]);
		push(im, VL_EV_DISK, write ? VL_EVF_WRITE : 0, (uint32_t)len,
		     file_id(file, strlen(file)));
		im->st.calls++;
		im->st.io++;
		return 0;
	}
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		if (strcmp(act, skip[i]) == 0) {
			im->st.skipped++;
			return 0;
		}
	}
	return vl_err_set(err, VL_EINVAL, "%s:%lu: unknown action '%s' (add, open, close, read, "
	                  "write, sync, datasync, trim, wait)", im->name, im->lineno, act);
}

/*
 * blkparse's default text: "DEV CPU SEQ TIME PID ACTION RWBS [SECTOR + COUNT]
 * [COMM]". Only D (issued to the driver) counts: Q counts bios before they are
 * merged or split, C the same request again when it completes.
 */
static int blkparse_line(struct vl_import *im, char **tok, int n, struct vl_err *err)
{
	static const char *const field[] = {"device", "cpu", "sequence", "time", "pid"};
	uint64_t v, sector, count;

	if (n < 1 || !is_dev(tok[0])) {
		im->st.skipped++; /* the per-CPU and total summary at the end */
		return 0;
	}
	if (n < 7)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: missing %s (usage: DEV CPU SEQ TIME PID "
		                  "ACTION RWBS [SECTOR + COUNT])", im->name, im->lineno,
		                  n < 6 ? "ACTION" : "RWBS");
	for (int i = 1; i < 5; i++) {
		char *dot = i == 3 ? strchr(tok[i], '.') : NULL;
		if (dot)
			*dot = '\0';
		int bad = parse_u64(tok[i], &v) || (dot && parse_u64(dot + 1, &v));
		if (dot)
			*dot = '.';
		if (bad)
			return vl_err_set(err, VL_EINVAL, "%s:%lu: %s '%s' is not a number", im->name,
			                  im->lineno, field[i], tok[i]);
	}
	const char *act = tok[5], *rwbs = tok[6];
	if (strcmp(act, "D") != 0) {
		im->st.skipped++;
		return 0;
	}
	if (rwbs[strspn(rwbs, "FRWDNESAMBT")] != '\0')
		return vl_err_set(err, VL_EINVAL, "%s:%lu: 'D': RWBS '%s' has a letter other than "
		                  "F R W D N E S A M B T", im->name, im->lineno, rwbs);
	int write = strchr(rwbs, 'W') != NULL, read = strchr(rwbs, 'R') != NULL;
	if ((!write && !read) || strchr(rwbs, 'D') || strchr(rwbs, 'E') || n < 8 ||
	    tok[7][0] == '[' || tok[7][0] == '(') {
		im->st.skipped++; /* flush, discard, secure erase, no data: no transfer */
		return 0;
	}
	if (parse_u64(tok[7], &sector))
		return vl_err_set(err, VL_EINVAL, "%s:%lu: 'D': SECTOR '%s' is not a number",
		                  im->name, im->lineno, tok[7]);
	if (n < 10 || strcmp(tok[8], "+") != 0)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: 'D': expected '+ COUNT' after the sector",
		                  im->name, im->lineno);
	if (parse_u64(tok[9], &count) || count > UINT32_MAX / 512)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: 'D': COUNT '%s' is not a number of "
		                  "sectors below 8 Mi", im->name, im->lineno, tok[9]);
	uint16_t flags = write ? VL_EVF_WRITE : 0;
	if (!strchr(rwbs, 'S') && (write || strchr(rwbs, 'A')))
		flags |= VL_EVF_ASYNC;
	push(im, VL_EV_DISK, flags, (uint32_t)(count * 512), 0);
	im->st.calls++;
	im->st.io++;
	return 0;
}

static int blkio_line(struct vl_import *im, char *line, struct vl_err *err)
{
	char *tok[MAX_TOK];
	int n = tokenize(line, tok, MAX_TOK);

	if (n == 0)
		return 0;
	if (im->blk == B_BLKPARSE)
		return blkparse_line(im, tok, n > MAX_TOK ? MAX_TOK : n, err);
	if (n > MAX_TOK)
		return vl_err_set(err, VL_EINVAL, "%s:%lu: too many fields", im->name, im->lineno);
	return fio_line(im, tok, n, err);
}

/* Tells a fio iolog from blkparse output by the first line that is not blank. */
static int blkio_detect(struct vl_import *im, struct vl_err *err)
{
	int rc;

	while ((rc = next_line(im, err)) > 0) {
		const char *s = skip_space(im->line);
		int v, end = -1;
		if (!*s)
			continue;
		if (sscanf(s, "fio version %d iolog%n", &v, &end) == 1 && end > 0 &&
		    *skip_space(s + end) == '\0') {
			if (v != 2 && v != 3)
				return vl_err_set(err, VL_EVERSION, "%s:%lu: fio iolog version %d is not "
				                  "supported (2 and 3 are)", im->name, im->lineno, v);
			im->blk = v == 2 ? B_FIO2 : B_FIO3;
			return 0;
		}
		char dev[32];
		if (sscanf(s, "%31s", dev) == 1 && is_dev(dev)) {
			im->blk = B_BLKPARSE;
			im->replay = 1;
			return 0;
		}
		return vl_err_set(err, VL_EINVAL, "%s:%lu: not a fio iolog ('fio version 2|3 iolog') "
		                  "nor blkparse output ('MAJ,MIN CPU SEQ TIME PID ACTION RWBS ...')",
		                  im->name, im->lineno);
	}
	if (rc == 0)
		return vl_err_set(err, VL_EINVAL, "%s: empty: not a fio iolog nor blkparse output",
		                  im->name);
	return rc;
}

/* --- the importer ---------------------------------------------------------------- */

int vl_import_lookup(const char *name)
{
	for (size_t i = 0; i < sizeof(fmt_names) / sizeof(fmt_names[0]); i++)
		if (strcmp(fmt_names[i], name) == 0)
			return (int)i;
	return -1;
}

int vl_import_open_stream(struct vl_import **out, enum vl_import_fmt fmt, FILE *f,
                          const char *name, int own, const struct vl_import_opts *opts,
                          struct vl_err *err)
{
	struct vl_import *im = calloc(1, sizeof(*im));

	if (!im) {
		if (own)
			fclose(f);
		return vl_err_set(err, VL_ENOMEM, "out of memory");
	}
	im->fmt = fmt;
	im->f = f;
	im->own = own;
	snprintf(im->name, sizeof(im->name), "%s", name);
	if (opts)
		im->opts = *opts;
	if (fmt == VL_IMPORT_STRACE) {
		im->procs = calloc(NPROC, sizeof(*im->procs));
		if (!im->procs) {
			vl_import_free(im);
			return vl_err_set(err, VL_ENOMEM, "out of memory");
		}
		for (unsigned i = 0; i < NPROC; i++)
			im->procs[i].pid = -1;
	} else {
		int rc = blkio_detect(im, err);
		if (rc) {
			vl_import_free(im);
			return rc;
		}
	}
	*out = im;
	return 0;
}

int vl_import_open(struct vl_import **im, enum vl_import_fmt fmt, const char *path,
                   const struct vl_import_opts *opts, struct vl_err *err)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return vl_err_set(err, VL_EIO, "%s: cannot open: %s", path, strerror(errno));
	return vl_import_open_stream(im, fmt, f, path, 1, opts, err);
}

long vl_import_read(struct vl_import *im, struct vl_event *buf, size_t max, struct vl_err *err)
{
	size_t k = 0;

	while (k < max) {
		if (im->user_left && im->pos == im->user_at) {
			uint32_t c = im->user_left > UINT32_MAX ? UINT32_MAX : (uint32_t)im->user_left;
			buf[k++] = (struct vl_event){VL_EV_USER, 0, c, 0, 0};
			im->user_left -= c;
			continue;
		}
		if (im->pos < im->npend) {
			buf[k++] = im->pend[im->pos++];
			continue;
		}
		im->npend = im->pos = 0;
		im->user_left = 0;
		int rc = next_line(im, err);
		if (rc <= 0)
			return rc < 0 ? rc : (long)k;
		rc = im->fmt == VL_IMPORT_STRACE ? strace_line(im, im->line, err)
		                                 : blkio_line(im, im->line, err);
		if (rc)
			return rc;
	}
	return (long)k;
}

void vl_import_meta(const struct vl_import *im, struct vl_meta *m)
{
	static const char *const what[] = {
		[B_UNKNOWN] = "", [B_FIO2] = "fio iolog v2", [B_FIO3] = "fio iolog v3",
		[B_BLKPARSE] = "blkparse text",
	};
	const char *base = strrchr(im->name, '/');
	char source[256], hz[32];

	base = base ? base + 1 : im->name;
	memset(m, 0, sizeof(*m));
	if (im->fmt == VL_IMPORT_STRACE)
		snprintf(source, sizeof(source), "strace -f -tt -T log %.180s", base);
	else
		snprintf(source, sizeof(source), "%s %.180s", what[im->blk], base);
	vl_meta_set(m, "name", base[0] && strlen(base) < 200 ? base : "imported", NULL);
	vl_meta_set(m, "source", source, NULL);
	vl_meta_set(m, "importer", fmt_names[im->fmt], NULL);
	if (im->opts.hz) {
		snprintf(hz, sizeof(hz), "%llu", (unsigned long long)im->opts.hz);
		vl_meta_set(m, "clock_hz", hz, NULL);
	}
}

const struct vl_import_stats *vl_import_stats(const struct vl_import *im)
{
	return &im->st;
}

void vl_import_free(struct vl_import *im)
{
	if (!im)
		return;
	if (im->own && im->f)
		fclose(im->f);
	free(im->line);
	free(im->procs);
	free(im);
}

static long source_read(void *ctx, struct vl_event *buf, size_t max, struct vl_err *err)
{
	return vl_import_read(ctx, buf, max, err);
}

struct vl_source vl_import_source(struct vl_import *im)
{
	return (struct vl_source){source_read, im};
}
