/* conn.c - a TLS connection carrying one HTTP/2 session. */
#include "conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <malloc.h>
#include <netinet/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "config.h"
#include "h2.h"
#include "proto.h"
#include "proxy.h"
#include "spare.h"
#include "linger.h"
#include "log.h"
#include "stream.h"
#include "tls.h"

#define TLS_RECORD 16384

static struct conn *dirty_list, *dead_list, *all_conns;
static unsigned closed_since_trim; /* connections closed since the last malloc_trim */
static uint64_t last_trim;          /* loop_now() of the last malloc_trim */
static unsigned long nconns;
static unsigned long long next_id;

static void conn_io(struct loop_io *io, uint32_t events);
static void read_later(struct conn *c);
static int deliver(struct conn *c, const uint8_t *data, size_t n);

static void addr_str(const struct sockaddr_storage *ss, char *out, size_t len, unsigned *port)
{
	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		if (IN6_IS_ADDR_V4MAPPED(&a->sin6_addr))
			inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], out, (socklen_t)len);
		else
			inet_ntop(AF_INET6, &a->sin6_addr, out, (socklen_t)len);
		*port = ntohs(a->sin6_port);
	} else if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		inet_ntop(AF_INET, &a->sin_addr, out, (socklen_t)len);
		*port = ntohs(a->sin_port);
	} else {
		snprintf(out, len, "local");
		*port = 0;
	}
}

/* The peer and local addresses: from the listener (o), from the socket,
 * or from the ucspi-tcp environment when the connection comes through
 * pipes. */
static void addresses(struct conn *c, int fd, const struct conn_origin *o)
{
	struct sockaddr_storage peer, local;
	socklen_t pl = sizeof(peer), ll = sizeof(local);
	const struct sockaddr_storage *p = o ? o->peer : NULL, *l = o ? o->local : NULL;

	if (p == NULL && getpeername(fd, (struct sockaddr *)&peer, &pl) == 0)
		p = &peer;
	if (p != NULL) {
		addr_str(p, c->peer_addr, sizeof(c->peer_addr), &c->peer_port);
		if (l == NULL && getsockname(fd, (struct sockaddr *)&local, &ll) == 0)
			l = &local;
		if (l != NULL)
			addr_str(l, c->local_addr, sizeof(c->local_addr), &c->local_port);
		return;
	}
	const char *ip = getenv("TCPREMOTEIP"), *port = getenv("TCPREMOTEPORT");
	const char *lip = getenv("TCPLOCALIP"), *lport = getenv("TCPLOCALPORT");
	snprintf(c->peer_addr, sizeof(c->peer_addr), "%s", ip ? ip : "unknown");
	c->peer_port = port ? (unsigned)atoi(port) : 0;
	snprintf(c->local_addr, sizeof(c->local_addr), "%s", lip ? lip : "unknown");
	c->local_port = lport ? (unsigned)atoi(lport) : 0;
}

static void conn_wio(struct loop_io *io, uint32_t events);

static int take(int rfd, int wfd, const struct conn_origin *o, const struct config *cfg)
{
	struct conn *c = calloc(1, sizeof(*c));
	int one = 1;

	if (c == NULL) {
		close(rfd);
		if (wfd != rfd)
			close(wfd);
		return -1;
	}
	c->cfg = cfg;
	c->id = ++next_id;
	c->cleartext = cfg->cleartext;
	c->handshaking = !c->cleartext;
	c->proxy_wait = cfg->proxy_protocol && rfd == wfd;
	c->wfd = wfd;
	c->io.fd = c->wio.fd = -1; /* nothing watched yet: the failure path may loop_del() */
	addresses(c, rfd, o);
	if (o == NULL || !o->nodelay)
		setsockopt(rfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((!c->cleartext && tls_session_new(&c->tls, rfd, wfd, &c->rx, &c->creds) < 0) ||
	    loop_add(&c->io, rfd, EPOLLIN, conn_io) < 0 ||
	    (wfd != rfd && loop_add(&c->wio, wfd, 0, conn_wio) < 0)) {
		log_err("cannot set up a connection from %s", c->peer_addr);
		loop_del(&c->io);
		if (c->tls) {
			gnutls_deinit(c->tls);
			tls_release(c->creds);
		}
		close(rfd);
		if (wfd != rfd)
			close(wfd);
		free(c);
		return -1;
	}
	c->accepted = c->last_write = loop_now(); /* last_frame stays 0 until a frame or head completes */
	c->next = all_conns;
	if (all_conns)
		all_conns->prev = c;
	all_conns = c;
	nconns++;
	/* the client's first bytes (its ClientHello) are most often here with
	 * the connection: read them now, not after another epoll_wait */
	conn_io(&c->io, EPOLLIN);
	return 0;
}

int conn_accept(int fd, const struct conn_origin *o, const struct config *cfg)
{
	return take(fd, fd, o, cfg);
}

int conn_accept2(int rfd, int wfd, const struct config *cfg)
{
	return take(rfd, wfd, NULL, cfg);
}

/* Asks the loop to tell us when we may write (or only read). */
static void want_write(struct conn *c, bool w)
{
	uint32_t in = c->read_paused ? 0 : EPOLLIN;

	/* reading resumed with bytes read ahead: epoll will not say so */
	if (in && tls_rx_pending(&c->rx))
		read_later(c);

	if (c->wfd != c->io.fd) {
		loop_mod(&c->wio, w ? EPOLLOUT : 0);
		loop_mod(&c->io, in);
	} else {
		loop_mod(&c->io, in | (w ? EPOLLOUT : 0));
	}
}

unsigned long conn_count(void)
{
	return nconns;
}

void conn_close(struct conn *c)
{
	if (c->dead)
		return;
	c->dead = true;
	closed_since_trim++;
	c->next_dead = dead_list;
	dead_list = c;
}

void conn_schedule_flush(struct conn *c)
{
	if (c->dirty || c->dead)
		return;
	c->dirty = true;
	c->next_dirty = dirty_list;
	dirty_list = c;
}

/* The protocol is known: from ALPN, or from the first bytes in cleartext. */
static int start_proto(struct conn *c, enum conn_proto proto)
{
	c->proto = proto;
	c->ops = proto == PROTO_H2 ? &h2_proto : &h1_proto;
	if (c->ops->start(c) < 0) {
		log_err("%s:%u: cannot start %s", c->peer_addr, c->peer_port, c->ops->name);
		return -1;
	}
	return 0;
}

/* Cleartext: HTTP/2 with prior knowledge starts with the connection preface
 * (RFC 9113 §3.4); anything else is HTTP/1.x. */
static int sniff(struct conn *c, const uint8_t *data, size_t n)
{
	static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
	const size_t plen = sizeof(preface) - 1;

	if (buf_append(&c->in, data, n) < 0)
		return -1;
	size_t have = buf_used(&c->in), cmp = have < plen ? have : plen;
	bool match = memcmp(c->in.data + c->in.off, preface, cmp) == 0;
	if (match && have < plen)
		return 0; /* wait for the rest of the preface */
	if (start_proto(c, match ? PROTO_H2 : PROTO_H1) < 0)
		return -1;
	struct buf held = c->in;
	memset(&c->in, 0, sizeof(c->in));
	int rc = deliver(c, held.data + held.off, buf_used(&held));
	buf_free(&held);
	return rc;
}

/* Received application bytes go to the connection's protocol. */
static int deliver(struct conn *c, const uint8_t *data, size_t n)
{
	switch (c->proto) {
	case PROTO_NONE:
		return sniff(c, data, n);
	default:
		return c->ops->recv(c, data, n);
	}
}

static int handshake(struct conn *c)
{
	int rc = gnutls_handshake(c->tls);

	if (rc == GNUTLS_E_AGAIN || rc == GNUTLS_E_INTERRUPTED) {
		want_write(c, gnutls_record_get_direction(c->tls) == 1);
		return 1;
	}
	if (rc < 0) {
		if (c->cfg->verbose || rc != GNUTLS_E_PREMATURE_TERMINATION)
			log_info("%s:%u: TLS handshake failed: %s", c->peer_addr, c->peer_port,
				 gnutls_strerror(rc));
		return -1;
	}
	c->handshaking = false;
	return start_proto(c, tls_is_h2(c->tls) ? PROTO_H2 : PROTO_H1);
}

/* Reads from the transport: >0 bytes, 0 at the end, -2 when it would block,
 * -1 on an error. */
static ssize_t xrecv(struct conn *c, uint8_t *buf, size_t len)
{
	for (;;) {
		if (c->tls == NULL) {
			ssize_t n = read(c->io.fd, buf, len);
			if (n >= 0)
				return n;
			if (errno == EINTR)
				continue;
			return errno == EAGAIN ? -2 : -1;
		}
		ssize_t n = gnutls_record_recv(c->tls, buf, len);
		if (n >= 0)
			return n;
		if (n == GNUTLS_E_INTERRUPTED)
			continue;
		if (n == GNUTLS_E_AGAIN)
			return -2;
		if (n != GNUTLS_E_PREMATURE_TERMINATION && c->cfg->verbose)
			log_info("%s:%u: TLS receive: %s", c->peer_addr, c->peer_port,
				 gnutls_strerror((int)n));
		return -1;
	}
}

/* Connections whose turn of reading was cut short: read again at once
 * (a 0 ms timer), since the rest may sit in GnuTLS's buffer where epoll
 * does not see it. */
static struct conn *more_list;
static struct loop_timer more_timer;

static void more_fire(struct loop_timer *t)
{
	(void)t;
	struct conn *list = more_list;
	more_list = NULL;
	while (list) {
		struct conn *c = list;
		list = c->next_more;
		c->on_more = false;
		if (!c->dead)
			conn_io(&c->io, EPOLLIN);
	}
}

static void read_later(struct conn *c)
{
	if (c->on_more)
		return;
	c->on_more = true;
	c->next_more = more_list;
	more_list = c;
	if (!more_timer.armed)
		loop_timer_set(&more_timer, 0, more_fire);
}

static void forget_more(struct conn *c)
{
	if (!c->on_more)
		return;
	for (struct conn **q = &more_list; *q; q = &(*q)->next_more)
		if (*q == c) {
			*q = c->next_more;
			break;
		}
	c->on_more = false;
}

/* A turn of reading is bounded in reads, and in streams ended and not
 * freed yet: a client opening and resetting streams as fast as it can
 * (Rapid Reset) makes each cost memory until the end of the loop turn, so
 * the turn ends early and the rest is read after they are freed. */
#define READS_PER_TURN 64
#define DEAD_STREAMS_PER_TURN 256
#define IDLE_GIVE_BACK_MS 1000 /* idle this long: buffers go back (conn_sweep) */

/* Reads until the transport is dry or the turn is over; -1 to close. */
static int conn_read(struct conn *c)
{
	static uint8_t in[TLS_RECORD + 1024];

	for (int i = 0; !c->read_paused; i++) {
		if (i == READS_PER_TURN || stream_dead_count() >= DEAD_STREAMS_PER_TURN) {
			read_later(c);
			return 0;
		}
		ssize_t n = xrecv(c, in, sizeof(in));
		if (n == -2)
			return 0;
		if (n <= 0)
			return -1; /* EOF or error */
		c->last_read = loop_now();
		if (deliver(c, in, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* Writes from c->out: >0 bytes taken, -2 when it would block, -1 on error.
 * GnuTLS wants an interrupted record retried as such (send_pending). */
static ssize_t xsend(struct conn *c)
{
	size_t len = buf_used(&c->out) < TLS_RECORD ? buf_used(&c->out) : TLS_RECORD;
	ssize_t n;

	if (c->tls == NULL) {
		n = write(c->wfd, c->out.data + c->out.off, buf_used(&c->out));
		if (n >= 0)
			return n;
		return errno == EAGAIN || errno == EINTR ? -2 : -1;
	}
	bool retry = c->send_pending > 0;

	if (!retry)
		c->send_pending = len;
	/* the record after this one is already waiting: TCP may hold this one
	 * back for it (MSG_MORE); the burst's last goes out at once */
	tls_more_follows(buf_used(&c->out) > c->send_pending);
	n = retry ? gnutls_record_send(c->tls, NULL, 0)
		  : gnutls_record_send(c->tls, c->out.data + c->out.off, len);
	tls_more_follows(false);
	if (n == GNUTLS_E_AGAIN || n == GNUTLS_E_INTERRUPTED)
		return -2;
	if (n < 0)
		return -1;
	n = (ssize_t)c->send_pending;
	c->send_pending = 0;
	return n;
}

/* Moves the protocol's output through the transport; returns -1 to close. */
static int conn_flush(struct conn *c)
{
	if (buf_used(&c->out) == 0 && c->send_pending == 0)
		c->last_write = loop_now(); /* whatever comes now starts its wait now */
	for (;;) {
		if (c->ops && c->ops->fill(c) < 0)
			return -1;
		if (buf_used(&c->out) == 0 && c->send_pending == 0)
			break;
		ssize_t n = xsend(c);
		if (n == -2) {
			want_write(c, true);
			return 0;
		}
		if (n < 0)
			return -1;
		buf_consume(&c->out, (size_t)n);
		c->last_write = loop_now();
	}
	if (c->ops && c->ops->finished(c))
		return -1;
	want_write(c, false);
	return 0;
}

/* --proxy-protocol: the load balancer's header names the client. Only its
 * own bytes are taken from the socket (peeked first), so the TLS handshake
 * or the protocol that follows finds its bytes untouched. Returns 1 when
 * it was read, 0 to wait for more, -1 to close. */
static int read_proxy(struct conn *c)
{
	uint8_t peek[PROXY_MAX_HEADER];
	size_t have = buf_used(&c->in);
	struct proxy_info pi;

	ssize_t n = recv(c->io.fd, peek, sizeof(peek) - have, MSG_PEEK);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return 0;
	if (n <= 0)
		return -1;
	if (buf_append(&c->in, peek, (size_t)n) < 0)
		return -1;
	int rc = proxy_parse(c->in.data + c->in.off, buf_used(&c->in), &pi);
	if (rc == 0 && buf_used(&c->in) >= PROXY_MAX_HEADER) {
		rc = -1;
		pi.why = "PROXY header over 1024 bytes";
	}
	if (rc < 0) {
		log_info("%s:%u: %s (--proxy-protocol); closing", c->peer_addr, c->peer_port, pi.why);
		return -1;
	}
	size_t take = rc > 0 ? (size_t)rc - have : (size_t)n;
	if (recv(c->io.fd, peek, take, 0) != (ssize_t)take)
		return -1;
	c->in.len = c->in.off + have + take;
	if (rc == 0)
		return 0;
	if (!pi.local) {
		snprintf(c->peer_addr, sizeof(c->peer_addr), "%s", pi.src);
		c->peer_port = pi.src_port;
		snprintf(c->local_addr, sizeof(c->local_addr), "%s", pi.dst);
		c->local_port = pi.dst_port;
	}
	buf_free(&c->in);
	c->proxy_wait = false;
	return 1;
}

static void conn_io(struct loop_io *io, uint32_t events)
{
	struct conn *c = (struct conn *)io;

	if (c->dead)
		return;
	/* the socket has bytes again, or an end or an error for recv to say
	 * (tls.c's rx_pull reads nothing while dry) */
	if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
		c->rx.dry = false;
	if (c->proxy_wait) {
		int rc = read_proxy(c);
		if (rc != 1) {
			if (rc < 0)
				conn_close(c);
			return;
		}
		events |= EPOLLIN; /* what follows may be there already */
	}
	if (c->handshaking) {
		int rc = handshake(c);
		if (rc != 0) {
			if (rc < 0)
				conn_close(c);
			return;
		}
		events |= EPOLLIN; /* the client's first records may already be buffered */
	}
	if ((events & (EPOLLIN | EPOLLHUP | EPOLLERR)) && conn_read(c) < 0) {
		conn_close(c);
		return;
	}
	if (conn_flush(c) < 0)
		conn_close(c);
}

static void conn_wio(struct loop_io *io, uint32_t events)
{
	conn_io(&((struct conn *)((char *)io - offsetof(struct conn, wio)))->io, events);
}

static void conn_free(struct conn *c)
{
	forget_more(c);
	while (c->streams)
		stream_on_close(c->streams, H2_INTERNAL_ERROR);
	int fd = c->io.fd;
	if (c->ops)
		c->ops->free(c);
	loop_del(&c->io);
	loop_del(&c->wio);
	if (c->tls) {
		gnutls_deinit(c->tls);
		tls_release(c->creds);
	}
	buf_free(&c->rx.buf);
	buf_free(&c->in);
	if (c->wfd != fd) { /* inetd pipes: nothing to linger on */
		close(fd);
		close(c->wfd);
	} else {
		linger_close(fd);
	}
	buf_free(&c->out);
	if (c->prev)
		c->prev->next = c->next;
	else
		all_conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	free(c);
	nconns--;
}

/* True while no protocol runs yet: the TLS handshake, or a cleartext
 * connection whose first bytes have not told HTTP/2 from HTTP/1.x. */
static bool before_proto(const struct conn *c)
{
	return c->proxy_wait || c->handshaking || c->ops == NULL;
}

/* Hands the free blocks kept for reuse and the heap's free pages back to
 * the kernel. */
static void give_back_heap(uint64_t now)
{
	spare_drop_all();
	malloc_trim(0);
	closed_since_trim = 0;
	last_trim = now;
}

void conn_sweep(unsigned header_timeout, unsigned idle_timeout, unsigned send_timeout)
{
	uint64_t now = loop_now(), hto = header_timeout * 1000ULL;
	size_t given_back = 0;

	for (struct conn *c = all_conns; c; c = c->next) {
		const char *why = NULL;
		if (c->dead)
			continue;
		if (c->handshaking && now - c->accepted >= hto)
			why = "TLS handshake not done within --header-timeout";
		else if (before_proto(c) && now - c->accepted >= hto)
			why = "no protocol preface or request within --header-timeout";
		/* a connection that never completed a frame or a request head,
		 * silent or trickling: counted from the accept */
		else if (c->last_frame == 0 && now - c->accepted >= hto)
			why = "no request within --header-timeout";
		bool busy = false;
		for (struct stream *s = c->streams; s && !why; s = s->next) {
			busy |= stream_has_request(s);
			if (!stream_has_request(s) && now - s->start >= hto)
				why = "request header block not done within --header-timeout";
		}
		/* bytes keep coming but no frame completes: a trickled frame */
		if (!why && !busy && c->last_frame && c->last_read > c->last_frame &&
		    now - c->last_frame >= hto)
			why = "no complete frame within --header-timeout";
		if (!why && (buf_used(&c->out) > 0 || c->send_pending) &&
		    now - c->last_write >= send_timeout * 1000ULL)
			why = "the client read nothing for --send-timeout";
		/* a client that does not read holds its backend: give it back */
		for (struct stream *s = c->streams; s && !why; s = s->next) {
			if (stream_send_stalled(s, now, send_timeout * 1000ULL))
				stream_cut(s, "the client read nothing for --send-timeout");
			stream_sweep(s, now);
		}
		/* most of an open connection's life is waiting, and thousands
		 * may wait at once: one idle for a second holds no buffers */
		if (!why && c->streams == NULL && buf_used(&c->out) == 0 && !c->send_pending &&
		    now - c->last_write >= IDLE_GIVE_BACK_MS &&
		    now - (c->last_frame ? c->last_frame : c->accepted) >= IDLE_GIVE_BACK_MS) {
			given_back += c->out.cap + c->rx.buf.cap;
			buf_free(&c->out);
			tls_rx_idle(&c->rx);
			if (c->ops && c->ops->idle)
				c->ops->idle(c);
		}
		if (why) {
			/* slowloris: a client trickling bytes holds no stream hostage */
			log_info("%s:%u: %s; closing", c->peer_addr, c->peer_port, why);
			conn_close(c);
		} else if (c->streams == NULL && !c->goaway &&
			   now - (c->last_frame ? c->last_frame : c->accepted) >=
				   idle_timeout * 1000ULL) {
			if (c->cfg->verbose)
				log_info("%s:%u: idle for --idle-timeout; closing", c->peer_addr,
					 c->peer_port);
			if (before_proto(c)) {
				conn_close(c); /* no protocol to say goodbye in */
				continue;
			}
			c->goaway = true;
			c->ops->goaway(c);
			conn_schedule_flush(c);
		}
	}
	/* freed buffers and closed connections' sessions sit between live
	 * ones: hand their pages back (once a second at most) */
	if (given_back >= 256 * 1024 || closed_since_trim >= 16 ||
	    (closed_since_trim && all_conns == NULL))
		give_back_heap(now);
}

void conn_shutdown_all(void)
{
	for (struct conn *c = all_conns; c; c = c->next) {
		if (c->dead)
			continue;
		if (before_proto(c)) {
			conn_close(c); /* no protocol to say goodbye in */
			continue;
		}
		c->goaway = true;
		c->ops->goaway(c);
		conn_schedule_flush(c);
	}
}

void conn_close_all(void)
{
	for (struct conn *c = all_conns; c; c = c->next)
		conn_close(c);
}

void conn_before_sleep(void)
{
	/* Freeing a connection can release a backend that a queued stream of
	 * another connection takes, which dirties that one: go round until calm. */
	do {
		stream_run_wakes();
		upstream_flush_later(); /* before the WINDOW_UPDATEs it frees go out */
		while (dirty_list) {
			struct conn *c = dirty_list;
			dirty_list = c->next_dirty;
			c->dirty = false;
			if (!c->dead && !c->handshaking && conn_flush(c) < 0)
				conn_close(c);
		}
		while (dead_list) {
			struct conn *c = dead_list;
			dead_list = c->next_dead;
			conn_free(c);
		}
	} while (stream_have_wakes() || upstream_have_later() || dirty_list || dead_list);
	stream_free_dead();
	/* the last client gone: the server comes back to its size before the
	 * load now, not on the next sweep (the heap keeps up to
	 * M_TRIM_THRESHOLD while it works); once a second at most, so clients
	 * that come and go one at a time do not pay for it each time */
	if (closed_since_trim && all_conns == NULL && loop_now() - last_trim >= 1000)
		give_back_heap(loop_now());
}
