/* fcgiload.c - drives the benchmark's FastCGI program directly, with no
 * HTTP server in between: the ceiling the servers are compared with.
 *
 *   fcgiload SOCKET N THREADS [QUERY] [UPLOAD_BYTES]
 *
 * N requests over THREADS threads, a new connection per request (as the
 * peers use the pool). QUERY goes to QUERY_STRING; UPLOAD_BYTES > 0 makes
 * it a POST of that many bytes. Prints
 *   req/s=R mean_ms=M down_MBps=D up_MBps=U
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *sock_path, *query = "";
static long per_thread;
static long long upload;
static char zeros[65535];

struct result { double ms; long long down; long ok; };

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

static int put_all(int fd, const void *p, size_t n)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int get_all(int fd, void *p, size_t n)
{
	char *c = p;

	while (n > 0) {
		ssize_t r = read(fd, c, n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		c += r;
		n -= (size_t)r;
	}
	return 0;
}

static int record(int fd, int type, const void *body, size_t len)
{
	unsigned char h[8] = { 1, (unsigned char)type, 0, 1, (unsigned char)(len >> 8),
			       (unsigned char)len, 0, 0 };

	return put_all(fd, h, 8) || (len && put_all(fd, body, len)) ? -1 : 0;
}

static size_t param(unsigned char *p, const char *name, const char *value)
{
	size_t n = strlen(name), v = strlen(value);

	p[0] = (unsigned char)n;
	p[1] = (unsigned char)v; /* every name and value here is under 128 bytes */
	memcpy(p + 2, name, n);
	memcpy(p + 2 + n, value, v);
	return 2 + n + v;
}

/* One request; returns the STDOUT bytes read, or -1. */
static long long one(void)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	unsigned char begin[8] = { 0, 1, 0, 0, 0, 0, 0, 0 }, params[512], h[8];
	char clen[32], buf[65536];
	long long down = -1, left = upload;
	size_t n = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(a.sun_path, sizeof(a.sun_path), "%s", sock_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
		goto fail;
	snprintf(clen, sizeof(clen), "%lld", upload);
	n += param(params + n, "REQUEST_METHOD", upload > 0 ? "POST" : "GET");
	n += param(params + n, "QUERY_STRING", query);
	n += param(params + n, "SCRIPT_NAME", "/fcgi");
	n += param(params + n, "SERVER_PROTOCOL", "HTTP/1.1");
	n += param(params + n, "CONTENT_LENGTH", upload > 0 ? clen : "");
	if (record(fd, 1, begin, 8) || record(fd, 4, params, n) || record(fd, 4, NULL, 0))
		goto fail;
	while (left > 0) {
		size_t k = left < (long long)sizeof(zeros) ? (size_t)left : sizeof(zeros);

		if (record(fd, 5, zeros, k))
			goto fail;
		left -= (long long)k;
	}
	if (record(fd, 5, NULL, 0))
		goto fail;
	down = 0;
	for (;;) {
		size_t len, pad;

		if (get_all(fd, h, 8))
			goto fail;
		len = (size_t)h[4] << 8 | h[5];
		pad = h[6];
		if (get_all(fd, buf, len + pad))
			goto fail;
		if (h[1] == 6)
			down += (long long)len;
		if (h[1] == 3)
			break;
	}
	close(fd);
	return down;
fail:
	if (fd >= 0)
		close(fd);
	return -1;
}

static void *worker(void *arg)
{
	struct result *r = arg;

	for (long i = 0; i < per_thread; i++) {
		double t0 = now_ms();
		long long d = one();

		if (d < 0)
			continue;
		r->ms += now_ms() - t0;
		r->down += d;
		r->ok++;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	long n, threads;
	pthread_t tid[64];
	struct result res[64] = { { 0 } }, all = { 0 };
	double t0, secs;

	if (argc < 4) {
		fprintf(stderr, "usage: fcgiload SOCKET N THREADS [QUERY] [UPLOAD_BYTES]\n");
		return 2;
	}
	sock_path = argv[1];
	n = atol(argv[2]);
	threads = atol(argv[3]);
	if (argc > 4)
		query = argv[4];
	if (argc > 5)
		upload = atoll(argv[5]);
	if (threads < 1 || threads > 64 || n < threads) {
		fprintf(stderr, "fcgiload: 1..64 threads, N at least THREADS\n");
		return 2;
	}
	per_thread = n / threads;
	t0 = now_ms();
	for (long i = 0; i < threads; i++)
		pthread_create(&tid[i], NULL, worker, &res[i]);
	for (long i = 0; i < threads; i++) {
		pthread_join(tid[i], NULL);
		all.ms += res[i].ms;
		all.down += res[i].down;
		all.ok += res[i].ok;
	}
	secs = (now_ms() - t0) / 1e3;
	if (all.ok == 0) {
		fprintf(stderr, "fcgiload: no request succeeded on %s\n", sock_path);
		return 1;
	}
	printf("req/s=%.0f mean_ms=%.3f down_MBps=%.1f up_MBps=%.1f ok=%ld\n", all.ok / secs,
	       all.ms / all.ok, all.down / secs / 1e6, (double)upload * all.ok / secs / 1e6, all.ok);
	return 0;
}
