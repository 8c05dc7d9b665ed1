/* route.c - choosing a route and splitting its path (see route.h). */
#include "route.h"

#include <stdlib.h>
#include <string.h>

#include "cgi_env.h"

#define MAX_DEPTH 3 /* an index, then a fallback, then that one's index */

int route_rule_parse(struct route_rule *r, const char *pattern, const char **why)
{
	const char *star = strchr(pattern, '*');
	size_t plen = star ? (size_t)(star - pattern) : strlen(pattern);

	r->prefix = r->ext = NULL;
	if (star != NULL) {
		const char *e = star + 1;
		if (e[0] != '.' || e[1] == '\0' || (plen > 0 && pattern[plen - 1] != '/')) {
			*why = "an extension route is '*.EXT' or '/PREFIX/*.EXT'";
			return -1;
		}
		for (const char *p = e + 1; *p; p++)
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
			      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' || *p == '-')) {
				*why = "an extension holds letters, digits, '.', '_' and '-' only";
				return -1;
			}
		r->ext = strdup(e);
		r->ext_len = strlen(e);
	}
	if (plen == 0) {
		pattern = "/";
		plen = 1;
	}
	if (pattern[0] != '/') {
		*why = "a route is a path prefix ('/', '/app/') or an extension ('*.php')";
		goto fail;
	}
	for (size_t i = 0; i < plen; i++)
		if ((unsigned char)pattern[i] <= 0x20 || pattern[i] == '?' || pattern[i] == '#' ||
		    pattern[i] == '%' || pattern[i] == 0x7f) {
			*why = "a prefix holds no spaces, '?', '#', '%' or control characters";
			goto fail;
		}
	if (strstr(pattern, "//") != NULL || strstr(pattern, "/./") != NULL ||
	    strstr(pattern, "/../") != NULL) {
		*why = "a prefix holds no empty, '.' or '..' segments";
		goto fail;
	}
	/* "/app" means "/app/": a prefix matches whole segments only */
	bool slash = pattern[plen - 1] == '/';
	r->prefix = malloc(plen + 2);
	if (r->prefix == NULL || (star && r->ext == NULL)) {
		*why = "out of memory";
		goto fail;
	}
	memcpy(r->prefix, pattern, plen);
	if (!slash)
		r->prefix[plen++] = '/';
	r->prefix[plen] = '\0';
	r->prefix_len = plen;
	return 0;
fail:
	route_rule_free(r);
	return -1;
}

void route_rule_free(struct route_rule *r)
{
	free(r->prefix);
	free(r->ext);
	r->prefix = r->ext = NULL;
}

/* a before b in the order rules are tried */
static bool tried_before(const struct route_rule *a, const struct route_rule *b)
{
	if ((a->ext != NULL) != (b->ext != NULL))
		return a->ext != NULL;
	return a->prefix_len > b->prefix_len;
}

void route_order(const struct route_rule *rules, size_t n, size_t *order)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i;
		for (; j > 0 && tried_before(&rules[i], &rules[order[j - 1]]); j--)
			order[j] = order[j - 1];
		order[j] = i;
	}
}

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

/* A segment starting with '.' (.git, .htpasswd, .env) is never served. */
static bool has_dotfile(const char *p)
{
	for (const char *s = p; (s = strchr(s, '/')) != NULL; s++)
		if (s[1] == '.')
			return true;
	return false;
}

static char *cat3(const char *a, const char *b, size_t blen, const char *c)
{
	size_t la = strlen(a), lc = strlen(c);
	char *p = malloc(la + blen + lc + 1);

	if (p == NULL)
		return NULL;
	memcpy(p, a, la);
	memcpy(p + la, b, blen);
	memcpy(p + la + blen, c, lc + 1);
	return p;
}

/* root + path[from..to): the file system path for a piece of the URL path */
static char *fs_path(const struct route_rule *r, const char *path, size_t to)
{
	size_t from = r->prefix_len - 1; /* keeps the '/' that ends the prefix */
	size_t rl = strlen(r->root);

	if (to < from)
		to = from;
	while (rl > 1 && r->root[rl - 1] == '/')
		rl--;
	char *p = malloc(rl + (to - from) + 1);
	if (p == NULL)
		return NULL;
	memcpy(p, r->root, rl);
	memcpy(p + rl, path + from, to - from);
	p[rl + (to - from)] = '\0';
	return p;
}

/* Fills m for rule i: script_name = path[0..split), the rest PATH_INFO.
 * The three strings share one block, m->path's (one malloc per request,
 * not three). */
static int take(struct route_match *m, int i, const char *path, size_t split, char *file)
{
	size_t len = strlen(path);
	char *blk = malloc(2 * len + 3);

	m->rule = i;
	m->status = 0;
	m->file = file;
	if (blk == NULL)
		return -1;
	memcpy(blk, path, len + 1);
	m->path = blk;
	m->script_name = blk + len + 1;
	memcpy(m->script_name, path, split);
	m->script_name[split] = '\0';
	m->path_info = m->script_name + split + 1;
	memcpy(m->path_info, path + split, len - split + 1);
	return 0;
}

static int refuse(struct route_match *m, int status, const char *why, int rule)
{
	m->rule = rule;
	m->status = status;
	m->why = why;
	return 0;
}

static int dispatch(const struct route_rule *rules, size_t n, const char *path, const char *raw,
		    size_t raw_len, route_probe_fn probe, void *ctx, struct route_match *m,
		    int depth);

/* A path under rule i that names no file: its fallback, or why not. */
static int fall_back(const struct route_rule *rules, size_t n, int i, route_probe_fn probe,
		     void *ctx, struct route_match *m, int depth, int status, const char *why)
{
	const char *fb = rules[i].fallback;

	if (fb == NULL || m->fell_back || depth >= MAX_DEPTH)
		return refuse(m, status, why, i);
	m->fell_back = true;
	size_t len = strcspn(fb, "?");
	if (fb[len] == '?') {
		free(m->query);
		if ((m->query = strdup(fb + len + 1)) == NULL)
			return -1;
	}
	char *dec = malloc(len + 1);
	if (dec == NULL)
		return -1;
	int rc;
	if (cgi_env_unescape(dec, fb, len) < 0 || has_dot_segment(dec) || dec[0] != '/')
		rc = refuse(m, 500, "the route's --fallback is not a clean path", i);
	else
		rc = dispatch(rules, n, dec, fb, len, probe, ctx, m, depth + 1);
	free(dec);
	return rc;
}

/* The first segment ending in an extension route's extension that names a
 * file: the script, and the rest its PATH_INFO. A segment naming a file
 * ends the search, so "/up/x.jpg/y.php" never runs anything. */
static int by_extension(const struct route_rule *rules, size_t n, const char *path,
			route_probe_fn probe, void *ctx, struct route_match *m)
{
	size_t len = strlen(path);

	for (size_t e = 1; e <= len; e++) {
		if (e < len && path[e] != '/')
			continue;
		size_t seg = e;
		while (seg > 0 && path[seg - 1] != '/')
			seg--;
		int best = -1;
		for (size_t i = 0; i < n; i++) {
			const struct route_rule *r = &rules[i];
			if (r->ext == NULL || r->root == NULL || e - seg <= r->ext_len ||
			    path[seg] == '.' || memcmp(path + e - r->ext_len, r->ext, r->ext_len) != 0 ||
			    strncmp(path, r->prefix, r->prefix_len) != 0 || seg < r->prefix_len)
				continue;
			if (best < 0 || r->prefix_len > rules[best].prefix_len)
				best = (int)i;
		}
		if (best < 0)
			continue;
		char *file = fs_path(&rules[best], path, e);
		if (file == NULL)
			return -1;
		enum route_probe what = probe(ctx, file);
		if (what == ROUTE_FILE)
			return take(m, best, path, e, file);
		free(file);
		if (what == ROUTE_NONE)
			return 0; /* nothing deeper can exist */
	}
	return 0;
}

/* The longest prefix route holding path ("/app" is held by "/app/"). */
static int by_prefix(const struct route_rule *rules, size_t n, const char *path)
{
	size_t len = strlen(path);
	int best = -1;

	for (size_t i = 0; i < n; i++) {
		const struct route_rule *r = &rules[i];
		if (r->ext != NULL)
			continue;
		bool holds = strncmp(path, r->prefix, r->prefix_len) == 0 ||
			     (len == r->prefix_len - 1 && strncmp(path, r->prefix, len) == 0);
		if (holds && (best < 0 || r->prefix_len > rules[best].prefix_len))
			best = (int)i;
	}
	return best;
}

/* Down the directories under the prefix to the first file (RFC 3875
 * §4.1.5: what follows the script is PATH_INFO). */
static int walk_script(const struct route_rule *rules, size_t n, int i, const char *path,
		       route_probe_fn probe, void *ctx, struct route_match *m, int depth)
{
	const struct route_rule *r = &rules[i];
	size_t len = strlen(path);
	enum route_probe last = ROUTE_DIR; /* the prefix's own directory */

	for (size_t e = r->prefix_len; e <= len; e++) {
		if (e < len && path[e] != '/')
			continue;
		if (path[e - 1] == '/')
			continue; /* an empty segment: the prefix itself, or "//" */
		char *file = fs_path(r, path, e);
		if (file == NULL)
			return -1;
		enum route_probe what = last = probe(ctx, file);
		if (what == ROUTE_FILE)
			return take(m, i, path, e, file);
		free(file);
		if (what == ROUTE_NONE)
			break;
	}
	if (r->fallback || r->need_script)
		return last == ROUTE_DIR ? fall_back(rules, n, i, probe, ctx, m, depth, 403,
						     "a directory, not a script")
					 : fall_back(rules, n, i, probe, ctx, m, depth, 404,
						     "no such script");
	/* no script found: the application behind the docroot decides */
	return take(m, i, path, len, fs_path(r, path, len));
}

static int serve_static(const struct route_rule *rules, size_t n, int i, const char *path,
			const char *raw, size_t raw_len, route_probe_fn probe, void *ctx,
			struct route_match *m, int depth)
{
	const struct route_rule *r = &rules[i];
	size_t len = strlen(path);

	if (len < r->prefix_len - 1 || has_dotfile(path + r->prefix_len - 1))
		return refuse(m, 404, "dotfiles are not served", i);
	char *file = fs_path(r, path, len);
	if (file == NULL)
		return -1;
	enum route_probe what = probe(ctx, file);
	if (what == ROUTE_FILE)
		return take(m, i, path, len, file);
	if (what == ROUTE_DIR && path[len - 1] != '/') {
		free(file);
		if (raw_len > 1 && (raw[1] == '/' || raw[1] == '\\'))
			return refuse(m, 404, "no redirect to a path that starts with '//'", i);
		/* RFC 9110 §15.4.2: the directory's URL ends in '/', so that the
		 * relative links of its index resolve */
		m->location = malloc(raw_len + 2 + 1 + strlen(m->query));
		if (m->location == NULL)
			return -1;
		memcpy(m->location, raw, raw_len);
		strcpy(m->location + raw_len, "/");
		if (m->query[0])
			strcat(strcat(m->location, "?"), m->query);
		return refuse(m, 301, "directory without its trailing slash", i);
	}
	if (what == ROUTE_DIR) {
		for (size_t k = 0; k < r->nindex && depth < MAX_DEPTH; k++) {
			char *idx = cat3(file, "", 0, r->index[k]);
			if (idx == NULL) {
				free(file);
				return -1;
			}
			enum route_probe w = probe(ctx, idx);
			free(idx);
			if (w != ROUTE_FILE)
				continue;
			free(file);
			/* dispatched again: index.php goes to the *.php route */
			char *p = cat3(path, "", 0, r->index[k]);
			if (p == NULL)
				return -1;
			int rc = dispatch(rules, n, p, raw, raw_len, probe, ctx, m, depth + 1);
			free(p);
			return rc;
		}
		free(file);
		return fall_back(rules, n, i, probe, ctx, m, depth, 404,
				 "a directory without an index file (no listings)");
	}
	free(file);
	return fall_back(rules, n, i, probe, ctx, m, depth, 404, "no such file");
}

static int dispatch(const struct route_rule *rules, size_t n, const char *path, const char *raw,
		    size_t raw_len, route_probe_fn probe, void *ctx, struct route_match *m,
		    int depth)
{
	if (by_extension(rules, n, path, probe, ctx, m) < 0)
		return -1;
	if (m->rule >= 0)
		return 0;
	int i = by_prefix(rules, n, path);
	if (i < 0)
		return refuse(m, 404, "no route for this path", -1);
	const struct route_rule *r = &rules[i];
	size_t len = strlen(path);
	if (r->walk == ROUTE_STATIC && r->root)
		return serve_static(rules, n, i, path, raw, raw_len, probe, ctx, m, depth);
	if (r->walk == ROUTE_SCRIPT && r->root)
		return walk_script(rules, n, i, path, probe, ctx, m, depth);
	/* a mount point: the application gets its prefix as SCRIPT_NAME
	 * (without the '/', as PATH_INFO starts with one); "/" gets it all */
	size_t split = r->prefix_len == 1 ? len : r->prefix_len - 1;
	return take(m, i, path, split > len ? len : split, NULL);
}

int route_match(const struct route_rule *rules, size_t n, const char *target,
		route_probe_fn probe, void *ctx, struct route_match *m)
{
	memset(m, 0, sizeof(*m));
	m->rule = -1;
	if (target[0] != '/')
		return refuse(m, 400, "the request target is not an origin-form path", -1);
	size_t plen = strcspn(target, "?");
	m->query = strdup(target[plen] == '?' ? target + plen + 1 : "");
	char *path = malloc(plen + 1);
	int rc = -1;
	if (m->query == NULL || path == NULL)
		goto fail;
	if (cgi_env_unescape(path, target, plen) < 0) {
		rc = refuse(m, 400, "bad %-escape or encoded NUL in the path", -1);
		goto fail;
	}
	if (has_dot_segment(path)) {
		rc = refuse(m, 400, "'.' or '..' segment in the path", -1);
		goto fail;
	}
	rc = dispatch(rules, n, path, target, plen, probe, ctx, m, 0);
fail:
	free(path);
	return rc;
}

void route_match_free(struct route_match *m)
{
	free(m->path); /* script_name and path_info live in its block */
	free(m->file);
	free(m->query);
	free(m->location);
	memset(m, 0, sizeof(*m));
	m->rule = -1;
}
