/* CGI response parser (RFC 3875 §6), fed whole and byte by byte. */
#include <string.h>

#include "../../bridge/cgi_response.h"
#include "tap.h"

static char store[4096];

struct outcome {
	int blocks;               /* complete blocks seen */
	int informational;        /* of which 1xx */
	int status;               /* of the last block */
	enum cgiresp_kind kind;
	char first_hdr[64];       /* "name=value" of the last block's first header */
	size_t nhdr;
	size_t body_at;           /* offset where the body starts */
	const char *err;
	char location[64];
};

/* Parses in, step bytes at a time, across 1xx blocks up to the final one. */
static struct outcome parse(const char *in, size_t step)
{
	struct cgiresp p;
	struct outcome o;
	size_t len = strlen(in), pos = 0;

	memset(&o, 0, sizeof(o));
	cgiresp_init(&p, store, sizeof(store));
	while (pos < len) {
		size_t n = len - pos < step ? len - pos : step, used;
		enum cgiresp_result r = cgiresp_feed(&p, in + pos, n, &used);
		pos += used;
		if (r == CGIRESP_ERROR) {
			o.err = p.err;
			return o;
		}
		if (r == CGIRESP_MORE)
			continue;
		o.blocks++;
		o.status = p.status;
		o.kind = p.kind;
		o.nhdr = p.nhdr;
		snprintf(o.first_hdr, sizeof(o.first_hdr), "%.*s=%.*s", (int)p.hdrs[0].name_len,
			 p.hdrs[0].name, (int)p.hdrs[0].value_len, p.hdrs[0].value);
		if (p.location)
			snprintf(o.location, sizeof(o.location), "%s", p.location);
		if (p.kind != CGIRESP_INFORMATIONAL) {
			o.body_at = pos;
			return o;
		}
		o.informational++;
		cgiresp_next(&p);
	}
	o.err = o.err ? o.err : "incomplete";
	return o;
}

static void both(const char *name, const char *in, int status, enum cgiresp_kind kind,
		 int informational, const char *first, size_t body_at)
{
	size_t steps[] = {1, 3, 1 << 16};
	for (size_t s = 0; s < 3; s++) {
		struct outcome o = parse(in, steps[s]);
		ok(o.err == NULL && o.status == status && o.kind == kind &&
			   o.informational == informational && strcmp(o.first_hdr, first) == 0 &&
			   o.body_at == body_at,
		   "%s (step %zu): status %d kind %d 1xx %d first '%s' body@%zu err %s", name,
		   steps[s], o.status, o.kind, o.informational, o.first_hdr, o.body_at,
		   o.err ? o.err : "-");
	}
}

static void bad(const char *name, const char *in)
{
	struct outcome a = parse(in, 1), b = parse(in, 1 << 16);
	ok(a.err != NULL && b.err != NULL && strcmp(a.err, "incomplete") != 0,
	   "%s refused: %s", name, a.err ? a.err : "(accepted)");
}

int main(void)
{
	both("document LF", "Content-Type: text/plain\n\nhello", 200, CGIRESP_DOCUMENT, 0,
	     "Content-Type=text/plain", 26);
	both("document CRLF", "Content-Type: text/plain\r\nX-A:  b c \r\n\r\nhi", 200,
	     CGIRESP_DOCUMENT, 0, "Content-Type=text/plain", 40);
	both("status with reason", "Status: 404 Not Found\nContent-Type: text/html\n\n", 404,
	     CGIRESP_DOCUMENT, 0, "Status=404 Not Found", 47);
	both("status without reason", "Status: 204\n\n", 204, CGIRESP_DOCUMENT, 0, "Status=204", 13);
	both("client redirect", "Location: https://example.org/\n\n", 302,
	     CGIRESP_CLIENT_REDIRECT, 0, "Location=https://example.org/", 32);
	both("client redirect with document",
	     "Status: 301 Moved\nLocation: http://x/\nContent-Type: text/html\n\n<a>", 301,
	     CGIRESP_CLIENT_REDIRECT, 0, "Status=301 Moved", 63);
	both("local redirect", "Location: /cgi-bin/other.cgi?x=1\n\n", 0, CGIRESP_LOCAL_REDIRECT,
	     0, "Location=/cgi-bin/other.cgi?x=1", 34);
	both("protocol-relative Location is a client redirect", "Location: //evil/\n\n", 302,
	     CGIRESP_CLIENT_REDIRECT, 0, "Location=//evil/", 19);
	both("early hints then final",
	     "Status: 103 Early Hints\nLink: </s.css>; rel=preload\n\nStatus: 200 OK\n"
	     "Content-Type: text/html\n\nbody",
	     200, CGIRESP_DOCUMENT, 1, "Status=200 OK", 93);
	both("two 1xx blocks",
	     "Status: 103\nLink: </a>\n\nStatus: 103\nLink: </b>\n\nContent-Type: a/b\n\n", 200,
	     CGIRESP_DOCUMENT, 2, "Content-Type=a/b", 67);
	both("empty value", "Content-Type: text/plain\nX-Empty:\n\n", 200, CGIRESP_DOCUMENT, 0,
	     "Content-Type=text/plain", 35);

	/* RFC 3875 §6.2.4: with a Status (PHP's header("Location: /x")) the
	 * client is redirected, even to a local path */
	both("local path with Status is a client redirect",
	     "Status: 302 Found\nLocation: /login\nContent-Type: text/html\n\n", 302,
	     CGIRESP_CLIENT_REDIRECT, 0, "Status=302 Found", 60);
	/* NPH scripts (RFC 3875 §5): a status line, then ordinary header lines */
	both("NPH status line", "HTTP/1.1 201 Created\r\nContent-Type: text/plain\r\n\r\nx", 201,
	     CGIRESP_DOCUMENT, 0, "Content-Type=text/plain", 50);
	both("NPH status line alone", "HTTP/1.0 204 No Content\n\n", 204, CGIRESP_DOCUMENT, 0,
	     "=", 25);
	both("NPH redirect", "HTTP/1.1 301 Moved\nLocation: /new\n\n", 301,
	     CGIRESP_CLIENT_REDIRECT, 0, "Location=/new", 35);
	bad("NPH status line without a code", "HTTP/1.1 OK\nContent-Type: a/b\n\n");
	bad("NPH 1xx status line", "HTTP/1.1 103 Early\nLink: </a>\n\n");
	bad("NPH status line not first", "Content-Type: a/b\nHTTP/1.1 200 OK\n\n");
	bad("HTTP/2 status line", "HTTP/2 200\nContent-Type: a/b\n\n");

	struct outcome o = parse("Location: /x\n\n", 1);
	ok(strcmp(o.location, "/x") == 0, "Location value is a C string");
	o = parse("Content-Type: a/b\nX-Hop: 1\n\n", 1);
	ok(o.nhdr == 2, "all header lines kept for the filter");

	bad("no CGI field", "X-Foo: bar\n\n");
	bad("no colon", "Content-Type text/plain\n\n");
	bad("space in name", "Content Type: text/plain\n\n");
	bad("empty name", ": x\nContent-Type: a/b\n\n");
	bad("folded line", "Content-Type: text/plain\n more\n\n");
	bad("bare CR in value", "Content-Type: text/pl\rain\n\n");
	bad("control char in value", "Content-Type: te\x01xt\n\n");
	bad("bad status", "Status: 2000\nContent-Type: a/b\n\n");
	bad("status letters", "Status: abc\n\n");
	bad("status 600", "Status: 600\n\n");
	bad("status 101", "Status: 101 Switching Protocols\n\n");
	bad("duplicate Status", "Status: 200\nStatus: 404\n\n");
	bad("duplicate Content-Type", "Content-Type: a/b\nContent-Type: c/d\n\n");
	bad("empty block", "\nhello");
	bad("empty Location", "Location:\n\n");

	/* NUL must be refused even though strlen() above cannot carry it */
	struct cgiresp p;
	size_t used;
	cgiresp_init(&p, store, sizeof(store));
	ok(cgiresp_feed(&p, "Content-Type: a\0b\n\n", 19, &used) == CGIRESP_ERROR,
	   "NUL byte refused");

	/* the block bound */
	char small[32];
	cgiresp_init(&p, small, sizeof(small));
	ok(cgiresp_feed(&p, "Content-Type: text/plain\nX-Long: 0123456789\n\n", 45, &used) ==
		       CGIRESP_ERROR && strstr(p.err, "too large"),
	   "block larger than the buffer refused");

	/* too many header lines */
	static char many[CGIRESP_MAX_HEADERS * 8 + 64];
	size_t m = 0;
	for (int i = 0; i <= CGIRESP_MAX_HEADERS; i++)
		m += (size_t)sprintf(many + m, "X%d: 1\n", i);
	sprintf(many + m, "Content-Type: a/b\n\n");
	o = parse(many, 1 << 16);
	ok(o.err && strstr(o.err, "too many"), "over %d header lines refused", CGIRESP_MAX_HEADERS);

	/* errors are sticky */
	cgiresp_init(&p, store, sizeof(store));
	cgiresp_feed(&p, "bad\n", 4, &used);
	ok(cgiresp_feed(&p, "Content-Type: a/b\n\n", 19, &used) == CGIRESP_ERROR,
	   "parser stays failed");
	return done_testing();
}
