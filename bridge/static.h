/* static.h - answering GET and HEAD from a file (--static): type, validators,
 * conditional requests (RFC 9110 §13), one byte range (RFC 9110 §14) and a
 * precompressed FILE.gz variant. The header parsers are pure. */
#ifndef H2CGI_STATIC_H
#define H2CGI_STATIC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

#include "headers.h"

#define STATIC_MAX_HDRS 8 /* static_answer fills at most 7: one is the caller's */

/* The request fields a static answer depends on (NULL when absent). */
struct static_req {
	const char *method;
	const char *if_none_match, *if_modified_since, *range, *if_range, *accept_encoding;
};

struct static_resp {
	int status;            /* 200, 206, 304, 404, 405, 416 */
	const char *why;       /* for the log when not 2xx/304 */
	int fd;                /* 200/206: the file, positioned nowhere (pread) */
	off_t offset;          /* first byte to send */
	long long length;      /* bytes to send */
	struct hdr hdrs[STATIC_MAX_HDRS];
	size_t nhdr;
	char store[512];       /* the header values */
	size_t used;
};

/* Decides the answer for file (a path under root, which is a real path):
 * refuses a file whose real path leaves root (a symlink out), checks the
 * conditionals and the range, picks file.gz when accepted. Returns 0 with
 * out filled (out->fd >= 0 for 200 and 206: the caller closes it), or -1
 * when out of memory. */
int static_answer(const char *file, const char *root, const struct static_req *rq,
		  struct static_resp *out);

/* Reads "bytes=A-B", "bytes=A-" or "bytes=-N" against a representation of
 * size bytes. Returns 1 with *first and *len for a satisfiable range, 0
 * when the field is to be ignored (not bytes, several ranges, malformed),
 * or -1 when unsatisfiable (416). */
int static_range(const char *v, long long size, long long *first, long long *len);

/* True when the If-None-Match list v holds etag (weak comparison, RFC
 * 9110 §13.1.2) or is "*". */
bool static_etag_match(const char *v, const char *etag);

/* True when an Accept-Encoding value accepts gzip (a q of 0 refuses it). */
bool static_accepts_gzip(const char *v);

#endif
