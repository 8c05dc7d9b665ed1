/* hsload.c - TLS handshakes per second against one server, one after
 * another (GnuTLS client, TLS 1.3, AES-128-GCM like h2load's runs).
 *
 *   hsload HOST PORT SECONDS full|resumed
 *
 * "resumed" keeps the session of a first connection, which sends one
 * HTTP/1.1 request so that the server's ticket (sent after the TLS 1.3
 * handshake) is read, and resumes it on every connection after. Prints
 *   hs/s=R resumed=K/N
 */
#include <arpa/inet.h>
#include <gnutls/gnutls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PRIORITY "NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:+AES-128-GCM"

static struct sockaddr_in addr;
static gnutls_certificate_credentials_t cred;

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/* One connection: handshake (resuming *data when it is set), and with
 * fetch a request read to its end and the session kept in *data.
 * Returns 1 resumed, 0 full, -1 failed. */
static int one(gnutls_datum_t *data, int fetch)
{
	gnutls_session_t s = NULL;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1, rc = -1, ret;
	char buf[4096];

	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0)
		goto fail;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (gnutls_init(&s, GNUTLS_CLIENT) < 0 || gnutls_priority_set_direct(s, PRIORITY, NULL) < 0 ||
	    gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred) < 0)
		goto fail;
	if (data->data)
		gnutls_session_set_data(s, data->data, data->size);
	gnutls_transport_set_int(s, fd);
	do
		ret = gnutls_handshake(s);
	while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0)
		goto fail;
	rc = gnutls_session_is_resumed(s) ? 1 : 0;
	if (fetch) {
		static const char req[] = "GET /fcgi HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n";

		if (gnutls_record_send(s, req, sizeof(req) - 1) < 0)
			goto fail;
		/* the ticket comes before the answer: keep the session as soon
		 * as a record arrived, before a close can invalidate it */
		ret = (int)gnutls_record_recv(s, buf, sizeof(buf));
		while (ret == GNUTLS_E_AGAIN || ret == GNUTLS_E_INTERRUPTED)
			ret = (int)gnutls_record_recv(s, buf, sizeof(buf));
		if (ret <= 0 || gnutls_session_get_data2(s, data) < 0)
			goto fail;
	}
	gnutls_bye(s, GNUTLS_SHUT_WR);
	gnutls_deinit(s);
	close(fd);
	return rc;
fail:
	if (s)
		gnutls_deinit(s);
	if (fd >= 0)
		close(fd);
	return -1;
}

int main(int argc, char **argv)
{
	gnutls_datum_t data = { NULL, 0 };
	double secs, t0;
	long n = 0, resumed = 0;
	int resume;

	if (argc != 5 || (secs = atof(argv[3])) <= 0 ||
	    (strcmp(argv[4], "full") != 0 && strcmp(argv[4], "resumed") != 0)) {
		fprintf(stderr, "usage: hsload HOST PORT SECONDS full|resumed\n");
		return 2;
	}
	resume = strcmp(argv[4], "resumed") == 0;
	addr.sin_family = AF_INET;
	addr.sin_port = htons((unsigned short)atoi(argv[2]));
	if (inet_pton(AF_INET, argv[1], &addr.sin_addr) != 1 ||
	    gnutls_certificate_allocate_credentials(&cred) < 0)
		return 2;
	if (resume && one(&data, 1) < 0) {
		fprintf(stderr, "hsload: first connection failed\n");
		return 1;
	}
	t0 = now_s();
	while (now_s() - t0 < secs) {
		int r = one(&data, 0);

		if (r < 0) {
			fprintf(stderr, "hsload: a handshake failed\n");
			return 1;
		}
		n++;
		resumed += r;
	}
	printf("hs/s=%.0f resumed=%ld/%ld\n", n / (now_s() - t0), resumed, n);
	return 0;
}
