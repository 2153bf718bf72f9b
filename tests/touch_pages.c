/*
 * touch-pages N: the capture test's program (tests/test_capture.c). Between
 * two markers and two getppid calls it writes one byte to each of N pages
 * of a buffer, twice over, with no other data reference: the system calls
 * and the loop are inline assembly, so no stack or libc access falls in
 * between. What the capture's touch filter makes of it is worked out in
 * the test.
 */
#include <stdlib.h>

#define PAGE 4096
#define MAX_PAGES 64

static char buf[MAX_PAGES * PAGE] __attribute__((aligned(PAGE)));

static inline __attribute__((always_inline)) void mark(void)
{
	__asm__ volatile("xchg %%bx, %%bx" ::: "memory");
}

static inline __attribute__((always_inline)) void getppid_(void)
{
	long nr = 110; /* getppid */
	__asm__ volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
}

/* One byte written to each of n pages from p, in address order. */
static inline __attribute__((always_inline)) void pass(char *p, long n)
{
	__asm__ volatile("1: movb $1, (%0)\n\t"
	                 "add $4096, %0\n\t"
	                 "dec %1\n\t"
	                 "jnz 1b"
	                 : "+r"(p), "+r"(n) : : "memory", "cc");
}

int main(int argc, char **argv)
{
	long n = argc > 1 ? atol(argv[1]) : 0;

	if (n < 1 || n > MAX_PAGES)
		return 2;
	mark();
	getppid_();
	pass(buf, n);
	pass(buf, n);
	getppid_();
	mark();
	return 0;
}
