/* spool.c - request bodies held until complete, memory first, then a
 * file that is never visible by name. */
#include "spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static long long total, total_max; /* file bytes of every spool; --spool-max */

void spool_set_max(long long max)
{
	total_max = max;
}

bool spool_can_hold(long long n)
{
	return total_max == 0 || total + n <= total_max;
}

void spool_init(struct spool *sp, const char *dir, size_t mem_max)
{
	memset(sp, 0, sizeof(*sp));
	sp->fd = -1;
	sp->dir = dir;
	sp->mem_max = mem_max;
}

/* An unlinked file in dir: O_TMPFILE, or a name removed at once where the
 * file system does not have it. */
static int open_file(const char *dir)
{
	int fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);

	if (fd >= 0)
		return fd;
	char path[4096];
	snprintf(path, sizeof(path), "%s/h2cgi-body.XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd >= 0)
		unlink(path);
	return fd;
}

int spool_write(struct spool *sp, const uint8_t *data, size_t len)
{
	if (sp->fd < 0 && sp->mem.len + len <= sp->mem_max) {
		if (buf_append(&sp->mem, data, len) < 0)
			return -1;
		sp->len += (long long)len;
		return 0;
	}
	if (!spool_can_hold((long long)len)) {
		errno = ENOSPC; /* --spool-max: the disk is not the clients' */
		return -1;
	}
	if (sp->fd < 0 && (sp->fd = open_file(sp->dir)) < 0)
		return -1;
	sp->len += (long long)len;
	while (len > 0) {
		ssize_t n = write(sp->fd, data, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			if (n == 0)
				errno = ENOSPC;
			return -1;
		}
		data += n;
		len -= (size_t)n;
		sp->in_file += n;
		total += n;
	}
	return 0;
}

ssize_t spool_read(struct spool *sp, uint8_t *out, size_t n)
{
	long long left = sp->len - sp->sent;

	if ((long long)n > left)
		n = (size_t)left;
	if (n == 0)
		return 0;
	if ((size_t)sp->sent < sp->mem.len) {
		size_t m = sp->mem.len - (size_t)sp->sent;
		if (n > m)
			n = m;
		memcpy(out, sp->mem.data + sp->sent, n);
	} else {
		ssize_t r = pread(sp->fd, out, n, (off_t)(sp->sent - (long long)sp->mem.len));
		if (r <= 0)
			return -1;
		n = (size_t)r;
	}
	sp->sent += (long long)n;
	return (ssize_t)n;
}

long long spool_left(const struct spool *sp)
{
	return sp->len - sp->sent;
}

void spool_free(struct spool *sp)
{
	if (sp->fd >= 0)
		close(sp->fd);
	sp->fd = -1;
	buf_free(&sp->mem);
	total -= sp->in_file;
	sp->len = sp->sent = sp->in_file = 0;
}
