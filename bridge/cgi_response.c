/* cgi_response.c - CGI response header blocks, RFC 3875 §6.
 *
 * Lines end in LF, optionally preceded by one CR (scripts print either). A
 * block ends at an empty line. Folded lines, bare CRs, NULs, invalid names
 * and control characters in values are refused: whatever the parser lets
 * through goes into an HTTP/2 HEADERS frame. */
#include "cgi_response.h"

#include <string.h>
#include <strings.h>

void cgiresp_init(struct cgiresp *p, char *buf, size_t cap)
{
	memset(p, 0, sizeof(*p));
	p->buf = buf;
	p->cap = cap;
}

void cgiresp_next(struct cgiresp *p)
{
	cgiresp_init(p, p->buf, p->cap);
}

static enum cgiresp_result fail(struct cgiresp *p, const char *why)
{
	p->err = why;
	return CGIRESP_ERROR;
}

static bool name_is(const struct hdr *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

/* Status: 3DIGIT [SP reason-phrase] (RFC 3875 §6.3.3); the reason is
 * optional in practice and HTTP/2 has no place for it anyway. */
static int parse_status(const struct hdr *h)
{
	const char *v = h->value;

	if (h->value_len < 3 || v[0] < '1' || v[0] > '5' || v[1] < '0' || v[1] > '9' ||
	    v[2] < '0' || v[2] > '9')
		return -1;
	if (h->value_len > 3 && v[3] != ' ')
		return -1;
	return (v[0] - '0') * 100 + (v[1] - '0') * 10 + (v[2] - '0');
}

/* An NPH script (RFC 3875 §5) starts with a status line: "HTTP/1.1 200
 * OK". Its code stands in for Status; the rest goes through the same
 * checks and filters as any header block. */
static int status_line(const char *l, size_t n)
{
	if (n < 12 || memcmp(l, "HTTP/1.", 7) != 0 || (l[7] != '0' && l[7] != '1') || l[8] != ' ' ||
	    (n > 12 && l[12] != ' '))
		return -1;
	struct hdr h = {NULL, 0, (char *)l + 9, 3};
	return parse_status(&h);
}

/* Parses buf[p->line .. end) (end excludes the line terminator) into a header. */
static enum cgiresp_result header_line(struct cgiresp *p, size_t end)
{
	struct hdr h;
	const char *why;

	if (p->nhdr == 0 && p->line == 0 && p->nph_status == 0 && end - p->line >= 5 &&
	    memcmp(p->buf + p->line, "HTTP/", 5) == 0) {
		p->nph_status = status_line(p->buf + p->line, end - p->line);
		if (p->nph_status < 0)
			return fail(p, "invalid NPH status line");
		return CGIRESP_MORE;
	}
	if (hdr_split_line(p->buf + p->line, end - p->line, &h, &why) < 0)
		return fail(p, why);
	if (p->nhdr == CGIRESP_MAX_HEADERS)
		return fail(p, "too many header lines");
	h.value[h.value_len] = '\0'; /* lets Location be used as a C string */
	p->hdrs[p->nhdr++] = h;
	return CGIRESP_MORE;
}

/* Classifies a complete block (RFC 3875 §6.2). */
static enum cgiresp_result block_done(struct cgiresp *p)
{
	const struct hdr *status = NULL, *location = NULL, *ctype = NULL;

	for (size_t i = 0; i < p->nhdr; i++) {
		const struct hdr *h = &p->hdrs[i];
		const struct hdr **slot = name_is(h, "status")	     ? &status
					  : name_is(h, "location")     ? &location
					  : name_is(h, "content-type") ? &ctype
								       : NULL;
		if (slot == NULL)
			continue;
		if (*slot != NULL)
			return fail(p, "duplicate Status, Location or Content-Type");
		*slot = h;
	}
	p->status = 0;
	if (status != NULL && (p->status = parse_status(status)) < 0)
		return fail(p, "invalid Status value");
	if (status == NULL && p->nph_status > 0) {
		if (p->nph_status >= 100 && p->nph_status < 200)
			return fail(p, "an NPH status line with a 1xx code");
		p->status = p->nph_status;
	}
	if (p->status >= 100 && p->status < 200) {
		/* RFC 9113 §8.6: 101 has no meaning in HTTP/2 */
		if (p->status == 101)
			return fail(p, "Status 101 is not allowed");
		p->kind = CGIRESP_INFORMATIONAL;
		return CGIRESP_BLOCK;
	}
	if (location != NULL) {
		p->location = location->value;
		if (location->value_len == 0)
			return fail(p, "empty Location");
		/* RFC 3875 §6.2.2: a local path without a Status; with one
		 * (PHP's header("Location: /x") sends 302) the client follows */
		if (location->value[0] == '/' && location->value[1] != '/' && p->status == 0) {
			p->kind = CGIRESP_LOCAL_REDIRECT;
			p->status = 0;
		} else {
			p->kind = CGIRESP_CLIENT_REDIRECT;
			if (p->status == 0)
				p->status = 302;
		}
		return CGIRESP_BLOCK;
	}
	if (ctype == NULL && status == NULL && p->nph_status == 0)
		return fail(p, "no Content-Type, Location or Status header");
	p->kind = CGIRESP_DOCUMENT;
	if (p->status == 0)
		p->status = 200;
	return CGIRESP_BLOCK;
}

enum cgiresp_result cgiresp_feed(struct cgiresp *p, const char *in, size_t len, size_t *used)
{
	size_t i = 0;

	*used = 0;
	if (p->err)
		return CGIRESP_ERROR;
	while (i < len) {
		const char *lf = memchr(in + i, '\n', len - i);
		size_t n = lf ? (size_t)(lf - (in + i)) + 1 : len - i;
		if (n > p->cap - p->len) {
			*used = i;
			return fail(p, "header block too large");
		}
		if (memchr(in + i, '\0', n) != NULL) {
			*used = i;
			return fail(p, "NUL in header block");
		}
		memcpy(p->buf + p->len, in + i, n);
		p->len += n;
		i += n;
		if (lf == NULL)
			break;
		size_t end = p->len - 1; /* at the LF */
		if (end > p->line && p->buf[end - 1] == '\r')
			end--;
		if (memchr(p->buf + p->line, '\r', end - p->line) != NULL) {
			*used = i;
			return fail(p, "bare CR in header block");
		}
		if (end == p->line) {
			*used = i;
			if (p->nhdr == 0 && p->nph_status == 0)
				return fail(p, "empty header block");
			return block_done(p);
		}
		enum cgiresp_result r = header_line(p, end);
		if (r == CGIRESP_ERROR) {
			*used = i;
			return r;
		}
		p->line = p->len;
	}
	*used = i;
	return CGIRESP_MORE;
}
