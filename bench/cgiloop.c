/* cgiloop.c - the ceiling for the CGI row: runs a CGI script N times,
 * PARALLEL at once, reading each one's output to its end, with no HTTP
 * and no FastCGI in between.
 *
 *   cgiloop SCRIPT N PARALLEL      prints  runs/s=R
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char *script_env[] = {
	"GATEWAY_INTERFACE=CGI/1.1", "REQUEST_METHOD=GET", "SERVER_PROTOCOL=HTTP/1.1",
	"SCRIPT_NAME=/cgi-bin/hello.cgi", "QUERY_STRING=", "PATH=/usr/bin:/bin", NULL
};

/* Starts the script with its stdout on a pipe; returns the read end.
 * vfork, as h2cgi-cgi does: fork's page-table copy is no part of the
 * ceiling. */
static int start(const char *script, pid_t *pid)
{
	int p[2];

	if (pipe2(p, O_CLOEXEC) != 0)
		return -1;
	*pid = vfork();
	if (*pid == 0) {
		dup2(p[1], 1);
		execle(script, script, (char *)NULL, script_env);
		_exit(127);
	}
	close(p[1]);
	if (*pid < 0) {
		close(p[0]);
		return -1;
	}
	return p[0];
}

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	long n, par, done = 0, started = 0;
	int fds[64];
	pid_t pids[64];
	char buf[4096];
	double t0;

	if (argc != 4 || (n = atol(argv[2])) < 1 || (par = atol(argv[3])) < 1 || par > 64) {
		fprintf(stderr, "usage: cgiloop SCRIPT N PARALLEL(1..64)\n");
		return 2;
	}
	t0 = now_s();
	for (long i = 0; i < par && started < n; i++, started++)
		if ((fds[i] = start(argv[1], &pids[i])) < 0)
			return 1;
	while (done < n) {
		/* finish the children in order: each is as short as the next */
		for (long i = 0; i < par && done < n; i++) {
			if (fds[i] < 0)
				continue;
			while (read(fds[i], buf, sizeof(buf)) > 0)
				;
			close(fds[i]);
			fds[i] = -1;
			waitpid(pids[i], NULL, 0);
			done++;
			if (started < n) {
				if ((fds[i] = start(argv[1], &pids[i])) < 0)
					return 1;
				started++;
			}
		}
	}
	printf("runs/s=%.0f\n", n / (now_s() - t0));
	return 0;
}
