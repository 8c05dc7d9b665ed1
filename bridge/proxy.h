/* proxy.h - the PROXY protocol header (HAProxy's proxy-protocol.txt,
 * versions 1 and 2) that a load balancer sends first on each connection:
 * who the client really is. Pure: bytes in, addresses out. */
#ifndef H2CGI_PROXY_H
#define H2CGI_PROXY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROXY_MAX_HEADER 1024 /* v1 is at most 107 bytes; v2 TLVs past this are refused */

struct proxy_info {
	bool local;                           /* v2 LOCAL or v1 UNKNOWN: keep the socket's addresses */
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	unsigned src_port, dst_port;
	const char *why;                      /* when refused */
};

/* Parses the header at the start of b[0..n): returns its length when it
 * is complete and valid (info filled), 0 when more bytes are needed (every
 * byte so far belongs to it), or -1 when it is not a valid header
 * (info->why says what). */
int proxy_parse(const uint8_t *b, size_t n, struct proxy_info *info);

#endif
