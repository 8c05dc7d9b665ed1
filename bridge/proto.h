/* proto.h - what a connection's protocol (HTTP/2 or HTTP/1.1) does for the
 * connection and for its streams: one table per protocol, so that stream.c
 * and conn.c never depend on which one it is. */
#ifndef H2CGI_PROTO_H
#define H2CGI_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "headers.h"

struct conn;
struct stream;

/* Reset codes (RFC 9113 §7); HTTP/1.1 closes the connection for any. */
#define H2_NO_ERROR 0x0
#define H2_INTERNAL_ERROR 0x2

struct proto_ops {
	const char *name;
	/* the connection side */
	int (*start)(struct conn *c);                 /* 0 or -1 */
	int (*recv)(struct conn *c, const uint8_t *data, size_t len); /* -1: close */
	int (*fill)(struct conn *c);                  /* output into c->out; -1: close */
	bool (*finished)(struct conn *c);             /* nothing more to do: close */
	void (*goaway)(struct conn *c);               /* no new requests, finish the rest */
	void (*idle)(struct conn *c);                 /* idle a while: give memory back (or NULL) */
	void (*free)(struct conn *c);
	/* the stream side (see h2.h for the contracts) */
	int (*submit)(struct stream *s, int status, const struct hdr *h, size_t n, bool final,
		      bool has_body);
	void (*resume)(struct stream *s);
	void (*reset)(struct stream *s, uint32_t code);
	void (*consume)(struct stream *s, size_t n);
};

extern const struct proto_ops h2_proto, h1_proto;

#endif
