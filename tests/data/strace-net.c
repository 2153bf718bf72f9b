/*
 * A small real program traced for the strace importer's test log
 * (tests/data/strace-net.log): a forked child sends a 100-byte request over
 * loopback TCP, the parent logs it to a file, reads it back and sends a
 * 1000-byte reply. Static, so the log has no dynamic-loader noise:
 *   cc -O2 -static -o /tmp/strace-net tests/data/strace-net.c
 *   strace -f -tt -T -o tests/data/strace-net.log /tmp/strace-net /tmp/strace-net.out
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t len = sizeof(a);
	char req[100], reply[1000], buf[1000];
	int ls, s, f, st;
	ssize_t n;
	pid_t pid;

	if (argc != 2)
		return 2;
	memset(req, 'q', sizeof(req));
	memset(reply, 'r', sizeof(reply));
	ls = socket(AF_INET, SOCK_STREAM, 0);
	if (ls < 0 || bind(ls, (struct sockaddr *)&a, len) || listen(ls, 1) ||
	    getsockname(ls, (struct sockaddr *)&a, &len))
		return 1;
	pid = fork();
	if (pid == 0) {
		int c = socket(AF_INET, SOCK_STREAM, 0);
		if (connect(c, (struct sockaddr *)&a, len) || send(c, req, sizeof(req), 0) < 0)
			_exit(1);
		for (size_t got = 0; got < sizeof(buf); got += (size_t)n)
			if ((n = recv(c, buf, sizeof(buf) - got, 0)) <= 0)
				_exit(1);
		close(c);
		_exit(0);
	}
	s = accept(ls, NULL, NULL);
	n = recv(s, buf, sizeof(req), MSG_WAITALL);
	f = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (s < 0 || n <= 0 || f < 0 || write(f, buf, (size_t)n) != n ||
	    pread(f, buf, sizeof(buf), 0) != n)
		return 1;
	close(f);
	if (send(s, reply, sizeof(reply), 0) < 0)
		return 1;
	close(s);
	close(ls);
	waitpid(pid, &st, 0);
	return 0;
}
