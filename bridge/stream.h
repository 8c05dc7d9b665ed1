/* stream.h - one request: from its HTTP/2 stream to one FastCGI request and
 * back. The only bridge between the front (h2) and the back (pool). */
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

struct conn;
struct pool;
struct pool_gen;

/* The routes and what the streams share; set by main. */
struct stream_env {
	struct site *site;     /* the routes and their pools (a reload replaces it) */
	void (*site_done)(struct site *); /* a replaced site's last stream ended */
	const char *software;  /* SERVER_SOFTWARE */
	const char *spool_dir; /* where bodies without a length wait */
	const char *server;    /* --server-header, or NULL */
	bool json_log;         /* --access-log-format json */
};

extern struct stream_env stream_env;

struct req_hdr { /* offsets into the stream's header buffer */
	uint32_t name, name_len, value, value_len;
};

struct stream {
	struct conn *conn;
	int32_t id;
	struct stream *prev, *next;   /* the connection's list */
	struct stream *qprev, *qnext; /* the pool queue */
	struct stream *next_dead, *next_wake;
	bool dead, queued, on_wake_list;
	uint64_t queued_at, start;

	/* request */
	const char *proto;            /* "HTTP/2.0", "HTTP/1.1", "HTTP/1.0" */
	struct buf hbuf;              /* "name\0value\0" pairs */
	struct req_hdr *hdrs;
	size_t nhdr, hdr_cap;
	bool hdr_overflow;
	bool got_request;             /* the request header block is complete */
	int method, path, authority, scheme; /* indexes into hdrs, -1 if absent */
	long long content_length;     /* -1: none given */
	long long body_seen;
	bool req_done;                /* END_STREAM received */
	bool spooling;                /* no length: body waits in spool */
	bool from_spool;              /* STDIN comes from the spool */
	struct buf spool_mem;
	int spool_fd;
	long long spool_len, spool_sent;
	size_t unconsumed;            /* body bytes in up_out not yet given back */
	struct route_match route;
	struct site *site;            /* the routes it began with (it keeps them) */
	struct site_route *sr;        /* the route serving it, NULL before routing */
	struct pool *pool;
	struct pool_gen *gen;         /* the backend generation connected to */
	int redirects;
	char *redir_target;           /* after a local redirect (RFC 3875 §6.2.2) */

	/* backend */
	struct loop_io up;
	int up_fd;
	bool up_open, connecting, stdin_done;
	bool up_done;                 /* the backend connection ended */
	struct buf up_out;
	struct buf up_in;
	struct fcgi_decoder dec;

	/* response */
	long long resp_length;        /* the backend's Content-Length, -1: none */
	long long resp_seen;          /* body bytes the backend sent */
	int interim;                  /* 1xx blocks relayed */
	unsigned hints_from;          /* EARLY_*: who the 103s sent came from */
	struct early_sent hints_sent; /* links sent in 103s: never twice */
	size_t interim_bytes;         /* and their size */
	uint64_t send_wait;           /* when the client last took body bytes */
	struct cgiresp resp;
	char *resp_store;
	bool started;                 /* final headers submitted */
	bool failed;                  /* answered by h2cgi itself (stream_fail) */
	bool resp_done;               /* END_STREAM sent */
	size_t discarded;             /* request body dropped */
	bool discard;                 /* HEAD, 204, 304: no DATA */
	struct buf body;
	bool body_eof;
	int file_fd;                  /* a static file being sent, or -1 */
	off_t file_off;
	long long file_left;
	bool file_error;              /* it could not be read: cut the response */
	int status;
	unsigned long long bytes_out;
	char errline[512];
	size_t errline_len;
};

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

/* Opens the backend connection for s (also called from the pool queue).
 * Returns 1 when every backend is busy and s should wait, else 0. */
int stream_connect(struct stream *s);

/* Answers s with an error status made here (or resets it when the response
 * has begun); why goes to the error log. */
void stream_fail(struct stream *s, int status, const char *why);

/* Cuts a response that cannot be completed: logs why, ends the backend
 * request and resets the stream (HTTP/1.1: closes the connection). */
void stream_cut(struct stream *s, const char *why);

/* True when response body has waited for the client longer than ms. */
bool stream_send_stalled(const struct stream *s, uint64_t now, uint64_t ms);

/* Reads backends whose streams' body buffers drained (from before-sleep,
 * never from inside nghttp2 callbacks). */
void stream_run_wakes(void);

/* True when stream_run_wakes() has work. */
bool stream_have_wakes(void);

/* Frees streams closed during this batch. */
void stream_free_dead(void);

#endif
