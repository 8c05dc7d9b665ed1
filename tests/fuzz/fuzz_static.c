/* libFuzzer target: the field parsers of static files (Range,
 * If-None-Match, Accept-Encoding), HTTP dates, Link values (early hints)
 * and mime.types, on arbitrary bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/headers.h"
#include "../../bridge/link.h"
#include "../../bridge/mime.h"
#include "../../bridge/static.h"

static const char *input;
static size_t input_len;

/* every link-value lies inside the field, its target inside its text */
static int check_link(void *ctx, const struct link_value *lv)
{
	if (lv->text < input || lv->text + lv->text_len > input + input_len ||
	    lv->target <= lv->text || lv->target + lv->target_len >= lv->text + lv->text_len ||
	    lv->target[-1] != '<' || lv->target[lv->target_len] != '>' ||
	    (lv->rels & ~7u) != 0)
		__builtin_trap();
	link_same_origin(lv->target, lv->target_len, "example.org:8443");
	return 0;
}

/* a type is one token of visible ASCII, never empty */
static void check_type(const char *name)
{
	const char *t = mime_type(name);
	if (*t == '\0')
		__builtin_trap();
	for (; *t; t++)
		if ((unsigned char)*t <= 0x20 || (unsigned char)*t >= 0x7f)
			__builtin_trap();
}

/* The bytes as a mime.types file; then names made of its own words (each
 * one a name's extension) and a few others are looked up. */
static void mime(const char *v, size_t size)
{
	FILE *f = size ? fmemopen((void *)v, size, "r") : NULL;
	char name[64] = "a.";

	mime_load(f);
	if (f != NULL)
		fclose(f);
	for (const char *p = v; *p;) {
		p += strspn(p, " \t\r\n");
		size_t n = strcspn(p, " \t\r\n");
		if (n == 0)
			break;
		if (n < sizeof(name) - 2) {
			memcpy(name + 2, p, n);
			name[n + 2] = '\0';
			check_type(name);
		}
		p += n;
	}
	check_type("x.html");
	check_type("noext");
	check_type("a.");
	mime_free();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *v = malloc(size + 1);
	long long first, len;
	time_t t;
	char d[30];

	if (v == NULL)
		return 0;
	memcpy(v, data, size);
	v[size] = '\0';
	long long sizes[] = {0, 1, 100, 1LL << 40};
	for (int i = 0; i < 4; i++)
		if (static_range(v, sizes[i], &first, &len) == 1 &&
		    (first < 0 || len <= 0 || first + len > sizes[i]))
			__builtin_trap(); /* a range always lies inside the file */
	input = v;
	input_len = size;
	if (memchr(v, '\0', size) == NULL)
		link_parse(v, size, check_link, NULL);
	static_etag_match(v, "\"1f-2a\"");
	static_accepts_gzip(v);
	if (http_date_parse(v, &t) == 0) {
		http_date(t, d);
		if (strlen(d) != 29)
			__builtin_trap();
	}
	mime(v, size);
	free(v);
	return 0;
}
