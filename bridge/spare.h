/* spare.h - a few freed blocks of one size, kept for the next allocation
 * of that size: for the blocks every request takes and gives back, which
 * glibc serves from its slower bins. Bounded per list; none under ASan
 * (its quarantine must see every block freed). */
#ifndef H2CGI_SPARE_H
#define H2CGI_SPARE_H

#include <stdbool.h>
#include <stddef.h>

#define SPARE_MAX 32

struct spare {
	size_t size;         /* of the blocks held */
	unsigned max, n;     /* kept at most; held now */
	bool listed;         /* on the list spare_drop_all() walks */
	struct spare *next;
	void *items[SPARE_MAX];
};

/* A list keeping up to max (<= SPARE_MAX) blocks. */
#define SPARE_LIST(max) {0, (max), 0, false, NULL, {0}}

/* A block of size bytes (not zeroed): a kept one, else malloc's; NULL
 * when memory ran out. */
void *spare_take(struct spare *l, size_t size);

/* Gives back p (NULL: nothing), a block of size bytes from spare_take():
 * kept when l has room, else freed. */
void spare_give(struct spare *l, void *p, size_t size);

/* Frees every kept block of every list (before malloc_trim, at exit). */
void spare_drop_all(void);

#endif
