/* loop.c - a small epoll loop. One per process; no threads. */
#include "loop.h"

#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

static int epfd = -1;
static bool stopping;
static struct loop_timer *timers;
static void (*before_sleep)(void);
static struct loop_io *to_free;
static uint64_t now_ms;
static unsigned long turn; /* loop turns so far */

/* The clock is read once per loop turn: every timestamp taken in a turn is
 * the same "now", so a sweep that computed now before it woke a waiter
 * never sees the waiter's stamp in its future (now - since would wrap and
 * read as a timeout). */
static void tick(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	now_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t loop_now(void)
{
	if (now_ms == 0)
		tick();
	return now_ms;
}

int loop_init(void)
{
	tick();
	epfd = epoll_create1(EPOLL_CLOEXEC);
	return epfd < 0 ? -1 : 0;
}

int loop_reinit(void)
{
	if (epfd >= 0)
		close(epfd);
	for (struct loop_timer *t = timers; t; t = t->next)
		t->armed = false;
	timers = NULL;
	return loop_init();
}

int loop_add(struct loop_io *io, int fd, uint32_t events, loop_io_fn cb)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	io->fd = fd;
	io->events = events;
	io->cb = cb;
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		io->fd = -1;
		return -1;
	}
	return 0;
}

int loop_mod(struct loop_io *io, uint32_t events)
{
	struct epoll_event ev = {.events = events, .data.ptr = io};

	if (io->fd < 0 || io->events == events)
		return 0;
	io->events = events;
	return epoll_ctl(epfd, EPOLL_CTL_MOD, io->fd, &ev);
}

int loop_watch(struct loop_io *io, int fd, uint32_t events, loop_io_fn cb)
{
	if (io->fd < 0)
		return loop_add(io, fd, events, cb);
	io->cb = cb;
	return loop_mod(io, events);
}

void loop_del(struct loop_io *io)
{
	if (io->fd < 0)
		return;
	epoll_ctl(epfd, EPOLL_CTL_DEL, io->fd, NULL);
	io->fd = -1;
}

void loop_free_later(struct loop_io *io)
{
	io->free_next = to_free;
	to_free = io;
}

void loop_free_pending(void)
{
	while (to_free) {
		struct loop_io *io = to_free;
		to_free = io->free_next;
		free(io);
	}
}

void loop_timer_cancel(struct loop_timer *t)
{
	if (!t->armed)
		return;
	for (struct loop_timer **p = &timers; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			break;
		}
	t->armed = false;
}

void loop_timer_set(struct loop_timer *t, uint64_t ms, loop_timer_fn cb)
{
	loop_timer_cancel(t);
	t->at = loop_now() + ms;
	t->turn = turn;
	t->cb = cb;
	t->armed = true;
	t->next = timers;
	timers = t;
}

unsigned long loop_turn(void)
{
	return turn;
}

void loop_set_before_sleep(void (*fn)(void))
{
	before_sleep = fn;
}

void loop_stop(void)
{
	stopping = true;
}

/* Fires due timers; returns ms until the next one, or -1 when none. */
static int run_timers(void)
{
	uint64_t now = loop_now();
	bool fired;

	do {
		fired = false;
		for (struct loop_timer *t = timers; t; t = t->next)
			/* a timer set by a callback of this turn waits for the next
			 * (the clock stands still within a turn: a 0 ms timer that
			 * sets itself again would fire forever) */
			if (t->at <= now && t->turn != turn) {
				loop_timer_cancel(t);
				t->cb(t); /* may re-arm or free other timers: rescan */
				fired = true;
				break;
			}
	} while (fired);
	int wait = -1;
	for (struct loop_timer *t = timers; t; t = t->next) {
		uint64_t d = t->at > now ? t->at - now : 0;
		if (wait < 0 || d < (uint64_t)wait)
			wait = d > 60000 ? 60000 : (int)d;
	}
	return wait;
}

int loop_run(void)
{
	struct epoll_event evs[64];

	stopping = false;
	while (!stopping) {
		tick();
		turn++;
		if (before_sleep)
			before_sleep();
		int wait = run_timers();
		if (before_sleep)
			before_sleep();
		if (stopping)
			break;
		int n = epoll_wait(epfd, evs, 64, wait);
		tick();
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (int i = 0; i < n; i++) {
			struct loop_io *io = evs[i].data.ptr;
			if (io->fd >= 0)
				io->cb(io, evs[i].events);
		}
		loop_free_pending();
	}
	return 0;
}
