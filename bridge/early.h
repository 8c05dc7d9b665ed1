/* early.h - early hints (RFC 8297) h2cgi sends itself: configured ones and
 * learned ones, merged with a backend's own 103 so that no link goes twice. */
#ifndef H2CGI_EARLY_H
#define H2CGI_EARLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "headers.h"

#define EARLY_MAX_SENT 32

enum { EARLY_BACKEND = 1, EARLY_CONFIGURED = 2, EARLY_LEARNED = 4 };

/* The links a response sent in 103s (target and rel types, hashed). */
struct early_sent {
	uint64_t keys[EARLY_MAX_SENT];
	unsigned n;
};

/* Link fields for a 103: each value of conf[0..nconf) (link lists) and of
 * learned (or NULL) not yet in sent, one field per link-value, at most max
 * fields; values are stored in store. Adds them to sent and returns their
 * count; *from gets EARLY_CONFIGURED and/or EARLY_LEARNED. */
size_t early_compose(const char *const *conf, size_t nconf, const char *learned,
		     struct early_sent *sent, struct hdr *h, size_t max, struct buf *store,
		     unsigned *from);

/* A backend's 1xx block: its Link fields lose the link-values already in
 * sent (rewritten into store), the others are added to sent; fields left
 * empty go. Returns the new count of h[]. */
size_t early_filter(struct early_sent *sent, struct hdr *h, size_t n, struct buf *store);

/* What a final 2xx response to GET teaches (RFC 8297 §3: hints must be what
 * the final response would say): its Link values with rel preload or
 * modulepreload to this origin, and preconnect, joined by ", " into store
 * (at most HINTS_MAX_LINKS and HINTS_MAX_BYTES). Returns their count (0:
 * the path has none any more), or -1 when this response teaches nothing
 * either way (Cache-Control: private or no-store, Vary: Cookie or *,
 * unless private_ok). */
int early_lesson(const struct hdr *h, size_t n, const char *authority, bool private_ok,
		 struct buf *store);

#endif
