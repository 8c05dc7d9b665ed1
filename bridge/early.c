/* early.c - early hints h2cgi makes (see early.h). */
#include "early.h"

#include <string.h>
#include <strings.h>

#include "hints.h"
#include "link.h"

static uint64_t key_of(const struct link_value *lv)
{
	uint64_t h = 1469598103934665603ULL ^ lv->rels;
	for (size_t i = 0; i < lv->target_len; i++)
		h = (h ^ (unsigned char)lv->target[i]) * 1099511628211ULL;
	return h;
}

static bool seen(const struct early_sent *sent, uint64_t k)
{
	for (unsigned i = 0; i < sent->n; i++)
		if (sent->keys[i] == k)
			return true;
	return false;
}

static void remember(struct early_sent *sent, uint64_t k)
{
	if (sent->n < EARLY_MAX_SENT)
		sent->keys[sent->n++] = k;
}

/* Link fields are built as offsets into store (it may move), then fixed. */
struct compose {
	struct early_sent *sent;
	struct hdr *h;
	size_t n, max;
	struct buf *store;
	size_t off[EARLY_MAX_SENT];
	bool failed;
};

static int add_value(void *ctx, const struct link_value *lv)
{
	struct compose *c = ctx;
	uint64_t k = key_of(lv);

	if (seen(c->sent, k) || c->n == c->max || c->n == EARLY_MAX_SENT)
		return 0;
	c->off[c->n] = c->store->len;
	if (buf_append(c->store, lv->text, lv->text_len) < 0) {
		c->failed = true;
		return 1;
	}
	c->h[c->n] = (struct hdr){"link", 4, NULL, lv->text_len};
	c->n++;
	remember(c->sent, k);
	return 0;
}

static void fix(struct compose *c, size_t first)
{
	for (size_t i = first; i < c->n; i++)
		c->h[i].value = (char *)c->store->data + c->off[i];
}

size_t early_compose(const char *const *conf, size_t nconf, const char *learned,
		     struct early_sent *sent, struct hdr *h, size_t max, struct buf *store,
		     unsigned *from)
{
	struct compose c = {sent, h, 0, max, store, {0}, false};

	*from = 0;
	for (size_t i = 0; i < nconf; i++) {
		size_t before = c.n;
		link_parse(conf[i], strlen(conf[i]), add_value, &c);
		if (c.n > before)
			*from |= EARLY_CONFIGURED;
	}
	size_t before = c.n;
	if (learned)
		link_parse(learned, strlen(learned), add_value, &c);
	if (c.n > before)
		*from |= EARLY_LEARNED;
	if (c.failed)
		return 0;
	fix(&c, 0);
	return c.n;
}

/* keeps the link-values of one backend Link field not sent yet */
struct filter {
	struct early_sent *sent;
	struct buf *store;
	bool any, failed;
};

static int keep_new(void *ctx, const struct link_value *lv)
{
	struct filter *f = ctx;
	uint64_t k = key_of(lv);

	if (seen(f->sent, k))
		return 0;
	remember(f->sent, k);
	if ((f->any && buf_append(f->store, ", ", 2) < 0) ||
	    buf_append(f->store, lv->text, lv->text_len) < 0) {
		f->failed = true;
		return 1;
	}
	f->any = true;
	return 0;
}

size_t early_filter(struct early_sent *sent, struct hdr *h, size_t n, struct buf *store)
{
	size_t off[64], out = 0;
	bool moved[64] = {false};

	for (size_t i = 0; i < n; i++) {
		if (h[i].name_len != 4 || strncasecmp(h[i].name, "link", 4) != 0 || out >= 64) {
			h[out++] = h[i];
			continue;
		}
		struct filter f = {sent, store, false, false};
		size_t start = store->len;
		if (link_parse(h[i].value, h[i].value_len, keep_new, &f) < 0 || f.failed) {
			store->len = start;
			h[out++] = h[i]; /* not ours to judge: passed as it came */
			continue;
		}
		if (!f.any)
			continue; /* every link in it was sent already */
		off[out] = start;
		moved[out] = true;
		h[out] = (struct hdr){h[i].name, h[i].name_len, NULL, store->len - start};
		out++;
	}
	for (size_t i = 0; i < out; i++)
		if (moved[i])
			h[i].value = (char *)store->data + off[i];
	return out;
}

static bool list_has(const struct hdr *h, size_t n, const char *name, const char *token)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == nl && strncasecmp(h[i].name, name, nl) == 0 &&
		    hdr_list_has(h[i].value, h[i].value_len, token, strlen(token)))
			return true;
	return false;
}

struct lesson {
	const char *authority;
	struct buf *store;
	int n;
};

static int learn_value(void *ctx, const struct link_value *lv)
{
	struct lesson *l = ctx;
	bool ok = (lv->rels & LINK_PRECONNECT) ||
		  ((lv->rels & (LINK_PRELOAD | LINK_MODULEPRELOAD)) &&
		   link_same_origin(lv->target, lv->target_len, l->authority));

	if (!ok || l->n == HINTS_MAX_LINKS ||
	    l->store->len + 2 + lv->text_len > HINTS_MAX_BYTES)
		return 0;
	if ((l->n && buf_append(l->store, ", ", 2) < 0) ||
	    buf_append(l->store, lv->text, lv->text_len) < 0)
		return 1;
	l->n++;
	return 0;
}

int early_lesson(const struct hdr *h, size_t n, const char *authority, bool private_ok,
		 struct buf *store)
{
	struct lesson l = {authority, store, 0};

	/* what one user saw is not to be announced to the next */
	if (!private_ok && (list_has(h, n, "cache-control", "private") ||
			    list_has(h, n, "cache-control", "no-store") ||
			    list_has(h, n, "vary", "cookie") || list_has(h, n, "vary", "*")))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == 4 && strncasecmp(h[i].name, "link", 4) == 0)
			link_parse(h[i].value, h[i].value_len, learn_value, &l);
	return l.n;
}
