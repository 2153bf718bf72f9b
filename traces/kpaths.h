/*
 * Kernel path lengths: instructions of Linux 6.1 (Debian's 6.1.0 cloud
 * kernel) per operation, the one table the trace generators (gen.c) and
 * the strace importer (import.c) charge for a system call's kernel work.
 * Counted under QEMU 7.2's TCG by the insncount plugin between markers
 * vl-probe executes around N operations (testbed/tcg/kernel-paths.sh; two
 * runs agree within 0.3%). Under TCG a REP-prefixed string instruction
 * counts once per iteration; with -cpu qemu64 the kernel clears and copies
 * pages with ordinary loops. docs/trace-format.md has the measured table.
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

#endif
