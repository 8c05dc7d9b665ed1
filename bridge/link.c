/* link.c - Link field values (see link.h). */
#include "link.h"

#include <string.h>
#include <strings.h>

static size_t ows(const char *v, size_t len, size_t i)
{
	while (i < len && (v[i] == ' ' || v[i] == '\t'))
		i++;
	return i;
}

/* RFC 9110 §5.6.2 tchar */
static bool tchar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

static size_t token(const char *v, size_t len, size_t i)
{
	while (i < len && tchar(v[i]))
		i++;
	return i;
}

/* The rel types of value[0..n) (space separated, case-insensitive). */
static unsigned rel_types(const char *p, size_t n)
{
	unsigned r = 0;

	for (size_t i = 0; i < n;) {
		while (i < n && (p[i] == ' ' || p[i] == '\t'))
			i++;
		size_t s = i;
		while (i < n && p[i] != ' ' && p[i] != '\t')
			i++;
		size_t l = i - s;
		if (l == 7 && strncasecmp(p + s, "preload", 7) == 0)
			r |= LINK_PRELOAD;
		else if (l == 13 && strncasecmp(p + s, "modulepreload", 13) == 0)
			r |= LINK_MODULEPRELOAD;
		else if (l == 10 && strncasecmp(p + s, "preconnect", 10) == 0)
			r |= LINK_PRECONNECT;
	}
	return r;
}

int link_parse(const char *v, size_t len, int (*fn)(void *ctx, const struct link_value *lv),
	       void *ctx)
{
	int count = 0;
	size_t i = 0;

	for (;;) {
		/* #rule: empty list elements are allowed (RFC 9110 §5.6.1) */
		while ((i = ows(v, len, i)) < len && v[i] == ',')
			i++;
		if (i == len)
			return count;
		struct link_value lv = {v + i, 0, NULL, 0, 0};
		if (v[i] != '<')
			return -1;
		const char *gt = memchr(v + i + 1, '>', len - i - 1);
		if (gt == NULL)
			return -1;
		lv.target = v + i + 1;
		lv.target_len = (size_t)(gt - lv.target);
		for (size_t k = 0; k < lv.target_len; k++)
			if ((unsigned char)lv.target[k] <= 0x20 || lv.target[k] == '<' || lv.target[k] == 0x7f)
				return -1;
		i = (size_t)(gt - v) + 1;
		for (;;) {
			size_t end = i;
			i = ows(v, len, i);
			if (i == len || v[i] == ',') {
				lv.text_len = end - (size_t)(lv.text - v);
				break;
			}
			if (v[i] != ';')
				return -1;
			i = ows(v, len, i + 1);
			size_t ns = i;
			i = token(v, len, i);
			if (i == ns)
				return -1;
			size_t nl = i - ns;
			i = ows(v, len, i);
			if (i == len || v[i] != '=')
				continue; /* a parameter without a value */
			i = ows(v, len, i + 1);
			const char *val = v + i;
			size_t vl;
			if (i < len && v[i] == '"') {
				size_t s = ++i;
				while (i < len && v[i] != '"') {
					if (v[i] == '\\' && i + 1 < len)
						i++;
					else if ((unsigned char)v[i] < 0x20 && v[i] != '\t')
						return -1;
					i++;
				}
				if (i == len)
					return -1;
				val = v + s;
				vl = i - s;
				i++;
			} else {
				size_t s = i;
				i = token(v, len, i);
				if (i == s)
					return -1;
				vl = i - s;
			}
			/* §3.3: only the first rel counts */
			if (nl == 3 && strncasecmp(v + ns, "rel", 3) == 0 && lv.rels == 0)
				lv.rels = rel_types(val, vl) | 0x100;
		}
		lv.rels &= ~0x100u;
		count++;
		if (fn && fn(ctx, &lv) != 0)
			return -1;
	}
}

bool link_same_origin(const char *t, size_t len, const char *authority)
{
	if (len > 0 && t[0] == '/')
		return len == 1 || t[1] != '/';
	size_t colon = 0;
	while (colon < len && !strchr(":/?#", t[colon]))
		colon++;
	if (colon == len || t[colon] != ':')
		return true; /* a relative reference ("s.css", "?v=2"): same page, same origin */
	size_t skip = len >= 8 && strncasecmp(t, "https://", 8) == 0	? 8
		      : len >= 7 && strncasecmp(t, "http://", 7) == 0 ? 7
								      : 0;
	if (skip == 0 || authority == NULL)
		return false;
	size_t al = strlen(authority);
	return len >= skip + al && strncasecmp(t + skip, authority, al) == 0 &&
	       (len == skip + al || t[skip + al] == '/');
}
