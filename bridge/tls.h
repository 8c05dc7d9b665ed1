/* tls.h - GnuTLS: credentials, sessions, ALPN. The only file that knows GnuTLS
 * besides the connection's record I/O. */
#ifndef H2CGI_TLS_H
#define H2CGI_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <gnutls/gnutls.h>

#include "buf.h"

/* Loads cert/key PEM files, or with cert == NULL makes an ephemeral
 * self-signed certificate in memory. Returns 0, or -1 with err filled. */
int tls_init(const char *cert, const char *key, const char *priority, char *err, size_t errlen);

/* Credentials shared by sessions; a reload makes new ones, and the old ones
 * live on while a session holds them. */
struct tls_creds;

/* Read-ahead for a socket session. GnuTLS pulls a record's 5-byte header,
 * then its body, each with a recv(2) of its own, and one more recv to
 * learn the socket is empty; one read of up to 16 KiB serves them all. */
struct tls_rx {
	int fd;
	bool dry;       /* the last read was short: empty until epoll says more */
	struct buf buf; /* read and not yet pulled */
};

/* Creates a non-blocking server session reading rfd and writing wfd (the
 * same socket, read ahead through rx, or two pipes) offering ALPN h2,
 * holding the current credentials in *held; returns 0 or -1. */
int tls_session_new(gnutls_session_t *s, int rfd, int wfd, struct tls_rx *rx,
		    struct tls_creds **held);

/* True while bytes wait in rx: epoll does not see them. */
static inline bool tls_rx_pending(const struct tls_rx *rx)
{
	return buf_used(&rx->buf) > 0;
}

/* Frees rx's buffer when every byte in it was pulled (an idle
 * connection's: conn_sweep). */
void tls_rx_idle(struct tls_rx *rx);

/* Drops a session's hold on its credentials (after gnutls_deinit). */
void tls_release(struct tls_creds *c);

/* Loads cert/key again (SIGHUP); on success new sessions use them, on
 * failure the old ones stay and err says why. Returns 0 or -1. */
int tls_reload(const char *cert, const char *key, char *err, size_t errlen);

/* The same from PEM bytes read by a privileged process (keeper.h); cert
 * and key name the files in err. Returns 0 or -1. */
int tls_reload_mem(const char *cert, const char *key, const void *cert_pem, size_t cert_len,
		   const void *key_pem, size_t key_len, char *err, size_t errlen);

/* True when the handshake selected ALPN "h2". */
int tls_is_h2(gnutls_session_t s);

/* Says whether more records follow the ones the next gnutls_record_send()
 * of a socket connection writes (MSG_MORE), until called again. */
void tls_more_follows(bool more);

/* Frees the credentials (at exit). */
void tls_deinit(void);

#endif
