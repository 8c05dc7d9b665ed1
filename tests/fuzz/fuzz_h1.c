/* libFuzzer target: the HTTP/1.1 request head parser and the chunked
 * decoder, the latter fed in input-chosen pieces. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/h1_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h1_request r;
	char *copy = malloc(size + 1);

	if (copy == NULL || size < 1) {
		free(copy);
		return 0;
	}
	memcpy(copy, data, size);
	int rc = h1_parse_head(copy + 1, size - 1, 4096, &r);
	if (rc > (int)size - 1)
		__builtin_trap();
	if (rc > 0) {
		for (size_t i = 0; i < r.nhdr; i++)
			if (!hdr_valid_name(r.hdrs[i].name, r.hdrs[i].name_len) ||
			    !hdr_valid_value(r.hdrs[i].value, r.hdrs[i].value_len))
				__builtin_trap();
		if (r.chunked && r.content_length != -1)
			__builtin_trap(); /* never both: that is how requests get smuggled */
	}
	/* the same bytes as a chunked body, in pieces of data[0] + 1 */
	struct h1_chunked d;
	size_t pos = 1, step = (size_t)data[0] + 1;
	bool done = false;
	h1_chunked_init(&d);
	while (pos < size && !done) {
		size_t n = size - pos < step ? size - pos : step;
		const uint8_t *p;
		size_t pl;
		ssize_t used = h1_chunked_decode(&d, data + pos, n, &p, &pl, &done);
		if (used < 0)
			break;
		if (pl && (p < data + pos || p + pl > data + pos + n))
			__builtin_trap();
		if (used == 0 && !done)
			break;
		pos += (size_t)used;
	}
	free(copy);
	return 0;
}
