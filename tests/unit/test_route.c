/* Routing: which route serves a path, SCRIPT_NAME / PATH_INFO / file,
 * indexes, fallbacks, and the hostile paths - over a made-up file tree. */
#include <stdlib.h>
#include <string.h>

#include "../../bridge/route.h"
#include "tap.h"

/* The tree: "d" for directories, "f" for files. */
static const char *const tree[][2] = {
	{"/www", "d"},          {"/www/index.php", "f"}, {"/www/doc", "d"},
	{"/www/doc/a.txt", "f"}, {"/www/style.css", "f"}, {"/www/up", "d"},
	{"/www/up/x.jpg", "f"},  {"/www/notes.txt", "f"}, {"/www/dir.php", "d"},
	{"/www/dir.php/in.php", "f"}, {"/www/site", "d"}, {"/www/site/index.html", "f"},
	{"/www/.git", "d"},     {"/www/.git/config", "f"}, {"/cgi", "d"},
	{"/cgi/env.cgi", "f"},  {"/cgi/sub", "d"},       {"/cgi/sub/deep.cgi", "f"},
	{"/blog", "d"},         {"/blog/index.php", "f"}, {"/assets", "d"},
	{"/assets/app.js", "f"},
};

static enum route_probe probe(void *ctx, const char *path)
{
	int *calls = ctx;
	char p[256];
	size_t n = 0;

	/* as stat(2): "a//b" is "a/b" */
	for (size_t i = 0; path[i] && n < sizeof(p) - 1; i++)
		if (!(path[i] == '/' && n > 0 && p[n - 1] == '/'))
			p[n++] = path[i];
	p[n] = '\0';
	(*calls)++;
	if (n > 1 && p[n - 1] == '/')
		n--; /* as stat(2): "dir/" is the directory */
	for (size_t i = 0; i < sizeof(tree) / sizeof(tree[0]); i++)
		if (strlen(tree[i][0]) == n && strncmp(tree[i][0], p, n) == 0 &&
		    (n == strlen(p) || tree[i][1][0] == 'd'))
			return tree[i][1][0] == 'd' ? ROUTE_DIR : ROUTE_FILE;
	return ROUTE_NONE;
}

static const char *const idx_php[] = {"index.php", "index.html"};

/* 0 static /, 1 *.php, 2 /cgi-bin/ CGI, 3 /app/ mount, 4 /blog/ *.php,
 * 5 /assets/ static */
static struct route_rule rules[6];

static void setup(void)
{
	const char *why;
	const char *pat[] = {"/", "*.php", "/cgi-bin", "/app/", "/blog/*.php", "/assets/"};
	for (int i = 0; i < 6; i++)
		if (route_rule_parse(&rules[i], pat[i], &why) < 0)
			abort();
	rules[0].root = "/www";
	rules[0].walk = ROUTE_STATIC;
	rules[0].index = idx_php;
	rules[0].nindex = 2;
	rules[0].fallback = "/index.php";
	rules[1].root = "/www";
	rules[1].walk = ROUTE_SCRIPT;
	rules[2].root = "/cgi";
	rules[2].walk = ROUTE_SCRIPT;
	rules[2].need_script = true;
	rules[3].walk = ROUTE_MOUNT;
	rules[4].root = "/blog";
	rules[4].walk = ROUTE_SCRIPT;
	rules[5].root = "/assets";
	rules[5].walk = ROUTE_STATIC;
}

static const char *or_null(const char *s)
{
	return s ? s : "(null)";
}

/* want: rule, status, script_name, path_info, file (NULL: none) */
static void is(const char *target, int rule, int status, const char *sn, const char *pi,
	       const char *file)
{
	struct route_match m;
	int calls = 0;
	int rc = route_match(rules, 6, target, probe, &calls, &m);
	bool good = rc == 0 && m.rule == rule && m.status == status;
	if (good && status == 0)
		good = strcmp(m.script_name, sn) == 0 && strcmp(m.path_info, pi) == 0 &&
		       strcmp(or_null(m.file), or_null(file)) == 0;
	ok(good, "%s -> route %d status %d SN=%s PI=%s file=%s (got %d %d %s %s %s; %s)", target,
	   rule, status, or_null(sn), or_null(pi), or_null(file), m.rule, m.status,
	   or_null(m.script_name), or_null(m.path_info), or_null(m.file), or_null(m.why));
	route_match_free(&m);
}

int main(void)
{
	setup();
	/* prefixes: longest wins; "/cgi-bin" means "/cgi-bin/" */
	is("/cgi-bin/env.cgi", 2, 0, "/cgi-bin/env.cgi", "", "/cgi/env.cgi");
	is("/cgi-bin/env.cgi/a/b?x=1", 2, 0, "/cgi-bin/env.cgi", "/a/b", "/cgi/env.cgi");
	is("/cgi-bin/sub/deep.cgi/p%2Fq", 2, 0, "/cgi-bin/sub/deep.cgi", "/p/q", "/cgi/sub/deep.cgi");
	is("/cgi-bin/nothere.cgi", 2, 404, NULL, NULL, NULL);
	is("/cgi-bin/sub", 2, 403, NULL, NULL, NULL);
	is("/cgi-bin/", 2, 403, NULL, NULL, NULL);
	is("/cgi-binx/y", 1, 0, "/index.php", "", "/www/index.php"); /* the fallback */
	/* a mount point: the prefix is SCRIPT_NAME, the rest PATH_INFO */
	is("/app/a/b", 3, 0, "/app", "/a/b", NULL);
	is("/app", 3, 0, "/app", "", NULL);
	/* extensions: the first segment naming a file; the rest is PATH_INFO */
	is("/index.php", 1, 0, "/index.php", "", "/www/index.php");
	is("/index.php/a/b", 1, 0, "/index.php", "/a/b", "/www/index.php");
	is("/dir.php/in.php/x", 1, 0, "/dir.php/in.php", "/x", "/www/dir.php/in.php");
	is("/blog/index.php/p", 4, 0, "/blog/index.php", "/p", "/blog/index.php");
	/* the cgi.fix_pathinfo hole stays shut: a .jpg is never run */
	is("/up/x.jpg/y.php", 1, 0, "/index.php", "", "/www/index.php");
	is("/notes.txt", 0, 0, "/notes.txt", "", "/www/notes.txt");
	/* static: files, indexes, directory redirect, dotfiles */
	is("/style.css", 0, 0, "/style.css", "", "/www/style.css");
	is("/", 1, 0, "/index.php", "", "/www/index.php"); /* index.php, by *.php */
	is("/site/", 0, 0, "/site/index.html", "", "/www/site/index.html");
	is("/site", 0, 301, NULL, NULL, NULL);
	is("//site", 0, 404, NULL, NULL, NULL); /* never a Location of "//site/" */
	is("/%2fsite", 0, 301, NULL, NULL, NULL); /* Location "/%2fsite/": a path */
	is("/.git/config", 0, 404, NULL, NULL, NULL);
	is("/assets/app.js", 5, 0, "/assets/app.js", "", "/assets/app.js");
	is("/assets/none.js", 5, 404, NULL, NULL, NULL);
	is("/assets/../www/notes.txt", -1, 400, NULL, NULL, NULL);
	/* hostile targets */
	is("/cgi-bin/%2e%2e/x", -1, 400, NULL, NULL, NULL);
	is("/cgi-bin/./x", -1, 400, NULL, NULL, NULL);
	is("/x/..", -1, 400, NULL, NULL, NULL);
	is("/a%00b", -1, 400, NULL, NULL, NULL);
	is("/a%zz", -1, 400, NULL, NULL, NULL);
	is("*", -1, 400, NULL, NULL, NULL);
	is("http://example/x", -1, 400, NULL, NULL, NULL);

	/* the 301 keeps the raw path and the query */
	struct route_match m;
	int calls = 0;
	route_match(rules, 6, "/si%74e?a=1", probe, &calls, &m);
	ok(m.status == 301 && strcmp(m.location, "/si%74e/?a=1") == 0, "301 Location %s",
	   or_null(m.location));
	route_match_free(&m);
	/* the query reaches a fallback untouched; REQUEST_URI is the caller's */
	route_match(rules, 6, "/wiki/page?id=start", probe, &calls, &m);
	ok(m.fell_back && strcmp(m.query, "id=start") == 0 && strcmp(m.path, "/index.php") == 0,
	   "fallback keeps the query (%s, %s)", or_null(m.query), or_null(m.path));
	route_match_free(&m);

	/* patterns */
	const char *why;
	struct route_rule r;
	const char *badpat[] = {"app", "*.", "*php", "/a/*.p/p", "/a b/", "/a/../b/", "/a//b/", "/x*.php"};
	for (size_t i = 0; i < sizeof(badpat) / sizeof(badpat[0]); i++)
		ok(route_rule_parse(&r, badpat[i], &why) < 0, "pattern %s refused (%s)", badpat[i],
		   route_rule_parse(&r, badpat[i], &why) < 0 ? why : "taken");
	ok(route_rule_parse(&r, "/blog/*.php", &why) == 0 && strcmp(r.prefix, "/blog/") == 0 &&
		   strcmp(r.ext, ".php") == 0,
	   "/blog/*.php: prefix /blog/, extension .php");
	route_rule_free(&r);
	size_t order[6];
	route_order(rules, 6, order);
	ok(order[0] == 4 && order[1] == 1 && order[2] == 2 && order[3] == 5 && order[4] == 3 &&
		   order[5] == 0,
	   "match order: extensions (longest prefix first), then prefixes longest first");
	for (int i = 0; i < 6; i++)
		route_rule_free(&rules[i]);
	return done_testing();
}
