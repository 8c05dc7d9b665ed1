/* tls.c - GnuTLS credentials and server sessions. */
#include "tls.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <gnutls/crypto.h>
#include <gnutls/x509.h>

#include "log.h"

struct tls_creds {
	gnutls_certificate_credentials_t cred;
	unsigned refs; /* sessions, plus one while current */
};

static struct tls_creds *current;
static gnutls_priority_t prio;
/* The session ticket key (RFC 5077, RFC 8446 §4.6.1): made at start, before
 * --workers fork, so that a client resumes with any of them; GnuTLS rotates
 * the keys it derives from it. Without tickets every reconnecting client
 * paid a full handshake. */
static gnutls_datum_t ticket_key;

/* An ECDSA P-256 self-signed certificate for localhost, valid for 30 days,
 * so that a first run serves HTTPS at once (browsers will warn). */
static int self_signed(gnutls_certificate_credentials_t creds, char *err, size_t errlen)
{
	gnutls_x509_privkey_t key = NULL;
	gnutls_x509_crt_t crt = NULL;
	unsigned char serial[8];
	int rc;
	time_t now = time(NULL);

	if ((rc = gnutls_x509_privkey_init(&key)) < 0 ||
	    (rc = gnutls_x509_privkey_generate(key, GNUTLS_PK_ECDSA,
					       GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1), 0)) < 0 ||
	    (rc = gnutls_x509_crt_init(&crt)) < 0)
		goto fail;
	gnutls_rnd(GNUTLS_RND_NONCE, serial, sizeof(serial));
	serial[0] &= 0x7f;
	if ((rc = gnutls_x509_crt_set_version(crt, 3)) < 0 ||
	    (rc = gnutls_x509_crt_set_serial(crt, serial, sizeof(serial))) < 0 ||
	    (rc = gnutls_x509_crt_set_activation_time(crt, now - 3600)) < 0 ||
	    (rc = gnutls_x509_crt_set_expiration_time(crt, now + 30 * 86400)) < 0 ||
	    (rc = gnutls_x509_crt_set_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME, 0, "localhost", 9)) < 0 ||
	    (rc = gnutls_x509_crt_set_subject_alt_name(crt, GNUTLS_SAN_DNSNAME, "localhost", 9,
						       GNUTLS_FSAN_SET)) < 0 ||
	    (rc = gnutls_x509_crt_set_key(crt, key)) < 0 ||
	    (rc = gnutls_x509_crt_set_key_usage(crt, GNUTLS_KEY_DIGITAL_SIGNATURE)) < 0 ||
	    (rc = gnutls_x509_crt_sign2(crt, crt, key, GNUTLS_DIG_SHA256, 0)) < 0 ||
	    (rc = gnutls_certificate_set_x509_key(creds, &crt, 1, key)) < 0)
		goto fail;
	gnutls_x509_crt_deinit(crt);
	gnutls_x509_privkey_deinit(key);
	return 0;
fail:
	snprintf(err, errlen, "cannot make a self-signed certificate: %s", gnutls_strerror(rc));
	if (crt)
		gnutls_x509_crt_deinit(crt);
	if (key)
		gnutls_x509_privkey_deinit(key);
	return -1;
}

void tls_release(struct tls_creds *c)
{
	if (c && --c->refs == 0) {
		gnutls_certificate_free_credentials(c->cred);
		free(c);
	}
}

/* New credentials from files, or from PEM bytes when pem is not NULL (then
 * cert and key only name them), or self-signed when cert is NULL. */
static struct tls_creds *load(const char *cert, const char *key, const gnutls_datum_t *pem,
			      char *err, size_t errlen)
{
	struct tls_creds *c = calloc(1, sizeof(*c));
	int rc;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->refs = 1;
	if ((rc = gnutls_certificate_allocate_credentials(&c->cred)) < 0) {
		snprintf(err, errlen, "GnuTLS: %s", gnutls_strerror(rc));
		free(c);
		return NULL;
	}
	if (cert == NULL)
		rc = self_signed(c->cred, err, errlen);
	else if (pem)
		rc = gnutls_certificate_set_x509_key_mem(c->cred, &pem[0], &pem[1], GNUTLS_X509_FMT_PEM);
	else
		rc = gnutls_certificate_set_x509_key_file(c->cred, cert, key, GNUTLS_X509_FMT_PEM);
	if (rc < 0 && cert != NULL)
		snprintf(err, errlen, "cannot load certificate %s with key %s: %s", cert, key,
			 gnutls_strerror(rc));
	if (rc < 0) {
		tls_release(c);
		return NULL;
	}
	return c;
}

int tls_init(const char *cert, const char *key, const char *priority, char *err, size_t errlen)
{
	const char *where = NULL;
	int rc;

	if ((rc = gnutls_global_init()) < 0) {
		snprintf(err, errlen, "GnuTLS: %s", gnutls_strerror(rc));
		return -1;
	}
	if ((rc = gnutls_priority_init(&prio, priority, &where)) < 0) {
		snprintf(err, errlen, "bad --tls-priority near '%s': %s", where ? where : priority,
			 gnutls_strerror(rc));
		return -1;
	}
	if ((rc = gnutls_session_ticket_key_generate(&ticket_key)) < 0) {
		snprintf(err, errlen, "GnuTLS: no session ticket key: %s", gnutls_strerror(rc));
		return -1;
	}
	if ((current = load(cert, key, NULL, err, errlen)) == NULL)
		return -1;
	if (cert == NULL)
		log_warn("no --cert/--key given: serving an ephemeral self-signed certificate for "
			 "localhost (clients will not trust it)");
	return 0;
}

/* New sessions take c; sessions holding the old credentials keep them. */
static void use(struct tls_creds *c)
{
	tls_release(current);
	current = c;
}

int tls_reload(const char *cert, const char *key, char *err, size_t errlen)
{
	struct tls_creds *c = load(cert, key, NULL, err, errlen);

	if (c == NULL)
		return -1;
	use(c);
	return 0;
}

int tls_reload_mem(const char *cert, const char *key, const void *cert_pem, size_t cert_len,
		   const void *key_pem, size_t key_len, char *err, size_t errlen)
{
	const gnutls_datum_t pem[2] = {{(unsigned char *)cert_pem, (unsigned)cert_len},
				       {(unsigned char *)key_pem, (unsigned)key_len}};
	struct tls_creds *c = load(cert, key, pem, err, errlen);

	if (c == NULL)
		return -1;
	use(c);
	return 0;
}

/* Pipes (ucspi-style --inetd) need read(2)/write(2): GnuTLS's own transport
 * uses recv(2)/send(2), which only work on sockets. */
struct pipe_fds {
	int r, w;
};

static ssize_t pipe_pull(gnutls_transport_ptr_t p, void *buf, size_t len)
{
	const struct pipe_fds *f = p;
	return read(f->r, buf, len);
}

static ssize_t pipe_push(gnutls_transport_ptr_t p, const void *buf, size_t len)
{
	const struct pipe_fds *f = p;
	return write(f->w, buf, len);
}

/* Our push and pull functions leave the reason in errno, whether they
 * wrote a socket or a pipe. */
static int io_errno(gnutls_transport_ptr_t p)
{
	return errno;
}

#define TLS_RX 16384

/* GnuTLS's pull through rx: the socket is read once for what it holds (up
 * to TLS_RX), and not again after a short read until epoll says there is
 * more (conn_io clears dry). */
static ssize_t rx_pull(gnutls_transport_ptr_t p, void *data, size_t len)
{
	struct tls_rx *rx = p;

	if (buf_used(&rx->buf) == 0) {
		if (rx->dry) {
			errno = EAGAIN;
			return -1;
		}
		if (buf_reserve(&rx->buf, TLS_RX) < 0) {
			errno = ENOMEM;
			return -1;
		}
		ssize_t n = recv(rx->fd, rx->buf.data + rx->buf.len, TLS_RX, 0);
		if (n <= 0)
			return n;
		rx->buf.len += (size_t)n;
		rx->dry = (size_t)n < TLS_RX;
	}
	size_t n = buf_used(&rx->buf) < len ? buf_used(&rx->buf) : len;
	memcpy(data, rx->buf.data + rx->buf.off, n);
	buf_consume(&rx->buf, n);
	return (ssize_t)n;
}

void tls_rx_idle(struct tls_rx *rx)
{
	if (rx->buf.cap > 0 && buf_used(&rx->buf) == 0)
		buf_free(&rx->buf);
}

static bool more_follows; /* tls_more_follows() */

void tls_more_follows(bool more)
{
	more_follows = more;
}

/* GnuTLS's own socket push with MSG_MORE while more records of the same
 * burst follow: TCP puts them into one segment (up to 64 KiB on loopback)
 * instead of pushing each 16 KiB record through the stack and waking the
 * client for it; the burst's last record goes without it and is pushed. */
static ssize_t sock_push(gnutls_transport_ptr_t p, const giovec_t *iov, int iovcnt)
{
	struct msghdr m = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};

	return sendmsg(((struct tls_rx *)p)->fd, &m, MSG_NOSIGNAL | (more_follows ? MSG_MORE : 0));
}

int tls_session_new(gnutls_session_t *s, int rfd, int wfd, struct tls_rx *rx,
		    struct tls_creds **held)
{
	/* the client's choice wins (no GNUTLS_ALPN_SERVER_PRECEDENCE); a client
	 * without ALPN gets HTTP/1.1 */
	static const gnutls_datum_t alpn[] = {{(unsigned char *)"h2", 2},
					      {(unsigned char *)"http/1.1", 8}};

	if (gnutls_init(s, GNUTLS_SERVER | GNUTLS_NONBLOCK | GNUTLS_NO_SIGNAL) < 0)
		return -1;
	if (gnutls_priority_set(*s, prio) < 0 ||
	    gnutls_credentials_set(*s, GNUTLS_CRD_CERTIFICATE, current->cred) < 0 ||
	    gnutls_alpn_set_protocols(*s, alpn, 2, 0) < 0 ||
	    gnutls_session_ticket_enable_server(*s, &ticket_key) < 0) {
		gnutls_deinit(*s);
		*s = NULL;
		return -1;
	}
	if (rfd == wfd) {
		rx->fd = rfd;
		gnutls_transport_set_ptr(*s, rx);
		gnutls_transport_set_pull_function(*s, rx_pull);
		gnutls_transport_set_vec_push_function(*s, sock_push);
		gnutls_transport_set_errno_function(*s, io_errno);
	} else {
		static struct pipe_fds fds; /* --inetd: one connection per process */
		fds.r = rfd;
		fds.w = wfd;
		gnutls_transport_set_ptr(*s, &fds);
		gnutls_transport_set_pull_function(*s, pipe_pull);
		gnutls_transport_set_push_function(*s, pipe_push);
		gnutls_transport_set_errno_function(*s, io_errno);
	}
	gnutls_handshake_set_timeout(*s, 0);
	current->refs++;
	*held = current;
	return 0;
}

int tls_is_h2(gnutls_session_t s)
{
	gnutls_datum_t p;

	return gnutls_alpn_get_selected_protocol(s, &p) == 0 && p.size == 2 &&
	       memcmp(p.data, "h2", 2) == 0;
}

void tls_deinit(void)
{
	if (prio)
		gnutls_priority_deinit(prio);
	if (ticket_key.data) {
		gnutls_memset(ticket_key.data, 0, ticket_key.size);
		gnutls_free(ticket_key.data);
		ticket_key.data = NULL;
	}
	tls_release(current);
	current = NULL;
	gnutls_global_deinit();
}
