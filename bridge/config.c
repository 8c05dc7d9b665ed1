/* config.c - command-line parsing. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef LIBEXECDIR
#define LIBEXECDIR "/usr/local/libexec"
#endif

enum {
	O_CERT = 256, O_KEY, O_CGI_DIR, O_CGI_PREFIX, O_CGI_RUNNER, O_SPAWN, O_PROCS, O_FASTCGI,
	O_DOCROOT, O_ACCESS_LOG, O_SCRIPT_TIMEOUT, O_MAX_BODY, O_STREAM_BUFFER, O_QUEUE,
	O_QUEUE_TIMEOUT, O_TLS_PRIORITY, O_MAX_STREAMS, O_MAX_HEADER, O_GRACE, O_IDLE_TIMEOUT,
	O_HEADER_TIMEOUT, O_ERROR_LOG, O_INETD, O_WINDOW, O_CONN_WINDOW, O_MAX_FRAME,
	O_MAX_HEADER_LIST, O_USER, O_GROUP, O_ALLOW_ROOT, O_CLEARTEXT, O_ALT_SVC, O_WORKERS,
	O_SEND_TIMEOUT,
};

static const struct option longopts[] = {
	{"listen", required_argument, NULL, 'l'},
	{"cert", required_argument, NULL, O_CERT},
	{"key", required_argument, NULL, O_KEY},
	{"tls-priority", required_argument, NULL, O_TLS_PRIORITY},
	{"cgi-dir", required_argument, NULL, O_CGI_DIR},
	{"cgi-prefix", required_argument, NULL, O_CGI_PREFIX},
	{"cgi-runner", required_argument, NULL, O_CGI_RUNNER},
	{"spawn", required_argument, NULL, O_SPAWN},
	{"procs", required_argument, NULL, O_PROCS},
	{"fastcgi", required_argument, NULL, O_FASTCGI},
	{"docroot", required_argument, NULL, O_DOCROOT},
	{"access-log", required_argument, NULL, O_ACCESS_LOG},
	{"script-timeout", required_argument, NULL, O_SCRIPT_TIMEOUT},
	{"max-body", required_argument, NULL, O_MAX_BODY},
	{"stream-buffer", required_argument, NULL, O_STREAM_BUFFER},
	{"max-header-block", required_argument, NULL, O_MAX_HEADER},
	{"max-concurrent-streams", required_argument, NULL, O_MAX_STREAMS},
	{"initial-window-size", required_argument, NULL, O_WINDOW},
	{"connection-window-size", required_argument, NULL, O_CONN_WINDOW},
	{"max-frame-size", required_argument, NULL, O_MAX_FRAME},
	{"max-header-list-size", required_argument, NULL, O_MAX_HEADER_LIST},
	{"queue", required_argument, NULL, O_QUEUE},
	{"queue-timeout", required_argument, NULL, O_QUEUE_TIMEOUT},
	{"grace", required_argument, NULL, O_GRACE},
	{"idle-timeout", required_argument, NULL, O_IDLE_TIMEOUT},
	{"header-timeout", required_argument, NULL, O_HEADER_TIMEOUT},
	{"send-timeout", required_argument, NULL, O_SEND_TIMEOUT},
	{"error-log", required_argument, NULL, O_ERROR_LOG},
	{"inetd", no_argument, NULL, O_INETD},
	{"cleartext", no_argument, NULL, O_CLEARTEXT},
	{"alt-svc", required_argument, NULL, O_ALT_SVC},
	{"workers", required_argument, NULL, O_WORKERS},
	{"user", required_argument, NULL, O_USER},
	{"group", required_argument, NULL, O_GROUP},
	{"allow-root-backends", no_argument, NULL, O_ALLOW_ROOT},
	{"verbose", no_argument, NULL, 'v'},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, 'V'},
	{NULL, 0, NULL, 0},
};

void config_usage(void)
{
	fputs("usage: h2cgi [--listen ADDR:PORT]... | --inetd] [--cleartext | --cert FILE --key FILE]\n"
	      "             [--cgi-dir DIR [--cgi-prefix /cgi-bin/]]\n"
	      "             [--spawn 'CMD ARGS' | --fastcgi unix:PATH|HOST:PORT] [--procs N]\n"
	      "             [--docroot DIR] [--access-log FILE|-] [--script-timeout SEC]\n"
	      "             [--max-body BYTES] [--stream-buffer BYTES] [--max-header-block BYTES]\n"
	      "             [--max-concurrent-streams N] [--initial-window-size BYTES]\n"
	      "             [--connection-window-size BYTES] [--max-frame-size BYTES]\n"
	      "             [--max-header-list-size BYTES] [--queue N] [--queue-timeout SEC]\n"
	      "             [--grace SEC] [--idle-timeout SEC] [--header-timeout SEC]\n"
	      "             [--send-timeout SEC]\n"
	      "             [--error-log FILE] [--tls-priority STRING] [--cgi-runner PATH]\n"
	      "             [--user USER [--group GROUP]] [--allow-root-backends]\n"
	      "             [--alt-svc VALUE] [--workers N]\n"
	      "             [--verbose] [--help] [--version]\n"
	      "See h2cgi(8).\n",
	      stderr);
}

/* Parses a size with an optional k/m/g suffix (powers of 1024). */
static int parse_size(const char *s, long long min, long long max, long long *out)
{
	char *end;
	errno = 0;
	long long v = strtoll(s, &end, 10);
	if (errno || end == s || v < 0)
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

static int bad(const char *opt, const char *arg, const char *why)
{
	fprintf(stderr, "h2cgi: invalid %s '%s': %s\n", opt, arg, why);
	config_usage();
	return 64;
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

int config_parse(struct config *c, int argc, char **argv)
{
	const char *why;
	long long v;
	int ch;

	memset(c, 0, sizeof(*c));
	c->cgi_prefix = "/cgi-bin/";
	c->cgi_runner = LIBEXECDIR "/h2cgi-cgi";
	c->procs = 4;
	c->workers = 1;
	c->script_timeout = 60;
	c->max_body = 1024LL * 1024 * 1024;
	c->stream_buffer = 64 * 1024;
	c->max_header_block = 64 * 1024;
	c->max_header_list = 64 * 1024;
	/* for speed: a window large enough to keep uploads streaming over a
	 * fast link without waiting for WINDOW_UPDATE */
	c->window = 256 * 1024;
	c->conn_window = 4 * 1024 * 1024;
	/* RFC 9113 §4.2's initial value: clients may send frames of that size
	 * before they see our SETTINGS, so a larger default only surprises */
	c->max_frame = 16384;
	c->max_streams = 100;
	c->queue_max = 1024;
	c->queue_timeout = 30;
	c->grace = 10;
	c->idle_timeout = 60;
	c->header_timeout = 10;
	c->send_timeout = 60;
	c->tls_priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-GCM:"
			  "+AES-256-GCM:+CHACHA20-POLY1305:-RSA:-DHE-RSA";

	optind = 1;
	while ((ch = getopt_long(argc, argv, "l:vhV", longopts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			if (c->nlisten == CONFIG_MAX_LISTEN)
				return bad("--listen", optarg, "too many listeners");
			if (config_check_port(optarg, 0, &why) < 0)
				return bad("--listen", optarg, why);
			c->listen[c->nlisten++] = optarg;
			c->listen_given = true;
			break;
		case O_INETD: c->inetd = true; break;
		case O_CLEARTEXT: c->cleartext = true; break;
		case O_WORKERS:
			if (parse_size(optarg, 1, 64, &v))
				return bad("--workers", optarg, "expected 1..64");
			c->workers = (int)v;
			break;
		case O_ALT_SVC:
			for (const char *p = optarg; *p; p++)
				if ((unsigned char)*p < 0x20 || *p == 0x7f)
					return bad("--alt-svc", optarg, "control character");
			c->alt_svc = optarg;
			break;
		case O_USER: c->user = optarg; break;
		case O_GROUP: c->group = optarg; break;
		case O_ALLOW_ROOT: c->allow_root_backends = true; break;
		case O_CERT: c->cert = optarg; break;
		case O_KEY: c->key = optarg; break;
		case O_TLS_PRIORITY: c->tls_priority = optarg; break;
		case O_CGI_DIR: c->cgi_dir = optarg; break;
		case O_CGI_PREFIX:
			if (optarg[0] != '/' || optarg[strlen(optarg) - 1] != '/')
				return bad("--cgi-prefix", optarg, "must start and end with '/'");
			c->cgi_prefix = optarg;
			break;
		case O_CGI_RUNNER: c->cgi_runner = optarg; break;
		case O_SPAWN: c->spawn = optarg; break;
		case O_FASTCGI:
			if (strncmp(optarg, "unix:", 5) != 0 && config_check_port(optarg, 1, &why) < 0)
				return bad("--fastcgi", optarg, why);
			c->fastcgi = optarg;
			break;
		case O_DOCROOT: c->docroot = optarg; break;
		case O_ACCESS_LOG: c->access_log = optarg; break;
		case O_PROCS:
			if (parse_size(optarg, 1, 1024, &v))
				return bad("--procs", optarg, "expected 1..1024");
			c->procs = (int)v;
			break;
		case O_SCRIPT_TIMEOUT:
			if (parse_size(optarg, 1, 86400, &v))
				return bad("--script-timeout", optarg, "expected 1..86400 seconds");
			c->script_timeout = (int)v;
			break;
		case O_MAX_BODY:
			if (parse_size(optarg, 0, LLONG_MAX / 2, &v))
				return bad("--max-body", optarg, "expected a size such as 10m");
			c->max_body = v;
			break;
		case O_STREAM_BUFFER:
			if (parse_size(optarg, 16384, 16 * 1024 * 1024, &v))
				return bad("--stream-buffer", optarg, "expected 16k..16m");
			c->stream_buffer = (size_t)v;
			break;
		case O_MAX_HEADER:
			if (parse_size(optarg, 1024, 1024 * 1024, &v))
				return bad("--max-header-block", optarg, "expected 1k..1m");
			c->max_header_block = (size_t)v;
			break;
		case O_MAX_STREAMS:
			if (parse_size(optarg, 1, 10000, &v))
				return bad("--max-concurrent-streams", optarg, "expected 1..10000");
			c->max_streams = (int)v;
			break;
		case O_WINDOW:
			/* RFC 9113 §6.9.2: at most 2^31-1 */
			if (parse_size(optarg, 1024, 1LL << 30, &v))
				return bad("--initial-window-size", optarg, "expected 1k..1g");
			c->window = (size_t)v;
			break;
		case O_CONN_WINDOW:
			if (parse_size(optarg, 65535, 1LL << 30, &v))
				return bad("--connection-window-size", optarg, "expected 65535..1g");
			c->conn_window = (size_t)v;
			break;
		case O_MAX_FRAME:
			/* RFC 9113 §6.5.2: 2^14..2^24-1 */
			if (parse_size(optarg, 16384, 16777215, &v))
				return bad("--max-frame-size", optarg, "expected 16384..16777215");
			c->max_frame = (size_t)v;
			break;
		case O_MAX_HEADER_LIST:
			if (parse_size(optarg, 1024, 16 * 1024 * 1024, &v))
				return bad("--max-header-list-size", optarg, "expected 1k..16m");
			c->max_header_list = (size_t)v;
			break;
		case O_QUEUE:
			if (parse_size(optarg, 0, 1000000, &v))
				return bad("--queue", optarg, "expected 0..1000000");
			c->queue_max = (int)v;
			break;
		case O_QUEUE_TIMEOUT:
			if (parse_size(optarg, 1, 3600, &v))
				return bad("--queue-timeout", optarg, "expected 1..3600 seconds");
			c->queue_timeout = (int)v;
			break;
		case O_GRACE:
			if (parse_size(optarg, 0, 86400, &v))
				return bad("--grace", optarg, "expected 0..86400 seconds");
			c->grace = (int)v;
			break;
		case O_IDLE_TIMEOUT:
			if (parse_size(optarg, 1, 86400, &v))
				return bad("--idle-timeout", optarg, "expected 1..86400 seconds");
			c->idle_timeout = (int)v;
			break;
		case O_HEADER_TIMEOUT:
			if (parse_size(optarg, 1, 3600, &v))
				return bad("--header-timeout", optarg, "expected 1..3600 seconds");
			c->header_timeout = (int)v;
			break;
		case O_SEND_TIMEOUT:
			if (parse_size(optarg, 1, 86400, &v))
				return bad("--send-timeout", optarg, "expected 1..86400 seconds");
			c->send_timeout = (int)v;
			break;
		case O_ERROR_LOG: c->error_log = optarg; break;
		case 'v': c->verbose = true; break;
		case 'h':
			config_usage();
			return -1;
		case 'V':
			printf("h2cgi %s\n", PACKAGE_VERSION);
			return -1;
		default:
			config_usage();
			return 64;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "h2cgi: unexpected argument '%s'\n", argv[optind]);
		config_usage();
		return 64;
	}
	if (c->spawn && c->fastcgi) {
		fprintf(stderr, "h2cgi: --spawn and --fastcgi exclude each other\n");
		config_usage();
		return 64;
	}
	if (!c->spawn && !c->fastcgi && !c->cgi_dir) {
		fprintf(stderr, "h2cgi: nothing to serve: give --cgi-dir, --spawn or --fastcgi\n");
		config_usage();
		return 64;
	}
	if (c->group && !c->user) {
		fprintf(stderr, "h2cgi: --group needs --user\n");
		config_usage();
		return 64;
	}
	if (c->cleartext && c->cert) {
		fprintf(stderr, "h2cgi: --cleartext serves without TLS: no --cert/--key\n");
		config_usage();
		return 64;
	}
	if ((c->cert == NULL) != (c->key == NULL)) {
		fprintf(stderr, "h2cgi: --cert and --key go together\n");
		config_usage();
		return 64;
	}
	if (c->inetd && c->workers > 1) {
		fprintf(stderr, "h2cgi: --inetd serves one connection: no --workers\n");
		config_usage();
		return 64;
	}
	if (c->inetd && c->listen_given) {
		fprintf(stderr, "h2cgi: --inetd serves the connection on fd 0: no --listen\n");
		config_usage();
		return 64;
	}
	if (c->nlisten == 0 && !c->inetd)
		c->listen[c->nlisten++] = "[::]:8443";
	return 0;
}
