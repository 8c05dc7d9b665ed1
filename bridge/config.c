/* config.c - one table of options, read by the command line, the --config
 * file, --check and --help alike. */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "link.h"
#include "route.h"

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec"
#endif

/* Where an option came from, for messages. */
struct source {
	const char *file; /* NULL: the command line */
	int line;
};

enum scope {
	GLOBAL,    /* anywhere; the command line wins over the file */
	PER_ROUTE, /* belongs to the route begun last */
	EVERY_ROUTE, /* the same; without --route, every backend's (apply()) */
	START,     /* --route */
	CLI_ONLY,  /* --config, --check, --help, --version */
};

enum type { T_STR, T_INT, T_SIZE, T_LL, T_BOOL, T_FN };

struct opt;
typedef int (*set_fn)(struct config *c, const struct opt *o, const char *arg, const char **why);

struct opt {
	const char *name;
	char shortname;
	const char *arg;   /* its argument's name in --help, NULL: a flag */
	enum scope scope;
	enum type type;
	size_t off;        /* T_STR..T_BOOL: where in struct config */
	long long min, max;
	set_fn set;        /* T_FN */
	const char *group; /* --help heading, set on the first of each group */
	const char *help;
	const char *range; /* the "expected ..." of a refused number */
};

#define OFF(f) offsetof(struct config, f)

static int set_listen(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_cgi_prefix(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_text(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_log_format(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_route(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_backend(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_status_allow(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_log_timestamps(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_docroot(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_procs(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_max_conns(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_index(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_fallback(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_env(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_cli(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_hint(struct config *c, const struct opt *o, const char *a, const char **why);
static int set_learn(struct config *c, const struct opt *o, const char *a, const char **why);

static const struct opt opts[] = {
	{"route", 0, "PATTERN", START, T_FN, 0, 0, 0, set_route, "Routes (each takes the options below it)",
	 "start a route: a prefix (/app/) or an extension (*.php)", NULL},
	{"cgi-dir", 0, "DIR", PER_ROUTE, T_FN, 0, 0, 0, set_backend, NULL,
	 "run the CGI programs in DIR (through h2cgi-cgi)", NULL},
	{"spawn", 0, "CMD", PER_ROUTE, T_FN, 0, 0, 0, set_backend, NULL,
	 "start --procs copies of a FastCGI program and supervise them", NULL},
	{"fastcgi", 0, "ADDR", PER_ROUTE, T_FN, 0, 0, 0, set_backend, NULL,
	 "a FastCGI server at unix:PATH, HOST:PORT or [V6]:PORT (repeat: several)", NULL},
	{"static", 0, "DIR", PER_ROUTE, T_FN, 0, 0, 0, set_backend, NULL,
	 "serve the files in DIR (GET and HEAD)", NULL},
	{"docroot", 0, "DIR", EVERY_ROUTE, T_FN, 0, 0, 0, set_docroot, NULL,
	 "DOCUMENT_ROOT; where --spawn/--fastcgi scripts are found", NULL},
	{"procs", 0, "N[:MAX]", PER_ROUTE, T_FN, 0, 1, 1024, set_procs, NULL,
	 "backend processes, growing to MAX while requests wait (outside a route: the default, 4)",
	 "1..1024"},
	{"max-conns", 0, "N", PER_ROUTE, T_FN, 0, 1, 10000, set_max_conns, NULL,
	 "connections to each --fastcgi server, kept open: its process count", "1..10000"},
	{"index", 0, "NAME...", PER_ROUTE, T_FN, 0, 0, 0, set_index, NULL,
	 "index files of directories (default index.html)", NULL},
	{"fallback", 0, "URI", PER_ROUTE, T_FN, 0, 0, 0, set_fallback, NULL,
	 "where paths that name no file go (a front controller)", NULL},
	{"env", 0, "NAME=VALUE", EVERY_ROUTE, T_FN, 0, 0, 0, set_env, NULL,
	 "a variable for the route's scripts", NULL},
	{"pass-env", 0, "NAME", EVERY_ROUTE, T_FN, 0, 0, 0, set_env, NULL,
	 "pass h2cgi's own variable NAME to the route's scripts", NULL},
	{"early-hint", 0, "LINK", EVERY_ROUTE, T_FN, 0, 0, 0, set_hint, NULL,
	 "send Link: LINK in a 103 as soon as a request is routed", NULL},
	{"learn-early-hints", 0, NULL, EVERY_ROUTE, T_FN, 0, 0, 0, set_learn, NULL,
	 "send a path's preload Links of its last 2xx as a 103", NULL},
	{"learn-private-hints", 0, NULL, EVERY_ROUTE, T_FN, 0, 0, 0, set_learn, NULL,
	 "learn from private and Vary: Cookie responses too", NULL},
	{"cgi-prefix", 0, "PREFIX", GLOBAL, T_FN, OFF(cgi_prefix), 0, 0, set_cgi_prefix, NULL,
	 "without --route: the URL prefix of --cgi-dir (/cgi-bin/)", NULL},
	{"cgi-runner", 0, "PATH", GLOBAL, T_STR, OFF(cgi_runner), 0, 0, NULL, NULL,
	 "the CGI runner program", NULL},

	{"keepalive", 0, "N", GLOBAL, T_INT, OFF(keepalive), 0, 100000, NULL, "Backends (every route)",
	 "idle backend connections kept per backend (32; 0: one per request)", "0..100000"},
	{"queue", 0, "N", GLOBAL, T_INT, OFF(queue_max), 0, 1000000, NULL, NULL,
	 "requests waiting for a busy pool (1024)", "0..1000000"},
	{"max-requests", 0, "N", GLOBAL, T_INT, OFF(max_requests), 0, 1000000000, NULL, NULL,
	 "replace a spawned process after N requests (0: never)", "0..1000000000"},
	{"proc-idle", 0, "SEC", GLOBAL, T_INT, OFF(proc_idle), 1, 86400, NULL, NULL,
	 "stop a process over --procs MIN after this long idle (60)", "1..86400 seconds"},
	{"early-hint-cache", 0, "N", GLOBAL, T_INT, OFF(hint_cache), 0, 1000000, NULL, NULL,
	 "paths whose early hints are learned (1024)", "0..1000000"},

	{"listen", 'l', "ADDR:PORT", GLOBAL, T_FN, 0, 0, 0, set_listen, "Listening",
	 "listen there ([::]:8443); repeat for more", NULL},
	{"inetd", 0, NULL, GLOBAL, T_BOOL, OFF(inetd), 0, 0, NULL, NULL,
	 "serve one connection on fd 0 (inetd, ucspi-tcp)", NULL},
	{"cleartext", 0, NULL, GLOBAL, T_BOOL, OFF(cleartext), 0, 0, NULL, NULL,
	 "no TLS: h2c and HTTP/1.1", NULL},
	{"proxy-protocol", 0, NULL, GLOBAL, T_BOOL, OFF(proxy_protocol), 0, 0, NULL, NULL,
	 "each connection starts with a PROXY v1/v2 header (behind a load balancer)", NULL},

	{"cert", 0, "FILE", GLOBAL, T_STR, OFF(cert), 0, 0, NULL, "TLS", "certificate chain (PEM)", NULL},
	{"key", 0, "FILE", GLOBAL, T_STR, OFF(key), 0, 0, NULL, NULL, "private key (PEM)", NULL},
	{"tls-priority", 0, "STRING", GLOBAL, T_STR, OFF(tls_priority), 0, 0, NULL, NULL,
	 "GnuTLS priority string", NULL},

	{"max-concurrent-streams", 0, "N", GLOBAL, T_INT, OFF(max_streams), 1, 10000, NULL, "HTTP/2 and HTTP",
	 "streams per connection (100)", "1..10000"},
	/* RFC 9113 §6.9.2: at most 2^31-1 */
	{"initial-window-size", 0, "BYTES", GLOBAL, T_SIZE, OFF(window), 1024, 1 << 30, NULL, NULL,
	 "request body in flight per stream (1m)", "1k..1g"},
	{"connection-window-size", 0, "BYTES", GLOBAL, T_SIZE, OFF(conn_window), 65535, 1 << 30, NULL,
	 NULL, "request body in flight per connection (4m)", "65535..1g"},
	/* RFC 9113 §6.5.2: 2^14..2^24-1 */
	{"max-frame-size", 0, "BYTES", GLOBAL, T_SIZE, OFF(max_frame), 16384, 16777215, NULL, NULL,
	 "SETTINGS_MAX_FRAME_SIZE (16384)", "16384..16777215"},
	{"max-header-list-size", 0, "BYTES", GLOBAL, T_SIZE, OFF(max_header_list), 1024, 16 << 20,
	 NULL, NULL, "largest request header block (64k)", "1k..16m"},
	{"alt-svc", 0, "VALUE", GLOBAL, T_FN, OFF(alt_svc), 0, 0, set_text, NULL,
	 "Alt-Svc on HTTP/1.1 responses", NULL},
	{"server-header", 0, "VALUE", GLOBAL, T_FN, OFF(server_header), 0, 0, set_text, NULL,
	 "send Server: VALUE (none by default)", NULL},

	{"max-body", 0, "BYTES", GLOBAL, T_LL, OFF(max_body), 0, LLONG_MAX / 2, NULL, "Limits",
	 "largest request body (1g)", "a size such as 10m"},
	{"spool-max", 0, "BYTES", GLOBAL, T_LL, OFF(spool_max), 0, LLONG_MAX / 2, NULL, NULL,
	 "bodies held on disk at once, requests' and responses' (4g; 0: no bound)", "a size such as 1g"},
	{"response-spool", 0, "BYTES", GLOBAL, T_LL, OFF(response_spool), 0, LLONG_MAX / 2, NULL, NULL,
	 "a response held on disk while requests wait for its backend (1g; 0: never)",
	 "a size such as 1g"},
	{"stream-buffer", 0, "BYTES", GLOBAL, T_SIZE, OFF(stream_buffer), 16384, 16 << 20, NULL, NULL,
	 "response buffer per stream; request body held before a backend (64k)", "16k..16m"},
	{"max-header-block", 0, "BYTES", GLOBAL, T_SIZE, OFF(max_header_block), 1024, 1 << 20, NULL,
	 NULL, "largest CGI response header block (64k)", "1k..1m"},

	{"script-timeout", 0, "SEC", GLOBAL, T_INT, OFF(script_timeout), 1, 86400, NULL, "Timeouts",
	 "a CGI script's run time (60)", "1..86400 seconds"},
	{"queue-timeout", 0, "SEC", GLOBAL, T_INT, OFF(queue_timeout), 1, 3600, NULL, NULL,
	 "longest wait for a busy pool (30)", "1..3600 seconds"},
	{"connect-timeout", 0, "SEC", GLOBAL, T_INT, OFF(connect_timeout), 1, 3600, NULL, NULL,
	 "connecting to a backend (5)", "1..3600 seconds"},
	{"backend-timeout", 0, "SEC", GLOBAL, T_INT, OFF(backend_timeout), 0, 86400, NULL, NULL,
	 "a backend's silence, before or within its answer (120; 0: none)", "0..86400 seconds"},
	{"grace", 0, "SEC", GLOBAL, T_INT, OFF(grace), 0, 86400, NULL, NULL,
	 "time streams get after SIGTERM (10)", "0..86400 seconds"},
	{"idle-timeout", 0, "SEC", GLOBAL, T_INT, OFF(idle_timeout), 1, 86400, NULL, NULL,
	 "a connection without streams (60)", "1..86400 seconds"},
	{"header-timeout", 0, "SEC", GLOBAL, T_INT, OFF(header_timeout), 1, 3600, NULL, NULL,
	 "handshake, request head, a frame (10)", "1..3600 seconds"},
	{"send-timeout", 0, "SEC", GLOBAL, T_INT, OFF(send_timeout), 1, 86400, NULL, NULL,
	 "a response waiting for its client (60)", "1..86400 seconds"},
	{"body-min-rate", 0, "BYTES", GLOBAL, T_INT, OFF(body_min_rate), 0, 1 << 30, NULL, NULL,
	 "a request body slower than BYTES/s over 10 s gets 408 (500; 0: off)", "0..1073741824"},

	{"access-log", 0, "FILE", GLOBAL, T_STR, OFF(access_log), 0, 0, NULL, "Logs and status",
	 "access log file (- for stderr)", NULL},
	{"access-log-format", 0, "FORMAT", GLOBAL, T_FN, 0, 0, 0, set_log_format, NULL,
	 "combined (default) or json", NULL},
	{"error-log", 0, "FILE", GLOBAL, T_STR, OFF(error_log), 0, 0, NULL, NULL,
	 "error log file (stderr)", NULL},
	{"syslog", 0, NULL, GLOBAL, T_BOOL, OFF(syslog), 0, 0, NULL, NULL,
	 "error log to syslog (facility daemon) instead", NULL},
	{"log-timestamps", 0, "WHEN", GLOBAL, T_FN, 0, 0, 0, set_log_timestamps, NULL,
	 "auto (default: when the error log is a file or a terminal), on or off", NULL},
	{"verbose", 'v', NULL, GLOBAL, T_BOOL, OFF(verbose), 0, 0, NULL, NULL,
	 "also log TLS and HTTP/2 errors of single connections", NULL},
	{"status-path", 0, "PATH", GLOBAL, T_STR, OFF(status_path), 0, 0, NULL, NULL,
	 "answer PATH with the backends' counters (JSON), PATH/health with ok", NULL},
	{"status-allow", 0, "WHO", GLOBAL, T_FN, 0, 0, 0, set_status_allow, NULL,
	 "who may read --status-path: loopback (default) or all", NULL},

	{"workers", 0, "N", GLOBAL, T_INT, OFF(workers), 1, 64, NULL, "Processes and privileges",
	 "event-loop processes (1)", "1..64"},
	{"user", 0, "USER", GLOBAL, T_STR, OFF(user), 0, 0, NULL, NULL,
	 "run as USER after start-up", NULL},
	{"group", 0, "GROUP", GLOBAL, T_STR, OFF(group), 0, 0, NULL, NULL,
	 "and as GROUP (with --user)", NULL},
	{"pid-file", 0, "FILE", GLOBAL, T_STR, OFF(pid_file), 0, 0, NULL, NULL,
	 "write the PID that takes signals to FILE (removed at exit)", NULL},
	{"allow-root-backends", 0, NULL, GLOBAL, T_BOOL, OFF(allow_root_backends), 0, 0, NULL, NULL,
	 "let backends run as root", NULL},

	{"config", 0, "FILE", CLI_ONLY, T_FN, 0, 0, 0, set_cli, "Other",
	 "read options from FILE (h2cgi.conf(5))", NULL},
	{"check", 0, NULL, CLI_ONLY, T_FN, 0, 0, 0, set_cli, NULL,
	 "print the configuration understood, and exit", NULL},
	{"help", 'h', NULL, CLI_ONLY, T_FN, 0, 0, 0, set_cli, NULL, "this text", NULL},
	{"version", 'V', NULL, CLI_ONLY, T_FN, 0, 0, 0, set_cli, NULL, "the version", NULL},
};

#define NOPTS (sizeof(opts) / sizeof(opts[0]))

const char *config_kind_name(enum backend_kind k)
{
	static const char *const names[] = {"none", "cgi-dir", "spawn", "fastcgi", "static"};
	return names[k];
}

static void help(void)
{
	printf("usage: h2cgi [OPTION]... [--route PATTERN BACKEND [ROUTE OPTION]...]...\n"
	       "Serves CGI and FastCGI applications and static files over HTTP/2.\n"
	       "Without --route, --cgi-dir serves --cgi-prefix and --spawn/--fastcgi the rest.\n");
	for (size_t i = 0; i < NOPTS; i++) {
		char left[48];
		if (opts[i].group)
			printf("\n%s:\n", opts[i].group);
		snprintf(left, sizeof(left), "%s%c%s--%s%s%s", opts[i].shortname ? "-" : "",
			 opts[i].shortname ? opts[i].shortname : ' ', opts[i].shortname ? "," : " ",
			 opts[i].name, opts[i].arg ? " " : "", opts[i].arg ? opts[i].arg : "");
		printf("  %-32s %s\n", opts[i].shortname ? left : left + 2, opts[i].help);
	}
	printf("\nSee h2cgi(8) and h2cgi.conf(5).\n");
}

/* Parses a size with an optional k/m/g suffix (powers of 1024). */
static int parse_size(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0 || s[0] == '-' || s[0] == '+' || s[0] == ' ')
		return -1;
	switch (*end) {
	case 'k': case 'K': v *= 1024; end++; break;
	case 'm': case 'M': v *= 1024 * 1024; end++; break;
	case 'g': case 'G': v *= 1024LL * 1024 * 1024; end++; break;
	default: break;
	}
	if (*end != '\0' || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

__attribute__((format(printf, 3, 4))) static void problem(struct config *c,
							  const struct source *src,
							  const char *fmt, ...)
{
	va_list ap;

	if (src && src->file)
		fprintf(c->err, "%s:%d: ", src->file, src->line);
	else
		fputs("h2cgi: ", c->err);
	va_start(ap, fmt);
	vfprintf(c->err, fmt, ap);
	va_end(ap);
	/* one line per problem, each naming its option; the options are a
	 * --help away (the whole usage after each mistake hides the mistake) */
	fputs(src && src->file ? "\n" : " (see --help)\n", c->err);
	c->errors++;
}

int config_check_port(const char *spec, unsigned min_port, const char **why)
{
	const char *colon = strrchr(spec, ':');
	unsigned long port = 0;

	if (colon == NULL || colon[1] == '\0') {
		*why = "expected HOST:PORT";
		return -1;
	}
	for (const char *p = colon + 1; *p; p++) {
		if (*p < '0' || *p > '9' || port > 65535) {
			*why = "the port is not a number";
			return -1;
		}
		port = port * 10 + (unsigned long)(*p - '0');
	}
	if (port > 65535 || port < min_port) {
		*why = min_port ? "the port must be 1..65535" : "the port must be 0..65535";
		return -1;
	}
	return 0;
}

static const char *keep(struct config *c, const char *s, size_t n)
{
	if (c->nstrings == c->strings_cap) {
		size_t cap = c->strings_cap * 2 + 16;
		char **p = realloc(c->strings, cap * sizeof(*p));
		if (p == NULL)
			return NULL;
		c->strings = p;
		c->strings_cap = cap;
	}
	char *d = strndup(s, n);
	if (d != NULL)
		c->strings[c->nstrings++] = d;
	return d;
}

static int set_listen(struct config *c, const struct opt *o, const char *a, const char **why)
{
	/* the command line's listeners replace the file's */
	if (c->from_cli && !c->cli_listen) {
		c->nlisten = 0;
		c->cli_listen = true;
	}
	if (c->nlisten == CONFIG_MAX_LISTEN) {
		*why = "too many listeners";
		return -1;
	}
	if (config_check_port(a, 0, why) < 0)
		return -1;
	c->listen[c->nlisten++] = a;
	c->listen_given = true;
	return 0;
}

static int set_cgi_prefix(struct config *c, const struct opt *o, const char *a, const char **why)
{
	if (a[0] != '/' || a[strlen(a) - 1] != '/') {
		*why = "must start and end with '/'";
		return -1;
	}
	c->cgi_prefix = a;
	return 0;
}

/* A header value: no control characters (they would split the field). */
static int set_text(struct config *c, const struct opt *o, const char *a, const char **why)
{
	for (const char *p = a; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "control character";
			return -1;
		}
	*(const char **)((char *)c + o->off) = a;
	return 0;
}

static int set_log_format(struct config *c, const struct opt *o, const char *a, const char **why)
{
	if (strcmp(a, "combined") != 0 && strcmp(a, "json") != 0) {
		*why = "expected combined or json";
		return -1;
	}
	c->access_log_format = a;
	return 0;
}

/* A zeroed route at the end of c->routes (grown as routes come: most
 * configurations have two or three, and each is near a kilobyte), or NULL
 * with *why. */
static struct config_route *route_new(struct config *c, const char **why)
{
	if (c->nroutes == CONFIG_MAX_ROUTES) {
		*why = "too many routes";
		return NULL;
	}
	if (c->nroutes == c->routes_cap) {
		size_t cap = c->routes_cap ? c->routes_cap * 2 : 4;
		struct config_route *r = realloc(c->routes, cap * sizeof(*r));
		if (r == NULL) {
			*why = "out of memory";
			return NULL;
		}
		c->routes = r;
		c->routes_cap = cap;
	}
	struct config_route *r = &c->routes[c->nroutes++];
	memset(r, 0, sizeof(*r));
	return r;
}

static int set_route(struct config *c, const struct opt *o, const char *a, const char **why)
{
	struct route_rule r;

	if (route_rule_parse(&r, a, why) < 0)
		return -1;
	route_rule_free(&r);
	if ((c->cur = route_new(c, why)) == NULL)
		return -1;
	c->cur->pattern = a;
	c->cur->file = c->src_file;
	c->cur->line = c->src_line;
	return 0;
}

/* Per-route options outside any --route: today's meaning (a CGI directory
 * at --cgi-prefix, an application at "/"). */
static struct config_route *route_for(struct config *c, const char *name)
{
	if (c->cur)
		return c->cur;
	return strcmp(name, "cgi-dir") == 0 ? &c->legacy_cgi : &c->legacy_app;
}

static int set_status_allow(struct config *c, const struct opt *o, const char *a, const char **why)
{
	(void)o;
	if (strcmp(a, "all") != 0 && strcmp(a, "loopback") != 0) {
		*why = "loopback or all";
		return -1;
	}
	c->status_all = strcmp(a, "all") == 0;
	return 0;
}

static int set_log_timestamps(struct config *c, const struct opt *o, const char *a, const char **why)
{
	static const char *const words[] = {"auto", "on", "off"};

	(void)o;
	for (int i = 0; i < 3; i++)
		if (strcmp(a, words[i]) == 0) {
			c->log_timestamps = i;
			return 0;
		}
	*why = "expected auto, on or off";
	return -1;
}

static int set_backend(struct config *c, const struct opt *o, const char *a, const char **why)
{
	struct config_route *r = route_for(c, o->name);
	enum backend_kind k = strcmp(o->name, "cgi-dir") == 0 ? BACKEND_CGI
			      : strcmp(o->name, "spawn") == 0 ? BACKEND_SPAWN
			      : strcmp(o->name, "fastcgi") == 0 ? BACKEND_FASTCGI
							       : BACKEND_STATIC;

	if (k == BACKEND_FASTCGI && strncmp(a, "unix:", 5) != 0 && config_check_port(a, 1, why) < 0)
		return -1;
	if (a[0] == '\0') {
		*why = "empty";
		return -1;
	}
	if (r->kind != BACKEND_NONE && r->kind != k) {
		*why = c->cur ? "a route has one backend: --cgi-dir, --spawn, --fastcgi or --static"
			      : (r->kind == BACKEND_STATIC || k == BACKEND_STATIC)
				? "--static beside --spawn/--fastcgi needs --route"
				: "--spawn and --fastcgi exclude each other";
		return -1;
	}
	if (k == BACKEND_FASTCGI) {
		/* several servers for one route; the command line replaces the
		 * file's list rather than adding to it */
		if (r->naddrs > 0 && c->from_cli && !r->addrs_cli)
			r->naddrs = 0;
		if (r->naddrs == CONFIG_MAX_ADDRS) {
			*why = "more than 16 --fastcgi addresses in one route";
			return -1;
		}
		r->addrs[r->naddrs++] = a;
		r->addrs_cli = c->from_cli;
		a = r->addrs[0];
	}
	r->kind = k;
	r->backend = a;
	return 0;
}

static int set_docroot(struct config *c, const struct opt *o, const char *a, const char **why)
{
	c->cur->docroot = a;
	return 0;
}

static int set_procs(struct config *c, const struct opt *o, const char *a, const char **why)
{
	long long v, max;
	char min[16];
	const char *colon = strchr(a, ':');
	size_t n = colon ? (size_t)(colon - a) : strlen(a);

	if (n >= sizeof(min)) {
		*why = "expected N or MIN:MAX, 1..1024";
		return -1;
	}
	memcpy(min, a, n);
	min[n] = '\0';
	if (parse_size(min, o->min, o->max, &v) < 0 ||
	    (colon && parse_size(colon + 1, o->min, o->max, &max) < 0)) {
		*why = "expected N or MIN:MAX, 1..1024";
		return -1;
	}
	if (!colon)
		max = v;
	if (max < v) {
		*why = "MAX under MIN";
		return -1;
	}
	if (c->cur) {
		c->cur->procs = (int)v;
		c->cur->procs_max = (int)max;
	} else {
		c->procs = (int)v;
		c->procs_max = (int)max;
	}
	return 0;
}

static int set_index(struct config *c, const struct opt *o, const char *a, const char **why)
{
	struct config_route *r = route_for(c, o->name);

	/* names separated by spaces or commas; each given value adds */
	for (const char *p = a; *p;) {
		p += strspn(p, " ,");
		size_t n = strcspn(p, " ,");
		if (n == 0)
			break;
		if (memchr(p, '/', n) || (n <= 2 && p[0] == '.')) {
			*why = "an index is a file name";
			return -1;
		}
		if (r->nindex == CONFIG_MAX_INDEX) {
			*why = "at most 8 index names";
			return -1;
		}
		const char *name = keep(c, p, n);
		if (name == NULL) {
			*why = "out of memory";
			return -1;
		}
		r->index[r->nindex++] = name;
		p += n;
	}
	return 0;
}

/* --max-conns N: what an external server that does not answer
 * FCGI_MAX_CONNS (libfcgi, php-fpm) would say: its process count. */
static int set_max_conns(struct config *c, const struct opt *o, const char *a, const char **why)
{
	long long v;

	if (parse_size(a, o->min, o->max, &v) < 0) {
		*why = "expected 1..10000";
		return -1;
	}
	route_for(c, o->name)->max_conns = (int)v;
	return 0;
}

static int set_fallback(struct config *c, const struct opt *o, const char *a, const char **why)
{
	if (a[0] != '/' || a[1] == '/') {
		*why = "a fallback is a local path such as /index.php";
		return -1;
	}
	route_for(c, o->name)->fallback = a;
	return 0;
}

static int set_env(struct config *c, const struct opt *o, const char *a, const char **why)
{
	bool pass = strcmp(o->name, "pass-env") == 0;
	size_t n = strcspn(a, "=");

	if (n == 0 || (pass ? a[n] != '\0' : a[n] != '=')) {
		*why = pass ? "expected a variable NAME" : "expected NAME=VALUE";
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		if (!((a[i] >= 'A' && a[i] <= 'Z') || (a[i] >= 'a' && a[i] <= 'z') || a[i] == '_' ||
		      (i > 0 && a[i] >= '0' && a[i] <= '9'))) {
			*why = "a variable name holds letters, digits and '_'";
			return -1;
		}
	struct config_route *r = c->cur;
	size_t *cnt = pass ? &r->npass : &r->nenv;
	if (*cnt == CONFIG_MAX_ENV) {
		*why = "at most 32 per route";
		return -1;
	}
	(pass ? r->pass_env : r->env)[(*cnt)++] = a;
	return 0;
}

static int set_hint(struct config *c, const struct opt *o, const char *a, const char **why)
{
	struct config_route *r = c->cur;

	for (const char *p = a; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f) {
			*why = "control character";
			return -1;
		}
	if (link_parse(a, strlen(a), NULL, NULL) < 1) {
		*why = "expected a Link value such as '</s.css>; rel=preload; as=style'";
		return -1;
	}
	if (r->nhints == CONFIG_MAX_HINTS) {
		*why = "at most 16 per route";
		return -1;
	}
	r->hints[r->nhints++] = a;
	return 0;
}

static int set_learn(struct config *c, const struct opt *o, const char *a, const char **why)
{
	c->cur->learn_private |= strcmp(o->name, "learn-private-hints") == 0;
	c->cur->learn_hints = true;
	return 0;
}

static int set_cli(struct config *c, const struct opt *o, const char *a, const char **why)
{
	*why = "only on the command line";
	return -1;
}

/* Applies option o with argument a (NULL for flags). */
static void apply(struct config *c, const struct opt *o, const char *a, const struct source *src)
{
	const char *why = NULL;
	long long v;
	void *field = (char *)c + o->off;
	int rc = 0;

	c->src_file = src->file;
	c->src_line = src->line;
	/* --procs outside a route is every route's default */
	if ((o->scope == PER_ROUTE || o->scope == EVERY_ROUTE) && c->cur == NULL && c->nroutes > 0 &&
	    o->set != set_procs) {
		problem(c, src, "%s%s belongs to a route: put it after --route", src->file ? "" : "--",
			o->name);
		return;
	}
	switch (o->type) {
	case T_STR: *(const char **)field = a; break;
	case T_BOOL: *(bool *)field = true; break;
	case T_INT: case T_SIZE: case T_LL:
		if (parse_size(a, o->min, o->max, &v) < 0) {
			why = o->range;
			rc = -1;
			break;
		}
		if (o->type == T_INT)
			*(int *)field = (int)v;
		else if (o->type == T_SIZE)
			*(size_t *)field = (size_t)v;
		else
			*(long long *)field = v;
		break;
	case T_FN:
		if (o->scope != EVERY_ROUTE || c->cur != NULL) {
			rc = o->set(c, o, a, &why);
			break;
		}
		/* without --route: the application's and the CGI directory's */
		c->cur = &c->legacy_app;
		rc = o->set(c, o, a, &why);
		c->cur = &c->legacy_cgi;
		if (rc == 0)
			rc = o->set(c, o, a, &why);
		c->cur = NULL;
		break;
	}
	if (rc == 0)
		return;
	if (o->type != T_FN && why)
		problem(c, src, "invalid %s%s '%s': expected %s", src->file ? "" : "--", o->name, a, why);
	else
		problem(c, src, "invalid %s%s '%s': %s", src->file ? "" : "--", o->name, a ? a : "", why);
}

static const struct opt *find(const char *name, size_t len)
{
	for (size_t i = 0; i < NOPTS; i++)
		if (strlen(opts[i].name) == len && strncmp(opts[i].name, name, len) == 0)
			return &opts[i];
	return NULL;
}

/* Splits a line into words: blanks separate, double quotes group (with \"
 * and \\ inside), '#' outside quotes starts a comment. Returns the number
 * of words (at most max), or -1 with *why. Words are written into line. */
static int words(char *line, char **w, int max, const char **why)
{
	int n = 0;
	char *p = line;

	for (;;) {
		p += strspn(p, " \t\r");
		if (*p == '\0' || *p == '#')
			return n;
		if (n == max) {
			*why = "too many values (put a value with spaces in double quotes)";
			return -1;
		}
		char *out = p;
		w[n++] = out;
		bool quoted = false;
		for (;;) {
			char ch = *p;
			if (ch == '\0' || (!quoted && (ch == ' ' || ch == '\t' || ch == '\r'))) {
				if (quoted) {
					*why = "unterminated double quote";
					return -1;
				}
				break;
			}
			p++;
			if (ch == '"') {
				quoted = !quoted;
				continue;
			}
			if (quoted && ch == '\\' && (*p == '"' || *p == '\\'))
				ch = *p++;
			if ((unsigned char)ch < 0x20 && ch != '\t') {
				*why = "control character";
				return -1;
			}
			*out++ = ch;
		}
		bool end = *p == '\0';
		*out = '\0'; /* may overwrite the blank at p: it is stepped over */
		if (end)
			return n;
		p++;
	}
}

/* Reads the --config file: "name value" per line. */
static void load_file(struct config *c, const char *path)
{
	FILE *f = fopen(path, "r");
	struct source src = {path, 0};
	char line[4096];

	if (f == NULL) {
		problem(c, NULL, "cannot read --config %s: %s", path, strerror(errno));
		return;
	}
	c->cur = NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		src.line++;
		size_t len = strlen(line);
		if (len == sizeof(line) - 1 && line[len - 1] != '\n') {
			problem(c, &src, "line too long");
			int ch;
			while ((ch = fgetc(f)) != EOF && ch != '\n')
				;
			continue;
		}
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		char *w[CONFIG_MAX_INDEX + 1];
		const char *why;
		int n = words(line, w, CONFIG_MAX_INDEX + 1, &why);
		if (n < 0) {
			problem(c, &src, "%s", why);
			continue;
		}
		if (n == 0)
			continue;
		const struct opt *o = find(w[0], strlen(w[0]));
		if (o == NULL || o->scope == CLI_ONLY) {
			problem(c, &src, o ? "'%s' is for the command line" : "unknown option '%s'", w[0]);
			continue;
		}
		bool many = strcmp(o->name, "index") == 0;
		if (o->arg == NULL ? n != 1 : many ? n < 2 : n != 2) {
			problem(c, &src, o->arg == NULL ? "%s takes no value"
					 : n < 2	? "%s needs a value"
							: "%s takes one value (put it in double quotes)",
				o->name);
			continue;
		}
		if (o->arg == NULL)
			apply(c, o, NULL, &src);
		for (int i = 1; i < n; i++) {
			const char *v = keep(c, w[i], strlen(w[i]));
			if (v == NULL) {
				problem(c, &src, "out of memory");
				break;
			}
			apply(c, o, v, &src);
		}
	}
	if (ferror(f))
		problem(c, NULL, "reading --config %s: %s", path, strerror(errno));
	fclose(f);
}

static void defaults(struct config *c)
{
	FILE *err = c->err;

	memset(c, 0, sizeof(*c));
	c->err = err ? err : stderr;
	c->cgi_prefix = "/cgi-bin/";
	c->cgi_runner = LIBEXECDIR "/h2cgi-cgi";
	c->access_log_format = "combined";
	c->procs = c->procs_max = 4;
	c->hint_cache = 1024;
	c->workers = 1;
	c->script_timeout = 60;
	c->max_body = 1024LL * 1024 * 1024;
	c->spool_max = 4LL * 1024 * 1024 * 1024;
	c->response_spool = 1024LL * 1024 * 1024;
	c->stream_buffer = 64 * 1024;
	c->max_header_block = 64 * 1024;
	c->max_header_list = 64 * 1024;
	/* for speed: a window large enough to keep uploads streaming over a
	 * fast link without waiting for WINDOW_UPDATE */
	c->window = 1024 * 1024;
	c->conn_window = 4 * 1024 * 1024;
	/* RFC 9113 §4.2's initial value: clients may send frames of that size
	 * before they see our SETTINGS, so a larger default only surprises */
	c->max_frame = 16384;
	c->max_streams = 100;
	c->queue_max = 1024;
	c->queue_timeout = 30;
	c->connect_timeout = 5;
	c->backend_timeout = 120;
	c->keepalive = 32;
	c->proc_idle = 60;
	c->grace = 10;
	c->idle_timeout = 60;
	c->header_timeout = 10;
	c->send_timeout = 60;
	c->body_min_rate = 500;
	c->tls_priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:"
			  "+AES-256-GCM:+CHACHA20-POLY1305:-RSA:-DHE-RSA";
}

/* Without --route: a CGI route at --cgi-prefix and an application at "/",
 * as before routes existed. */
static int legacy_routes(struct config *c, const char **why)
{
	struct config_route *r;

	c->legacy = true;
	if (c->legacy_cgi.kind == BACKEND_CGI) {
		if ((r = route_new(c, why)) == NULL)
			return -1;
		*r = c->legacy_cgi;
		r->pattern = c->cgi_prefix;
	}
	if (c->legacy_app.kind != BACKEND_NONE) {
		if ((r = route_new(c, why)) == NULL)
			return -1;
		*r = c->legacy_app;
		r->pattern = "/";
	}
	return 0;
}

/* An interpreter run on every file under a docroot executes uploads and
 * text files as code (php-cgi does): it needs an extension route. */
static bool interpreter(const char *cmd)
{
	static const char *const names[] = {"php", "perl", "python", "ruby", "node"};
	const char *w = cmd + strspn(cmd, " \t");
	size_t n = strcspn(w, " \t");
	const char *base = w;

	for (const char *p = w; p < w + n; p++)
		if (*p == '/')
			base = p + 1;
	n -= (size_t)(base - w);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		size_t l = strlen(names[i]);
		if (n >= l && strncmp(base, names[i], l) == 0 &&
		    (n == l || base[l] == '-' || (base[l] >= '0' && base[l] <= '9')))
			return true;
	}
	return false;
}

/* --max-conns given where no --fastcgi server takes it: a route's or,
 * without --route, the command line's */
#define MAX_CONNS_FASTCGI_ONLY "--max-conns is for --fastcgi servers (--procs sizes a pool h2cgi starts)"

static void check_routes(struct config *c)
{
	for (size_t i = 0; i < c->nroutes; i++) {
		struct config_route *r = &c->routes[i];
		struct source src = {r->file, r->line};
		struct route_rule rule;
		const char *why;
		if (route_rule_parse(&rule, r->pattern, &why) < 0) {
			problem(c, &src, "route %s: %s", r->pattern, why);
			continue;
		}
		for (size_t j = 0; j < i; j++) {
			struct route_rule other;
			if (route_rule_parse(&other, c->routes[j].pattern, &why) < 0)
				continue;
			if (strcmp(other.prefix, rule.prefix) == 0 &&
			    (other.ext == NULL) == (rule.ext == NULL) &&
			    (other.ext == NULL || strcmp(other.ext, rule.ext) == 0))
				problem(c, &src, "route %s: the same as route %s", r->pattern,
					c->routes[j].pattern);
			route_rule_free(&other);
		}
		if (r->kind == BACKEND_NONE)
			problem(c, &src, "route %s has no backend: give --cgi-dir, --spawn, --fastcgi "
					 "or --static", r->pattern);
		if (rule.ext && r->kind != BACKEND_CGI && r->kind != BACKEND_STATIC && r->docroot == NULL)
			problem(c, &src, "route %s needs --docroot: h2cgi runs only files that exist "
					 "there", r->pattern);
		if (r->kind == BACKEND_SPAWN && !rule.ext && r->docroot && interpreter(r->backend))
			problem(c, &src, "route %s: '%s' would run every file under --docroot %s as a "
					 "script (uploads, text files): give it an extension route such as "
					 "--route '*.php'", r->pattern, r->backend, r->docroot);
		if (r->max_conns && r->kind != BACKEND_FASTCGI && r->kind != BACKEND_NONE)
			problem(c, &src, "route %s: %s", r->pattern, MAX_CONNS_FASTCGI_ONLY);
		if (r->kind == BACKEND_STATIC && rule.ext)
			problem(c, &src, "route %s: --static takes a prefix route", r->pattern);
		if ((r->nindex || r->fallback) && r->kind != BACKEND_STATIC && r->kind != BACKEND_CGI &&
		    r->docroot == NULL)
			problem(c, &src, "route %s: --index and --fallback look for files: give --docroot",
				r->pattern);
		route_rule_free(&rule);
	}
}

int config_parse(struct config *c, int argc, char **argv)
{
	const char *file = NULL;
	bool want_help = false, want_version = false;
	struct source cli = {NULL, 0};

	defaults(c);
	/* first the file (wherever --config stands), then the command line */
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			break;
		if (strcmp(argv[i], "--config") == 0 && i + 1 < argc)
			file = argv[++i];
		else if (strncmp(argv[i], "--config=", 9) == 0)
			file = argv[i] + 9;
	}
	if (file) {
		c->config_file = file;
		load_file(c, file);
	}
	c->cur = NULL;
	c->from_cli = true;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const struct opt *o = NULL;
		if (a[0] == '-' && a[1] == '-' && a[2] != '\0') {
			size_t n = strcspn(a + 2, "=");
			o = find(a + 2, n);
			if (a[2 + n] == '=')
				val = a + 3 + n;
		} else if (a[0] == '-' && a[1] != '\0' && a[1] != '-' && a[2] == '\0') {
			for (size_t k = 0; k < NOPTS; k++)
				if (opts[k].shortname == a[1])
					o = &opts[k];
		} else {
			problem(c, NULL, "unexpected argument '%s'", a);
			continue;
		}
		if (o == NULL) {
			problem(c, NULL, "unknown option '%s'", a);
			continue;
		}
		if (o->arg && val == NULL) {
			if (i + 1 == argc) {
				problem(c, NULL, "--%s needs a value (%s)", o->name, o->arg);
				continue;
			}
			val = argv[++i];
		} else if (!o->arg && val) {
			problem(c, NULL, "--%s takes no value", o->name);
			continue;
		}
		if (o->scope == CLI_ONLY) {
			if (strcmp(o->name, "check") == 0)
				c->check = true;
			else if (strcmp(o->name, "help") == 0)
				want_help = true;
			else if (strcmp(o->name, "version") == 0)
				want_version = true;
			continue;
		}
		apply(c, o, val, &cli);
		/* --index NAME...: the words up to the next option */
		while (o->set == set_index && i + 1 < argc && argv[i + 1][0] != '-')
			apply(c, o, argv[++i], &cli);
	}
	if (want_help) {
		help();
		return -1;
	}
	if (want_version) {
		c->version = true; /* main prints it, with the libraries' versions */
		return -1;
	}
	/* go on after a problem: --check lists them all */
	if (c->nroutes == 0 && c->legacy_app.max_conns && c->legacy_app.kind == BACKEND_NONE)
		problem(c, NULL, "%s", MAX_CONNS_FASTCGI_ONLY);
	if (c->nroutes == 0) {
		const char *why;
		if (legacy_routes(c, &why) < 0)
			problem(c, NULL, "%s", why);
	} else if (c->legacy_cgi.kind || c->legacy_app.kind)
		problem(c, NULL, "with --route, every backend belongs to a route: put --%s after one",
			config_kind_name(c->legacy_cgi.kind ? c->legacy_cgi.kind : c->legacy_app.kind));
	bool elastic = c->procs_max > c->procs || c->max_requests > 0;
	for (size_t i = 0; i < c->nroutes; i++)
		elastic |= c->routes[i].procs_max > c->routes[i].procs;
	if (elastic && c->workers > 1)
		problem(c, NULL, "--procs MIN:MAX and --max-requests need one process (no --workers): "
				 "a worker cannot tell which backend process took its connection");
	if (c->status_path && c->status_path[0] != '/')
		problem(c, NULL, "--status-path %s: a path starts with /", c->status_path);
	if (c->nroutes == 0 && c->errors == 0)
		problem(c, NULL, "nothing to serve: give --route, --cgi-dir, --spawn, --fastcgi or --static");
	check_routes(c);
	if (c->group && !c->user)
		problem(c, NULL, "--group needs --user");
	if (c->cleartext && c->cert)
		problem(c, NULL, "--cleartext serves without TLS: no --cert/--key");
	if ((c->cert == NULL) != (c->key == NULL))
		problem(c, NULL, "--cert and --key go together");
	if (c->inetd && c->workers > 1)
		problem(c, NULL, "--inetd serves one connection: no --workers");
	if (c->inetd && c->listen_given)
		problem(c, NULL, "--inetd serves the connection on fd 0: no --listen");
	if (c->syslog && c->error_log)
		problem(c, NULL, "--syslog and --error-log: the error log goes to one of them");
	if (c->errors)
		return 64;
	if (c->nlisten == 0 && !c->inetd)
		c->listen[c->nlisten++] = "[::]:8443";
	return 0;
}

void config_free(struct config *c)
{
	free(c->routes);
	c->routes = NULL;
	c->nroutes = c->routes_cap = 0;
	for (size_t i = 0; i < c->nstrings; i++)
		free(c->strings[i]);
	free(c->strings);
	c->strings = NULL;
	c->nstrings = c->strings_cap = 0;
}

void config_print(const struct config *c, FILE *out)
{
	struct route_rule rules[CONFIG_MAX_ROUTES];
	size_t order[CONFIG_MAX_ROUTES];
	const char *why;

	fprintf(out, "# h2cgi %s: the configuration%s%s, as understood\n", PACKAGE_VERSION,
		c->config_file ? " of " : "", c->config_file ? c->config_file : "");
	if (c->inetd)
		fprintf(out, "inetd\n");
	for (size_t i = 0; i < c->nlisten; i++)
		fprintf(out, "listen %s\n", c->listen[i]);
	fprintf(out, "# %s; %d worker%s\n", c->cleartext ? "cleartext (h2c, HTTP/1.1)"
				       : c->cert ? "TLS"
						 : "TLS with a self-signed certificate",
		c->workers, c->workers == 1 ? "" : "s");
	for (size_t i = 0; i < c->nroutes; i++)
		if (route_rule_parse(&rules[i], c->routes[i].pattern, &why) < 0)
			return;
	route_order(rules, c->nroutes, order);
	fprintf(out, "# routes, in the order they are tried:\n");
	for (size_t k = 0; k < c->nroutes; k++) {
		const struct config_route *r = &c->routes[order[k]];
		fprintf(out, "route %s\n", r->pattern);
		for (size_t j = 0; j < (r->naddrs ? r->naddrs : 1); j++)
			fprintf(out, "    %s \"%s\"\n", config_kind_name(r->kind),
				r->naddrs ? r->addrs[j] : r->backend);
		if (r->kind == BACKEND_SPAWN || r->kind == BACKEND_CGI) {
			int lo = r->procs ? r->procs : c->procs, hi = r->procs ? r->procs_max : c->procs_max;
			if (hi > lo)
				fprintf(out, "    procs %d:%d\n", lo, hi);
			else
				fprintf(out, "    procs %d\n", lo);
		}
		if (r->max_conns)
			fprintf(out, "    max-conns %d\n", r->max_conns);
		if (r->docroot)
			fprintf(out, "    docroot \"%s\"\n", r->docroot);
		for (size_t j = 0; j < r->nindex; j++)
			fprintf(out, "    index \"%s\"\n", r->index[j]);
		if (r->kind == BACKEND_STATIC && r->nindex == 0)
			fprintf(out, "    index index.html\n");
		if (r->fallback)
			fprintf(out, "    fallback \"%s\"\n", r->fallback);
		for (size_t j = 0; j < r->nenv; j++)
			fprintf(out, "    env \"%s\"\n", r->env[j]);
		for (size_t j = 0; j < r->npass; j++)
			fprintf(out, "    pass-env %s\n", r->pass_env[j]);
		for (size_t j = 0; j < r->nhints; j++)
			fprintf(out, "    early-hint \"%s\"\n", r->hints[j]);
		if (r->learn_hints)
			fprintf(out, r->learn_private ? "    learn-private-hints\n" : "    learn-early-hints\n");
	}
	for (size_t i = 0; i < c->nroutes; i++)
		route_rule_free(&rules[i]);
}
