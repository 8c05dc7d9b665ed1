/* libFuzzer target: the field parsers of static files (Range,
 * If-None-Match, Accept-Encoding), HTTP dates, and Link values (early
 * hints), on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/headers.h"
#include "../../bridge/link.h"
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
	free(v);
	return 0;
}
