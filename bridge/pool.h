/* pool.h - backend pools: spawned and supervised FastCGI processes, or an
 * external FastCGI address; plus the bounded queue of requests waiting for
 * a free backend. */
#ifndef H2CGI_POOL_H
#define H2CGI_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "loop.h"

struct stream;

struct proc {
	pid_t pid;          /* 0 when not running */
	unsigned crashes;   /* consecutive short lives, for backoff */
	unsigned long long started, restart_at; /* loop_now() ms */
};

struct pool {
	const char *name;             /* for logs: "cgi" or "app" */
	struct sockaddr_storage addr; /* where to connect */
	socklen_t addrlen;
	char *cmd;                    /* spawned: /bin/sh -c command; NULL for external */
	int listen_fd;                /* spawned: the socket given to children as fd 0 */
	char *sock_path;
	struct proc *procs;
	int nprocs;
	struct stream *qhead, *qtail; /* requests waiting for a backend */
	int qlen, qmax;
	int qtimeout;                 /* seconds */
	struct loop_timer timer;      /* retries the queue, respawns */
};

/* Sets p up for an external server at "unix:/path" or "host:port"; returns 0
 * or -1 with err filled. */
int pool_external(struct pool *p, const char *name, const char *addr, char *err, size_t errlen);

/* Creates a private listening unix socket in dir and starts nprocs copies
 * of cmd (run by /bin/sh -c) with it as fd 0; returns 0 or -1 with err. */
int pool_spawn(struct pool *p, const char *name, const char *cmd, int nprocs, const char *dir,
	       char *err, size_t errlen);

/* Starts a non-blocking connection; returns 0 (connected), 1 (in progress),
 * -1 with errno EAGAIN when every backend is busy, or -1 with another errno. */
int pool_connect(struct pool *p, int *fd);

/* Queues s until a backend frees up; returns 0, or -1 when the queue is full. */
int pool_enqueue(struct pool *p, struct stream *s);

/* Takes s out of the queue (if it is there). */
void pool_dequeue(struct pool *p, struct stream *s);

/* Tells p a backend connection ended, so a queued request may go. */
void pool_release(struct pool *p);

/* Handles a child's exit (from SIGCHLD); restarts it with backoff. Returns
 * true when pid belonged to p. */
bool pool_reap(struct pool *p, pid_t pid, int status);

/* Stops every child (TERM, then KILL after a second) and removes the socket. */
void pool_stop(struct pool *p);

#endif
