/* hints.h - the early hints h2cgi learned: per path, the Link values of
 * its last 2xx response, in a bounded LRU with an expiry. */
#ifndef H2CGI_HINTS_H
#define H2CGI_HINTS_H

#include <stddef.h>
#include <stdint.h>

#define HINTS_MAX_LINKS 16    /* per path */
#define HINTS_MAX_BYTES 4096  /* of Link values per path */
#define HINTS_TTL_MS (3600 * 1000ULL) /* a path not seen again is forgotten */

/* Sets the number of paths kept (0: learning off). Returns 0 or -1. */
int hints_init(size_t max_paths);

/* Remembers links (Link values joined by ", ", n of them) for key, in
 * place of what key had; the least recently used path goes when full. */
void hints_learn(const char *key, const char *links, size_t len, unsigned n, uint64_t now);

/* Forgets key (its response no longer carries the hints). */
void hints_forget(const char *key);

/* The links learned for key (NUL-terminated, valid until the next call
 * that changes the cache), or NULL; an expired entry is dropped. */
const char *hints_get(const char *key, uint64_t now);

/* Paths kept, and the bytes they take (entries, keys, values, table). */
size_t hints_count(void);
size_t hints_memory(void);

/* Frees everything. */
void hints_free(void);

#endif
