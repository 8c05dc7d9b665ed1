/* keeper.c - the privileged parent of --user and its control channel. */
#include "keeper.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

/* A message is one SOCK_SEQPACKET record: the certificate chain and key
 * must fit in it (the default socket buffer holds about 200 KB). */
#define PEM_MAX (64 * 1024)
#define MSG_MAX (2 * PEM_MAX + 1024)
#define HDR_LEN 9 /* kind, then two 32-bit lengths */

int keeper_channel(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -1;
	fcntl(sv[1], F_SETFL, fcntl(sv[1], F_GETFL) | O_NONBLOCK);
	return 0;
}

pid_t keeper_fork(int *chan)
{
	int sv[2];

	if (keeper_channel(sv) < 0)
		return -1;
	pid_t parent = getpid(), pid = fork();
	if (pid < 0) {
		int e = errno;
		close(sv[0]);
		close(sv[1]);
		errno = e;
		return -1;
	}
	if (pid == 0) {
		close(sv[0]);
		/* a keeper killed outright takes its server down gracefully */
		if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
			_exit(1);
		*chan = sv[1];
		return 0;
	}
	close(sv[1]);
	*chan = sv[0];
	return pid;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24), p[1] = (uint8_t)(v >> 16), p[2] = (uint8_t)(v >> 8), p[3] = (uint8_t)v;
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Reads a whole file of at most PEM_MAX bytes into out; returns its length
 * or -1 with err filled. */
static long read_pem(const char *path, uint8_t *out, char *err, size_t errlen)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	long n = 0;

	if (fd < 0) {
		snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
		return -1;
	}
	for (;;) {
		ssize_t r = read(fd, out + n, (size_t)(PEM_MAX - n));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
			n = -1;
			break;
		}
		if (r == 0)
			break;
		n += r;
		if (n == PEM_MAX) {
			snprintf(err, errlen, "%s is larger than %d KB", path, PEM_MAX / 1024);
			n = -1;
			break;
		}
	}
	close(fd);
	return n;
}

/* SIGHUP: the certificate and key as they are on disk now. */
static void send_reload(int chan, const struct keeper_files *f)
{
	static uint8_t buf[MSG_MAX];
	struct keeper_msg m = {.buf = buf, .fds = {-1, -1}};
	long cl = 0, kl = 0;
	char err[512] = "";

	buf[0] = KEEPER_RELOAD;
	if (f->cert && ((cl = read_pem(f->cert, buf + HDR_LEN, err, sizeof(err))) < 0 ||
			(kl = read_pem(f->key, buf + HDR_LEN + cl, err, sizeof(err))) < 0))
		cl = kl = 0;
	put32(buf + 1, (uint32_t)cl);
	put32(buf + 5, (uint32_t)kl);
	m.len = HDR_LEN + (size_t)cl + (size_t)kl;
	if (err[0]) { /* the reason instead of the (empty) PEM part */
		memcpy(buf + HDR_LEN, err, strlen(err));
		m.len += strlen(err);
	}
	if (keeper_send(chan, &m) < 0)
		log_err("keeper: cannot hand the certificate over: %s", strerror(errno));
	explicit_bzero(buf, sizeof(buf)); /* the key lives no longer than needed */
}

/* SIGUSR1: the log files opened afresh, as root. */
static void send_logs(int chan, const struct keeper_files *f)
{
	char buf[1024];
	struct keeper_msg m = {.buf = (uint8_t *)buf, .fds = {-1, -1}};
	size_t n = HDR_LEN;

	memset(buf, 0, HDR_LEN);
	buf[0] = KEEPER_LOGS;
	const char *paths[2] = {f->error_log, f->access_log};
	for (int i = 0; i < 2; i++) {
		if (paths[i] == NULL)
			continue;
		m.fds[i] = log_open_file(paths[i]);
		if (m.fds[i] < 0 && n < sizeof(buf) - 1)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%scannot reopen %s: %s",
					      n > HDR_LEN ? "; " : "", paths[i], strerror(errno));
	}
	m.len = n < sizeof(buf) ? n : sizeof(buf) - 1;
	if (keeper_send(chan, &m) < 0)
		log_err("keeper: cannot hand the log files over: %s", strerror(errno));
	for (int i = 0; i < 2; i++)
		if (m.fds[i] >= 0)
			close(m.fds[i]);
}

int keeper_run(pid_t child, int chan, const struct keeper_files *f, const sigset_t *mask)
{
	siginfo_t si;
	int status;

	for (;;) {
		if (sigwaitinfo(mask, &si) < 0)
			continue;
		switch (si.si_signo) {
		case SIGCHLD:
			if (waitpid(child, &status, WNOHANG) == child)
				return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
			break;
		case SIGHUP:
			send_reload(chan, f);
			break;
		case SIGUSR1:
			send_logs(chan, f);
			break;
		default:
			kill(child, si.si_signo);
			break;
		}
	}
}

int keeper_send(int chan, const struct keeper_msg *m)
{
	struct iovec iov = {m->buf, m->len};
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};
	int fds[2], n = 0;

	for (int i = 0; i < 2; i++)
		if (m->fds[i] >= 0)
			fds[n++] = m->fds[i];
	if (n) {
		memset(&ctl, 0, sizeof(ctl));
		mh.msg_control = ctl.space;
		mh.msg_controllen = CMSG_SPACE((size_t)n * sizeof(int));
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN((size_t)n * sizeof(int));
		memcpy(CMSG_DATA(c), fds, (size_t)n * sizeof(int));
	}
	/* which fds came is said by the message itself (byte 1: their bits) */
	if (m->len >= 2 && m->buf[0] == KEEPER_LOGS)
		m->buf[1] = (uint8_t)((m->fds[0] >= 0) | (m->fds[1] >= 0) << 1);
	ssize_t w;
	while ((w = sendmsg(chan, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return w == (ssize_t)m->len ? 0 : -1;
}

void keeper_msg_free(struct keeper_msg *m)
{
	for (int i = 0; i < 2; i++)
		if (m->fds[i] >= 0)
			close(m->fds[i]);
	if (m->buf) {
		explicit_bzero(m->buf, m->len);
		free(m->buf);
	}
	memset(m, 0, sizeof(*m));
	m->fds[0] = m->fds[1] = -1;
}

int keeper_recv(int chan, struct keeper_msg *m)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(2 * sizeof(int))];
	} ctl;
	uint8_t *buf = malloc(MSG_MAX + 1);
	struct iovec iov = {buf, MSG_MAX};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl.space,
			    .msg_controllen = sizeof(ctl.space)};
	int got[2] = {-1, -1}, ngot = 0;

	memset(m, 0, sizeof(*m));
	m->fds[0] = m->fds[1] = -1;
	if (buf == NULL)
		return -1;
	ssize_t n;
	while ((n = recvmsg(chan, &mh, MSG_CMSG_CLOEXEC)) < 0 && errno == EINTR)
		;
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
		free(buf);
		return 0;
	}
	for (struct cmsghdr *c = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL; c; c = CMSG_NXTHDR(&mh, c))
		if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
			for (size_t i = 0; i < (c->cmsg_len - CMSG_LEN(0)) / sizeof(int); i++) {
				int fd;
				memcpy(&fd, CMSG_DATA(c) + i * sizeof(int), sizeof(fd));
				if (ngot < 2)
					got[ngot++] = fd;
				else
					close(fd);
			}
	m->buf = buf;
	m->len = n > 0 ? (size_t)n : 0;
	if (n < HDR_LEN || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)))
		goto fail; /* closed (0), or not ours */
	buf[n] = '\0';
	m->kind = (enum keeper_kind)buf[0];
	if (m->kind == KEEPER_RELOAD) {
		uint32_t cl = get32(buf + 1), kl = get32(buf + 5);
		if ((size_t)cl + kl > (size_t)n - HDR_LEN)
			goto fail;
		if (cl) {
			m->cert_pem = (const char *)buf + HDR_LEN;
			m->key_pem = m->cert_pem + cl;
			m->cert_len = cl;
			m->key_len = kl;
		}
		m->err = (const char *)buf + HDR_LEN + cl + kl;
	} else if (m->kind == KEEPER_LOGS) {
		int k = 0;
		for (int i = 0; i < 2; i++)
			if (buf[1] & (1 << i))
				m->fds[i] = k < ngot ? got[k++] : -1;
		for (; k < ngot; k++)
			close(got[k]);
		ngot = 0;
		m->err = (const char *)buf + HDR_LEN;
	} else {
		goto fail;
	}
	for (int k = 0; k < ngot; k++)
		close(got[k]);
	return 1;
fail:
	for (int k = 0; k < ngot; k++)
		close(got[k]);
	keeper_msg_free(m);
	return -1;
}
