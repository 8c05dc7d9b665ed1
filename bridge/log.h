/* log.h - error log (stderr or a file) and access log. */
#ifndef H2CGI_LOG_H
#define H2CGI_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <syslog.h>

/* Sets the name logged with every line. */
void log_init(const char *progname);

/* Writes one line to the error log at a syslog level (LOG_ERR...). */
void log_msg(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_err(...) log_msg(LOG_ERR, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)

/* Logs and exits with status code; for start-up errors only. */
void fatal(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* Opens the access log ("-" is stderr); returns 0 or -1 with errno. */
int log_access_open(const char *path);

/* Sends the error log to syslog (facility daemon): --syslog, and --inetd,
 * where stderr may be the client's socket. */
void log_to_syslog(void);

enum { LOG_STAMPS_AUTO, LOG_STAMPS_ON, LOG_STAMPS_OFF };

/* --log-timestamps: whether error log lines begin with the local time in
 * ISO 8601 with its UTC offset. AUTO: when the error log is a file or a
 * terminal, not a pipe or socket (a supervisor or the journal stamps lines
 * itself); decided again whenever the log is reopened. */
void log_timestamps(int mode);

/* Sends the error log to path (as our fd 2, so backends share it); returns 0
 * or -1 with errno. */
int log_error_open(const char *path);

/* Opens a log file for appending (created 0644); returns the fd or -1. */
int log_open_file(const char *path);

/* Makes fd (from log_open_file, perhaps in another process) the error log,
 * as fd 2; closes fd. Returns 0 or -1. */
int log_error_use(int fd);

/* Makes fd the access log (it takes fd over). */
void log_access_use(int fd);

/* Reopens the log files after a rotation (SIGUSR1); returns 0, or -1 when a
 * file could not be reopened (the old one is kept). */
int log_reopen(void);

/* A line of someone else's output being gathered for the error log. */
struct log_lines {
	char line[512];
	size_t len;
};

/* Gathers data into lines and logs each at LOG_WARNING as "WHO: line"
 * (long lines split, CR dropped, control bytes as '?', so that nobody
 * forges log lines); flush logs a last line without its newline. */
void log_lines_feed(struct log_lines *l, const char *who, const uint8_t *data, size_t len,
		    bool flush);

/* Whether an access log is open (a line not written costs nothing to build). */
bool log_access_on(void);

/* Appends one line to the access log, if one is open. */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
