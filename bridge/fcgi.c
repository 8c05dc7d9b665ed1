/* fcgi.c - FastCGI 1.0 record codec. See the FastCGI Specification 1.0,
 * §3.3 (records) and §3.4 (name-value pairs). */
#include "fcgi.h"

#include <string.h>

enum { D_HEADER, D_CONTENT, D_END_BODY, D_PADDING };

void fcgi_header(uint8_t *out, int type, uint16_t req_id, size_t content_len, uint8_t pad_len)
{
	out[0] = FCGI_VERSION_1;
	out[1] = (uint8_t)type;
	out[2] = (uint8_t)(req_id >> 8);
	out[3] = (uint8_t)req_id;
	out[4] = (uint8_t)(content_len >> 8);
	out[5] = (uint8_t)content_len;
	out[6] = pad_len;
	out[7] = 0;
}

void fcgi_begin_request(uint8_t *out, uint16_t req_id, uint16_t role, uint8_t flags)
{
	fcgi_header(out, FCGI_BEGIN_REQUEST, req_id, 8, 0);
	memset(out + 8, 0, 8);
	out[8] = (uint8_t)(role >> 8);
	out[9] = (uint8_t)role;
	out[10] = flags;
}

static size_t len_size(size_t n)
{
	return n > 127 ? 4 : 1;
}

size_t fcgi_nv_len(size_t name_len, size_t value_len)
{
	return len_size(name_len) + len_size(value_len) + name_len + value_len;
}

static uint8_t *put_len(uint8_t *p, size_t n)
{
	if (n <= 127) {
		*p++ = (uint8_t)n;
		return p;
	}
	*p++ = (uint8_t)(0x80 | ((n >> 24) & 0x7f));
	*p++ = (uint8_t)(n >> 16);
	*p++ = (uint8_t)(n >> 8);
	*p++ = (uint8_t)n;
	return p;
}

size_t fcgi_nv_encode(uint8_t *out, const char *name, size_t name_len, const char *value,
		      size_t value_len)
{
	uint8_t *p = put_len(out, name_len);
	p = put_len(p, value_len);
	memcpy(p, name, name_len);
	p += name_len;
	if (value_len)
		memcpy(p, value, value_len);
	return (size_t)(p + value_len - out);
}

/* Reads a 1- or 4-byte length; returns its size or 0 when incomplete. */
static size_t get_len(const uint8_t *p, size_t avail, size_t *n)
{
	if (avail < 1)
		return 0;
	if (!(p[0] & 0x80)) {
		*n = p[0];
		return 1;
	}
	if (avail < 4)
		return 0;
	*n = ((size_t)(p[0] & 0x7f) << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
	return 4;
}

size_t fcgi_nv_decode(const uint8_t *buf, size_t len, const uint8_t **name, size_t *name_len,
		      const uint8_t **value, size_t *value_len)
{
	size_t a, b, nl, vl;

	if ((a = get_len(buf, len, &nl)) == 0)
		return 0;
	if ((b = get_len(buf + a, len - a, &vl)) == 0)
		return 0;
	if (nl > len - a - b || vl > len - a - b - nl)
		return 0;
	*name = buf + a + b;
	*name_len = nl;
	*value = buf + a + b + nl;
	*value_len = vl;
	return a + b + nl + vl;
}

/* A value of 1 to 9 digits, else 0. */
static unsigned small_number(const uint8_t *v, size_t n)
{
	unsigned x = 0;

	if (n == 0 || n > 9)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return 0;
		x = x * 10 + (unsigned)(v[i] - '0');
	}
	return x;
}

int fcgi_values_parse(const uint8_t *content, size_t len, struct fcgi_values *v)
{
	v->max_conns = v->max_reqs = 0;
	v->mpxs_conns = -1;
	while (len > 0) {
		const uint8_t *name, *value;
		size_t nl, vl, used = fcgi_nv_decode(content, len, &name, &nl, &value, &vl);
		if (used == 0)
			return -1;
		if (nl == 14 && memcmp(name, "FCGI_MAX_CONNS", 14) == 0)
			v->max_conns = small_number(value, vl);
		else if (nl == 13 && memcmp(name, "FCGI_MAX_REQS", 13) == 0)
			v->max_reqs = small_number(value, vl);
		else if (nl == 15 && memcmp(name, "FCGI_MPXS_CONNS", 15) == 0 && vl == 1 &&
			 (value[0] == '0' || value[0] == '1'))
			v->mpxs_conns = value[0] - '0';
		content += used;
		len -= used;
	}
	return 0;
}

void fcgi_decoder_init(struct fcgi_decoder *d)
{
	memset(d, 0, sizeof(*d));
	d->state = D_HEADER;
}

bool fcgi_decoder_in_record(const struct fcgi_decoder *d)
{
	return d->state == D_CONTENT;
}

/* Moves to the padding (or the next header) once a record's content is done. */
static void content_done(struct fcgi_decoder *d)
{
	d->state = d->pad_left ? D_PADDING : D_HEADER;
	d->have = 0;
}

ssize_t fcgi_decode(struct fcgi_decoder *d, const uint8_t *buf, size_t len, size_t max_data,
		    struct fcgi_event *ev)
{
	size_t used = 0, n;

	memset(ev, 0, sizeof(*ev));
	while (used < len || (d->state == D_CONTENT && d->content_left == 0)) {
		switch (d->state) {
		case D_HEADER:
			n = FCGI_HEADER_LEN - d->have;
			if (n > len - used)
				n = len - used;
			memcpy(d->hdr + d->have, buf + used, n);
			d->have += n;
			used += n;
			if (d->have < FCGI_HEADER_LEN)
				return (ssize_t)used;
			if (d->hdr[0] != FCGI_VERSION_1)
				return -1;
			d->type = d->hdr[1];
			d->req_id = (uint16_t)(d->hdr[2] << 8 | d->hdr[3]);
			d->content_left = (size_t)(d->hdr[4] << 8 | d->hdr[5]);
			d->pad_left = d->hdr[6];
			d->have = 0;
			if (d->type == FCGI_END_REQUEST) {
				if (d->content_left != 8)
					return -1;
				d->state = D_END_BODY;
			} else {
				d->state = D_CONTENT;
			}
			break;
		case D_CONTENT:
			if (d->type != FCGI_STDOUT && d->type != FCGI_STDERR &&
			    d->type != FCGI_DATA && d->type != FCGI_GET_VALUES_RESULT) {
				/* skip records we have no use for (FCGI_UNKNOWN_TYPE...) */
				n = d->content_left < len - used ? d->content_left : len - used;
				used += n;
				d->content_left -= n;
				if (d->content_left)
					return (ssize_t)used;
				content_done(d);
				ev->kind = FCGI_EV_OTHER;
				ev->type = d->type;
				ev->req_id = d->req_id;
				return (ssize_t)used;
			}
			if (d->content_left == 0) {
				/* an empty record: the end-of-stream marker (§3.3) */
				content_done(d);
				ev->kind = FCGI_EV_DATA;
				ev->type = d->type;
				ev->req_id = d->req_id;
				ev->data = buf + used;
				ev->len = 0;
				return (ssize_t)used;
			}
			n = d->content_left;
			if (n > len - used)
				n = len - used;
			if (n > max_data)
				n = max_data;
			if (n == 0)
				return (ssize_t)used;
			ev->kind = FCGI_EV_DATA;
			ev->type = d->type;
			ev->req_id = d->req_id;
			ev->data = buf + used;
			ev->len = n;
			used += n;
			d->content_left -= n;
			if (d->content_left == 0)
				content_done(d);
			return (ssize_t)used;
		case D_END_BODY:
			n = 8 - d->have;
			if (n > len - used)
				n = len - used;
			memcpy(d->end + d->have, buf + used, n);
			d->have += n;
			used += n;
			if (d->have < 8)
				return (ssize_t)used;
			d->content_left = 0;
			content_done(d);
			ev->kind = FCGI_EV_END;
			ev->type = FCGI_END_REQUEST;
			ev->req_id = d->req_id;
			ev->app_status = (uint32_t)d->end[0] << 24 | (uint32_t)d->end[1] << 16 |
					 (uint32_t)d->end[2] << 8 | d->end[3];
			ev->protocol_status = d->end[4];
			return (ssize_t)used;
		case D_PADDING:
			n = d->pad_left < len - used ? d->pad_left : len - used;
			used += n;
			d->pad_left -= n;
			if (d->pad_left == 0) {
				d->state = D_HEADER;
				d->have = 0;
			}
			break;
		}
	}
	return (ssize_t)used;
}
