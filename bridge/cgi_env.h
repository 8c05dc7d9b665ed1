/* cgi_env.h - RFC 3875 §4.1 meta-variables for one request (pure). */
#ifndef H2CGI_CGI_ENV_H
#define H2CGI_CGI_ENV_H

#include <stdbool.h>
#include <stddef.h>

#include "headers.h"

/* Everything the meta-variables are made of; strings are NUL-terminated and
 * may be NULL where noted. */
struct cgi_request {
	const char *method;
	const char *scheme;          /* "https" */
	const char *authority;       /* :authority or Host, may be NULL */
	const char *uri;             /* the request target as sent (REQUEST_URI) */
	const char *query;           /* after '?', "" when none */
	const char *script_name;     /* decoded */
	const char *path_info;       /* decoded, "" when none */
	const char *script_filename; /* may be NULL */
	const char *document_root;   /* may be NULL */
	const char *remote_addr;
	unsigned remote_port;
	const char *server_addr;
	unsigned server_port;
	const char *server_protocol; /* "HTTP/2.0" */
	const char *server_software;
	long long content_length;    /* -1 when the request has no body length */
	const struct hdr *hdrs;      /* request header fields, names lower-case */
	size_t nhdr;
	bool https;
};

/* Receives one meta-variable; returns 0, or -1 to stop building. */
typedef int (*cgi_env_append_fn)(void *ctx, const char *name, size_t name_len,
				 const char *value, size_t value_len);

/* Calls append once per meta-variable of r: the RFC 3875 set, HTTPS, and
 * HTTP_* for each request header (repeated fields joined per RFC 9110 §5.3,
 * cookies with "; " per RFC 9113 §8.2.3) minus hop-by-hop fields, Proxy and
 * names holding '_' (which would collide with '-'). Returns 0, or -1 when
 * append failed or memory ran out. */
int cgi_env_build(const struct cgi_request *r, cgi_env_append_fn append, void *ctx);

/* Decodes %XX escapes of src[0..len) into dst (len+1 bytes); returns the
 * decoded length, or -1 for a bad escape or an encoded NUL. */
long cgi_env_unescape(char *dst, const char *src, size_t len);

#endif
