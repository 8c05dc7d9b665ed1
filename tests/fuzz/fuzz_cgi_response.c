/* libFuzzer target: the CGI response parser, fed in input-chosen pieces,
 * across informational blocks; checks that the headers it accepts are valid. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "../../bridge/cgi_response.h"
#include "../../bridge/headers.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char store[2048];
	struct cgiresp p;
	size_t pos = 1;

	if (size < 1)
		return 0;
	size_t step = (size_t)data[0] + 1;
	cgiresp_init(&p, store, sizeof(store));
	while (pos < size) {
		size_t n = size - pos < step ? size - pos : step, used;
		enum cgiresp_result r = cgiresp_feed(&p, (const char *)data + pos, n, &used);
		if (used > n)
			__builtin_trap();
		pos += used;
		if (r == CGIRESP_ERROR)
			break;
		if (r == CGIRESP_BLOCK) {
			for (size_t i = 0; i < p.nhdr; i++)
				if (!hdr_valid_name(p.hdrs[i].name, p.hdrs[i].name_len) ||
				    !hdr_valid_value(p.hdrs[i].value, p.hdrs[i].value_len))
					__builtin_trap();
			if (p.kind != CGIRESP_LOCAL_REDIRECT && (p.status < 100 || p.status > 599))
				__builtin_trap();
			struct hdr req[CGIRESP_MAX_HEADERS];
			memcpy(req, p.hdrs, p.nhdr * sizeof(req[0]));
			size_t kept = hdr_filter_response(p.hdrs, p.nhdr);
			for (size_t i = 0; i < kept; i++)
				if (hdr_flags(p.hdrs[i].name, p.hdrs[i].name_len) & (HDR_HOP | HDR_CGI_ONLY))
					__builtin_trap();
			/* Content-Length: one value of digits left, or refused */
			long long cl = hdr_content_length(p.hdrs, &kept);
			size_t ncl = 0;
			for (size_t i = 0; i < kept; i++)
				ncl += p.hdrs[i].name_len == 14 &&
				       strncasecmp(p.hdrs[i].name, "content-length", 14) == 0;
			if (cl < -2 || (cl >= 0 && ncl != 1) || (cl == -1 && ncl != 0))
				__builtin_trap();
			/* the same block taken as request fields */
			size_t nreq = hdr_filter_request(req, p.nhdr);
			for (size_t i = 0; i < nreq; i++)
				if (hdr_flags(req[i].name, req[i].name_len) & (HDR_HOP | HDR_NOT_TO_CGI))
					__builtin_trap();
			if (p.kind != CGIRESP_INFORMATIONAL)
				break;
			cgiresp_next(&p);
		}
	}
	return 0;
}
