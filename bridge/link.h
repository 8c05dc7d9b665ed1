/* link.h - Link field values (RFC 8288 §3), parsed for early hints: each
 * link-value's target and the relation types h2cgi acts on. Pure. */
#ifndef H2CGI_LINK_H
#define H2CGI_LINK_H

#include <stdbool.h>
#include <stddef.h>

enum {
	LINK_PRELOAD = 1,       /* rel=preload (W3C Preload) */
	LINK_MODULEPRELOAD = 2, /* rel=modulepreload (HTML) */
	LINK_PRECONNECT = 4,    /* rel=preconnect (W3C Resource Hints) */
};

struct link_value {
	const char *text;   /* the whole link-value, without surrounding OWS */
	size_t text_len;
	const char *target; /* the URI-Reference between '<' and '>' */
	size_t target_len;
	unsigned rels;      /* LINK_* among its rel types */
};

/* Calls fn for each link-value of v[0..len) in order (fn returns 0 to go
 * on). Returns the number of link-values, or -1 when the field is
 * malformed or fn stopped (nothing after that point was reported). */
int link_parse(const char *v, size_t len, int (*fn)(void *ctx, const struct link_value *lv),
	       void *ctx);

/* True when target is on the request's own origin: a path ("/x", never
 * "//x") or an absolute http(s) URL naming authority. */
bool link_same_origin(const char *target, size_t len, const char *authority);

#endif
