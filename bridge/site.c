/* site.c - the routes at run time (see site.h). */
#include "site.h"

#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

enum route_probe site_probe(void *ctx, const char *fspath)
{
	struct stat st;

	if (stat(fspath, &st) < 0)
		return ROUTE_NONE;
	return S_ISREG(st.st_mode) ? ROUTE_FILE : S_ISDIR(st.st_mode) ? ROUTE_DIR : ROUTE_NONE;
}

/* A directory a route needs, made absolute (SCRIPT_FILENAME must be). */
static char *real_dir(const char *dir, const char *what, const struct config_route *r,
		      bool legacy, char *err, size_t errlen)
{
	char real[PATH_MAX];
	struct stat st;

	errno = 0;
	if (stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && realpath(dir, real) != NULL) {
		char *p = strdup(real);
		if (p == NULL)
			snprintf(err, errlen, "out of memory");
		return p;
	}
	const char *why = errno ? strerror(errno) : "not a directory";
	if (r->file)
		snprintf(err, errlen, "%s:%d: route %s: %s %s: %s", r->file, r->line, r->pattern, what,
			 dir, why);
	else if (legacy)
		snprintf(err, errlen, "--%s %s: %s", what, dir, why);
	else
		snprintf(err, errlen, "route %s: --%s %s: %s", r->pattern, what, dir, why);
	return NULL;
}

static int add_env(struct site_route *sr, const char *name, size_t nl, const char *value)
{
	char **e = realloc(sr->env, (sr->nenv + 1) * sizeof(*e));
	if (e == NULL)
		return -1;
	sr->env = e;
	size_t vl = strlen(value);
	char *v = malloc(nl + 1 + vl + 1);
	if (v == NULL)
		return -1;
	memcpy(v, name, nl);
	v[nl] = '=';
	memcpy(v + nl + 1, value, vl + 1);
	sr->env[sr->nenv++] = v;
	return 0;
}

int site_build(struct site *s, const struct config *c, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	s->index_html[0] = "index.html";
	for (size_t i = 0; i < c->nroutes; i++) {
		const struct config_route *r = &c->routes[i];
		struct site_route *sr = &s->routes[i];
		struct route_rule *rule = &s->rules[i];
		const char *why;
		s->n = i + 1;
		if (route_rule_parse(rule, r->pattern, &why) < 0) {
			snprintf(err, errlen, "route %s: %s", r->pattern, why);
			goto fail;
		}
		sr->conf = r;
		sr->kind = r->kind;
		sr->procs = r->procs ? r->procs : c->procs;
		sr->procs_max = r->procs ? r->procs_max : c->procs_max;
		if (c->legacy)
			snprintf(sr->name, sizeof(sr->name), "%s", r->kind == BACKEND_CGI ? "cgi" : "app");
		else
			snprintf(sr->name, sizeof(sr->name), "route%u", (unsigned)(i + 1));
		if (r->kind == BACKEND_CGI || r->kind == BACKEND_STATIC) {
			sr->root = real_dir(r->backend, r->kind == BACKEND_CGI ? "cgi-dir" : "static", r,
					    c->legacy, err, errlen);
			if (sr->root == NULL)
				goto fail;
		}
		if (r->docroot) {
			sr->docroot = real_dir(r->docroot, "docroot", r, c->legacy, err, errlen);
			if (sr->docroot == NULL)
				goto fail;
			if (sr->root == NULL && (sr->root = strdup(sr->docroot)) == NULL)
				goto oom;
		} else if (sr->root && (sr->docroot = strdup(sr->root)) == NULL) {
			goto oom;
		}
		rule->root = sr->root;
		rule->walk = r->kind == BACKEND_STATIC ? ROUTE_STATIC
			     : sr->root		   ? ROUTE_SCRIPT
						   : ROUTE_MOUNT;
		/* a CGI route runs only programs that exist (h2cgi-cgi checks
		 * them again); a FastCGI application may answer any path */
		rule->need_script = r->kind == BACKEND_CGI;
		rule->index = r->nindex ? r->index : r->kind == BACKEND_STATIC ? s->index_html : NULL;
		rule->nindex = r->nindex ? r->nindex : r->kind == BACKEND_STATIC ? 1 : 0;
		rule->fallback = r->fallback;
		for (size_t k = 0; k < r->nenv; k++) {
			size_t nl = strcspn(r->env[k], "=");
			if (add_env(sr, r->env[k], nl, r->env[k] + nl + 1) < 0)
				goto oom;
		}
		for (size_t k = 0; k < r->npass; k++) {
			const char *v = getenv(r->pass_env[k]);
			if (v && add_env(sr, r->pass_env[k], strlen(r->pass_env[k]), v) < 0)
				goto oom;
		}
	}
	return 0;
oom:
	snprintf(err, errlen, "out of memory");
fail:
	site_free(s);
	return -1;
}

bool site_same_backend(const struct site_route *a, const struct site_route *b)
{
	if (a->kind != b->kind || a->procs != b->procs || a->procs_max != b->procs_max || !a->conf || !b->conf ||
	    strcmp(a->conf->backend, b->conf->backend) != 0 || a->conf->naddrs != b->conf->naddrs ||
	    a->conf->max_conns != b->conf->max_conns)
		return false;
	for (size_t i = 0; i < a->conf->naddrs; i++)
		if (strcmp(a->conf->addrs[i], b->conf->addrs[i]) != 0)
			return false;
	/* the CGI runner is started with its real directory */
	return a->kind != BACKEND_CGI || strcmp(a->root, b->root) == 0;
}

void site_free(struct site *s)
{
	struct config *c = s->cfg;

	for (size_t i = 0; i < s->n; i++) {
		struct site_route *sr = &s->routes[i];
		route_rule_free(&s->rules[i]);
		free(sr->root);
		free(sr->docroot);
		for (size_t k = 0; k < sr->nenv; k++)
			free(sr->env[k]);
		free(sr->env);
	}
	memset(s, 0, sizeof(*s));
	if (c) {
		config_free(c);
		free(c);
	}
}
