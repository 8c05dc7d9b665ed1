/* libFuzzer target: the static-file request field parsers (Range,
 * If-None-Match, Accept-Encoding) and HTTP dates, on arbitrary bytes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/headers.h"
#include "../../bridge/static.h"

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
