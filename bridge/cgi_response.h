/* cgi_response.h - incremental, strict parser for CGI response header blocks
 * (RFC 3875 §6), including informational (1xx) blocks before the final one. */
#ifndef H2CGI_CGI_RESPONSE_H
#define H2CGI_CGI_RESPONSE_H

#include <stddef.h>

#include "headers.h"

#define CGIRESP_MAX_HEADERS 100

enum cgiresp_kind {
	CGIRESP_DOCUMENT,        /* §6.2.1 (also a Status-only response) */
	CGIRESP_LOCAL_REDIRECT,  /* §6.2.2: Location is an abs-path; server refetches */
	CGIRESP_CLIENT_REDIRECT, /* §6.2.3/§6.2.4: Location sent to the client */
	CGIRESP_INFORMATIONAL,   /* 1xx block (RFC 8297 early hints); a final block follows */
};

enum cgiresp_result {
	CGIRESP_MORE,  /* everything consumed; the block is not complete yet */
	CGIRESP_BLOCK, /* a whole header block is ready; see kind, status, hdrs */
	CGIRESP_ERROR, /* malformed output; err says why */
};

struct cgiresp {
	char *buf;          /* caller's storage for one block; bounds its size */
	size_t cap, len;
	size_t line;        /* offset in buf where the current line starts */
	struct hdr hdrs[CGIRESP_MAX_HEADERS];
	size_t nhdr;
	int status;         /* set with CGIRESP_BLOCK */
	enum cgiresp_kind kind;
	const char *location; /* value of Location (NUL-terminated in buf) or NULL */
	int nph_status;     /* the code of an NPH status line (RFC 3875 §5), 0 */
	const char *err;
};

/* Prepares p to parse the first block into buf (cap bytes, the block bound). */
void cgiresp_init(struct cgiresp *p, char *buf, size_t cap);

/* Feeds len bytes of script output. Sets *used to the bytes taken: on
 * CGIRESP_BLOCK the bytes after *used belong to the next block (after a 1xx)
 * or to the body. The headers stay valid until cgiresp_next(). */
enum cgiresp_result cgiresp_feed(struct cgiresp *p, const char *in, size_t len, size_t *used);

/* Starts the next block after an informational one (reuses the storage). */
void cgiresp_next(struct cgiresp *p);

#endif
