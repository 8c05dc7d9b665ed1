/* The hop-by-hop filter and header validity checks. */
#include <string.h>

#include "../../bridge/headers.h"
#include "tap.h"

static struct hdr H(const char *n, const char *v)
{
	struct hdr h = {(char *)n, strlen(n), (char *)v, strlen(v)};
	return h;
}

static int has(const struct hdr *h, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == strlen(name) && memcmp(h[i].name, name, h[i].name_len) == 0)
			return 1;
	return 0;
}

int main(void)
{
	const char *hop[] = {"Connection", "keep-alive", "Proxy-Connection", "TRANSFER-ENCODING",
			     "Upgrade",	   "TE",	 "HTTP2-Settings"};
	for (size_t i = 0; i < sizeof(hop) / sizeof(hop[0]); i++)
		ok(hdr_flags(hop[i], strlen(hop[i])) & HDR_HOP, "%s is hop-by-hop", hop[i]);
	ok(hdr_flags("Status", 6) == HDR_CGI_ONLY, "Status is CGI-only");
	ok(hdr_flags("proxy", 5) == HDR_NOT_TO_CGI, "Proxy never reaches CGI");
	ok(hdr_flags("content-type", 12) == 0, "Content-Type is end-to-end");
	ok(hdr_flags("tea", 3) == 0, "tea is not te");

	ok(hdr_list_has("close, X-Foo", 12, "x-foo", 5), "Connection list names x-foo");
	ok(hdr_list_has(" a ,,b\t", 7, "b", 1), "list with empty members and OWS");
	ok(!hdr_list_has("x-foobar", 8, "x-foo", 5), "a prefix is not a member");

	struct hdr h[] = {H("Content-Type", "text/html"), H("Connection", "close, X-Secret"),
			  H("X-Secret", "1"),		  H("Keep-Alive", "timeout=5"),
			  H("Proxy-Connection", "x"),	  H("Transfer-Encoding", "chunked"),
			  H("Upgrade", "h2c"),		  H("TE", "trailers"),
			  H("HTTP2-Settings", "AAA"),	  H("Status", "200 OK"),
			  H("Set-Cookie", "a=b"),	  H("X-Kept", "yes")};
	size_t n = hdr_filter_response(h, sizeof(h) / sizeof(h[0]));
	ok(n == 3, "three headers survive (got %zu)", n);
	ok(has(h, n, "Content-Type") && has(h, n, "Set-Cookie") && has(h, n, "X-Kept"),
	   "end-to-end headers kept, in order");
	ok(strcmp(h[0].name, "Content-Type") == 0 && strcmp(h[2].name, "X-Kept") == 0, "order kept");
	ok(!has(h, n, "X-Secret"), "header named by Connection dropped");

	ok(hdr_valid_name("X-Foo_1", 7), "token name");
	ok(!hdr_valid_name("X Foo", 5) && !hdr_valid_name("X:Foo", 5) && !hdr_valid_name("", 0),
	   "space, colon, empty refused");
	ok(!hdr_valid_name("X\x80", 2), "non-ASCII name refused");
	ok(hdr_valid_value("a b\tc\x80", 6), "SP, HTAB, obs-text allowed");
	ok(!hdr_valid_value("a\rb", 3) && !hdr_valid_value("a\nb", 3) && !hdr_valid_value("a\0b", 3),
	   "CR, LF, NUL refused");
	ok(!hdr_valid_value("a\x7f", 2) && !hdr_valid_value("\x01", 1), "DEL and C0 refused");

	/* authorities (RFC 9110 §7.2, RFC 3986 §3.2.2) */
	static const char *const good_auth[] = {"example.com", "example.com:443", "127.0.0.1:8443",
						"[::1]", "[::1]:8443", "[2001:db8::7]:1", "a-b_c~d.e",
						"xn--bcher-kva.example", "h:", "%41b", "a!$&'()*+,;=b"};
	for (size_t i = 0; i < sizeof(good_auth) / sizeof(good_auth[0]); i++)
		ok(hdr_valid_authority(good_auth[i], strlen(good_auth[i])), "authority '%s' taken",
		   good_auth[i]);
	static const char *const bad_auth[] = {"", "a b", "a b\"<x>", "user@host", ":80", "host:8o",
					       "host:123456", "[::1", "[]", "[::g]", "a/b", "a\\b",
					       "h\"", "<x>", "a:1:2", "[::1]x"};
	for (size_t i = 0; i < sizeof(bad_auth) / sizeof(bad_auth[0]); i++)
		ok(!hdr_valid_authority(bad_auth[i], strlen(bad_auth[i])), "authority '%s' refused",
		   bad_auth[i]);
	ok(!hdr_valid_authority("a\0b", 3), "a NUL inside refused");

	char lc[] = "X-MiXeD";
	hdr_lower(lc, strlen(lc));
	ok(strcmp(lc, "x-mixed") == 0, "lower-casing");
	/* response Content-Length (RFC 9110 §8.6) */
	{
		struct hdr a[] = {H("Content-Type", "text/plain"), H("Content-Length", "5")};
		size_t cn = 2;
		ok(hdr_content_length(a, &cn) == 5 && cn == 2, "Content-Length: 5");
		struct hdr b[] = {H("content-length", "12"), H("X", "1"), H("Content-Length", "12")};
		cn = 3;
		ok(hdr_content_length(b, &cn) == 12 && cn == 2 && has(b, cn, "X"),
		   "a repeated equal Content-Length: one kept");
		struct hdr c[] = {H("Content-Length", "5"), H("Content-Length", "6")};
		cn = 2;
		ok(hdr_content_length(c, &cn) == -2, "two different values refused");
		const char *badv[] = {"abc", "", "-1", "+5", "5 ", "0x10", "1,1", "99999999999999999999"};
		for (size_t i = 0; i < sizeof(badv) / sizeof(badv[0]); i++) {
			struct hdr d[] = {H("Content-Length", badv[i])};
			cn = 1;
			ok(hdr_content_length(d, &cn) == -2, "Content-Length '%s' refused", badv[i]);
		}
		struct hdr e[] = {H("Content-Type", "text/plain")};
		cn = 1;
		ok(hdr_content_length(e, &cn) == -1 && cn == 1, "no Content-Length: -1");
		struct hdr f[] = {H("Content-Length", "0")};
		cn = 1;
		ok(hdr_content_length(f, &cn) == 0, "Content-Length: 0");
	}
	/* request fields that must not become HTTP_* */
	{
		struct hdr r[] = {H("connection", "close, X-Secret"), H("x-secret", "1"),
				  H("proxy", "http://evil"), H("te", "trailers"), H("accept", "*/*"),
				  H("keep-alive", "1"), H("upgrade", "h2c")};
		size_t rn = hdr_filter_request(r, 7);
		ok(rn == 1 && has(r, rn, "accept"), "request: Connection-named, Proxy and hop-by-hop fields dropped");
	}
	/* RFC 9110 §5.6.7 dates */
	char d[30];
	time_t t;
	http_date(784111777, d);
	ok(strcmp(d, "Sun, 06 Nov 1994 08:49:37 GMT") == 0, "IMF-fixdate: %s", d);
	ok(http_date_parse("Sun, 06 Nov 1994 08:49:37 GMT", &t) == 0 && t == 784111777,
	   "IMF-fixdate parsed");
	const char *baddates[] = {"Sunday, 06-Nov-94 08:49:37 GMT", "Sun Nov  6 08:49:37 1994",
				  "Sun, 06 Nov 1994 08:49:37 UTC", "Sun, 32 Nov 1994 08:49:37 GMT",
				  "Sun, 06 Nox 1994 08:49:37 GMT", "Sun, 06 Nov 1994 25:49:37 GMT", ""};
	for (size_t i = 0; i < sizeof(baddates) / sizeof(baddates[0]); i++)
		ok(http_date_parse(baddates[i], &t) < 0, "not taken: '%s'", baddates[i]);
	return done_testing();
}
