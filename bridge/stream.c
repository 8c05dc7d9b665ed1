/* stream.c - one request's life: HTTP request -> route -> a static file,
 * or a FastCGI exchange (upstream.c) -> CGI response parser -> HTTP
 * response. Back-pressure both ways: the request body is given back to the
 * client's window only once the backend took it, and the backend is read
 * only while the body buffer has room. */
#include "stream.h"

#include <errno.h>
#include <malloc.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "cgi_env.h"
#include "config.h"
#include "conn.h"
#include "early.h"
#include "hints.h"
#include "proto.h"
#include "log.h"
#include "site.h"
#include "spare.h"
#include "static.h"

#define MAX_REDIRECTS 10
#define MAX_INTERIM 16 /* 1xx blocks before the final one (RFC 9110 §15.2) */

struct stream_env stream_env;
static struct stream *dead_streams, *wake_list;
static size_t ndead; /* streams on dead_streams */

static void start_backend(struct stream *s);
static const struct upstream_ops stream_up_ops;

/* The stream's connection protocol does the talking. */
static int front_submit(struct stream *s, int status, const struct hdr *h, size_t n, bool final,
			bool has_body)
{
	return s->conn->ops->submit(s, status, h, n, final, has_body);
}

static void front_resume(struct stream *s)
{
	s->conn->ops->resume(s);
}

static void front_reset(struct stream *s, uint32_t code)
{
	s->conn->ops->reset(s, code);
}

static void front_consume(struct stream *s, size_t n)
{
	s->conn->ops->consume(s, n);
}

static const struct config *cfg_of(const struct stream *s)
{
	return s->conn->cfg;
}

static const char *hname(const struct stream *s, int i)
{
	return (const char *)s->hbuf.data + s->hdrs[i].name;
}

static const char *hval(const struct stream *s, int i)
{
	return i < 0 ? NULL : (const char *)s->hbuf.data + s->hdrs[i].value;
}

/* The request as the backend sees it (after a local redirect: GET target). */
static const char *req_method(const struct stream *s)
{
	return s->redir_target ? "GET" : hval(s, s->method) ? hval(s, s->method) : "-";
}

static const char *req_target(const struct stream *s)
{
	return s->redir_target ? s->redir_target : hval(s, s->path) ? hval(s, s->path) : "-";
}

/* The first request field called name (lower-case), or NULL. */
static const char *req_field(const struct stream *s, const char *name)
{
	for (size_t i = 0; i < s->nhdr; i++)
		if (strcmp(hname(s, (int)i), name) == 0)
			return hval(s, (int)i);
	return NULL;
}

static bool has_field(const struct hdr *h, size_t n, const char *name)
{
	size_t l = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == l && strncasecmp(h[i].name, name, l) == 0)
			return true;
	return false;
}

/* The final header block, with Date (RFC 9110 §6.6.1: an origin server
 * with a clock sends one) and --server-header unless the backend sent them. */
static int submit_final(struct stream *s, int status, const struct hdr *h, size_t n,
			bool has_body)
{
	static char date[30];
	static time_t date_at;
	/* every caller's block fits: a CGI block has at most CGIRESP_MAX_HEADERS,
	 * h2cgi's own answers fewer */
	struct hdr all[CGIRESP_MAX_HEADERS + 2];
	time_t now = time(NULL);

	if (n > CGIRESP_MAX_HEADERS)
		return -1;
	if (now != date_at) {
		http_date(now, date);
		date_at = now;
	}
	memcpy(all, h, n * sizeof(*h));
	size_t k = n;
	if (!has_field(h, n, "date"))
		all[k++] = (struct hdr){"date", 4, date, 29};
	if (stream_env.server && !has_field(h, n, "server"))
		all[k++] = (struct hdr){"server", 6, (char *)stream_env.server, strlen(stream_env.server)};
	return front_submit(s, status, all, k, true, has_body);
}

/* Streams and response parsers, taken and given back by every request */
static struct spare stream_blocks = SPARE_LIST(16), resp_blocks = SPARE_LIST(2);

/* Gives back s->resp (its size is the parser's and its store's). */
static void resp_free(struct stream *s)
{
	if (s->resp)
		spare_give(&resp_blocks, s->resp, sizeof(*s->resp) + s->resp->cap);
	s->resp = NULL;
}

struct stream *stream_new(struct conn *c, int32_t id)
{
	struct stream *s = spare_take(&stream_blocks, sizeof(*s));

	if (s == NULL)
		return NULL;
	memset(s, 0, sizeof(*s));
	s->conn = c;
	s->id = id;
	s->method = s->path = s->authority = s->scheme = s->host = -1;
	s->content_length = -1;
	s->resp_length = -1;
	s->proto = "HTTP/2.0";
	s->file_fd = -1;
	s->route.rule = -1;
	spool_init(&s->spool, stream_env.spool_dir, c->cfg->stream_buffer);
	spool_init(&s->held, stream_env.spool_dir, 0);
	s->start = loop_now();
	s->next = c->streams;
	if (c->streams)
		c->streams->prev = s;
	c->streams = s;
	return s;
}

int stream_on_header(struct stream *s, const uint8_t *name, size_t nl, const uint8_t *value,
		     size_t vl)
{
	static const char nul = '\0';

	if (s->hdr_overflow)
		return 0;
	if (buf_used(&s->hbuf) + nl + vl + 2 > cfg_of(s)->max_header_list) {
		/* answered once the block is complete: 414 when the target is what
		 * did not fit (RFC 9110 §15.5.15), else 431 (RFC 6585 §5) */
		s->hdr_overflow = true;
		s->path_overflow = nl == 5 && memcmp(name, ":path", 5) == 0;
		return 0;
	}
	if (s->nhdr == s->hdr_cap) {
		size_t cap = s->hdr_cap ? s->hdr_cap * 2 : 16;
		struct req_hdr *h = realloc(s->hdrs, cap * sizeof(*h));
		if (h == NULL)
			return -1;
		s->hdrs = h;
		s->hdr_cap = cap;
	}
	struct req_hdr *h = &s->hdrs[s->nhdr];
	h->name = (uint32_t)s->hbuf.len;
	h->name_len = (uint32_t)nl;
	h->value = (uint32_t)(s->hbuf.len + nl + 1);
	h->value_len = (uint32_t)vl;
	if (buf_append(&s->hbuf, name, nl) || buf_append(&s->hbuf, &nul, 1) ||
	    buf_append(&s->hbuf, value, vl) || buf_append(&s->hbuf, &nul, 1))
		return -1;
	int i = (int)s->nhdr++;
	const char *n = hname(s, i);
	if (strcmp(n, ":method") == 0)
		s->method = i;
	else if (strcmp(n, ":path") == 0)
		s->path = i;
	else if (strcmp(n, ":authority") == 0)
		s->authority = i;
	else if (strcmp(n, ":scheme") == 0)
		s->scheme = i;
	else if (strcmp(n, "host") == 0 && s->nhost++ == 0) {
		s->host = i;
		if (s->authority < 0)
			s->authority = i; /* RFC 9113 §8.3.1: Host stands in for :authority */
	}
	else if (strcmp(n, "content-length") == 0)
		s->content_length = strtoll(hval(s, i), NULL, 10); /* nghttp2 checked it */
	return 0;
}

static int param_append(void *ctx, const char *name, size_t nl, const char *value, size_t vl)
{
	struct buf *b = ctx;

	if (buf_reserve(b, fcgi_nv_len(nl, vl)) < 0)
		return -1;
	b->len += fcgi_nv_encode(b->data + b->len, name, nl, value, vl);
	return 0;
}

/* The PARAMS stream (RFC 3875 §4.1 via cgi_env) into params. */
static int build_params(struct stream *s, struct buf *params)
{
	const struct route_match *rt = &s->route;
	const struct site_route *sr = s->sr;
	struct hdr stack[32]; /* a browser's request has 10 to 20 fields */
	struct hdr *hv = s->nhdr <= 32 ? stack : calloc(s->nhdr, sizeof(*hv));
	size_t nh = 0;
	int rc = -1;

	if (hv == NULL)
		return -1;
	for (size_t i = 0; i < s->nhdr; i++) {
		if (hname(s, (int)i)[0] == ':')
			continue;
		/* after a local redirect the request is a GET without a body, but
		 * keeps its other header fields (cookies, authorization...) */
		if (s->redir_target && strcmp(hname(s, (int)i), "content-type") == 0)
			continue;
		hv[nh].name = (char *)hname(s, (int)i);
		hv[nh].name_len = s->hdrs[i].name_len;
		hv[nh].value = (char *)hval(s, (int)i);
		hv[nh].value_len = s->hdrs[i].value_len;
		nh++;
	}
	nh = hdr_filter_request(hv, nh); /* hop-by-hop, Connection-named, Proxy */
	struct cgi_request r = {
		.method = req_method(s),
		.scheme = s->conn->cleartext ? "http" : "https",
		.authority = hval(s, s->authority),
		.uri = req_target(s),
		.query = rt->query,
		.script_name = rt->script_name,
		.path_info = rt->path_info,
		.script_filename = rt->file,
		.document_root = sr->docroot,
		.remote_addr = s->conn->peer_addr,
		.remote_port = s->conn->peer_port,
		.server_addr = s->conn->local_addr,
		.server_port = s->conn->local_port,
		.server_protocol = s->proto,
		.server_software = stream_env.software,
		.content_length = s->redir_target ? -1 : s->content_length,
		.hdrs = hv,
		.nhdr = nh,
		.https = !s->conn->cleartext,
	};
	if (cgi_env_build(&r, param_append, params) < 0)
		goto fail;
	/* as lighttpd does; for CGI routes h2cgi-cgi adds it for scripts only
	 * (PHP's cgi.force_redirect guards the php-cgi binary itself) */
	if (sr->kind != BACKEND_CGI && param_append(params, "REDIRECT_STATUS", 15, "200", 3) < 0)
		goto fail;
	for (size_t i = 0; i < sr->nenv; i++) {
		size_t nl = strcspn(sr->env[i], "=");
		if (param_append(params, sr->env[i], nl, sr->env[i] + nl + 1,
				 strlen(sr->env[i] + nl + 1)) < 0)
			goto fail;
	}
	rc = 0;
fail:
	if (hv != stack)
		free(hv);
	return rc;
}

/* Hands the spooled body to the backend, as much as it holds at once,
 * and the end of the body once all of it went. Returns 0 or -1. */
static int spool_pump(struct stream *s)
{
	uint8_t chunk[16384];

	while (s->from_spool && spool_left(&s->spool) > 0 &&
	       upstream_stdin_held(&s->up) < cfg_of(s)->stream_buffer) {
		ssize_t n = spool_read(&s->spool, chunk, sizeof(chunk));
		if (n <= 0 || upstream_stdin(&s->up, chunk, (size_t)n) < 0)
			return -1;
	}
	if (s->from_spool && spool_left(&s->spool) == 0) {
		s->from_spool = false;
		spool_free(&s->spool);
		return s->spool_prefix ? 0 : upstream_stdin_end(&s->up);
	}
	return 0;
}

/* Leaves the backend (queue or connection), the body spool and the file. */
static void drop_backend(struct stream *s)
{
	upstream_abort(&s->up);
	spool_free(&s->spool);
	s->from_spool = false;
	if (s->file_fd >= 0)
		close(s->file_fd);
	s->file_fd = -1;
}

/* The response has begun: its final headers are out (or being made). */
static bool started(const struct stream *s)
{
	return s->state == ST_BODY || s->state == ST_ANSWERED;
}

/* Answers s with status and a short text, plus the header extra (or none). */
/* Answers s here with status, a body of type ctype, and the header extra
 * (or none); a response already begun is reset instead. */
static void answer_here(struct stream *s, int status, const char *ctype, const void *body,
			size_t len, const struct hdr *extra)
{
	struct hdr h[3] = {{"content-type", 12, (char *)ctype, strlen(ctype)},
			   {"cache-control", 13, "no-store", 8}};
	size_t nh = 2;

	drop_backend(s);
	s->drop_body = true;
	if (started(s)) {
		/* RFC 9113 §8.1: a response that cannot be completed is reset */
		front_reset(s, H2_INTERNAL_ERROR);
		return;
	}
	s->state = ST_ANSWERED;
	s->status = status;
	s->discard = s->method >= 0 && strcmp(hval(s, s->method), "HEAD") == 0;
	buf_free(&s->body);
	if (!s->discard && buf_append(&s->body, body, len) < 0) {
		front_reset(s, H2_INTERNAL_ERROR);
		return;
	}
	s->body_eof = true;
	if (extra)
		h[nh++] = *extra;
	if (submit_final(s, status, h, nh, !s->discard) < 0)
		front_reset(s, H2_INTERNAL_ERROR);
}

static void fail_with(struct stream *s, int status, const struct hdr *extra, const char *why)
{
	char text[96];

	if (s->state == ST_CLOSED || s->conn->dead)
		return;
	log_warn("%s:%u #%d %s %s: %d: %s", s->conn->peer_addr, s->conn->peer_port, s->id,
		 req_method(s), req_target(s), status, why);
	int n = snprintf(text, sizeof(text), "%d %s\n", status, hdr_reason(status));
	answer_here(s, status, "text/plain; charset=utf-8", text, (size_t)n, extra);
}

/* --status-path: the backends' counters as JSON, or (PATH/health) a
 * plain "ok" for load balancers; loopback clients only unless
 * --status-allow all. Returns true when s was the status request. */
static bool status_page(struct stream *s)
{
	const struct config *c = cfg_of(s);
	const char *p = hval(s, s->path);
	size_t pl = c->status_path ? strlen(c->status_path) : 0;

	if (pl == 0 || strncmp(p, c->status_path, pl) != 0 ||
	    (p[pl] != '\0' && p[pl] != '?' && strcmp(p + pl, "/health") != 0))
		return false;
	const char *ip = s->conn->peer_addr;
	bool loopback = strncmp(ip, "127.", 4) == 0 || strcmp(ip, "::1") == 0 ||
			strncmp(ip, "::ffff:127.", 11) == 0;
	if (!loopback && !c->status_all) {
		stream_fail(s, 403, "--status-path from a client that is not on loopback "
				    "(--status-allow all)");
		return true;
	}
	if (strcmp(p + pl, "/health") == 0) {
		answer_here(s, 200, "text/plain; charset=utf-8", "ok\n", 3, NULL);
		return true;
	}
	struct buf b = {0};
	if (stream_env.status == NULL || stream_env.status(&b) < 0) {
		buf_free(&b);
		stream_fail(s, 500, "out of memory");
		return true;
	}
	answer_here(s, 200, "application/json", b.data, b.len, NULL);
	buf_free(&b);
	return true;
}

void stream_fail(struct stream *s, int status, const char *why)
{
	fail_with(s, status, NULL, why);
}

void stream_cut(struct stream *s, const char *why)
{
	if (s->state == ST_CLOSED || s->conn->dead)
		return;
	log_warn("%s:%u #%d %s %s: response cut: %s", s->conn->peer_addr, s->conn->peer_port, s->id,
		 req_method(s), req_target(s), why);
	drop_backend(s); /* the backend's request ends with its connection */
	s->drop_body = true;
	front_reset(s, H2_INTERNAL_ERROR);
}

bool stream_send_stalled(const struct stream *s, uint64_t now, uint64_t ms)
{
	/* bytes wait in the buffer, or in the static file being sent */
	return started(s) && (buf_used(&s->body) > 0 || s->file_fd >= 0 || spool_left(&s->held) > 0) &&
	       now - s->send_wait >= ms;
}

#define BODY_RATE_MS 10000 /* the period --body-min-rate is judged over */

/* A request body must keep coming at --body-min-rate while the client may
 * send it: one byte every 2 s would hold a backend (a CGI process) for the
 * whole script timeout. Not judged while h2cgi itself holds the client back
 * (the backend has not taken half a window yet): that wait is not the
 * client's. 408 (RFC 9110 §15.5.9), or a cut once the response began. */
static void body_rate(struct stream *s, uint64_t now)
{
	const struct config *cfg = cfg_of(s);
	bool judged = cfg->body_min_rate > 0 && !s->req_done && !s->drop_body &&
		      (s->state == ST_SPOOL || s->state == ST_BACKEND || s->state == ST_BODY);

	if (!judged || s->rate_at == 0 || s->unconsumed >= cfg->window / 2) {
		s->rate_at = now;
		s->rate_seen = s->body_seen;
		return;
	}
	if (now - s->rate_at < BODY_RATE_MS)
		return;
	long long got = s->body_seen - s->rate_seen;
	s->rate_at = now;
	s->rate_seen = s->body_seen;
	if (got * 1000 < (long long)cfg->body_min_rate * BODY_RATE_MS) {
		char why[160];
		snprintf(why, sizeof(why), "request body too slow: %lld bytes in %d s, under "
			 "--body-min-rate %d", got, BODY_RATE_MS / 1000, cfg->body_min_rate);
		stream_fail(s, 408, why);
	}
}

void stream_sweep(struct stream *s, uint64_t now)
{
	body_rate(s, now);
	if (s->state != ST_CLOSED)
		upstream_sweep(&s->up, now);
}

/* Reads what the backend sent whenever the body buffer has room. */
static void wake(struct stream *s)
{
	if (s->on_wake_list || s->state == ST_CLOSED)
		return;
	s->on_wake_list = true;
	s->next_wake = wake_list;
	wake_list = s;
}

/* Clients that take interim responses: HTTP/2 and HTTP/1.1 (RFC 9110
 * §15.2: never HTTP/1.0), and only before the final response. */
static bool takes_interim(const struct stream *s)
{
	return !started(s) && strcmp(s->proto, "HTTP/1.0") != 0;
}

/* The learned hints' key: the authority and the path without its query.
 * False when they do not fit: a cut key would mix two paths' hints. */
static bool hint_key(const struct stream *s, char *out, size_t len)
{
	const char *a = hval(s, s->authority), *p = hval(s, s->path);
	int n = snprintf(out, len, "%s %.*s", a ? a : "", (int)strcspn(p, "?"), p);
	return n >= 0 && (size_t)n < len;
}

/* RFC 8297: the route's configured hints and the path's learned ones go
 * out as a 103 the moment the request is routed, before the backend is
 * even contacted (the fork and start-up of a CGI script are the wait a
 * browser can use). */
static void send_early_hints(struct stream *s)
{
	const struct config_route *r = s->sr->conf;
	const char *learned = NULL;
	char key[1024];
	struct hdr h[EARLY_MAX_SENT];
	struct buf store = {0};
	unsigned from;

	if (!takes_interim(s) || (r->nhints == 0 && !r->learn_hints))
		return;
	if (r->learn_hints && strcmp(hval(s, s->method), "GET") == 0) {
		if (hint_key(s, key, sizeof(key)))
			learned = hints_get(key, loop_now());
	}
	size_t n = early_compose(r->hints, r->nhints, learned, &s->hints_sent, h, EARLY_MAX_SENT,
				 &store, &from);
	if (n > 0 && front_submit(s, 103, h, n, false, false) == 0) {
		s->hints_from |= from;
		s->interim++;
	}
	buf_free(&store);
}

/* A 2xx final response to GET teaches its path's hints, or unteaches them. */
static void learn_hints(struct stream *s, const struct hdr *h, size_t n, int status)
{
	const struct config_route *r = s->sr ? s->sr->conf : NULL;
	struct buf links = {0};
	char key[1024];

	if (r == NULL || !r->learn_hints || status < 200 || status > 299 ||
	    strcmp(hval(s, s->method), "GET") != 0)
		return;
	if (!hint_key(s, key, sizeof(key)))
		return;
	int k = early_lesson(h, n, hval(s, s->authority), r->learn_private, &links);
	if (k > 0)
		hints_learn(key, (const char *)links.data, links.len, (unsigned)k, loop_now());
	else if (k == 0)
		hints_forget(key);
	buf_free(&links);
}

static void static_start(struct stream *s);

/* A static route's answer: the file goes out from its descriptor, a
 * buffer at a time (stream_body_ready), whatever its size. */
static void static_start(struct stream *s)
{
	const char *m = s->redir_target ? "GET" : hval(s, s->method);
	struct static_req rq = {
		.method = m,
		.if_none_match = req_field(s, "if-none-match"),
		.if_modified_since = req_field(s, "if-modified-since"),
		.range = req_field(s, "range"),
		.if_range = req_field(s, "if-range"),
		.accept_encoding = req_field(s, "accept-encoding"),
	};
	struct static_resp o;

	s->drop_body = true; /* a request body is read and dropped */
	static_answer(s->route.file, s->sr->root, &rq, &o);
	if (o.status >= 400) {
		/* 405 carries Allow, 416 Content-Range: the last field made */
		char why[300];
		snprintf(why, sizeof(why), "route %s: %s", s->sr->conf->pattern, o.why);
		fail_with(s, o.status, o.nhdr ? &o.hdrs[o.nhdr - 1] : NULL, why);
		return;
	}
	char len[24];
	/* the client's method: a HEAD redirected locally is still a HEAD */
	bool head = strcmp(hval(s, s->method), "HEAD") == 0;
	if (o.status != 304) {
		int n = snprintf(len, sizeof(len), "%lld", o.length);
		o.hdrs[o.nhdr++] = (struct hdr){"content-length", 14, len, (size_t)n};
	}
	s->status = o.status;
	s->state = ST_BODY;
	s->discard = head || o.status == 304;
	s->send_wait = loop_now();
	if (!s->discard && o.length > 0) {
		s->file_fd = o.fd;
		s->file_off = o.offset;
		s->file_left = o.length;
	} else {
		if (o.fd >= 0)
			close(o.fd);
		s->body_eof = true;
	}
	if (submit_final(s, o.status, o.hdrs, o.nhdr, !s->discard) < 0)
		front_reset(s, H2_INTERNAL_ERROR);
}

/* Reads the static file into the body buffer, up to want bytes (at least
 * a frame's worth, at most --stream-buffer). A file that shrank or fails
 * cuts the response (from before-sleep, not from inside nghttp2). */
static void file_fill(struct stream *s, size_t want)
{
	size_t cap = cfg_of(s)->stream_buffer, used = buf_used(&s->body);

	if (want < 16384)
		want = 16384;
	if (want > cap)
		want = cap;
	if (used >= want)
		return;
	size_t n = want - used;
	if ((long long)n > s->file_left)
		n = (size_t)s->file_left;
	if (buf_reserve(&s->body, n) < 0) {
		s->file_error = true;
		wake(s);
		return;
	}
	ssize_t r = pread(s->file_fd, s->body.data + s->body.len, n, s->file_off);
	if (r <= 0) {
		s->file_error = true;
		wake(s);
		close(s->file_fd);
		s->file_fd = -1;
		return;
	}
	s->body.len += (size_t)r;
	s->file_off += r;
	s->file_left -= r;
	if (s->file_left == 0) {
		close(s->file_fd);
		s->file_fd = -1;
		s->body_eof = true;
	}
}

/* Chooses the route for target: returns 0 when a backend is to serve s
 * (s->sr->pool), or -1 when s was answered here (a static file, a
 * redirect, an error). */
static int route(struct stream *s, const char *target)
{
	struct route_match *m = &s->route;

	if (s->site == NULL) {
		s->site = stream_env.site;
		s->site->refs++;
	}
	struct site *site = s->site; /* a local redirect stays on the same routes */
	route_match_free(m);
	s->sr = NULL;
	if (route_match(site->rules, site->n, target, site_probe, NULL, m) < 0) {
		stream_fail(s, 500, "out of memory");
		return -1;
	}
	if (m->rule >= 0)
		s->sr = &site->routes[m->rule];
	if (m->status == 301) {
		struct hdr loc = {"location", 8, m->location, strlen(m->location)};
		fail_with(s, 301, &loc, m->why);
		return -1;
	}
	if (m->status != 0) {
		char why[256];
		snprintf(why, sizeof(why), "%s%s%s", m->rule >= 0 ? "route " : "",
			 m->rule >= 0 ? s->sr->conf->pattern : "", m->rule >= 0 ? ": " : "");
		snprintf(why + strlen(why), sizeof(why) - strlen(why), "%s", m->why);
		stream_fail(s, m->status, why);
		return -1;
	}
	if (s->sr->kind == BACKEND_STATIC) {
		static_start(s);
		return -1;
	}
	return 0;
}

static void local_redirect(struct stream *s, const char *location)
{
	if (++s->redirects > MAX_REDIRECTS) {
		stream_fail(s, 502, "too many local redirects");
		return;
	}
	char *target = strdup(location);
	if (target == NULL) {
		stream_fail(s, 500, "out of memory");
		return;
	}
	upstream_abort(&s->up);
	free(s->redir_target);
	s->redir_target = target;
	resp_free(s);
	/* RFC 3875 §6.2.2: the new request is a GET without a body; a body
	 * still on its way is dropped and its window given back */
	if (s->unconsumed)
		front_consume(s, s->unconsumed);
	s->unconsumed = 0;
	s->drop_body = true;
	spool_free(&s->spool);
	s->from_spool = false;
	if (route(s, target) == 0)
		start_backend(s);
}

/* The final header block goes out; returns -1 when s failed instead. */
static int send_final(struct stream *s)
{
	struct cgiresp *p = s->resp;
	size_t n = hdr_filter_response(p->hdrs, p->nhdr);
	const char *m = hval(s, s->method);

	/* RFC 9110 §8.6: one valid length, or a script could frame the next
	 * response on a kept-alive HTTP/1.1 connection (response splitting) */
	s->resp_length = hdr_content_length(p->hdrs, &n);
	if (s->resp_length == -2) {
		stream_fail(s, 502, "malformed CGI response: invalid or conflicting Content-Length");
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		hdr_lower(p->hdrs[i].name, p->hdrs[i].name_len);
	s->status = p->status;
	learn_hints(s, p->hdrs, n, p->status);
	/* RFC 9110 §9.3.2, §15.3.5, §15.4.5: no content for HEAD, 204, 304 */
	s->discard = (m && strcmp(m, "HEAD") == 0) || p->status == 204 || p->status == 304;
	s->state = ST_BODY;
	s->send_wait = loop_now();
	if (submit_final(s, p->status, p->hdrs, n, !s->discard) < 0) {
		front_reset(s, H2_INTERNAL_ERROR);
		return -1;
	}
	return 0;
}

#define HOLD_AFTER_MS 1000 /* a client taking nothing this long is slow */

/* A client slower than its backend holds that backend (a CGI process, a
 * kept connection) until it has taken all but the buffers' worth of the
 * answer. While other requests wait for that backend, the rest goes to an
 * unlinked file instead, so the backend can finish and serve them (nginx
 * does the same with its temporary files, always): up to --response-spool
 * for one response, and --spool-max for all spools at once. A client that
 * takes its bytes as they come is not slow, even with a full buffer for a
 * moment: only one that took nothing for a second starts a file (a 100 KB
 * answer under load would otherwise cost a file each). */
static bool may_hold(const struct stream *s)
{
	long long max = cfg_of(s)->response_spool, cap = (long long)cfg_of(s)->stream_buffer;

	if (max <= 0 || s->held.len + cap > max || !spool_can_hold(cap) || !upstream_wanted(&s->up))
		return false;
	return s->held.fd >= 0 || loop_now() - s->send_wait >= HOLD_AFTER_MS;
}

/* True when the backend's next bytes go past the body buffer: it is
 * full, or bytes wait in the file already (they come first). */
static bool past_buffer(const struct stream *s)
{
	return spool_left(&s->held) > 0 || buf_used(&s->body) >= cfg_of(s)->stream_buffer;
}

/* Response bytes past the body buffer go to the file; -1: s was cut. */
static int hold(struct stream *s, const uint8_t *data, size_t len)
{
	if (!s->held_logged) {
		s->held_logged = true;
		log_info("%s:%u #%d %s %s: its client is slower than the backend, and requests "
			 "wait for that backend: the rest of the answer is held on disk "
			 "(--response-spool)", s->conn->peer_addr, s->conn->peer_port, s->id,
			 req_method(s), req_target(s));
	}
	if (spool_write(&s->held, data, len) == 0)
		return 0;
	char why[160];
	snprintf(why, sizeof(why), "cannot hold the response on disk: %s", strerror(errno));
	stream_cut(s, why);
	return -1;
}

/* Held bytes back into the body buffer, up to --stream-buffer; the file
 * goes once it is read out (the next hold opens another). A read error
 * cuts the response from before-sleep, not from inside nghttp2. */
static void unhold(struct stream *s)
{
	size_t cap = cfg_of(s)->stream_buffer, used = buf_used(&s->body);

	if (used >= cap)
		return;
	size_t n = cap - used;
	if ((long long)n > spool_left(&s->held))
		n = (size_t)spool_left(&s->held);
	ssize_t r = -1;
	if (buf_reserve(&s->body, n) == 0)
		r = spool_read(&s->held, s->body.data + s->body.len, n);
	if (r <= 0) {
		s->file_error = true;
		wake(s);
		return;
	}
	s->body.len += (size_t)r;
	if (spool_left(&s->held) == 0) {
		spool_free(&s->held);
		wake(s); /* the backend may be read again (stream_body_take
			  * sees room only if none was there before) */
	}
}

/* Response bytes from FCGI_STDOUT; returns -1 when s stopped reading. */
static int on_stdout(struct stream *s, const uint8_t *data, size_t len)
{
	if (started(s)) {
		if (s->discard || len == 0)
			return 0;
		if (s->resp_length >= 0 && s->resp_seen + (long long)len > s->resp_length) {
			stream_cut(s, "the backend sent more body than its Content-Length");
			return -1;
		}
		s->resp_seen += (long long)len;
		if (buf_used(&s->body) == 0)
			s->send_wait = loop_now(); /* the client's turn to read */
		if (past_buffer(s)) {
			if (hold(s, data, len) < 0)
				return -1;
		} else if (buf_reserve_whole(&s->body, len, cfg_of(s)->stream_buffer) < 0 ||
			   buf_append(&s->body, data, len) < 0) {
			stream_fail(s, 500, "out of memory");
			return -1;
		}
		front_resume(s);
		return 0;
	}
	if (s->resp == NULL) {
		/* taken when the backend answers, not for every stream */
		s->resp = spare_take(&resp_blocks, sizeof(*s->resp) + cfg_of(s)->max_header_block);
		if (s->resp == NULL) {
			stream_fail(s, 500, "out of memory");
			return -1;
		}
		cgiresp_init(s->resp, (char *)(s->resp + 1), cfg_of(s)->max_header_block);
	}
	while (len > 0) {
		size_t used;
		enum cgiresp_result r = cgiresp_feed(s->resp, (const char *)data, len, &used);
		data += used;
		len -= used;
		if (r == CGIRESP_MORE)
			return 0;
		if (r == CGIRESP_ERROR) {
			char why[160];
			snprintf(why, sizeof(why), "malformed CGI response: %s", s->resp->err);
			stream_fail(s, 502, why);
			return -1;
		}
		struct cgiresp *p = s->resp;
		if (p->kind == CGIRESP_INFORMATIONAL) {
			/* they wait in the connection's output like body bytes: bounded
			 * by count and by --stream-buffer, whatever the client reads */
			s->interim_bytes += p->len;
			if (++s->interim > MAX_INTERIM ||
			    s->interim_bytes > cfg_of(s)->stream_buffer) {
				stream_fail(s, 502, s->interim > MAX_INTERIM
							? "more than 16 interim (1xx) responses"
							: "interim (1xx) responses over --stream-buffer");
				return -1;
			}
			/* RFC 8297 / RFC 9113 §8.1: relayed now, as a non-final HEADERS,
			 * without the links h2cgi's own 103 announced already */
			size_t n = hdr_filter_response(p->hdrs, p->nhdr);
			struct buf store = {0};
			size_t had_links = 0;
			for (size_t i = 0; i < n; i++) {
				hdr_lower(p->hdrs[i].name, p->hdrs[i].name_len);
				had_links += p->hdrs[i].name_len == 4 &&
					     memcmp(p->hdrs[i].name, "link", 4) == 0;
			}
			if (p->status == 103)
				n = early_filter(&s->hints_sent, p->hdrs, n, &store);
			int rc = 0;
			if (n > 0 || had_links == 0) {
				rc = front_submit(s, p->status, p->hdrs, n, false, false);
				s->hints_from |= p->status == 103 ? EARLY_BACKEND : 0;
			}
			buf_free(&store);
			if (rc < 0) {
				stream_fail(s, 500, "cannot submit informational response");
				return -1;
			}
			cgiresp_next(p);
			continue;
		}
		if (p->kind == CGIRESP_LOCAL_REDIRECT) {
			local_redirect(s, p->location);
			return -1;
		}
		if (send_final(s) < 0)
			return -1;
		resp_free(s);
		return on_stdout(s, data, len);
	}
	return 0;
}

static struct stream *of_up(struct upstream *u)
{
	return (struct stream *)((char *)u - offsetof(struct stream, up));
}

/* What the backend may send now: a block's worth before the response
 * began, then what the body buffer has room for. */
static size_t up_room(struct upstream *u)
{
	struct stream *s = of_up(u);

	if (s->state != ST_BODY || s->discard)
		return SIZE_MAX;
	size_t cap = cfg_of(s)->stream_buffer;
	if (!past_buffer(s))
		return cap - buf_used(&s->body);
	return may_hold(s) ? cap : 0;
}

static int up_stdout(struct upstream *u, const uint8_t *data, size_t len)
{
	/* -1: failed, cut or redirected; s let u go (or started it again) */
	return on_stdout(of_up(u), data, len);
}

/* Body bytes the backend took go back to the client's window (bytes from
 * the spool went back when they were spooled); the spool hands over more. */
static void up_stdin_taken(struct upstream *u, size_t n)
{
	struct stream *s = of_up(u);
	size_t back = n < s->unconsumed ? n : s->unconsumed;

	if (back) {
		s->unconsumed -= back;
		front_consume(s, back);
	}
	if (s->from_spool && spool_pump(s) < 0)
		stream_fail(s, 500, "cannot read the spooled request body");
}

/* "route /app/ (fastcgi unix:/run/app.sock)": for the log lines */
static const char *backend_label(const struct stream *s, char *out, size_t len)
{
	const struct config_route *r = s->sr->conf;

	snprintf(out, len, "route %s (%s %s)", r->pattern, config_kind_name(r->kind), r->backend);
	return out;
}

/* FCGI_END_REQUEST: the response is complete, unless its length or the
 * application status say otherwise. */
static void up_end(struct upstream *u, uint32_t app_status)
{
	struct stream *s = of_up(u);
	char why[500], label[300];

	s->drop_body = true; /* the backend read what it wanted of the body */
	if (!started(s)) {
		snprintf(why, sizeof(why), "%s: %s", backend_label(s, label, sizeof(label)),
			 s->resp && s->resp->len
				? "the backend ended the response inside its header block"
				: "the backend ended the request without any output");
		stream_fail(s, 502, why);
		return;
	}
	bool sized = !s->discard && s->resp_length >= 0;
	if (sized && s->resp_seen < s->resp_length) {
		snprintf(why, sizeof(why), "%s: the backend sent less body than its Content-Length",
			 backend_label(s, label, sizeof(label)));
		stream_cut(s, why);
		return;
	}
	if (app_status != 0 && !s->discard && !sized) {
		/* h2cgi-cgi says so when its script was killed: the body may be
		 * cut anywhere, so the client must not take it for complete */
		snprintf(why, sizeof(why), "%s: the backend ended with application status %u",
			 backend_label(s, label, sizeof(label)), (unsigned)app_status);
		stream_cut(s, why);
		return;
	}
	s->body_eof = true;
	front_resume(s);
}

/* The exchange failed: an error status before the response began, a cut
 * after; either way the log line names the route and the backend. */
static void up_error(struct upstream *u, int status, const char *why, unsigned retry_after)
{
	struct stream *s = of_up(u);
	char line[800], label[300];

	snprintf(line, sizeof(line), "%s: %s", backend_label(s, label, sizeof(label)), why);
	if (started(s)) {
		if (s->body_eof)
			return; /* all of it arrived; only the end record was missing */
		stream_cut(s, line);
		return;
	}
	if (retry_after) {
		/* RFC 9110 §10.2.3: when to try again */
		char secs[16];
		int n = snprintf(secs, sizeof(secs), "%u", retry_after);
		struct hdr ra = {"retry-after", 11, secs, (size_t)n};
		fail_with(s, status, &ra, line);
		return;
	}
	stream_fail(s, status, line);
}

/* "client #stream route script" for the backend's log lines: formatted
 * when the first line needs it, not for every request */
static const char *up_tag(struct upstream *u)
{
	struct stream *s = of_up(u);

	if (s->tag[0] == '\0')
		snprintf(s->tag, sizeof(s->tag), "%s:%u #%d route %s %s", s->conn->peer_addr,
			 s->conn->peer_port, s->id, s->sr->conf->pattern,
			 s->route.script_name ? s->route.script_name : "-");
	return s->tag;
}

static const struct upstream_ops stream_up_ops = {
	.room = up_room,
	.on_stdout = up_stdout,
	.on_stdin_taken = up_stdin_taken,
	.on_end = up_end,
	.on_error = up_error,
	.tag = up_tag,
};

/* Sends the request to the route's backend: at once, after its queue, or
 * (failing) answered by up_error. */
static void start_backend(struct stream *s)
{
	const struct config *cfg = cfg_of(s);
	struct buf params = {0};

	s->tag[0] = '\0'; /* a local redirect's new route and script */
	upstream_init(&s->up, &stream_up_ops, NULL, cfg->stream_buffer,
		      (unsigned)cfg->connect_timeout * 1000U, (unsigned)cfg->backend_timeout * 1000U);
	s->state = ST_BACKEND;
	bool no_body = !s->from_spool && (s->req_done || s->redir_target);
	if (build_params(s, &params) < 0 ||
	    upstream_start(&s->up, s->sr->pool, params.data, params.len, no_body) < 0) {
		buf_free(&params);
		stream_fail(s, 500, "cannot build the FastCGI request");
		return;
	}
	buf_free(&params);
	if (!upstream_busy(&s->up))
		return; /* answered already */
	if (s->from_spool && spool_pump(s) < 0)
		stream_fail(s, 500, "cannot send the request body");
}

/* RFC 9112 §3.2, RFC 9113 §8.3.1: one Host at most, a valid authority,
 * and over HTTP/2 a Host equal to :authority; else 400. */
static bool bad_authority(struct stream *s)
{
	const char *why = NULL;

	if (s->nhost > 1)
		why = "more than one Host field";
	else if (s->authority >= 0 &&
		 !hdr_valid_authority(hval(s, s->authority), s->hdrs[s->authority].value_len))
		why = "invalid authority (Host or :authority): not host[:port] (RFC 9110 §7.2)";
	else if (s->host >= 0 && s->host != s->authority &&
		 strcmp(hval(s, s->host), hval(s, s->authority)) != 0)
		why = "Host field differs from :authority (RFC 9113 §8.3.1)";
	if (why)
		stream_fail(s, 400, why);
	return why != NULL;
}

void stream_on_request(struct stream *s, bool end_stream)
{
	s->state = ST_BACKEND;
	s->req_done = end_stream;
	if (s->hdr_overflow) {
		if (s->path_overflow)
			stream_fail(s, 414, ":path over --max-header-list-size");
		else
			stream_fail(s, 431, "request header block over --max-header-list-size");
		return;
	}
	if (s->method < 0 || s->path < 0) {
		stream_fail(s, 400, "no :method or :path"); /* e.g. CONNECT */
		return;
	}
	if (bad_authority(s))
		return;
	if (status_page(s))
		return;
	if (route(s, hval(s, s->path)) < 0)
		return;
	send_early_hints(s);
	if (s->content_length > cfg_of(s)->max_body) {
		stream_fail(s, 413, "Content-Length over --max-body");
		return;
	}
	if (!end_stream && s->content_length != 0) {
		/* the body comes before a backend is taken: without a length all
		 * of it (RFC 3875 §4.1.2 needs CONTENT_LENGTH), with one a stream
		 * buffer's worth, so a client trickling its body (slowloris) holds
		 * no backend process while it does; --body-min-rate ends it */
		s->state = ST_SPOOL;
		return;
	}
	/* the backend is asked at the end of this loop turn, not now: a stream
	 * the client resets in the same batch of frames (Rapid Reset,
	 * CVE-2023-44487) costs no FastCGI request, no queue place, no process */
	s->start_pending = true;
	wake(s);
}

/* The deferred start, when the request's body comes first. */
static void start_now(struct stream *s)
{
	if (s->start_pending) {
		s->start_pending = false;
		start_backend(s);
	}
}

/* Bytes of a body with a length the spool still takes before the backend
 * is asked (the rest streams); a body without one is spooled whole. */
static size_t prefix_room(const struct stream *s)
{
	size_t cap = cfg_of(s)->stream_buffer;

	if (s->content_length < 0)
		return SIZE_MAX;
	return s->spool.len < (long long)cap ? cap - (size_t)s->spool.len : 0;
}

static int take_body(struct stream *s, const uint8_t *data, size_t len);

/* A stream buffer's worth of a longer body came: the backend is asked, the
 * spooled start goes first (all of it at once: it is at most what the
 * backend's buffer holds), then the rest of data streams. */
static int start_prefixed(struct stream *s, const uint8_t *data, size_t len)
{
	s->from_spool = s->spool_prefix = true;
	start_backend(s);
	return len ? take_body(s, data, len) : 0;
}

int stream_on_body(struct stream *s, const uint8_t *data, size_t len)
{
	start_now(s);
	s->body_seen += (long long)len;
	return take_body(s, data, len);
}

static int take_body(struct stream *s, const uint8_t *data, size_t len)
{
	if (s->drop_body || s->state == ST_ANSWERED) {
		/* answered here, redirected, or the backend stopped reading */
		front_consume(s, len);
		s->discarded += len;
		/* RFC 9113 §8.1: a complete response may end the rest of the request
		 * with RST_STREAM(NO_ERROR); done only past a buffer's worth, as some
		 * clients (curl 7.88) take an early one for a failure */
		if (s->resp_done && s->discarded > cfg_of(s)->stream_buffer)
			front_reset(s, H2_NO_ERROR);
		return 0;
	}
	if (s->state == ST_SPOOL) {
		size_t room = prefix_room(s), take = len < room ? len : room;
		front_consume(s, take); /* held here, not in the window */
		if (s->body_seen > cfg_of(s)->max_body) {
			stream_fail(s, 413, "request body over --max-body");
			return 0;
		}
		if (spool_write(&s->spool, data, take) < 0) {
			bool full = errno == ENOSPC || errno == EDQUOT;
			/* RFC 9110 §15.6.4: a condition that passes, not the client's fault */
			stream_fail(s, full ? 503 : 500, full ? "no room to spool the request body "
						  "(--spool-max, or the disk is full)"
						: "cannot spool the request body");
			return 0;
		}
		if (take < len || (take == room && s->body_seen < s->content_length))
			return start_prefixed(s, data + take, len - take);
		return 0;
	}
	s->unconsumed += len; /* back in the window once the backend took it */
	if (upstream_stdin(&s->up, data, len) < 0)
		return -1;
	return 0;
}

void stream_on_body_end(struct stream *s)
{
	start_now(s);
	s->req_done = true;
	if (s->drop_body || s->state == ST_ANSWERED)
		return;
	if (s->state == ST_SPOOL) {
		s->from_spool = true;
		s->spool_prefix = false;
		s->content_length = s->spool.len;
		start_backend(s);
		return;
	}
	if (upstream_stdin_end(&s->up) < 0)
		stream_fail(s, 500, "out of memory");
}

size_t stream_body_ready(struct stream *s, size_t len, bool *eof)
{
	if (s->file_fd >= 0 && buf_used(&s->body) < len)
		file_fill(s, len);
	if (spool_left(&s->held) > 0 && buf_used(&s->body) < len)
		unhold(s);
	size_t n = buf_used(&s->body);

	*eof = s->body_eof && n <= len && spool_left(&s->held) == 0;
	return n < len ? n : len;
}

void stream_body_take(struct stream *s, uint8_t *out, size_t n)
{
	bool was_paused = up_room(&s->up) == 0;

	if (n > 0)
		memcpy(out, s->body.data + s->body.off, n);
	buf_consume(&s->body, n);
	s->bytes_out += n;
	s->send_wait = loop_now();
	if (was_paused && up_room(&s->up) > 0)
		wake(s); /* not from inside nghttp2: in before-sleep */
}

void stream_run_wakes(void)
{
	while (wake_list) {
		struct stream *s = wake_list;
		wake_list = s->next_wake;
		s->on_wake_list = false;
		if (s->file_error && s->state != ST_CLOSED) {
			stream_cut(s, s->held.fd >= 0 ? "the part of the response held on disk could not "
							"be read back"
						      : "the static file could not be read to its end");
			continue;
		}
		if (s->start_pending && s->state != ST_CLOSED) {
			start_now(s);
			continue;
		}
		if (s->state != ST_CLOSED)
			upstream_resume(&s->up);
	}
}

bool stream_have_wakes(void)
{
	return wake_list != NULL;
}

/* Values in the combined format stay on one line and inside their quotes. */
static void clf_str(char *out, size_t len, const char *v)
{
	static const char hex[] = "0123456789abcdef";
	size_t k = 0;

	for (const unsigned char *p = (const unsigned char *)(v ? v : "-"); *p && k + 5 < len; p++) {
		if (*p < 0x20 || *p == 0x7f || *p == '"' || *p == '\\') {
			out[k++] = '\\';
			out[k++] = 'x';
			out[k++] = hex[*p >> 4];
			out[k++] = hex[*p & 15];
		} else {
			out[k++] = (char)*p;
		}
	}
	out[k] = '\0';
}

/* "backend,configured,learned": where the 103s of s came from */
static const char *hints_word(unsigned from, char *out, size_t len)
{
	snprintf(out, len, "%s%s%s%s%s", from & EARLY_BACKEND ? "backend" : "",
		 (from & EARLY_BACKEND) && (from & ~EARLY_BACKEND) ? "," : "",
		 from & EARLY_CONFIGURED ? "configured" : "",
		 (from & EARLY_CONFIGURED) && (from & EARLY_LEARNED) ? "," : "",
		 from & EARLY_LEARNED ? "learned" : "");
	return out;
}

static void access_line(struct stream *s, uint32_t code)
{
	char when[64], backend[300] = "-", hints[40];
	time_t now = time(NULL);
	struct tm tm;
	double secs = (double)(loop_now() - s->start) / 1000.0;
	const char *route = s->sr ? s->sr->conf->pattern : "-";
	const char *method = hval(s, s->method) ? hval(s, s->method) : "-";
	const char *path = hval(s, s->path) ? hval(s, s->path) : "-";

	if (s->sr)
		snprintf(backend, sizeof(backend), "%s %s", config_kind_name(s->sr->kind),
			 s->sr->conf->backend);
	gmtime_r(&now, &tm);
	if (stream_env.json_log) {
		struct buf b = {0};
		char num[160];
		strftime(when, sizeof(when), "{\"time\":\"%Y-%m-%dT%H:%M:%SZ\",\"client\":", &tm);
		buf_append(&b, when, strlen(when));
		buf_json_str(&b, s->conn->peer_addr);
		buf_append(&b, num, (size_t)snprintf(num, sizeof(num), ",\"port\":%u,\"method\":",
							s->conn->peer_port));
		buf_json_str(&b, method);
		buf_append(&b, ",\"authority\":", 13);
		buf_json_str(&b, hval(s, s->authority));
		buf_append(&b, ",\"path\":", 8);
		buf_json_str(&b, path);
		buf_append(&b, ",\"protocol\":", 12);
		buf_json_str(&b, s->proto);
		buf_append(&b, num, (size_t)snprintf(num, sizeof(num),
			   ",\"status\":%d,\"bytes_in\":%lld,\"bytes_out\":%llu,\"duration\":%.3f,\"route\":",
			   s->status, s->body_seen, s->bytes_out, secs));
		buf_json_str(&b, s->sr ? route : NULL);
		buf_append(&b, ",\"backend\":", 11);
		buf_json_str(&b, s->sr ? backend : NULL);
		buf_append(&b, num, (size_t)snprintf(num, sizeof(num),
						     ",\"stream\":%d,\"reset\":%s,\"early_hints\":\"%s\"}",
						     s->id, code ? "true" : "false",
						     hints_word(s->hints_from, hints, sizeof(hints))));
		if (buf_append(&b, "", 1) == 0)
			log_access("%s", (const char *)b.data);
		buf_free(&b);
		return;
	}
	/* combined, then the route and the duration */
	char p[1024], ref[512], ua[512];
	clf_str(p, sizeof(p), path);
	clf_str(ref, sizeof(ref), req_field(s, "referer"));
	clf_str(ua, sizeof(ua), req_field(s, "user-agent"));
	strftime(when, sizeof(when), "%d/%b/%Y:%H:%M:%S +0000", &tm);
	log_access("%s - - [%s] \"%s %s %s\" %d %llu \"%s\" \"%s\" \"%s\" %.3f%s%s%s", s->conn->peer_addr,
		   when, method, p, s->proto, s->status, s->bytes_out, ref, ua, route, secs,
		   s->hints_from ? " 103=" : "", s->hints_from ? hints_word(s->hints_from, hints, sizeof(hints)) : "",
		   code ? " reset" : "");
}

void stream_on_close(struct stream *s, uint32_t code)
{
	if (s->state == ST_CLOSED)
		return;
	if (s->method >= 0 && log_access_on())
		access_line(s, code);
	drop_backend(s); /* a client gone: the backend hears of it at once */
	s->state = ST_CLOSED;
	if (s->prev)
		s->prev->next = s->next;
	else
		s->conn->streams = s->next;
	if (s->next)
		s->next->prev = s->prev;
	s->next_dead = dead_streams;
	dead_streams = s;
	ndead++;
}

size_t stream_dead_count(void)
{
	return ndead;
}

/* Freed streams past this many in one go: the heap is trimmed, so that a
 * burst (Rapid Reset) gives its memory back to the system. */
#define TRIM_AFTER 512

void stream_free_dead(void)
{
	size_t freed = ndead;

	ndead = 0;
	while (dead_streams) {
		struct stream *s = dead_streams;
		dead_streams = s->next_dead;
		buf_free(&s->hbuf);
		upstream_free(&s->up);
		buf_free(&s->body);
		spool_free(&s->held);
		route_match_free(&s->route);
		if (s->site && --s->site->refs == 0 && s->site != stream_env.site &&
		    stream_env.site_done)
			stream_env.site_done(s->site);
		free(s->hdrs);
		resp_free(s);
		free(s->redir_target);
		spare_give(&stream_blocks, s, sizeof(*s));
	}
	if (freed >= TRIM_AFTER) {
		spare_drop_all();
		malloc_trim(0);
	}
}
