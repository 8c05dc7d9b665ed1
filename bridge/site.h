/* site.h - the routes at run time: rules for route.c, each route's
 * directories made absolute, its backend pool and its extra variables. */
#ifndef H2CGI_SITE_H
#define H2CGI_SITE_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "route.h"

struct pool;

struct site_route {
	const struct config_route *conf;
	enum backend_kind kind;
	char *root;        /* real path of the route's directory (cgi-dir, static, docroot) */
	char *docroot;     /* DOCUMENT_ROOT (real path), or NULL */
	struct pool *pool; /* NULL for static routes */
	char name[24];     /* "cgi" and "app" without --route, else "route1"... */
	char **env;        /* "NAME=VALUE": --env, and --pass-env as found at start */
	size_t nenv;
	int procs;
	int procs_max;     /* --procs MIN:MAX */
};

struct site {
	struct route_rule rules[CONFIG_MAX_ROUTES]; /* rules[i] is routes[i] */
	struct site_route routes[CONFIG_MAX_ROUTES];
	size_t n;
	const char *index_html[1];                  /* the default --index */
	unsigned refs;                              /* streams routed by it */
	struct config *cfg;                         /* owned (a reload's), or NULL */
};

/* Builds s from c: checks and resolves each directory. Returns 0, or -1
 * with err naming the route and the problem. Free with site_free(). */
int site_build(struct site *s, const struct config *c, char *err, size_t errlen);

/* True when a and b start the same backend (a reload keeps its pool). */
bool site_same_backend(const struct site_route *a, const struct site_route *b);

/* Frees what site_build() allocated (not the pools), and an owned cfg. */
void site_free(struct site *s);

/* The route.h probe on the real file system (stat(2), symlinks followed). */
enum route_probe site_probe(void *ctx, const char *fspath);

#endif
