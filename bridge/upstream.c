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

/* The slot of a request aborted on a multiplexed connection: its id stays
 * taken until the backend's FCGI_END_REQUEST for it (FastCGI 1.0 §5.4),
 * whose records are dropped meanwhile. */
static char aborted_slot;
#define ABORTED ((void *)&aborted_slot)

/* Requests with body bytes (or a head before its body) to write at the
 * end of the loop's turn, not per DATA frame: a TLS record often ends
 * inside a frame, so a 256 MiB upload made 32,785 writes of 8 KiB, each
 * waking the backend process that sleeps on the socket. */
static struct upstream *later_list;

static void later(struct upstream *u)
{
	if (u->on_later)
		return;
	u->on_later = true;
	u->next_later = later_list;
	later_list = u;
}

static void conn_update(struct pool_conn *pc);
static void conn_lost(struct pool_conn *pc, const char *what, int err);
static int up_connect(struct upstream *u);
static void up_io(struct loop_io *io, uint32_t events);

static const char *tag_of(struct upstream *u)
{
	return u->ops->tag ? u->ops->tag(u) : u->tag;
}

void upstream_init(struct upstream *u, const struct upstream_ops *ops, const char *tag,
		   size_t buffer, unsigned connect_timeout_ms, unsigned backend_timeout_ms)
{
	u->ops = ops;
	u->tag = tag;
	u->buffer = buffer;
	u->connect_timeout = connect_timeout_ms;
	u->backend_timeout = backend_timeout_ms;
	u->id = 1;
}

/* Appends content as records of type (split at the 65535-byte limit). */
static int append_records(struct buf *out, int type, uint16_t id, const uint8_t *data,
			  size_t len)
{
	do {
		size_t n = len > FCGI_MAX_CONTENT ? FCGI_MAX_CONTENT : len;
		if (buf_reserve(out, FCGI_HEADER_LEN + n) < 0)
			return -1;
		fcgi_header(out->data + out->len, type, id, n, 0);
		if (n)
			memcpy(out->data + out->len + FCGI_HEADER_LEN, data, n);
		out->len += FCGI_HEADER_LEN + n;
		data += n;
		len -= n;
	} while (len > 0);
	return 0;
}

/* Writes id into every record of b from off on (whole records, no
 * padding: the ones append_records() makes). */
static void set_ids(struct buf *b, size_t off, uint16_t id)
{
	while (off + FCGI_HEADER_LEN <= b->len) {
		b->data[off + 2] = (uint8_t)(id >> 8);
		b->data[off + 3] = (uint8_t)id;
		off += FCGI_HEADER_LEN + ((size_t)b->data[off + 4] << 8 | b->data[off + 5]);
	}
}

/* The live exchange of request id on pc, or NULL (none, or aborted). */
static struct upstream *user_at(const struct pool_conn *pc, unsigned id)
{
	if (id == 0 || id > POOL_MPX_MAX || pc->users[id - 1] == ABORTED)
		return NULL;
	return pc->users[id - 1];
}

/* FCGI_STDERR: one log line per line, "stderr CLIENT #STREAM ...". */
static void on_stderr(struct upstream *u, const uint8_t *data, size_t len, bool flush)
{
	char who[300];

	if (len == 0 && u->err.len == 0)
		return; /* the empty record that ends the stream (libfcgi sends it always) */
	snprintf(who, sizeof(who), "stderr %s", tag_of(u));
	log_lines_feed(&u->err, who, data, len, flush);
}

/* True when u's head or STDIN records wait to be written. */
static bool has_output(const struct upstream *u)
{
	return u->head_off < u->head.len || buf_used(&u->out) > 0;
}

/* The connection is whole and u's request went out in whole records, so
 * an FCGI_ABORT_REQUEST record (FastCGI 1.0 §5.4) may follow it. */
static bool can_tell_abort(const struct upstream *u, const struct pool_conn *pc)
{
	return u->state == UP_ACTIVE && !u->ended && u->head_off > 0 && pc->writer != u &&
	       !pc->broken && !pc->connecting;
}

/* Takes u's request off pc. keep: it ended cleanly. A request the backend
 * was still working on is told to stop: on a multiplexed connection its id
 * stays taken until the backend ends it; elsewhere the connection closes
 * after the record, which tells backends that do not take it (libfcgi). */
static void detach(struct upstream *u, struct pool_conn *pc, bool keep)
{
	struct pool *p = pc->pool;
	bool half = pc->writer == u;
	unsigned i = u->id - 1u;

	if (!keep && can_tell_abort(u, pc)) {
		uint8_t *rec = pc->ctl + pc->ctl_len;
		fcgi_header(rec, FCGI_ABORT_REQUEST, u->id, 0, 0);
		if (pc->mpx && pc->ctl_len + FCGI_HEADER_LEN <= sizeof(pc->ctl)) {
			pc->ctl_len += FCGI_HEADER_LEN; /* written by conn_flush() */
			pc->users[i] = ABORTED;
			conn_update(pc);
			return;
		}
		if (!pc->mpx && !has_output(u) && pc->ctl_len == 0) {
			ssize_t w = send(pc->fd, rec, FCGI_HEADER_LEN, MSG_DONTWAIT | MSG_NOSIGNAL);
			(void)w;
		}
	}
	if (half) {
		pc->writer = NULL; /* a record cut short: the stream is lost */
		pc->broken = true;
	}
	/* a kept connection taken by a request that never put a byte on it
	 * (its head waited for the turn's end, and the client reset it
	 * first) is as clean as it was parked: parked again */
	bool untouched = pc->reused && !half && u->head_off == 0 && u->out_written == 0;
	if (!keep && !pc->mpx && !untouched)
		pc->broken = true;
	pc->users[i] = NULL;
	pc->nusers--;
	pool_put(p, pc, !pc->broken && p->keep && buf_used(&pc->in) == 0 && pc->ctl_len == 0);
	if (half && pc->nusers > 0)
		conn_lost(pc, "lost a request cut short on a shared connection", 0);
}

/* Gives the connection back (parked when keep) and forgets it. */
static void release(struct upstream *u, bool keep)
{
	if (u->state == UP_QUEUED)
		pool_dequeue(u->pool, &u->wait);
	if (u->pc) {
		struct pool_conn *pc = u->pc;
		u->pc = NULL;
		detach(u, pc, keep);
	}
	u->state = UP_IDLE;
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
 * came back, no body byte went out (the empty STDIN record aside), and it
 * was sent fewer times than there are addresses (once for one): a retry
 * can meet the same dying server again (a connection it accepted as it
 * died, before it was marked down), as nginx's proxy_next_upstream tries
 * each server once. */
static bool replayable(const struct upstream *u)
{
	unsigned budget = u->pool->naddrs > 1 ? (unsigned)u->pool->naddrs : 1;

	return !u->answered && u->tries < budget && !u->stdin_dropped && u->stdin_written == 0 &&
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
	u->tries++;
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
		 "again on a new one", tag_of(u), label);
	requeue(u);
	return true;
}

/* The connection's byte stream is over (closed, failed, malformed): every
 * request on it is retried where it may be, or fails with what. */
static void conn_lost(struct pool_conn *pc, const char *what, int err)
{
	struct pool *p = pc->pool;

	pc->broken = true;
	for (unsigned i = 0; i < POOL_MPX_MAX && pc->nusers > 0; i++) {
		if (pc->users[i] == ABORTED) {
			pc->users[i] = NULL;
			pc->nusers--;
			pool_put(p, pc, false);
		}
	}
	for (unsigned i = 0; i < POOL_MPX_MAX && pc->nusers > 0; i++) {
		struct upstream *u = user_at(pc, i + 1);
		if (u == NULL || retry(u))
			continue;
		fail(u, 502, 0, "backend %s %s%s%s", pool_conn_label(p, pc), what, err ? ": " : "",
		     err ? strerror(err) : "");
	}
}

/* FCGI_END_REQUEST: the request's id is free again, and the connection
 * goes back to the pool when nothing of this exchange is left on it. */
static void up_end(struct upstream *u, const struct fcgi_event *ev)
{
	struct pool_conn *pc = u->pc;
	/* a multiplexed connection only needs u's records to be whole: the
	 * backend ignores the STDIN of a request it ended */
	bool clean = pc->mpx ? pc->writer != u
			     : !has_output(u) && u->end_queued && !u->stdin_dropped;

	u->ended = true;
	on_stderr(u, NULL, 0, true);
	if (ev->protocol_status != FCGI_REQUEST_COMPLETE) {
		const char *what = ev->protocol_status == FCGI_OVERLOADED	 ? "overloaded"
				   : ev->protocol_status == FCGI_CANT_MPX_CONN ? "cannot multiplex"
				   : ev->protocol_status == FCGI_UNKNOWN_ROLE   ? "unknown role"
										: "unknown status";
		fail(u, 503, 0, "backend %s refused the request (FastCGI protocol status %u: %s)",
		     pool_conn_label(u->pool, pc), ev->protocol_status, what);
		return;
	}
	u->pool->served++;
	release(u, clean);
	u->ops->on_end(u, ev->app_status);
}

/* The backend ended a request we aborted: its id is free. */
static void aborted_end(struct pool_conn *pc, unsigned id)
{
	struct pool *p = pc->pool;

	pc->users[id - 1] = NULL;
	pc->nusers--;
	pool_put(p, pc, !pc->broken && p->keep && buf_used(&pc->in) == 0 && pc->ctl_len == 0);
}

/* True when reading pc waits for room: the record being read is for an
 * exchange whose owner takes nothing now. */
static bool conn_paused(const struct pool_conn *pc)
{
	if (!fcgi_decoder_in_record(&pc->dec))
		return false;
	struct upstream *u = user_at(pc, pc->dec.req_id);
	return u != NULL && u->ops->room(u) == 0;
}

/* True when pc is not read: its last update found its owner without room
 * (EPOLLIN off, or not watched at all once the backend closed its end). */
static bool conn_unread(const struct pool_conn *pc)
{
	return pc->io.fd < 0 || !(pc->io.events & EPOLLIN);
}

/* A record names a request id not open on pc: the backend is confused. */
static void wrong_id(struct pool_conn *pc, unsigned id)
{
	struct upstream *only = pc->mpx ? NULL : user_at(pc, 1);
	char what[120];

	if (only)
		snprintf(what, sizeof(what), "sent a record for request id %u, not %u: closing "
			 "its connection", id, only->id);
	else
		snprintf(what, sizeof(what), "sent a record for request id %u, which is not open: "
			 "closing its connection", id);
	conn_lost(pc, what, 0);
}

/* Decodes what was read, each record's content as far as its owner has
 * room; returns -1 when pc is done with (no request left on it). */
static int conn_process(struct pool_conn *pc)
{
	while (buf_used(&pc->in) > 0 && pc->nusers > 0) {
		struct fcgi_event ev;
		bool mid = fcgi_decoder_in_record(&pc->dec);
		struct upstream *u = mid ? user_at(pc, pc->dec.req_id) : NULL;
		/* at a header: 0, so that the record's owner is known before
		 * any of its content is taken; a dropped record: no bound */
		size_t room = !mid ? 0 : u ? u->ops->room(u) : SIZE_MAX;
		ssize_t n = fcgi_decode(&pc->dec, pc->in.data + pc->in.off, buf_used(&pc->in), room,
					&ev);
		if (n < 0) {
			conn_lost(pc, "sent a malformed FastCGI record", 0);
			return -1;
		}
		buf_consume(&pc->in, (size_t)n);
		unsigned id = ev.kind != FCGI_EV_NONE ? ev.req_id
			      : fcgi_decoder_in_record(&pc->dec) ? pc->dec.req_id : 0;
		if (id == 0) {
			if (ev.kind == FCGI_EV_NONE && n == 0)
				return 0; /* the owner's buffer is full */
			continue;   /* a management record (FastCGI 1.0 §3.3), or a header part */
		}
		if (id > POOL_MPX_MAX || pc->users[id - 1] == NULL) {
			wrong_id(pc, id);
			return -1;
		}
		if (pc->users[id - 1] == ABORTED) {
			if (ev.kind == FCGI_EV_END)
				aborted_end(pc, id);
			continue;
		}
		u = pc->users[id - 1];
		u->since = loop_now();
		u->answered = true;
		if (ev.kind == FCGI_EV_END) {
			up_end(u, &ev);
		} else if (ev.kind == FCGI_EV_DATA && ev.type == FCGI_STDOUT) {
			/* the owner may let u go from here (its client's stream ended
			 * with a complete response, say) without saying so */
			u->ops->on_stdout(u, ev.data, ev.len);
		} else if (ev.kind == FCGI_EV_DATA && ev.type == FCGI_STDERR) {
			on_stderr(u, ev.data, ev.len, false);
		} else if (ev.kind == FCGI_EV_NONE && n == 0) {
			return 0; /* the owner's buffer is full */
		}
	}
	return pc->nusers > 0 ? 0 : -1;
}

/* The read size: two stream buffers. The owner's body buffer takes one
 * (a block's tail always fits), the input buffer keeps the rest until the
 * owner has room; an answer up to twice --stream-buffer comes in one
 * read, and each read that frees the backend's socket buffer wakes a
 * libfcgi program waiting there for its next request (0.9 fewer wake-ups
 * per 100 KB answer than with one buffer). */
static size_t conn_buffer(const struct pool_conn *pc)
{
	for (unsigned i = 0; i < POOL_MPX_MAX; i++) {
		struct upstream *u = user_at(pc, i + 1);
		if (u)
			return 2 * u->buffer;
	}
	return 16384; /* aborted requests only: their records are dropped */
}

/* Reads and decodes, a bounded number of reads per turn (the level-
 * triggered loop comes back for the rest), each read decoded before the
 * next: a request that took the connection over meanwhile reads its own. */
static void conn_read(struct pool_conn *pc)
{
	if (conn_process(pc) < 0)
		return;
	for (int i = 0; i < 16 && pc->nusers > 0 && !conn_paused(pc); i++) {
		size_t want = conn_buffer(pc);
		if (buf_reserve(&pc->in, want) < 0) {
			conn_lost(pc, "cannot be read: out of memory", 0);
			return;
		}
		size_t room = pc->in.cap - pc->in.len;
		if (room > want)
			room = want;
		ssize_t n = read(pc->fd, pc->in.data + pc->in.len, room);
		if (n > 0) {
			pool_answered(pc->pool, pc);
			pc->in.len += (size_t)n;
			if (conn_process(pc) < 0)
				return;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		/* EOF or error before FCGI_END_REQUEST: the backend died */
		conn_lost(pc, "closed the connection mid-request", n == 0 ? 0 : errno);
		return;
	}
}

/* Writes head and out while the connection is u's to write (no other
 * request's record half written); body bytes go back to the owner once
 * written. Returns -1 when u is over. */
static int flush(struct upstream *u)
{
	struct pool_conn *pc = u->pc;

	if (pc->writer != NULL && pc->writer != u)
		return 0;
	u->flushing = true;
	for (;;) {
		while (u->head_off < u->head.len) {
			/* the head and the STDIN records there are in one write: a
			 * libfcgi program reads its request with one read(2), and an
			 * empty STDIN record it never reads, arriving apart, would be
			 * taken for the next request on a kept connection */
			struct iovec iov[2] = {{u->head.data + u->head_off, u->head.len - u->head_off},
					       {u->out.data + u->out.off, buf_used(&u->out)}};
			ssize_t n = writev(pc->fd, iov, buf_used(&u->out) ? 2 : 1);
			if (n > 0) {
				size_t h = (size_t)n < iov[0].iov_len ? (size_t)n : iov[0].iov_len;
				u->head_off += h;
				pc->writer = u;
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
			     pool_conn_label(u->pool, pc), strerror(e));
			return -1;
		}
		while (buf_used(&u->out) > 0) {
			ssize_t n = write(pc->fd, u->out.data + u->out.off, buf_used(&u->out));
			if (n > 0) {
				buf_consume(&u->out, (size_t)n);
				u->out_written += (size_t)n;
				pc->writer = u;
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
		if (pc->writer == u)
			pc->writer = NULL; /* a record boundary: another may write */
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

/* Writes the FCGI_ABORT_REQUEST records, then each request's records in
 * turn, whole records only, so that requests sharing the connection never
 * cut into each other's records. */
static void conn_flush(struct pool_conn *pc)
{
	if (pc->writer != NULL && pc->writer != ABORTED) {
		struct upstream *u = pc->writer;
		if (flush(u) < 0 || pc->nusers == 0 || pc->writer != NULL)
			return;
	}
	while (pc->ctl_len > 0) {
		ssize_t n = send(pc->fd, pc->ctl, pc->ctl_len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			memmove(pc->ctl, pc->ctl + n, pc->ctl_len - (size_t)n);
			pc->ctl_len -= (size_t)n;
			pc->writer = pc->ctl_len ? ABORTED : NULL;
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_lost(pc, "cannot be written", n < 0 ? errno : EPIPE);
		return;
	}
	for (unsigned i = 0; i < POOL_MPX_MAX && pc->nusers > 0 && pc->writer == NULL; i++) {
		struct upstream *u = user_at(pc, i + 1);
		if (u && u->state == UP_ACTIVE && has_output(u))
			flush(u);
	}
}

/* Sets the events pc is watched for. A pause (the owner has no room)
 * leaves EPOLLIN on until bytes come while paused (stop_reading, from
 * up_io): the rest of an answer larger than the stream's buffer is most
 * often read already, FCGI_END_REQUEST included, and the client has taken
 * the buffer before the backend says more; two epoll_ctl fewer per such
 * answer, at the cost of one wake-up when the backend does say more. */
static void conn_watch(struct pool_conn *pc, bool stop_reading)
{
	bool write = pc->connecting || pc->ctl_len > 0;

	if (pc->nusers == 0)
		return; /* back in the pool */
	for (unsigned i = 0; i < POOL_MPX_MAX && !write; i++) {
		struct upstream *u = user_at(pc, i + 1);
		write = u && has_output(u);
	}
	bool paused = conn_paused(pc);
	bool in = !paused || (pc->io.fd >= 0 && (pc->io.events & EPOLLIN) && !stop_reading);
	uint32_t ev = EPOLLRDHUP | (in ? EPOLLIN : 0) | (write ? EPOLLOUT : 0);
	/* a backend that closed its end while the client does not read: epoll
	 * would report the hang-up every loop turn (EPOLLHUP cannot be masked),
	 * a busy loop until --send-timeout; the connection is not watched until
	 * reading resumes (upstream_resume reads it directly) */
	if (paused && pc->peer_gone && !write) {
		loop_del(&pc->io);
		return;
	}
	if (pc->io.fd >= 0)
		loop_mod(&pc->io, ev);
	else if (loop_add(&pc->io, pc->fd, ev, up_io) < 0) /* ENOMEM: --backend-timeout ends it */
		log_warn("backend %s: cannot watch the connection again: %s",
			 pool_conn_label(pc->pool, pc), strerror(errno));
}

static void conn_update(struct pool_conn *pc)
{
	conn_watch(pc, false);
}

/* Connecting failed with err (ETIMEDOUT: --connect-timeout): another
 * address when one is up, else the end of u. */
static void connect_failed(struct upstream *u, int err)
{
	struct pool_conn *pc = u->pc;
	char label[300];
	const char *what = err == ETIMEDOUT ? "no connection within --connect-timeout" : strerror(err);

	snprintf(label, sizeof(label), "%s", pool_conn_label(u->pool, pc));
	pc->users[u->id - 1] = NULL; /* nobody joins a connection still connecting */
	pc->nusers = 0;
	u->pc = NULL;
	u->state = UP_IDLE;
	if (pool_failed(u->pool, pc, err)) {
		log_info("%s: backend %s: %s; trying another address", tag_of(u), label, what);
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
static int connected(struct pool_conn *pc)
{
	struct upstream *u = user_at(pc, 1);
	int err = 0;
	socklen_t l = sizeof(err);

	getsockopt(pc->fd, SOL_SOCKET, SO_ERROR, &err, &l);
	pc->connecting = false;
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

	if (pc->nusers == 0)
		return;
	if (pc->connecting && connected(pc) < 0)
		return;
	if (events & (EPOLLRDHUP | EPOLLHUP))
		pool_peer_gone(pc->pool, pc); /* its process may take another */
	if (events & EPOLLOUT)
		conn_flush(pc);
	bool stop_reading = (events & EPOLLIN) && conn_paused(pc);
	if (pc->nusers > 0 && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		conn_read(pc);
	conn_watch(pc, stop_reading && conn_paused(pc));
}

/* Takes a connection from the pool; returns 1 when every backend is busy
 * (u should wait), else 0 (connected, connecting, or failed through
 * on_error). */
static int up_connect(struct upstream *u)
{
	struct pool_conn *pc;
	/* a retry takes a new connection: another parked one may be closed too */
	int rc = pool_get(u->pool, &pc, u->tries > 0);

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
	if (pc->nusers == 0) { /* new, or parked (still watched): now ours */
		/* EPOLLOUT only while connecting; conn_update asks for it when a
		 * write is left over */
		uint32_t ev = EPOLLIN | EPOLLRDHUP | (rc == 1 ? EPOLLOUT : 0);
		if (loop_watch(&pc->io, pc->fd, ev, up_io) < 0) {
			pool_put(u->pool, pc, false);
			fail(u, 500, 0, "cannot watch the backend connection");
			return 0;
		}
		fcgi_decoder_init(&pc->dec);
		pc->connecting = rc == 1;
	}
	unsigned id = 1;
	while (pc->users[id - 1] != NULL) /* pool_get() leaves one free */
		id++;
	pc->users[id - 1] = u;
	pc->nusers++;
	u->id = (uint16_t)id;
	set_ids(&u->head, 0, u->id);
	set_ids(&u->out, u->out.off, u->id);
	u->pc = pc;
	u->state = rc == 1 ? UP_CONNECTING : UP_ACTIVE;
	u->since = loop_now();
	if (u->state == UP_ACTIVE && !u->stdin_closed) {
		/* a body to come: the head waits for the turn's end too, and goes
		 * out with the body bytes that came meanwhile (a small POST's
		 * whole body, usually) in one write, one wake-up of the backend */
		later(u);
		return 0;
	}
	if (u->state == UP_ACTIVE && flush(u) < 0)
		return 0;
	conn_update(pc);
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
	u->pool = p;
	u->head_off = 0;
	u->out_written = 0;
	u->stdin_pending = 0;
	u->stdin_written = 0;
	u->stdin_closed = u->end_queued = u->stdin_dropped = false;
	u->answered = u->ended = false;
	u->tries = 0;
	u->err.len = 0;
	u->wait.ready = on_ready;
	u->wait.expired = on_expired;
	/* FCGI_KEEP_CONN (FastCGI 1.0 §5.1): the backend leaves the connection
	 * open after this request, for the next one */
	fcgi_begin_request(begin, u->id, FCGI_RESPONDER, p->keep ? FCGI_KEEP_CONN : 0);
	if (buf_append(&u->head, begin, sizeof(begin)) < 0 ||
	    (len && append_records(&u->head, FCGI_PARAMS, u->id, params, len) < 0) ||
	    append_records(&u->head, FCGI_PARAMS, u->id, NULL, 0) < 0 ||
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
	if (append_records(&u->out, FCGI_STDIN, u->id, data, len) < 0)
		return -1;
	u->stdin_pending += len;
	if (u->state == UP_ACTIVE)
		later(u);
	return 0;
}

void upstream_flush_later(void)
{
	while (later_list) {
		struct upstream *u = later_list;
		later_list = u->next_later;
		u->on_later = false;
		if (u->state == UP_ACTIVE && !u->flushing && flush(u) == 0)
			conn_update(u->pc);
	}
}

bool upstream_have_later(void)
{
	return later_list != NULL;
}

int upstream_stdin_end(struct upstream *u)
{
	u->stdin_closed = true;
	if (u->end_queued || u->stdin_dropped)
		return 0;
	if (append_records(&u->out, FCGI_STDIN, u->id, NULL, 0) < 0)
		return -1;
	u->end_queued = true;
	if (u->state == UP_ACTIVE && !u->flushing && flush(u) == 0)
		conn_update(u->pc);
	return 0;
}

bool upstream_wanted(const struct upstream *u)
{
	return u->pool && u->pool->qlen > 0;
}

size_t upstream_stdin_held(const struct upstream *u)
{
	return u->stdin_pending;
}

void upstream_resume(struct upstream *u)
{
	if (u->state != UP_ACTIVE)
		return;
	struct pool_conn *pc = u->pc;

	u->since = loop_now(); /* the wait was the client's, not the backend's */
	conn_read(pc);
	conn_update(pc);
}

void upstream_abort(struct upstream *u)
{
	release(u, false);
}

void upstream_sweep(struct upstream *u, uint64_t now)
{
	if (u->state == UP_CONNECTING && u->connect_timeout &&
	    now - u->since >= u->connect_timeout) {
		connect_failed(u, ETIMEDOUT);
		return;
	}
	if (u->state != UP_ACTIVE)
		return;
	bool paused = conn_paused(u->pc);
	if (paused || conn_unread(u->pc)) {
		u->since = now; /* a client is slow, not the backend */
		/* room without a byte taken: requests now wait for this
		 * backend, and the owner holds the rest of the answer on disk
		 * (stream.c, --response-spool) to let the backend go */
		if (!paused)
			upstream_resume(u);
		return;
	}
	if (u->backend_timeout && now - u->since >= u->backend_timeout) {
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
	/* conn_before_sleep empties the list before streams are freed; this
	 * only keeps a freed one off it whatever the order */
	for (struct upstream **q = &later_list; u->on_later && *q; q = &(*q)->next_later)
		if (*q == u) {
			*q = u->next_later;
			u->on_later = false;
			break;
		}
	if (u->ops)
		upstream_abort(u);
	buf_free(&u->head);
	buf_free(&u->out);
}
