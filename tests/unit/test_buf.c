/* buf.c: growing, compacting, and buf_reserve_whole's one step to the
 * whole size (a large answer's body buffer is not grown by doubling). */
#include <stdlib.h>
#include <string.h>

#include "../../bridge/buf.h"
#include "../../bridge/spare.h"
#include "tap.h"

int main(void)
{
	struct buf b = {0};
	uint8_t rec[8184], out[2 * sizeof(rec)];

	for (size_t i = 0; i < sizeof(rec); i++)
		rec[i] = (uint8_t)(i * 7);

	int rc = buf_reserve_whole(&b, 13, 65536);
	ok(rc == 0 && b.cap == 4096, "a small answer takes a small first block (%zu)", b.cap);
	buf_free(&b);

	rc = buf_reserve_whole(&b, sizeof(rec), 65536);
	ok(rc == 0 && b.cap == 65536,
	   "a first record larger than the first block: the whole size at once (%zu)", b.cap);
	buf_free(&b);

	/* 13 bytes, then records: the second step is to the whole size */
	ok(buf_append(&b, "hello, world\n", 13) == 0, "13 bytes appended");
	unsigned grew = 0;
	size_t cap = b.cap;
	for (int i = 0; i < 7; i++) {
		if (buf_reserve_whole(&b, sizeof(rec), 65536) < 0 || buf_append(&b, rec, sizeof(rec)) < 0)
			break;
		grew += b.cap != cap;
		cap = b.cap;
	}
	ok(grew == 1 && b.cap == 65536, "seven 8 KiB records: grown once, to 64 KiB (%u times, %zu)",
	   grew, b.cap);
	ok(memcmp(b.data, "hello, world\n", 13) == 0 && memcmp(b.data + 13 + 6 * sizeof(rec), rec,
								 sizeof(rec)) == 0,
	   "the bytes are kept across the growth");

	/* consumed bytes make room first: no growth while the rest fits */
	buf_consume(&b, 13 + 5 * sizeof(rec));
	ok(buf_reserve_whole(&b, 2 * sizeof(rec), 65536) == 0 && b.cap == 65536 && b.off == 0 &&
		   memcmp(b.data + sizeof(rec), rec, sizeof(rec)) == 0,
	   "consumed bytes are reused before the buffer grows");

	/* past the whole size it grows as needed (a record's tail always fits) */
	b.len = b.off = 0;
	memset(out, 1, sizeof(out));
	for (int i = 0; i < 8; i++)
		buf_append(&b, out, sizeof(rec));
	rc = buf_reserve_whole(&b, sizeof(out), 65536);
	ok(rc == 0 && b.cap - b.len >= sizeof(out), "past the whole size: room as asked (%zu)", b.cap);
	buf_free(&b);
	ok(b.data == NULL && b.cap == 0 && b.len == 0, "buf_free zeroes the buffer");
	spare_drop_all();
	return done_testing();
}
