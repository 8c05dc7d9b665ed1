/* stream.h - one request and its response: from its HTTP stream to a
 * route, then to a static file or to one FastCGI exchange (upstream.h),
 * and back. It knows its protocol only through proto_ops and its backend
 * only through upstream_ops. */
#ifndef H2CGI_STREAM_H
#define H2CGI_STREAM_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "cgi_response.h"
#include "early.h"
#include "fcgi.h"
#include "loop.h"
#include "route.h"
#include "site.h"
#include "spool.h"
#include "upstream.h"

struct conn;

/* The routes and what the streams share; set by main. */
struct stream_env {
	struct site *site;     /* the routes and their pools (a reload replaces it) */
	void (*site_done)(struct site *); /* a replaced site's last stream ended */
	const char *software;  /* SERVER_SOFTWARE */
	const char *spool_dir; /* where bodies without a length wait */
	const char *server;    /* --server-header, or NULL */
	bool json_log;         /* --access-log-format json */
	int (*status)(struct buf *out); /* --status-path: the JSON counters; 0 or -1 */
};

extern struct stream_env stream_env;

struct req_hdr { /* offsets into the stream's header buffer */
	uint32_t name, name_len, value, value_len;
};

enum stream_state {
	ST_HEAD,     /* the request header block is coming */
	ST_SPOOL,    /* routed; the body is held first: whole without a length,
		      * else up to --stream-buffer (slowloris holds no backend) */
	ST_BACKEND,  /* the backend has the request; no final response yet */
	ST_BODY,     /* final headers sent; the body follows (backend or file) */
	ST_ANSWERED, /* answered by h2cgi itself (stream_fail) */
	ST_CLOSED,   /* its HTTP stream closed: freed after this batch */
};

struct stream {
	struct conn *conn;
	int32_t id;
	enum stream_state state;
	struct stream *prev, *next;   /* the connection's list */
	struct stream *next_dead, *next_wake;
	bool on_wake_list;
	uint64_t start;

	/* request */
	const char *proto;            /* "HTTP/2.0", "HTTP/1.1", "HTTP/1.0" */
	struct buf hbuf;              /* "name\0value\0" pairs */
	struct req_hdr *hdrs;
	size_t nhdr, hdr_cap;
	bool hdr_overflow;
	bool start_pending;           /* the backend is asked at the end of the turn */
	bool path_overflow;          /* the field that did not fit was :path: 414 */
	int method, path, authority, scheme; /* indexes into hdrs, -1 if absent */
	int host;                     /* the Host field's index, -1 if absent */
	unsigned nhost;               /* Host fields seen */
	long long content_length;     /* -1: none given */
	long long body_seen;
	uint64_t rate_at;             /* --body-min-rate: when the period began */
	long long rate_seen;          /* body_seen then */
	bool req_done;                /* END_STREAM received */
	bool drop_body;               /* the rest of the body goes nowhere */
	bool from_spool;              /* STDIN comes from the spool */
	bool spool_prefix;            /* the spool holds the body's start, not all of it */
	struct spool spool;
	size_t unconsumed;            /* body bytes given to the backend, not yet back in the window */
	struct route_match route;
	struct site *site;            /* the routes it began with (it keeps them) */
	struct site_route *sr;        /* the route serving it, NULL before routing */
	int redirects;
	char *redir_target;           /* after a local redirect (RFC 3875 §6.2.2) */

	/* backend */
	struct upstream up;
	char tag[320];                /* "client:port #stream route PATTERN script" for its log lines */

	/* response */
	long long resp_length;        /* the backend's Content-Length, -1: none */
	long long resp_seen;          /* body bytes the backend sent */
	int interim;                  /* 1xx blocks relayed */
	unsigned hints_from;          /* EARLY_*: who the 103s sent came from */
	struct early_sent hints_sent; /* links sent in 103s: never twice */
	size_t interim_bytes;         /* and their size */
	uint64_t send_wait;           /* when the client last took body bytes */
	struct cgiresp *resp;         /* the backend's header block being read,
				       * its store right after it (NULL outside) */
	bool resp_done;               /* END_STREAM sent */
	size_t discarded;             /* request body dropped */
	bool discard;                 /* HEAD, 204, 304: no DATA */
	struct buf body;
	bool body_eof;
	int file_fd;                  /* a static file being sent, or -1 */
	off_t file_off;
	long long file_left;
	bool file_error;              /* it could not be read: cut the response */
	struct spool held;            /* body bytes past the buffer, on disk while
				       * requests wait for the backend (--response-spool) */
	bool held_logged;
	int status;
	unsigned long long bytes_out;
};

/* True once its HTTP stream closed (it is freed after this batch). */
static inline bool stream_closed(const struct stream *s)
{
	return s->state == ST_CLOSED;
}

/* True when h2cgi answered it by itself (an error status). */
static inline bool stream_failed(const struct stream *s)
{
	return s->state == ST_ANSWERED;
}

/* True once its request header block is complete. */
static inline bool stream_has_request(const struct stream *s)
{
	return s->state != ST_HEAD;
}

/* Creates the stream for a new request on c; NULL when out of memory. */
struct stream *stream_new(struct conn *c, int32_t id);

/* One request header field; returns 0, or -1 to reset the stream. */
int stream_on_header(struct stream *s, const uint8_t *name, size_t nl, const uint8_t *value,
		     size_t vl);

/* The request header block is complete (end_stream: no body follows). */
void stream_on_request(struct stream *s, bool end_stream);

/* A piece of request body; returns 0 or -1 to reset the stream. */
int stream_on_body(struct stream *s, const uint8_t *data, size_t len);

/* The request body is complete. */
void stream_on_body_end(struct stream *s);

/* Response body bytes ready to send, at most len; sets *eof when they are
 * the last. 0 without *eof: nothing yet (the body is deferred). */
size_t stream_body_ready(struct stream *s, size_t len, bool *eof);

/* Copies n ready body bytes (n <= what stream_body_ready() said) to out and
 * drops them from the stream's buffer. */
void stream_body_take(struct stream *s, uint8_t *out, size_t n);

/* The HTTP/2 stream closed (code is its error code): logs the access line and
 * frees s after this batch. */
void stream_on_close(struct stream *s, uint32_t code);

/* Answers s with an error status made here (or resets it when the response
 * has begun); why goes to the error log. */
void stream_fail(struct stream *s, int status, const char *why);

/* Cuts a response that cannot be completed: logs why, ends the backend
 * request and resets the stream (HTTP/1.1: closes the connection). */
void stream_cut(struct stream *s, const char *why);

/* True when response body has waited for the client longer than ms. */
bool stream_send_stalled(const struct stream *s, uint64_t now, uint64_t ms);

/* Once a second: the backend's timeouts (--connect-timeout,
 * --backend-timeout). */
void stream_sweep(struct stream *s, uint64_t now);

/* Reads backends whose streams' body buffers drained (from before-sleep,
 * never from inside nghttp2 callbacks). */
void stream_run_wakes(void);

/* True when stream_run_wakes() has work. */
bool stream_have_wakes(void);

/* Frees streams closed during this batch. */
void stream_free_dead(void);

/* Streams closed and not freed yet (stream_free_dead() frees them). */
size_t stream_dead_count(void);

#endif
