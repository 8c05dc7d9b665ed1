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

/* Creates the server session and queues our SETTINGS; returns 0 or -1. */
int h2_session_new(struct conn *c);

/* Feeds received bytes; returns 0, or -1 when the connection must close. */
int h2_recv(struct conn *c, const uint8_t *data, size_t len);

/* Gets the next chunk of bytes to send (valid until the next call); returns
 * its length, 0 when there is nothing, or -1 on a fatal error. */
ssize_t h2_send(struct conn *c, const uint8_t **data);

/* True when the session wants neither to read nor to write any more. */
bool h2_finished(struct conn *c);

/* Submits GOAWAY(NO_ERROR) naming the last stream we will process: streams
 * in flight finish, the session ends when they have (RFC 9113 §6.8). */
void h2_goaway(struct conn *c);

/* Frees the session (streams are freed by the connection). */
void h2_session_free(struct conn *c);

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

#define H2_NO_ERROR 0x0
#define H2_INTERNAL_ERROR 0x2
#define H2_REFUSED_STREAM 0x7

#endif
