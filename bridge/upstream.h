/* upstream.h - one FastCGI exchange with a backend: a connection (new,
 * kept from an earlier request, or shared with others where the backend
 * multiplexes, after a wait in the pool's queue), the request's records
 * out, the response's records in, STDERR lines, timeouts, and the
 * connection handed back for the next request. Its owner
 * (stream.c) hears from it through upstream_ops, as a connection's streams
 * hear from their protocol through proto_ops. */
#ifndef H2CGI_UPSTREAM_H
#define H2CGI_UPSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "fcgi.h"
#include "log.h"
#include "pool.h"

struct upstream;

struct upstream_ops {
	/* STDOUT bytes the owner takes now (0: reading pauses until
	 * upstream_resume(); SIZE_MAX: no bound) */
	size_t (*room)(struct upstream *u);
	/* response bytes; -1 when the owner aborted or restarted u meanwhile */
	int (*on_stdout)(struct upstream *u, const uint8_t *data, size_t len);
	/* n request body bytes went to the backend (or were dropped because it
	 * stopped reading them): the client's window may have them back */
	void (*on_stdin_taken)(struct upstream *u, size_t n);
	/* FCGI_END_REQUEST with FCGI_REQUEST_COMPLETE; u is idle again */
	void (*on_end)(struct upstream *u, uint32_t app_status);
	/* the exchange failed; status is the answer when the response has not
	 * begun (502, 503, 504), retry_after its Retry-After (0: none); why
	 * names the backend's address. u is idle again. */
	void (*on_error)(struct upstream *u, int status, const char *why, unsigned retry_after);
	/* the owner's words for log lines (client, stream, script), made only
	 * when a line needs them; NULL: the tag given to upstream_init */
	const char *(*tag)(struct upstream *u);
};

enum upstream_state {
	UP_IDLE,       /* not started, or over */
	UP_QUEUED,     /* waiting in the pool's queue for a free backend */
	UP_CONNECTING, /* connect(2) in progress */
	UP_ACTIVE,     /* the request goes out, the response comes in */
};

struct upstream {
	const struct upstream_ops *ops;
	enum upstream_state state;
	struct pool *pool;
	struct pool_waiter wait;
	struct pool_conn *pc;
	uint16_t id;              /* its FastCGI request id on pc */
	const char *tag;          /* the owner's words for log lines: client, stream, script */
	size_t buffer;            /* --stream-buffer: bytes read at once, STDIN held */
	unsigned connect_timeout; /* ms; 0: none */
	unsigned backend_timeout; /* ms without a byte from the backend; 0: none */
	uint64_t since;           /* connect begun, or the backend's last byte */
	struct buf head;          /* BEGIN_REQUEST and PARAMS, kept for one retry */
	size_t head_off;          /* bytes of head written */
	struct buf out;           /* STDIN records not yet written */
	size_t out_written;       /* bytes of STDIN records written */
	size_t stdin_pending;     /* request body bytes in out */
	long long stdin_written;  /* request body bytes the backend took */
	bool stdin_closed;        /* the owner gave the whole body */
	bool end_queued;          /* the empty STDIN record is in out (or written) */
	bool stdin_dropped;       /* the backend stopped reading its input */
	uint8_t tries;            /* connections that failed it before an answer */
	bool answered;            /* a byte came back for this request */
	bool ended;               /* its FCGI_END_REQUEST came */
	bool flushing;
	bool on_later;            /* its head or body bytes held for the turn's end */
	struct upstream *next_later;
	struct log_lines err;     /* a STDERR line being gathered */
};

/* Sets u up (zeroed storage) for an owner; tag (or NULL with ops->tag)
 * must outlive u. */
void upstream_init(struct upstream *u, const struct upstream_ops *ops, const char *tag,
		   size_t buffer, unsigned connect_timeout_ms, unsigned backend_timeout_ms);

/* Sends the request whose PARAMS stream is params (encoded pairs) to p:
 * at once, or after a wait in p's queue; body_done: it has no body (the
 * empty STDIN record goes with the head). Failures come through on_error.
 * Returns 0, or -1 when memory ran out (u stays idle). */
int upstream_start(struct upstream *u, struct pool *p, const uint8_t *params, size_t len,
		   bool body_done);

/* Request body bytes for the backend (STDIN records), written at the end
 * of the loop's turn (upstream_flush_later), as is the head of a request
 * whose body is still to come; 0 or -1 (memory). */
int upstream_stdin(struct upstream *u, const uint8_t *data, size_t len);

/* Writes the heads and body bytes held for the turn's end; once per
 * turn, before the loop sleeps and before any stream is freed. */
void upstream_flush_later(void);

/* True while heads or body bytes wait for upstream_flush_later. */
bool upstream_have_later(void);

/* The request body is complete: the empty STDIN record follows. 0 or -1. */
int upstream_stdin_end(struct upstream *u);

/* Request body bytes held but not yet taken by the backend. */
size_t upstream_stdin_held(const struct upstream *u);

/* True when requests wait in the queue of u's pool: a backend u holds
 * is wanted elsewhere. */
bool upstream_wanted(const struct upstream *u);

/* The owner has room again (see ops->room): reads what waits. */
void upstream_resume(struct upstream *u);

/* The owner no longer wants the answer (its client went away, or it
 * answers by itself): leaves the queue and tells the backend with
 * FCGI_ABORT_REQUEST where the record fits. The connection closes, or,
 * shared with other requests (FCGI_MPXS_CONNS), stays open for them and
 * keeps the aborted request's id until the backend ends it. */
void upstream_abort(struct upstream *u);

/* Once a second: the connect and backend timeouts (504, or a cut). */
void upstream_sweep(struct upstream *u, uint64_t now);

/* True while u waits for a backend or talks to one. */
bool upstream_busy(const struct upstream *u);

/* Aborts u if busy and frees its buffers. */
void upstream_free(struct upstream *u);

#endif
