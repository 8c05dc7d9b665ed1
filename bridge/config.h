/* config.h - options from the command line and the --config file, read
 * through one table (config.c) into a read-only struct. */
#ifndef H2CGI_CONFIG_H
#define H2CGI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_ROUTES 64
#define CONFIG_MAX_INDEX 8
#define CONFIG_MAX_ENV 32
#define CONFIG_MAX_HINTS 16
#define CONFIG_MAX_ADDRS 16

enum backend_kind {
	BACKEND_NONE,
	BACKEND_CGI,     /* --cgi-dir: the CGI runner's pool */
	BACKEND_SPAWN,   /* --spawn: a pool h2cgi starts */
	BACKEND_FASTCGI, /* --fastcgi: a server someone else runs */
	BACKEND_STATIC,  /* --static: files served by h2cgi itself */
};

/* One --route and the per-route options that followed it. */
struct config_route {
	/* "/", "/app/", "*.php", or an extension under a prefix */
	const char *pattern;
	enum backend_kind kind;
	const char *backend;      /* directory, command or (first) address, by kind */
	const char *addrs[CONFIG_MAX_ADDRS]; /* --fastcgi, each time it was given */
	size_t naddrs;
	bool addrs_cli;           /* they came from the command line */
	const char *docroot;      /* --docroot, or NULL */
	int procs;                /* 0: the global --procs */
	int procs_max;            /* --procs MIN:MAX: MAX (== procs when fixed) */
	int max_conns;            /* --max-conns: to each --fastcgi server (0: what it says) */
	const char *index[CONFIG_MAX_INDEX];
	size_t nindex;            /* 0: "index.html" for static routes */
	const char *fallback;     /* --fallback URI, or NULL */
	const char *env[CONFIG_MAX_ENV];      /* --env NAME=VALUE */
	size_t nenv;
	const char *pass_env[CONFIG_MAX_ENV]; /* --pass-env NAME */
	size_t npass;
	const char *hints[CONFIG_MAX_HINTS];  /* --early-hint LINK-VALUE */
	size_t nhints;
	bool learn_hints;         /* --learn-early-hints */
	bool learn_private;       /* --learn-private-hints: also private/Vary: Cookie */
	const char *file;         /* where it was begun (NULL: the command line) */
	int line;
};

struct config {
	const char *listen[CONFIG_MAX_LISTEN];
	size_t nlisten;
	const char *cert, *key;
	const char *tls_priority;
	const char *cgi_prefix;   /* default "/cgi-bin/" (without --route) */
	const char *cgi_runner;   /* path of h2cgi-cgi */
	struct config_route *routes; /* in the order given (config_free frees them) */
	size_t nroutes, routes_cap;
	const char *access_log;   /* or NULL */
	const char *access_log_format; /* "combined" or "json" */
	const char *server_header; /* --server-header VALUE, or NULL: none sent */
	int procs;
	int procs_max;            /* --procs MIN:MAX */
	int max_requests;         /* --max-requests: replace a process after N (0: never) */
	int proc_idle;            /* --proc-idle seconds */
	int hint_cache;           /* --early-hint-cache: paths whose hints are learned */
	int script_timeout;       /* seconds */
	long long max_body;       /* bytes */
	long long spool_max;      /* --spool-max: bytes of spooled bodies on disk at once */
	long long response_spool; /* --response-spool: a response's bytes held on disk */
	size_t stream_buffer;     /* bytes: per-stream response buffer */
	size_t max_header_block;  /* bytes: each CGI response header block */
	size_t max_header_list;   /* bytes: request header block (SETTINGS_MAX_HEADER_LIST_SIZE) */
	size_t window;            /* SETTINGS_INITIAL_WINDOW_SIZE: request body per stream */
	size_t conn_window;       /* connection window: request body per connection */
	size_t max_frame;         /* SETTINGS_MAX_FRAME_SIZE */
	int max_streams;          /* SETTINGS_MAX_CONCURRENT_STREAMS */
	int queue_max;            /* requests waiting for a busy pool */
	int queue_timeout;        /* seconds */
	int connect_timeout;      /* seconds to connect to a backend */
	int backend_timeout;      /* seconds a backend may stay silent; 0: no limit */
	int keepalive;            /* idle kept connections per backend; 0: none */
	const char *status_path;  /* --status-path, or NULL */
	bool status_all;          /* --status-allow all: not only loopback clients */
	int grace;                /* seconds in-flight streams get after SIGTERM */
	int idle_timeout;         /* seconds without a stream or a frame */
	int header_timeout;       /* seconds for a handshake or a request header block */
	int send_timeout;         /* seconds a response may wait for the client to read */
	int body_min_rate;        /* --body-min-rate: request body bytes/s at least (0: off) */
	const char *error_log;    /* file for the error log, or NULL for stderr */
	bool syslog;              /* --syslog: the error log goes to syslog */
	const char *pid_file;     /* --pid-file */
	int log_timestamps;       /* --log-timestamps: LOG_STAMPS_AUTO, _ON, _OFF */
	const char *user, *group; /* --user/--group: privileges after start-up */
	bool allow_root_backends;
	bool listen_given;        /* --listen was given */
	bool inetd;               /* --inetd: one connection on fd 0 (and 1) */
	bool cleartext;           /* --cleartext: no TLS; h2c and HTTP/1.1 */
	bool proxy_protocol;      /* --proxy-protocol: a PROXY header first on each connection */
	const char *alt_svc;      /* --alt-svc: Alt-Svc on HTTP/1.1 responses */
	int workers;              /* event-loop processes */
	bool verbose;
	bool check;               /* --check: print the configuration and exit */
	bool version;             /* --version was asked (config_parse() returned -1) */
	const char *config_file;  /* --config FILE, or NULL */
	bool legacy;              /* no --route: routes made from --cgi-dir/--spawn/... */

	/* private to config.c */
	struct config_route legacy_cgi, legacy_app; /* backend options without --route */
	struct config_route *cur;  /* the route per-route options go to */
	bool from_cli;             /* reading the command line (after the file) */
	bool cli_listen;           /* the command line gave --listen: the file's go */
	const char *src_file;      /* where the option being applied stands */
	int src_line;
	char **strings;            /* values read from the file, freed with the config */
	size_t nstrings, strings_cap;
	int errors;
	FILE *err;                 /* where problems are written: set it before
				    * config_parse(), or NULL for stderr */
};

/* Reads the command line and the --config file it names into c (defaults
 * first). Returns 0; 64 (EX_USAGE) after writing each problem to stderr
 * ("FILE:LINE: problem" for the file); -1 after --help was answered or
 * --version asked (c->version). Free with config_free() whatever it returned. */
int config_parse(struct config *c, int argc, char **argv);

/* Frees what config_parse() allocated. */
void config_free(struct config *c);

/* Writes what c means (listeners, routes in match order with their
 * backends) to out: the answer of --check. */
void config_print(const struct config *c, FILE *out);

/* Checks "HOST:PORT" ("[v6]:PORT", ":PORT"): a port of digits in
 * min_port..65535. Returns 0, or -1 with *why. */
int config_check_port(const char *spec, unsigned min_port, const char **why);

/* The name of a backend kind for logs and --check ("cgi", "static"...). */
const char *config_kind_name(enum backend_kind k);

#endif
