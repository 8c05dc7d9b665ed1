/* The PROXY protocol header (v1 and v2): what each says, incomplete
 * headers asking for more, and every kind of refusal. */
#include <string.h>

#include "../../bridge/proxy.h"
#include "tap.h"

static int parse(const char *b, size_t n, struct proxy_info *pi)
{
	return proxy_parse((const uint8_t *)b, n, pi);
}

#define P(s) parse(s, sizeof(s) - 1, &pi)

int main(void)
{
	struct proxy_info pi;
	static const char v1[] = "PROXY TCP4 192.0.2.7 198.51.100.1 40000 443\r\nGET /";
	static const char v2[] = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x0c"
				 "\xc0\x00\x02\x07\xc6\x33\x64\x01\x9c\x40\x01\xbb" "GET";
	static const char v2_6[] = "\r\n\r\n\0\r\nQUIT\n\x21\x21\x00\x24"
				   "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x07"
				   "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01\x9c\x40\x01\xbb";

	ok(P(v1) == 45 && strcmp(pi.src, "192.0.2.7") == 0 && pi.src_port == 40000 &&
	   strcmp(pi.dst, "198.51.100.1") == 0 && pi.dst_port == 443 && !pi.local,
	   "v1 TCP4: addresses and ports, length 45 (the request is left alone)");
	ok(P("PROXY TCP6 2001:db8::7 2001:db8::1 1 65535\r\n") > 0 && strcmp(pi.src, "2001:db8::7") == 0 &&
	   pi.dst_port == 65535, "v1 TCP6");
	ok(P("PROXY UNKNOWN\r\n") == 15 && pi.local, "v1 UNKNOWN: the socket's addresses stand");
	ok(P(v2) == 28 && strcmp(pi.src, "192.0.2.7") == 0 && pi.src_port == 40000 &&
	   strcmp(pi.dst, "198.51.100.1") == 0 && pi.dst_port == 443, "v2 IPv4");
	ok(parse(v2_6, sizeof(v2_6) - 1, &pi) == 52 && strcmp(pi.src, "2001:db8::7") == 0 &&
	   pi.dst_port == 443, "v2 IPv6");
	ok(P("\r\n\r\n\0\r\nQUIT\n\x20\x00\x00\x00") == 16 && pi.local, "v2 LOCAL (a health check)");

	int more = 1;
	for (size_t k = 0; k < 45; k++)
		more &= parse(v1, k, &pi) == 0;
	for (size_t k = 0; k < 28; k++)
		more &= parse(v2, k, &pi) == 0;
	ok(more, "every prefix of a header asks for more");

	ok(P("GET / HTTP/1.1\r\n") == -1, "no header: refused (%s)", pi.why);
	ok(P("PROXY TCP4 192.0.2.7 198.51.100.1 40000 443 x\r\n") == -1, "v1: a seventh field");
	ok(P("PROXY TCP4 192.0.2.7 198.51.100.1 99999 443\r\n") == -1, "v1: port 99999");
	ok(P("PROXY TCP4 192.0.2.7 198.51.100.1 040 443\r\n") == -1, "v1: a leading zero");
	ok(P("PROXY TCP4 2001:db8::7 198.51.100.1 1 2\r\n") == -1, "v1: an IPv6 address as TCP4");
	ok(P("PROXY TCP4 192.0.2.7  198.51.100.1 1 2\r\n") == -1, "v1: two spaces");
	ok(P("PROXY UDP4 192.0.2.7 198.51.100.1 1 2\r\n") == -1, "v1: UDP4");
	ok(P("PROXY TCP4 192.0.2.7 198.51.100.1 1 2\n") == 0, "v1 with a bare LF: more wanted...");
	char longline[120];
	memset(longline, 'a', sizeof(longline));
	memcpy(longline, "PROXY ", 6);
	ok(parse(longline, sizeof(longline), &pi) == -1, "...and past 107 bytes: refused (%s)", pi.why);
	ok(P("PROXY TCP4 192.0.2.7 198.51.100.1 1 2\x01\r\n") == -1, "v1: a control byte");
	ok(P("\r\n\r\n\0\r\nQUIX\n\x21\x11\x00\x0c") == -1, "v2: a bad signature");
	ok(P("\r\n\r\n\0\r\nQUIT\n\x31\x11\x00\x0c") == -1, "v2: version 3");
	ok(P("\r\n\r\n\0\r\nQUIT\n\x22\x11\x00\x0c") == -1, "v2: command 2");
	ok(P("\r\n\r\n\0\r\nQUIT\n\x21\x12\x00\x0c" "\xc0\x00\x02\x07\xc6\x33\x64\x01\x9c\x40\x01\xbb") == -1,
	   "v2: UDP");
	ok(P("\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x08" "\xc0\x00\x02\x07\xc6\x33\x64\x01") == -1,
	   "v2: an IPv4 block too short");
	ok(P("\r\n\r\n\0\r\nQUIT\n\x21\x11\x04\x00") == -1, "v2: a header over 1024 bytes");
	return done_testing();
}
