/* spare.c - freed blocks kept for reuse (see spare.h). */
#include "spare.h"

#include <stdlib.h>

#if defined(__SANITIZE_ADDRESS__)
#define SPARE_ON 0
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SPARE_ON 0
#endif
#endif
#ifndef SPARE_ON
#define SPARE_ON 1
#endif

static struct spare *lists; /* every list that ever kept a block */

static void drop(struct spare *l)
{
	while (l->n > 0)
		free(l->items[--l->n]);
}

void *spare_take(struct spare *l, size_t size)
{
	if (SPARE_ON && l->n > 0 && l->size == size)
		return l->items[--l->n];
	return malloc(size);
}

void spare_give(struct spare *l, void *p, size_t size)
{
	if (p == NULL)
		return;
	if (SPARE_ON && l->size != size) {
		drop(l); /* blocks of another size (a reload changed it) */
		l->size = size;
	}
	if (SPARE_ON && l->n < l->max && l->n < SPARE_MAX) {
		if (!l->listed) {
			l->listed = true;
			l->next = lists;
			lists = l;
		}
		l->items[l->n++] = p;
		return;
	}
	free(p);
}

void spare_drop_all(void)
{
	for (struct spare *l = lists; l; l = l->next)
		drop(l);
}
