/* libFuzzer target: request-target routing over a made-up file tree, and
 * meta-variable building from arbitrary header lists and targets. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/cgi_env.h"
#include "../../bridge/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A file tree decided by the path itself: names with a '.' are files,
 * others directories, except those with an 'x' (missing). */
static enum route_probe probe(void *ctx, const char *p)
{
	const char *base = strrchr(p, '/');
	base = base ? base + 1 : p;
	if (strchr(base, 'x'))
		return ROUTE_NONE;
	return strchr(base, '.') ? ROUTE_FILE : ROUTE_DIR;
}

static struct route_rule rules[5];

static void setup(void)
{
	static const char *const idx[] = {"index.php", "index.html"};
	const char *pat[] = {"/", "*.php", "/cgi-bin/", "/app/", "/b/*.cgi"};
	const char *why;
	for (int i = 0; i < 5; i++)
		if (route_rule_parse(&rules[i], pat[i], &why) < 0)
			__builtin_trap();
	rules[0] = (struct route_rule){rules[0].prefix, rules[0].prefix_len, NULL, 0, "/www",
				       ROUTE_STATIC, false, idx, 2, "/index.php"};
	rules[1].root = "/www";
	rules[1].walk = ROUTE_SCRIPT;
	rules[2].root = "/cgi";
	rules[2].walk = ROUTE_SCRIPT;
	rules[2].need_script = true;
	rules[3].walk = ROUTE_MOUNT;
	rules[4].root = "/b";
	rules[4].walk = ROUTE_SCRIPT;
	rules[4].fallback = "/b/x.cgi";
}

static int sink(void *ctx, const char *name, size_t nl, const char *value, size_t vl)
{
	size_t *total = ctx;
	if (nl == 0 || memchr(name, '\0', nl) != NULL)
		__builtin_trap();
	*total += nl + vl;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* input: target NUL (name NUL value NUL)* */
	char *copy = malloc(size + 2);
	struct hdr h[64];
	size_t nh = 0, total = 0;
	struct route_match rt;
	static bool ready;

	if (copy == NULL)
		return 0;
	if (!ready) {
		setup();
		ready = true;
	}
	memcpy(copy, data, size);
	copy[size] = copy[size + 1] = '\0';
	char *target = copy, *p = copy + strlen(copy) + 1;
	while (p < copy + size && nh < 64) {
		char *name = p, *value = p + strlen(p) + 1;
		if (value > copy + size)
			break;
		h[nh++] = (struct hdr){name, strlen(name), value, strlen(value)};
		p = value + strlen(value) + 1;
	}
	if (route_match(rules, 5, target, probe, NULL, &rt) == 0 && rt.status == 0) {
		/* what is served is the path, split in two, under its route */
		size_t sl = strlen(rt.script_name);
		if (rt.rule < 0 || strncmp(rt.path, rt.script_name, sl) != 0 ||
		    strcmp(rt.path + sl, rt.path_info) != 0 ||
		    (rt.path_info[0] != '\0' && rt.path_info[0] != '/') ||
		    (rt.file && strncmp(rt.file, rules[rt.rule].root, strlen(rules[rt.rule].root)) != 0) ||
		    strstr(rt.path, "/../") || strstr(rt.path, "/./"))
			__builtin_trap();
		struct cgi_request r = {.method = "GET", .scheme = "https", .authority = target,
					.uri = target, .query = rt.query, .script_name = rt.script_name,
					.path_info = rt.path_info, .document_root = "/srv",
					.remote_addr = "::1", .server_addr = "::1",
					.server_protocol = "HTTP/2.0", .server_software = "fuzz",
					.content_length = -1, .hdrs = h, .nhdr = nh, .https = true};
		cgi_env_build(&r, sink, &total);
	}
	route_match_free(&rt);
	free(copy);
	return 0;
}
