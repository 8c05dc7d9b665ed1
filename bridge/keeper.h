/* keeper.h - privilege separation for --user. A small parent keeps root:
 * it never reads a client's byte, only signals. On SIGHUP it reads the
 * certificate and key, on SIGUSR1 it opens the log files, and hands them
 * to the serving process over a socketpair (which passes them on to its
 * workers); SIGTERM and SIGINT it forwards, and it exits with the serving
 * process's status. Without it, a process that dropped privileges could
 * reload neither a root-only key nor a root-owned log. */
#ifndef H2CGI_KEEPER_H
#define H2CGI_KEEPER_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* What the keeper reads and opens (NULL: not configured). */
struct keeper_files {
	const char *cert, *key;
	const char *error_log, *access_log;
};

/* One message on a control channel: a reload (KEEPER_RELOAD: the PEM
 * bytes, or none without --cert, or the error that stopped reading them)
 * or new log files (KEEPER_LOGS: fds, -1 where none, and errors). */
enum keeper_kind { KEEPER_RELOAD = 'R', KEEPER_LOGS = 'L' };

struct keeper_msg {
	uint8_t *buf;           /* the raw message, as received (and forwarded) */
	size_t len;
	int fds[2];             /* KEEPER_LOGS: error log, access log; -1: none */
	/* parsed */
	enum keeper_kind kind;
	const char *cert_pem, *key_pem; /* KEEPER_RELOAD; NULL without --cert */
	size_t cert_len, key_len;
	const char *err;        /* "" or why something could not be read or opened */
};

/* Creates a control channel; returns 0 with both ends in sv, or -1. */
int keeper_channel(int sv[2]);

/* Forks. In the child returns 0, *chan its end of the channel (the
 * serving process goes on, and drops privileges). In the parent returns
 * the child's PID: the caller closes what a keeper must not hold and calls
 * keeper_run(). -1 with errno when fork or the channel failed. */
pid_t keeper_fork(int *chan);

/* The keeper's life: the signals of mask (SIGCHLD, SIGTERM, SIGINT, SIGHUP,
 * SIGUSR1; blocked already, taken with sigwaitinfo) until the child exits;
 * returns the exit status to exit with. */
int keeper_run(pid_t child, int chan, const struct keeper_files *f, const sigset_t *mask);

/* Sends m as it was received, fds included; returns 0 or -1. */
int keeper_send(int chan, const struct keeper_msg *m);

/* Receives one message (chan is non-blocking): 1 with *m filled, 0 when
 * none is waiting, -1 when the channel is closed or a message is malformed.
 * keeper_msg_free() it after use. */
int keeper_recv(int chan, struct keeper_msg *m);

/* Frees m and closes the fds still in it (set one to -1 to keep it). */
void keeper_msg_free(struct keeper_msg *m);

#endif
