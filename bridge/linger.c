/* linger.c - the staged close of client sockets (see linger.h). */
#include "linger.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "loop.h"

#define LINGER_MS 2000
#define LINGER_BYTES (256 * 1024)
#define LINGER_MAX 1024

struct lingerer {
	struct loop_io io; /* first: freed through loop_free_later */
	struct loop_timer timer;
	size_t got;
	struct lingerer *prev, *next;
};

static struct lingerer *all;
static unsigned count;

static void done(struct lingerer *l)
{
	int fd = l->io.fd;

	loop_timer_cancel(&l->timer);
	loop_del(&l->io);
	close(fd);
	if (l->prev)
		l->prev->next = l->next;
	else
		all = l->next;
	if (l->next)
		l->next->prev = l->prev;
	count--;
	loop_free_later(&l->io);
}

static void linger_io(struct loop_io *io, uint32_t events)
{
	struct lingerer *l = (struct lingerer *)io;
	char b[16384];

	(void)events;
	for (;;) {
		ssize_t n = read(io->fd, b, sizeof(b));
		if (n > 0 && (l->got += (size_t)n) < LINGER_BYTES)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		done(l); /* the client closed, failed, or sends too much */
		return;
	}
}

static void linger_timeout(struct loop_timer *t)
{
	done((struct lingerer *)((char *)t - offsetof(struct lingerer, timer)));
}

void linger_close(int fd)
{
	struct lingerer *l = count < LINGER_MAX ? calloc(1, sizeof(*l)) : NULL;

	if (l == NULL || shutdown(fd, SHUT_WR) < 0 ||
	    loop_add(&l->io, fd, EPOLLIN | EPOLLRDHUP, linger_io) < 0) {
		free(l);
		close(fd);
		return;
	}
	loop_timer_set(&l->timer, LINGER_MS, linger_timeout);
	l->next = all;
	if (all)
		all->prev = l;
	all = l;
	count++;
}

void linger_shed(void)
{
	while (all)
		done(all);
}

void linger_stop_all(void)
{
	linger_shed();
	loop_free_pending();
}
