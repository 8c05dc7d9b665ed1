/* conn.h - one client connection: TLS transport, its HTTP/2 session, its
 * streams; closing is deferred to the end of the event batch. */
#ifndef H2CGI_CONN_H
#define H2CGI_CONN_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>
#include <gnutls/gnutls.h>

#include "buf.h"
#include "loop.h"
#include "tls.h"

#define CONN_OUT_HIGH 65536 /* stop producing output above this */

struct config;
struct stream;
struct h1;
struct h2;

enum conn_proto {
	PROTO_NONE, /* cleartext, first bytes not seen yet */
	PROTO_H2,
	PROTO_H1,
};

struct conn {
	struct loop_io io;            /* first: the loop hands us &io; reads */
	struct loop_io wio;           /* writes, when they go to another fd (pipes) */
	int wfd;                      /* == io.fd for a socket */
	gnutls_session_t tls;
	struct tls_creds *creds;      /* held while the session lives */
	struct tls_rx rx;             /* the socket's read-ahead under GnuTLS */
	struct h2 *h2;                /* HTTP/2 state (h2.c) */
	const struct config *cfg;
	bool handshaking, dead, dirty;
	bool cleartext;               /* no TLS (--cleartext) */
	bool proxy_wait;              /* --proxy-protocol: its header is not read yet */
	enum conn_proto proto;
	const struct proto_ops *ops;  /* once the protocol is known */
	struct h1 *h1;                /* HTTP/1.1 state */
	bool close_after_flush;       /* HTTP/1.x: close once c->out is written */
	bool read_paused;             /* HTTP/1.x: input buffer full */
	struct buf in;                /* bytes read before the protocol is known */
	size_t send_pending;          /* bytes of an interrupted gnutls_record_send */
	struct buf out;               /* HTTP/2 bytes waiting for TLS */
	struct stream *streams;       /* live streams */
	struct conn *next_dirty, *next_dead;
	struct conn *next_more;       /* read again next turn (a bounded turn ended) */
	bool on_more;
	struct conn *prev, *next;     /* every open connection */
	uint64_t accepted, last_frame, last_read; /* loop_now(): for the timeouts; last_frame 0: none yet */
	uint64_t last_write;          /* output last moved (or nothing was waiting) */
	bool goaway;                  /* GOAWAY submitted: finishing */
	char peer_addr[INET6_ADDRSTRLEN];
	unsigned peer_port;
	char local_addr[INET6_ADDRSTRLEN];
	unsigned local_port;
	unsigned long long id;
};

/* What a listener knows of a socket it accepted. */
struct conn_origin {
	const struct sockaddr_storage *peer;  /* from accept4 */
	const struct sockaddr_storage *local; /* NULL: asked with getsockname */
	bool nodelay;                         /* TCP_NODELAY came from the listener */
};

/* Takes over an accepted socket: starts the TLS handshake. Returns 0 or -1
 * (the fd is closed either way on failure). */
int conn_accept(int fd, const struct conn_origin *o, const struct config *cfg);

/* Takes over a connection read from rfd and written to wfd (--inetd: the
 * same socket, or two pipes whose peer is named by TCPREMOTEIP/TCPREMOTEPORT
 * as ucspi-tcp sets them). Returns 0 or -1 (fds closed on failure). */
int conn_accept2(int rfd, int wfd, const struct config *cfg);

/* Asks for the connection's pending HTTP/2 output to be written before the
 * loop sleeps. */
void conn_schedule_flush(struct conn *c);

/* Marks c for closing; it is freed, with its streams, after this batch. */
void conn_close(struct conn *c);

/* Flushes scheduled connections and frees closed connections and streams;
 * runs before the loop sleeps. */
void conn_before_sleep(void);

/* Number of open connections. */
unsigned long conn_count(void);

/* Closes connections past their deadlines: TLS handshake, protocol
 * preface, first request or a request's header block not done within
 * header_timeout, or no stream and no frame for idle_timeout; resets a
 * stream whose response waited send_timeout for the client to read
 * (seconds); call about once a second. */
void conn_sweep(unsigned header_timeout, unsigned idle_timeout, unsigned send_timeout);

/* Graceful stop (RFC 9113 §6.8): GOAWAY on every HTTP/2 connection, so that
 * in-flight streams finish and no new ones start; connections still in their
 * handshake or before their protocol is known are dropped. */
void conn_shutdown_all(void);

/* Closes every connection now (after the grace period). */
void conn_close_all(void);

#endif
