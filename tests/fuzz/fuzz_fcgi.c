/* libFuzzer target: the FastCGI record decoder and name-value decoder,
 * fed in pieces whose sizes come from the input itself. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "../../bridge/fcgi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fcgi_decoder d;
	size_t pos = 1;

	if (size < 1)
		return 0;
	struct fcgi_values v;
	if (fcgi_values_parse(data, size, &v) == 0 &&
	    (v.max_conns > 999999999 || v.max_reqs > 999999999 || v.mpxs_conns < -1 || v.mpxs_conns > 1))
		__builtin_trap();
	size_t step = (size_t)data[0] + 1, cap = (size_t)(data[0] & 0x3f);
	fcgi_decoder_init(&d);
	while (pos < size) {
		size_t n = size - pos < step ? size - pos : step;
		struct fcgi_event ev;
		ssize_t used = fcgi_decode(&d, data + pos, n, cap ? cap : 1, &ev);
		if (used < 0)
			break;
		if (ev.kind == FCGI_EV_DATA && ev.len && (ev.data < data || ev.data + ev.len > data + size))
			__builtin_trap();
		if (used == 0 && n == size - pos && ev.kind == FCGI_EV_NONE)
			break;
		pos += (size_t)used;
	}
	const uint8_t *name, *value;
	size_t nl, vl, off = 0, k;
	while ((k = fcgi_nv_decode(data + off, size - off, &name, &nl, &value, &vl)) > 0)
		off += k;
	return 0;
}
