/* Request target splitting: SCRIPT_NAME / PATH_INFO / QUERY_STRING. */
#include <string.h>

#include "../../bridge/route.h"
#include "tap.h"

static void split(const char *target, const char *prefix, int want_rc, int cgi, const char *sn,
		  const char *pi, const char *file, const char *q)
{
	struct route r;
	int rc = route_resolve(target, prefix, &r);
	if (want_rc) {
		ok(rc == want_rc, "%s -> %d (got %d)", target, want_rc, rc);
		return;
	}
	ok(rc == 0 && r.cgi == cgi && strcmp(r.script_name, sn) == 0 &&
		   strcmp(r.path_info, pi) == 0 && strcmp(r.script_file, file) == 0 &&
		   strcmp(r.query, q) == 0,
	   "%s -> cgi=%d SCRIPT_NAME=%s PATH_INFO=%s file=%s QUERY=%s (got %d %s %s %s %s)", target,
	   cgi, sn, pi, file, q, rc, rc ? "" : r.script_name, rc ? "" : r.path_info,
	   rc ? "" : r.script_file, rc ? "" : r.query);
	if (rc == 0)
		route_free(&r);
}

int main(void)
{
	split("/cgi-bin/env.cgi", "/cgi-bin/", 0, 1, "/cgi-bin/env.cgi", "", "env.cgi", "");
	split("/cgi-bin/env.cgi/a/b?x=1&y=%20", "/cgi-bin/", 0, 1, "/cgi-bin/env.cgi", "/a/b",
	      "env.cgi", "x=1&y=%20");
	split("/cgi-bin/a%20b.cgi/p%2Fq", "/cgi-bin/", 0, 1, "/cgi-bin/a b.cgi", "/p/q", "a b.cgi",
	      "");
	split("/cgi-bin/", "/cgi-bin/", 0, 1, "/cgi-bin/", "", "", "");
	split("/index.php?a", "/cgi-bin/", 0, 0, "/index.php", "", "", "a");
	split("/cgi-bin/x", NULL, 0, 0, "/cgi-bin/x", "", "", "");
	split("/cgi-binx/y", "/cgi-bin/", 0, 0, "/cgi-binx/y", "", "", "");
	split("/cgi-bin/../etc/passwd", "/cgi-bin/", 400, 0, "", "", "", "");
	split("/cgi-bin/%2e%2e/x", "/cgi-bin/", 400, 0, "", "", "", "");
	split("/cgi-bin/./x", "/cgi-bin/", 400, 0, "", "", "", "");
	split("/cgi-bin/x/..", "/cgi-bin/", 400, 0, "", "", "", "");
	split("/cgi-bin/a%00b", "/cgi-bin/", 400, 0, "", "", "", "");
	split("/cgi-bin/a%zz", "/cgi-bin/", 400, 0, "", "", "", "");
	split("*", "/cgi-bin/", 400, 0, "", "", "", "");
	split("/cgi-bin/..x/y", "/cgi-bin/", 0, 1, "/cgi-bin/..x", "/y", "..x", "");
	return done_testing();
}
