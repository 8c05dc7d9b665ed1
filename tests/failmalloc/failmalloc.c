/* failmalloc.c - for the allocation-failure build of h2cgi (as nghttp2's
 * failmalloc tests do): linked with -Wl,--wrap for the allocators, it fails
 * the Nth allocation made by h2cgi's own code. N is read from the file named
 * by H2CGI_FAILMALLOC at every accepted connection and counted from there:
 * a test serves one request per connection and walks N up until a request
 * needs fewer than N allocations. Start-up is left alone. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
int __real_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);
int __wrap_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags);

static long fail_at, count;

static bool fail_now(void)
{
	if (fail_at <= 0 || ++count != fail_at)
		return false;
	char line[64];
	int n = snprintf(line, sizeof(line), "failmalloc: failing allocation %ld\n", count);
	ssize_t w = write(2, line, (size_t)n);
	(void)w;
	errno = ENOMEM;
	return true;
}

void *__wrap_malloc(size_t n)
{
	return fail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return fail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return fail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return fail_now() ? NULL : __real_strdup(s);
}

int __wrap_accept4(int fd, struct sockaddr *addr, socklen_t *len, int flags)
{
	int rc = __real_accept4(fd, addr, len, flags);
	const char *path = getenv("H2CGI_FAILMALLOC");
	char buf[32] = "";

	if (rc >= 0 && path) {
		FILE *f = fopen(path, "r"); /* glibc's own allocations: not counted */
		if (f) {
			if (fgets(buf, sizeof(buf), f) == NULL)
				buf[0] = '\0';
			fclose(f);
		}
		fail_at = atol(buf);
		count = 0;
	}
	return rc;
}
