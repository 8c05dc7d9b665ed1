/* static.c - a file as the answer to GET or HEAD (see static.h). */
#include "static.h"

#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mime.h"

static const char *skip_ows(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

/* 1*DIGIT into *v (no sign, no overflow); returns the end or NULL */
static const char *number(const char *p, long long *v)
{
	const char *s = p;

	*v = 0;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (*v > (LLONG_MAX - 9) / 10)
			return NULL;
		*v = *v * 10 + (*p - '0');
	}
	return p == s ? NULL : p;
}

int static_range(const char *v, long long size, long long *first, long long *len)
{
	long long a = -1, b = -1;

	/* RFC 9110 §14.1.1: a range unit we do not know is ignored */
	if (strncasecmp(v, "bytes", 5) != 0)
		return 0;
	const char *p = skip_ows(v + 5);
	if (*p++ != '=')
		return 0;
	p = skip_ows(p);
	if (*p == '-') {
		if ((p = number(p + 1, &b)) == NULL)
			return 0;
	} else {
		if ((p = number(p, &a)) == NULL || *p++ != '-')
			return 0;
		if (*p >= '0' && *p <= '9' && (p = number(p, &b)) == NULL)
			return 0;
		if (b >= 0 && b < a)
			return 0; /* §14.1.1: invalid, so the field is ignored */
	}
	p = skip_ows(p);
	if (*p != '\0')
		return 0; /* several ranges: one whole answer is allowed (§14.2) */
	if (a < 0) {
		/* suffix: the last b bytes */
		if (b == 0 || size == 0)
			return -1;
		*first = b >= size ? 0 : size - b;
		*len = size - *first;
		return 1;
	}
	if (a >= size)
		return -1;
	*first = a;
	*len = (b < 0 || b >= size ? size - 1 : b) - a + 1;
	return 1;
}

bool static_etag_match(const char *v, const char *etag)
{
	size_t el;

	if (strncmp(etag, "W/", 2) == 0)
		etag += 2;
	el = strlen(etag);
	for (const char *p = v; *p;) {
		p = skip_ows(p);
		if (*p == '*')
			return true;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		size_t n = strcspn(p, ",");
		size_t t = n;
		while (t > 0 && (p[t - 1] == ' ' || p[t - 1] == '\t'))
			t--;
		if (t == el && memcmp(p, etag, el) == 0)
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

bool static_accepts_gzip(const char *v)
{
	for (const char *p = v; *p;) {
		p = skip_ows(p);
		size_t n = strcspn(p, ",;");
		size_t t = n;
		while (t > 0 && (p[t - 1] == ' ' || p[t - 1] == '\t'))
			t--;
		bool gz = t == 4 && strncasecmp(p, "gzip", 4) == 0;
		p += n;
		bool zero = false;
		if (*p == ';') {
			/* ";q=0", ";q=0.0"...: refused (RFC 9110 §12.4.2) */
			const char *q = skip_ows(p + 1);
			if ((q[0] == 'q' || q[0] == 'Q') && q[1] == '=') {
				q += 2;
				zero = q[0] == '0';
				for (q++; zero && *q && *q != ',' && *q != ' '; q++)
					zero = *q == '0' || *q == '.';
			}
			p += strcspn(p, ",");
		}
		if (gz)
			return !zero;
		if (*p == ',')
			p++;
	}
	return false;
}

static void add(struct static_resp *o, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void add(struct static_resp *o, const char *name, const char *fmt, ...)
{
	va_list ap;
	size_t room = sizeof(o->store) - o->used;

	/* one slot stays free for the caller's Content-Length */
	if (o->nhdr >= STATIC_MAX_HDRS - 1 || room < 2)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(o->store + o->used, room, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= room)
		return;
	o->hdrs[o->nhdr++] = (struct hdr){(char *)name, strlen(name), o->store + o->used, (size_t)n};
	o->used += (size_t)n + 1;
}

/* The file's real path must stay under root: no symlink leads out. */
static bool inside(const char *file, const char *root)
{
	char real[PATH_MAX];
	size_t rl = strlen(root);

	if (realpath(file, real) == NULL)
		return false;
	if (rl == 1)
		return true; /* root is "/" */
	return strncmp(real, root, rl) == 0 && (real[rl] == '/' || real[rl] == '\0');
}

static int refuse(struct static_resp *o, int status, const char *why)
{
	o->status = status;
	o->why = why;
	return 0;
}

int static_answer(const char *file, const char *root, const struct static_req *rq,
		  struct static_resp *o)
{
	struct stat st, gst;
	char gz[PATH_MAX];
	bool head = strcmp(rq->method, "HEAD") == 0;

	memset(o, 0, sizeof(*o));
	o->fd = -1;
	if (!head && strcmp(rq->method, "GET") != 0) {
		add(o, "allow", "GET, HEAD");
		return refuse(o, 405, "static files answer GET and HEAD only");
	}
	if (!inside(file, root))
		return refuse(o, 404, "the file's real path leaves the route's directory");
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return refuse(o, errno == EACCES ? 403 : 404, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return refuse(o, 404, "not a regular file");
	}
	/* the precompressed variant, when the client takes gzip */
	bool has_gz = false;
	if (snprintf(gz, sizeof(gz), "%s.gz", file) < (int)sizeof(gz) &&
	    stat(gz, &gst) == 0 && S_ISREG(gst.st_mode) && inside(gz, root)) {
		has_gz = true;
		int gfd;
		if (rq->accept_encoding && static_accepts_gzip(rq->accept_encoding) &&
		    (gfd = open(gz, O_RDONLY | O_CLOEXEC | O_NONBLOCK)) >= 0) {
			if (fstat(gfd, &gst) == 0 && S_ISREG(gst.st_mode)) {
				close(fd);
				fd = gfd;
				st.st_size = gst.st_size;
				add(o, "content-encoding", "gzip");
			} else {
				close(gfd);
				has_gz = false;
			}
		}
	}
	bool gzipped = o->nhdr > 0;
	char etag[64], lm[30];
	/* validators: size and modification time (nanoseconds: two writes in
	 * one second still differ) */
	snprintf(etag, sizeof(etag), "\"%llx-%llx%s\"", (unsigned long long)st.st_size,
		 (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL + (unsigned long long)st.st_mtim.tv_nsec,
		 gzipped ? "-gz" : "");
	http_date(st.st_mtim.tv_sec, lm);
	add(o, "content-type", "%s", mime_type(file));
	add(o, "etag", "%s", etag);
	add(o, "last-modified", "%s", lm);
	if (has_gz)
		add(o, "vary", "accept-encoding");
	/* RFC 9110 §13.2.2: If-None-Match first; If-Modified-Since only without it */
	time_t since;
	if (rq->if_none_match ? static_etag_match(rq->if_none_match, etag)
			      : rq->if_modified_since && http_date_parse(rq->if_modified_since, &since) == 0 &&
					st.st_mtim.tv_sec <= since) {
		close(fd);
		o->status = 304;
		return 0;
	}
	add(o, "accept-ranges", "bytes");
	long long first = 0, len = st.st_size;
	int r = 0;
	time_t ir;
	/* §13.1.5: If-Range with another validator means the whole file */
	bool range_ok = rq->range && !head &&
			(rq->if_range == NULL || strcmp(rq->if_range, etag) == 0 ||
			 (http_date_parse(rq->if_range, &ir) == 0 && ir == st.st_mtim.tv_sec));
	if (range_ok)
		r = static_range(rq->range, st.st_size, &first, &len);
	if (r < 0) {
		close(fd);
		add(o, "content-range", "bytes */%lld", (long long)st.st_size);
		return refuse(o, 416, "range not satisfiable");
	}
	if (r > 0)
		add(o, "content-range", "bytes %lld-%lld/%lld", first, first + len - 1,
		    (long long)st.st_size);
	o->status = r > 0 ? 206 : 200;
	o->fd = fd;
	o->offset = first;
	o->length = len;
	return 0;
}
