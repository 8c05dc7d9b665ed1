/* selftest.c - a fuzz target with a planted bug, for replay.sh to prove
 * that a replay under --enable-sanitizers fails on a memory error (a replay
 * that only fails on crashes would pass it in a plain build). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = malloc(size ? size : 1);
	volatile char sink = 0;

	if (copy == NULL)
		return 0;
	if (size)
		memcpy(copy, data, size);
	/* the bug: reads one byte past the buffer when the input says so */
	if (size >= 8 && memcmp(data, "overflow", 8) == 0)
		sink = copy[size];
	(void)sink;
	free(copy);
	return 0;
}
