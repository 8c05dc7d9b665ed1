/* libFuzzer target: the --config file reader (quoting, escapes, line
 * length, every option's value parser) on arbitrary bytes, read from a
 * memory file as h2cgi reads a real one. A file is accepted or refused
 * with counted problems; never both, never a crash or a leak. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../../bridge/config.h"
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static FILE *null;
	static int fd = -1;
	static char path[64];
	if (fd < 0) {
		fd = memfd_create("h2cgi-fuzz.conf", 0);
		null = fopen("/dev/null", "w");
		if (fd < 0 || null == NULL)
			__builtin_trap();
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		__builtin_trap();
	char *argv[] = {"h2cgi", "--config", path, NULL};
	struct config c = {.err = null};
	int rc = config_parse(&c, 3, argv);
	if ((rc == 0) != (c.errors == 0) || (rc != 0 && rc != 64))
		__builtin_trap();
	if (rc == 0)
		config_print(&c, null);
	config_free(&c);
	return 0;
}
