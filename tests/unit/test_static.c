/* Static file answers: Range (RFC 9110 §14), If-None-Match (§13.1.2),
 * Accept-Encoding (§12.5.3) parsing, and media types. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../../bridge/mime.h"
#include "../../bridge/static.h"
#include "tap.h"

static void type_is(const char *name, const char *want)
{
	const char *t = mime_type(name);
	ok(strcmp(t, want) == 0, "%s: %s (got %s)", name, want, t);
}

/* A mime.types of the shapes Debian's has, and a line longer than any
 * fixed buffer (one of 1024 bytes read its tail as a line of its own) */
static void mime_file(void)
{
	char path[] = "/tmp/test_static_mime.XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fd < 0 ? NULL : fdopen(fd, "w");
	if (f == NULL) {
		ok(0, "a temporary mime.types");
		return;
	}
	fputs("# comment text/x-comment cmt\n"
	      "text/x-first  foo  BAR\n"
	      "text/x-second foo bar baz\n"
	      "  application/x-indented\tind\ttab  \n"
	      "type/noext\n"
	      "\n"
	      "text/crlf crl\r\n"
	      "\rtext/x-cr cr\n"           /* a stray CR before the type */
	      "text/\001ctl ctl\n"         /* a type no header may carry */
	      "text/x-fine fine b\177d\n", f); /* an extension that is not visible */
	fputs("application/x-", f);
	for (int i = 0; i < 2000; i++)
		fputc('l', f);
	fputs(" first_of_long", f);
	for (int i = 0; i < 100; i++)
		fprintf(f, " e%d", i);
	fputs("\ntext/x-last last", f); /* no newline at the end */
	fclose(f);
	ok(mime_init(path) == 0, "a mime.types file loads");
	unlink(path);
	type_is("a.foo", "text/x-first");
	type_is("a.bar", "text/x-first"); /* BAR on the first line wins, case-insensitively */
	type_is("a.BAZ", "text/x-second");
	type_is("x/y.ind", "application/x-indented");
	type_is("y.tab", "application/x-indented");
	type_is("a.crl", "text/crlf");
	type_is("a.cmt", "application/octet-stream"); /* in a comment */
	type_is("a.noext", "application/octet-stream");
	type_is("a.e99", mime_type("a.first_of_long"));
	ok(strlen(mime_type("a.e0")) == strlen("application/x-") + 2000, "a 2 KB type on a long line");
	type_is("a.l", "application/octet-stream"); /* no piece of the long line read as a type */
	type_is("z.last", "text/x-last");
	type_is("a.cr", "text/x-cr");
	type_is("a.ctl", "application/octet-stream");
	type_is("a.fine", "text/x-fine");
	type_is("a.b\177d", "application/octet-stream");
	type_is("z.", "application/octet-stream");
	type_is(".foo/z", "application/octet-stream");
	mime_free();
}

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
	mime_file();
	return done_testing();
}
