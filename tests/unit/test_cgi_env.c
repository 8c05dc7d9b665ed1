/* The meta-variable builder (RFC 3875 §4.1). */
#include <stdlib.h>
#include <string.h>

#include "../../bridge/cgi_env.h"
#include "tap.h"

static char env[64][2][512];
static int nenv;

static int collect(void *ctx, const char *name, size_t nl, const char *value, size_t vl)
{
	(void)ctx;
	if (nenv == 64)
		return -1;
	snprintf(env[nenv][0], 512, "%.*s", (int)nl, name);
	snprintf(env[nenv][1], 512, "%.*s", (int)vl, value);
	nenv++;
	return 0;
}

static const char *get(const char *name)
{
	for (int i = 0; i < nenv; i++)
		if (strcmp(env[i][0], name) == 0)
			return env[i][1];
	return NULL;
}

static int count(const char *name)
{
	int c = 0;
	for (int i = 0; i < nenv; i++)
		c += strcmp(env[i][0], name) == 0;
	return c;
}

static struct hdr H(const char *n, const char *v)
{
	struct hdr h = {(char *)n, strlen(n), (char *)v, strlen(v)};
	return h;
}

static void is(const char *name, const char *want)
{
	const char *got = get(name);
	ok(got && strcmp(got, want) == 0, "%s = '%s' (got '%s')", name, want, got ? got : "(unset)");
}

int main(void)
{
	struct hdr hdrs[] = {
		H("accept", "text/html"),	H("cookie", "a=1"),	 H("user-agent", "t/1"),
		H("cookie", "b=2"),		H("accept", "text/plain"), H("proxy", "http://evil/"),
		H("content-type", "application/x-www-form-urlencoded"),
		H("content-length", "5"),	H("x_under", "1"),	 H("te", "trailers"),
		H("host", "ignored"),		H("x-custom-hdr", "v"),
	};
	struct cgi_request r = {
		.method = "POST",
		.scheme = "https",
		.authority = "example.org:8443",
		.uri = "/cgi-bin/env.cgi/extra/path?a=1&b=%20",
		.query = "a=1&b=%20",
		.script_name = "/cgi-bin/env.cgi",
		.path_info = "/extra/path",
		.script_filename = "/srv/cgi/env.cgi",
		.document_root = "/srv/www",
		.remote_addr = "::1",
		.remote_port = 50000,
		.server_addr = "::1",
		.server_port = 8443,
		.server_protocol = "HTTP/2.0",
		.server_software = "h2cgi/0.1.0",
		.content_length = 5,
		.hdrs = hdrs,
		.nhdr = sizeof(hdrs) / sizeof(hdrs[0]),
		.https = true,
	};
	ok(cgi_env_build(&r, collect, NULL) == 0, "builds");
	is("GATEWAY_INTERFACE", "CGI/1.1");
	is("SERVER_PROTOCOL", "HTTP/2.0");
	is("SERVER_SOFTWARE", "h2cgi/0.1.0");
	is("SERVER_NAME", "example.org");
	is("SERVER_PORT", "8443");
	is("REQUEST_METHOD", "POST");
	is("REQUEST_URI", "/cgi-bin/env.cgi/extra/path?a=1&b=%20");
	is("REQUEST_SCHEME", "https");
	is("SCRIPT_NAME", "/cgi-bin/env.cgi");
	is("PATH_INFO", "/extra/path");
	is("PATH_TRANSLATED", "/srv/www/extra/path");
	is("QUERY_STRING", "a=1&b=%20");
	is("SCRIPT_FILENAME", "/srv/cgi/env.cgi");
	is("DOCUMENT_ROOT", "/srv/www");
	is("REMOTE_ADDR", "::1");
	is("REMOTE_PORT", "50000");
	is("CONTENT_TYPE", "application/x-www-form-urlencoded");
	is("CONTENT_LENGTH", "5");
	is("HTTPS", "on");
	is("HTTP_HOST", "example.org:8443");
	is("HTTP_ACCEPT", "text/html, text/plain");
	is("HTTP_COOKIE", "a=1; b=2");
	is("HTTP_USER_AGENT", "t/1");
	is("HTTP_X_CUSTOM_HDR", "v");
	ok(get("HTTP_PROXY") == NULL, "no HTTP_PROXY (httpoxy)");
	ok(get("HTTP_TE") == NULL, "no hop-by-hop TE");
	ok(get("HTTP_X_UNDER") == NULL, "names with '_' dropped");
	ok(get("HTTP_CONTENT_TYPE") == NULL && get("HTTP_CONTENT_LENGTH") == NULL,
	   "no HTTP_CONTENT_*");
	ok(count("HTTP_HOST") == 1 && count("HTTP_ACCEPT") == 1 && count("HTTP_COOKIE") == 1,
	   "each variable once");

	/* no body length, no path info, IPv6 authority */
	nenv = 0;
	r.content_length = -1;
	r.path_info = "";
	r.authority = "[::1]:8443";
	r.nhdr = 0;
	ok(cgi_env_build(&r, collect, NULL) == 0, "builds without body");
	ok(get("CONTENT_LENGTH") == NULL && get("CONTENT_TYPE") == NULL, "no CONTENT_* without body");
	ok(get("PATH_INFO") == NULL && get("PATH_TRANSLATED") == NULL, "no PATH_* without path info");
	is("SERVER_NAME", "[::1]");

	char out[64];
	ok(cgi_env_unescape(out, "/a%20b%2Fc", 10) == 6 && strcmp(out, "/a b/c") == 0, "unescape");
	ok(cgi_env_unescape(out, "/a%2", 4) == -1, "truncated escape refused");
	ok(cgi_env_unescape(out, "/a%zz", 5) == -1, "bad hex refused");
	ok(cgi_env_unescape(out, "/a%00", 5) == -1, "encoded NUL refused");
	return done_testing();
}
