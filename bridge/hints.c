/* hints.c - learned early hints (see hints.h): a hash table of paths with
 * a doubly linked LRU list through it. */
#include "hints.h"

#include <stdlib.h>
#include <string.h>

struct entry {
	struct entry *hnext;          /* bucket chain */
	struct entry *newer, *older;  /* LRU list */
	uint64_t expires;
	unsigned n;
	size_t size;                  /* bytes this entry takes */
	char *links;
	char key[];                   /* NUL-terminated */
};

static struct entry **table;
static size_t nbuckets, max_entries, count, bytes;
static struct entry *newest, *oldest;

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

int hints_init(size_t max_paths)
{
	hints_free();
	max_entries = max_paths;
	if (max_paths == 0)
		return 0;
	for (nbuckets = 16; nbuckets < max_paths * 2; nbuckets *= 2)
		;
	table = calloc(nbuckets, sizeof(*table));
	if (table == NULL) {
		max_entries = nbuckets = 0;
		return -1;
	}
	bytes = nbuckets * sizeof(*table);
	return 0;
}

static struct entry **slot(const char *key)
{
	struct entry **e = &table[hash(key) & (nbuckets - 1)];
	while (*e && strcmp((*e)->key, key) != 0)
		e = &(*e)->hnext;
	return e;
}

static void unlink_lru(struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		oldest = e->newer;
	e->newer = e->older = NULL;
}

static void push_newest(struct entry *e)
{
	e->older = newest;
	e->newer = NULL;
	if (newest)
		newest->newer = e;
	newest = e;
	if (oldest == NULL)
		oldest = e;
}

static void drop(struct entry **s)
{
	struct entry *e = *s;
	*s = e->hnext;
	unlink_lru(e);
	bytes -= e->size;
	count--;
	free(e->links);
	free(e);
}

void hints_forget(const char *key)
{
	if (table == NULL)
		return;
	struct entry **s = slot(key);
	if (*s)
		drop(s);
}

void hints_learn(const char *key, const char *links, size_t len, unsigned n, uint64_t now)
{
	if (table == NULL || len > HINTS_MAX_BYTES || n > HINTS_MAX_LINKS)
		return;
	hints_forget(key);
	while (count >= max_entries && oldest)
		drop(slot(oldest->key));
	size_t kl = strlen(key);
	struct entry *e = malloc(sizeof(*e) + kl + 1);
	char *l = malloc(len + 1);
	if (e == NULL || l == NULL) {
		free(e);
		free(l);
		return; /* a hint is an optimisation: without memory, none */
	}
	memcpy(e->key, key, kl + 1);
	memcpy(l, links, len);
	l[len] = '\0';
	e->links = l;
	e->n = n;
	e->expires = now + HINTS_TTL_MS;
	e->size = sizeof(*e) + kl + 1 + len + 1;
	struct entry **s = slot(key);
	e->hnext = *s;
	*s = e;
	push_newest(e);
	bytes += e->size;
	count++;
}

const char *hints_get(const char *key, uint64_t now)
{
	if (table == NULL)
		return NULL;
	struct entry **s = slot(key);
	if (*s == NULL)
		return NULL;
	if ((*s)->expires <= now) {
		drop(s);
		return NULL;
	}
	unlink_lru(*s);
	push_newest(*s);
	return (*s)->links;
}

size_t hints_count(void)
{
	return count;
}

size_t hints_memory(void)
{
	return bytes;
}

void hints_free(void)
{
	while (oldest)
		drop(slot(oldest->key));
	free(table);
	table = NULL;
	nbuckets = count = bytes = 0;
}
