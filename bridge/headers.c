/* headers.c - which header fields may cross h2cgi, and in which direction. */
#include "headers.h"

#include <string.h>
#include <strings.h>
#include <stdio.h>

static const struct {
	const char *name;
	unsigned flags;
} table[] = {
	/* RFC 9110 §7.6.1 and RFC 9113 §8.2.2: connection-specific fields */
	{"connection", HDR_HOP},
	{"keep-alive", HDR_HOP},
	{"proxy-connection", HDR_HOP},
	{"transfer-encoding", HDR_HOP},
	{"upgrade", HDR_HOP},
	{"te", HDR_HOP},
	{"http2-settings", HDR_HOP},
	/* RFC 3875 §6.3.3: Status is for the server, not the client */
	{"status", HDR_CGI_ONLY},
	/* https://httpoxy.org: Proxy would become HTTP_PROXY */
	{"proxy", HDR_NOT_TO_CGI},
};

unsigned hdr_flags(const char *name, size_t len)
{
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (strlen(table[i].name) == len && strncasecmp(table[i].name, name, len) == 0)
			return table[i].flags;
	return 0;
}

static bool is_tchar(unsigned char c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return true;
	return c != 0 && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

bool hdr_valid_name(const char *name, size_t len)
{
	if (len == 0)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!is_tchar((unsigned char)name[i]))
			return false;
	return true;
}

bool hdr_valid_value(const char *value, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)value[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool hdr_valid_authority(const char *v, size_t n)
{
	size_t i = 0;

	if (n == 0)
		return false;
	if (v[0] == '[') { /* IPv6address or IPvFuture: hex digits, colons, dots */
		for (i = 1; i < n && v[i] != ']'; i++)
			if (hdr_hex_digit((unsigned char)v[i]) < 0 && v[i] != ':' && v[i] != '.')
				return false;
		if (i == n || i == 1)
			return false;
		i++;
	} else {
		for (; i < n && v[i] != ':'; i++)
			if (!is_alnum(v[i]) && (v[i] == '\0' || strchr("-._~%!$&'()*+,;=", v[i]) == NULL))
				return false;
		if (i == 0)
			return false;
	}
	if (i == n)
		return true;
	if (v[i] != ':' || n - i - 1 > 5)
		return false;
	for (i++; i < n; i++)
		if (!is_digit(v[i]))
			return false;
	return true;
}

int hdr_split_line(char *line, size_t n, struct hdr *h, const char **why)
{
	char *colon = n ? memchr(line, ':', n) : NULL;

	if (n && (line[0] == ' ' || line[0] == '\t')) {
		*why = "folded header line"; /* obs-fold: refused (RFC 9112 §5.2) */
		return -1;
	}
	if (colon == NULL) {
		*why = "header line without a colon";
		return -1;
	}
	if (!hdr_valid_name(line, (size_t)(colon - line))) {
		*why = "invalid header name";
		return -1;
	}
	char *v = colon + 1, *e = line + n;
	while (v < e && (*v == ' ' || *v == '\t'))
		v++;
	while (e > v && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	if (!hdr_valid_value(v, (size_t)(e - v))) {
		*why = "invalid character in header value";
		return -1;
	}
	h->name = line;
	h->name_len = (size_t)(colon - line);
	h->value = v;
	h->value_len = (size_t)(e - v);
	return 0;
}

int hdr_hex_digit(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

bool hdr_list_has(const char *list, size_t list_len, const char *name, size_t name_len)
{
	size_t i = 0;

	while (i < list_len) {
		while (i < list_len && (list[i] == ' ' || list[i] == '\t' || list[i] == ','))
			i++;
		size_t start = i;
		while (i < list_len && list[i] != ',')
			i++;
		size_t end = i;
		while (end > start && (list[end - 1] == ' ' || list[end - 1] == '\t'))
			end--;
		if (end - start == name_len && end > start &&
		    strncasecmp(list + start, name, name_len) == 0)
			return true;
	}
	return false;
}

/* True when any Connection field in h[] names this header. */
static bool named_by_connection(const struct hdr *h, size_t n, const struct hdr *x)
{
	for (size_t i = 0; i < n; i++)
		if (h[i].name_len == 10 && strncasecmp(h[i].name, "connection", 10) == 0 &&
		    hdr_list_has(h[i].value, h[i].value_len, x->name, x->name_len))
			return true;
	return false;
}

/* Keeps the fields of h[] without any of the flags in drop and not named
 * by a Connection field. Every field is decided against the unfiltered
 * list first: Connection itself goes, but the names it lists must be seen. */
static size_t filter(struct hdr *h, size_t n, unsigned drop)
{
	size_t out = 0;
	unsigned char keep[n ? n : 1];

	for (size_t i = 0; i < n; i++)
		keep[i] = !(hdr_flags(h[i].name, h[i].name_len) & drop) &&
			  !named_by_connection(h, n, &h[i]);
	for (size_t i = 0; i < n; i++)
		if (keep[i])
			h[out++] = h[i];
	return out;
}

size_t hdr_filter_response(struct hdr *h, size_t n)
{
	return filter(h, n, HDR_HOP | HDR_CGI_ONLY);
}

size_t hdr_filter_request(struct hdr *h, size_t n)
{
	return filter(h, n, HDR_HOP | HDR_NOT_TO_CGI);
}

#define CL_MAX (1LL << 62) /* far beyond any body; keeps the sums from overflowing */

long long hdr_content_length(struct hdr *h, size_t *n)
{
	long long len = -1;
	size_t out = 0;

	for (size_t i = 0; i < *n; i++) {
		if (h[i].name_len != 14 || strncasecmp(h[i].name, "content-length", 14) != 0) {
			h[out++] = h[i];
			continue;
		}
		long long v = 0;
		if (h[i].value_len == 0)
			return -2;
		for (size_t k = 0; k < h[i].value_len; k++) {
			char c = h[i].value[k];
			if (c < '0' || c > '9' || v > (CL_MAX - 9) / 10)
				return -2;
			v = v * 10 + (c - '0');
		}
		if (len >= 0 && v != len)
			return -2;
		if (len < 0)
			h[out++] = h[i];
		len = v;
	}
	*n = out;
	return len;
}

void hdr_lower(char *name, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (name[i] >= 'A' && name[i] <= 'Z')
			name[i] = (char)(name[i] - 'A' + 'a');
}

const char *hdr_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 102: return "Processing";
	case 103: return "Early Hints";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 206: return "Partial Content";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 408: return "Request Timeout";
	case 411: return "Length Required";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 417: return "Expectation Failed";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	default: return "";
	}
}

static const char wdays[7][4] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
static const char months[12][4] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
				   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void http_date(time_t t, char out[30])
{
	struct tm tm;

	gmtime_r(&t, &tm);
	/* by hand: strftime's %a and %b follow the locale */
	snprintf(out, 30, "%s, %02d %s %04d %02d:%02d:%02d GMT", wdays[tm.tm_wday % 7],
		 tm.tm_mday % 100, months[tm.tm_mon % 12], (tm.tm_year + 1900) % 10000,
		 tm.tm_hour % 100, tm.tm_min % 100, tm.tm_sec % 100);
}

static int digits(const char *s, int n)
{
	int v = 0;
	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

int http_date_parse(const char *s, time_t *t)
{
	/* "Sun, 06 Nov 1994 08:49:37 GMT" */
	struct tm tm = {0};
	int mon = -1;

	if (strlen(s) != 29 || s[3] != ',' || s[4] != ' ' || s[7] != ' ' || s[11] != ' ' ||
	    s[16] != ' ' || s[19] != ':' || s[22] != ':' || strcmp(s + 25, " GMT") != 0)
		return -1;
	for (int i = 0; i < 12; i++)
		if (memcmp(s + 8, months[i], 3) == 0)
			mon = i;
	tm.tm_mday = digits(s + 5, 2);
	tm.tm_year = digits(s + 12, 4) - 1900;
	tm.tm_hour = digits(s + 17, 2);
	tm.tm_min = digits(s + 20, 2);
	tm.tm_sec = digits(s + 23, 2);
	if (mon < 0 || tm.tm_mday < 1 || tm.tm_mday > 31 || tm.tm_year < 70 || tm.tm_hour < 0 ||
	    tm.tm_hour > 23 || tm.tm_min < 0 || tm.tm_min > 59 || tm.tm_sec < 0 || tm.tm_sec > 60)
		return -1;
	tm.tm_mon = mon;
	*t = timegm(&tm);
	return *t == (time_t)-1 ? -1 : 0;
}
