/* buf.h - a growable byte buffer with a read offset. */
#ifndef H2CGI_BUF_H
#define H2CGI_BUF_H

#include <stddef.h>
#include <stdint.h>

struct buf {
	uint8_t *data;
	size_t off; /* first unread byte */
	size_t len; /* end of the bytes held */
	size_t cap;
};

/* Bytes held and not yet consumed. */
static inline size_t buf_used(const struct buf *b)
{
	return b->len - b->off;
}

/* Makes room for n more bytes (compacting, then growing); returns 0 or -1. */
int buf_reserve(struct buf *b, size_t n);

/* Makes room for n more bytes like buf_reserve(), but a buffer past its
 * first small block grows to hold whole bytes at once: one realloc for a
 * large answer instead of one per doubling. Returns 0 or -1. */
int buf_reserve_whole(struct buf *b, size_t n, size_t whole);

/* Appends n bytes; returns 0 or -1 when memory ran out. */
int buf_append(struct buf *b, const void *p, size_t n);

/* Appends v (NULL: "") as a JSON string: quotes, backslashes and control
 * bytes escaped, bytes over 0x7f as \u00XX (a path need not be UTF-8).
 * Returns 0 or -1 when memory ran out. */
int buf_json_str(struct buf *b, const char *v);

/* Marks n bytes as consumed; resets to empty when all are. */
void buf_consume(struct buf *b, size_t n);

/* Frees the storage (a first-size block is kept for the next buffer:
 * spare.h) and zeroes b. */
void buf_free(struct buf *b);

#endif
