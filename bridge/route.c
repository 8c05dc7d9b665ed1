/* route.c - splitting the request target into CGI path variables. */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "cgi_env.h"

/* RFC 3986 §3.3: "." and ".." segments must not reach a script path. */
static bool has_dot_segment(const char *p)
{
	for (const char *s = p; (s = strchr(s, '/')) != NULL; s++) {
		const char *e = s + 1;
		size_t n = strcspn(e, "/");
		if ((n == 1 && e[0] == '.') || (n == 2 && e[0] == '.' && e[1] == '.'))
			return true;
	}
	return false;
}

int route_resolve(const char *target, const char *cgi_prefix, struct route *r)
{
	memset(r, 0, sizeof(*r));
	if (target[0] != '/')
		return 400;
	const char *q = strchr(target, '?');
	size_t plen = q ? (size_t)(q - target) : strlen(target);
	size_t qlen = q ? strlen(q + 1) : 0;

	/* path (decoded) + NUL, twice for the split copies, + query + NUL */
	r->mem = malloc(3 * (plen + 1) + qlen + 1 + 1);
	if (r->mem == NULL)
		return 500;
	char *path = r->mem;
	if (cgi_env_unescape(path, target, plen) < 0 || has_dot_segment(path)) {
		route_free(r);
		return 400;
	}
	size_t dlen = strlen(path);
	r->script_name = path + dlen + 1;
	r->path_info = r->script_name + dlen + 1;
	r->query = r->path_info + dlen + 1;
	memcpy(r->query, q ? q + 1 : "", qlen + 1);

	size_t pre = cgi_prefix ? strlen(cgi_prefix) : 0;
	if (cgi_prefix && strncmp(path, cgi_prefix, pre) == 0) {
		size_t seg = strcspn(path + pre, "/");
		r->cgi = true;
		memcpy(r->script_name, path, pre + seg);
		r->script_name[pre + seg] = '\0';
		strcpy(r->path_info, path + pre + seg);
		r->script_file = r->script_name + pre;
	} else {
		strcpy(r->script_name, path);
		r->path_info[0] = '\0';
		r->script_file = r->path_info; /* "" */
	}
	return 0;
}

void route_free(struct route *r)
{
	free(r->mem);
	memset(r, 0, sizeof(*r));
}
