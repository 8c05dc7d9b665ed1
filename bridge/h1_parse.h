/* h1_parse.h - strict HTTP/1.1 request head and chunked body parsing
 * (RFC 9112), pure: bytes in, results out. */
#ifndef H2CGI_H1_PARSE_H
#define H2CGI_H1_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "headers.h"

#define H1_MAX_HEADERS 100

struct h1_request {
	const char *method, *target; /* into the caller's buffer, not terminated */
	size_t method_len, target_len;
	int minor;                   /* HTTP/1.minor: 0 or 1 */
	struct hdr hdrs[H1_MAX_HEADERS];
	size_t nhdr;
	long long content_length;    /* -1: none */
	bool chunked;                /* Transfer-Encoding: chunked */
	bool keep_alive;             /* the client allows another request */
	bool expect_continue;        /* Expect: 100-continue */
	bool upgrade_h2c;            /* a valid h2c upgrade (RFC 7540 §3.2) */
	const struct hdr *host;      /* the Host field, or NULL */
	const struct hdr *h2_settings; /* HTTP2-Settings, with upgrade_h2c */
	const char *err;             /* why, when the result is an error */
};

#define H1_H2C_SETTINGS_MAX 1024 /* decoded HTTP2-Settings bytes taken */

/* Decodes an HTTP2-Settings value (RFC 7540 §3.2.1: base64url, no padding,
 * of a SETTINGS payload) into out (cap bytes); returns its length, or -1
 * when it is not base64url, not whole 6-byte settings, over cap, or holds
 * a value RFC 9113 §6.5.2 forbids (ENABLE_PUSH over 1, a window over
 * 2^31-1, a frame size outside 2^14..2^24-1). */
long h1_h2c_settings(const char *b64, size_t len, uint8_t *out, size_t cap);

/* Parses one request head at buf (empty lines before it are skipped, RFC
 * 9112 §2.2). Returns the bytes it took (the body starts there), 0 when the
 * head is not complete yet, or a negative HTTP status: -400 (malformed,
 * smuggling: Content-Length with Transfer-Encoding, repeated
 * Content-Length, a bad Host...), -414 (a request line over max bytes),
 * -417, -431 (a head over max bytes, or over H1_MAX_HEADERS fields), -501 (unknown transfer coding), -505 (version);
 * r->err says why. */
int h1_parse_head(const char *buf, size_t len, size_t max, struct h1_request *r);

/* Chunked transfer coding decoder (RFC 9112 §7.1): chunks and trailers may
 * be split anywhere. */
struct h1_chunked {
	int state;
	uint64_t left;    /* of the current chunk */
	size_t line;      /* bytes of the current size/extension/trailer line */
	unsigned digits;
};

/* Resets d for a new body. */
void h1_chunked_init(struct h1_chunked *d);

/* Consumes bytes from buf; reports at most one slice of chunk data in
 * *data and *dlen (pointing into buf, dlen 0 if none) and sets *done after the
 * last chunk and its trailer section. Returns the bytes consumed, or -1 for a
 * malformed body (bad size, missing CRLF, over-long line). */
ssize_t h1_chunked_decode(struct h1_chunked *d, const uint8_t *buf, size_t len,
			  const uint8_t **data, size_t *dlen, bool *done);

#endif
