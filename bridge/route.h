/* route.h - which route serves a request target, and how its path splits
 * into SCRIPT_NAME, PATH_INFO and a file (RFC 3875 §4.1.5, §4.1.13). Pure:
 * the file system is asked through a probe callback, so the hostile paths
 * can be unit-tested without one. */
#ifndef H2CGI_ROUTE_H
#define H2CGI_ROUTE_H

#include <stdbool.h>
#include <stddef.h>

enum route_probe { ROUTE_NONE, ROUTE_FILE, ROUTE_DIR };

/* What fspath is (following symlinks). */
typedef enum route_probe (*route_probe_fn)(void *ctx, const char *fspath);

enum route_walk {
	ROUTE_MOUNT,  /* no files: a FastCGI application mounted at the prefix */
	ROUTE_SCRIPT, /* down the directories to the first file: the script */
	ROUTE_STATIC, /* the whole path names a file; a directory takes an index */
};

struct route_rule {
	char *prefix;          /* "/" or "/app/" (always ends in '/') */
	size_t prefix_len;
	char *ext;             /* ".php" for "*.php" routes, NULL for prefix routes */
	size_t ext_len;
	const char *root;      /* the directory that stands for the prefix, or NULL */
	enum route_walk walk;
	bool need_script;      /* a path that names no script is a 404 (CGI) */
	const char *const *index; /* names tried in a directory (ROUTE_STATIC) */
	size_t nindex;
	const char *fallback;  /* where paths naming no file go, or NULL */
};

/* The outcome of route_match(); strings are decoded unless said otherwise. */
struct route_match {
	int rule;          /* index of the route, -1 when none */
	int status;        /* 0: serve through rule; else 301, 400, 404 (why says) */
	const char *why;
	char *path;        /* the path dispatched (after an index or a fallback) */
	char *script_name; /* in path's block */
	char *path_info;   /* "" or starting with '/'; in path's block */
	char *file;        /* root + the path under the prefix; NULL without root */
	char *query;       /* raw, after '?', "" when none */
	char *location;    /* with 301: the same path with '/' added (raw) */
	bool fell_back;    /* served through the route's fallback */
};

/* Reads PATTERN ("/app/", "/app", "*.php", or "/blog/" followed by "*.php")
 * into r's prefix
 * and ext (allocated; the rest of r is the caller's). Returns 0, or -1
 * with *why. Free with route_rule_free(). */
int route_rule_parse(struct route_rule *r, const char *pattern, const char **why);

/* Frees what route_rule_parse() allocated. */
void route_rule_free(struct route_rule *r);

/* Fills order[0..n) with the rules' indexes in the order they are tried:
 * extension routes, then prefix routes, longest prefix first. */
void route_order(const struct route_rule *rules, size_t n, size_t *order);

/* Chooses the rule for target (":path", origin form). An extension route
 * takes the first path segment that ends in its extension and names a
 * regular file under its root (the rest is PATH_INFO); otherwise the
 * longest prefix wins. Returns 0 with m filled (see m->status), or -1 when
 * out of memory. Free with route_match_free(). */
int route_match(const struct route_rule *rules, size_t n, const char *target,
		route_probe_fn probe, void *ctx, struct route_match *m);

/* Frees what route_match() allocated. */
void route_match_free(struct route_match *m);

#endif
