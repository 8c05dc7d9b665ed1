/* loop.h - the epoll event loop: fds, timers, a before-sleep hook. */
#ifndef H2CGI_LOOP_H
#define H2CGI_LOOP_H

#include <stdbool.h>
#include <stdint.h>

struct loop_io;
typedef void (*loop_io_fn)(struct loop_io *io, uint32_t events);

/* Embedded in its owner; fd is -1 once removed, and a removed io gets no
 * more callbacks, even for events already fetched in the same batch. */
struct loop_io {
	int fd;
	uint32_t events;
	loop_io_fn cb;
	struct loop_io *free_next; /* loop_free_later() */
};

struct loop_timer;
typedef void (*loop_timer_fn)(struct loop_timer *t);

struct loop_timer {
	uint64_t at;    /* monotonic ms */
	unsigned long turn; /* the loop turn it was set in: fires in a later one */
	loop_timer_fn cb;
	bool armed;
	struct loop_timer *next;
};

/* Creates the epoll instance; returns 0 or -1 with errno. */
int loop_init(void);

/* In a child after fork(): a new epoll instance and no timers, so that the
 * parent's registrations are not shared. Returns 0 or -1 with errno. */
int loop_reinit(void);

/* Watches fd for events (EPOLLIN/EPOLLOUT); returns 0 or -1 with errno. */
int loop_add(struct loop_io *io, int fd, uint32_t events, loop_io_fn cb);

/* Changes the watched events (no-op when unchanged). */
int loop_mod(struct loop_io *io, uint32_t events);

/* Watches fd for events with cb: adds it when io is not watched, else
 * hands it to cb and changes the events only when they differ (a kept
 * connection passing between owners costs no system call). */
int loop_watch(struct loop_io *io, int fd, uint32_t events, loop_io_fn cb);

/* Stops watching io->fd (it does not close it) and sets io->fd to -1. */
void loop_del(struct loop_io *io);

/* Frees the object that io begins (malloc'd, io its first member) once the
 * current batch of events is handled: an event for it may still be in
 * that batch. Call loop_del() first. */
void loop_free_later(struct loop_io *io);

/* Frees what loop_free_later() holds now (outside a batch: at shutdown). */
void loop_free_pending(void);

/* Arms t to fire once, ms milliseconds from now (re-arming moves it). */
void loop_timer_set(struct loop_timer *t, uint64_t ms, loop_timer_fn cb);

/* Disarms t if armed. */
void loop_timer_cancel(struct loop_timer *t);

/* Monotonic clock in milliseconds, read once per loop turn (the same
 * value all through one batch of events and timers). */
uint64_t loop_now(void);

/* The number of the current loop turn (one epoll_wait and its batch). */
unsigned long loop_turn(void);

/* Sets the function run after each batch of events, before sleeping. */
void loop_set_before_sleep(void (*fn)(void));

/* Runs until loop_stop(); returns 0, or -1 when epoll_wait failed. */
int loop_run(void);

/* Makes loop_run() return after the current batch. */
void loop_stop(void);

#endif
