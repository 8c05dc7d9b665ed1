/* main.c - h2cgi: start-up, listeners, signals, the pools. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "conn.h"
#include "listen.h"
#include "log.h"
#include "loop.h"
#include "pool.h"
#include "stream.h"
#include "tls.h"

struct listener {
	struct loop_io io;
	const char *spec;
	struct loop_timer pause; /* out of file descriptors: accept again later */
};

static struct config cfg;
#define MAX_LISTENERS 64
static struct listener listeners[MAX_LISTENERS];
static size_t nlisteners;
static struct pool cgi_pool, app_pool;
static bool have_cgi_pool, have_app_pool;
static char run_dir[64];
static struct loop_io sig_io;
static struct loop_timer sweep_timer, grace_timer;
static bool draining;
static int exit_code;

static void resume_accept(struct loop_timer *t)
{
	struct listener *l = (struct listener *)((char *)t - offsetof(struct listener, pause));
	loop_mod(&l->io, EPOLLIN);
}

static void on_accept(struct loop_io *io, uint32_t events)
{
	struct listener *l = (struct listener *)io;

	for (int i = 0; i < 64; i++) {
		int fd = accept4(io->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			conn_accept(fd, &cfg);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* the pending connection would wake us at once, forever: pause */
			log_err("accept on %s: %s; pausing for 500 ms (%lu connections open)", l->spec,
				strerror(errno), conn_count());
			loop_mod(io, 0);
			loop_timer_set(&l->pause, 500, resume_accept);
		} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			log_err("accept on %s: %s", l->spec, strerror(errno));
		}
		return;
	}
}

static void close_listeners(void)
{
	for (size_t i = 0; i < nlisteners; i++) {
		int fd = listeners[i].io.fd;
		loop_del(&listeners[i].io);
		loop_timer_cancel(&listeners[i].pause);
		if (fd >= 0)
			close(fd);
	}
}

static void grace_over(struct loop_timer *t)
{
	log_warn("--grace of %d s over: closing %lu connections", cfg.grace, conn_count());
	conn_close_all();
	loop_stop();
}

/* SIGTERM/SIGINT: refuse new connections, GOAWAY the open ones, let their
 * streams finish for up to --grace seconds; a second signal stops at once. */
static void begin_drain(int sig)
{
	if (draining) {
		log_warn("signal %d again: stopping now", sig);
		conn_close_all();
		loop_stop();
		return;
	}
	draining = true;
	log_info("signal %d: draining %lu connections for up to %d s", sig, conn_count(), cfg.grace);
	close_listeners();
	conn_shutdown_all();
	loop_timer_set(&grace_timer, (uint64_t)cfg.grace * 1000, grace_over);
}

static void reload(void)
{
	char err[1024];

	if (cfg.cert == NULL) {
		if (!cfg.cleartext)
			log_info("SIGHUP: no --cert/--key to reload");
		return;
	}
	if (tls_reload(cfg.cert, cfg.key, err, sizeof(err)) < 0)
		log_err("SIGHUP: %s; keeping the previous certificate", err);
	else
		log_info("SIGHUP: reloaded certificate %s and key %s", cfg.cert, cfg.key);
}

static void on_signal(struct loop_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGCHLD: {
			int status;
			pid_t pid;
			while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
				if (!(have_cgi_pool && pool_reap(&cgi_pool, pid, status)) && have_app_pool)
					pool_reap(&app_pool, pid, status);
			break;
		}
		case SIGHUP:
			reload();
			if (have_cgi_pool)
				pool_restart(&cgi_pool);
			if (have_app_pool)
				pool_restart(&app_pool);
			break;
		case SIGUSR1:
			if (log_reopen() == 0)
				log_info("SIGUSR1: log files reopened");
			break;
		default:
			begin_drain((int)si.ssi_signo);
			break;
		}
	}
}

static void sweep(struct loop_timer *t)
{
	conn_sweep((unsigned)cfg.header_timeout, (unsigned)cfg.idle_timeout);
	loop_timer_set(t, 1000, sweep);
}

static void before_sleep(void)
{
	conn_before_sleep();
	/* --inetd serves one connection: when it is gone, so are we */
	if ((draining || cfg.inetd) && conn_count() == 0)
		loop_stop();
}

static void add_listener(int fd, const char *spec)
{
	if (nlisteners == MAX_LISTENERS)
		fatal(1, "too many listening sockets (at most %d)", MAX_LISTENERS);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	listeners[nlisteners].spec = spec;
	if (loop_add(&listeners[nlisteners].io, fd, EPOLLIN, on_accept) < 0)
		fatal(1, "%s: cannot watch fd %d: %s", spec, fd, strerror(errno));
	nlisteners++;
}

static bool is_listening_socket(int fd)
{
	int on = 0;
	socklen_t l = sizeof(on);
	return getsockopt(fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &l) == 0 && on;
}

/* Listening sockets handed over by a supervisor: systemd's LISTEN_FDS
 * (sd_listen_fds(3): fds 3.. when LISTEN_PID is us), or inetd "wait" mode
 * (a listening socket on fd 0). Returns how many were taken. */
static size_t inherited_listeners(void)
{
	const char *pid = getenv("LISTEN_PID"), *fds = getenv("LISTEN_FDS");
	size_t n = 0;

	if (pid && fds && (pid_t)atol(pid) == getpid()) {
		long k = atol(fds);
		for (long i = 0; i < k; i++) {
			if (!is_listening_socket(3 + (int)i))
				fatal(1, "LISTEN_FDS: fd %ld is not a listening socket", 3 + i);
			add_listener(3 + (int)i, "LISTEN_FDS");
			n++;
		}
		/* not for our children */
		unsetenv("LISTEN_PID");
		unsetenv("LISTEN_FDS");
		unsetenv("LISTEN_FDNAMES");
	} else if (is_listening_socket(0)) {
		int fd = fcntl(0, F_DUPFD_CLOEXEC, 3);
		int null = open("/dev/null", O_RDONLY);
		if (fd < 0 || null < 0 || dup2(null, 0) < 0)
			fatal(1, "inetd wait mode: %s", strerror(errno));
		close(null);
		add_listener(fd, "inetd (fd 0)");
		n++;
	}
	return n;
}

/* --inetd: the connection is on fd 0 (and 1). Move it away from 0-2, where
 * a stray write could reach the client, and put /dev/null there. */
static void take_inetd_connection(int *rfd, int *wfd)
{
	struct stat st;

	*rfd = fcntl(0, F_DUPFD_CLOEXEC, 3);
	if (*rfd < 0)
		fatal(1, "--inetd: no connection on fd 0: %s", strerror(errno));
	if (fstat(*rfd, &st) == 0 && S_ISSOCK(st.st_mode)) {
		*wfd = *rfd;
	} else if ((*wfd = fcntl(1, F_DUPFD_CLOEXEC, 3)) < 0) {
		fatal(1, "--inetd: fd 0 is not a socket and fd 1 is unusable: %s", strerror(errno));
	}
	int null = open("/dev/null", O_RDWR);
	if (null < 0 || dup2(null, 0) < 0 || dup2(null, 1) < 0 || dup2(null, 2) < 0)
		_exit(1); /* nowhere to say it */
	if (null > 2)
		close(null);
	fcntl(*rfd, F_SETFL, fcntl(*rfd, F_GETFL) | O_NONBLOCK);
	fcntl(*wfd, F_SETFL, fcntl(*wfd, F_GETFL) | O_NONBLOCK);
}

/* --user/--group: after the listeners are bound and the keys read, h2cgi
 * and the backends it spawns run as this user; spawning backends as root
 * needs --allow-root-backends. */
static void drop_privileges(void)
{
	bool spawns = cfg.cgi_dir || cfg.spawn;

	if (cfg.user == NULL) {
		if (geteuid() == 0 && spawns && !cfg.allow_root_backends)
			fatal(1, "refusing to run backends as root: give --user USER "
				 "(or --allow-root-backends)");
		return;
	}
	errno = 0;
	struct passwd *pw = getpwnam(cfg.user);
	if (pw == NULL)
		fatal(1, "--user %s: %s", cfg.user, errno ? strerror(errno) : "no such user");
	uid_t uid = pw->pw_uid;
	gid_t gid = pw->pw_gid;
	if (cfg.group) {
		errno = 0;
		struct group *gr = getgrnam(cfg.group);
		if (gr == NULL)
			fatal(1, "--group %s: %s", cfg.group, errno ? strerror(errno) : "no such group");
		gid = gr->gr_gid;
	}
	if (uid == 0 && spawns && !cfg.allow_root_backends)
		fatal(1, "--user %s is root: refusing to run backends as root (--allow-root-backends)",
		      cfg.user);
	if (run_dir[0] && chown(run_dir, uid, gid) < 0)
		fatal(1, "chown %s: %s", run_dir, strerror(errno));
	if (geteuid() == 0 && (initgroups(pw->pw_name, gid) < 0 || setgid(gid) < 0))
		fatal(1, "--user %s: cannot set groups: %s", cfg.user, strerror(errno));
	if (setuid(uid) < 0)
		fatal(1, "--user %s: %s", cfg.user, strerror(errno));
	if (uid != 0 && setuid(0) == 0)
		fatal(1, "--user %s: privileges could be regained", cfg.user);
	log_info("running as user %s (uid %u, gid %u)", cfg.user, (unsigned)uid, (unsigned)gid);
}

/* Spawned pools live in a private directory (mode 0700) in TMPDIR. */
static const char *make_run_dir(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(run_dir, sizeof(run_dir), "%s/h2cgi.XXXXXX",
		 tmp && strlen(tmp) < 40 ? tmp : "/tmp");
	if (mkdtemp(run_dir) == NULL)
		fatal(1, "cannot create a private directory in %s: %s", tmp ? tmp : "/tmp",
		      strerror(errno));
	return run_dir;
}

/* The CGI directory and runner, checked before privileges are dropped so
 * that the error names them. */
static void check_cgi_dir(void)
{
	static char abs_dir[PATH_MAX];
	struct stat st;

	if (cfg.cgi_dir == NULL)
		return;
	errno = 0;
	if (stat(cfg.cgi_dir, &st) < 0 || !S_ISDIR(st.st_mode) || realpath(cfg.cgi_dir, abs_dir) == NULL)
		fatal(1, "--cgi-dir %s: %s", cfg.cgi_dir, errno ? strerror(errno) : "not a directory");
	cfg.cgi_dir = abs_dir; /* SCRIPT_FILENAME is absolute */
	if (access(cfg.cgi_runner, X_OK) < 0)
		fatal(1, "CGI runner %s: %s (see --cgi-runner)", cfg.cgi_runner, strerror(errno));
}

static void start_pools(void)
{
	char err[512], cmd[PATH_MAX * 2 + 64];

	if (cfg.cgi_dir) {
		/* the runner gets its directory as an argument, never from a request */
		snprintf(cmd, sizeof(cmd), "exec '%s' --root '%s' --timeout %d", cfg.cgi_runner,
			 cfg.cgi_dir, cfg.script_timeout);
		if (strchr(cfg.cgi_dir, '\'') || strchr(cfg.cgi_runner, '\''))
			fatal(1, "--cgi-dir and --cgi-runner may not contain a quote");
		if (pool_spawn(&cgi_pool, "cgi", cmd, cfg.procs, run_dir, err, sizeof(err)) < 0)
			fatal(1, "%s", err);
		have_cgi_pool = true;
	}
	if (cfg.spawn) {
		if (pool_spawn(&app_pool, "app", cfg.spawn, cfg.procs, run_dir, err, sizeof(err)) < 0)
			fatal(1, "%s", err);
		have_app_pool = true;
	} else if (cfg.fastcgi) {
		if (pool_external(&app_pool, "app", cfg.fastcgi, err, sizeof(err)) < 0)
			fatal(1, "%s", err);
		have_app_pool = true;
	}
	for (struct pool *p = &cgi_pool; p; p = p == &cgi_pool ? &app_pool : NULL) {
		p->qmax = cfg.queue_max;
		p->qtimeout = cfg.queue_timeout;
	}
}

static void stop_pools(void)
{
	if (have_cgi_pool)
		pool_stop(&cgi_pool);
	if (have_app_pool)
		pool_stop(&app_pool);
	if (run_dir[0])
		rmdir(run_dir);
}

int main(int argc, char **argv)
{
	char err[1024];
	sigset_t mask;

	log_init("h2cgi");
	int rc = config_parse(&cfg, argc, argv);
	if (rc != 0)
		return rc < 0 ? 0 : rc;
	int inetd_rfd = -1, inetd_wfd = -1;
	if (cfg.inetd) {
		take_inetd_connection(&inetd_rfd, &inetd_wfd);
		if (cfg.error_log == NULL)
			log_to_syslog(); /* classic inetd: stderr is the client */
	} else {
		/* fds 0-2 must exist, or a socket could land on them */
		int fd;
		while ((fd = open("/dev/null", O_RDWR)) >= 0 && fd <= 2)
			;
		if (fd > 2)
			close(fd);
	}
	signal(SIGPIPE, SIG_IGN);
	if (cfg.error_log && log_error_open(cfg.error_log) < 0)
		fatal(1, "cannot open error log %s: %s", cfg.error_log, strerror(errno));
	if (cfg.access_log && log_access_open(cfg.access_log) < 0)
		fatal(1, "cannot open access log %s: %s", cfg.access_log, strerror(errno));
	if (!cfg.cleartext && tls_init(cfg.cert, cfg.key, cfg.tls_priority, err, sizeof(err)) < 0)
		fatal(1, "%s", err);
	if (loop_init() < 0)
		fatal(1, "epoll: %s", strerror(errno));
	/* sockets from a supervisor replace the default listener */
	if (!cfg.inetd && inherited_listeners() > 0 && !cfg.listen_given)
		cfg.nlisten = 0;
	for (size_t i = 0; i < cfg.nlisten; i++) {
		int fd = listen_open(cfg.listen[i], err, sizeof(err));
		if (fd < 0)
			fatal(1, "%s", err);
		add_listener(fd, cfg.listen[i]);
	}

	/* signals arrive through the loop; children get a clean mask before exec */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	int sfd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sfd < 0 || loop_add(&sig_io, sfd, EPOLLIN, on_signal) < 0)
		fatal(1, "signalfd: %s", strerror(errno));

	const char *tmp = getenv("TMPDIR");
	stream_env.spool_dir = tmp ? tmp : "/tmp";
	check_cgi_dir();
	make_run_dir();
	drop_privileges();
	start_pools();
	stream_env.cgi_dir = cfg.cgi_dir;
	stream_env.docroot = cfg.docroot;
	stream_env.cgi_prefix = cfg.cgi_prefix;
	stream_env.software = "h2cgi/" PACKAGE_VERSION;
	stream_env.cgi_pool = have_cgi_pool ? &cgi_pool : NULL;
	stream_env.app_pool = have_app_pool ? &app_pool : NULL;

	loop_set_before_sleep(before_sleep);
	loop_timer_set(&sweep_timer, 1000, sweep);
	if (cfg.inetd && conn_accept2(inetd_rfd, inetd_wfd, &cfg) < 0)
		fatal(1, "--inetd: cannot take the connection");
	for (size_t i = 0; i < nlisteners; i++) {
		/* the bound address: with port 0 the kernel picked one */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char host[INET6_ADDRSTRLEN] = "?";
		unsigned port = 0;
		if (getsockname(listeners[i].io.fd, (struct sockaddr *)&ss, &sl) == 0) {
			if (ss.ss_family == AF_INET6) {
				inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, host, sizeof(host));
				port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
			} else {
				inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof(host));
				port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
			}
		}
		log_info("listening on %s%s%s:%u (%s)", ss.ss_family == AF_INET6 ? "[" : "",
			 host, ss.ss_family == AF_INET6 ? "]" : "", port,
			 cfg.cleartext ? "cleartext" : "TLS");
	}
	if (loop_run() < 0) {
		log_err("event loop: %s", strerror(errno));
		exit_code = 1;
	}
	close_listeners();
	conn_close_all();
	conn_before_sleep(); /* frees them: their streams release the backends */
	stop_pools();
	log_info("stopped");
	if (!cfg.cleartext)
		tls_deinit();
	return exit_code;
}
