/* buf.c - growable byte buffer. */
#include "buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int buf_reserve(struct buf *b, size_t n)
{
	if (b->cap - b->len >= n)
		return 0;
	if (b->off > 0) {
		memmove(b->data, b->data + b->off, b->len - b->off);
		b->len -= b->off;
		b->off = 0;
		if (b->cap - b->len >= n)
			return 0;
	}
	size_t cap = b->cap ? b->cap : 4096;
	while (cap - b->len < n)
		cap *= 2;
	uint8_t *d = realloc(b->data, cap);
	if (d == NULL)
		return -1;
	b->data = d;
	b->cap = cap;
	return 0;
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
	free(b->data);
	b->data = NULL;
	b->off = b->len = b->cap = 0;
}
