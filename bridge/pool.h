/* pool.h - backend pools: spawned and supervised FastCGI processes, or an
 * external FastCGI address; plus the bounded queue of requests waiting for
 * a free backend. */
#ifndef H2CGI_POOL_H
#define H2CGI_POOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include "buf.h"
#include "fcgi.h"
#include "loop.h"

#define POOL_MAX_ADDRS 16
#define POOL_MPX_MAX 16 /* requests on one multiplexed connection at most */

/* A request waiting for a backend connection, embedded in its owner. */
struct pool_waiter {
	struct pool_waiter *prev, *next;
	uint64_t since;                /* loop_now() when queued */
	bool queued;
	/* a connection may be free: returns 1 to keep waiting (at the front) */
	int (*ready)(struct pool_waiter *w);
	/* the wait ended without a connection: answer status (503) */
	void (*expired)(struct pool_waiter *w, const char *why);
};

/* One connection to a backend, busy with requests or parked idle. Its
 * record stream (users, writer, in, dec, ctl) belongs to upstream.c. */
struct pool_conn {
	struct loop_io io;             /* upstream.c's callback while busy */
	int fd;
	struct pool *pool;
	void *users[POOL_MPX_MAX];     /* the exchange of request id i + 1 */
	unsigned nusers;               /* slots taken (aborted ones included) */
	void *writer;                  /* whose records are half written */
	struct buf in;                 /* read, not yet decoded */
	struct fcgi_decoder dec;
	uint8_t ctl[FCGI_HEADER_LEN * POOL_MPX_MAX]; /* ABORT_REQUEST records to send */
	size_t ctl_len;
	bool mpx;                      /* several requests at once (FCGI_MPXS_CONNS) */
	bool connecting;
	bool broken;                   /* its byte stream is lost: no new request */
	bool shared;                   /* on the pool's list of multiplexed ones */
	struct pool_gen *gen;          /* spawned: the generation connected to */
	int addr;                      /* external: index into the pool's addresses */
	int slot;                      /* per-process mode: the process's slot, or -1 */
	unsigned requests;             /* requests begun on it */
	bool reused;                   /* it served a request before this one */
	bool fresh;                    /* new, counted in the pool's fresh */
	bool peer_gone;                /* the backend closed its end */
	uint64_t parked_at;            /* loop_now() when parked */
	unsigned long parked_turn;     /* loop_turn() when parked */
	struct pool_conn *next;        /* the idle list, or the multiplexed one */
};

struct pool_probe;

/* An external server's address. */
struct pool_addr {
	struct sockaddr_storage sa;
	socklen_t len;
	char *label;                   /* as given: "unix:/run/x.sock", "10.0.0.2:9000" */
	unsigned outstanding;          /* connections busy with a request */
	unsigned failures;             /* refusals in a row (backoff) */
	uint64_t down_until;           /* loop_now() ms; 0: up */
	unsigned conns;                /* connections open to it (busy or parked) */
	unsigned max_conns;            /* FCGI_MAX_CONNS it said or --max-conns (0: neither) */
	unsigned max_reqs;             /* FCGI_MAX_REQS it said (0: not said) */
	int mpxs;                      /* FCGI_MPXS_CONNS it said (-1: not said) */
	bool probed;                   /* FCGI_GET_VALUES asked, answered or not */
	bool declared;                 /* max_conns is --max-conns's, not the server's */
	struct pool_probe *probe;      /* that question, while it is out */
};

/* A process slot. With a socket per process (one h2cgi process, no
 * --workers) h2cgi knows which process holds which connection: it sends a
 * request only to a process with none, replaces one after --max-requests
 * and stops one idle for --proc-idle, never one that is busy. */
struct proc {
	pid_t pid;          /* 0 when not running */
	unsigned crashes;   /* consecutive short lives, for backoff */
	unsigned long long started, restart_at; /* loop_now() ms */
	bool on;            /* the slot is in use (a process runs or restarts) */
	bool retiring;      /* --max-requests: replaced once it exits */
	bool stopping;      /* --proc-idle: not restarted once it exits */
	bool busy;          /* a request runs on its connection */
	unsigned conns;     /* connections to it (busy or parked) */
	unsigned long served; /* requests sent to this process */
	uint64_t idle_since;
	int listen_fd;      /* its own socket (per-process mode), or -1 */
	char *sock_path;
	struct sockaddr_un sa;
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

struct errpipe;

struct pool {
	const char *name;             /* for logs: "cgi" or "app" */
	struct errpipe *errpipes;     /* spawned: the processes' stderr, being read */
	bool stopping;                /* h2cgi stops: an exiting process is not restarted */
	struct sockaddr_storage addr; /* spawned: where to connect */
	socklen_t addrlen;
	struct pool_addr addrs[POOL_MAX_ADDRS]; /* external: several servers */
	int naddrs;
	char *cmd;                    /* spawned: /bin/sh -c command; NULL for external */
	char *dir;                    /* spawned: where the sockets live */
	struct pool_gen *gen;         /* spawned: the current generation */
	struct pool_gen *retired;     /* spawned: generations finishing their requests */
	int ngen;
	enum pool_role role;
	int workers;                  /* POOL_MASTER: workers alive */
	int report_fd;                /* POOL_WORKER: pipe to the master */
	struct pool_waiter *qhead, *qtail; /* requests waiting for a backend */
	int qlen, qmax;
	int qtimeout;                 /* seconds */
	/* kept connections (FCGI_KEEP_CONN) */
	bool keep;                    /* ask backends to keep connections */
	int idle_max;                 /* parked connections at most */
	int nidle;
	struct pool_conn *idle;       /* parked, most recent first */
	struct pool_conn *shared;     /* multiplexed ones with requests on them */
	unsigned busy;                /* connections busy with a request */
	unsigned fresh;               /* new connections without a first byte yet */
	unsigned held;                /* connections a backend process holds */
	char last_err[160];           /* why the last address went down */
	bool per_proc;                /* a socket per process (see struct proc) */
	int procs_min, procs_max;     /* per-process mode: --procs MIN:MAX */
	unsigned long max_requests;   /* --max-requests (0: none) */
	unsigned proc_idle;           /* --proc-idle, ms */
	int cap;                      /* connections at most (0: none); a spawned
				       * pool's size, as each process serves the
				       * one connection it holds */
	int connect_timeout;          /* ms */
	int sharers;                  /* processes using the same external
				       * addresses (--workers), each unaware of
				       * the others' connections */
	/* counters for SIGUSR2 */
	unsigned long long served, opened, reused_count;
	unsigned restarts;
	struct loop_timer timer;      /* retries the queue, respawns */
	struct loop_timer idle_timer; /* --proc-idle: stops processes past MIN */
	struct loop_timer park_timer; /* closes parked connections to untold servers */
	bool closed;                  /* retired by a reload: no new connections */
	bool draining;                /* drain_queue() runs: no re-entry */
	bool drain_again;             /* a release came meanwhile */
};

/* --max-conns n: each external address takes n connections, as if it had
 * said FCGI_MAX_CONNS n (shared out among p->sharers workers); it is not
 * asked. Call after pool_external() and setting p->sharers. */
void pool_max_conns(struct pool *p, unsigned n);

/* Sets p up for external servers at each of addrs[0..n) ("unix:/path",
 * "host:port", "[v6]:port"); returns 0 or -1 with err filled. */
int pool_external(struct pool *p, const char *name, const char *const *addrs, size_t n, char *err,
		  size_t errlen);

/* Starts nprocs copies of cmd (run by /bin/sh -c), each with a private
 * listening unix socket in dir as fd 0: one socket for all (max 0: with
 * --workers, every worker connects to it), or one per process, growing up
 * to max processes while requests wait. Returns 0 or -1 with err. */
int pool_spawn(struct pool *p, const char *name, const char *cmd, int nprocs, int max,
	       const char *dir, char *err, size_t errlen);

/* A connection for one request: when fresh is false, one that a server
 * which multiplexes (FCGI_MPXS_CONNS 1) has room on, or a parked one
 * (reused); else a new non-blocking one. The caller puts its request in
 * pc->users. Returns 0 (ready), 1 (connect in
 * progress), or -1 with errno EAGAIN (every backend busy: wait),
 * EHOSTDOWN (every process of a spawned pool, or every address, is down:
 * 503 with pool_retry_after()), or another errno (connect failed).
 * The connection's io is not watched: the caller loop_add()s it. */
int pool_get(struct pool *p, struct pool_conn **pc, bool fresh);

/* A request on pc ended, and the caller took it out of pc->users. When
 * that was the last one, pc is parked for the next request (keep: the
 * backend keeps the connection open and it is clean: whole records read,
 * whole requests written) or closed; else it goes on with the others. */
void pool_put(struct pool *p, struct pool_conn *pc, bool keep);

/* The backend sent its first byte on pc: it was accepted (so parking
 * another connection cannot starve it), and its address works. */
void pool_answered(struct pool *p, struct pool_conn *pc);

/* The backend closed its end of busy pc (EPOLLRDHUP): its process is
 * free for another connection, whatever is still unread. */
void pool_peer_gone(struct pool *p, struct pool_conn *pc);

/* Connecting pc failed with err (refused, unreachable, timed out): pc is
 * closed and, for an external server, its address is marked down for a
 * while. Returns true when another address is up to try. */
bool pool_failed(struct pool *p, struct pool_conn *pc, int err);

/* The label of pc's address for log lines ("unix:/run/php.sock"). */
const char *pool_conn_label(const struct pool *p, const struct pool_conn *pc);

/* Seconds until a down pool may answer again (>= 1): the Retry-After of
 * its 503. */
unsigned pool_retry_after(const struct pool *p);

/* Queues w until a backend frees up; returns 0, or -1 when the queue is full. */
int pool_enqueue(struct pool *p, struct pool_waiter *w);

/* Takes w out of the queue (if it is there). */
void pool_dequeue(struct pool *p, struct pool_waiter *w);

/* Appends p's counters as one JSON object to out; 0 or -1 (memory). */
int pool_status_json(const struct pool *p, struct buf *out);

/* Writes one line about p to the error log (SIGUSR2): processes, busy and
 * idle connections, queue, requests served, restarts, addresses down. */
void pool_log_status(const struct pool *p);

/* Graceful restart (SIGHUP): a new generation of backends takes new
 * requests; the old one stops once its requests are done. No-op for an
 * external server. Returns 0, or -1 (the old generation stays). */
int pool_restart(struct pool *p);

/* h2cgi is stopping (SIGTERM): a process that exits from now on (the
 * supervisor may have signalled them all) is not restarted. */
void pool_stopping(struct pool *p);

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
