/* log.h - error log (stderr or a file) and access log. */
#ifndef H2CGI_LOG_H
#define H2CGI_LOG_H

#include <stdarg.h>
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

/* Sends the error log to syslog (facility daemon), for --inetd, where
 * stderr may be the client's socket. */
void log_to_syslog(void);

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

/* Appends one line to the access log, if one is open. */
void log_access(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
