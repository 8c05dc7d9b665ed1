/* mime.c - media types by extension (see mime.h).
 *
 * The table is two allocations whatever the file's size: one pool of
 * NUL-terminated strings (each line's type once, then its extensions) and
 * one array of offset pairs into it, sorted by extension. Debian's
 * /etc/mime.types names 1,552 extensions on 1,200 lines: 37 KB of pool and
 * 12 KB of pairs, where a pair of strdups per extension cost three times
 * that in every process. */
#include "mime.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mime_entry {
	uint32_t ext;  /* offsets into pool; ext also gives line order */
	uint32_t type;
};

static char *pool;
static size_t npool, cappool;
static struct mime_entry *table;
static size_t ntable, captable;

/* when /etc/mime.types is missing (Debian's media-types package holds it) */
static const char *const builtin[][2] = {
	{"html", "text/html"}, {"htm", "text/html"}, {"css", "text/css"},
	{"js", "text/javascript"}, {"mjs", "text/javascript"}, {"json", "application/json"},
	{"txt", "text/plain"}, {"xml", "application/xml"}, {"svg", "image/svg+xml"},
	{"png", "image/png"}, {"jpg", "image/jpeg"}, {"jpeg", "image/jpeg"}, {"gif", "image/gif"},
	{"webp", "image/webp"}, {"ico", "image/vnd.microsoft.icon"}, {"pdf", "application/pdf"},
	{"woff", "font/woff"}, {"woff2", "font/woff2"}, {"wasm", "application/wasm"},
	{"gz", "application/gzip"}, {"zip", "application/zip"}, {"tar", "application/x-tar"},
	{"mp4", "video/mp4"}, {"webm", "video/webm"}, {"mp3", "audio/mpeg"},
};

/* by extension, then by line order: the first line naming one wins */
static int cmp_order(const void *a, const void *b)
{
	const struct mime_entry *x = a, *y = b;
	int c = strcasecmp(pool + x->ext, pool + y->ext);
	return c ? c : x->ext < y->ext ? -1 : x->ext > y->ext;
}

/* bsearch's: an extension against an entry */
static int cmp_key(const void *key, const void *e)
{
	return strcasecmp(key, pool + ((const struct mime_entry *)e)->ext);
}

/* Appends s[0..len) and a NUL to the pool; its offset, or -1. */
static long intern(const char *s, size_t len)
{
	if (len + 1 > UINT32_MAX - npool)
		return -1;
	if (npool + len + 1 > cappool) {
		size_t c = cappool ? cappool : 16384;
		while (c < npool + len + 1)
			c *= 2;
		char *p = realloc(pool, c);
		if (p == NULL)
			return -1;
		pool = p;
		cappool = c;
	}
	memcpy(pool + npool, s, len);
	pool[npool + len] = '\0';
	npool += len + 1;
	return (long)(npool - len - 1);
}

static int add(long ext, long type)
{
	if (ext < 0 || type < 0)
		return -1;
	if (ntable == captable) {
		size_t c = captable ? captable * 2 : 512;
		struct mime_entry *t = realloc(table, c * sizeof(*t));
		if (t == NULL)
			return -1;
		table = t;
		captable = c;
	}
	table[ntable].ext = (uint32_t)ext;
	table[ntable].type = (uint32_t)type;
	ntable++;
	return 0;
}

#define BLANK " \t\r\n\v\f"

/* True when s[0..n) is all visible ASCII: a type goes out in a
 * Content-Type field as it is (RFC 9110 §8.3). */
static bool visible(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return n > 0;
}

/* One "type ext ext ..." line; a type with no extension takes no room.
 * A line whose type is not one visible token is skipped, and so is an
 * extension that is not. */
static int add_line(const char *p)
{
	p += strspn(p, BLANK);
	if (*p == '#')
		return 0;
	size_t tl = strcspn(p, BLANK);
	const char *t = p;
	long type = -1;
	if (!visible(t, tl))
		return 0;
	for (p += tl; *p;) {
		p += strspn(p, BLANK);
		size_t el = strcspn(p, BLANK);
		if (el == 0)
			break;
		if (visible(p, el)) {
			if (type < 0 && (type = intern(t, tl)) < 0)
				return -1;
			if (add(intern(p, el), type) < 0)
				return -1;
		}
		p += el;
	}
	return 0;
}

/* Gives back the slack of the doubling growth. */
static void shrink(void)
{
	char *p = realloc(pool, npool ? npool : 1);
	struct mime_entry *t = realloc(table, (ntable ? ntable : 1) * sizeof(*t));
	if (p != NULL) {
		pool = p;
		cappool = npool ? npool : 1;
	}
	if (t != NULL) {
		table = t;
		captable = ntable ? ntable : 1;
	}
}

int mime_init(const char *path)
{
	FILE *f = fopen(path, "r");
	int rc = mime_load(f);

	if (f != NULL)
		fclose(f);
	return rc;
}

int mime_load(FILE *f)
{
	char *line = NULL;
	size_t linecap = 0;
	int rc = 0;

	mime_free();
	if (f != NULL) {
		while (getline(&line, &linecap, f) > 0)
			if (add_line(line) < 0)
				break;
		free(line);
	}
	if (ntable == 0) {
		rc = -1;
		for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
			add(intern(builtin[i][0], strlen(builtin[i][0])),
			    intern(builtin[i][1], strlen(builtin[i][1])));
	}
	qsort(table, ntable, sizeof(*table), cmp_order);
	size_t k = 0;
	for (size_t i = 0; i < ntable; i++)
		if (k == 0 || strcasecmp(pool + table[k - 1].ext, pool + table[i].ext) != 0)
			table[k++] = table[i];
	ntable = k;
	shrink();
	return rc;
}

const char *mime_type(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');

	if (dot != NULL && dot[1] != '\0' && ntable > 0) {
		const struct mime_entry *e = bsearch(dot + 1, table, ntable, sizeof(*table), cmp_key);
		if (e != NULL)
			return pool + e->type;
	}
	return "application/octet-stream";
}

void mime_free(void)
{
	free(pool);
	free(table);
	pool = NULL;
	table = NULL;
	npool = cappool = ntable = captable = 0;
}
