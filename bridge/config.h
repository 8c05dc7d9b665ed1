/* config.h - command-line options, parsed once into a read-only struct. */
#ifndef H2CGI_CONFIG_H
#define H2CGI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

#define CONFIG_MAX_LISTEN 16

struct config {
	const char *listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	const char *cert, *key;
	const char *tls_priority;
	const char *cgi_dir;      /* --cgi-dir, or NULL */
	const char *cgi_prefix;   /* default "/cgi-bin/" */
	const char *cgi_runner;   /* path of h2cgi-cgi */
	const char *spawn;        /* --spawn command, or NULL */
	const char *fastcgi;      /* --fastcgi address, or NULL */
	const char *docroot;      /* --docroot, or NULL */
	const char *access_log;   /* or NULL */
	int procs;
	int script_timeout;       /* seconds */
	long long max_body;       /* bytes */
	size_t stream_buffer;     /* bytes: per-stream response buffer */
	size_t max_header_block;  /* bytes: each CGI response header block */
	size_t max_header_list;   /* bytes: request header block (SETTINGS_MAX_HEADER_LIST_SIZE) */
	size_t window;            /* SETTINGS_INITIAL_WINDOW_SIZE: request body per stream */
	size_t conn_window;       /* connection window: request body per connection */
	size_t max_frame;         /* SETTINGS_MAX_FRAME_SIZE */
	int max_streams;          /* SETTINGS_MAX_CONCURRENT_STREAMS */
	int queue_max;            /* requests waiting for a busy pool */
	int queue_timeout;        /* seconds */
	int grace;                /* seconds in-flight streams get after SIGTERM */
	int idle_timeout;         /* seconds without a stream or a frame */
	int header_timeout;       /* seconds for a handshake or a request header block */
	int send_timeout;         /* seconds a response may wait for the client to read */
	const char *error_log;    /* file for the error log, or NULL for stderr */
	const char *user, *group; /* --user/--group: privileges after start-up */
	bool allow_root_backends;
	bool listen_given;        /* --listen was on the command line */
	bool inetd;               /* --inetd: one connection on fd 0 (and 1) */
	bool cleartext;           /* --cleartext: no TLS; h2c and HTTP/1.1 */
	const char *alt_svc;      /* --alt-svc: Alt-Svc on HTTP/1.1 responses */
	int workers;              /* event-loop processes */
	bool verbose;
};

/* Parses argv into c (defaults first). Returns 0; on a usage error writes a
 * message to stderr and returns 64 (EX_USAGE); returns -1 after --help or
 * --version were answered. */
int config_parse(struct config *c, int argc, char **argv);

/* Checks "HOST:PORT" ("[v6]:PORT", ":PORT"): a port of digits in
 * min_port..65535. Returns 0, or -1 with *why. */
int config_check_port(const char *spec, unsigned min_port, const char **why);

/* Writes the usage text to stderr. */
void config_usage(void);

#endif
