/* cgi_runner.c - h2cgi-cgi: a libfcgi program that runs one plain CGI
 * script per FastCGI request (RFC 3875), streaming its output back.
 *
 * It does not parse the script's headers (h2cgi does); it only holds back
 * the first header block until it is complete, so that a script that dies
 * before finishing its headers can still be answered with a clean 500. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <fcgiapp.h>

#define HOLD_MAX 65536 /* first header block held back, at most */
#define IO_CHUNK 16384

static char root[PATH_MAX];
static size_t root_len;
static int timeout_s = 60;
static volatile pid_t script_pid;

struct run {
	FCGX_Request *req;
	const char *script;
	char hold[HOLD_MAX];
	size_t hold_len;
	int nl;             /* end-of-block scanner: 1 after LF, 2 after LF CR */
	bool headers_done;  /* the first block went out */
	bool sent;          /* anything went out */
	bool client_gone;   /* h2cgi closed, or stopped reading past the deadline */
	long long deadline; /* now_ms() when the script is killed */
};

static void on_term(int sig)
{
	if (script_pid > 0)
		kill(-script_pid, SIGKILL);
	_exit(0);
}

static long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One line to the FastCGI error stream, which h2cgi logs with the request. */
__attribute__((format(printf, 2, 3))) static void errlog(FCGX_Request *req, const char *fmt, ...)
{
	char line[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	FCGX_FPrintF(req->err, "h2cgi-cgi: %s\n", line);
	FCGX_FFlush(req->err);
}

static void respond(FCGX_Request *req, int status, const char *text)
{
	FCGX_FPrintF(req->out, "Status: %d %s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n%d %s\n",
		     status, text, status, text);
}

/* Writes to h2cgi never block past the script's deadline: a client that
 * does not read must not hold this process (and so the pool) forever. */
static void bound_writes(struct run *r)
{
	long long left = r->deadline - now_ms();
	struct timeval tv = {0, 1000}; /* 0 would mean no limit */

	if (left > 1) {
		tv.tv_sec = (time_t)(left / 1000);
		tv.tv_usec = (suseconds_t)(left % 1000 * 1000);
	}
	setsockopt(r->req->ipcFd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

static int put_out(struct run *r, const char *p, size_t n)
{
	if (n == 0 || r->client_gone)
		return r->client_gone ? -1 : 0;
	bound_writes(r);
	if (FCGX_PutStr(p, (int)n, r->req->out) < 0 || FCGX_FFlush(r->req->out) < 0) {
		r->client_gone = true;
		return -1;
	}
	r->sent = true;
	return 0;
}

/* Script stdout: held until the first header block ends, then streamed. */
static int on_stdout(struct run *r, const char *p, size_t n)
{
	if (r->headers_done)
		return put_out(r, p, n);
	for (size_t i = 0; i < n; i++) {
		char c = p[i];
		r->nl = c == '\n' ? (r->nl ? 3 : 1) : (c == '\r' && r->nl == 1) ? 2 : 0;
		if (r->nl == 3 || r->hold_len + i + 1 == HOLD_MAX) {
			/* block complete (or too big to hold: h2cgi will judge it) */
			size_t take = i + 1;
			memcpy(r->hold + r->hold_len, p, take);
			r->hold_len += take;
			r->headers_done = true;
			if (put_out(r, r->hold, r->hold_len) < 0)
				return -1;
			return put_out(r, p + take, n - take);
		}
	}
	memcpy(r->hold + r->hold_len, p, n);
	r->hold_len += n;
	return 0;
}

/* What the script's process needs, made before it exists: the child of
 * vfork() shares this process's memory until it execs, so it only makes
 * system calls (no malloc, no stdio). vfork copies no page tables and
 * takes no copy-on-write faults: fork did both for every request, most of
 * the runner's own cost per script (perf, make bench's CGI row). */
struct launch {
	const char *script;
	char dir[PATH_MAX];        /* the working directory ("": none) */
	char **envp;               /* the request's, or copy */
	char **copy;               /* the request's with REDIRECT_STATUS added */
	char fail[PATH_MAX + 32];  /* "cannot execute SCRIPT: " */
	size_t fail_len;
	int in, out, err;          /* its stdin, stdout and stderr */
};

/* Fills l for script (a real path) and the request's environment;
 * returns -1 when memory ran out. */
static int launch_prepare(struct launch *l, const char *script, char **envp)
{
	l->script = script;
	l->envp = envp;
	l->copy = NULL;
	snprintf(l->dir, sizeof(l->dir), "%s", script);
	char *slash = strrchr(l->dir, '/');
	if (slash == NULL)
		l->dir[0] = '\0';
	else if (slash == l->dir)
		l->dir[1] = '\0'; /* "/" */
	else
		*slash = '\0';
	int n = snprintf(l->fail, sizeof(l->fail), "cannot execute %s: ", script);
	l->fail_len = n < 0 ? 0 : (size_t)n < sizeof(l->fail) ? (size_t)n : sizeof(l->fail) - 1;
	/* php-cgi run through a "#!" line refuses to work without
	 * REDIRECT_STATUS (cgi.force_redirect). Only a script gets it: the
	 * php-cgi binary itself, which Debian puts in /usr/lib/cgi-bin, would
	 * run whatever PATH_TRANSLATED names as PHP. */
	char magic[2] = {0, 0};
	int fd = open(script, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		if (read(fd, magic, 2) != 2)
			magic[0] = 0;
		close(fd);
	}
	if (magic[0] == '#' && magic[1] == '!') {
		size_t k = 0;
		while (envp[k])
			k++;
		if ((l->copy = malloc((k + 2) * sizeof(*l->copy))) == NULL)
			return -1;
		memcpy(l->copy, envp, k * sizeof(*l->copy));
		l->copy[k] = "REDIRECT_STATUS=200";
		l->copy[k + 1] = NULL;
		l->envp = l->copy;
	}
	return 0;
}

static void write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			return;
		p += w;
		n -= (size_t)w;
	}
}

/* In the child of vfork(): system calls only, then the script. */
static void child(const struct launch *l)
{
	setsid(); /* its own process group, so a timeout kills its children too */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	signal(SIGPIPE, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	if (dup2(l->in, 0) < 0 || dup2(l->out, 1) < 0 || dup2(l->err, 2) < 0)
		_exit(126);
	/* exactly 0, 1 and 2: not our FastCGI socket, nor anything else */
	closefrom(3);
	if (l->dir[0] && chdir(l->dir) < 0)
		_exit(126);
	char *argv[] = {(char *)l->script, NULL};
	execve(l->script, argv, l->envp);
	const char *why = strerrordesc_np(errno); /* no locale, no allocation */
	write_all(2, l->fail, l->fail_len);
	write_all(2, why ? why : "error", strlen(why ? why : "error"));
	write_all(2, "\n", 1);
	_exit(126);
}

/* Starts the script of l: its pid, or -1 with errno. The child never
 * returns from here (it execs or exits), as vfork() requires. */
static pid_t launch_start(const struct launch *l)
{
	pid_t pid = vfork();

	if (pid == 0)
		child(l);
	return pid;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

struct feeder {
	FCGX_Stream *in;
	int fd;
	atomic_bool eof; /* it read the whole body (the empty STDIN record) */
};

/* The request body goes to the script from a thread of its own: libfcgi
 * reads ahead into private buffers, so poll(2) on its socket cannot tell
 * whether body bytes are waiting, and a blocking read here must never hold
 * up the script's output. */
static void *feed_stdin(void *arg)
{
	struct feeder *f = arg;
	char buf[IO_CHUNK];

	for (;;) {
		int n = FCGX_GetStr(buf, 1, f->in); /* blocks until a byte or EOF */
		if (n <= 0) {
			atomic_store(&f->eof, FCGX_HasSeenEOF(f->in) == EOF);
			break;
		}
		long avail = f->in->stop - f->in->rdNext; /* already buffered: no blocking */
		if (avail > IO_CHUNK - 1)
			avail = IO_CHUNK - 1;
		if (avail > 0)
			n += FCGX_GetStr(buf + 1, (int)avail, f->in);
		for (int off = 0; off < n;) {
			ssize_t w = write(f->fd, buf + off, (size_t)(n - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				goto done; /* the script stopped reading: drop the rest */
			off += (int)w;
		}
	}
done:
	close(f->fd); /* the script sees EOF */
	return NULL;
}

/* Streams stdout and stderr out while the feeder thread writes the body in,
 * so that a script writing before it reads cannot deadlock; returns the
 * script's wait status. */
static int pump(struct run *r, pid_t pid, int in, int out, int err, bool *timed_out)
{
	char buf[IO_CHUNK];
	long long deadline = r->deadline;
	int status = 0;
	bool reaped = false;
	struct feeder f = {r->req->in, in, false};
	pthread_t feeder;
	bool feeding = pthread_create(&feeder, NULL, feed_stdin, &f) == 0;

	if (!feeding)
		close(in);
	while (out >= 0 || err >= 0) {
		struct pollfd p[3];
		int np = 0, op = -1, ep = -1, cp = -1;
		if (out >= 0)
			p[op = np++] = (struct pollfd){out, POLLIN, 0};
		if (err >= 0)
			p[ep = np++] = (struct pollfd){err, POLLIN, 0};
		/* h2cgi closes the connection when its client reset the stream or
		 * went away: only the hang-up is watched, the feeder reads */
		if (!r->client_gone)
			p[cp = np++] = (struct pollfd){r->req->ipcFd, POLLRDHUP, 0};
		long long left = deadline - now_ms();
		if (left <= 0 && !*timed_out) {
			kill(-pid, SIGKILL);
			*timed_out = true;
		}
		int rc = poll(p, (nfds_t)np, left > 1000 ? 1000 : left > 0 ? (int)left : 1000);
		if (rc < 0 && errno != EINTR)
			break;
		if (rc <= 0) {
			/* a quiet second: a script killed by a signal (SIGKILL from
			 * outside, say) ends here, with the children it left holding
			 * its stdout, which would keep the answer open till the
			 * timeout; one that exited is waited for (a child of its
			 * may still write the rest, as CGI allows) */
			if (!reaped && waitpid(pid, &status, WNOHANG) == pid) {
				reaped = true;
				if (WIFSIGNALED(status))
					kill(-pid, SIGKILL);
			}
			continue;
		}
		if (cp >= 0 && p[cp].revents) {
			r->client_gone = true;
			kill(-pid, SIGKILL); /* nobody waits for its answer */
		}
		if (op >= 0 && p[op].revents) {
			ssize_t n = read(out, buf, sizeof(buf));
			if (n > 0) {
				if (on_stdout(r, buf, (size_t)n) < 0) {
					kill(-pid, SIGKILL); /* nobody to read it any more */
					break;
				}
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(out);
				out = -1;
			}
		}
		if (ep >= 0 && p[ep].revents) {
			ssize_t n = read(err, buf, sizeof(buf));
			if (n > 0) {
				if (!r->client_gone) {
					bound_writes(r);
					FCGX_PutStr(buf, (int)n, r->req->err);
					FCGX_FFlush(r->req->err);
				}
			} else if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
				close(err);
				err = -1;
			}
		}
	}
	if (out >= 0)
		close(out);
	if (err >= 0)
		close(err);
	while (!reaped && waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (feeding) {
		/* a quick script can end before the feeder even ran, its body's
		 * end (a GET's empty STDIN record, which comes with the request)
		 * already read: it gets a moment to take it, or the connection
		 * could not carry the next request. One still waiting after that
		 * waits for body bytes: woken by a shutdown (the connection then
		 * closes: see main). */
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		if (atomic_load(&f.eof) || pthread_timedjoin_np(feeder, NULL, &until) != 0) {
			if (!atomic_load(&f.eof))
				shutdown(r->req->ipcFd, SHUT_RD);
			pthread_join(feeder, NULL);
		}
	}
	return status;
}

/* A script outside the root is run only through symlinks inside it that
 * root owns, or whose owner owns their target (Apache's
 * SymLinksIfOwnerMatch): Debian installs /usr/lib/cgi-bin/gitweb.cgi as a
 * root-owned link to /usr/share/gitweb. Each link on the way is checked;
 * returns 0, or 403 after logging which link was refused. */
static int links_owned(FCGX_Request *req, const char *sf)
{
	char path[PATH_MAX];
	struct stat lst, tst;
	size_t n = strlen(sf);

	if (n >= sizeof(path) || strncmp(sf, root, root_len) != 0 || sf[root_len] != '/' ||
	    strstr(sf, "/../") != NULL || strstr(sf, "/./") != NULL) {
		errlog(req, "%s is not a path inside %s: refused", sf, root);
		return 403;
	}
	memcpy(path, sf, n + 1);
	for (size_t i = root_len + 1; i <= n; i++) {
		if (i < n && sf[i] != '/')
			continue;
		path[i] = '\0';
		if (lstat(path, &lst) < 0)
			return 404;
		if (S_ISLNK(lst.st_mode)) {
			if (stat(path, &tst) < 0)
				return 404;
			if (lst.st_uid != 0 && lst.st_uid != tst.st_uid) {
				errlog(req, "%s: a symlink owned by uid %u to a file of uid %u leads out of %s: "
					    "refused", path, (unsigned)lst.st_uid, (unsigned)tst.st_uid, root);
				return 403;
			}
		}
		path[i] = sf[i];
	}
	return 0;
}

/* Resolves SCRIPT_FILENAME inside the root; returns 0 or an HTTP status. */
static int check_script(FCGX_Request *req, const char *sf, char *real)
{
	struct stat st;

	if (sf == NULL) {
		errlog(req, "no SCRIPT_FILENAME in the request");
		return 500;
	}
	if (realpath(sf, real) == NULL) {
		if (errno == ENOENT || errno == ENOTDIR)
			return 404;
		errlog(req, "%s: %s", sf, strerror(errno));
		return 403;
	}
	/* no "..", and a symlink leads out of the root only when owned well */
	if (strncmp(real, root, root_len) != 0 || real[root_len] != '/') {
		int rc = links_owned(req, sf);
		if (rc)
			return rc;
	}
	if (stat(real, &st) < 0)
		return 404;
	if (!S_ISREG(st.st_mode)) {
		errlog(req, "%s is not a regular file", real);
		return 403;
	}
	if (access(real, X_OK) < 0) {
		errlog(req, "%s is not executable", real);
		return 403;
	}
	return 0;
}

/* Closes the fds of pipes that are open (>= 0). */
static void close_pipes(int *fds, int n)
{
	for (int i = 0; i < n; i++)
		if (fds[i] >= 0)
			close(fds[i]);
}

/* Runs one request; returns false when its connection must not carry the
 * next one: the script was killed (its --timeout, or its client read
 * nothing). h2cgi may still hold that answer's unread bytes for a client
 * that does not read; on a kept connection this process would then wait for
 * its next request behind them, lost to the pool until that client reads or
 * h2cgi's --send-timeout. Closing tells h2cgi at once (EPOLLRDHUP), and the
 * process takes a new connection. */
static bool serve(FCGX_Request *req)
{
	static struct run r;
	char real[PATH_MAX];
	int fds[6] = {-1, -1, -1, -1, -1, -1}; /* in, out, err: read end, write end */
	int *in = fds, *out = fds + 2, *err = fds + 4;
	bool timed_out = false;

	FCGX_SetExitStatus(0, req->out); /* libfcgi keeps the last request's */
	int status = check_script(req, FCGX_GetParam("SCRIPT_FILENAME", req->envp), real);
	if (status) {
		respond(req, status, status == 404 ? "Not Found" : status == 403 ? "Forbidden"
										 : "Internal Server Error");
		return true;
	}
	if (pipe2(in, O_CLOEXEC) < 0 || pipe2(out, O_CLOEXEC) < 0 || pipe2(err, O_CLOEXEC) < 0) {
		errlog(req, "pipe: %s", strerror(errno));
		respond(req, 500, "Internal Server Error");
		close_pipes(fds, 6);
		return true;
	}
	static struct launch l;
	pid_t pid = -1;
	if (launch_prepare(&l, real, req->envp) == 0) {
		l.in = in[0];
		l.out = out[1];
		l.err = err[1];
		pid = launch_start(&l);
	}
	free(l.copy);
	l.copy = NULL;
	if (pid < 0) {
		errlog(req, "cannot start the script: %s", strerror(errno));
		respond(req, 500, "Internal Server Error");
		close_pipes(fds, 6);
		return true;
	}
	script_pid = pid;
	close(in[0]);
	close(out[1]);
	close(err[1]);
	set_nonblock(out[0]);
	set_nonblock(err[0]);

	memset(&r, 0, sizeof(r));
	r.req = req;
	r.script = real;
	r.deadline = now_ms() + (long long)timeout_s * 1000;
	int ws = pump(&r, pid, in[1], out[0], err[0], &timed_out);
	script_pid = 0;
	if (r.client_gone) {
		if (timed_out || now_ms() >= r.deadline)
			fprintf(stderr, "h2cgi-cgi: %s killed: its client read nothing until --timeout %d s\n",
				real, timeout_s);
		return false;
	}
	/* The application status tells h2cgi whether the body is whole: not
	 * 0 only when the script was killed (RFC 3875 gives no other signal;
	 * a script's own exit status is logged, not judged). */
	if (timed_out) {
		errlog(req, "%s killed after --timeout %d s", real, timeout_s);
		if (!r.sent)
			respond(req, 504, "Gateway Timeout");
		else
			FCGX_SetExitStatus(128 + SIGKILL, req->out);
		return false;
	}
	if (!r.headers_done) {
		/* RFC 3875 §6: no complete header block at all */
		if (WIFSIGNALED(ws))
			errlog(req, "%s died of signal %d before writing its headers", real, WTERMSIG(ws));
		else if (WEXITSTATUS(ws) != 0)
			errlog(req, "%s exited with status %d before writing its headers", real,
			       WEXITSTATUS(ws));
		else if (r.hold_len == 0)
			errlog(req, "%s exited without output", real);
		if (WIFSIGNALED(ws) || WEXITSTATUS(ws) != 0 || r.hold_len == 0) {
			respond(req, 500, "Internal Server Error");
			return true;
		}
		put_out(&r, r.hold, r.hold_len); /* exit 0: let h2cgi judge what it wrote */
		return true;
	}
	if (WIFSIGNALED(ws)) {
		errlog(req, "%s died of signal %d", real, WTERMSIG(ws));
		FCGX_SetExitStatus(128 + WTERMSIG(ws), req->out);
	} else if (WEXITSTATUS(ws) != 0) {
		errlog(req, "%s exited with status %d", real, WEXITSTATUS(ws));
	}
	return true;
}

static void usage(void)
{
	fputs("usage: h2cgi-cgi --root DIR [--timeout SECONDS] | --version\n"
	      "Runs CGI scripts under DIR for FastCGI requests on fd 0. See h2cgi-cgi(8).\n",
	      stderr);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {{"root", required_argument, NULL, 'r'},
					     {"timeout", required_argument, NULL, 't'},
					     {"help", no_argument, NULL, 'h'},
					     {"version", no_argument, NULL, 'V'},
					     {NULL, 0, NULL, 0}};
	const char *dir = NULL;
	FCGX_Request req;
	int ch;

	while ((ch = getopt_long(argc, argv, "r:t:hV", opts, NULL)) != -1) {
		switch (ch) {
		case 'r': dir = optarg; break;
		case 't':
			timeout_s = atoi(optarg);
			if (timeout_s <= 0) {
				usage();
				return 64;
			}
			break;
		case 'h': usage(); return 0;
		case 'V': printf("h2cgi-cgi %s (libfcgi %s)\n", PACKAGE_VERSION, FCGI_VERSION); return 0;
		default: usage(); return 64;
		}
	}
	if (dir == NULL || optind != argc) {
		usage();
		return 64;
	}
	if (realpath(dir, root) == NULL) {
		fprintf(stderr, "h2cgi-cgi: --root %s: %s\n", dir, strerror(errno));
		return 1;
	}
	root_len = strlen(root);
	if (root_len == 1)
		root_len = 0; /* "/" as root: every path starts with "/" */
	if (FCGX_IsCGI()) {
		fprintf(stderr, "h2cgi-cgi: fd 0 is not a FastCGI listening socket; "
				"run it from h2cgi --cgi-dir (or spawn-fcgi)\n");
		return 1;
	}
	signal(SIGPIPE, SIG_IGN);
	struct sigaction sa = {.sa_handler = on_term};
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		/* FCGI_KEEP_CONN: a connection whose request was not read to its
		 * end cannot carry the next one; libfcgi closes it instead */
		if (!serve(&req) || FCGX_HasSeenEOF(req.in) != EOF)
			req.keepConnection = 0;
	}
	return 0;
}
