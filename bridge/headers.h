/* headers.h - header name table and the hop-by-hop filter (pure). */
#ifndef H2CGI_HEADERS_H
#define H2CGI_HEADERS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/* One header field; the strings are not NUL-terminated. */
struct hdr {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
};

enum {
	HDR_HOP = 1,        /* hop-by-hop (RFC 9110 §7.6.1, RFC 9113 §8.2.2) */
	HDR_CGI_ONLY = 2,   /* CGI response control field: Status (RFC 3875 §6.3.3) */
	HDR_NOT_TO_CGI = 4, /* never becomes a meta-variable: Proxy (httpoxy) */
};

/* Returns the HDR_* flags of a header name, compared case-insensitively. */
unsigned hdr_flags(const char *name, size_t len);

/* True when name is an RFC 9110 §5.1 token (and not empty). */
bool hdr_valid_name(const char *name, size_t len);

/* True when value holds only VCHAR, obs-text, SP and HTAB (RFC 9110 §5.5):
 * no NUL, CR, LF or other control characters. */
bool hdr_valid_value(const char *value, size_t len);

/* True when value is an authority as HTTP has it (RFC 9110 §7.2, RFC 3986
 * §3.2.2-3): host [ ":" port ], the host an IP-literal in brackets or a
 * reg-name/IPv4 of unreserved, pct-encoded and sub-delims characters (no
 * userinfo), the port at most 5 digits. Host and :authority must be this
 * (RFC 9112 §3.2: else 400). */
bool hdr_valid_authority(const char *value, size_t len);

/* Splits a header line (without its line end) in place into h: a token
 * name, a colon, the value without surrounding SP/HTAB (RFC 9110 §5.5,
 * RFC 9112 §5). Returns 0, or -1 with *why for a folded line, no colon, an
 * invalid name (whitespace before the colon included) or an invalid value. */
int hdr_split_line(char *line, size_t n, struct hdr *h, const char **why);

/* The value of a hex digit, or -1. */
int hdr_hex_digit(int c);

/* True when the comma-separated token list holds name (case-insensitive). */
bool hdr_list_has(const char *list, size_t list_len, const char *name, size_t name_len);

/* Drops from h[] every header that must not reach a response frame: the
 * hop-by-hop set, every header a Connection field names, and Status. The
 * survivors keep their order; returns their count. */
size_t hdr_filter_response(struct hdr *h, size_t n);

/* Drops from h[] what must not reach a CGI request as HTTP_* (RFC 3875
 * §4.1.18 leaves connection fields to the server): the hop-by-hop set, every
 * header a Connection field names, and Proxy (httpoxy). Same order kept;
 * returns the count. */
size_t hdr_filter_request(struct hdr *h, size_t n);

/* Checks the Content-Length fields of a response (RFC 9110 §8.6): each
 * value 1*DIGIT, repeats only of the same value (dropped from h[], *n
 * updated). Returns the length, -1 when there is none, or -2 when a value
 * is invalid or two differ. */
long long hdr_content_length(struct hdr *h, size_t *n);

/* The reason phrase of a status code (RFC 9110 §15), "" for unknown ones. */
const char *hdr_reason(int status);

/* Lower-cases a header name in place (HTTP/2 requires it, RFC 9113 §8.2.1). */
void hdr_lower(char *name, size_t len);

/* Writes an IMF-fixdate (RFC 9110 §5.6.7) for t into out (30 bytes). */
void http_date(time_t t, char out[30]);

/* Parses an IMF-fixdate; returns 0 with *t, or -1 (the obsolete forms are
 * not taken: a conditional that cannot be read is ignored). */
int http_date_parse(const char *s, time_t *t);

#endif
