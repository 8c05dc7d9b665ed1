/* stream.c against a scripted fake upstream and a fake protocol: what a
 * stream asks of its backend (start, body, end, resume, abort) and what
 * it makes of what the backend says (headers, body, end, errors before and
 * after the response began, a local redirect, back-pressure). The
 * upstream_* functions below stand in for upstream.c at link time. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/config.h"
#include "../../bridge/conn.h"
#include "../../bridge/log.h"
#include "../../bridge/proto.h"
#include "../../bridge/site.h"
#include "../../bridge/stream.h"
#include "tap.h"

/* ---- the fake upstream: records what the stream asked ---- */
static struct {
	int starts, aborts, resumes, ends;
	size_t stdin_bytes, held;
	bool wanted;                  /* requests wait for the backend */
	char params[8192];
	size_t params_len;
	struct upstream *u;
} up;

void upstream_init(struct upstream *u, const struct upstream_ops *ops, const char *tag,
		   size_t buffer, unsigned c, unsigned b)
{
	(void)c;
	(void)b;
	u->ops = ops;
	u->tag = tag;
	u->buffer = buffer;
}

int upstream_start(struct upstream *u, struct pool *p, const uint8_t *params, size_t len,
		   bool body_done)
{
	(void)p;
	up.starts++;
	up.ends += body_done;
	up.u = u;
	u->state = UP_ACTIVE;
	if (len > sizeof(up.params))
		len = sizeof(up.params);
	memcpy(up.params, params, len);
	up.params_len = len;
	return 0;
}

int upstream_stdin(struct upstream *u, const uint8_t *data, size_t len)
{
	(void)u;
	(void)data;
	up.stdin_bytes += len;
	up.held += len;
	return 0;
}

int upstream_stdin_end(struct upstream *u)
{
	(void)u;
	up.ends++;
	return 0;
}

bool upstream_wanted(const struct upstream *u)
{
	(void)u;
	return up.wanted;
}

size_t upstream_stdin_held(const struct upstream *u)
{
	(void)u;
	return up.held;
}

void upstream_resume(struct upstream *u)
{
	(void)u;
	up.resumes++;
}

void upstream_abort(struct upstream *u)
{
	if (u->state != UP_IDLE)
		up.aborts++;
	u->state = UP_IDLE;
}

void upstream_sweep(struct upstream *u, uint64_t now)
{
	(void)u;
	(void)now;
}

bool upstream_busy(const struct upstream *u)
{
	return u->state != UP_IDLE;
}

void upstream_free(struct upstream *u)
{
	upstream_abort(u);
}

/* ---- the fake protocol: records what the stream said ---- */
static struct {
	int submits, finals, resumes, resets;
	int status;
	uint32_t code;
	size_t consumed;
	char retry_after[16];
} front;

static int f_submit(struct stream *s, int status, const struct hdr *h, size_t n, bool final,
		    bool has_body)
{
	(void)s;
	(void)has_body;
	front.submits++;
	front.finals += final;
	front.status = status;
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == 11 && memcmp(h[i].name, "retry-after", 11) == 0)
			snprintf(front.retry_after, sizeof(front.retry_after), "%.*s",
				 (int)h[i].value_len, h[i].value);
	return 0;
}

static void f_resume(struct stream *s)
{
	(void)s;
	front.resumes++;
}

static void f_reset(struct stream *s, uint32_t code)
{
	(void)s;
	front.resets++;
	front.code = code;
}

static void f_consume(struct stream *s, size_t n)
{
	(void)s;
	front.consumed += n;
}

static const struct proto_ops fake_ops = {
	.name = "fake", .submit = f_submit, .resume = f_resume, .reset = f_reset, .consume = f_consume,
};

static struct conn conn;

static struct stream *request(const char *method, const char *path, const char *length,
			      bool end_stream)
{
	static int32_t id = 1;
	struct stream *s = stream_new(&conn, id += 2);
	const char *h[][2] = {{":method", method}, {":scheme", "https"}, {":path", path},
			      {":authority", "example.org"}, {"content-length", length}};

	memset(&up, 0, sizeof(up));
	memset(&front, 0, sizeof(front));
	for (size_t i = 0; i < 5; i++)
		if (h[i][1])
			stream_on_header(s, (const uint8_t *)h[i][0], strlen(h[i][0]),
					 (const uint8_t *)h[i][1], strlen(h[i][1]));
	stream_on_request(s, end_stream);
	stream_run_wakes(); /* the end of the loop turn: the backend is asked */
	return s;
}

static bool params_have(const char *name, const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);
	for (size_t i = 0; i + nl + vl <= up.params_len; i++)
		if (memcmp(up.params + i, name, nl) == 0 && memcmp(up.params + i + nl, value, vl) == 0)
			return true;
	return false;
}

static size_t drain(struct stream *s, bool *eof)
{
	uint8_t out[1 << 16];
	size_t n = stream_body_ready(s, sizeof(out), eof);
	stream_body_take(s, out, n);
	return n;
}

static void say(struct stream *s, const char *text)
{
	s->up.ops->on_stdout(&s->up, (const uint8_t *)text, strlen(text));
}

int main(void)
{
	struct config cfg;
	struct site site;
	char err[256];
	char *argv[] = {"h2cgi", "--fastcgi", "unix:/nonexistent.sock", "--stream-buffer", "16384", NULL};
	bool eof;

	log_init("test_stream");
	if (config_parse(&cfg, 5, argv) != 0 || site_build(&site, &cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "setup: %s\n", err);
		return 1;
	}
	stream_env.site = &site;
	stream_env.spool_dir = "/tmp";
	stream_env.software = "h2cgi/test";
	conn.cfg = &cfg;
	conn.ops = &fake_ops;
	strcpy(conn.peer_addr, "192.0.2.1");
	conn.peer_port = 4242;

	/* a GET: the request goes out whole, the answer comes back */
	struct stream *s = request("GET", "/app/x?y=1", NULL, true);
	ok(up.starts == 1 && up.ends == 1, "a GET starts the backend and ends its body at once");
	ok(params_have("QUERY_STRING", "y=1") && params_have("REQUEST_METHOD", "GET"),
	   "its PARAMS carry the request");
	ok(s->state == ST_BACKEND, "state: with the backend");
	say(s, "Content-Type: text/plain\r\n\r\nhello");
	ok(front.finals == 1 && front.status == 200 && s->state == ST_BODY,
	   "the header block becomes the final response");
	s->up.ops->on_end(&s->up, 0);
	ok(drain(s, &eof) == 5 && eof, "the body follows, and its end");
	stream_on_close(s, 0);
	stream_free_dead();

	/* a short body with a length is held until its end: a client that
	 * trickles it holds no backend meanwhile */
	s = request("POST", "/app/form", "10", false);
	stream_on_body(s, (const uint8_t *)"01234", 5);
	ok(up.starts == 0 && s->state == ST_SPOOL && front.consumed == 5,
	   "a body under --stream-buffer: held, backend not started yet");
	stream_on_body(s, (const uint8_t *)"56789", 5);
	stream_on_body_end(s);
	ok(up.starts == 1 && params_have("CONTENT_LENGTH", "10") && up.stdin_bytes == 10 &&
	   up.ends == 1, "complete: the backend gets it whole, then its end");
	stream_on_close(s, 0);
	stream_free_dead();

	/* a longer one: a stream buffer's worth is held, then the backend is
	 * asked and the rest goes as it comes; its window comes back only once
	 * the backend took it */
	static uint8_t big[16384 + 100];
	s = request("POST", "/app/form", "40000", false);
	stream_on_body(s, big, 16000);
	ok(up.starts == 0 && s->state == ST_SPOOL, "16000 of 40000 bytes: held");
	stream_on_body(s, big, 500);
	ok(up.starts == 1 && up.stdin_bytes == 16500 && up.ends == 0 && front.consumed == 16384,
	   "past 16384 (--stream-buffer): started, held part and the rest handed over, body not ended");
	s->up.ops->on_stdin_taken(&s->up, 16500);
	ok(front.consumed == 16500, "taken: the rest's window is given back");
	stream_on_body(s, big, 10);
	ok(up.stdin_bytes == 16510 && front.consumed == 16500, "more streams, window not back yet");
	stream_on_close(s, 0);
	ok(up.aborts == 1, "a stream closed early aborts its backend exchange");
	stream_free_dead();

	/* a body without a length waits for its end in the spool */
	s = request("POST", "/app/chunked", NULL, false);
	stream_on_body(s, (const uint8_t *)"abc", 3);
	stream_on_body(s, (const uint8_t *)"def", 3);
	ok(up.starts == 0 && s->state == ST_SPOOL && front.consumed == 6,
	   "no length: held (window back at once), backend not started");
	stream_on_body_end(s);
	ok(up.starts == 1 && params_have("CONTENT_LENGTH", "6") && up.stdin_bytes == 6 &&
	   up.ends == 1, "complete: sent with CONTENT_LENGTH 6, then its end");
	stream_on_close(s, 0);
	stream_free_dead();

	/* errors before the response began become statuses */
	s = request("GET", "/app/busy", NULL, true);
	s->up.ops->on_error(&s->up, 503, "every backend address is down", 7);
	ok(front.finals == 1 && front.status == 503 && strcmp(front.retry_after, "7") == 0 &&
	   s->state == ST_ANSWERED, "an error before the response: 503 with Retry-After 7");
	stream_on_close(s, 0);
	stream_free_dead();

	s = request("GET", "/app/slow", NULL, true);
	s->up.ops->on_error(&s->up, 504, "sent nothing for --backend-timeout", 0);
	ok(front.status == 504 && front.resets == 0, "a timeout before the response: 504");
	stream_on_close(s, 0);
	stream_free_dead();

	/* ...and after it began, a reset */
	s = request("GET", "/app/cut", NULL, true);
	say(s, "Content-Type: text/plain\r\n\r\npart");
	s->up.ops->on_error(&s->up, 502, "closed the connection mid-request", 0);
	ok(front.finals == 1 && front.resets == 1 && front.code == H2_INTERNAL_ERROR,
	   "an error after the response began: RST_STREAM(INTERNAL_ERROR)");
	stream_on_close(s, 0);
	stream_free_dead();

	/* a response shorter than its Content-Length is cut */
	s = request("GET", "/app/short", NULL, true);
	say(s, "Content-Type: text/plain\r\nContent-Length: 10\r\n\r\nabc");
	s->up.ops->on_end(&s->up, 0);
	ok(front.resets == 1, "shorter than its Content-Length: cut");
	stream_on_close(s, 0);
	stream_free_dead();

	/* a local redirect starts a new exchange for the new path */
	s = request("GET", "/app/old", NULL, true);
	say(s, "Location: /app/new?z=2\r\n\r\n");
	ok(up.aborts == 1 && up.starts == 2 && params_have("QUERY_STRING", "z=2"),
	   "a local redirect: the first exchange aborted, a GET of the new path started");
	ok(front.submits == 0, "nothing sent to the client yet");
	stream_on_close(s, 0);
	stream_free_dead();

	/* back-pressure: the backend is read only while the body buffer has
	 * room, and resumed once the client took some */
	s = request("GET", "/app/big", NULL, true);
	say(s, "Content-Type: text/plain\r\n\r\n");
	char chunk[16384];
	memset(chunk, 'z', sizeof(chunk));
	s->up.ops->on_stdout(&s->up, (const uint8_t *)chunk, sizeof(chunk));
	ok(s->up.ops->room(&s->up) == 0, "a full body buffer: no room for the backend");
	drain(s, &eof);
	ok(s->up.ops->room(&s->up) == 16384 && !eof, "drained: room again");
	stream_run_wakes();
	ok(up.resumes == 1, "and the backend is resumed (from before-sleep)");
	stream_on_close(s, 0);
	stream_free_dead();

	/* --response-spool: while requests wait for the backend, bytes past
	 * the full buffer go to a file, and come back in order */
	s = request("GET", "/app/held", NULL, true);
	say(s, "Content-Type: text/plain\r\n\r\n");
	for (int i = 0; i < 4; i++) {
		memset(chunk, 'a' + i, sizeof(chunk));
		if (i == 1) {
			up.wanted = true;
			ok(s->up.ops->room(&s->up) == 0, "a request waits, but the client took "
							 "bytes less than a second ago: no room");
			s->send_wait = loop_now() - 1000; /* it took nothing since */
		}
		s->up.ops->on_stdout(&s->up, (const uint8_t *)chunk, sizeof(chunk));
	}
	ok(s->held.fd >= 0 && spool_left(&s->held) == 3 * 16384,
	   "the buffer full and a request waiting: 48 KB held in a file");
	ok(s->up.ops->room(&s->up) == 16384, "the backend may go on");
	up.wanted = false;
	ok(s->up.ops->room(&s->up) == 0, "nobody waits any more: no room past the buffer");
	bool order = true;
	size_t total = 0;
	for (int i = 0; i < 4; i++) {
		uint8_t out[16384];
		size_t n = stream_body_ready(s, sizeof(out), &eof);
		stream_body_take(s, out, n);
		total += n;
		order = order && n == sizeof(out) && out[0] == 'a' + i && out[n - 1] == 'a' + i;
	}
	ok(order && total == 4 * 16384, "the client gets the four pieces in order");
	ok(s->held.fd < 0 && s->up.ops->room(&s->up) == 16384, "read out: the file is gone, room again");
	stream_run_wakes();
	stream_on_close(s, 0);
	stream_free_dead();

	/* the file read out by a piece smaller than the buffer's room: the
	 * backend is resumed then, not a second later by the sweep */
	s = request("GET", "/app/held2", NULL, true);
	say(s, "Content-Type: text/plain\r\n\r\n");
	memset(chunk, 'x', sizeof(chunk));
	s->up.ops->on_stdout(&s->up, (const uint8_t *)chunk, sizeof(chunk));
	up.wanted = true;
	s->send_wait = loop_now() - 1000;
	s->up.ops->on_stdout(&s->up, (const uint8_t *)chunk, 100);
	up.wanted = false;
	drain(s, &eof);
	stream_run_wakes();
	int resumes = up.resumes;
	drain(s, &eof);
	stream_run_wakes();
	ok(s->held.fd < 0 && up.resumes == resumes + 1,
	   "the last 100 held bytes read back: the backend is resumed at once");
	stream_on_close(s, 0);
	stream_free_dead();

	/* a malformed header block: 502 */
	s = request("GET", "/app/bad", NULL, true);
	say(s, "no colon here\r\n\r\n");
	ok(front.status == 502 && up.aborts == 1, "a malformed CGI response: 502, backend let go");
	stream_on_close(s, 0);
	stream_free_dead();

	/* Rapid Reset: a stream the client resets in the same batch of frames
	 * as its HEADERS never reaches a backend (asked at the turn's end) */
	memset(&up, 0, sizeof(up));
	s = stream_new(&conn, 1001);
	stream_on_header(s, (const uint8_t *)":method", 7, (const uint8_t *)"GET", 3);
	stream_on_header(s, (const uint8_t *)":path", 5, (const uint8_t *)"/app/r", 6);
	stream_on_header(s, (const uint8_t *)":authority", 10, (const uint8_t *)"example.org", 11);
	stream_on_request(s, true);
	ok(up.starts == 0 && stream_dead_count() == 0, "HEADERS: the backend not asked yet");
	stream_on_close(s, 8);
	ok(stream_dead_count() == 1, "RST_STREAM: closed, waiting to be freed");
	stream_run_wakes();
	ok(up.starts == 0 && up.aborts <= 1, "the turn ends: still no backend asked");
	stream_free_dead();
	ok(stream_dead_count() == 0, "and it is freed");

	site_free(&site);
	config_free(&cfg);
	return done_testing();
}
