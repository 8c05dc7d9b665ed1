/* proxy.c - PROXY protocol v1 (a text line) and v2 (binary), as HAProxy's
 * proxy-protocol.txt defines them. Strict: a header that is not exactly
 * one of those is refused, and the connection with it. */
#include "proxy.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const uint8_t v2_sig[12] = {0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				   0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a};

static int refuse(struct proxy_info *info, const char *why)
{
	info->why = why;
	return -1;
}

/* A port of 1 to 5 digits, no sign, no leading zero, at most 65535. */
static bool port_ok(const char *s, size_t n, unsigned *port)
{
	unsigned v = 0;

	if (n == 0 || n > 5 || (s[0] == '0' && n > 1))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	*port = v;
	return v <= 65535;
}

/* "PROXY TCP4 1.2.3.4 5.6.7.8 1234 443\r\n" or "PROXY UNKNOWN...\r\n" */
static int parse_v1(const uint8_t *b, size_t n, struct proxy_info *info)
{
	const uint8_t *end = NULL;
	char line[108], *f[6];
	int nf = 0;

	for (size_t i = 0; i + 1 < n && i < 107; i++)
		if (b[i] == '\r' && b[i + 1] == '\n') {
			end = b + i;
			break;
		}
	if (end == NULL)
		return n >= 107 ? refuse(info, "PROXY v1 line longer than 107 bytes") : 0;
	size_t len = (size_t)(end - b);
	for (size_t i = 0; i < len; i++)
		if (b[i] < 0x20 || b[i] > 0x7e)
			return refuse(info, "control byte in the PROXY v1 line");
	memcpy(line, b, len);
	line[len] = '\0';
	if (len >= 13 && memcmp(line, "PROXY UNKNOWN", 13) == 0) {
		info->local = true;
		return (int)len + 2;
	}
	size_t spaces = 0;
	for (size_t i = 0; i < len; i++)
		spaces += line[i] == ' ';
	if (spaces != 5)
		return refuse(info, "malformed PROXY v1 line");
	for (char *p = line, *sp; nf < 6; p = sp + 1) {
		f[nf++] = p;
		if ((sp = strchr(p, ' ')) == NULL)
			break;
		*sp = '\0';
	}
	if (nf != 6 || strcmp(f[0], "PROXY") != 0)
		return refuse(info, "malformed PROXY v1 line");
	int af = strcmp(f[1], "TCP4") == 0 ? AF_INET : strcmp(f[1], "TCP6") == 0 ? AF_INET6 : 0;
	uint8_t a[16];
	if (af == 0)
		return refuse(info, "PROXY v1: protocol neither TCP4 nor TCP6");
	if (inet_pton(af, f[2], a) != 1 || inet_pton(af, f[3], a) != 1)
		return refuse(info, "PROXY v1: bad address");
	if (!port_ok(f[4], strlen(f[4]), &info->src_port) ||
	    !port_ok(f[5], strlen(f[5]), &info->dst_port))
		return refuse(info, "PROXY v1: bad port");
	snprintf(info->src, sizeof(info->src), "%s", f[2]);
	snprintf(info->dst, sizeof(info->dst), "%s", f[3]);
	info->local = false;
	return (int)len + 2;
}

static int parse_v2(const uint8_t *b, size_t n, struct proxy_info *info)
{
	if (n < 16)
		return 0;
	size_t len = (size_t)b[14] << 8 | b[15];
	if (16 + len > PROXY_MAX_HEADER)
		return refuse(info, "PROXY v2 header over 1024 bytes");
	if ((b[12] & 0xf0) != 0x20)
		return refuse(info, "PROXY v2: unknown version");
	int cmd = b[12] & 0x0f, fam = b[13] >> 4, proto = b[13] & 0x0f;
	if (cmd > 1)
		return refuse(info, "PROXY v2: unknown command");
	if (n < 16 + len)
		return 0;
	const uint8_t *a = b + 16;
	if (cmd == 0 || fam == 0) { /* LOCAL (a health check), or AF_UNSPEC */
		info->local = true;
		return (int)(16 + len);
	}
	if (proto != 1)
		return refuse(info, "PROXY v2: not a stream (TCP) connection");
	if (fam == 1) {
		if (len < 12)
			return refuse(info, "PROXY v2: short IPv4 address block");
		inet_ntop(AF_INET, a, info->src, sizeof(info->src));
		inet_ntop(AF_INET, a + 4, info->dst, sizeof(info->dst));
		info->src_port = (unsigned)a[8] << 8 | a[9];
		info->dst_port = (unsigned)a[10] << 8 | a[11];
	} else if (fam == 2) {
		if (len < 36)
			return refuse(info, "PROXY v2: short IPv6 address block");
		inet_ntop(AF_INET6, a, info->src, sizeof(info->src));
		inet_ntop(AF_INET6, a + 16, info->dst, sizeof(info->dst));
		info->src_port = (unsigned)a[32] << 8 | a[33];
		info->dst_port = (unsigned)a[34] << 8 | a[35];
	} else {
		return refuse(info, "PROXY v2: address family neither IPv4 nor IPv6");
	}
	info->local = false;
	return (int)(16 + len); /* TLVs after the addresses are skipped */
}

int proxy_parse(const uint8_t *b, size_t n, struct proxy_info *info)
{
	memset(info, 0, sizeof(*info));
	if (n == 0)
		return 0;
	if (b[0] == v2_sig[0]) {
		size_t k = n < sizeof(v2_sig) ? n : sizeof(v2_sig);
		if (memcmp(b, v2_sig, k) != 0)
			return refuse(info, "no PROXY header (bad v2 signature)");
		return n < sizeof(v2_sig) ? 0 : parse_v2(b, n, info);
	}
	size_t k = n < 6 ? n : 6;
	if (memcmp(b, "PROXY ", k) != 0)
		return refuse(info, "no PROXY header");
	return parse_v1(b, n, info);
}
