/* cgi_env.c - building the CGI/1.1 meta-variables, RFC 3875 §4.1. */
#include "cgi_env.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_LEN 256

/* v in decimal, written at the end of out (no snprintf: it is on every
 * request); returns where the digits begin. */
static const char *decimal(unsigned long long v, char *out, size_t len)
{
	char *p = out + len;

	*--p = '\0';
	do
		*--p = (char)('0' + v % 10);
	while ((v /= 10) != 0 && p > out);
	return p;
}

static int put(cgi_env_append_fn append, void *ctx, const char *name, const char *value)
{
	if (value == NULL)
		return 0;
	return append(ctx, name, strlen(name), value, strlen(value));
}

long cgi_env_unescape(char *dst, const char *src, size_t len)
{
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		if (src[i] != '%') {
			dst[o++] = src[i];
			continue;
		}
		if (i + 2 >= len)
			return -1;
		int hi = hdr_hex_digit((unsigned char)src[i + 1]), lo = hdr_hex_digit((unsigned char)src[i + 2]);
		if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
			return -1;
		dst[o++] = (char)(hi << 4 | lo);
		i += 2;
	}
	dst[o] = '\0';
	return (long)o;
}

/* Host part of an authority: strips ":port" and IPv6 brackets stay. */
static size_t host_len(const char *authority)
{
	const char *end = authority + strlen(authority);

	if (authority[0] == '[') {
		const char *rb = strchr(authority, ']');
		return rb ? (size_t)(rb - authority) + 1 : (size_t)(end - authority);
	}
	const char *colon = strchr(authority, ':');
	return colon ? (size_t)(colon - authority) : (size_t)(end - authority);
}

static bool same_name(const struct hdr *a, const struct hdr *b)
{
	return a->name_len == b->name_len && memcmp(a->name, b->name, a->name_len) == 0;
}

static bool name_is(const struct hdr *h, const char *name)
{
	return h->name_len == strlen(name) && memcmp(h->name, name, h->name_len) == 0;
}

/* Emits HTTP_<NAME> for header i, joined with its later repeats. */
static int put_header(const struct cgi_request *r, size_t i, cgi_env_append_fn append, void *ctx)
{
	const struct hdr *h = &r->hdrs[i];
	char name[5 + NAME_MAX_LEN];
	size_t total = h->value_len, count = 1;
	bool cookie = name_is(h, "cookie");
	const char *sep = cookie ? "; " : ", ";

	memcpy(name, "HTTP_", 5);
	for (size_t k = 0; k < h->name_len; k++) {
		char c = h->name[k];
		name[5 + k] = c == '-' ? '_' : (c >= 'a' && c <= 'z') ? (char)(c - 32) : c;
	}
	for (size_t j = i + 1; j < r->nhdr; j++)
		if (same_name(h, &r->hdrs[j])) {
			total += 2 + r->hdrs[j].value_len;
			count++;
		}
	if (count == 1)
		return append(ctx, name, 5 + h->name_len, h->value, h->value_len);

	char *joined = malloc(total + 1), *o = joined;
	if (joined == NULL)
		return -1;
	memcpy(o, h->value, h->value_len);
	o += h->value_len;
	for (size_t j = i + 1; j < r->nhdr; j++)
		if (same_name(h, &r->hdrs[j])) {
			memcpy(o, sep, 2);
			memcpy(o + 2, r->hdrs[j].value, r->hdrs[j].value_len);
			o += 2 + r->hdrs[j].value_len;
		}
	int rc = append(ctx, name, 5 + h->name_len, joined, (size_t)(o - joined));
	free(joined);
	return rc;
}

static bool skip_header(const struct cgi_request *r, size_t i)
{
	const struct hdr *h = &r->hdrs[i];

	if (h->name_len == 0 || h->name_len > NAME_MAX_LEN || h->name[0] == ':')
		return true;
	if (memchr(h->name, '_', h->name_len) != NULL)
		return true;
	if (hdr_flags(h->name, h->name_len) & (HDR_HOP | HDR_NOT_TO_CGI))
		return true;
	/* these two have meta-variables of their own (§4.1.2, §4.1.3) */
	if (name_is(h, "content-type") || name_is(h, "content-length"))
		return true;
	/* HTTP_HOST comes from :authority when the client sent one (RFC 9113 §8.3.1) */
	if (name_is(h, "host") && r->authority != NULL)
		return true;
	for (size_t j = 0; j < i; j++) /* already emitted, joined with this one */
		if (same_name(h, &r->hdrs[j]))
			return true;
	return false;
}

int cgi_env_build(const struct cgi_request *r, cgi_env_append_fn append, void *ctx)
{
	char num[32], host[256];
	const char *ctype = NULL;

	for (size_t i = 0; i < r->nhdr; i++)
		if (name_is(&r->hdrs[i], "content-type") && ctype == NULL)
			ctype = r->hdrs[i].value; /* NUL-terminated by the caller */

	host[0] = '\0';
	if (r->authority != NULL) {
		size_t n = host_len(r->authority);
		if (n >= sizeof(host))
			n = sizeof(host) - 1;
		memcpy(host, r->authority, n);
		host[n] = '\0';
	}
	if (put(append, ctx, "GATEWAY_INTERFACE", "CGI/1.1") ||
	    put(append, ctx, "SERVER_SOFTWARE", r->server_software) ||
	    put(append, ctx, "SERVER_PROTOCOL", r->server_protocol) ||
	    put(append, ctx, "SERVER_NAME", host[0] ? host : r->server_addr) ||
	    put(append, ctx, "SERVER_ADDR", r->server_addr) ||
	    put(append, ctx, "REQUEST_METHOD", r->method) ||
	    put(append, ctx, "REQUEST_SCHEME", r->scheme) ||
	    put(append, ctx, "REQUEST_URI", r->uri) ||
	    put(append, ctx, "SCRIPT_NAME", r->script_name) ||
	    put(append, ctx, "QUERY_STRING", r->query ? r->query : "") ||
	    put(append, ctx, "SCRIPT_FILENAME", r->script_filename) ||
	    put(append, ctx, "DOCUMENT_ROOT", r->document_root) ||
	    put(append, ctx, "REMOTE_ADDR", r->remote_addr) ||
	    put(append, ctx, "CONTENT_TYPE", ctype) || put(append, ctx, "HTTP_HOST", r->authority) || (r->https && put(append, ctx, "HTTPS", "on")))
		return -1;
	if (put(append, ctx, "SERVER_PORT", decimal(r->server_port, num, sizeof(num))) ||
	    put(append, ctx, "REMOTE_PORT", decimal(r->remote_port, num, sizeof(num))))
		return -1;
	if (r->content_length >= 0 &&
	    put(append, ctx, "CONTENT_LENGTH",
		decimal((unsigned long long)r->content_length, num, sizeof(num))))
		return -1;
	/* §4.1.5/§4.1.6: PATH_INFO and PATH_TRANSLATED only when there is a path */
	if (r->path_info != NULL && r->path_info[0] != '\0') {
		if (put(append, ctx, "PATH_INFO", r->path_info))
			return -1;
		if (r->document_root != NULL) {
			size_t a = strlen(r->document_root), b = strlen(r->path_info);
			char *pt = malloc(a + b + 1);
			if (pt == NULL)
				return -1;
			memcpy(pt, r->document_root, a);
			memcpy(pt + a, r->path_info, b + 1);
			int rc = put(append, ctx, "PATH_TRANSLATED", pt);
			free(pt);
			if (rc)
				return -1;
		}
	}
	for (size_t i = 0; i < r->nhdr; i++)
		if (!skip_header(r, i) && put_header(r, i, append, ctx))
			return -1;
	return 0;
}
