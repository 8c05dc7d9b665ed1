/* Link field values (RFC 8288), the early hints built from them, and the
 * bounded cache of learned hints. */
#include <stdio.h>
#include <string.h>

#include "../../bridge/early.h"
#include "../../bridge/hints.h"
#include "../../bridge/link.h"
#include "tap.h"

static char got[1024];

static int collect(void *ctx, const struct link_value *lv)
{
	size_t n = strlen(got);
	snprintf(got + n, sizeof(got) - n, "[%.*s|%.*s|%u]", (int)lv->target_len, lv->target,
		 (int)lv->text_len, lv->text, lv->rels);
	return 0;
}

static void parse(const char *v, int want_n, const char *want)
{
	got[0] = '\0';
	int n = link_parse(v, strlen(v), collect, NULL);
	ok(n == want_n && (want == NULL || strcmp(got, want) == 0), "Link '%s' -> %d %s (got %d %s)", v,
	   want_n, want ? want : "", n, got);
}

#define H(n, v) {(char *)(n), sizeof(n) - 1, (char *)(v), sizeof(v) - 1}

int main(void)
{
	parse("</s.css>; rel=preload; as=style", 1, "[/s.css|</s.css>; rel=preload; as=style|1]");
	parse(" <a>;rel=\"preload  stylesheet\" , <b>; rel=modulepreload,<https://c>;rel=PreConnect", 3,
	      "[a|<a>;rel=\"preload  stylesheet\"|1][b|<b>; rel=modulepreload|2][https://c|<https://c>;rel=PreConnect|4]");
	parse("<a>; title=\"x, y; z\"; rel=preload", 1, NULL);
	parse("<a>; rel=stylesheet; rel=preload", 1, "[a|<a>; rel=stylesheet; rel=preload|0]"); /* first rel only */
	parse("<a>; crossorigin; rel=preload", 1, "[a|<a>; crossorigin; rel=preload|1]");
	parse(",, <a>; rel=preload ,", 1, NULL);
	parse("", 0, "");
	parse("a.css; rel=preload", -1, NULL);
	parse("<a; rel=preload", -1, NULL);
	parse("<a b>; rel=preload", -1, NULL);
	parse("<a>; =x", -1, NULL);
	parse("<a>; rel=\"unterminated", -1, NULL);
	parse("<a> junk", -1, NULL);
	parse("<a>; rel=pre load", -1, NULL);

	ok(link_same_origin("/s.css", 6, "h:1"), "a path is same-origin");
	ok(link_same_origin("s.css", 5, "h:1"), "a relative reference too");
	ok(!link_same_origin("//evil/s.css", 12, "h:1"), "a network-path reference is not");
	ok(link_same_origin("https://h:1/s.css", 17, "h:1"), "the request's own authority");
	ok(!link_same_origin("https://h:12/s.css", 18, "h:1"), "another port");
	ok(!link_same_origin("https://h:1.evil/", 17, "h:1"), "a longer host");
	ok(!link_same_origin("javascript:x", 12, "h:1"), "another scheme");

	/* compose: configured then learned, no link twice */
	struct early_sent sent = {{0}, 0};
	struct hdr h[8];
	struct buf store = {0};
	unsigned from;
	const char *conf[] = {"</a.js>; rel=preload; as=script", "</s.css>; rel=preload; as=style"};
	size_t n = early_compose(conf, 2, "</s.css>; rel=preload; as=style, </f.woff>; rel=preload; as=font",
				 &sent, h, 8, &store, &from);
	ok(n == 3 && from == (EARLY_CONFIGURED | EARLY_LEARNED) &&
		   strncmp(h[2].value, "</f.woff>", 9) == 0,
	   "compose: 2 configured + 1 new learned link (%zu, from %u)", n, from);
	buf_free(&store);
	/* the backend's own 103 loses what was sent */
	struct hdr b[] = {H("link", "</s.css>; rel=preload; as=style, </new.js>; rel=preload"),
			  H("link", "</a.js>; rel=preload; as=script"), H("x-other", "1")};
	n = early_filter(&sent, b, 3, &store);
	ok(n == 2 && strncmp(b[0].value, "</new.js>; rel=preload", b[0].value_len) == 0 &&
		   b[0].value_len == 22 && strcmp(b[1].name, "x-other") == 0,
	   "filter: only the new link and the other field stay (%zu: %.*s)", n, (int)b[0].value_len,
	   b[0].value);
	buf_free(&store);

	/* lessons */
	struct hdr f1[] = {H("content-type", "text/html"),
			   H("link", "</s.css>; rel=preload; as=style, <https://x.example/a.js>; rel=preload"),
			   H("link", "<https://cdn.example>; rel=preconnect, </n>; rel=next")};
	static const char want[] = "</s.css>; rel=preload; as=style, <https://cdn.example>; rel=preconnect";
	ok(early_lesson(f1, 3, "h:1", false, &store) == 2 && store.len == sizeof(want) - 1 &&
		   memcmp(store.data, want, store.len) == 0,
	   "lesson: same-origin preload and preconnect, not another origin's preload nor rel=next");
	buf_free(&store);
	struct hdr f2[] = {H("cache-control", "max-age=0, Private"), H("link", "</s.css>; rel=preload")};
	ok(early_lesson(f2, 2, "h:1", false, &store) == -1, "lesson: private teaches nothing");
	ok(early_lesson(f2, 2, "h:1", true, &store) == 1, "unless told to");
	buf_free(&store);
	struct hdr f3[] = {H("vary", "accept-encoding, cookie"), H("link", "</s.css>; rel=preload")};
	ok(early_lesson(f3, 2, "h:1", false, &store) == -1, "lesson: Vary: Cookie teaches nothing");
	char many[2048] = "";
	for (int i = 0; i < 20; i++)
		snprintf(many + strlen(many), sizeof(many) - strlen(many), "%s</f%d.js>; rel=preload",
			 i ? ", " : "", i);
	struct hdr f5[] = {{(char *)"link", 4, many, strlen(many)}};
	ok(early_lesson(f5, 1, "h:1", false, &store) == HINTS_MAX_LINKS, "lesson: 20 links, 16 kept");
	buf_free(&store);
	struct hdr f4[] = {H("content-type", "text/html")};
	ok(early_lesson(f4, 1, "h:1", false, &store) == 0, "lesson: no links: forget");
	buf_free(&store);

	/* the cache: bounded, LRU, expiry */
	hints_init(3);
	char key[16];
	for (int i = 0; i < 10000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		hints_learn(key, "</a>; rel=preload", 17, 1, 0);
	}
	ok(hints_count() == 3 && hints_get("k9999", 1) && !hints_get("k0", 1),
	   "10,000 paths through a cache of 3: 3 kept, the newest");
	size_t mem = hints_memory();
	hints_get("k9997", 1); /* used: the oldest is now k9998 */
	hints_learn("new", "</b>; rel=preload", 17, 1, 0);
	ok(hints_get("k9997", 1) && !hints_get("k9998", 1), "least recently used goes first");
	ok(hints_get("new", HINTS_TTL_MS + 1) == NULL && hints_count() == 2, "an expired path is dropped");
	ok(mem > 0 && mem < 4096, "memory counted (%zu bytes for 3 paths)", mem);
	char big[HINTS_MAX_BYTES + 2];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	hints_learn("big", big, sizeof(big) - 1, 1, 0);
	ok(hints_get("big", 1) == NULL, "over 4 KiB of links: not kept");
	hints_free();
	return done_testing();
}
