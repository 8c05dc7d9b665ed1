/* fcgi.h - FastCGI 1.0 record codec (pure: bytes in, events out, no I/O). */
#ifndef H2CGI_FCGI_H
#define H2CGI_FCGI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define FCGI_HEADER_LEN 8
#define FCGI_MAX_CONTENT 65535
#define FCGI_VERSION_1 1

enum fcgi_type {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_ABORT_REQUEST = 2,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6,
	FCGI_STDERR = 7,
	FCGI_DATA = 8,
	FCGI_GET_VALUES = 9,
	FCGI_GET_VALUES_RESULT = 10,
	FCGI_UNKNOWN_TYPE = 11,
};

#define FCGI_RESPONDER 1
#define FCGI_KEEP_CONN 1

/* protocolStatus of FCGI_END_REQUEST */
#define FCGI_REQUEST_COMPLETE 0
#define FCGI_CANT_MPX_CONN 1
#define FCGI_OVERLOADED 2
#define FCGI_UNKNOWN_ROLE 3

/* Writes an 8-byte record header into out. content_len <= FCGI_MAX_CONTENT. */
void fcgi_header(uint8_t *out, int type, uint16_t req_id, size_t content_len, uint8_t pad_len);

/* Writes a 16-byte FCGI_BEGIN_REQUEST record (header + body) into out. */
void fcgi_begin_request(uint8_t *out, uint16_t req_id, uint16_t role, uint8_t flags);

/* Bytes needed to encode one name-value pair (FastCGI 1.0 §3.4). */
size_t fcgi_nv_len(size_t name_len, size_t value_len);

/* Encodes one name-value pair into out (which holds fcgi_nv_len() bytes);
 * returns the bytes written. */
size_t fcgi_nv_encode(uint8_t *out, const char *name, size_t name_len, const char *value,
		      size_t value_len);

/* Decodes one name-value pair at buf; returns bytes consumed, 0 when buf holds
 * less than a whole pair. Sets name/value pointers into buf. */
size_t fcgi_nv_decode(const uint8_t *buf, size_t len, const uint8_t **name, size_t *name_len,
		      const uint8_t **value, size_t *value_len);

/* What FCGI_GET_VALUES_RESULT said (FastCGI 1.0 §4.1); 0: not said. */
struct fcgi_values {
	unsigned max_conns, max_reqs;
	int mpxs_conns; /* -1: not said */
};

/* Reads the name-value pairs of a GET_VALUES_RESULT record's content into
 * v: numbers of at most 9 digits; other names and malformed values are
 * ignored. Returns 0, or -1 when the pairs themselves are malformed. */
int fcgi_values_parse(const uint8_t *content, size_t len, struct fcgi_values *v);

enum fcgi_event_kind {
	FCGI_EV_NONE = 0,   /* nothing complete yet (or data capped at 0) */
	FCGI_EV_DATA,       /* a slice of a record's content (STDOUT/STDERR/...) */
	FCGI_EV_END,        /* FCGI_END_REQUEST: app_status, protocol_status set */
	FCGI_EV_OTHER,      /* a whole record of another type, content skipped */
};

struct fcgi_event {
	enum fcgi_event_kind kind;
	int type;                 /* record type */
	uint16_t req_id;
	const uint8_t *data;      /* FCGI_EV_DATA: points into the caller's buffer */
	size_t len;
	uint32_t app_status;      /* FCGI_EV_END */
	uint8_t protocol_status;  /* FCGI_EV_END */
};

/* Incremental record decoder: records may be split at any byte. */
struct fcgi_decoder {
	uint8_t hdr[FCGI_HEADER_LEN];
	uint8_t end[8];            /* FCGI_END_REQUEST body being gathered */
	size_t have;               /* bytes of hdr or end gathered */
	size_t content_left;
	size_t pad_left;
	int type;
	uint16_t req_id;
	int state;                 /* private */
};

/* Resets d to expect a record header. */
void fcgi_decoder_init(struct fcgi_decoder *d);

/* True between a data record's header and the end of its content: d's
 * type and req_id say whose bytes come next. */
bool fcgi_decoder_in_record(const struct fcgi_decoder *d);

/* Consumes bytes from buf and reports at most one event in *ev; content of
 * data records is reported in slices of at most max_data bytes. Returns the
 * bytes consumed (possibly 0 with FCGI_EV_NONE: feed more or raise max_data),
 * or -1 when the stream is malformed (bad version, END_REQUEST of wrong size). */
ssize_t fcgi_decode(struct fcgi_decoder *d, const uint8_t *buf, size_t len, size_t max_data,
		    struct fcgi_event *ev);

#endif
