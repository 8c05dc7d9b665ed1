/* h2.h - the HTTP/2 side of a connection (nghttp2). The only file that
 * knows nghttp2. */
#ifndef H2CGI_H2_H
#define H2CGI_H2_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "headers.h"

struct conn;
struct stream;

/* h2_proto (proto.h) holds these, as the HTTP/2 side of a connection:
 *  start: creates the server session and queues our SETTINGS; 0 or -1.
 *  recv: feeds received bytes; -1 when the connection must close.
 *  fill: moves nghttp2's output into c->out (up to CONN_OUT_HIGH); -1 on error.
 *  finished: the session wants neither to read nor to write any more.
 *  goaway: GOAWAY(NO_ERROR) naming the last stream we will process: streams
 *          in flight finish, the session ends when they have (RFC 9113 §6.8).
 *  free: frees the session (streams are freed by the connection).
 * and, for streams, the functions below. */

/* Upgrades a cleartext HTTP/1.1 connection (RFC 7540 §3.2): the session
 * starts with the client's HTTP2-Settings (base64url, decoded here) and the
 * upgraded request as stream 1, whose stream object is s. Returns 0 or -1. */
int h2_upgrade(struct conn *c, const char *settings_b64, size_t len, struct stream *s, bool head);

/* Submits a response header block for s: informational (1xx, not final) or
 * final, with a body that stream_read_body() supplies when has_body. The
 * headers are copied. Returns 0 or -1. */
int h2_submit(struct stream *s, int status, const struct hdr *h, size_t n, bool final,
	      bool has_body);

/* Resumes a body that stream_read_body() had deferred. */
void h2_resume(struct stream *s);

/* Resets s with an HTTP/2 error code (RFC 9113 §7). */
void h2_reset(struct stream *s, uint32_t code);

/* Returns n bytes of request body to the flow-control windows. */
void h2_consume(struct stream *s, size_t n);

#endif
