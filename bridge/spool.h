/* spool.h - bytes held in order: a request body that came without a
 * length, until it is complete (RFC 3875 §4.1.2 needs CONTENT_LENGTH), or
 * the part of a response its client did not take yet: in memory up to a
 * bound, then in an unlinked temporary file; read back in order, also
 * while more is written. */
#ifndef H2CGI_SPOOL_H
#define H2CGI_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"

struct spool {
	struct buf mem;     /* the first mem_max bytes */
	int fd;             /* the rest, or -1 */
	long long len;      /* bytes held */
	long long in_file;  /* of them, in the file (counted in the process's total) */
	long long sent;     /* bytes read back */
	size_t mem_max;
	const char *dir;    /* where the file goes (O_TMPFILE, else mkostemp+unlink) */
};

/* Sets sp up, empty. */
void spool_init(struct spool *sp, const char *dir, size_t mem_max);

/* The bound of the bytes all spools of this process hold in files
 * (--spool-max); 0: none. */
void spool_set_max(long long max);

/* True when the files of all spools may grow by n bytes (--spool-max). */
bool spool_can_hold(long long n);

/* Holds len more bytes; returns 0, or -1 with errno: ENOSPC when the files
 * would pass spool_set_max()'s bound or the disk is full (EDQUOT: a quota),
 * else what failed (memory, the file). */
int spool_write(struct spool *sp, const uint8_t *data, size_t len);

/* Reads back up to n of the bytes not read yet into out; returns how
 * many (0 when all were), or -1 when the file cannot be read. */
ssize_t spool_read(struct spool *sp, uint8_t *out, size_t n);

/* Bytes held and not read back yet. */
long long spool_left(const struct spool *sp);

/* Frees what sp holds (the file goes with its descriptor). */
void spool_free(struct spool *sp);

#endif
