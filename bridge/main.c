/* main.c - h2cgi: start-up, listeners, signals, the pools. */
#include <arpa/inet.h>
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <fcntl.h>
#include <limits.h>
#include <malloc.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gnutls/gnutls.h>
#include <nghttp2/nghttp2.h>

#include "config.h"
#include "conn.h"
#include "keeper.h"
#include "linger.h"
#include "listen.h"
#include "hints.h"
#include "log.h"
#include "mime.h"
#include "site.h"
#include "spare.h"
#include "loop.h"
#include "pool.h"
#include "stream.h"
#include "tls.h"

struct listener {
	struct loop_io io;
	int fd;
	int owner;               /* --workers: the worker it belongs to, -1 shared */
	const char *spec;
	struct loop_timer pause; /* out of file descriptors: accept again later */
	struct sockaddr_storage local; /* the bound address, when it is one address */
	bool have_local;
	bool nodelay;            /* TCP_NODELAY set: accepted sockets inherit it */
};

static struct config cfg;
#define MAX_LISTENERS 64
static struct listener listeners[MAX_LISTENERS];
static size_t nlisteners;
static struct site first_site, *site = &first_site; /* the routes now */
#define MAX_POOLS 256
static struct pool *pools[MAX_POOLS]; /* every pool started, retired ones too */
static size_t npools;
static int saved_argc;
static char **saved_argv;
static char run_dir[64];
static struct loop_io sig_io;
static struct loop_timer sweep_timer, grace_timer;
static bool draining;
static int exit_code;

static void on_accept(struct loop_io *io, uint32_t events);

/* Watches a listener: with --workers every worker waits on the same
 * sockets, and EPOLLEXCLUSIVE wakes one of them per connection. */
static int watch_listener(struct listener *l)
{
	uint32_t ev = EPOLLIN | (cfg.workers > 1 && l->owner < 0 ? EPOLLEXCLUSIVE : 0);
	return loop_add(&l->io, l->fd, ev, on_accept);
}

static void resume_accept(struct loop_timer *t)
{
	struct listener *l = (struct listener *)((char *)t - offsetof(struct listener, pause));
	if (l->fd >= 0 && watch_listener(l) < 0)
		log_err("%s: cannot watch it again: %s", l->spec, strerror(errno));
}

static void on_accept(struct loop_io *io, uint32_t events)
{
	struct listener *l = (struct listener *)io;

	/* with --workers, one connection per wake-up spreads them out */
	for (int i = 0; i < (cfg.workers > 1 ? 1 : 64); i++) {
		struct sockaddr_storage peer;
		socklen_t pl = sizeof(peer);
		int fd = accept4(io->fd, (struct sockaddr *)&peer, &pl, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd >= 0) {
			struct conn_origin o = {&peer, l->have_local ? &l->local : NULL, l->nodelay};
			conn_accept(fd, &o, &cfg);
			continue;
		}
		if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM) {
			/* the pending connection would wake us at once, forever: pause */
			log_err("accept on %s: %s; pausing for 500 ms (%lu connections open)", l->spec,
				strerror(errno), conn_count());
			linger_shed(); /* closing sockets give their descriptors back first */
			loop_del(io); /* EPOLLEXCLUSIVE cannot be modified: removed, added back */
			loop_timer_set(&l->pause, 500, resume_accept);
		} else if (errno != EAGAIN && errno != EINTR && errno != ECONNABORTED) {
			log_err("accept on %s: %s", l->spec, strerror(errno));
		}
		return;
	}
}

/* A worker watches its own sockets and the shared ones (-1: all of them). */
static void watch_listeners(int worker)
{
	for (size_t i = 0; i < nlisteners; i++) {
		if (worker >= 0 && listeners[i].owner >= 0 && listeners[i].owner != worker) {
			close(listeners[i].fd); /* another worker's (the master keeps it) */
			listeners[i].fd = -1;
			continue;
		}
		if (watch_listener(&listeners[i]) < 0)
			fatal(1, "%s: cannot watch fd %d: %s", listeners[i].spec, listeners[i].fd,
			      strerror(errno));
	}
}

static void close_listeners(void)
{
	for (size_t i = 0; i < nlisteners; i++) {
		loop_del(&listeners[i].io);
		loop_timer_cancel(&listeners[i].pause);
		if (listeners[i].fd >= 0)
			close(listeners[i].fd);
		listeners[i].fd = -1;
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
	for (size_t i = 0; i < npools; i++)
		pool_stopping(pools[i]);
	log_info("signal %d: draining %lu connections for up to %d s", sig, conn_count(), cfg.grace);
	close_listeners();
	conn_shutdown_all();
	loop_timer_set(&grace_timer, (uint64_t)cfg.grace * 1000, grace_over);
}

/* --workers: the master keeps the listeners, the pools and the workers;
 * each worker runs the event loop on the shared listeners. */
static bool is_worker;
static pid_t master_pid, worker_pids[64];
/* --user as root: the keeper's channel (-1 without one), and the master's
 * channels to its workers, which it passes the keeper's messages on */
static int ctl_fd = -1, worker_ctl[64];
static struct loop_io ctl_io;
static int report_pipe[2] = {-1, -1}, sig_fd = -1;
static struct loop_io report_io;
static struct loop_timer respawn_timer, kill_timer;

static bool master_of_workers(void)
{
	return cfg.workers > 1 && !is_worker;
}

/* SIGHUP's certificate reload: from the files, or with m from the PEM
 * bytes the keeper read as root (or the reason it could not). A master of
 * workers reloads silently: its workers say how it went. */
static void reload(const struct keeper_msg *m)
{
	char err[1024];
	int rc;

	if (cfg.cert == NULL) {
		if (!cfg.cleartext && !master_of_workers())
			log_info("SIGHUP: no --cert/--key to reload");
		return;
	}
	if (m == NULL)
		rc = tls_reload(cfg.cert, cfg.key, err, sizeof(err));
	else if (m->err[0])
		rc = -1, snprintf(err, sizeof(err), "%s", m->err);
	else
		rc = tls_reload_mem(cfg.cert, cfg.key, m->cert_pem, m->cert_len, m->key_pem,
				    m->key_len, err, sizeof(err));
	if (rc < 0)
		log_err("SIGHUP: %s; keeping the previous certificate", err);
	else if (!master_of_workers())
		log_info("SIGHUP: reloaded certificate %s and key %s", cfg.cert, cfg.key);
}

static void forward(int sig)
{
	for (int i = 0; i < cfg.workers; i++)
		if (worker_pids[i] > 0)
			kill(worker_pids[i], sig);
}

static int workers_alive(void)
{
	int n = 0;
	for (int i = 0; i < cfg.workers; i++)
		n += worker_pids[i] > 0;
	return n;
}

static void for_pools(void (*fn)(struct pool *p, int arg), int arg)
{
	for (size_t i = 0; i < npools; i++)
		if (!pools[i]->closed)
			fn(pools[i], arg);
}

static void restart_pool(struct pool *p, int arg)
{
	pool_restart(p);
}

static void report_gone(struct pool *p, int arg)
{
	pool_master_report(p, 0);
}

static void set_master(struct pool *p, int n)
{
	pool_set_master(p, n);
}

static void worker_hup(struct pool *p, int arg)
{
	pool_worker_hup(p);
}

static void on_signal(struct loop_io *io, uint32_t events);
static void reload_config(void);
static void on_control(struct loop_io *io, uint32_t events);
static void sweep(struct loop_timer *t);
static void before_sleep(void);

/* SIGHUP's restart of the spawned pools, in each role. */
static void restart_pools(void)
{
	if (is_worker)
		for_pools(worker_hup, 0);
	else
		for_pools(restart_pool, 0);
}

/* In a new worker: its own epoll with the shared listeners and signals. */
static void worker_main(int index, int ctl)
{
	is_worker = true;
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != master_pid)
		_exit(1);
	close(report_pipe[0]);
	/* the master's channels are the master's; this worker has its own */
	if (ctl_fd >= 0)
		close(ctl_fd);
	for (int i = 0; i < cfg.workers; i++)
		if (worker_ctl[i] >= 0)
			close(worker_ctl[i]);
	ctl_fd = ctl;
	if (loop_reinit() < 0 || loop_add(&sig_io, sig_fd, EPOLLIN, on_signal) < 0 ||
	    (ctl_fd >= 0 && loop_add(&ctl_io, ctl_fd, EPOLLIN, on_control) < 0))
		fatal(1, "worker: epoll: %s", strerror(errno));
	for (size_t i = 0; i < npools; i++)
		pool_worker_init(pools[i], report_pipe[1]);
	watch_listeners(index);
	loop_set_before_sleep(before_sleep);
	loop_timer_set(&sweep_timer, 1000, sweep);
	int rc = loop_run() < 0 ? 1 : 0;
	close_listeners();
	conn_close_all();
	conn_before_sleep();
	if (!cfg.cleartext)
		tls_deinit();
	exit(rc);
}

static void spawn_workers(struct loop_timer *t)
{
	for (int i = 0; i < cfg.workers; i++) {
		if (worker_pids[i] > 0)
			continue;
		int sv[2] = {-1, -1};
		if (ctl_fd >= 0 && keeper_channel(sv) < 0) {
			log_err("worker: control channel: %s", strerror(errno));
			loop_timer_set(&respawn_timer, 1000, spawn_workers);
			break;
		}
		pid_t pid = fork();
		if (pid < 0) {
			log_err("worker: fork: %s", strerror(errno));
			if (sv[0] >= 0)
				close(sv[0]), close(sv[1]);
			loop_timer_set(&respawn_timer, 1000, spawn_workers);
			break;
		}
		if (pid == 0) {
			if (sv[0] >= 0)
				close(sv[0]);
			worker_main(i, sv[1]);
		}
		worker_pids[i] = pid;
		if (sv[0] >= 0) {
			close(sv[1]);
			worker_ctl[i] = sv[0];
		}
	}
	for_pools(set_master, workers_alive());
}

static void kill_workers(struct loop_timer *t)
{
	log_warn("workers still running %d s after SIGTERM: killing them", cfg.grace + 5);
	forward(SIGKILL);
}

/* A worker exited: after SIGTERM that is the plan, otherwise it is
 * replaced a second later. It holds no backend connection any more. */
static void worker_exited(int i, int status)
{
	pid_t pid = worker_pids[i];

	worker_pids[i] = 0;
	if (worker_ctl[i] >= 0) {
		close(worker_ctl[i]);
		worker_ctl[i] = -1;
	}
	for_pools(report_gone, 0);
	if (draining) {
		if (workers_alive() == 0)
			loop_stop();
		return;
	}
	if (WIFSIGNALED(status))
		log_warn("worker %d killed by signal %d; restarting it", (int)pid, WTERMSIG(status));
	else
		log_warn("worker %d exited with status %d; restarting it", (int)pid, WEXITSTATUS(status));
	loop_timer_set(&respawn_timer, 1000, spawn_workers);
}

static void on_report(struct loop_io *io, uint32_t events)
{
	char buf[512];
	ssize_t n = read(io->fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return;
	buf[n] = '\0';
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		char name[16];
		int id;
		if (sscanf(line, "%15s %d", name, &id) != 2)
			continue;
		for (size_t i = 0; i < npools; i++)
			if (strcmp(pools[i]->name, name) == 0)
				pool_master_report(pools[i], id);
	}
}

static void reap_children(void)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		bool done = false;
		for (int i = 0; i < cfg.workers && !done; i++)
			if (worker_pids[i] == pid && master_of_workers()) {
				worker_exited(i, status);
				done = true;
			}
		for (size_t i = 0; i < npools && !done; i++)
			done = pool_reap(pools[i], pid, status);
	}
}

static void on_signal(struct loop_io *io, uint32_t events)
{
	struct signalfd_siginfo si;

	while (read(io->fd, &si, sizeof(si)) == sizeof(si)) {
		int sig = (int)si.ssi_signo;
		switch (sig) {
		case SIGCHLD:
			reap_children();
			break;
		case SIGHUP:
			if (!master_of_workers())
				reload(NULL);
			restart_pools();
			if (cfg.config_file)
				reload_config();
			if (master_of_workers())
				forward(SIGHUP); /* workers reload the certificate, follow the pools */
			break;
		case SIGUSR1:
			if (log_reopen() == 0 && !is_worker)
				log_info("SIGUSR1: log files reopened");
			if (master_of_workers())
				forward(SIGUSR1);
			break;
		case SIGUSR2:
			/* one line per backend; with --workers each worker tells its
			 * own connections and requests, the master its processes */
			for (size_t i = 0; i < npools; i++)
				if (!pools[i]->closed)
					pool_log_status(pools[i]);
			if (master_of_workers())
				forward(SIGUSR2);
			break;
		default:
			if (!master_of_workers()) {
				begin_drain(sig);
			} else if (!draining) {
				draining = true;
				for (size_t i = 0; i < npools; i++)
					pool_stopping(pools[i]);
				log_info("signal %d: stopping %d workers", sig, workers_alive());
				forward(SIGTERM);
				loop_timer_set(&kill_timer, (uint64_t)(cfg.grace + 5) * 1000, kill_workers);
			} else {
				forward(SIGTERM); /* a second signal: they stop at once */
			}
			break;
		}
	}
}

/* New log files from the keeper, opened as root. */
static void keeper_logs(struct keeper_msg *m)
{
	if (m->fds[0] >= 0 && log_error_use(m->fds[0]) < 0)
		log_err("SIGUSR1: cannot use the new error log: %s", strerror(errno));
	if (m->fds[1] >= 0)
		log_access_use(m->fds[1]);
	m->fds[0] = m->fds[1] = -1; /* taken */
	if (m->err[0])
		log_err("SIGUSR1: %s; keeping the old file", m->err);
	else if (!is_worker)
		log_info("SIGUSR1: log files reopened");
}

/* The master passes the keeper's messages on to every worker. */
static void pass_on(const struct keeper_msg *m)
{
	for (int i = 0; i < cfg.workers; i++)
		if (worker_ctl[i] >= 0 && keeper_send(worker_ctl[i], m) < 0)
			log_err("cannot pass the keeper's message to worker %d: %s",
				(int)worker_pids[i], strerror(errno));
}

/* The keeper's channel (SIGHUP and SIGUSR1 under --user as root). */
static void on_control(struct loop_io *io, uint32_t events)
{
	struct keeper_msg m;
	int rc;

	while ((rc = keeper_recv(io->fd, &m)) == 1) {
		if (m.kind == KEEPER_LOGS) {
			if (master_of_workers())
				pass_on(&m); /* before the fds are taken */
			keeper_logs(&m);
		} else {
			reload(&m);
			restart_pools();
			if (cfg.config_file)
				reload_config(); /* read as --user: it must be readable */
			if (master_of_workers())
				pass_on(&m); /* after the pools moved to their new generation */
		}
		keeper_msg_free(&m);
	}
	if (rc < 0) {
		log_err("the privileged parent's channel closed");
		loop_del(io); /* PR_SET_PDEATHSIG ends us if it died */
	}
}

static void sweep(struct loop_timer *t)
{
	conn_sweep((unsigned)cfg.header_timeout, (unsigned)cfg.idle_timeout,
		   (unsigned)cfg.send_timeout);
	loop_timer_set(t, 1000, sweep);
}

static void before_sleep(void)
{
	conn_before_sleep();
	/* --inetd serves one connection: when it is gone, so are we */
	if ((draining || cfg.inetd) && conn_count() == 0)
		loop_stop();
}

/* True for 0.0.0.0 and ::, whose connections each have their own local
 * address. */
static bool is_wildcard(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ((const struct sockaddr_in *)ss)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (ss->ss_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)ss)->sin6_addr);
	return true; /* not TCP: ask each socket */
}

static void add_listener(int fd, const char *spec, int owner)
{
	if (nlisteners == MAX_LISTENERS)
		fatal(1, "too many listening sockets (at most %d)", MAX_LISTENERS);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	struct listener *l = &listeners[nlisteners++];
	l->spec = spec;
	l->fd = fd;
	l->owner = owner;
	l->io.fd = -1;
	/* Linux gives an accepted TCP socket the listener's TCP_NODELAY, and
	 * a listener bound to one address names the local end of all its
	 * connections: two system calls fewer per connection */
	int one = 1;
	socklen_t sl = sizeof(l->local);
	l->nodelay = setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0;
	l->have_local = getsockname(fd, (struct sockaddr *)&l->local, &sl) == 0 &&
			!is_wildcard(&l->local);
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
			add_listener(3 + (int)i, "LISTEN_FDS", -1);
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
		add_listener(fd, "inetd (fd 0)", -1);
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
/* --user (and --group): their ids; stops h2cgi when they do not exist. */
static void user_ids(uid_t *uid, gid_t *gid)
{
	errno = 0;
	struct passwd *pw = getpwnam(cfg.user);
	if (pw == NULL)
		fatal(1, "--user %s: %s", cfg.user, errno ? strerror(errno) : "no such user");
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	if (cfg.group) {
		errno = 0;
		struct group *gr = getgrnam(cfg.group);
		if (gr == NULL)
			fatal(1, "--group %s: %s", cfg.group, errno ? strerror(errno) : "no such group");
		*gid = gr->gr_gid;
	}
}

/* Takes --user's ids for good (its groups too, when root). */
static void become(uid_t uid, gid_t gid)
{
	if (geteuid() == 0 && (initgroups(cfg.user, gid) < 0 || setgid(gid) < 0))
		fatal(1, "--user %s: cannot set groups: %s", cfg.user, strerror(errno));
	if (setuid(uid) < 0)
		fatal(1, "--user %s: %s", cfg.user, strerror(errno));
	if (uid != 0 && setuid(0) == 0)
		fatal(1, "--user %s: privileges could be regained", cfg.user);
}

static void drop_privileges(void)
{
	bool spawns = false;
	for (size_t i = 0; i < cfg.nroutes; i++)
		spawns |= cfg.routes[i].kind == BACKEND_CGI || cfg.routes[i].kind == BACKEND_SPAWN;

	if (cfg.user == NULL) {
		if (geteuid() == 0 && spawns && !cfg.allow_root_backends)
			fatal(1, "refusing to run backends as root: give --user USER "
				 "(or --allow-root-backends)");
		if (geteuid() == 0 && !spawns)
			log_warn("running as root: give --user USER to serve clients without "
				 "privileges");
		return;
	}
	uid_t uid;
	gid_t gid;
	user_ids(&uid, &gid);
	if (uid == 0 && spawns && !cfg.allow_root_backends)
		fatal(1, "--user %s is root: refusing to run backends as root (--allow-root-backends)",
		      cfg.user);
	if (run_dir[0] && chown(run_dir, uid, gid) < 0)
		fatal(1, "chown %s: %s", run_dir, strerror(errno));
	become(uid, gid);
	log_info("running as user %s (uid %u, gid %u)", cfg.user, (unsigned)uid, (unsigned)gid);
}

static int check_access(const struct site *s, char *err, size_t errlen);

/* Every route's directories are checked before anything is bound, as the
 * user h2cgi will serve as: a root h2cgi with --user asks a child that
 * took that user's ids (the parent keeps root to bind). */
static void check_access_first(const struct site *s)
{
	char err[1024] = "";
	int p[2];

	if (cfg.user == NULL || geteuid() != 0) {
		if (check_access(s, err, sizeof(err)) < 0)
			fatal(1, "%s", err);
		return;
	}
	uid_t uid;
	gid_t gid;
	user_ids(&uid, &gid);
	if (pipe2(p, O_CLOEXEC) < 0)
		fatal(1, "pipe: %s", strerror(errno));
	pid_t pid = fork();
	if (pid < 0)
		fatal(1, "fork: %s", strerror(errno));
	if (pid == 0) {
		close(p[0]);
		become(uid, gid);
		int rc = check_access(s, err, sizeof(err));
		if (rc < 0 && write(p[1], err, strlen(err)) < 0)
			_exit(2);
		_exit(rc < 0 ? 1 : 0);
	}
	close(p[1]);
	ssize_t n, got = 0;
	while ((n = read(p[0], err + got, sizeof(err) - 1 - (size_t)got)) > 0 ||
	       (n < 0 && errno == EINTR))
		got += n > 0 ? n : 0;
	close(p[0]);
	err[got] = '\0';
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (got > 0)
		fatal(1, "%s", err);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fatal(1, "--user %s: cannot check the directories as that user", cfg.user);
}

/* --pid-file: the process that takes the signals (the keeper, when there
 * is one: it is this one, before it forks), for logrotate and init
 * scripts without systemd. Removed by that process at exit. */
static pid_t pid_file_owner;

static void write_pid_file(void)
{
	char line[24];

	if (cfg.pid_file == NULL || cfg.inetd)
		return;
	int fd = open(cfg.pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0644);
	int n = snprintf(line, sizeof(line), "%d\n", (int)getpid());
	if (fd < 0 || write(fd, line, (size_t)n) != n)
		fatal(1, "--pid-file %s: %s", cfg.pid_file, strerror(errno));
	close(fd);
	pid_file_owner = getpid();
}

static void remove_pid_file(void)
{
	if (pid_file_owner && pid_file_owner == getpid())
		unlink(cfg.pid_file);
}

/* --user as root: this process stays root as the keeper (keeper.h), and
 * the child goes on to drop privileges and serve. */
static void start_keeper(const sigset_t *mask)
{
	static struct keeper_files files;

	files.cert = cfg.cert;
	files.key = cfg.key;
	files.error_log = cfg.error_log;
	files.access_log = cfg.access_log && strcmp(cfg.access_log, "-") ? cfg.access_log : NULL;
	pid_t pid = keeper_fork(&ctl_fd);
	if (pid < 0)
		fatal(1, "cannot start the privileged parent: %s", strerror(errno));
	if (pid == 0) {
		/* a signalfd wakes the epoll of the process that registered it: the
		 * serving child needs its own (as a worker does) */
		if (loop_reinit() < 0 || loop_add(&sig_io, sig_fd, EPOLLIN, on_signal) < 0)
			fatal(1, "epoll: %s", strerror(errno));
		return;
	}
	/* the keeper holds no client socket and no TLS state */
	close_listeners();
	close(sig_fd);
	if (!cfg.cleartext)
		tls_deinit();
	int status = keeper_run(pid, ctl_fd, &files, mask);
	remove_pid_file();
	exit(status);
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

/* The routes' directories and the CGI runner, checked before privileges
 * are dropped so that the error names them. */
static void check_site(void)
{
	char err[1024];

	if (site_build(site, &cfg, err, sizeof(err)) < 0)
		fatal(1, "%s", err);
	for (size_t i = 0; i < site->n; i++)
		if (site->routes[i].kind == BACKEND_CGI && access(cfg.cgi_runner, X_OK) < 0)
			fatal(1, "CGI runner %s: %s (see --cgi-runner)", cfg.cgi_runner, strerror(errno));
}

/* Every route's directories must be searchable by the user h2cgi serves
 * as (after --user): static files are opened by h2cgi, CGI scripts by the
 * runners, FastCGI scripts found under --docroot; an unreadable --cgi-dir
 * otherwise starts fine and answers every request with an error. Returns
 * 0, or -1 with err. */
static int check_access(const struct site *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct site_route *sr = &s->routes[i];
		const char *dirs[2] = {sr->root, sr->docroot};
		for (int k = 0; k < 2; k++) {
			if (dirs[k] == NULL || (k == 1 && sr->root && strcmp(dirs[1], sr->root) == 0))
				continue;
			if (access(dirs[k], X_OK) == 0)
				continue;
			snprintf(err, errlen, "route %s: %s %s: not searchable as user %s: %s",
				 sr->conf->pattern, k ? "--docroot" : sr->kind == BACKEND_CGI ? "--cgi-dir"
						   : sr->kind == BACKEND_STATIC ? "--static" : "--docroot",
				 dirs[k], cfg.user ? cfg.user : "root", strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The program a --spawn command runs (its first word) must exist and be
 * executable, or every request would fail later (lighttpd refuses to start
 * on a bad bin-path too). Commands with shell syntax up front are run as
 * given. Checked as the user the backends run as. */
static void check_spawn(const char *cmd)
{
	char prog[PATH_MAX], path[2 * PATH_MAX + 2];
	struct stat st;
	size_t n = strcspn(cmd + strspn(cmd, " \t"), " \t");

	cmd += strspn(cmd, " \t");
	if (n == 0 || n >= sizeof(prog) || strpbrk(cmd, "\"'$`\\") == cmd ||
	    memchr(cmd, '=', n) != NULL)
		return;
	memcpy(prog, cmd, n);
	prog[n] = '\0';
	if (strchr(prog, '/') == NULL) {
		const char *dirs = getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin";
		for (const char *d = dirs; *d;) {
			size_t dl = strcspn(d, ":");
			snprintf(path, sizeof(path), "%.*s/%s", (int)dl, d, prog);
			if (access(path, X_OK) == 0)
				return;
			d += dl + (d[dl] == ':');
		}
		fatal(1, "--spawn: %s: not found in PATH", prog);
	}
	if (stat(prog, &st) < 0)
		fatal(1, "--spawn: %s: %s", prog, strerror(errno));
	if (!S_ISREG(st.st_mode) || access(prog, X_OK) < 0)
		fatal(1, "--spawn: %s: not an executable file", prog);
}

/* --status-path: this process's view of every backend in use. */
static int status_json(struct buf *out)
{
	char head[128];
	int n = snprintf(head, sizeof(head), "{\"pid\":%d,\"connections\":%lu,\"pools\":[",
			 (int)getpid(), conn_count());
	bool first = true;

	if (buf_append(out, head, (size_t)n) < 0)
		return -1;
	for (size_t i = 0; i < npools; i++) {
		if (pools[i]->closed)
			continue;
		if ((!first && buf_append(out, ",", 1) < 0) || pool_status_json(pools[i], out) < 0)
			return -1;
		first = false;
	}
	return buf_append(out, "]}\n", 3);
}

/* FCGI_KEEP_CONN for p. A spawned libfcgi process serves only the
 * connection it holds: one process alone (no --workers) never opens more
 * connections than the pool has processes, and parks up to that many; with
 * workers each parks its share, leaving one process free to accept, or none
 * when the pool is too small to share. */
static void keep_settings(struct pool *p, const struct site_route *sr)
{
	p->connect_timeout = cfg.connect_timeout * 1000;
	p->max_requests = (unsigned long)cfg.max_requests;
	p->proc_idle = (unsigned)cfg.proc_idle * 1000U;
	if (p->per_proc) {
		/* a process per socket: h2cgi knows which are free, no cap needed */
		if (cfg.keepalive > 0) {
			p->keep = true;
			p->idle_max = p->procs_max < cfg.keepalive ? p->procs_max : cfg.keepalive;
		}
		return;
	}
	if (sr->kind == BACKEND_FASTCGI) {
		/* bounds the servers give (or --max-conns) are shared out */
		p->sharers = cfg.workers;
		if (sr->conf->max_conns > 0)
			pool_max_conns(p, (unsigned)sr->conf->max_conns);
		if (cfg.keepalive > 0) {
			p->keep = true;
			p->idle_max = cfg.keepalive;
		}
		return;
	}
	if (cfg.keepalive == 0)
		return;
	int share = cfg.workers > 1 ? (sr->procs - 1) / cfg.workers : sr->procs;
	if (share > cfg.keepalive)
		share = cfg.keepalive;
	if (share <= 0)
		return;
	p->keep = true;
	p->idle_max = share;
	p->cap = cfg.workers > 1 ? 0 : sr->procs;
}

/* Starts the pool of route sr (in a worker: attaches to the master's).
 * Returns it, or NULL with err. */
static struct pool *new_pool(struct site_route *sr, char *err, size_t errlen)
{
	char cmd[PATH_MAX * 2 + 64];
	struct pool *p;
	int rc = -1;

	if (npools == MAX_POOLS) {
		snprintf(err, errlen, "more than %d backends started since start-up: restart h2cgi",
			 MAX_POOLS);
		return NULL;
	}
	if ((p = calloc(1, sizeof(*p))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (sr->kind == BACKEND_CGI) {
		/* the runner gets its directory as an argument, never from a request */
		if (strchr(sr->root, '\'') || strchr(cfg.cgi_runner, '\'')) {
			snprintf(err, errlen, "--cgi-dir and --cgi-runner may not contain a quote");
			goto fail;
		}
		snprintf(cmd, sizeof(cmd), "'%s' --root '%s' --timeout %d", cfg.cgi_runner, sr->root,
			 cfg.script_timeout);
	} else {
		snprintf(cmd, sizeof(cmd), "%s", sr->conf->backend);
	}
	if (sr->kind == BACKEND_FASTCGI)
		rc = pool_external(p, sr->name, sr->conf->addrs, sr->conf->naddrs, err, errlen);
	else if (is_worker)
		rc = pool_attach(p, sr->name, cmd, run_dir, report_pipe[1]);
	else
		rc = pool_spawn(p, sr->name, cmd, sr->procs, cfg.workers > 1 ? 0 : sr->procs_max,
				run_dir, err, errlen);
	if (rc < 0) {
		if (is_worker)
			snprintf(err, errlen, "cannot reach the master's pool %s", sr->name);
		goto fail;
	}
	if (master_of_workers())
		pool_set_master(p, workers_alive());
	p->qmax = cfg.queue_max;
	p->qtimeout = cfg.queue_timeout;
	keep_settings(p, sr);
	pools[npools++] = p;
	return p;
fail:
	free(p);
	return NULL;
}

/* A pool per route with a backend (static routes have none); a route
 * whose backend prev already runs keeps that pool. Returns 0, or -1 with
 * err after stopping the pools it started. */
static int start_pools(struct site *s, struct site *prev, char *err, size_t errlen)
{
	size_t first = npools;
	bool taken[CONFIG_MAX_ROUTES] = {false};

	for (size_t i = 0; i < s->n; i++) {
		struct site_route *sr = &s->routes[i];
		if (sr->kind == BACKEND_STATIC)
			continue;
		for (size_t k = 0; prev && k < prev->n && !sr->pool; k++)
			if (!taken[k] && prev->routes[k].pool && site_same_backend(sr, &prev->routes[k])) {
				taken[k] = true;
				sr->pool = prev->routes[k].pool;
				snprintf(sr->name, sizeof(sr->name), "%s", sr->pool->name);
			}
		if (sr->pool)
			continue;
		if (sr->kind == BACKEND_SPAWN)
			check_spawn(sr->conf->backend);
		if (prev) /* names stay unique across reloads (sockets, reports) */
			snprintf(sr->name, sizeof(sr->name), "pool%u", (unsigned)(npools + 1));
		if ((sr->pool = new_pool(sr, err, errlen)) == NULL) {
			char why[512];
			snprintf(why, sizeof(why), "route %s: %s", sr->conf->pattern, err);
			snprintf(err, errlen, "%s", why);
			while (npools > first) {
				struct pool *p = pools[--npools];
				pool_stop(p);
				free(p);
			}
			return -1;
		}
	}
	for (size_t k = 0; prev && k < prev->n; k++)
		if (prev->routes[k].pool && !taken[k] && !prev->routes[k].pool->closed)
			pool_retire(prev->routes[k].pool);
	return 0;
}

/* A replaced site whose last stream ended. */
static void site_done(struct site *s)
{
	site_free(s);
	if (s != &first_site)
		free(s);
}

/* SIGHUP with --config: the file again. A file that fails to load is
 * logged line by line and the running routes stay. */
static void reload_config(void)
{
	char err[1024], *msg = NULL;
	size_t msglen = 0;
	struct config *nc = calloc(1, sizeof(*nc));
	struct site *ns = calloc(1, sizeof(*ns));
	FILE *f = open_memstream(&msg, &msglen);

	if (nc == NULL || ns == NULL || f == NULL) {
		log_err("SIGHUP: out of memory; keeping the running configuration");
		goto fail;
	}
	nc->err = f;
	int rc = config_parse(nc, saved_argc, saved_argv);
	fclose(f);
	f = NULL;
	if (rc != 0) {
		for (char *line = strtok(msg, "\n"); line; line = strtok(NULL, "\n"))
			log_err("SIGHUP: %s", line);
		log_err("SIGHUP: %s not loaded; keeping the running configuration", cfg.config_file);
		config_free(nc);
		goto fail;
	}
	if (site_build(ns, nc, err, sizeof(err)) < 0 || check_access(ns, err, sizeof(err)) < 0 ||
	    start_pools(ns, site, err, sizeof(err)) < 0) {
		log_err("SIGHUP: %s; keeping the running configuration", err);
		site_free(ns);
		config_free(nc);
		goto fail;
	}
	ns->cfg = nc;
	struct site *old = site;
	site = stream_env.site = ns;
	if (old->refs == 0)
		site_done(old);
	if (!is_worker)
		log_info("SIGHUP: %s reloaded: %zu routes", cfg.config_file, ns->n);
	free(msg);
	return;
fail:
	if (f)
		fclose(f);
	free(msg);
	free(nc);
	free(ns);
}

static void stop_pools(void)
{
	for (size_t i = 0; i < npools; i++) {
		pool_stop(pools[i]);
		free(pools[i]);
	}
	loop_free_pending(); /* their connections (the loop has stopped) */
	if (run_dir[0])
		rmdir(run_dir);
}

/* --version: h2cgi's, and those of the libraries it runs with (libfcgi is
 * the CGI runner's, h2cgi-cgi, as configure found it). */
static void print_version(void)
{
	printf("h2cgi %s\n"
	       "nghttp2 %s (built with %s)\n"
	       "GnuTLS %s (built with %s)\n"
	       "libfcgi %s (h2cgi-cgi, built with)\n",
	       PACKAGE_VERSION, nghttp2_version(0)->version_str, NGHTTP2_VERSION,
	       gnutls_check_version(NULL), GNUTLS_VERSION, FCGI_VERSION);
}

int main(int argc, char **argv)
{
	char err[1024];
	sigset_t mask;

	/* glibc gives the heap's top back to the kernel whenever 128 KiB of it
	 * are free, and a response's buffers (64 KiB each, taken and freed per
	 * request) keep crossing that line: brk down and up again, the pages
	 * faulted and zeroed anew, 1.3 times per 100 KB response. The heap
	 * keeps up to 4 MiB now and conn_sweep trims it when the load ends
	 * (malloc_trim); blocks under 1 MiB stay on the heap (setting one
	 * threshold stops glibc moving the other). */
	mallopt(M_TRIM_THRESHOLD, 4 << 20);
	mallopt(M_MMAP_THRESHOLD, 1 << 20);
	log_init("h2cgi");
	saved_argc = argc;
	saved_argv = argv;
	int rc = config_parse(&cfg, argc, argv);
	if (rc != 0) {
		if (cfg.version)
			print_version();
		config_free(&cfg);
		return rc < 0 ? 0 : cfg.check ? 1 : rc;
	}
	if (cfg.check) {
		/* the directories too, as start-up would find them */
		if (site_build(site, &cfg, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s\n", err);
			config_free(&cfg);
			return 1;
		}
		config_print(&cfg, stdout);
		site_free(site);
		config_free(&cfg);
		return 0;
	}
	int inetd_rfd = -1, inetd_wfd = -1;
	log_timestamps(cfg.log_timestamps);
	if (cfg.syslog)
		log_to_syslog();
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
	/* what would fail every request later stops h2cgi now, before binding */
	check_site();
	check_access_first(site);
	if (loop_init() < 0)
		fatal(1, "epoll: %s", strerror(errno));
	/* sockets from a supervisor replace the default listener */
	if (!cfg.inetd && inherited_listeners() > 0 && !cfg.listen_given)
		cfg.nlisten = 0;
	for (size_t i = 0; i < cfg.nlisten; i++) {
		/* --workers: a socket per worker on one port (SO_REUSEPORT), so
		 * that the kernel spreads the connections */
		bool rp = cfg.workers > 1;
		int fd = listen_open(cfg.listen[i], 0, rp, err, sizeof(err));
		if (fd < 0)
			fatal(1, "%s", err);
		add_listener(fd, cfg.listen[i], rp ? 0 : -1);
		for (int w = 1; rp && w < cfg.workers; w++) {
			int fd2 = listen_open(cfg.listen[i], listen_port(fd), 1, err, sizeof(err));
			if (fd2 < 0)
				fatal(1, "%s", err);
			add_listener(fd2, cfg.listen[i], w);
		}
	}

	/* signals arrive through the loop; children get a clean mask before exec */
	sigemptyset(&mask);
	sigaddset(&mask, SIGCHLD);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGUSR2);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
	if (sig_fd < 0 || loop_add(&sig_io, sig_fd, EPOLLIN, on_signal) < 0)
		fatal(1, "signalfd: %s", strerror(errno));

	const char *tmp = getenv("TMPDIR");
	stream_env.spool_dir = tmp ? tmp : "/tmp";
	spool_set_max(cfg.spool_max);
	stream_env.status = status_json;
	if (hints_init((size_t)cfg.hint_cache) < 0)
		fatal(1, "--early-hint-cache %d: out of memory", cfg.hint_cache);
	if (mime_init("/etc/mime.types") < 0)
		log_warn("cannot read /etc/mime.types (Debian: media-types): a short built-in "
			 "table gives static files their types");
	make_run_dir();
	write_pid_file();
	for (int i = 0; i < 64; i++)
		worker_ctl[i] = -1;
	if (cfg.user && geteuid() == 0 && !cfg.inetd)
		start_keeper(&mask); /* the signals blocked above */
	drop_privileges();
	if (start_pools(site, NULL, err, sizeof(err)) < 0)
		fatal(1, "%s", err);
	stream_env.site = site;
	stream_env.site_done = site_done;
	stream_env.software = "h2cgi/" PACKAGE_VERSION;
	stream_env.server = cfg.server_header;
	stream_env.json_log = strcmp(cfg.access_log_format, "json") == 0;

	if (ctl_fd >= 0 && loop_add(&ctl_io, ctl_fd, EPOLLIN, on_control) < 0)
		fatal(1, "control channel: %s", strerror(errno));
	if (cfg.inetd && conn_accept2(inetd_rfd, inetd_wfd, &cfg) < 0)
		fatal(1, "--inetd: cannot take the connection");
	for (size_t i = 0; i < nlisteners; i++) {
		if (listeners[i].owner > 0)
			continue; /* the same address again, for another worker */
		/* the bound address: with port 0 the kernel picked one */
		struct sockaddr_storage ss;
		socklen_t sl = sizeof(ss);
		char host[INET6_ADDRSTRLEN] = "?";
		unsigned port = 0;
		if (getsockname(listeners[i].fd, (struct sockaddr *)&ss, &sl) == 0) {
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
	if (cfg.workers > 1) {
		/* the master: workers, pools and signals; no connections */
		master_pid = getpid();
		if (pipe2(report_pipe, O_CLOEXEC) < 0 ||
		    fcntl(report_pipe[0], F_SETFL, O_NONBLOCK) < 0 ||
		    loop_add(&report_io, report_pipe[0], EPOLLIN, on_report) < 0)
			fatal(1, "workers: %s", strerror(errno));
		spawn_workers(NULL);
		log_info("%d workers started", cfg.workers);
	} else {
		watch_listeners(-1);
		loop_set_before_sleep(before_sleep);
		loop_timer_set(&sweep_timer, 1000, sweep);
	}
	if (loop_run() < 0) {
		log_err("event loop: %s", strerror(errno));
		exit_code = 1;
	}
	close_listeners();
	conn_close_all();
	conn_before_sleep(); /* frees them: their streams release the backends */
	linger_stop_all();
	stop_pools();
	spare_drop_all(); /* the blocks kept for reuse */
	remove_pid_file();
	log_info("stopped");
	if (!cfg.cleartext)
		tls_deinit();
	site_done(site);
	mime_free();
	hints_free();
	config_free(&cfg);
	return exit_code;
}
