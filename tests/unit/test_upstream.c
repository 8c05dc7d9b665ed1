/* upstream.c against a backend played by this test: a unix socket whose
 * accepted end is fed scripted FastCGI bytes, including every fault (a
 * wrong request id, a bad version, records far larger than the owner's
 * room, a close in the middle of STDOUT, silence, a refused request), and
 * kept connections: parked, reused, closed by the backend and retried. */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "../../bridge/log.h"
#include "../../bridge/loop.h"
#include "../../bridge/pool.h"
#include "../../bridge/upstream.h"
#include "tap.h"

/* what the owner heard (heard2: the owner of the second request on a
 * multiplexed connection) */
struct heard {
	char out[200000];
	size_t out_len;
	size_t max_slice;
	size_t room;
	size_t taken;
	int ended, errors, status;
	uint32_t app_status;
	char why[400];
	unsigned retry_after;
};
static struct heard heard, heard2;
static struct upstream *second;
static int last_id; /* the request id of the last request read */

static struct heard *of(struct upstream *u)
{
	return u == second ? &heard2 : &heard;
}

static size_t o_room(struct upstream *u)
{
	return of(u)->room;
}

static int o_stdout(struct upstream *u, const uint8_t *d, size_t n)
{
	struct heard *h = of(u);
	if (n > h->max_slice)
		h->max_slice = n;
	if (h->out_len + n <= sizeof(h->out)) {
		memcpy(h->out + h->out_len, d, n);
		h->out_len += n;
	}
	return 0;
}

static void o_taken(struct upstream *u, size_t n)
{
	of(u)->taken += n;
}

static void o_end(struct upstream *u, uint32_t app_status)
{
	of(u)->ended++;
	of(u)->app_status = app_status;
	loop_stop();
}

static void o_error(struct upstream *u, int status, const char *why, unsigned retry_after)
{
	struct heard *h = of(u);
	h->errors++;
	h->status = status;
	h->retry_after = retry_after;
	snprintf(h->why, sizeof(h->why), "%s", why);
	loop_stop();
}

static const struct upstream_ops ops = {o_room, o_stdout, o_taken, o_end, o_error, NULL};

static struct loop_timer guard;

static void guard_fire(struct loop_timer *t)
{
	(void)t;
	loop_stop();
}

static uint64_t turn_a, turn_b;

static void turn_fire(struct loop_timer *t)
{
	(void)t;
	turn_a = loop_now();
	usleep(20000);
	turn_b = loop_now();
	loop_stop();
}

/* Runs the loop until the owner hears an end or an error (2 s at most). */
static void run(void)
{
	loop_timer_set(&guard, 2000, guard_fire);
	loop_run();
	loop_timer_cancel(&guard);
}

/* Runs the loop for ms, whatever happens. */
static void run_for(unsigned ms)
{
	uint64_t until = loop_now() + ms;
	while (loop_now() < until) {
		loop_timer_set(&guard, 10, guard_fire);
		loop_run();
	}
	loop_timer_cancel(&guard);
}

static void reset_heard(void)
{
	memset(&heard, 0, sizeof(heard));
	heard.room = SIZE_MAX;
	memset(&heard2, 0, sizeof(heard2));
	heard2.room = SIZE_MAX;
}

static int accept_one(int lfd)
{
	struct pollfd p = {lfd, POLLIN, 0};
	if (poll(&p, 1, 2000) != 1)
		return -1;
	int fd = accept(lfd, NULL, NULL);
	struct timeval tv = {2, 0};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	return fd;
}

static int read_full(int fd, uint8_t *b, size_t n)
{
	for (size_t got = 0; got < n;) {
		ssize_t r = read(fd, b + got, n - got);
		if (r <= 0)
			return -1;
		got += (size_t)r;
	}
	return 0;
}

/* Reads one request up to its empty STDIN record: flags of BEGIN_REQUEST,
 * the PARAMS bytes and the STDIN bytes; -1 when it does not come. */
static int read_request(int fd, int *flags, size_t *params, size_t *body)
{
	uint8_t h[8], c[65536 + 256];

	*flags = -1;
	*params = *body = 0;
	for (;;) {
		if (read_full(fd, h, 8) < 0)
			return -1;
		size_t len = (size_t)h[4] << 8 | h[5], pad = h[6];
		if (read_full(fd, c, len + pad) < 0)
			return -1;
		if (h[1] == FCGI_BEGIN_REQUEST) {
			*flags = c[2];
			last_id = h[2] << 8 | h[3];
		}
		else if (h[1] == FCGI_PARAMS)
			*params += len;
		else if (h[1] == FCGI_STDIN && len == 0)
			return 0;
		else if (h[1] == FCGI_STDIN)
			*body += len;
	}
}

static void put_record(int fd, int type, int id, const void *data, size_t len)
{
	uint8_t h[8];
	fcgi_header(h, type, (uint16_t)id, len, 0);
	if (write(fd, h, 8) != 8 || (len && write(fd, data, len) != (ssize_t)len))
		abort();
}

static void put_end(int fd, int id, uint32_t app, uint8_t proto)
{
	uint8_t e[8] = {(uint8_t)(app >> 24), (uint8_t)(app >> 16), (uint8_t)(app >> 8), (uint8_t)app,
			proto, 0, 0, 0};
	put_record(fd, FCGI_END_REQUEST, id, e, 8);
}

/* A request without a body, taken by the backend on a new connection:
 * returns the backend's end of it. */
static int exchange(struct upstream *u, struct pool *p, int lfd)
{
	int flags, b;
	size_t params, body;

	reset_heard();
	upstream_start(u, p, NULL, 0, false);
	upstream_stdin_end(u);
	b = accept_one(lfd);
	read_request(b, &flags, &params, &body);
	return b;
}

static const char hello[] = "Content-Type: text/plain\r\n\r\nhello";

int main(void)
{
	char dir[] = "/tmp/h2cgi-upstream.XXXXXX", path[128], addr[140], err[200];
	struct pool p;
	struct upstream u;
	int flags;
	size_t params, body;

	log_init("test_upstream");
	if (mkdtemp(dir) == NULL || loop_init() < 0)
		return 1;
	snprintf(path, sizeof(path), "%s/b.sock", dir);
	snprintf(addr, sizeof(addr), "unix:%s", path);
	int lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	struct sockaddr_un un = {.sun_family = AF_UNIX};
	strcpy(un.sun_path, path);
	if (bind(lfd, (struct sockaddr *)&un, sizeof(un)) < 0 || listen(lfd, 8) < 0)
		return 1;
	const char *addrs[] = {addr};
	if (pool_external(&p, "t", addrs, 1, err, sizeof(err)) < 0)
		return 1;
	p.keep = true;
	p.idle_max = 4;
	p.addrs[0].probed = true; /* FCGI_GET_VALUES is upstream.sh's (values mode) */

	/* 1: a whole exchange; the connection is parked afterwards */
	reset_heard();
	memset(&u, 0, sizeof(u));
	upstream_init(&u, &ops, "test #1", 65536, 1000, 1000);
	ok(upstream_start(&u, &p, (const uint8_t *)"\x01\x01" "AB", 4, false) == 0, "started");
	upstream_stdin(&u, (const uint8_t *)"body!", 5);
	upstream_stdin_end(&u);
	int b = accept_one(lfd);
	ok(read_request(b, &flags, &params, &body) == 0, "the backend reads a whole request");
	ok(flags == FCGI_KEEP_CONN, "BEGIN_REQUEST asks for FCGI_KEEP_CONN");
	ok(params == 4 && body == 5, "PARAMS and STDIN as given (%zu, %zu)", params, body);
	put_record(b, FCGI_STDERR, 1, "a warning\n", 10);
	put_record(b, FCGI_STDOUT, 1, hello, strlen(hello));
	put_end(b, 1, 0, FCGI_REQUEST_COMPLETE);
	run();
	ok(heard.ended == 1 && heard.errors == 0, "END_REQUEST ends it");
	ok(heard.out_len == strlen(hello) && memcmp(heard.out, hello, heard.out_len) == 0,
	   "STDOUT reaches the owner");
	ok(heard.taken == 5, "the body was taken (%zu)", heard.taken);
	ok(!upstream_busy(&u) && p.nidle == 1, "the connection is parked");

	/* 2: the next request reuses it: the same accepted socket reads it */
	reset_heard();
	upstream_start(&u, &p, NULL, 0, false);
	upstream_stdin_end(&u);
	ok(p.nidle == 0 && p.reused_count == 1, "the parked connection is reused");
	ok(read_request(b, &flags, &params, &body) == 0, "the second request arrives on it");
	put_record(b, FCGI_STDOUT, 1, hello, strlen(hello));
	put_end(b, 1, 0, FCGI_REQUEST_COMPLETE);
	run();
	ok(heard.ended == 1 && p.nidle == 1, "answered, parked again");

	/* 2b: a request with a body takes it and is aborted before a byte of
	 * it went out (its head waits for the turn's end, which the client's
	 * reset came before): the connection stays clean, parked again */
	unsigned long long opened0 = p.opened;
	reset_heard();
	upstream_start(&u, &p, NULL, 0, false);
	upstream_stdin(&u, (const uint8_t *)"part", 4);
	ok(p.nidle == 0 && upstream_busy(&u), "a request with a body takes the parked connection");
	upstream_abort(&u);
	ok(p.nidle == 1 && !upstream_busy(&u), "aborted before its head went out: parked again");
	upstream_flush_later(); /* the turn's end: nothing of it is written */
	reset_heard();
	upstream_start(&u, &p, NULL, 0, false);
	upstream_stdin_end(&u);
	ok(read_request(b, &flags, &params, &body) == 0 && body == 0 && p.opened == opened0,
	   "the next request arrives on it, alone");
	put_record(b, FCGI_STDOUT, 1, hello, strlen(hello));
	put_end(b, 1, 0, FCGI_REQUEST_COMPLETE);
	run();
	ok(heard.ended == 1 && p.nidle == 1, "answered, parked");

	/* 3: the backend closed the parked connection: noticed, dropped */
	close(b);
	run_for(50);
	ok(p.nidle == 0, "a parked connection the backend closed is dropped");

	/* 4: a kept connection closed as it is reused: retried once on a new one */
	b = exchange(&u, &p, lfd);
	put_record(b, FCGI_STDOUT, 1, hello, strlen(hello));
	put_end(b, 1, 0, FCGI_REQUEST_COMPLETE);
	run();
	ok(p.nidle == 1, "parked");
	reset_heard();
	upstream_start(&u, &p, NULL, 0, false);
	upstream_stdin_end(&u);
	ok(read_request(b, &flags, &params, &body) == 0, "request on the kept connection");
	close(b); /* as a backend whose idle timeout struck that moment */
	run_for(100);
	int b2 = accept_one(lfd);
	ok(b2 >= 0 && read_request(b2, &flags, &params, &body) == 0,
	   "sent again on a new connection");
	put_record(b2, FCGI_STDOUT, 1, hello, strlen(hello));
	put_end(b2, 1, 0, FCGI_REQUEST_COMPLETE);
	run();
	ok(heard.ended == 1 && heard.errors == 0, "and answered there");
	p.idle_max = 0; /* from here on, a connection per request */
	close(b2);
	run_for(20);

	/* 5: a record for another request id */
	b = exchange(&u, &p, lfd);
	put_record(b, FCGI_STDOUT, 2, hello, strlen(hello));
	run();
	ok(heard.errors == 1 && heard.status == 502 && strstr(heard.why, "request id 2"),
	   "a wrong request id: 502 (%s)", heard.why);
	char c;
	ok(read(b, &c, 1) == 0, "and the connection is closed");
	close(b);

	/* 6: a bad version */
	b = exchange(&u, &p, lfd);
	ok(write(b, "\x07\x06\x00\x01\x00\x01\x00\x00x", 9) == 9, "garbage sent");
	run();
	ok(heard.errors == 1 && heard.status == 502 && strstr(heard.why, "malformed"),
	   "garbage: 502 (%s)", heard.why);
	close(b);

	/* 7: a record far over the owner's room comes in slices */
	reset_heard();
	heard.room = 1000;
	upstream_start(&u, &p, NULL, 0, false);
	upstream_stdin_end(&u);
	b = accept_one(lfd);
	read_request(b, &flags, &params, &body);
	static char big[65535];
	memset(big, 'x', sizeof(big));
	put_record(b, FCGI_STDOUT, 1, big, sizeof(big));
	put_end(b, 1, 0, FCGI_REQUEST_COMPLETE);
	run();
	ok(heard.ended == 1 && heard.out_len == sizeof(big) && heard.max_slice <= 1000,
	   "a 65535-byte record reaches the owner in slices of its room (%zu, largest %zu)",
	   heard.out_len, heard.max_slice);
	close(b);

	/* 8: the backend closes in the middle of STDOUT */
	b = exchange(&u, &p, lfd);
	put_record(b, FCGI_STDOUT, 1, hello, 10);
	close(b);
	run();
	ok(heard.errors == 1 && heard.status == 502 && strstr(heard.why, "mid-request"),
	   "a close mid-STDOUT: an error (%s)", heard.why);
	ok(heard.out_len == 10, "after the bytes that came");

	/* 9: END_REQUEST refusing the request */
	b = exchange(&u, &p, lfd);
	put_end(b, 1, 0, FCGI_OVERLOADED);
	run();
	ok(heard.errors == 1 && heard.status == 503 && strstr(heard.why, "overloaded"),
	   "FCGI_OVERLOADED: 503 (%s)", heard.why);
	close(b);

	/* 10: silence: the backend timeout */
	b = exchange(&u, &p, lfd);
	upstream_sweep(&u, loop_now() + 500);
	ok(heard.errors == 0, "no timeout before --backend-timeout");
	upstream_sweep(&u, loop_now() + 1000);
	ok(heard.errors == 1 && heard.status == 504 && strstr(heard.why, "backend-timeout"),
	   "a silent backend: 504 (%s)", heard.why);
	uint8_t h[8];
	ok(read_full(b, h, 8) == 0 && h[1] == FCGI_ABORT_REQUEST && read(b, &c, 1) == 0,
	   "the backend reads FCGI_ABORT_REQUEST, then its connection closes");
	close(b);

	/* 11: the owner lets go: FCGI_ABORT_REQUEST, then the close */
	b = exchange(&u, &p, lfd);
	run_for(20);
	upstream_abort(&u);
	ok(read_full(b, h, 8) == 0 && h[1] == FCGI_ABORT_REQUEST, "the backend reads FCGI_ABORT_REQUEST");
	ok(read(b, &c, 1) == 0, "then its connection closes");
	close(b);

	/* 12: a server that says FCGI_MPXS_CONNS 1: two requests share one
	 * connection, and their interleaved answers reach their own owners */
	struct upstream v;
	memset(&v, 0, sizeof(v));
	upstream_init(&v, &ops, "test #v", 65536, 1000, 1000);
	second = &v;
	p.idle_max = 4;
	p.addrs[0].mpxs = 1;
	reset_heard();
	upstream_start(&u, &p, NULL, 0, true);
	b = accept_one(lfd);
	ok(read_request(b, &flags, &params, &body) == 0 && last_id == 1, "the first request: id 1");
	unsigned long long opened = p.opened;
	upstream_start(&v, &p, NULL, 0, true);
	ok(read_request(b, &flags, &params, &body) == 0 && last_id == 2,
	   "the second on the same connection: id 2");
	ok(p.opened == opened, "no connection opened for it");
	put_record(b, FCGI_STDOUT, 2, "two", 3);
	put_record(b, FCGI_STDOUT, 1, "one", 3);
	put_record(b, FCGI_STDOUT, 2, "+", 1);
	put_end(b, 2, 0, FCGI_REQUEST_COMPLETE);
	put_end(b, 1, 0, FCGI_REQUEST_COMPLETE);
	run_for(50);
	ok(heard.ended == 1 && heard.out_len == 3 && memcmp(heard.out, "one", 3) == 0,
	   "request 1 got its own answer (%.*s)", (int)heard.out_len, heard.out);
	ok(heard2.ended == 1 && heard2.out_len == 4 && memcmp(heard2.out, "two+", 4) == 0,
	   "request 2 got its own answer (%.*s)", (int)heard2.out_len, heard2.out);
	ok(p.nidle == 1 && p.busy == 0, "the connection is parked once both ended");

	/* 13: an abort on a shared connection: FCGI_ABORT_REQUEST for that id;
	 * the connection stays for the other, and the id until the backend
	 * ends the aborted request */
	reset_heard();
	upstream_start(&u, &p, NULL, 0, true);
	upstream_start(&v, &p, NULL, 0, true);
	read_request(b, &flags, &params, &body);
	read_request(b, &flags, &params, &body);
	ok(p.reused_count >= 3 && p.opened == opened, "both on the kept connection");
	upstream_abort(&v);
	run_for(20);
	ok(read_full(b, h, 8) == 0 && h[1] == FCGI_ABORT_REQUEST && (h[2] << 8 | h[3]) == 2,
	   "the backend reads FCGI_ABORT_REQUEST for id 2");
	upstream_start(&v, &p, NULL, 0, true);
	ok(read_request(b, &flags, &params, &body) == 0 && last_id == 3,
	   "a new request meanwhile takes id 3: 2 is held until its end");
	put_record(b, FCGI_STDOUT, 2, "late", 4);
	put_end(b, 2, 0, FCGI_REQUEST_COMPLETE);
	put_record(b, FCGI_STDOUT, 1, "one", 3);
	put_end(b, 1, 0, FCGI_REQUEST_COMPLETE);
	put_record(b, FCGI_STDOUT, 3, "three", 5);
	put_end(b, 3, 0, FCGI_REQUEST_COMPLETE);
	run_for(50);
	ok(heard.ended == 1 && heard.errors == 0 && heard.out_len == 3, "request 1 answered");
	ok(heard2.ended == 1 && heard2.out_len == 5 && memcmp(heard2.out, "three", 5) == 0,
	   "request 3 answered; the aborted one's late bytes dropped (%.*s)", (int)heard2.out_len,
	   heard2.out);
	ok(p.nidle == 1 && p.busy == 0, "parked again");

	/* 14: a record for an id that is not open: every request on the
	 * connection fails, and the connection closes */
	reset_heard();
	upstream_start(&u, &p, NULL, 0, true);
	upstream_start(&v, &p, NULL, 0, true);
	read_request(b, &flags, &params, &body);
	read_request(b, &flags, &params, &body);
	put_record(b, FCGI_STDOUT, 1, "a", 1);
	put_record(b, FCGI_STDOUT, 2, "b", 1);
	put_record(b, FCGI_STDOUT, 9, "?", 1);
	run_for(50);
	ok(heard.errors == 1 && heard2.errors == 1 && heard.status == 502 &&
	   strstr(heard.why, "request id 9, which is not open"),
	   "both requests: 502 (%s)", heard.why);
	ok(read(b, &c, 1) == 0 && p.nidle == 0 && p.busy == 0, "and the connection is closed");
	close(b);
	p.addrs[0].mpxs = -1;
	second = NULL;
	upstream_free(&v);

	/* 15: nobody listens: the address is down, 503 with Retry-After */
	reset_heard();
	close(lfd);
	unlink(path);
	upstream_start(&u, &p, NULL, 0, false);
	ok(heard.errors == 1 && heard.status == 503 && heard.retry_after >= 1 &&
	   strstr(heard.why, "every backend address is down"),
	   "a refusing address: 503, Retry-After %u (%s)", heard.retry_after, heard.why);
	ok(p.addrs[0].down_until > loop_now(), "and the address is marked down");

	upstream_free(&u);
	pool_stop(&p);
	loop_free_pending();
	rmdir(dir);
	/* the clock holds still through a loop turn: a sweep that read "now"
	 * and then woke a waiter (who stamps loop_now()) must not find the
	 * stamp in its future: now - since wrapped and read as a timeout */
	loop_timer_set(&guard, 1, turn_fire);
	loop_run();
	ok(turn_a != 0 && turn_a == turn_b, "loop_now() is the same all through one loop turn");
	return done_testing();
}
