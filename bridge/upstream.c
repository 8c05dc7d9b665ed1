/* upstream.c - one FastCGI exchange (FastCGI 1.0 §5.1, the Responder
 * role): BEGIN_REQUEST and PARAMS, STDIN as the owner hands it over, and
 * the records that come back, read only while the owner has room. The
 * connection comes from the pool and goes back to it when the backend kept
 * it (FCGI_KEEP_CONN) and the exchange ended cleanly. */
#include "upstream.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "log.h"

#define REQ_ID 1 /* one request per connection: never multiplexed */

static int up_connect(struct upstream *u);
static void up_update(struct upstream *u);

void upstream_init(struct upstream *u, const struct upstream_ops *ops, const char *tag,
		   size_t buffer, unsigned connect_timeout_ms, unsigned backend_timeout_ms)
{
	u->ops = ops;
	u->tag = tag;
	u->buffer = buffer;
	u->connect_timeout = connect_timeout_ms;
	u->backend_timeout = backend_timeout_ms;
}

/* Appends content as records of type (split at the 65535-byte limit). */
static int append_records(struct buf *out, int type, const uint8_t *data, size_t len)
{
	do {
		size_t n = len > FCGI_MAX_CONTENT ? FCGI_MAX_CONTENT : len;
		if (buf_reserve(out, FCGI_HEADER_LEN + n) < 0)
			return -1;
		fcgi_header(out->data + out->len, type, REQ_ID, n, 0);
		if (n)
			memcpy(out->data + out->len + FCGI_HEADER_LEN, data, n);
		out->len += FCGI_HEADER_LEN + n;
		data += n;
		len -= n;
	} while (len > 0);
	return 0;
}

static void log_stderr_line(struct upstream *u)
{
	log_warn("stderr %s: %.*s", u->tag, (int)u->errline_len, u->errline);
	u->errline_len = 0;
}

/* FCGI_STDERR: one log line per line (long lines split), control bytes
 * replaced so that a script cannot forge log lines; flush logs a last
 * line that had no newline. */
static void on_stderr(struct upstream *u, const uint8_t *data, size_t len, bool flush)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			log_stderr_line(u);
			continue;
		}
		if (u->errline_len == sizeof(u->errline))
			log_stderr_line(u);
		bool ctl = (data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7f;
		if (data[i] != '\r')
			u->errline[u->errline_len++] = ctl ? '?' : (char)data[i];
	}
	if (flush && u->errline_len)
		log_stderr_line(u);
}

/* Gives the connection back (parked when keep) and forgets it. */
static void release(struct upstream *u, bool keep)
{
	if (u->state == UP_QUEUED)
		pool_dequeue(u->pool, &u->wait);
	if (u->pc) {
		struct pool_conn *pc = u->pc;
		u->pc = NULL;
		pc->owner = NULL;
		pool_put(u->pool, pc, keep);
	}
	u->state = UP_IDLE;
}

/* FCGI_ABORT_REQUEST (FastCGI 1.0 §5.4), when the request went out whole
 * (a record boundary); the close that follows tells backends that do not
 * take it (libfcgi). */
static void tell_abort(struct upstream *u)
{
	if (u->state == UP_ACTIVE && u->head_off == u->head.len && buf_used(&u->out) == 0) {
		uint8_t rec[FCGI_HEADER_LEN];
		fcgi_header(rec, FCGI_ABORT_REQUEST, REQ_ID, 0, 0);
		ssize_t w = send(u->pc->fd, rec, sizeof(rec), MSG_DONTWAIT | MSG_NOSIGNAL);
		(void)w;
	}
}

/* Ends u with an error the owner turns into status (or a cut). */
static void fail(struct upstream *u, int status, unsigned retry_after, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void fail(struct upstream *u, int status, unsigned retry_after, const char *fmt, ...)
{
	char why[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	on_stderr(u, NULL, 0, true);
	release(u, false);
	u->ops->on_error(u, status, why, retry_after);
}

/* Connects u again (after a failure it may outlive), or queues it. */
static void requeue(struct upstream *u)
{
	if (up_connect(u) != 1)
		return;
	if (pool_enqueue(u->pool, &u->wait) < 0)
		fail(u, 503, 0, "every backend is busy and the queue is full (--queue)");
	else
		u->state = UP_QUEUED;
}

/* True when the request can go out again on another connection: nothing
 * came back, and no body byte went out (the empty STDIN record aside). */
static bool replayable(const struct upstream *u)
{
	return !u->answered && !u->retried && !u->stdin_dropped && u->stdin_written == 0 &&
	       (u->out_written == 0 || u->stdin_pending == 0);
}

/* A kept connection the backend closed before answering (it timed out
 * its idle connection as we reused it), or a server of several that went
 * away before answering: once more, on a fresh connection. */
static bool retry(struct upstream *u)
{
	if (!u->pc || (!u->pc->reused && u->pool->naddrs < 2) || !replayable(u))
		return false;
	char label[300];
	snprintf(label, sizeof(label), "%s", pool_conn_label(u->pool, u->pc));
	u->retried = true;
	release(u, false);
	u->head_off = 0;
	if (u->out_written > 0) {
		/* only the empty STDIN record went out: make it again */
		buf_free(&u->out);
		u->end_queued = false;
		u->out_written = 0;
	}
	if (u->stdin_closed && !u->end_queued && upstream_stdin_end(u) < 0) {
		fail(u, 500, 0, "out of memory");
		return true;
	}
	log_info("%s: backend %s closed the connection before answering; sending the request "
		 "again on a new one", u->tag, label);
	requeue(u);
	return true;
}

/* FCGI_END_REQUEST: the connection goes back to the pool, parked when
 * the backend keeps it and nothing of this exchange is left on it. */
static void up_end(struct upstream *u, const struct fcgi_event *ev)
{
	bool clean = buf_used(&u->in) == 0 && u->head_off == u->head.len &&
		     buf_used(&u->out) == 0 && u->end_queued && !u->stdin_dropped;

	on_stderr(u, NULL, 0, true);
	if (ev->protocol_status != FCGI_REQUEST_COMPLETE) {
		const char *what = ev->protocol_status == FCGI_OVERLOADED	 ? "overloaded"
				   : ev->protocol_status == FCGI_CANT_MPX_CONN ? "cannot multiplex"
				   : ev->protocol_status == FCGI_UNKNOWN_ROLE   ? "unknown role"
										: "unknown status";
		fail(u, 503, 0, "backend %s refused the request (FastCGI protocol status %u: %s)",
		     pool_conn_label(u->pool, u->pc), ev->protocol_status, what);
		return;
	}
	u->pool->served++;
	release(u, clean && u->pool->keep);
	u->ops->on_end(u, ev->app_status);
}

/* Decodes what was read as far as the owner has room; returns -1 when u
 * is over (ended, failed, or the owner let it go). */
static int process(struct upstream *u)
{
	while (buf_used(&u->in) > 0) {
		struct fcgi_event ev;
		ssize_t n = fcgi_decode(&u->dec, u->in.data + u->in.off, buf_used(&u->in),
					u->ops->room(u), &ev);
		if (n < 0) {
			fail(u, 502, 0, "backend %s sent a malformed FastCGI record",
			     pool_conn_label(u->pool, u->pc));
			return -1;
		}
		buf_consume(&u->in, (size_t)n);
		if (ev.kind != FCGI_EV_NONE && ev.req_id != REQ_ID) {
			/* we send request 1 only; anything else is a confused backend */
			fail(u, 502, 0, "backend %s sent a record for request id %u, not %u: "
			     "closing its connection", pool_conn_label(u->pool, u->pc), ev.req_id, REQ_ID);
			return -1;
		}
		if (ev.kind == FCGI_EV_END) {
			up_end(u, &ev);
			return -1;
		}
		if (ev.kind == FCGI_EV_DATA && ev.type == FCGI_STDOUT) {
			/* the owner may let u go from here (its client's stream ended
			 * with a complete response, say) without saying so */
			if (u->ops->on_stdout(u, ev.data, ev.len) < 0 || u->state != UP_ACTIVE)
				return -1;
		} else if (ev.kind == FCGI_EV_DATA && ev.type == FCGI_STDERR) {
			on_stderr(u, ev.data, ev.len, false);
		} else if (ev.kind == FCGI_EV_NONE && n == 0) {
			return 0; /* the owner's buffer is full */
		}
	}
	return 0;
}

static bool paused(struct upstream *u)
{
	return u->ops->room(u) == 0;
}

static void up_read(struct upstream *u)
{
	for (int i = 0; i < 16 && u->state == UP_ACTIVE; i++) {
		if (process(u) < 0 || u->state != UP_ACTIVE || paused(u))
			return;
		/* one read takes up to a stream buffer: no more than the owner's
		 * body buffer holds, so a block's tail always fits in it */
		if (buf_reserve(&u->in, u->buffer) < 0) {
			fail(u, 500, 0, "out of memory");
			return;
		}
		size_t room = u->in.cap - u->in.len;
		if (room > u->buffer)
			room = u->buffer;
		ssize_t n = read(u->pc->fd, u->in.data + u->in.len, room);
		if (n > 0) {
			if (!u->answered) {
				u->answered = true;
				pool_answered(u->pool, u->pc);
			}
			u->since = loop_now();
			u->in.len += (size_t)n;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		int e = n == 0 ? 0 : errno;
		if (retry(u))
			return;
		/* EOF or error before FCGI_END_REQUEST: the backend died */
		fail(u, 502, 0, "backend %s closed the connection mid-request%s%s",
		     pool_conn_label(u->pool, u->pc), e ? ": " : "", e ? strerror(e) : "");
		return;
	}
}

/* Writes head and out; body bytes go back to the owner once written.
 * Returns -1 when u is over. */
static int flush(struct upstream *u)
{
	u->flushing = true;
	for (;;) {
		while (u->head_off < u->head.len) {
			/* the head and the STDIN records there are in one write: a
			 * libfcgi program reads its request with one read(2), and an
			 * empty STDIN record it never reads, arriving apart, would be
			 * taken for the next request on a kept connection */
			struct iovec iov[2] = {{u->head.data + u->head_off, u->head.len - u->head_off},
					       {u->out.data + u->out.off, buf_used(&u->out)}};
			ssize_t n = writev(u->pc->fd, iov, buf_used(&u->out) ? 2 : 1);
			if (n > 0) {
				size_t h = (size_t)n < iov[0].iov_len ? (size_t)n : iov[0].iov_len;
				u->head_off += h;
				if ((size_t)n > h) {
					buf_consume(&u->out, (size_t)n - h);
					u->out_written += (size_t)n - h;
				}
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				goto out;
			int e = n < 0 ? errno : EPIPE;
			u->flushing = false;
			if (retry(u))
				return -1;
			fail(u, 502, 0, "backend %s: cannot send the request: %s",
			     pool_conn_label(u->pool, u->pc), strerror(e));
			return -1;
		}
		while (buf_used(&u->out) > 0) {
			ssize_t n = write(u->pc->fd, u->out.data + u->out.off, buf_used(&u->out));
			if (n > 0) {
				buf_consume(&u->out, (size_t)n);
				u->out_written += (size_t)n;
				u->since = loop_now(); /* taking the body is not silence */
				continue;
			}
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				goto out;
			/* The backend stopped reading its input (it may answer without
			 * reading the body): drop the rest, keep reading the answer. */
			buf_free(&u->out);
			u->stdin_dropped = true;
			break;
		}
		if (u->stdin_pending) {
			size_t n = u->stdin_pending;
			u->stdin_pending = 0;
			if (!u->stdin_dropped)
				u->stdin_written += (long long)n;
			u->ops->on_stdin_taken(u, n); /* may hand over more */
			if (u->state != UP_ACTIVE)
				return -1;
		}
		if (u->stdin_closed && !u->end_queued && !u->stdin_dropped &&
		    upstream_stdin_end(u) < 0) {
			u->flushing = false;
			fail(u, 500, 0, "out of memory");
			return -1;
		}
		if (buf_used(&u->out) == 0 || u->stdin_dropped)
			break;
	}
out:
	u->flushing = false;
	return 0;
}

static void up_update(struct upstream *u)
{
	if (u->state != UP_CONNECTING && u->state != UP_ACTIVE)
		return;
	bool write = u->state == UP_CONNECTING || u->head_off < u->head.len ||
		     buf_used(&u->out) > 0;
	loop_mod(&u->pc->io, EPOLLRDHUP | (paused(u) ? 0 : EPOLLIN) | (write ? EPOLLOUT : 0));
}

/* Connecting failed with err (ETIMEDOUT: --connect-timeout): another
 * address when one is up, else the end of u. */
static void connect_failed(struct upstream *u, int err)
{
	struct pool_conn *pc = u->pc;
	char label[300];
	const char *what = err == ETIMEDOUT ? "no connection within --connect-timeout" : strerror(err);

	snprintf(label, sizeof(label), "%s", pool_conn_label(u->pool, pc));
	u->pc = NULL;
	u->state = UP_IDLE;
	if (pool_failed(u->pool, pc, err)) {
		log_info("%s: backend %s: %s; trying another address", u->tag, label, what);
		requeue(u);
	} else if (err == ETIMEDOUT) {
		fail(u, 504, 0, "backend %s: %s", label, what);
	} else if (u->pool->naddrs > 0) {
		fail(u, 503, pool_retry_after(u->pool), "backend %s: cannot connect: %s; every "
		     "address is down", label, what);
	} else {
		fail(u, 502, 0, "backend %s: cannot connect: %s", label, what);
	}
}

/* The connect finished: an error moves on to another address when one is
 * up, or ends u. */
static int connected(struct upstream *u)
{
	int err = 0;
	socklen_t l = sizeof(err);

	getsockopt(u->pc->fd, SOL_SOCKET, SO_ERROR, &err, &l);
	if (err == 0) {
		u->state = UP_ACTIVE;
		u->since = loop_now();
		return 0;
	}
	connect_failed(u, err);
	return -1;
}

static void up_io(struct loop_io *io, uint32_t events)
{
	struct pool_conn *pc = (struct pool_conn *)io;
	struct upstream *u = pc->owner;

	if (u == NULL)
		return;
	if (u->state == UP_CONNECTING && connected(u) < 0)
		return;
	if (events & (EPOLLRDHUP | EPOLLHUP))
		pool_peer_gone(u->pool, pc); /* its process may take another */
	if ((events & EPOLLOUT) && flush(u) < 0)
		return;
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		up_read(u);
	up_update(u);
}

/* Takes a connection from the pool; returns 1 when every backend is busy
 * (u should wait), else 0 (connected, connecting, or failed through
 * on_error). */
static int up_connect(struct upstream *u)
{
	struct pool_conn *pc;
	/* a retry takes a new connection: another parked one may be closed too */
	int rc = pool_get(u->pool, &pc, u->retried);

	if (rc < 0) {
		if (errno == EAGAIN)
			return 1;
		if (errno == EHOSTDOWN && u->pool->naddrs)
			fail(u, 503, pool_retry_after(u->pool), "every backend address is down (last: %s)",
			     u->pool->last_err);
		else if (errno == EHOSTDOWN)
			fail(u, 503, pool_retry_after(u->pool),
			     "every backend process is down, restarting");
		else
			fail(u, 502, 0, "backend %s: cannot connect: %s",
			     pool_conn_label(u->pool, NULL), strerror(errno));
		return 0;
	}
	if (loop_add(&pc->io, pc->fd, EPOLLIN | EPOLLOUT | EPOLLRDHUP, up_io) < 0) {
		pool_put(u->pool, pc, false);
		fail(u, 500, 0, "cannot watch the backend connection");
		return 0;
	}
	pc->owner = u;
	u->pc = pc;
	u->state = rc == 1 ? UP_CONNECTING : UP_ACTIVE;
	u->since = loop_now();
	fcgi_decoder_init(&u->dec);
	buf_free(&u->in);
	if (u->state == UP_ACTIVE && flush(u) < 0)
		return 0;
	up_update(u);
	return 0;
}

static int on_ready(struct pool_waiter *w)
{
	struct upstream *u = (struct upstream *)((char *)w - offsetof(struct upstream, wait));

	u->state = UP_IDLE;
	int rc = up_connect(u);
	if (rc == 1)
		u->state = UP_QUEUED;
	return rc;
}

static void on_expired(struct pool_waiter *w, const char *why)
{
	struct upstream *u = (struct upstream *)((char *)w - offsetof(struct upstream, wait));

	u->state = UP_IDLE;
	fail(u, 503, 0, "%s", why);
}

int upstream_start(struct upstream *u, struct pool *p, const uint8_t *params, size_t len,
		   bool body_done)
{
	uint8_t begin[16];

	upstream_abort(u);
	buf_free(&u->head);
	buf_free(&u->out);
	buf_free(&u->in);
	u->pool = p;
	u->head_off = 0;
	u->out_written = 0;
	u->stdin_pending = 0;
	u->stdin_written = 0;
	u->stdin_closed = u->end_queued = u->stdin_dropped = false;
	u->retried = u->answered = false;
	u->errline_len = 0;
	u->wait.ready = on_ready;
	u->wait.expired = on_expired;
	/* FCGI_KEEP_CONN (FastCGI 1.0 §5.1): the backend leaves the connection
	 * open after this request, for the next one */
	fcgi_begin_request(begin, REQ_ID, FCGI_RESPONDER, p->keep ? FCGI_KEEP_CONN : 0);
	if (buf_append(&u->head, begin, sizeof(begin)) < 0 ||
	    (len && append_records(&u->head, FCGI_PARAMS, params, len) < 0) ||
	    append_records(&u->head, FCGI_PARAMS, NULL, 0) < 0 ||
	    (body_done && upstream_stdin_end(u) < 0))
		return -1;
	requeue(u);
	return 0;
}

int upstream_stdin(struct upstream *u, const uint8_t *data, size_t len)
{
	if (u->stdin_dropped) {
		u->ops->on_stdin_taken(u, len);
		return 0;
	}
	if (append_records(&u->out, FCGI_STDIN, data, len) < 0)
		return -1;
	u->stdin_pending += len;
	if (u->state == UP_ACTIVE && !u->flushing && flush(u) == 0)
		up_update(u);
	return 0;
}

int upstream_stdin_end(struct upstream *u)
{
	u->stdin_closed = true;
	if (u->end_queued || u->stdin_dropped)
		return 0;
	if (append_records(&u->out, FCGI_STDIN, NULL, 0) < 0)
		return -1;
	u->end_queued = true;
	if (u->state == UP_ACTIVE && !u->flushing && flush(u) == 0)
		up_update(u);
	return 0;
}

size_t upstream_stdin_held(const struct upstream *u)
{
	return u->stdin_pending;
}

void upstream_resume(struct upstream *u)
{
	if (u->state != UP_ACTIVE)
		return;
	u->since = loop_now(); /* the wait was the client's, not the backend's */
	up_read(u);
	up_update(u);
}

void upstream_abort(struct upstream *u)
{
	tell_abort(u);
	release(u, false);
}

void upstream_sweep(struct upstream *u, uint64_t now)
{
	if (u->state == UP_CONNECTING && u->connect_timeout &&
	    now - u->since >= u->connect_timeout) {
		connect_failed(u, ETIMEDOUT);
		return;
	}
	if (u->state != UP_ACTIVE || u->backend_timeout == 0)
		return;
	if (paused(u)) {
		u->since = now; /* the client is slow, not the backend */
		return;
	}
	if (now - u->since >= u->backend_timeout) {
		tell_abort(u);
		fail(u, 504, 0, "backend %s sent nothing for --backend-timeout (%u s)%s",
		     pool_conn_label(u->pool, u->pc), u->backend_timeout / 1000,
		     u->answered ? " in the middle of its answer" : "");
	}
}

bool upstream_busy(const struct upstream *u)
{
	return u->state != UP_IDLE;
}

void upstream_free(struct upstream *u)
{
	if (u->ops)
		upstream_abort(u);
	buf_free(&u->head);
	buf_free(&u->out);
	buf_free(&u->in);
}
