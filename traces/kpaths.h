/*
 * Kernel path lengths: instructions of Linux 6.1 (Debian's 6.1.0 cloud
 * kernel) per operation, the one table the trace generators (gen.c), the
 * strace importer (import.c) and the capture (capture.c) charge for the
 * kernel's work where a user-mode trace enters it. Counted under QEMU
 * 7.2's TCG by the insncount plugin between markers vl-probe executes
 * around N operations (testbed/tcg/kernel-paths.sh; two runs agree within
 * 0.3%). Under TCG a REP-prefixed string instruction counts once per
 * iteration; with -cpu qemu64 the kernel clears and copies pages with
 * ordinary loops. docs/trace-format.md has the measured table.
 */
#ifndef VL_KPATHS_H
#define VL_KPATHS_H

#define KP_NULL_SYSCALL 323    /* getppid() */
#define KP_NULL_IO 617         /* 1-byte read of /dev/zero or write to /dev/null: 1235 / 2 */
#define KP_IO_4K 4845          /* 4 KiB write or read on tmpfs: 9689 / 2 */
#define KP_MMAP 9278           /* mmap or munmap of 64 untouched pages: 18555 / 2 */
#define KP_FAULT 4253          /* first touch of an anonymous page, freeing included: 4543 - 18555 / 64 */
#define KP_FORKWAIT 158469     /* fork, _exit, waitpid of a small static process, its faults included */
#define KP_EXEC 483951         /* execve of a static program and its exit: 642420 - 158469 */
#define KP_TCP_EXCHANGE 244807 /* loopback TCP: connect, 100-byte request, 10,975-byte reply, close */

/*
 * Loopback TCP per call: `vl-probe work tcp 50` captured with `--system`
 * (a client connecting, writing a 100-byte request, reading the
 * 10,975-byte reply to its end and closing; a server accepting, reading,
 * writing and closing), each kernel instruction given to the last system
 * call of the process whose address space is loaded. Loopback delivery
 * runs in the sender's call (its softirq), and a blocked call's return in
 * its own. Means over the exchange's calls: the client's 100-byte write
 * (19,000, the server's wake-up in it) and the server's 10,975-byte one
 * (15,900) differ less by their bytes than by whom they wake. They sum to
 * 303,780 an exchange; insncount counted 244,807 (KP_TCP_EXCHANGE) for the
 * whole loop in another guest boot: the capture's port search in connect
 * grows with the sockets left in TIME_WAIT.
 */
#define KP_SOCKET 4844       /* socket() */
#define KP_CONNECT 208940    /* connect(): the handshake, both sides, and the port search */
#define KP_ACCEPT 8954       /* accept() */
#define KP_SOCK_READ 3730    /* read or recv on a connected socket */
#define KP_SOCK_WRITE 17427  /* write or send on a connected socket: delivery to the peer */
#define KP_SOCK_CLOSE 17499  /* close of a connected socket: the FIN exchange */

/*
 * fork, exit and wait of the forkwait loop: KP_FORKWAIT less the 8 faults
 * and the set_robust_list call it includes (2 in the parent, 6 in the
 * child, counted with getrusage), split 15:10:3. The split is an
 * assumption: only the total was counted.
 */
#define KP_FORKWAIT_REST (KP_FORKWAIT - 8 * KP_FAULT - KP_NULL_SYSCALL)
#define KP_FORK (KP_FORKWAIT_REST * 15 / 28)
#define KP_EXIT (KP_FORKWAIT_REST * 10 / 28)
#define KP_WAIT (KP_FORKWAIT_REST - KP_FORK - KP_EXIT)

#include <stdint.h>

/* Which measured figure a system call's kernel work costs. */
enum vl_kpath {
	VL_KP_NULL, /* KP_NULL_SYSCALL: every call not classed below, and every failed call */
	VL_KP_IO,   /* KP_NULL_IO at 1 byte to KP_IO_4K at 4 KiB, linear in the bytes moved */
	VL_KP_MMAP, /* KP_MMAP */
	VL_KP_FORK, /* 15/28 of KP_FORKWAIT (the split is an assumption) */
	VL_KP_EXIT, /* 10/28 of KP_FORKWAIT */
	VL_KP_WAIT, /* the remaining 3/28 of KP_FORKWAIT */
	VL_KP_EXEC, /* KP_EXEC */
	VL_KP_SOCKET, VL_KP_CONNECT, VL_KP_ACCEPT, /* KP_SOCKET, KP_CONNECT, KP_ACCEPT */
	VL_KP_SOCK_READ, VL_KP_SOCK_WRITE, VL_KP_SOCK_CLOSE, /* reads, writes, closes of a socket */
};

/*
 * Kernel instructions of a successful call of class k that returned ret
 * (bytes moved, for VL_KP_IO). A read, write or close of a socket is of the
 * socket's classes (the caller knows the descriptor). faults_apart: the trace carries the faults
 * of fork, exit and exec as events of their own (a capture), so they are
 * taken out of the measured totals; otherwise (strace) they stay in.
 */
static inline uint32_t vl_kpath_insns(enum vl_kpath k, int64_t ret, int faults_apart)
{
	switch (k) {
	case VL_KP_IO: {
		uint64_t bytes = ret <= 0 ? 0 : ret > UINT32_MAX ? UINT32_MAX : (uint64_t)ret;
		uint64_t n = KP_NULL_IO + (uint64_t)(KP_IO_4K - KP_NULL_IO) * bytes / 4096;
		return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
	}
	case VL_KP_MMAP: return KP_MMAP;
	case VL_KP_FORK: return faults_apart ? KP_FORK : KP_FORKWAIT * 15 / 28;
	case VL_KP_EXIT: return faults_apart ? KP_EXIT : KP_FORKWAIT * 10 / 28;
	case VL_KP_WAIT:
		return faults_apart ? KP_WAIT : KP_FORKWAIT - KP_FORKWAIT * 15 / 28 - KP_FORKWAIT * 10 / 28;
	case VL_KP_EXEC: return faults_apart ? KP_EXEC - KP_EXIT : KP_EXEC;
	case VL_KP_SOCKET: return KP_SOCKET;
	case VL_KP_CONNECT: return KP_CONNECT;
	case VL_KP_ACCEPT: return KP_ACCEPT;
	case VL_KP_SOCK_READ: return KP_SOCK_READ;
	case VL_KP_SOCK_WRITE: return KP_SOCK_WRITE;
	case VL_KP_SOCK_CLOSE: return KP_SOCK_CLOSE;
	default: return KP_NULL_SYSCALL;
	}
}

#endif
