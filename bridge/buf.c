/* buf.c - growable byte buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "spare.h"

/* A buffer's first size: most buffers of a request (its header storage,
 * the FastCGI head and STDIN, the response body) start and end there, so
 * their blocks are kept for the next (spare.c). */
#define BUF_FIRST 4096
static struct spare first_blocks = SPARE_LIST(32);

int buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return 0;
	if (b->cap == 0 && n <= BUF_FIRST) {
		if ((b->data = spare_take(&first_blocks, BUF_FIRST)) == NULL)
			return -1;
		b->cap = BUF_FIRST;
		return 0;
	}
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= n)
			return 0;
	}
	size_t cap = b->cap ? b->cap : BUF_FIRST;
	while (cap - b->len < n)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (d == NULL)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
}

int buf_reserve_whole(struct buf *b, size_t n, size_t whole)
{
	if (b->cap - b->len >= n)
		return 0;
	if (b->cap == 0 && n <= BUF_FIRST)
		return buf_reserve(b, n); /* a small answer keeps a small block */
	size_t used = buf_used(b);
	return buf_reserve(b, used + n < whole ? whole - used : n);
}

int buf_append(struct buf *b, const void *p, size_t n)
{
	if (n == 0)
		return 0;
	if (buf_reserve(b, n) < 0)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

int buf_json_str(struct buf *b, const char *v)
{
	char esc[8];

	if (buf_append(b, "\"", 1) < 0)
		return -1;
	for (const unsigned char *p = (const unsigned char *)(v ? v : ""); *p; p++) {
		if (*p >= 0x20 && *p < 0x7f && *p != '"' && *p != '\\') {
			if (buf_append(b, p, 1) < 0)
				return -1;
			continue;
		}
		int n = *p == '"' ? snprintf(esc, sizeof(esc), "\\\"")
			: *p == '\\' ? snprintf(esc, sizeof(esc), "\\\\")
				     : snprintf(esc, sizeof(esc), "\\u%04x", *p);
		if (buf_append(b, esc, (size_t)n) < 0)
			return -1;
	}
	return buf_append(b, "\"", 1);
}

void buf_consume(struct buf *b, size_t n)
{
	b->off += n;
	if (b->off >= b->len)
		b->off = b->len = 0;
}

void buf_free(struct buf *b)
{
	if (b->cap == BUF_FIRST)
		spare_give(&first_blocks, b->data, BUF_FIRST);
	else
		free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
