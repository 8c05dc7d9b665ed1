/* libFuzzer target: meta-variable building and request-target routing from
 * arbitrary header lists and targets. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../bridge/cgi_env.h"
#include "../../bridge/route.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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
	struct route rt;

	if (copy == NULL)
		return 0;
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
	if (route_resolve(target, "/cgi-bin/", &rt) == 0) {
		struct cgi_request r = {.method = "GET", .scheme = "https", .authority = target,
					.uri = target, .query = rt.query, .script_name = rt.script_name,
					.path_info = rt.path_info, .document_root = "/srv",
					.remote_addr = "::1", .server_addr = "::1",
					.server_protocol = "HTTP/2.0", .server_software = "fuzz",
					.content_length = -1, .hdrs = h, .nhdr = nh, .https = true};
		cgi_env_build(&r, sink, &total);
		route_free(&rt);
	}
	free(copy);
	return 0;
}
