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

/* One set of spawned backends on one socket. SIGHUP starts a new
 * generation; the old one finishes the requests it has, then stops. */
struct pool_gen {
	int id;
	int listen_fd;                /* the socket given to children as fd 0 */
	char *sock_path;
	struct proc *procs;
	int nprocs;
	unsigned active;              /* backend connections open to it */
	int reports;                  /* --workers, master: workers still using it */
	struct pool_gen *next;        /* retired generations */
};

/* With --workers, the master spawns and supervises the backends and the
 * workers connect to them. */
enum pool_role {
	POOL_SINGLE, /* one process does both */
	POOL_MASTER, /* spawns; a retired generation waits for every worker's report */
	POOL_WORKER, /* connects through the pool's stable link; reports retired generations */
};

struct pool {
	const char *name;             /* for logs: "cgi" or "app" */
	struct sockaddr_storage addr; /* where to connect */
	socklen_t addrlen;
	char *cmd;                    /* spawned: /bin/sh -c command; NULL for external */
	char *dir;                    /* spawned: where the sockets live */
	struct pool_gen *gen;         /* spawned: the current generation */
	struct pool_gen *retired;     /* spawned: generations finishing their requests */
	int ngen;
	enum pool_role role;
	int workers;                  /* POOL_MASTER: workers alive */
	int report_fd;                /* POOL_WORKER: pipe to the master */
	struct stream *qhead, *qtail; /* requests waiting for a backend */
	int qlen, qmax;
	int qtimeout;                 /* seconds */
	struct loop_timer timer;      /* retries the queue, respawns */
	bool closed;                  /* retired by a reload: no new connections */
	bool draining;                /* drain_queue() runs: no re-entry */
	bool drain_again;             /* a release came meanwhile */
};

/* Sets p up for an external server at "unix:/path" or "host:port"; returns 0
 * or -1 with err filled. */
int pool_external(struct pool *p, const char *name, const char *addr, char *err, size_t errlen);

/* Creates a private listening unix socket in dir and starts nprocs copies
 * of cmd (run by /bin/sh -c) with it as fd 0; returns 0 or -1 with err. */
int pool_spawn(struct pool *p, const char *name, const char *cmd, int nprocs, const char *dir,
	       char *err, size_t errlen);

/* Starts a non-blocking connection; returns 0 (connected), 1 (in progress),
 * -1 with errno EAGAIN when every backend is busy, EHOSTDOWN when every
 * process of a spawned pool is dead and waiting out its restart backoff,
 * or another errno.
 * *gen is the generation connected to (NULL for external servers); hand it
 * back to pool_release() when the connection ends. */
int pool_connect(struct pool *p, int *fd, struct pool_gen **gen);

/* Seconds until the next restart of a down pool's process (>= 1): the
 * Retry-After of its 503. */
unsigned pool_retry_after(const struct pool *p);

/* Queues s until a backend frees up; returns 0, or -1 when the queue is full. */
int pool_enqueue(struct pool *p, struct stream *s);

/* Takes s out of the queue (if it is there). */
void pool_dequeue(struct pool *p, struct stream *s);

/* Tells p a backend connection to gen ended, so a queued request may go
 * (and a retired generation with nothing left to do may stop). */
void pool_release(struct pool *p, struct pool_gen *gen);

/* Graceful restart (SIGHUP): a new generation of backends takes new
 * requests; the old one stops once its requests are done. No-op for an
 * external server. Returns 0, or -1 (the old generation stays). */
int pool_restart(struct pool *p);

/* Handles a child's exit (from SIGCHLD); restarts it with backoff. Returns
 * true when pid belonged to p. */
bool pool_reap(struct pool *p, pid_t pid, int status);

/* The master (with --workers): old generations stop only once each of the
 * n workers reported it done. */
void pool_set_master(struct pool *p, int n);

/* In a worker just forked: connect through the pool's stable link, count
 * connections per generation, report finished generations on report_fd. */
void pool_worker_init(struct pool *p, int report_fd);

/* In a worker, on SIGHUP (after the master restarted the pool): new
 * connections go to the new generation; the old one is reported once its
 * connections here have ended. */
void pool_worker_hup(struct pool *p);

/* In the master: a worker reported generation id done (or, with id 0, a
 * worker is gone and holds no generation any more). */
void pool_master_report(struct pool *p, int id);

/* In a worker: p stands for a pool the master spawned (after a reload)
 * and connects through its link dir/name.sock. Returns 0 or -1. */
int pool_attach(struct pool *p, const char *name, const char *cmd, const char *dir,
		int report_fd);

/* A reload left p without a route: its queue is answered 503, it takes no
 * new connection, and its backends stop once their requests are done (a
 * master: once every worker reported). */
void pool_retire(struct pool *p);

/* Stops every child of every generation (TERM, then KILL after a second)
 * and removes the sockets; frees what p holds (p itself is the caller's). */
void pool_stop(struct pool *p);

#endif
