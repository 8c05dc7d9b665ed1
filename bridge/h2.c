/* h2.c - nghttp2 server session callbacks and response submission. */
#include "h2.h"
#include "proto.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <nghttp2/nghttp2.h>

#include "config.h"
#include "conn.h"
#include "h1_parse.h"
#include "log.h"
#include "loop.h"
#include "stream.h"

#define RESET_MEMORY 128 /* streams we reset whose late frames are ignored */
#define GAP_MEMORY 16    /* ranges of stream ids the client skipped */
/* Frames that carry nothing (PRIORITY, DATA and CONTINUATION without a
 * byte, not ending anything) a connection may send: this many, and a few
 * more per stream it opened; past that, GOAWAY ENHANCE_YOUR_CALM (RFC 9113
 * §10.5: such frames cost the server work and the client nothing). */
#define EMPTY_FRAMES_BASE 1000
#define EMPTY_FRAMES_PER_STREAM 8
/* RST_STREAM from the client: a burst of this many, then this many a
 * second (a token bucket); past that, GOAWAY ENHANCE_YOUR_CALM (Rapid
 * Reset, CVE-2023-44487). Under nghttp2's own bound (1000, 33/s), which
 * says INTERNAL_ERROR and nothing to the log. */
#define RESETS_BURST 900
#define RESETS_PER_SEC 30

/* The HTTP/2 side of a connection. */
struct h2 {
	nghttp2_session *ss;
	int32_t max_id;                  /* highest stream id the client opened */
	int32_t resets[RESET_MEMORY];    /* ring of streams we reset lately */
	int32_t gaps[GAP_MEMORY][2];     /* ring of skipped ids, first..last */
	unsigned ngaps;
	unsigned nresets;
	unsigned long long opened;       /* streams the client opened */
	unsigned long long empty;        /* frames that carried nothing */
	bool calmed;                     /* told ENHANCE_YOUR_CALM */
	unsigned resets_left;            /* RST_STREAM tokens */
	uint64_t resets_at;              /* loop_now() of the last refill */
	unsigned long long rst_count;    /* RST_STREAMs received */
	bool told_invalid;               /* a malformed request was logged */
	nghttp2_mem mem;                 /* nghttp2's allocator for this session */
	void *framebuf;                  /* its output frame buffer, mapped apart */
	bool framebuf_given_back;        /* its pages returned while idle */
	void *page;                      /* its first zeroed 4 KiB (the stream map) */
	bool page_given_back;
};

/* nghttp2 builds every outgoing frame in one buffer of this size that it
 * keeps for the whole session (lib/nghttp2_frame.h: frame header, pad
 * length byte, 16 KiB payload): most of an idle connection's memory. It
 * gets pages of its own, so that an idle connection can hand them back
 * (h2_idle); nothing in it is read before a new frame is written. */
#define H2_FRAMEBUF_LEN (9 + 1 + 16384)
#define H2_PAGE 4096 /* see mem_calloc */

/* Zeroed pages of their own, or NULL (out of mappings, vm.max_map_count:
 * the caller takes heap memory, kept, instead). */
static void *map_apart(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	return p == MAP_FAILED ? NULL : p;
}

static void *mem_malloc(size_t size, void *u)
{
	struct h2 *h = u;

	if (size != H2_FRAMEBUF_LEN || h->framebuf != NULL ||
	    (h->framebuf = map_apart(size)) == NULL)
		return malloc(size);
	return h->framebuf;
}

static void mem_free(void *ptr, void *u)
{
	struct h2 *h = u;

	if (ptr != NULL && ptr == h->framebuf) {
		munmap(ptr, H2_FRAMEBUF_LEN);
		h->framebuf = NULL;
		return;
	}
	if (ptr != NULL && ptr == h->page) {
		munmap(ptr, H2_PAGE);
		h->page = NULL;
		return;
	}
	free(ptr);
}

/* The first zeroed page nghttp2 asks for (its stream map, 256 empty
 * buckets, in 1.52) is mapped apart too: when it is all zeros again on an
 * idle connection (no closed streams are kept) its page goes back, and
 * comes back zeroed. Whatever it holds, a page of zeros dropped reads the
 * same. */
static void *mem_calloc(size_t n, size_t size, void *u)
{
	struct h2 *h = u;

	if (h->page != NULL || size == 0 || n != H2_PAGE / size || n * size != H2_PAGE ||
	    (h->page = map_apart(H2_PAGE)) == NULL)
		return calloc(n, size);
	return h->page;
}

static void *mem_realloc(void *ptr, size_t size, void *u)
{
	struct h2 *h = u;

	if (ptr == NULL) /* how nghttp2_buf_reserve takes a new buffer */
		return mem_malloc(size, u);
	if (ptr != h->framebuf && ptr != h->page)
		return realloc(ptr, size);
	size_t had = ptr == h->framebuf ? H2_FRAMEBUF_LEN : H2_PAGE;
	void *p = malloc(size); /* not done by nghttp2 1.52; kept correct anyway */
	if (p == NULL)
		return NULL;
	memcpy(p, ptr, size < had ? size : had);
	mem_free(ptr, u);
	return p;
}

static nghttp2_session *sess(const struct conn *c)
{
	return c->h2 ? c->h2->ss : NULL;
}

/* RFC 9113 §5.1: frames on a stream we reset may still come and are
 * ignored, so such a stream must be told from one never opened. */
static bool reset_lately(const struct h2 *h, int32_t id)
{
	unsigned n = h->nresets < RESET_MEMORY ? h->nresets : RESET_MEMORY;

	for (unsigned i = 0; i < n; i++)
		if (h->resets[i] == id)
			return true;
	return false;
}

/* True for a frame that carries nothing and ends nothing. */
static bool empty_frame(const nghttp2_frame_hd *hd)
{
	switch (hd->type) {
	case NGHTTP2_PRIORITY:
		return true;
	case NGHTTP2_DATA:
		return hd->length == 0 && !(hd->flags & NGHTTP2_FLAG_END_STREAM);
	case NGHTTP2_CONTINUATION:
		return hd->length == 0 && !(hd->flags & NGHTTP2_FLAG_END_HEADERS);
	default:
		return false;
	}
}

/* RFC 9113 §5.1.1: a client's new stream id must be larger than every one
 * it used before; HEADERS on a lower id that it skipped is a connection
 * error PROTOCOL_ERROR, on one it opened and closed STREAM_CLOSED (§5.1).
 * libnghttp2, keeping no closed streams, cannot tell them apart, so
 * on_begin_frame does, before the block is decoded. Whether the client
 * skipped id when it opened a higher one (lately: an older gap forgotten
 * reads as a closed stream, a connection error too). */
static bool skipped(const struct h2 *h, int32_t id)
{
	unsigned n = h->ngaps < GAP_MEMORY ? h->ngaps : GAP_MEMORY;

	for (unsigned i = 0; i < n; i++)
		if (id >= h->gaps[i][0] && id <= h->gaps[i][1])
			return true;
	return false;
}

static int on_begin_frame(nghttp2_session *ss, const nghttp2_frame_hd *hd, void *u)
{
	struct h2 *h = ((struct conn *)u)->h2;

	if (empty_frame(hd) && ++h->empty > EMPTY_FRAMES_BASE + EMPTY_FRAMES_PER_STREAM * h->opened &&
	    !h->calmed) {
		struct conn *c = u;
		h->calmed = true;
		log_warn("%s:%u: HTTP/2: %llu frames that carry nothing (PRIORITY, empty DATA or "
			 "CONTINUATION) for %llu streams: GOAWAY ENHANCE_YOUR_CALM", c->peer_addr,
			 c->peer_port, h->empty, h->opened);
		nghttp2_session_terminate_session(ss, NGHTTP2_ENHANCE_YOUR_CALM);
		return 0;
	}
	if (hd->type == NGHTTP2_RST_STREAM && !h->calmed) {
		uint64_t now = loop_now();
		uint64_t refill = (now - h->resets_at) * RESETS_PER_SEC / 1000;
		if (refill > 0) {
			h->resets_left = h->resets_left + refill > RESETS_BURST
						 ? RESETS_BURST : h->resets_left + (unsigned)refill;
			h->resets_at = now;
		}
		h->rst_count++;
		if (h->resets_left == 0) {
			struct conn *c = u;
			h->calmed = true;
			log_warn("%s:%u: HTTP/2: %llu RST_STREAM for %llu streams, over %d at once and %d "
				 "a second (Rapid Reset): GOAWAY ENHANCE_YOUR_CALM", c->peer_addr,
				 c->peer_port, h->rst_count, h->opened, RESETS_BURST, RESETS_PER_SEC);
			nghttp2_session_terminate_session(ss, NGHTTP2_ENHANCE_YOUR_CALM);
			return 0;
		}
		h->resets_left--;
	}
	if (hd->type != NGHTTP2_HEADERS || hd->stream_id % 2 == 0)
		return 0;
	if (hd->stream_id > h->max_id) {
		if (hd->stream_id > h->max_id + 2) {
			int32_t *g = h->gaps[h->ngaps++ % GAP_MEMORY];
			g[0] = h->max_id + 2;
			g[1] = hd->stream_id - 2;
		}
		h->max_id = hd->stream_id;
		h->opened++;
		return 0;
	}
	if (nghttp2_session_find_stream(ss, hd->stream_id) != NULL || reset_lately(h, hd->stream_id))
		return 0;
	struct conn *c = u;
	if (skipped(h, hd->stream_id)) {
		/* RFC 9113 §5.1.1: a new stream id must be higher than any used */
		log_info("%s:%u: HTTP/2: HEADERS on stream %d, lower than stream %d already used: "
			 "PROTOCOL_ERROR", c->peer_addr, c->peer_port, hd->stream_id, h->max_id);
		nghttp2_session_terminate_session(ss, NGHTTP2_PROTOCOL_ERROR);
	} else {
		/* RFC 9113 §5.1: HEADERS on a stream that was opened and closed
		 * (nghttp2 keeps no closed streams here, so it is told by its id) */
		log_info("%s:%u: HTTP/2: HEADERS on closed stream %d: STREAM_CLOSED", c->peer_addr,
			 c->peer_port, hd->stream_id);
		nghttp2_session_terminate_session(ss, NGHTTP2_STREAM_CLOSED);
	}
	return 0;
}

static int on_begin_headers(nghttp2_session *ss, const nghttp2_frame *f, void *u)
{
	struct conn *c = u;

	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	struct stream *s = stream_new(c, f->hd.stream_id);
	if (s == NULL)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	nghttp2_session_set_stream_user_data(ss, f->hd.stream_id, s);
	return 0;
}

static int on_header(nghttp2_session *ss, const nghttp2_frame *f, const uint8_t *name,
		     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *u)
{
	if (f->hd.type != NGHTTP2_HEADERS || f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0; /* trailers: not passed to CGI */
	struct stream *s = nghttp2_session_get_stream_user_data(ss, f->hd.stream_id);
	if (s == NULL || stream_on_header(s, name, nl, value, vl) < 0)
		return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
	return 0;
}

static int on_frame_recv(nghttp2_session *ss, const nghttp2_frame *f, void *u)
{
	struct stream *s = nghttp2_session_get_stream_user_data(ss, f->hd.stream_id);

	((struct conn *)u)->last_frame = loop_now(); /* whole frames count, not bytes */
	if (s == NULL || stream_closed(s))
		return 0;
	if (f->hd.type == NGHTTP2_HEADERS && f->headers.cat == NGHTTP2_HCAT_REQUEST) {
		stream_on_request(s, f->hd.flags & NGHTTP2_FLAG_END_STREAM);
		return 0;
	}
	if ((f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM))
		stream_on_body_end(s);
	return 0;
}

/* Logs the first request or frame on c that nghttp2 refused (a malformed
 * request, RFC 9113 §8.1.1, or a frame out of the rules), with the answer
 * nghttp2 gives: RST_STREAM for a stream error, GOAWAY for one on the
 * connection (stream 0). Once per connection, so that a client cannot
 * flood the log. */
static void tell_invalid(struct conn *c, int32_t id, const char *what, int lib_error)
{
	struct h2 *h = c->h2;
	const char *code = "PROTOCOL_ERROR", *rfc = "RFC 9113 §8.1.1", *kind = "malformed request";

	if (h->told_invalid)
		return;
	h->told_invalid = true;
	if (lib_error == NGHTTP2_ERR_FLOW_CONTROL) {
		code = "FLOW_CONTROL_ERROR";
		rfc = "RFC 9113 §6.9.1";
	} else if (lib_error == NGHTTP2_ERR_STREAM_CLOSED) {
		code = "STREAM_CLOSED";
		rfc = "RFC 9113 §5.1";
	} else if (lib_error == NGHTTP2_ERR_FRAME_SIZE_ERROR) {
		code = "FRAME_SIZE_ERROR";
		rfc = "RFC 9113 §4.2";
	}
	if (lib_error != 0 && lib_error != NGHTTP2_ERR_HTTP_HEADER &&
	    lib_error != NGHTTP2_ERR_HTTP_MESSAGING)
		kind = "invalid frame";
	log_info("%s:%u: HTTP/2: stream %d: %s (%s): %s %s (%s; further ones on this connection "
		 "not logged)", c->peer_addr, c->peer_port, id, kind, what,
		 id == 0 ? "GOAWAY" : "RST_STREAM", code, rfc);
}

static int on_invalid_frame(nghttp2_session *ss, const nghttp2_frame *f, int lib_error, void *u)
{
	(void)ss;
	tell_invalid(u, f->hd.stream_id, nghttp2_strerror(lib_error), lib_error);
	return 0;
}

static int on_invalid_header(nghttp2_session *ss, const nghttp2_frame *f, const uint8_t *name,
			     size_t nl, const uint8_t *value, size_t vl, uint8_t flags, void *u)
{
	char what[120];

	(void)ss, (void)value, (void)vl, (void)flags;
	/* the name is a client's bytes: only its printable part, bounded */
	size_t n = 0;
	while (n < nl && n < 40 && name[n] > 0x20 && name[n] < 0x7f)
		n++;
	snprintf(what, sizeof(what), "invalid header field \"%.*s\"%s", (int)n, (const char *)name,
		 n < nl ? "..." : "");
	tell_invalid(u, f->hd.stream_id, what, 0);
	return NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE;
}

static int on_data_chunk(nghttp2_session *ss, uint8_t flags, int32_t id, const uint8_t *data,
			 size_t len, void *u)
{
	struct stream *s = nghttp2_session_get_stream_user_data(ss, id);

	if (s == NULL || stream_closed(s)) {
		nghttp2_session_consume(ss, id, len);
		return 0;
	}
	return stream_on_body(s, data, len) < 0 ? NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE : 0;
}

static int on_stream_close(nghttp2_session *ss, int32_t id, uint32_t code, void *u)
{
	struct stream *s = nghttp2_session_get_stream_user_data(ss, id);

	if (s != NULL)
		stream_on_close(s, code);
	return 0;
}

static int on_frame_send(nghttp2_session *ss, const nghttp2_frame *f, void *u)
{
	if (f->hd.type == NGHTTP2_GOAWAY && f->goaway.error_code != NGHTTP2_NO_ERROR &&
	    !((struct conn *)u)->h2->calmed) {
		struct conn *c = u;
		/* ours are logged where they are decided; nghttp2's own (a flood
		 * of resets, a protocol error) here */
		log_info("%s:%u: HTTP/2: GOAWAY %s sent after stream %d", c->peer_addr, c->peer_port,
			 nghttp2_http2_strerror(f->goaway.error_code), f->goaway.last_stream_id);
	}
	if (f->hd.type == NGHTTP2_RST_STREAM) {
		struct h2 *h = ((struct conn *)u)->h2;
		h->resets[h->nresets++ % RESET_MEMORY] = f->hd.stream_id;
	}
	if ((f->hd.type == NGHTTP2_DATA || f->hd.type == NGHTTP2_HEADERS) &&
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM)) {
		struct stream *s = nghttp2_session_get_stream_user_data(ss, f->hd.stream_id);
		if (s != NULL)
			s->resp_done = true;
	}
	return 0;
}

/* The data provider only measures: the bytes are copied once, straight from
 * the stream's body buffer into the connection's output, by send_data. */
static ssize_t read_body(nghttp2_session *ss, int32_t id, uint8_t *buf, size_t len,
			 uint32_t *flags, nghttp2_data_source *src, void *u)
{
	bool eof = false;
	size_t n = stream_body_ready(src->ptr, len, &eof);

	if (eof)
		*flags |= NGHTTP2_DATA_FLAG_EOF;
	else if (n == 0)
		return NGHTTP2_ERR_DEFERRED;
	*flags |= NGHTTP2_DATA_FLAG_NO_COPY;
	return (ssize_t)n;
}

static int send_data(nghttp2_session *ss, nghttp2_frame *f, const uint8_t *framehd, size_t len,
		     nghttp2_data_source *src, void *u)
{
	struct conn *c = u;
	/* no padding callback is set, so frames carry no padding */
	if (buf_reserve(&c->out, 9 + len) < 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	memcpy(c->out.data + c->out.len, framehd, 9);
	c->out.len += 9;
	stream_body_take(src->ptr, c->out.data + c->out.len, len);
	c->out.len += len;
	return 0;
}

static int h2_start(struct conn *c)
{
	nghttp2_session_callbacks *cb;
	nghttp2_option *opt;
	const struct config *cfg = c->cfg;
	int rc;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return -1;
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb, on_begin_headers);
	nghttp2_session_callbacks_set_on_header_callback(cb, on_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, on_frame_recv);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cb, on_data_chunk);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, on_stream_close);
	nghttp2_session_callbacks_set_on_frame_send_callback(cb, on_frame_send);
	nghttp2_session_callbacks_set_on_begin_frame_callback(cb, on_begin_frame);
	nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(cb, on_invalid_frame);
	nghttp2_session_callbacks_set_on_invalid_header_callback(cb, on_invalid_header);
	nghttp2_session_callbacks_set_send_data_callback(cb, send_data);
	if (nghttp2_option_new(&opt) != 0) {
		nghttp2_session_callbacks_del(cb);
		return -1;
	}
	/* the window opens only when the backend took the bytes (back-pressure) */
	nghttp2_option_set_no_auto_window_update(opt, 1);
	/* closed streams are not kept for the RFC 7540 priority tree (RFC 9113
	 * deprecates it): nghttp2 would keep up to --max-concurrent-streams of
	 * them per connection. HEADERS on one is told apart in on_begin_frame,
	 * late frames on streams we reset by reset_lately. */
	nghttp2_option_set_no_closed_streams(opt, 1);
	c->h2 = calloc(1, sizeof(*c->h2));
	if (c->h2) {
		c->h2->resets_left = RESETS_BURST;
		c->h2->resets_at = loop_now();
		c->h2->mem = (nghttp2_mem){ c->h2, mem_malloc, mem_free, mem_calloc, mem_realloc };
	}
	rc = c->h2 ? nghttp2_session_server_new3(&c->h2->ss, cb, c, opt, &c->h2->mem) : -1;
	nghttp2_option_del(opt);
	nghttp2_session_callbacks_del(cb);
	if (rc != 0) {
		free(c->h2);
		c->h2 = NULL;
		return -1;
	}

	nghttp2_settings_entry iv[] = {
		{NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, (uint32_t)cfg->max_streams},
		{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, (uint32_t)cfg->window},
		{NGHTTP2_SETTINGS_MAX_FRAME_SIZE, (uint32_t)cfg->max_frame},
		{NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE, (uint32_t)cfg->max_header_list},
		{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
	};
	if (nghttp2_submit_settings(sess(c), NGHTTP2_FLAG_NONE, iv, sizeof(iv) / sizeof(iv[0])) != 0)
		return -1;
	/* the connection window bounds the request body held per connection */
	if (nghttp2_session_set_local_window_size(sess(c), NGHTTP2_FLAG_NONE, 0,
						  (int32_t)cfg->conn_window) != 0)
		return -1;
	return 0;
}

int h2_upgrade(struct conn *c, const char *settings_b64, size_t len, struct stream *s, bool head)
{
	uint8_t settings[H1_H2C_SETTINGS_MAX];
	long n = h1_h2c_settings(settings_b64, len, settings, sizeof(settings));

	if (n < 0 || h2_start(c) < 0)
		return -1;
	/* RFC 7540 §3.2: the request that carried the upgrade is stream 1 */
	if (nghttp2_session_upgrade2(sess(c), settings, (size_t)n, head, s) != 0)
		return -1;
	s->id = 1;
	c->h2->max_id = 1;
	return 0;
}

static int h2_recv(struct conn *c, const uint8_t *data, size_t len)
{
	ssize_t n = nghttp2_session_mem_recv(sess(c), data, len);

	if (n == NGHTTP2_ERR_TOO_MANY_CONTINUATIONS || n == NGHTTP2_ERR_FLOODED) {
		/* a flood: said to the client (GOAWAY after its last frame, then
		 * the staged close) and to the admin, whatever --verbose says */
		log_warn("%s:%u: HTTP/2: %s: GOAWAY ENHANCE_YOUR_CALM", c->peer_addr, c->peer_port,
			 nghttp2_strerror((int)n));
		c->h2->calmed = true;
		nghttp2_session_terminate_session(sess(c), NGHTTP2_ENHANCE_YOUR_CALM);
		return 0;
	}
	if (n < 0) {
		if (c->cfg->verbose)
			log_info("%s:%u: HTTP/2: %s", c->peer_addr, c->peer_port,
				 nghttp2_strerror((int)n));
		return -1;
	}
	return 0;
}

static int h2_fill(struct conn *c)
{
	while (sess(c) != NULL && buf_used(&c->out) < CONN_OUT_HIGH) {
		const uint8_t *p;
		ssize_t n = nghttp2_session_mem_send(sess(c), &p);
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		c->h2->framebuf_given_back = c->h2->page_given_back = false;
		if (buf_append(&c->out, p, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

/* The connection has had no stream and nothing to send for a while: its
 * frame buffer's pages go back to the kernel (they come back zeroed at the
 * next frame), and its stream map's page when it is all zeros. */
static void h2_idle(struct conn *c)
{
	static const uint8_t zeros[H2_PAGE];
	struct h2 *h = c->h2;

	if (h == NULL)
		return;
	if (h->page != NULL && !h->page_given_back && memcmp(h->page, zeros, H2_PAGE) == 0 &&
	    madvise(h->page, H2_PAGE, MADV_DONTNEED) == 0)
		h->page_given_back = true;
	if (h->framebuf == NULL || h->framebuf_given_back || nghttp2_session_want_write(h->ss))
		return;
	if (madvise(h->framebuf, H2_FRAMEBUF_LEN, MADV_DONTNEED) == 0)
		h->framebuf_given_back = true;
}

static bool h2_finished(struct conn *c)
{
	return sess(c) == NULL ||
	       (!nghttp2_session_want_read(sess(c)) && !nghttp2_session_want_write(sess(c)));
}

static void h2_goaway(struct conn *c)
{
	if (sess(c) == NULL)
		return;
	nghttp2_submit_goaway(sess(c), NGHTTP2_FLAG_NONE, nghttp2_session_get_last_proc_stream_id(sess(c)),
			      NGHTTP2_NO_ERROR, NULL, 0);
}

static void h2_free(struct conn *c)
{
	if (c->h2 == NULL)
		return;
	nghttp2_session_del(c->h2->ss);
	free(c->h2);
	c->h2 = NULL;
}

int h2_submit(struct stream *s, int status, const struct hdr *h, size_t n, bool final,
	      bool has_body)
{
	struct conn *c = s->conn;
	char code[4] = {(char)('0' + status / 100), (char)('0' + status / 10 % 10),
			(char)('0' + status % 10), 0};
	nghttp2_nv stack[32], *nv = n + 1 <= 32 ? stack : malloc((n + 1) * sizeof(*nv));
	int rc;

	if (sess(c) == NULL || nv == NULL) {
		if (nv != stack)
			free(nv);
		return -1;
	}
	nv[0] = (nghttp2_nv){(uint8_t *)":status", (uint8_t *)code, 7, 3, NGHTTP2_NV_FLAG_NONE};
	for (size_t i = 0; i < n; i++)
		nv[i + 1] = (nghttp2_nv){(uint8_t *)h[i].name, (uint8_t *)h[i].value, h[i].name_len,
					 h[i].value_len, NGHTTP2_NV_FLAG_NONE};
	if (!final) {
		rc = nghttp2_submit_headers(sess(c), NGHTTP2_FLAG_NONE, s->id, NULL, nv, n + 1, NULL);
	} else {
		nghttp2_data_provider prd = {.source.ptr = s, .read_callback = read_body};
		rc = nghttp2_submit_response(sess(c), s->id, nv, n + 1, has_body ? &prd : NULL);
	}
	if (nv != stack)
		free(nv);
	conn_schedule_flush(c);
	return rc == 0 ? 0 : -1;
}

void h2_resume(struct stream *s)
{
	if (sess(s->conn) == NULL)
		return;
	nghttp2_session_resume_data(sess(s->conn), s->id);
	conn_schedule_flush(s->conn);
}

void h2_reset(struct stream *s, uint32_t code)
{
	if (sess(s->conn) == NULL)
		return;
	nghttp2_submit_rst_stream(sess(s->conn), NGHTTP2_FLAG_NONE, s->id, code);
	conn_schedule_flush(s->conn);
}

void h2_consume(struct stream *s, size_t n)
{
	if (sess(s->conn) == NULL || n == 0)
		return;
	nghttp2_session_consume(sess(s->conn), s->id, n);
	conn_schedule_flush(s->conn);
}

const struct proto_ops h2_proto = {
	.name = "h2",
	.start = h2_start,
	.recv = h2_recv,
	.fill = h2_fill,
	.finished = h2_finished,
	.goaway = h2_goaway,
	.idle = h2_idle,
	.free = h2_free,
	.submit = h2_submit,
	.resume = h2_resume,
	.reset = h2_reset,
	.consume = h2_consume,
};
