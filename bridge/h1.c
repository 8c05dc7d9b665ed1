/* h1.c - HTTP/1.x on a connection (RFC 9112): request heads and bodies in,
 * through stream.c like any HTTP/2 stream, responses out with
 * Content-Length, chunked or close-delimited bodies. One request at a time;
 * pipelined requests wait in the input buffer, which is bounded (reading
 * pauses when it is full). */
#include "h1.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "config.h"
#include "conn.h"
#include "h1_parse.h"
#include "h2.h"
#include "log.h"
#include "loop.h"
#include "stream.h"

#define CHUNK_MAX 16384

struct h1 {
	struct buf in;            /* received, not yet parsed */
	struct stream *cur;       /* the request being served */
	char *head;               /* its head (headers point here) */
	int minor;                /* HTTP/1.minor of cur */
	bool keep_alive;          /* the client allows another request */
	bool chunked;             /* request body coding */
	long long body_left;      /* Content-Length bytes still to come */
	bool body_done;           /* the whole request body was read */
	struct h1_chunked dec;
	size_t window;            /* body bytes the stream may still take */
	bool resp_started, resp_body, resp_chunked, resp_close;
	bool closing;             /* no request after the current one */
	int32_t next_id;
};

static int h1_start(struct conn *c)
{
	c->h1 = calloc(1, sizeof(*c->h1));
	return c->h1 ? 0 : -1;
}

/* Between requests a kept-alive connection needs no input buffer and no
 * copy of the last head. */
static void h1_idle(struct conn *c)
{
	struct h1 *h = c->h1;

	if (h == NULL || h->cur != NULL)
		return;
	if (buf_used(&h->in) == 0)
		buf_free(&h->in);
	free(h->head);
	h->head = NULL;
}

static void h1_free(struct conn *c)
{
	if (c->h1 == NULL)
		return;
	buf_free(&c->h1->in);
	free(c->h1->head);
	free(c->h1);
	c->h1 = NULL;
}

static int out_printf(struct conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int out_printf(struct conn *c, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -1;
	return buf_append(&c->out, line, (size_t)n);
}

/* A response h2cgi makes itself for a request it could not even parse;
 * the connection closes after it (RFC 9112 §9.6). */
static void refuse(struct conn *c, int status, const char *why)
{
	struct h1 *h = c->h1;
	char body[96];
	int n = snprintf(body, sizeof(body), "%d %s\n", status, hdr_reason(status));

	log_warn("%s:%u: HTTP/1.1 request refused: %d: %s", c->peer_addr, c->peer_port, status, why);
	out_printf(c, "HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
		      "content-length: %d\r\nconnection: close\r\n\r\n%s",
		   status, hdr_reason(status), n, body);
	h->closing = true;
	c->close_after_flush = true;
	c->read_paused = true;
	buf_free(&h->in);
	conn_schedule_flush(c);
}

/* Switches the connection to HTTP/2: 101, then the session with the
 * client's settings and this request as stream 1; the bytes after the head
 * (the client's preface) go to HTTP/2. Returns 2: h1 state is gone. */
static int upgrade(struct conn *c, struct stream *s, const struct h1_request *r)
{
	struct h1 *h = c->h1;
	bool head = r->method_len == 4 && memcmp(r->method, "HEAD", 4) == 0;

	if (out_printf(c, "HTTP/1.1 101 Switching Protocols\r\nconnection: Upgrade\r\n"
			  "upgrade: h2c\r\n\r\n") < 0)
		return -1;
	c->h1 = NULL;
	c->proto = PROTO_H2;
	c->ops = &h2_proto;
	if (h2_upgrade(c, r->h2_settings->value, r->h2_settings->value_len, s, head) < 0) {
		log_warn("%s:%u: h2c upgrade failed (bad HTTP2-Settings?); closing", c->peer_addr,
			 c->peer_port);
		c->h1 = h;
		h1_free(c);
		return -1;
	}
	s->proto = "HTTP/2.0";
	stream_on_request(s, true);
	struct buf rest = h->in;
	memset(&h->in, 0, sizeof(h->in));
	c->h1 = h;
	h1_free(c);
	int rc = buf_used(&rest) ? c->ops->recv(c, rest.data + rest.off, buf_used(&rest)) : 0;
	buf_free(&rest);
	conn_schedule_flush(c);
	return rc < 0 ? -1 : 2;
}

/* A parsed head becomes a stream: pseudo-header fields first, as HTTP/2
 * would send them, then the end-to-end fields, names lower-cased. */
static int begin_request(struct conn *c, struct h1_request *r)
{
	struct h1 *h = c->h1;
	struct stream *s = stream_new(c, ++h->next_id);
	const char *target = r->target;
	size_t tlen = r->target_len;
	const char *auth = r->host ? r->host->value : NULL;
	size_t alen = r->host ? r->host->value_len : 0;

	if (s == NULL)
		return -1;
	/* absolute-form (RFC 9112 §3.2.2): the authority comes from the target */
	if (tlen > 7 && (strncasecmp(target, "http://", 7) == 0 || strncasecmp(target, "https://", 8) == 0)) {
		/* target is not NUL-terminated: skip "http://" or "https://" by length */
		const char *a = target + (target[4] == ':' ? 7 : 8), *end = target + tlen;
		const char *slash = memchr(a, '/', (size_t)(end - a));
		auth = a;
		alen = (size_t)((slash ? slash : end) - a);
		target = slash ? slash : "/";
		tlen = slash ? (size_t)(end - slash) : 1;
	}
	s->proto = r->minor ? "HTTP/1.1" : "HTTP/1.0";
	const char *scheme = c->cleartext ? "http" : "https";
	if (stream_on_header(s, (const uint8_t *)":method", 7, (const uint8_t *)r->method, r->method_len) ||
	    stream_on_header(s, (const uint8_t *)":scheme", 7, (const uint8_t *)scheme, strlen(scheme)) ||
	    stream_on_header(s, (const uint8_t *)":path", 5, (const uint8_t *)target, tlen) ||
	    (auth && stream_on_header(s, (const uint8_t *)":authority", 10, (const uint8_t *)auth, alen)))
		return -1;
	/* Host became :authority; hop-by-hop fields and those Connection names
	 * are dropped with the HTTP/2 ones, by hdr_filter_request() */
	for (size_t i = 0; i < r->nhdr; i++) {
		struct hdr *f = &r->hdrs[i];
		if (f->name_len == 4 && strncasecmp(f->name, "host", 4) == 0)
			continue;
		hdr_lower(f->name, f->name_len);
		if (stream_on_header(s, (uint8_t *)f->name, f->name_len, (uint8_t *)f->value,
				     f->value_len))
			return -1;
	}
	/* h2c (RFC 7540 §3.2), cleartext only, and for a request without a body
	 * (one with a body is simply served over HTTP/1.1) */
	if (c->cleartext && r->upgrade_h2c && !r->chunked && r->content_length <= 0 && !h->closing)
		return upgrade(c, s, r);
	h->cur = s;
	h->minor = r->minor;
	h->keep_alive = r->keep_alive && !h->closing;
	h->chunked = r->chunked;
	h->body_left = r->chunked ? 0 : r->content_length > 0 ? r->content_length : 0;
	h->body_done = !r->chunked && h->body_left == 0;
	h1_chunked_init(&h->dec);
	h->window = c->cfg->window;
	h->resp_started = h->resp_body = h->resp_chunked = h->resp_close = false;
	c->last_frame = loop_now();
	stream_on_request(s, h->body_done);
	/* RFC 9110 §10.1.1: say go on, unless the answer is already given */
	if (r->expect_continue && !h->body_done && !stream_failed(s))
		out_printf(c, "HTTP/1.1 100 Continue\r\n\r\n");
	return 0;
}

/* Parses the next request head from the input, if there is no request. */
static int next_request(struct conn *c)
{
	struct h1 *h = c->h1;
	struct h1_request r;

	int rc = h1_parse_head((const char *)h->in.data + h->in.off, buf_used(&h->in),
			       c->cfg->max_header_list, &r);
	if (rc == 0)
		return 0;
	if (rc < 0) {
		refuse(c, -rc, r.err);
		return 0;
	}
	if (c->cleartext && r.upgrade_h2c) {
		uint8_t settings[H1_H2C_SETTINGS_MAX];
		if (h1_h2c_settings(r.h2_settings->value, r.h2_settings->value_len, settings,
				    sizeof(settings)) < 0) {
			refuse(c, 400, "h2c upgrade with a malformed HTTP2-Settings (RFC 7540 §3.2.1: "
				       "base64url of a SETTINGS payload, at most 1 KiB)");
			return 0;
		}
	}
	/* the stream keeps its own copies; parse again over a private copy so
	 * that the input buffer can move on */
	free(h->head);
	h->head = malloc((size_t)rc);
	if (h->head == NULL)
		return -1;
	memcpy(h->head, h->in.data + h->in.off, (size_t)rc);
	buf_consume(&h->in, (size_t)rc);
	if (h1_parse_head(h->head, (size_t)rc, (size_t)rc + 1, &r) != rc)
		return -1;
	rc = begin_request(c, &r);
	return rc < 0 ? -1 : rc == 2 ? 2 : 1;
}

/* Hands buffered body bytes to the stream while its window allows. */
static int feed_body(struct conn *c)
{
	struct h1 *h = c->h1;
	struct stream *s = h->cur;

	while (!h->body_done && buf_used(&h->in) > 0 && h->window > 0) {
		const uint8_t *p = h->in.data + h->in.off;
		size_t avail = buf_used(&h->in);
		if (!h->chunked) {
			size_t n = avail < (size_t)h->body_left ? avail : (size_t)h->body_left;
			if (n > h->window)
				n = h->window;
			h->window -= n;
			h->body_left -= (long long)n;
			h->body_done = h->body_left == 0;
			int rc = stream_on_body(s, p, n);
			buf_consume(&h->in, n);
			if (rc < 0)
				return -1;
		} else {
			const uint8_t *data;
			size_t dl;
			bool done;
			ssize_t n = h1_chunked_decode(&h->dec, p, avail < h->window ? avail : h->window,
						      &data, &dl, &done);
			if (n < 0) {
				/* RFC 9112 §7.1: a bad chunk: the rest cannot be framed, so
				 * answer 400 if we still can, and close either way */
				h->keep_alive = false;
				h->closing = true;
				h->body_done = true; /* read nothing more of it */
				c->read_paused = true;
				buf_free(&h->in);
				if (h->resp_started)
					return -1;
				stream_fail(s, 400, "malformed chunked request body");
				return 0;
			}
			h->window -= dl;
			h->body_done = done;
			int rc = dl ? stream_on_body(s, data, dl) : 0;
			buf_consume(&h->in, (size_t)n);
			if (rc < 0)
				return -1;
			if (n == 0 && !done)
				break;
		}
		if (h->body_done)
			stream_on_body_end(s);
		if (h->cur != s)
			return 0; /* answered and finished meanwhile */
	}
	return 0;
}

/* Runs the input side: body of the current request, or the next head. */
static int process(struct conn *c)
{
	struct h1 *h = c->h1;

	for (int guard = 0; guard < 1000; guard++) {
		if (h->cur == NULL) {
			if (h->closing || c->close_after_flush || buf_used(&h->in) == 0)
				break;
			int rc = next_request(c);
			if (rc == 2)
				return 0; /* upgraded to HTTP/2: h1 state is gone */
			if (rc <= 0)
				return rc;
			continue;
		}
		if (feed_body(c) < 0)
			return -1;
		break;
	}
	/* bound the input: a head at most, plus what the window lets through */
	c->read_paused = buf_used(&h->in) >= c->cfg->max_header_list + c->cfg->window ||
			 c->close_after_flush;
	return 0;
}

static int h1_recv(struct conn *c, const uint8_t *data, size_t len)
{
	struct h1 *h = c->h1;

	if (h->closing && h->cur == NULL)
		return 0; /* after Connection: close, nothing more is read */
	if (buf_append(&h->in, data, len) < 0)
		return -1;
	return process(c);
}

/* The response is complete: the stream ends, the next request may start. */
static void finish_response(struct conn *c)
{
	struct h1 *h = c->h1;
	struct stream *s = h->cur;

	s->resp_done = true;
	h->cur = NULL;
	c->last_frame = loop_now();
	/* an unread body would be taken for the next request: close instead */
	if (!h->keep_alive || h->resp_close || !h->body_done)
		c->close_after_flush = true;
	stream_on_close(s, 0);
}

static bool has_field(const struct hdr *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == strlen(name) && strncasecmp(h[i].name, name, h[i].name_len) == 0)
			return true;
	return false;
}

static int h1_submit(struct stream *s, int status, const struct hdr *hd, size_t n, bool final,
		     bool has_body)
{
	struct conn *c = s->conn;
	struct h1 *h = c->h1;

	if (h == NULL || h->cur != s)
		return -1;
	if (!final && h->minor == 0)
		return 0; /* no interim responses for HTTP/1.0 (RFC 9110 §15.2) */
	if (out_printf(c, "HTTP/1.1 %d %s\r\n", status, hdr_reason(status)) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (buf_append(&c->out, hd[i].name, hd[i].name_len) || buf_append(&c->out, ": ", 2) ||
		    buf_append(&c->out, hd[i].value, hd[i].value_len) || buf_append(&c->out, "\r\n", 2))
			return -1;
	if (final) {
		h->resp_started = true;
		h->resp_body = has_body;
		if (has_body && !has_field(hd, n, "content-length")) {
			if (h->minor == 1)
				h->resp_chunked = true; /* RFC 9112 §7.1 */
			else
				h->resp_close = true; /* HTTP/1.0: the end of the body is the close */
		}
		if (h->resp_chunked && out_printf(c, "transfer-encoding: chunked\r\n") < 0)
			return -1;
		if (c->cfg->alt_svc && out_printf(c, "alt-svc: %s\r\n", c->cfg->alt_svc) < 0)
			return -1;
		if (!h->keep_alive || h->resp_close) {
			if (out_printf(c, "connection: close\r\n") < 0)
				return -1;
		} else if (h->minor == 0 && out_printf(c, "connection: keep-alive\r\n") < 0) {
			return -1;
		}
	}
	if (buf_append(&c->out, "\r\n", 2) < 0)
		return -1;
	if (final && !has_body)
		finish_response(c);
	conn_schedule_flush(c);
	return 0;
}

/* Moves response body from the stream into c->out, framed. */
static int fill_body(struct conn *c)
{
	struct h1 *h = c->h1;

	while (h->cur && h->resp_started && h->resp_body && buf_used(&c->out) < CONN_OUT_HIGH) {
		bool eof;
		size_t n = stream_body_ready(h->cur, CHUNK_MAX, &eof);
		if (n > 0) {
			if (h->resp_chunked && out_printf(c, "%zx\r\n", n) < 0)
				return -1;
			if (buf_reserve(&c->out, n + 2) < 0)
				return -1;
			stream_body_take(h->cur, c->out.data + c->out.len, n);
			c->out.len += n;
			if (h->resp_chunked && buf_append(&c->out, "\r\n", 2) < 0)
				return -1;
		}
		if (eof) {
			if (h->resp_chunked && buf_append(&c->out, "0\r\n\r\n", 5) < 0)
				return -1;
			finish_response(c);
			break;
		}
		if (n == 0)
			break;
	}
	return 0;
}

static int h1_fill(struct conn *c)
{
	if (fill_body(c) < 0)
		return -1;
	/* window given back, or the previous response done: read on */
	if (process(c) < 0)
		return -1;
	if (c->proto != PROTO_H1)
		return c->ops->fill(c); /* upgraded to h2c meanwhile */
	return fill_body(c);
}

static bool h1_finished(struct conn *c)
{
	return c->close_after_flush && buf_used(&c->out) == 0 && c->send_pending == 0;
}

static void h1_goaway(struct conn *c)
{
	struct h1 *h = c->h1;

	h->closing = true;
	h->keep_alive = false;
	if (h->cur == NULL)
		c->close_after_flush = true;
	conn_schedule_flush(c);
}

static void h1_resume(struct stream *s)
{
	conn_schedule_flush(s->conn);
}

static void h1_reset(struct stream *s, uint32_t code)
{
	struct conn *c = s->conn;

	/* HTTP/1.1 has no stream reset: a response that cannot be completed is
	 * cut by closing the connection (RFC 9112 §9.6); a finished one needs
	 * nothing (NO_ERROR: the rest of the request body is not wanted) */
	if (c->h1 && c->h1->cur == s && code != H2_NO_ERROR)
		conn_close(c);
	else if (c->h1 && code == H2_NO_ERROR)
		c->close_after_flush = true;
}

static void h1_consume(struct stream *s, size_t n)
{
	struct conn *c = s->conn;

	if (c->h1 && c->h1->cur == s) {
		c->h1->window += n;
		conn_schedule_flush(c); /* h1_fill reads on */
	}
}

const struct proto_ops h1_proto = {
	.name = "HTTP/1.1",
	.start = h1_start,
	.recv = h1_recv,
	.fill = h1_fill,
	.finished = h1_finished,
	.goaway = h1_goaway,
	.idle = h1_idle,
	.free = h1_free,
	.submit = h1_submit,
	.resume = h1_resume,
	.reset = h1_reset,
	.consume = h1_consume,
};
