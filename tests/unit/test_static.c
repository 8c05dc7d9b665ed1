/* Static file answers: Range (RFC 9110 §14), If-None-Match (§13.1.2),
 * Accept-Encoding (§12.5.3) parsing, and media types. */
#include <string.h>

#include "../../bridge/mime.h"
#include "../../bridge/static.h"
#include "tap.h"

static void range(const char *v, long long size, int want, long long first, long long len)
{
	long long f = -1, l = -1;
	int r = static_range(v, size, &f, &l);
	ok(r == want && (want != 1 || (f == first && l == len)),
	   "Range '%s' of %lld -> %d %lld+%lld (got %d %lld+%lld)", v, size, want, first, len, r, f, l);
}

int main(void)
{
	range("bytes=0-9", 100, 1, 0, 10);
	range("bytes=90-", 100, 1, 90, 10);
	range("bytes=90-200", 100, 1, 90, 10);
	range("bytes=-10", 100, 1, 90, 10);
	range("bytes=-200", 100, 1, 0, 100);
	range("bytes = 5-5", 100, 1, 5, 1);
	range("bytes=100-", 100, -1, 0, 0);
	range("bytes=-0", 100, -1, 0, 0);
	range("bytes=0-0", 0, -1, 0, 0);
	range("bytes=0-1,5-6", 100, 0, 0, 0);
	range("bytes=9-1", 100, 0, 0, 0);
	range("bytes=", 100, 0, 0, 0);
	range("bytes=-", 100, 0, 0, 0);
	range("bytes=a-b", 100, 0, 0, 0);
	range("bytes=1-2x", 100, 0, 0, 0);
	range("lines=1-2", 100, 0, 0, 0);
	range("bytes=99999999999999999999-", 100, 0, 0, 0);
	range("bytes=-99999999999999999999", 100, 0, 0, 0);

	ok(static_etag_match("\"a\"", "\"a\""), "ETag equal");
	ok(static_etag_match(" \"x\" , W/\"a\"", "\"a\""), "in a list, weak form");
	ok(static_etag_match("*", "\"a\""), "*");
	ok(!static_etag_match("\"ab\"", "\"a\""), "not a prefix");
	ok(!static_etag_match("", "\"a\""), "empty");
	ok(!static_etag_match("\"a", "\"a\""), "unterminated");

	ok(static_accepts_gzip("gzip"), "gzip");
	ok(static_accepts_gzip("br, GZIP;q=0.5"), "GZIP;q=0.5 in a list");
	ok(!static_accepts_gzip("gzip;q=0"), "gzip;q=0 refused");
	ok(!static_accepts_gzip("gzip;q=0.000"), "gzip;q=0.000 refused");
	ok(static_accepts_gzip("gzip;q=0.001"), "gzip;q=0.001 accepted");
	ok(!static_accepts_gzip("x-gzip2, deflate"), "another coding");
	ok(!static_accepts_gzip(""), "empty");

	mime_init("/nonexistent/mime.types"); /* the built-in table */
	ok(strcmp(mime_type("/a/b.CSS"), "text/css") == 0, "b.CSS: text/css (case-insensitive)");
	ok(strcmp(mime_type("/a.b/c"), "application/octet-stream") == 0, "no extension in the name");
	ok(strcmp(mime_type("x.unknownext"), "application/octet-stream") == 0, "unknown");
	mime_free();
	return done_testing();
}
