/* HTTP/1.1 request heads and chunked bodies (RFC 9112), and the smuggling
 * cases they must refuse. */
#include <string.h>

#include "../../bridge/h1_parse.h"
#include "tap.h"

static struct h1_request r;

static int head(const char *s)
{
	static char buf[8192];
	size_t n = strlen(s);
	memcpy(buf, s, n);
	return h1_parse_head(buf, n, sizeof(buf), &r);
}

/* body_len: bytes after the head in s */
static void good(const char *name, const char *s, int body_len)
{
	int want_len = (int)strlen(s) - body_len;
	int rc = head(s);
	ok(rc == want_len, "%s: %d bytes (got %d%s%s)", name, want_len, rc, r.err ? ": " : "",
	   r.err ? r.err : "");
}

static void bad(const char *name, const char *s, int status)
{
	int rc = head(s);
	ok(rc == -status && r.err != NULL, "%s: %d (got %d, %s)", name, status, -rc,
	   r.err ? r.err : "no reason");
}

static int chunked(const char *body, size_t step, char *out, size_t *out_len, bool *done)
{
	struct h1_chunked d;
	size_t pos = 0, len = strlen(body), avail = 0;
	h1_chunked_init(&d);
	*out_len = 0;
	*done = false;
	while (pos < len && !*done) {
		avail += step;
		if (pos + avail > len)
			avail = len - pos;
		const uint8_t *data;
		size_t dl;
		ssize_t n = h1_chunked_decode(&d, (const uint8_t *)body + pos, avail, &data, &dl, done);
		if (n < 0)
			return -1;
		if (dl)
			memcpy(out + *out_len, data, dl);
		*out_len += dl;
		pos += (size_t)n;
		avail -= (size_t)n;
	}
	return (int)pos;
}

int main(void)
{
	good("simple GET", "GET /a?b HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	ok(r.method_len == 3 && memcmp(r.target, "/a?b", 4) == 0 && r.target_len == 4 && r.minor == 1 &&
		   r.keep_alive && r.content_length == -1 && !r.chunked && r.nhdr == 1,
	   "GET: fields");
	ok(head("GET / HTTP/1.1\r\nHost: x\r\n") == 0, "incomplete head: 0");
	good("leading empty line skipped", "\r\nGET / HTTP/1.1\r\nHost: x\r\n\r\n", 0);
	good("POST with length", "POST /f HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello", 5);
	ok(r.content_length == 5, "Content-Length 5");
	good("chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n", 0);
	ok(r.chunked && r.content_length == -1, "chunked flagged");
	good("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", 0);
	ok(!r.keep_alive, "HTTP/1.0: no keep-alive by default");
	good("HTTP/1.0 keep-alive", "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", 0);
	ok(r.keep_alive, "HTTP/1.0 with Connection: keep-alive");
	good("close", "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", 0);
	ok(!r.keep_alive, "Connection: close");
	good("expect", "PUT / HTTP/1.1\r\nHost: x\r\nExpect: 100-Continue\r\nContent-Length: 1\r\n\r\n", 0);
	ok(r.expect_continue, "Expect: 100-continue");
	good("h2c upgrade",
	     "GET / HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\n"
	     "HTTP2-Settings: AAMAAABkAAQCAAAAAAIAAAAA\r\n\r\n",
	     0);
	ok(r.upgrade_h2c && r.h2_settings && r.h2_settings->value_len == 24, "h2c upgrade seen");
	good("upgrade without Connection tokens",
	     "GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMA\r\n\r\n", 0);
	ok(!r.upgrade_h2c, "not an h2c upgrade without Connection: Upgrade, HTTP2-Settings");
	good("OWS trimmed", "GET / HTTP/1.1\r\nHost:   x  \r\n\r\n", 0);
	ok(r.host && r.host->value_len == 1 && r.host->value[0] == 'x', "Host value trimmed");

	/* smuggling and malformed heads */
	bad("CL and TE", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	bad("TE and CL", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n", 400);
	bad("duplicate CL", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\n", 400);
	bad("CL list", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3, 3\r\n\r\n", 400);
	bad("CL sign", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length: +3\r\n\r\n", 400);
	bad("CL empty", "POST / HTTP/1.1\r\nHost: x\r\nContent-Length:\r\n\r\n", 400);
	bad("TE chunked twice", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", 400);
	bad("TE gzip, chunked", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 400);
	bad("TE gzip", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n", 501);
	bad("two TE fields", "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	bad("TE in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400);
	bad("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400);
	bad("folded line", "GET / HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", 400);
	bad("bare LF", "GET / HTTP/1.1\nHost: x\n\n", 400);
	bad("bare CR", "GET / HTTP/1.1\r\nHost: x\ry\r\n\r\n", 400);
	{
		static char nul[] = "GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n";
		ok(h1_parse_head(nul, sizeof(nul) - 1, 8192, &r) == -400, "NUL in a field: 400");
	}
	bad("no Host in 1.1", "GET / HTTP/1.1\r\n\r\n", 400);
	bad("two Hosts", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400);
	bad("HTTP/2.0 line", "GET / HTTP/2.0\r\n\r\n", 505);
	bad("HTTP/1.2", "GET / HTTP/1.2\r\nHost: x\r\n\r\n", 505);
	bad("garbage version", "GET / HTTPS/1.1\r\n\r\n", 400);
	bad("no target", "GET  HTTP/1.1\r\n\r\n", 400);
	bad("bad method", "G(T / HTTP/1.1\r\nHost: x\r\n\r\n", 400);
	bad("control char in value", "GET / HTTP/1.1\r\nHost: x\r\nX: \x01\r\n\r\n", 400);
	bad("Expect other", "GET / HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\n\r\n", 417);
	{
		static char big[9000];
		memset(big, 'a', sizeof(big));
		memcpy(big, "GET /", 5);
		ok(h1_parse_head(big, sizeof(big), 8192, &r) == -414,
		   "a request line over the bound: 414 (RFC 9112 §3)");
		memcpy(big, "GET / HTTP/1.1\r\nX: ", 19);
		ok(h1_parse_head(big, sizeof(big), 8192, &r) == -431, "fields over the bound: 431");
	}
	{
		uint8_t st[H1_H2C_SETTINGS_MAX];
		ok(h1_h2c_settings("AAMAAABkAAQAoAAAAAIAAAAA", 24, st, sizeof(st)) == 18,
		   "HTTP2-Settings: three settings decoded");
		ok(h1_h2c_settings("", 0, st, sizeof(st)) == 0, "HTTP2-Settings: empty is no settings");
		ok(h1_h2c_settings("AAMAAABk=", 9, st, sizeof(st)) < 0, "padding refused (RFC 7540 §3.2.1)");
		ok(h1_h2c_settings("AAMA", 4, st, sizeof(st)) < 0, "part of a setting refused");
		ok(h1_h2c_settings("AAMAAAB", 7, st, sizeof(st)) < 0, "a dangling sixth refused");
		ok(h1_h2c_settings("AA+AAABk", 8, st, sizeof(st)) < 0, "base64, not base64url, refused");
		ok(h1_h2c_settings("AAIAAAAC", 8, st, sizeof(st)) < 0, "ENABLE_PUSH 2 refused");
		ok(h1_h2c_settings("AASAAAAA", 8, st, sizeof(st)) < 0, "a window over 2^31-1 refused");
		ok(h1_h2c_settings("AAUAAAAB", 8, st, sizeof(st)) < 0, "MAX_FRAME_SIZE 1 refused");
		ok(h1_h2c_settings("AAMAAABk", 8, st, 5) < 0, "over the buffer refused");
	}

	char out[256];
	size_t ol;
	bool done;
	size_t steps[] = {1, 2, 5, 1000};
	const char *body = "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: t\r\n\r\nNEXT";
	for (size_t i = 0; i < 4; i++) {
		int n = chunked(body, steps[i], out, &ol, &done);
		ok(n == (int)strlen(body) - 4 && done && ol == 11 && memcmp(out, "hello world", 11) == 0,
		   "chunked body, step %zu: data, extension and trailer handled, stops before NEXT",
		   steps[i]);
	}
	ok(chunked("0\r\n\r\n", 1, out, &ol, &done) == 5 && done && ol == 0, "empty chunked body");
	ok(chunked("A\r\n0123456789\r\n0\r\n\r\n", 3, out, &ol, &done) > 0 && ol == 10, "hex size");
	ok(chunked("g\r\n", 10, out, &ol, &done) == -1, "bad chunk size");
	ok(chunked("\r\n", 10, out, &ol, &done) == -1, "empty chunk size");
	ok(chunked("5 \r\nhello\r\n", 10, out, &ol, &done) == -1, "space after the size");
	ok(chunked("-5\r\n", 10, out, &ol, &done) == -1, "negative size");
	ok(chunked("1000000000000000\r\n", 100, out, &ol, &done) == -1, "16 hex digits refused");
	ok(chunked("5\r\nhelloX\r\n", 100, out, &ol, &done) == -1, "missing CRLF after data");
	ok(chunked("5\nhello\r\n", 100, out, &ol, &done) == -1, "bare LF after the size");
	return done_testing();
}
