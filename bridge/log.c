/* log.c - logging. Lines are written whole with one write(2) so that
 * processes sharing stderr do not interleave within a line. */
#include "log.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *prog = "h2cgi";
static int access_fd = -1;
static const char *access_path, *error_path;
static bool use_syslog;
static int stamps_mode = LOG_STAMPS_AUTO;
static bool stamps;

/* The auto rule of --log-timestamps, for fd 2 as it is now. */
static void decide_stamps(void)
{
	struct stat st;

	if (stamps_mode != LOG_STAMPS_AUTO)
		stamps = stamps_mode == LOG_STAMPS_ON;
	else
		stamps = fstat(STDERR_FILENO, &st) == 0 &&
			 (S_ISREG(st.st_mode) || S_ISCHR(st.st_mode));
}

void log_timestamps(int mode)
{
	stamps_mode = mode;
	decide_stamps();
}

/* "2026-12-07T03:25:01.123+01:00 ": local time, ISO 8601, its offset */
static int stamp(char *out, size_t len)
{
	struct timespec ts;
	struct tm tm;
	char date[32], zone[8];

	clock_gettime(CLOCK_REALTIME, &ts);
	if (localtime_r(&ts.tv_sec, &tm) == NULL ||
	    strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0 ||
	    strftime(zone, sizeof(zone), "%z", &tm) != 5)
		return 0;
	return snprintf(out, len, "%s.%03ld%.3s:%s ", date, ts.tv_nsec / 1000000, zone, zone + 3);
}

void log_init(const char *progname)
{
	prog = progname;
	decide_stamps();
}

static const char *level_name(int level)
{
	switch (level) {
	case LOG_ERR:
		return "error";
	case LOG_WARNING:
		return "warning";
	default:
		return "info";
	}
}

void log_to_syslog(void)
{
	openlog(prog, LOG_PID | LOG_NDELAY, LOG_DAEMON);
	use_syslog = true;
}

static void vlog(int level, const char *fmt, va_list ap)
{
	char line[2048];

	if (use_syslog) {
		vsyslog(level, fmt, ap);
		return;
	}
	int n = stamps ? stamp(line, 64) : 0;
	n += snprintf(line + n, sizeof(line) - (size_t)n, "%s[%d]: %s: ", prog, (int)getpid(),
		      level_name(level));
	int m = vsnprintf(line + n, sizeof(line) - (size_t)n - 1, fmt, ap);
	if (m < 0)
		return;
	size_t len = (size_t)n + (size_t)m;
	if (len > sizeof(line) - 2)
		len = sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(STDERR_FILENO, line, len);
	(void)w;
}

static void log_line(struct log_lines *l, const char *who)
{
	log_warn("%s: %.*s", who, (int)l->len, l->line);
	l->len = 0;
}

void log_lines_feed(struct log_lines *l, const char *who, const uint8_t *data, size_t len,
		    bool flush)
{
	for (size_t i = 0; i < len; i++) {
		if (data[i] == '\n') {
			log_line(l, who);
			continue;
		}
		if (l->len == sizeof(l->line))
			log_line(l, who);
		bool ctl = (data[i] < 0x20 && data[i] != '\t') || data[i] == 0x7f;
		if (data[i] != '\r')
			l->line[l->len++] = ctl ? '?' : (char)data[i];
	}
	if (flush && l->len)
		log_line(l, who);
}

void log_msg(int level, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(level, fmt, ap);
	va_end(ap);
}

void fatal(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vlog(LOG_ERR, fmt, ap);
	va_end(ap);
	exit(code);
}

int log_access_open(const char *path)
{
	if (strcmp(path, "-") == 0) {
		access_fd = STDERR_FILENO;
		return 0;
	}
	int fd = log_open_file(path);
	if (fd < 0)
		return -1;
	log_access_use(fd);
	access_path = path;
	return 0;
}

int log_open_file(const char *path)
{
	return open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
}

int log_error_use(int fd)
{
	int rc = dup2(fd, STDERR_FILENO) < 0 ? -1 : 0;

	close(fd);
	decide_stamps();
	return rc;
}

void log_access_use(int fd)
{
	if (access_fd > STDERR_FILENO)
		close(access_fd);
	access_fd = fd;
}

int log_error_open(const char *path)
{
	int fd = log_open_file(path);

	if (fd < 0 || log_error_use(fd) < 0)
		return -1;
	error_path = path;
	use_syslog = false;
	return 0;
}

int log_reopen(void)
{
	int rc = 0;

	if (error_path && log_error_open(error_path) < 0) {
		log_err("cannot reopen error log %s: %s", error_path, strerror(errno));
		rc = -1;
	}
	if (access_path && log_access_open(access_path) < 0) {
		log_err("cannot reopen access log %s: %s", access_path, strerror(errno));
		rc = -1;
	}
	return rc;
}

bool log_access_on(void)
{
	return access_fd >= 0;
}

void log_access(const char *fmt, ...)
{
	char line[4096];
	va_list ap;

	if (access_fd < 0)
		return;
	va_start(ap, fmt);
	int n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	size_t len = (size_t)n < sizeof(line) - 2 ? (size_t)n : sizeof(line) - 2;
	line[len++] = '\n';
	ssize_t w = write(access_fd, line, len);
	(void)w;
}
