/* h1_parse.c - HTTP/1.1 request heads and chunked bodies (RFC 9112).
 *
 * Strict on purpose: a front end that reads a request differently from the
 * backend is how requests get smuggled. Lines end in CRLF only; no
 * whitespace before a field's colon (§5.1); no folded lines (§5.2); one
 * Content-Length of digits only; never Content-Length together with
 * Transfer-Encoding (§6.3); chunked as the only transfer coding. */
#include "h1_parse.h"

#include <string.h>
#include <strings.h>

#define LINE_MAX_LEN 8192 /* chunk size/extension and trailer lines */

static int fail(struct h1_request *r, int status, const char *why)
{
	r->err = why;
	return -status;
}

static bool name_is(const struct hdr *h, const char *name)
{
	return h->name_len == strlen(name) && strncasecmp(h->name, name, h->name_len) == 0;
}

static bool value_is(const struct hdr *h, const char *v)
{
	return h->value_len == strlen(v) && strncasecmp(h->value, v, h->value_len) == 0;
}

/* request-line = method SP request-target SP HTTP-version (§3) */
static int request_line(const char *s, size_t n, struct h1_request *r)
{
	const char *sp1 = memchr(s, ' ', n);
	if (sp1 == NULL || sp1 == s)
		return fail(r, 400, "malformed request line");
	if (!hdr_valid_name(s, (size_t)(sp1 - s))) /* a method is a token */
		return fail(r, 400, "invalid method");
	const char *t = sp1 + 1, *end = s + n;
	const char *sp2 = memchr(t, ' ', (size_t)(end - t));
	if (sp2 == NULL || sp2 == t)
		return fail(r, 400, "malformed request line");
	for (const char *p = t; p < sp2; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			return fail(r, 400, "invalid character in the request target");
	const char *v = sp2 + 1;
	size_t vl = (size_t)(end - v);
	if (vl != 8 || memcmp(v, "HTTP/", 5) != 0 || v[6] != '.' || v[5] < '0' || v[5] > '9' ||
	    v[7] < '0' || v[7] > '9')
		return fail(r, 400, "malformed HTTP version");
	if (v[5] != '1' || (v[7] != '0' && v[7] != '1'))
		return fail(r, 505, "HTTP version not supported");
	r->method = s;
	r->method_len = (size_t)(sp1 - s);
	r->target = t;
	r->target_len = (size_t)(sp2 - t);
	r->minor = v[7] - '0';
	return 0;
}

/* field-line = field-name ":" OWS field-value OWS (§5) */
static int field_line(char *s, size_t n, struct h1_request *r)
{
	const char *why;

	if (r->nhdr == H1_MAX_HEADERS)
		return fail(r, 431, "too many header fields");
	if (hdr_split_line(s, n, &r->hdrs[r->nhdr], &why) < 0)
		return fail(r, 400, why);
	r->nhdr++;
	return 0;
}

static long long parse_length(const struct hdr *h)
{
	long long v = 0;

	if (h->value_len == 0 || h->value_len > 18)
		return -1;
	for (size_t i = 0; i < h->value_len; i++) {
		if (h->value[i] < '0' || h->value[i] > '9')
			return -1;
		v = v * 10 + (h->value[i] - '0');
	}
	return v;
}

/* Framing and connection semantics from the fields (§6, §9.3). */
static int semantics(struct h1_request *r)
{
	const struct hdr *cl = NULL, *te = NULL, *upgrade = NULL;
	bool close = false, keep = false, conn_upgrade = false, conn_settings = false;

	for (size_t i = 0; i < r->nhdr; i++) {
		const struct hdr *h = &r->hdrs[i];
		if (name_is(h, "content-length")) {
			if (cl != NULL)
				return fail(r, 400, "more than one Content-Length");
			cl = h;
		} else if (name_is(h, "transfer-encoding")) {
			if (te != NULL)
				return fail(r, 400, "more than one Transfer-Encoding");
			te = h;
		} else if (name_is(h, "host")) {
			if (r->host != NULL)
				return fail(r, 400, "more than one Host");
			r->host = h;
		} else if (name_is(h, "connection")) {
			close |= hdr_list_has(h->value, h->value_len, "close", 5);
			keep |= hdr_list_has(h->value, h->value_len, "keep-alive", 10);
			conn_upgrade |= hdr_list_has(h->value, h->value_len, "upgrade", 7);
			conn_settings |= hdr_list_has(h->value, h->value_len, "http2-settings", 14);
		} else if (name_is(h, "expect")) {
			if (!value_is(h, "100-continue"))
				return fail(r, 417, "unknown expectation");
			r->expect_continue = r->minor == 1; /* §10.1.1: not from HTTP/1.0 */
		} else if (name_is(h, "upgrade")) {
			upgrade = h;
		} else if (name_is(h, "http2-settings")) {
			if (r->h2_settings != NULL)
				return fail(r, 400, "more than one HTTP2-Settings");
			r->h2_settings = h;
		}
	}
	if (r->minor == 1 && r->host == NULL)
		return fail(r, 400, "no Host in an HTTP/1.1 request"); /* §3.2 */
	r->content_length = -1;
	if (te != NULL) {
		if (cl != NULL)
			return fail(r, 400, "both Content-Length and Transfer-Encoding");
		if (r->minor == 0)
			return fail(r, 400, "Transfer-Encoding in an HTTP/1.0 request");
		if (!value_is(te, "chunked"))
			return hdr_list_has(te->value, te->value_len, "chunked", 7)
				       ? fail(r, 400, "chunked is not the only transfer coding")
				       : fail(r, 501, "transfer coding not implemented");
		r->chunked = true;
	} else if (cl != NULL && (r->content_length = parse_length(cl)) < 0) {
		return fail(r, 400, "invalid Content-Length");
	}
	r->keep_alive = r->minor == 1 ? !close : keep && !close;
	r->upgrade_h2c = upgrade != NULL && hdr_list_has(upgrade->value, upgrade->value_len, "h2c", 3) &&
			 r->h2_settings != NULL && conn_upgrade && conn_settings;
	return 0;
}

long h1_h2c_settings(const char *in, size_t len, uint8_t *out, size_t cap)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		char ch = in[i];
		int v = ch >= 'A' && ch <= 'Z'	 ? ch - 'A'
			: ch >= 'a' && ch <= 'z' ? ch - 'a' + 26
			: ch >= '0' && ch <= '9' ? ch - '0' + 52
			: ch == '-'		 ? 62
			: ch == '_'		 ? 63
						 : -1;
		if (v < 0)
			return -1;
		acc = acc << 6 | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o == cap)
				return -1;
			out[o++] = (uint8_t)(acc >> bits);
		}
	}
	if (bits >= 6 || o % 6 != 0) /* a lone sixth of a byte, or part of a setting */
		return -1;
	for (size_t k = 0; k < o; k += 6) {
		unsigned id = (unsigned)out[k] << 8 | out[k + 1];
		uint32_t val = (uint32_t)out[k + 2] << 24 | (uint32_t)out[k + 3] << 16 |
			       (uint32_t)out[k + 4] << 8 | out[k + 5];
		if ((id == 2 && val > 1) ||                             /* ENABLE_PUSH */
		    (id == 4 && val > 0x7fffffffu) ||                   /* INITIAL_WINDOW_SIZE */
		    (id == 5 && (val < 16384 || val > 16777215)))      /* MAX_FRAME_SIZE */
			return -1;
	}
	return (long)o;
}

int h1_parse_head(const char *buf, size_t len, size_t max, struct h1_request *r)
{
	size_t pos = 0;
	bool first = true;

	memset(r, 0, sizeof(*r));
	/* §2.2: at least one empty line before a request is ignored */
	while (pos + 1 < len && buf[pos] == '\r' && buf[pos + 1] == '\n')
		pos += 2;
	for (;;) {
		const char *lf = memchr(buf + pos, '\n', len - pos);
		/* RFC 9112 §3: a request line over the bound is a target too long
		 * to parse, 414; a head over it in the fields, 431 (RFC 6585 §5) */
		if (lf == NULL) {
			if (len >= max)
				return first ? fail(r, 414, "request line too long")
					     : fail(r, 431, "request head too large");
			return 0;
		}
		size_t end = (size_t)(lf - buf);
		if (end + 1 > max)
			return first ? fail(r, 414, "request line too long")
				     : fail(r, 431, "request head too large");
		if (end == pos || buf[end - 1] != '\r')
			return fail(r, 400, "line not ended by CRLF");
		size_t n = end - 1 - pos;
		if (memchr(buf + pos, '\r', n) || memchr(buf + pos, '\0', n))
			return fail(r, 400, "bare CR or NUL in the request head");
		int rc;
		if (first)
			rc = n ? request_line(buf + pos, n, r) : fail(r, 400, "empty request line");
		else if (n == 0)
			return (rc = semantics(r)) < 0 ? rc : (int)(end + 1);
		else
			rc = field_line((char *)buf + pos, n, r);
		if (rc < 0)
			return rc;
		first = false;
		pos = end + 1;
	}
}

enum { C_SIZE, C_EXT, C_SIZE_LF, C_DATA, C_DATA_CR, C_DATA_LF, C_TRAILER, C_TRAILER_LF, C_END_LF, C_DONE };

void h1_chunked_init(struct h1_chunked *d)
{
	memset(d, 0, sizeof(*d));
}

ssize_t h1_chunked_decode(struct h1_chunked *d, const uint8_t *buf, size_t len,
			  const uint8_t **data, size_t *dlen, bool *done)
{
	size_t i = 0;

	*data = NULL;
	*dlen = 0;
	*done = d->state == C_DONE;
	while (i < len && d->state != C_DONE) {
		uint8_t c = buf[i];
		switch (d->state) {
		case C_SIZE: {
			int h = hdr_hex_digit(c);
			if (h >= 0) {
				/* 15 hex digits: far beyond any --max-body, never overflows */
				if (++d->digits > 15)
					return -1;
				d->left = d->left * 16 + (uint64_t)h;
			} else if (d->digits == 0) {
				return -1;
			} else if (c == ';') {
				d->state = C_EXT;
			} else if (c == '\r') {
				d->state = C_SIZE_LF;
			} else {
				return -1;
			}
			i++;
			break;
		}
		case C_EXT: /* chunk extensions are ignored, but bounded */
			if (c == '\r')
				d->state = C_SIZE_LF;
			else if (c == '\n' || ++d->line > LINE_MAX_LEN)
				return -1;
			i++;
			break;
		case C_SIZE_LF:
			if (c != '\n')
				return -1;
			i++;
			d->line = 0;
			d->digits = 0;
			d->state = d->left ? C_DATA : C_TRAILER;
			break;
		case C_DATA: {
			size_t n = len - i < d->left ? len - i : (size_t)d->left;
			*data = buf + i;
			*dlen = n;
			d->left -= n;
			i += n;
			if (d->left == 0)
				d->state = C_DATA_CR;
			return (ssize_t)i; /* one slice per call */
		}
		case C_DATA_CR:
			if (c != '\r')
				return -1;
			d->state = C_DATA_LF;
			i++;
			break;
		case C_DATA_LF:
			if (c != '\n')
				return -1;
			d->state = C_SIZE;
			i++;
			break;
		case C_TRAILER: /* trailer fields are dropped (never passed to CGI) */
			if (c == '\r')
				d->state = d->line ? C_TRAILER_LF : C_END_LF;
			else if (c == '\n' || ++d->line > LINE_MAX_LEN)
				return -1;
			i++;
			break;
		case C_TRAILER_LF:
			if (c != '\n')
				return -1;
			d->line = 0;
			d->state = C_TRAILER;
			i++;
			break;
		case C_END_LF:
			if (c != '\n')
				return -1;
			d->state = C_DONE;
			i++;
			break;
		}
	}
	*done = d->state == C_DONE;
	return (ssize_t)i;
}
