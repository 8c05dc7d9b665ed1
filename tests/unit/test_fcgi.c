/* FastCGI record codec: headers, padding, 65535-byte records, split reads. */
#include <stdlib.h>
#include <string.h>

#include "../../bridge/fcgi.h"
#include "tap.h"

/* Builds a record with content c (n bytes) and pad bytes of padding. */
static size_t record(uint8_t *out, int type, uint16_t id, const uint8_t *c, size_t n, uint8_t pad)
{
	fcgi_header(out, type, id, n, pad);
	if (n)
		memcpy(out + 8, c, n);
	memset(out + 8 + n, 0xEE, pad);
	return 8 + n + pad;
}

/* Decodes buf feeding step bytes at a time; collects STDOUT into out. */
static int decode_all(const uint8_t *buf, size_t len, size_t step, size_t max_data, uint8_t *out,
		      size_t *out_len, int *ends, int *eofs)
{
	struct fcgi_decoder d;
	size_t pos = 0, avail = 0;

	fcgi_decoder_init(&d);
	*out_len = 0;
	*ends = *eofs = 0;
	while (pos < len) {
		avail += step;
		if (pos + avail > len)
			avail = len - pos;
		struct fcgi_event ev;
		ssize_t n = fcgi_decode(&d, buf + pos, avail, max_data, &ev);
		if (n < 0)
			return -1;
		pos += (size_t)n;
		avail -= (size_t)n;
		if (ev.kind == FCGI_EV_DATA && ev.type == FCGI_STDOUT) {
			if (ev.len == 0)
				(*eofs)++;
			memcpy(out + *out_len, ev.data, ev.len);
			*out_len += ev.len;
		} else if (ev.kind == FCGI_EV_END) {
			(*ends)++;
		}
	}
	return 0;
}

int main(void)
{
	uint8_t h[16];

	fcgi_header(h, FCGI_STDIN, 0x1234, 65535, 7);
	ok(memcmp(h, "\x01\x05\x12\x34\xff\xff\x07\x00", 8) == 0, "header bytes (id, 65535 length, padding)");
	fcgi_begin_request(h, 1, FCGI_RESPONDER, 0);
	ok(memcmp(h, "\x01\x01\x00\x01\x00\x08\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00", 16) == 0,
	   "BEGIN_REQUEST record");

	/* name-value pairs: short and long lengths (§3.4) */
	uint8_t nv[400];
	char longv[300];
	memset(longv, 'v', sizeof(longv));
	size_t n1 = fcgi_nv_encode(nv, "A", 1, "xy", 2);
	ok(n1 == 5 && memcmp(nv, "\x01\x02" "Axy", 5) == 0, "short name-value pair");
	size_t n2 = fcgi_nv_encode(nv, "LONG", 4, longv, 300);
	ok(n2 == fcgi_nv_len(4, 300) && n2 == 1 + 4 + 4 + 300, "long value uses a 4-byte length");
	ok(memcmp(nv, "\x04\x80\x00\x01\x2c", 5) == 0, "4-byte length has the high bit set");
	const uint8_t *name, *value;
	size_t nl, vl;
	ok(fcgi_nv_decode(nv, n2, &name, &nl, &value, &vl) == n2 && nl == 4 && vl == 300 &&
		   memcmp(name, "LONG", 4) == 0,
	   "long pair decodes back");
	ok(fcgi_nv_decode(nv, n2 - 1, &name, &nl, &value, &vl) == 0, "truncated pair needs more");
	ok(fcgi_nv_encode(nv, "E", 1, "", 0) == 3 && nv[1] == 0, "empty value");

	/* a stream: STDOUT with padding, a 65535-byte record, empty STDOUT, END */
	size_t big = 65535 + 100;
	uint8_t *content = malloc(65535), *buf = malloc(big + 200), *out = malloc(big);
	for (size_t i = 0; i < 65535; i++)
		content[i] = (uint8_t)(i * 7);
	size_t len = 0;
	len += record(buf + len, FCGI_STDOUT, 1, (const uint8_t *)"Status: 200\r\n", 13, 3);
	len += record(buf + len, FCGI_STDERR, 1, (const uint8_t *)"warn\n", 5, 0);
	len += record(buf + len, FCGI_STDOUT, 1, content, 65535, 1);
	len += record(buf + len, FCGI_STDOUT, 1, NULL, 0, 0);
	uint8_t end[8] = {0, 0, 0, 3, FCGI_REQUEST_COMPLETE, 0, 0, 0};
	len += record(buf + len, FCGI_END_REQUEST, 1, end, 8, 0);

	size_t steps[] = {1, 2, 7, 8, 9, 4096, 1 << 20};
	for (size_t s = 0; s < sizeof(steps) / sizeof(steps[0]); s++) {
		size_t out_len;
		int ends, eofs;
		int rc = decode_all(buf, len, steps[s], 1000, out, &out_len, &ends, &eofs);
		ok(rc == 0 && out_len == 13 + 65535 && memcmp(out, "Status: 200\r\n", 13) == 0 &&
			   memcmp(out + 13, content, 65535) == 0 && ends == 1 && eofs == 1,
		   "split reads of %zu bytes: content, padding skipped, one EOF, one END", steps[s]);
	}

	/* max_data 0 stops at content without consuming it */
	struct fcgi_decoder d;
	struct fcgi_event ev;
	fcgi_decoder_init(&d);
	ssize_t r = fcgi_decode(&d, buf, len, 0, &ev);
	ok(r == 8 && ev.kind == FCGI_EV_NONE, "max_data 0 consumes only the header");

	/* END_REQUEST fields */
	fcgi_decoder_init(&d);
	uint8_t endrec[16];
	uint8_t e2[8] = {0x01, 0x02, 0x03, 0x04, FCGI_OVERLOADED, 0, 0, 0};
	record(endrec, FCGI_END_REQUEST, 9, e2, 8, 0);
	r = fcgi_decode(&d, endrec, 16, 100, &ev);
	ok(r == 16 && ev.kind == FCGI_EV_END && ev.app_status == 0x01020304 &&
		   ev.protocol_status == FCGI_OVERLOADED && ev.req_id == 9,
	   "END_REQUEST app and protocol status");

	/* malformed: wrong version, wrong END_REQUEST size */
	fcgi_decoder_init(&d);
	uint8_t bad[8] = {2, 6, 0, 1, 0, 0, 0, 0};
	ok(fcgi_decode(&d, bad, 8, 100, &ev) == -1, "version 2 is malformed");
	fcgi_decoder_init(&d);
	fcgi_header(bad, FCGI_END_REQUEST, 1, 4, 0);
	ok(fcgi_decode(&d, bad, 8, 100, &ev) == -1, "END_REQUEST with 4 bytes is malformed");

	/* unknown record types are skipped whole */
	fcgi_decoder_init(&d);
	len = record(buf, FCGI_UNKNOWN_TYPE, 0, (const uint8_t *)"\x63\0\0\0\0\0\0\0", 8, 0);
	len += record(buf + len, FCGI_STDOUT, 1, (const uint8_t *)"x", 1, 0);
	r = fcgi_decode(&d, buf, len, 100, &ev);
	ok(r == 16 && ev.kind == FCGI_EV_OTHER && ev.type == FCGI_UNKNOWN_TYPE, "UNKNOWN_TYPE skipped");
	r = fcgi_decode(&d, buf + 16, len - 16, 100, &ev);
	ok(r == 9 && ev.kind == FCGI_EV_DATA && ev.len == 1 && ev.data[0] == 'x', "then STDOUT follows");

	free(content);
	free(buf);
	free(out);
	/* FCGI_GET_VALUES_RESULT */
	struct fcgi_values v;
	uint8_t vals[128];
	size_t vn = 0;
	vn += fcgi_nv_encode(vals + vn, "FCGI_MAX_CONNS", 14, "12", 2);
	vn += fcgi_nv_encode(vals + vn, "FCGI_MPXS_CONNS", 15, "0", 1);
	vn += fcgi_nv_encode(vals + vn, "FCGI_MAX_REQS", 13, "x7", 2);
	vn += fcgi_nv_encode(vals + vn, "OTHER", 5, "1", 1);
	ok(fcgi_values_parse(vals, vn, &v) == 0 && v.max_conns == 12 && v.mpxs_conns == 0 &&
	   v.max_reqs == 0, "GET_VALUES_RESULT: 12 connections, no multiplexing, a bad number ignored");
	ok(fcgi_values_parse(vals, 3, &v) == -1, "GET_VALUES_RESULT: a cut pair is malformed");
	ok(fcgi_values_parse(vals, 0, &v) == 0 && v.max_conns == 0 && v.mpxs_conns == -1,
	   "GET_VALUES_RESULT: empty says nothing");
	return done_testing();
}
