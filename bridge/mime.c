/* mime.c - media types by extension (see mime.h). */
#include "mime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct mime_entry {
	char *ext;
	char *type;
	size_t order; /* line order: the first line naming an extension wins */
};

static struct mime_entry *table;
static size_t ntable;

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

static int cmp(const void *a, const void *b)
{
	return strcasecmp(((const struct mime_entry *)a)->ext, ((const struct mime_entry *)b)->ext);
}

static int cmp_order(const void *a, const void *b)
{
	const struct mime_entry *x = a, *y = b;
	int c = strcasecmp(x->ext, y->ext);
	return c ? c : x->order < y->order ? -1 : x->order > y->order;
}

static int add(const char *ext, size_t el, const char *type, size_t tl, size_t *cap)
{
	if (ntable == *cap) {
		size_t c = *cap ? *cap * 2 : 256;
		struct mime_entry *t = realloc(table, c * sizeof(*t));
		if (t == NULL)
			return -1;
		table = t;
		*cap = c;
	}
	char *e = strndup(ext, el), *ty = strndup(type, tl);
	if (e == NULL || ty == NULL) {
		free(e);
		free(ty);
		return -1;
	}
	table[ntable].ext = e;
	table[ntable].type = ty;
	table[ntable].order = ntable;
	ntable++;
	return 0;
}

int mime_init(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[1024];
	size_t cap = 0;
	int rc = 0;

	mime_free();
	if (f != NULL) {
		/* "type ext ext ..." per line, '#' comments */
		while (fgets(line, sizeof(line), f) != NULL) {
			char *p = line + strspn(line, " \t");
			if (*p == '#' || *p == '\n' || *p == '\0')
				continue;
			size_t tl = strcspn(p, " \t\r\n");
			const char *type = p;
			for (p += tl; *p;) {
				p += strspn(p, " \t\r\n");
				size_t el = strcspn(p, " \t\r\n");
				if (el == 0)
					break;
				if (add(p, el, type, tl, &cap) < 0)
					break;
				p += el;
			}
		}
		fclose(f);
	}
	if (ntable == 0) {
		rc = -1;
		for (size_t i = 0; i < sizeof(builtin) / sizeof(builtin[0]); i++)
			add(builtin[i][0], strlen(builtin[i][0]), builtin[i][1], strlen(builtin[i][1]), &cap);
	}
	qsort(table, ntable, sizeof(*table), cmp_order);
	size_t k = 0;
	for (size_t i = 0; i < ntable; i++) {
		if (k > 0 && strcasecmp(table[k - 1].ext, table[i].ext) == 0) {
			free(table[i].ext);
			free(table[i].type);
			continue;
		}
		table[k++] = table[i];
	}
	ntable = k;
	return rc;
}

const char *mime_type(const char *name)
{
	const char *slash = strrchr(name, '/');
	const char *dot = strrchr(slash ? slash : name, '.');

	if (dot != NULL && dot[1] != '\0' && ntable > 0) {
		struct mime_entry key = {(char *)dot + 1, NULL, 0};
		struct mime_entry *e = bsearch(&key, table, ntable, sizeof(*table), cmp);
		if (e != NULL)
			return e->type;
	}
	return "application/octet-stream";
}

void mime_free(void)
{
	for (size_t i = 0; i < ntable; i++) {
		free(table[i].ext);
		free(table[i].type);
	}
	free(table);
	table = NULL;
	ntable = 0;
}
