/* route.h - request target -> backend choice and CGI path split (pure). */
#ifndef H2CGI_ROUTE_H
#define H2CGI_ROUTE_H

#include <stdbool.h>

struct route {
	bool cgi;          /* under the CGI prefix */
	char *script_name; /* decoded, e.g. /cgi-bin/env.cgi */
	char *path_info;   /* decoded, "" or starting with '/' */
	char *script_file; /* the part after the prefix, e.g. env.cgi ("" for none) */
	char *query;       /* raw, after '?', "" when none */
	char *mem;         /* one allocation holding all of the above */
};

/* Splits target (":path") for a CGI prefix ("/cgi-bin/", or NULL when there
 * is no CGI pool): under the prefix the first segment is the script and the
 * rest PATH_INFO (RFC 3875 §4.1.5); elsewhere the whole path is SCRIPT_NAME.
 * Returns 0, or 400 for a target that is not an origin-form path, holds a
 * bad or NUL escape, or a "." / ".." segment. Free with route_free(). */
int route_resolve(const char *target, const char *cgi_prefix, struct route *r);

/* Frees what route_resolve() allocated. */
void route_free(struct route *r);

#endif
