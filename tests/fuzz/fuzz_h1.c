/* libFuzzer target: the HTTP/1.1 request head parser and the chunked
 * decoder, the latter fed in input-chosen pieces; and the PROXY protocol
 * header that may come before either (proxy.c); HTTP2-Settings values and
 * authorities (h1_h2c_settings, hdr_valid_authority). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/h1_parse.h"
#include "../../bridge/proxy.h"

/* A PROXY header is complete at one length only: every shorter prefix asks
 * for more (or is refused), and what it names are printable addresses. */
static void check_proxy(const uint8_t *data, size_t size)
{
	struct proxy_info pi;
	int rc = proxy_parse(data, size, &pi);

	if (rc > (int)size || (rc > 0 && rc > PROXY_MAX_HEADER) || (rc < 0 && pi.why == NULL))
		__builtin_trap();
	if (rc > 0) {
		if (!pi.local && (pi.src[0] == '\0' || pi.dst[0] == '\0' || pi.src_port > 65535))
			__builtin_trap();
		for (size_t k = 0; k < (size_t)rc; k++) {
			int r2 = proxy_parse(data, k, &pi);
			if (r2 > 0)
				__builtin_trap();
		}
	}
}

/* HTTP2-Settings: whole 6-byte settings in the buffer, or a refusal; an
 * authority taken is free of what would break out of a meta-variable. */
static void check_settings_authority(const uint8_t *data, size_t size)
{
	uint8_t out[H1_H2C_SETTINGS_MAX];
	long n = h1_h2c_settings((const char *)data, size, out, sizeof(out));

	if (n > (long)sizeof(out) || (n > 0 && n % 6 != 0))
		__builtin_trap();
	if (hdr_valid_authority((const char *)data, size))
		for (size_t i = 0; i < size; i++)
			if (data[i] < 0x21 || data[i] > 0x7e || data[i] == '/' || data[i] == '@' ||
			    data[i] == '"' || data[i] == '<' || data[i] == '\\')
				__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct h1_request r;
	char *copy = malloc(size + 1);

	check_proxy(data, size);
	check_settings_authority(data, size);
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
