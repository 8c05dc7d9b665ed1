/* pool.c - spawning, supervising and connecting to FastCGI backends. */
#include "pool.h"

#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fcgi.h"
#include "log.h"
#include <sys/epoll.h>

#define RETRY_MS 20
#define BACKOFF_MIN_MS 100
#define BACKOFF_MAX_MS 10000
#define SHORT_LIFE_MS 2000

static void pool_tick(struct loop_timer *t);
static void arm_idle(struct pool *p);
static void idle_unlink(struct pool *p, struct pool_conn *pc);
static void conn_close(struct pool *p, struct pool_conn *pc);
static void drain_queue(struct pool *p);
static void idle_drop(struct pool *p);
static void park_tick(struct loop_timer *t);

/* un = path; -1 with err when it does not fit. */
static int sun_set(struct sockaddr_un *un, const char *path, char *err, size_t errlen)
{
	if (strlen(path) >= sizeof(un->sun_path)) {
		snprintf(err, errlen, "unix socket path too long: %s", path);
		return -1;
	}
	memset(un, 0, sizeof(*un));
	un->sun_family = AF_UNIX;
	strcpy(un->sun_path, path);
	return 0;
}

static int unix_addr(struct pool *p, const char *path, char *err, size_t errlen)
{
	struct sockaddr_un un;

	if (sun_set(&un, path, err, errlen) < 0)
		return -1;
	memset(&p->addr, 0, sizeof(p->addr));
	memcpy(&p->addr, &un, sizeof(un));
	p->addrlen = sizeof(un);
	return 0;
}

static void pool_base(struct pool *p, const char *name)
{
	memset(p, 0, sizeof(*p));
	p->name = name;
	p->qmax = 1024;
	p->qtimeout = 30;
	p->connect_timeout = 10000;
}

/* One --fastcgi address into a: "unix:/path", "host:port", "[v6]:port". */
static int parse_addr(struct pool_addr *a, const char *addr, char *err, size_t errlen)
{
	if (strncmp(addr, "unix:", 5) == 0) {
		a->len = sizeof(struct sockaddr_un);
		return sun_set((struct sockaddr_un *)&a->sa, addr + 5, err, errlen);
	}
	char host[256];
	const char *colon = strrchr(addr, ':');
	size_t hl = colon ? (size_t)(colon - addr) : 0;
	if (colon == NULL || hl >= sizeof(host)) {
		snprintf(err, errlen, "bad --fastcgi address %s", addr);
		return -1;
	}
	memcpy(host, addr, hl);
	host[hl] = '\0';
	char *h = host;
	if (h[0] == '[' && hl > 1 && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *res;
	int rc = getaddrinfo(h, colon + 1, &hints, &res);
	if (rc != 0) {
		snprintf(err, errlen, "cannot resolve --fastcgi %s: %s", addr, gai_strerror(rc));
		return -1;
	}
	memcpy(&a->sa, res->ai_addr, res->ai_addrlen);
	a->len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int pool_external(struct pool *p, const char *name, const char *const *addrs, size_t n, char *err,
		  size_t errlen)
{
	pool_base(p, name);
	if (n == 0 || n > POOL_MAX_ADDRS) {
		snprintf(err, errlen, "between 1 and %d --fastcgi addresses per route", POOL_MAX_ADDRS);
		return -1;
	}
	for (size_t i = 0; i < n; i++) {
		struct pool_addr *a = &p->addrs[i];
		if (parse_addr(a, addrs[i], err, errlen) < 0)
			return -1;
		a->mpxs = -1;
		if ((a->label = strdup(addrs[i])) == NULL) {
			snprintf(err, errlen, "out of memory");
			return -1;
		}
		p->naddrs++;
	}
	return 0;
}

/* In the child: fd 0 is the pool socket, fd 1 /dev/null, fd 2 our stderr;
 * it dies with us (PR_SET_PDEATHSIG), so a SIGKILLed master leaves no orphans. */
/* A spawned process's stderr: h2cgi reads it and logs it line by line as
 * "pool NAME[PID]", so that each line says whose it is. */
struct errpipe {
	struct loop_io io; /* first: freed through loop_free_later */
	struct pool *pool;
	pid_t pid;
	struct errpipe *next;
	struct log_lines lines;
};

static void errpipe_close(struct errpipe *e)
{
	char who[120];

	snprintf(who, sizeof(who), "pool %s[%d]", e->pool->name, (int)e->pid);
	log_lines_feed(&e->lines, who, NULL, 0, true);
	for (struct errpipe **q = &e->pool->errpipes; *q; q = &(*q)->next)
		if (*q == e) {
			*q = e->next;
			break;
		}
	int fd = e->io.fd;
	loop_del(&e->io);
	close(fd);
	loop_free_later(&e->io);
}

/* Reads what waits (at most 64 KiB a turn); EOF: every copy of the write
 * end is closed, the process and whatever it started are gone. */
static void errpipe_io(struct loop_io *io, uint32_t events)
{
	struct errpipe *e = (struct errpipe *)io;
	char who[120];
	uint8_t b[4096];

	(void)events;
	snprintf(who, sizeof(who), "pool %s[%d]", e->pool->name, (int)e->pid);
	for (int i = 0; i < 16; i++) {
		ssize_t n = read(io->fd, b, sizeof(b));
		if (n > 0) {
			log_lines_feed(&e->lines, who, b, (size_t)n, false);
			continue;
		}
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		errpipe_close(e);
		return;
	}
}

/* Watches r, the read end of process pid's stderr. */
static void errpipe_watch(struct pool *p, pid_t pid, int r)
{
	struct errpipe *e = calloc(1, sizeof(*e));

	if (e == NULL || fcntl(r, F_SETFL, O_NONBLOCK) < 0 ||
	    loop_add(&e->io, r, EPOLLIN, errpipe_io) < 0) {
		free(e);
		close(r);
		return;
	}
	e->pool = p;
	e->pid = pid;
	e->next = p->errpipes;
	p->errpipes = e;
}

static void child_exec(struct pool *p, int listen_fd, pid_t parent, int err_fd)
{
	sigset_t none;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (prctl(PR_SET_PDEATHSIG, SIGTERM) < 0 || getppid() != parent)
		_exit(1);
	if (dup2(listen_fd, 0) < 0)
		_exit(1);
	int null = open("/dev/null", O_WRONLY);
	if (null < 0 || dup2(null, 1) < 0)
		_exit(1);
	if (null > 2)
		close(null);
	if (err_fd >= 0 && dup2(err_fd, 2) < 0)
		_exit(1);
	execl("/bin/sh", "sh", "-c", p->cmd, (char *)NULL);
	_exit(127);
}

static int start_proc(struct pool *p, struct pool_gen *g, struct proc *pr)
{
	pid_t parent = getpid();
	int err[2] = {-1, -1};

	if (pipe2(err, O_CLOEXEC) < 0)
		log_warn("pool %s: no pipe for the backend's stderr: %s", p->name, strerror(errno));
	pid_t pid = fork();
	if (pid < 0) {
		log_err("pool %s: fork: %s", p->name, strerror(errno));
		if (err[0] >= 0) {
			close(err[0]);
			close(err[1]);
		}
		return -1;
	}
	if (pid == 0)
		child_exec(p, pr->listen_fd >= 0 ? pr->listen_fd : g->listen_fd, parent, err[1]);
	if (err[0] >= 0) {
		close(err[1]);
		errpipe_watch(p, pid, err[0]);
	}
	pr->pid = pid;
	pr->on = true;
	pr->started = pr->idle_since = loop_now();
	return 0;
}

/* Per-process mode: slot i of g gets its socket (dir/name.G.I.sock; kept
 * for the slot's later processes). Returns 0 or -1 with err. */
static int slot_open(struct pool *p, struct pool_gen *g, int i, char *err, size_t errlen)
{
	struct proc *pr = &g->procs[i];
	char path[256];

	if (pr->listen_fd >= 0)
		return 0;
	snprintf(path, sizeof(path), "%s/%s.%d.%d.sock", p->dir, p->name, g->id, i);
	if (sun_set(&pr->sa, path, err, errlen) < 0)
		return -1;
	if ((pr->sock_path = strdup(path)) == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	/* a backlog of 2: h2cgi connects to a process only when it holds none
	 * of its connections */
	pr->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (pr->listen_fd < 0 || bind(pr->listen_fd, (struct sockaddr *)&pr->sa, sizeof(pr->sa)) < 0 ||
	    listen(pr->listen_fd, 2) < 0) {
		snprintf(err, errlen, "pool socket %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void gen_free(struct pool_gen *g)
{
	for (int i = 0; i < g->nprocs; i++) {
		struct proc *pr = &g->procs[i];
		if (pr->listen_fd >= 0)
			close(pr->listen_fd);
		if (pr->sock_path)
			unlink(pr->sock_path);
		free(pr->sock_path);
	}
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	if (g->sock_path)
		unlink(g->sock_path);
	free(g->sock_path);
	free(g->procs);
	free(g);
}

/* dir/name.sock, a link to the current generation's socket: workers
 * connect through it, so a restart needs no address change (rename(2)
 * replaces it atomically). */
static int link_current(struct pool *p, struct pool_gen *g, char *err, size_t errlen)
{
	char link[256], tmp[256];
	const char *base = strrchr(g->sock_path, '/') + 1;

	snprintf(link, sizeof(link), "%s/%s.sock", p->dir, p->name);
	snprintf(tmp, sizeof(tmp), "%s/%s.sock.new", p->dir, p->name);
	unlink(tmp);
	if (symlink(base, tmp) < 0 || rename(tmp, link) < 0) {
		snprintf(err, errlen, "pool link %s: %s", link, strerror(errno));
		return -1;
	}
	return 0;
}

/* A new socket (dir/name.N.sock) with nprocs children on it, p->addr
 * pointing at it afterwards; or, per process, a socket each and room for
 * procs_max. Returns NULL with err filled. */
static struct pool_gen *gen_new(struct pool *p, int nprocs, char *err, size_t errlen)
{
	char path[256];
	struct pool_gen *g = calloc(1, sizeof(*g));
	int slots = p->per_proc ? p->procs_max : nprocs;

	if (g == NULL || (g->procs = calloc((size_t)slots, sizeof(*g->procs))) == NULL) {
		snprintf(err, errlen, "out of memory");
		free(g);
		return NULL;
	}
	g->id = ++p->ngen;
	g->nprocs = slots;
	g->listen_fd = -1;
	for (int i = 0; i < slots; i++)
		g->procs[i].listen_fd = -1;
	if (p->per_proc) {
		for (int i = 0; i < nprocs; i++)
			if (slot_open(p, g, i, err, errlen) < 0 || start_proc(p, g, &g->procs[i]) < 0) {
				for (int k = 0; k < i; k++)
					kill(g->procs[k].pid, SIGTERM); /* reaped by SIGCHLD */
				gen_free(g);
				return NULL;
			}
		return g;
	}
	snprintf(path, sizeof(path), "%s/%s.%d.sock", p->dir, p->name, g->id);
	struct sockaddr_storage old = p->addr;
	socklen_t oldlen = p->addrlen;
	if (unix_addr(p, path, err, errlen) < 0 || (g->sock_path = strdup(path)) == NULL)
		goto fail;
	/* CLOEXEC: children get it as fd 0 through dup2, which clears the flag
	 * on the copy; the original must not leak into other children. The
	 * backlog is the pool size: when it is full, connect() says EAGAIN and
	 * requests wait in our queue. */
	g->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (g->listen_fd < 0 || bind(g->listen_fd, (struct sockaddr *)&p->addr, p->addrlen) < 0 ||
	    listen(g->listen_fd, nprocs) < 0) {
		snprintf(err, errlen, "pool socket %s: %s", path, strerror(errno));
		goto fail;
	}
	if (link_current(p, g, err, errlen) < 0)
		goto fail;
	for (int i = 0; i < nprocs; i++)
		if (start_proc(p, g, &g->procs[i]) < 0) {
			snprintf(err, errlen, "cannot start %s", p->cmd);
			for (int k = 0; k < i; k++)
				kill(g->procs[k].pid, SIGTERM); /* reaped by SIGCHLD */
			goto fail;
		}
	return g;
fail:
	p->addr = old;
	p->addrlen = oldlen;
	gen_free(g);
	return NULL;
}

int pool_spawn(struct pool *p, const char *name, const char *cmd, int nprocs, int max,
	       const char *dir, char *err, size_t errlen)
{
	pool_base(p, name);
	p->per_proc = max > 0;
	p->procs_min = nprocs;
	p->procs_max = max > nprocs ? max : nprocs;
	/* exec: the backend itself is our child, so that PR_SET_PDEATHSIG and
	 * our SIGTERM reach it, not a shell that would leave it orphaned */
	size_t n = strlen(cmd) + 6;
	if ((p->cmd = malloc(n)) != NULL)
		snprintf(p->cmd, n, "exec %s", cmd);
	p->dir = strdup(dir);
	if (!p->cmd || !p->dir) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if ((p->gen = gen_new(p, nprocs, err, errlen)) == NULL)
		return -1;
	if (p->procs_max > nprocs)
		log_info("pool %s: started %d x %s (up to %d while requests wait)", name, nprocs, cmd,
			 p->procs_max);
	else
		log_info("pool %s: started %d x %s", name, nprocs, cmd);
	return 0;
}

/* Asks every child of a retired generation to stop (reaped by SIGCHLD). */
static void gen_stop(struct pool *p, struct pool_gen *g)
{
	for (int i = 0; i < g->nprocs; i++)
		if (g->procs[i].pid > 0)
			kill(g->procs[i].pid, SIGTERM);
	log_info("pool %s: generation %d done, stopping its backends", p->name, g->id);
}

int pool_restart(struct pool *p)
{
	char err[256];

	if (p->cmd == NULL || p->gen == NULL)
		return 0;
	struct pool_gen *old = p->gen;
	struct pool_gen *g = gen_new(p, p->per_proc ? p->procs_min : old->nprocs, err, sizeof(err));
	if (g == NULL) {
		log_err("pool %s: restart failed, keeping the running backends: %s", p->name, err);
		return -1;
	}
	idle_drop(p); /* parked connections belong to the old generation */
	p->gen = g;
	/* nobody new reaches the old socket; its backends finish what they have */
	close(old->listen_fd);
	old->listen_fd = -1;
	if (old->sock_path)
		unlink(old->sock_path);
	old->next = p->retired;
	p->retired = old;
	if (p->role == POOL_MASTER) {
		old->reports = p->workers;
		log_info("pool %s: restarted as generation %d; generation %d stops when the %d "
			 "workers are done with it", p->name, g->id, old->id, p->workers);
		if (old->reports == 0)
			gen_stop(p, old);
		return 0;
	}
	log_info("pool %s: restarted as generation %d; generation %d finishes %u requests", p->name,
		 g->id, old->id, old->active);
	if (old->active == 0)
		gen_stop(p, old);
	return 0;
}

void pool_set_master(struct pool *p, int n)
{
	p->role = POOL_MASTER;
	p->workers = n;
}

void pool_master_report(struct pool *p, int id)
{
	if (id == 0)
		p->workers--;
	for (struct pool_gen *g = p->retired; g; g = g->next)
		if ((id == 0 || g->id == id) && g->reports > 0 && --g->reports == 0)
			gen_stop(p, g);
}

/* A worker's view of a generation: only a connection count. */
static struct pool_gen *worker_gen(struct pool *p)
{
	char link[256], target[256];
	struct pool_gen *g = calloc(1, sizeof(*g));

	if (g == NULL)
		return NULL;
	g->listen_fd = -1;
	snprintf(link, sizeof(link), "%s/%s.sock", p->dir, p->name);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n > 0) {
		target[n] = '\0';
		const char *dot = strrchr(target, '.'); /* name.N.sock */
		while (dot > target && dot[-1] != '.')
			dot--;
		g->id = atoi(dot);
	}
	return g;
}

static void worker_forget(struct pool_gen *g)
{
	if (g->listen_fd >= 0)
		close(g->listen_fd);
	free(g->sock_path);
	free(g->procs);
	free(g);
}

void pool_worker_init(struct pool *p, int report_fd)
{
	char link[256], err[300];

	if (p->cmd == NULL)
		return; /* external: nothing to count */
	/* the master's generations are the master's: forget them here (their
	 * sockets too; the files stay, the master removes them) */
	while (p->retired) {
		struct pool_gen *g = p->retired;
		p->retired = g->next;
		worker_forget(g);
	}
	if (p->gen)
		worker_forget(p->gen);
	p->role = POOL_WORKER;
	p->report_fd = report_fd;
	snprintf(link, sizeof(link), "%s/%s.sock", p->dir, p->name);
	unix_addr(p, link, err, sizeof(err));
	p->gen = worker_gen(p);
}

static void worker_report(struct pool *p, struct pool_gen *g)
{
	char msg[128];
	int n = snprintf(msg, sizeof(msg), "%s %d\n", p->name, g->id);
	ssize_t w = write(p->report_fd, msg, (size_t)n); /* < PIPE_BUF: atomic */
	(void)w;
}

void pool_worker_hup(struct pool *p)
{
	if (p->role != POOL_WORKER || p->gen == NULL || p->closed)
		return;
	struct pool_gen *old = p->gen, *g = worker_gen(p);
	if (g == NULL || g->id == old->id) {
		free(g);
		return; /* the master's restart failed: same generation */
	}
	idle_drop(p);
	p->gen = g;
	if (old->active == 0) {
		worker_report(p, old);
		free(old);
		return;
	}
	old->next = p->retired;
	p->retired = old;
}

int pool_attach(struct pool *p, const char *name, const char *cmd, const char *dir,
		int report_fd)
{
	pool_base(p, name);
	p->cmd = strdup(cmd);
	p->dir = strdup(dir);
	if (p->cmd == NULL || p->dir == NULL)
		return -1;
	pool_worker_init(p, report_fd);
	return p->gen ? 0 : -1;
}

void pool_retire(struct pool *p)
{
	struct pool_gen *old = p->gen;

	p->closed = true;
	idle_drop(p);
	while (p->qhead) {
		struct pool_waiter *w = p->qhead;
		pool_dequeue(p, w);
		w->expired(w, "the route's backend was removed by a reload");
	}
	if (old == NULL)
		return; /* external: connections just end */
	p->gen = NULL;
	if (p->role == POOL_WORKER) {
		if (old->active == 0) {
			worker_report(p, old);
			free(old);
		} else {
			old->next = p->retired;
			p->retired = old;
		}
		return;
	}
	close(old->listen_fd);
	old->listen_fd = -1;
	if (old->sock_path)
		unlink(old->sock_path);
	char link[256];
	snprintf(link, sizeof(link), "%s/%s.sock", p->dir, p->name);
	unlink(link);
	old->next = p->retired;
	p->retired = old;
	if (p->role == POOL_MASTER) {
		old->reports = p->workers;
		log_info("pool %s: no route uses it any more; it stops when the %d workers are done "
			 "with it", p->name, p->workers);
		if (old->reports == 0)
			gen_stop(p, old);
		return;
	}
	log_info("pool %s: no route uses it any more; it stops after its %u requests", p->name,
		 old->active);
	if (old->active == 0)
		gen_stop(p, old);
}

/* Processes of g alive now. */
static int gen_alive(const struct pool_gen *g)
{
	int n = 0;

	for (int i = 0; i < g->nprocs; i++)
		n += g->procs[i].pid > 0;
	return n;
}

/* Process slots of g in use. */
static int gen_on(const struct pool_gen *g)
{
	int n = 0;

	for (int i = 0; i < g->nprocs; i++)
		n += g->procs[i].on;
	return n;
}

/* A spawned pool we supervise whose every process died young and waits out
 * its backoff: a request would only sit in the socket's backlog. */
static bool gen_down(const struct pool *p)
{
	if (p->role == POOL_WORKER || p->gen == NULL || p->gen->procs == NULL ||
	    gen_alive(p->gen) > 0)
		return false;
	for (int i = 0; i < p->gen->nprocs; i++)
		if (p->gen->procs[i].on && p->gen->procs[i].crashes == 0)
			return false; /* restarting at once after a long life */
	return true;
}

unsigned pool_retry_after(const struct pool *p)
{
	uint64_t now = loop_now(), next = UINT64_MAX;

	for (int i = 0; p->gen && p->gen->procs && i < p->gen->nprocs; i++)
		if (p->gen->procs[i].on && p->gen->procs[i].pid == 0 &&
		    p->gen->procs[i].restart_at < next)
			next = p->gen->procs[i].restart_at;
	for (int i = 0; i < p->naddrs; i++)
		if (p->addrs[i].down_until && p->addrs[i].down_until < next)
			next = p->addrs[i].down_until;
	if (next == UINT64_MAX || next <= now)
		return 1;
	return (unsigned)((next - now + 999) / 1000);
}

/* The gen's connection count dropped: a retired generation with nothing
 * left to do stops (or, in a worker, is reported done). */
static void gen_release(struct pool *p, struct pool_gen *gen)
{
	if (gen == NULL || --gen->active != 0 || gen == p->gen)
		return;
	if (p->role == POOL_WORKER) {
		worker_report(p, gen);
		for (struct pool_gen **gp = &p->retired; *gp; gp = &(*gp)->next)
			if (*gp == gen) {
				*gp = gen->next;
				break;
			}
		free(gen);
	} else {
		gen_stop(p, gen);
	}
}

/* Closes pc, busy or not, and forgets it. */
/* The process slot pc went to (per-process mode), or NULL. */
static struct proc *slot_of(const struct pool_conn *pc)
{
	if (pc->slot < 0 || pc->gen == NULL || pc->slot >= pc->gen->nprocs)
		return NULL;
	return &pc->gen->procs[pc->slot];
}

/* The backend no longer holds pc (closed by either side): its process
 * may take another connection. */
static void let_go(struct pool *p, struct pool_conn *pc)
{
	struct proc *pr = slot_of(pc);

	p->held--;
	if (pr && pr->conns > 0)
		pr->conns--;
}

/* Takes pc off the list of multiplexed connections with room. */
static void shared_unlink(struct pool *p, struct pool_conn *pc)
{
	if (!pc->shared)
		return;
	for (struct pool_conn **q = &p->shared; *q; q = &(*q)->next)
		if (*q == pc) {
			*q = pc->next;
			break;
		}
	pc->shared = false;
	pc->next = NULL;
}

static void conn_close(struct pool *p, struct pool_conn *pc)
{
	if (!pc->peer_gone)
		let_go(p, pc);
	shared_unlink(p, pc);
	loop_del(&pc->io);
	close(pc->fd);
	buf_free(&pc->in);
	if (pc->addr >= 0 && p->addrs[pc->addr].conns > 0)
		p->addrs[pc->addr].conns--;
	gen_release(p, pc->gen);
	loop_free_later(&pc->io); /* an event for it may wait in this batch */
}

static void idle_unlink(struct pool *p, struct pool_conn *pc)
{
	for (struct pool_conn **q = &p->idle; *q; q = &(*q)->next)
		if (*q == pc) {
			*q = pc->next;
			p->nidle--;
			return;
		}
}

/* A parked connection that became readable: the backend closed it (or
 * sent bytes nobody asked for); either way it is done. */
static void idle_io(struct loop_io *io, uint32_t events)
{
	struct pool_conn *pc = (struct pool_conn *)io;
	struct pool *p = pc->pool;

	(void)events;
	idle_unlink(p, pc);
	conn_close(p, pc);
}

/* Marks the address of pc down after a refusal: 1 s, doubling to 30 s. */
static void addr_down(struct pool *p, int ai, int err)
{
	struct pool_addr *a = &p->addrs[ai];
	unsigned shift = a->failures < 5 ? a->failures : 5;

	if (a->down_until > loop_now())
		return; /* other connections' failures from the same outage */
	uint64_t ms = 1000ULL << shift;

	if (ms > 30000)
		ms = 30000;
	a->failures++;
	a->down_until = loop_now() + ms;
	snprintf(p->last_err, sizeof(p->last_err), "%s: %s", a->label, strerror(err));
	log_warn("pool %s: backend %s: %s; marked down for %llu ms", p->name, a->label,
		 strerror(err), (unsigned long long)ms);
}

const char *pool_conn_label(const struct pool *p, const struct pool_conn *pc)
{
	if (p->naddrs > 0 && pc && pc->addr >= 0 && pc->addr < p->naddrs)
		return p->addrs[pc->addr].label;
	if (p->naddrs > 0)
		return p->addrs[0].label;
	if (pc && pc->slot >= 0 && pc->gen && pc->slot < pc->gen->nprocs &&
	    pc->gen->procs[pc->slot].sock_path)
		return pc->gen->procs[pc->slot].sock_path;
	return p->gen && p->gen->sock_path ? p->gen->sock_path : p->name;
}

/* The address a new connection goes to: the live one with the fewest
 * requests outstanding (an address whose backoff is over is live again,
 * and its next refusal doubles the backoff), never one holding as many
 * connections as its FCGI_MAX_CONNS. -1: all are down; -2: the live ones
 * are full (wait). */
static int pick_addr(struct pool *p)
{
	uint64_t now = loop_now();
	int best = -1, full = 0;

	for (int k = 0; k < p->naddrs; k++) {
		int i = (int)((p->opened + (unsigned long long)k) % (unsigned long long)p->naddrs);
		const struct pool_addr *a = &p->addrs[i];
		if (a->down_until > now)
			continue;
		/* one connection until the answer (or a second without one) */
		if ((a->max_conns && a->conns >= a->max_conns) || (a->probe && a->conns >= 1) ||
		    (a->max_reqs && a->outstanding >= a->max_reqs)) {
			full++;
			continue;
		}
		if (best < 0 || a->outstanding < p->addrs[best].outstanding)
			best = i;
	}
	return best < 0 && full ? -2 : best;
}

/* FCGI_GET_VALUES (FastCGI 1.0 §4.1), asked once per address on a
 * connection of its own at first contact, so that h2cgi never opens more
 * connections than the server says it takes. Requests do not wait for the
 * answer; a server that does not answer (libfcgi ignores a lone
 * GET_VALUES) within a second is taken as saying nothing. */
struct pool_probe {
	struct loop_io io; /* first: freed through loop_free_later */
	struct loop_timer timer;
	struct pool *pool;
	int ai;
	bool sent;
	uint8_t buf[1024];
	size_t len;
};

static void probe_end(struct pool_probe *pr)
{
	struct pool_addr *a = &pr->pool->addrs[pr->ai];

	loop_timer_cancel(&pr->timer);
	if (pr->io.fd >= 0) {
		int fd = pr->io.fd;
		loop_del(&pr->io);
		close(fd);
	}
	a->probe = NULL;
	a->probed = true;
	loop_free_later(&pr->io);
}

/* The question is settled: requests that waited for it may go. */
static void probe_done(struct pool_probe *pr)
{
	struct pool *p = pr->pool;

	probe_end(pr);
	if (p->qhead)
		drain_queue(p);
}

static void probe_timeout(struct loop_timer *t)
{
	probe_done((struct pool_probe *)((char *)t - offsetof(struct pool_probe, timer)));
}

/* One worker's share of a bound the server gave (0: none), at least 1. */
static unsigned share_of(unsigned bound, int sharers)
{
	unsigned n = sharers > 1 ? (unsigned)sharers : 1;

	return bound == 0 ? 0 : bound / n ? bound / n : 1;
}

void pool_max_conns(struct pool *p, unsigned n)
{
	for (int i = 0; i < p->naddrs; i++) {
		p->addrs[i].max_conns = share_of(n, p->sharers);
		p->addrs[i].probed = true; /* the user said it: no second opinion */
		p->addrs[i].declared = true;
	}
}

static void probe_io(struct loop_io *io, uint32_t events)
{
	struct pool_probe *pr = (struct pool_probe *)io;
	struct pool *p = pr->pool;
	struct pool_addr *a = &p->addrs[pr->ai];

	if (!pr->sent && (events & EPOLLOUT)) {
		uint8_t q[8 + 48];
		size_t n = 8;
		n += fcgi_nv_encode(q + n, "FCGI_MAX_CONNS", 14, "", 0);
		n += fcgi_nv_encode(q + n, "FCGI_MAX_REQS", 13, "", 0);
		n += fcgi_nv_encode(q + n, "FCGI_MPXS_CONNS", 15, "", 0);
		fcgi_header(q, FCGI_GET_VALUES, 0, n - 8, 0);
		if (send(io->fd, q, n, MSG_NOSIGNAL) != (ssize_t)n) {
			probe_done(pr);
			return;
		}
		pr->sent = true;
		loop_mod(io, EPOLLIN);
		return;
	}
	ssize_t r = read(io->fd, pr->buf + pr->len, sizeof(pr->buf) - pr->len);
	if (r <= 0) {
		if (r < 0 && errno == EAGAIN)
			return;
		probe_done(pr);
		return;
	}
	pr->len += (size_t)r;
	if (pr->len < FCGI_HEADER_LEN)
		return;
	size_t clen = (size_t)pr->buf[4] << 8 | pr->buf[5];
	if (pr->buf[1] != FCGI_GET_VALUES_RESULT || FCGI_HEADER_LEN + clen > sizeof(pr->buf)) {
		probe_done(pr); /* not an answer to the question */
		return;
	}
	if (pr->len < FCGI_HEADER_LEN + clen)
		return;
	struct fcgi_values v;
	if (fcgi_values_parse(pr->buf + FCGI_HEADER_LEN, clen, &v) == 0) {
		/* each worker asks on its own and takes its share */
		a->max_conns = share_of(v.max_conns, p->sharers);
		a->max_reqs = share_of(v.max_reqs, p->sharers);
		a->mpxs = v.mpxs_conns;
		log_info("pool %s: backend %s says FCGI_MAX_CONNS %s%u, FCGI_MAX_REQS %s%u, "
			 "FCGI_MPXS_CONNS %d%s", p->name, a->label, v.max_conns ? "" : "(none) ",
			 v.max_conns, v.max_reqs ? "" : "(none) ", v.max_reqs, v.mpxs_conns,
			 v.mpxs_conns == 1 && p->keep ? ": requests share connections" : "");
	}
	probe_done(pr);
}

static void probe_start(struct pool *p, int ai)
{
	struct pool_addr *a = &p->addrs[ai];
	struct pool_probe *pr = calloc(1, sizeof(*pr));

	a->probed = true; /* once, whatever happens */
	if (pr == NULL)
		return;
	pr->pool = p;
	pr->ai = ai;
	int fd = socket(a->sa.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0 || (connect(fd, (struct sockaddr *)&a->sa, a->len) < 0 && errno != EINPROGRESS) ||
	    loop_add(&pr->io, fd, EPOLLOUT, probe_io) < 0) {
		if (fd >= 0)
			close(fd);
		free(pr);
		return;
	}
	a->probe = pr;
	loop_timer_set(&pr->timer, 1000, probe_timeout);
}

static void taken(struct pool *p, struct pool_conn *pc)
{
	struct proc *pr = slot_of(pc);

	/* FastCGI 1.0 §4.1: a server that says FCGI_MPXS_CONNS 1 takes several
	 * requests on one connection; that needs FCGI_KEEP_CONN, or it would
	 * close the connection after the first one's end */
	pc->mpx = p->keep && pc->addr >= 0 && p->addrs[pc->addr].mpxs == 1;
	if (pc->mpx && !pc->shared) {
		pc->shared = true;
		pc->next = p->shared;
		p->shared = pc;
	}
	if (pr) {
		pr->busy = true;
		pr->served++;
	}
	pc->requests++;
	p->busy++;
	if (p->naddrs)
		p->addrs[pc->addr].outstanding++;
}

/* Per-process mode: a process holding none of our connections, a running
 * one first; else a new process while the pool is under --procs MAX.
 * -1: every process has a request. */
static int pick_slot(struct pool *p)
{
	struct pool_gen *g = p->gen;
	int waiting = -1, off = -1, on = 0;
	char err[200];

	for (int i = 0; i < g->nprocs; i++) {
		struct proc *pr = &g->procs[i];
		on += pr->on;
		if (!pr->on) {
			if (off < 0)
				off = i;
			continue;
		}
		if (pr->conns > 0 || pr->retiring || pr->stopping)
			continue;
		if (pr->pid > 0)
			return i;
		if (waiting < 0)
			waiting = i; /* restarting: its backlog keeps the connection */
	}
	if (off >= 0 && on < p->procs_max) {
		if (slot_open(p, g, off, err, sizeof(err)) < 0 || start_proc(p, g, &g->procs[off]) < 0) {
			log_err("pool %s: cannot grow: %s", p->name, err);
		} else {
			g->procs[off].crashes = 0;
			g->procs[off].served = 0;
			log_info("pool %s: requests wait; started process %d (%d running)", p->name,
				 (int)g->procs[off].pid, on + 1);
			arm_idle(p);
			return off;
		}
	}
	return waiting;
}

/* A multiplexed connection with room for one more request, on a live
 * address that takes more, the least loaded first; NULL: none. */
static struct pool_conn *shared_pick(struct pool *p)
{
	struct pool_conn *best = NULL;
	uint64_t now = loop_now();

	for (struct pool_conn *pc = p->shared; pc; pc = pc->next) {
		const struct pool_addr *a = &p->addrs[pc->addr];
		if (pc->connecting || pc->broken || pc->peer_gone || pc->nusers >= POOL_MPX_MAX ||
		    a->down_until > now || (a->max_reqs && a->outstanding >= a->max_reqs))
			continue;
		if (best == NULL || a->outstanding < p->addrs[best->addr].outstanding ||
		    (a->outstanding == p->addrs[best->addr].outstanding && pc->nusers < best->nusers))
			best = pc;
	}
	return best;
}

/* Every backend is busy (pool_get's EAGAIN). A request that must have a
 * new connection (sent again after one was closed under it) and finds the
 * bound taken by parked connections, which it does not take, would wait
 * at the head of the queue for ever, and every request behind it: a
 * parked one is closed to make room instead. */
static int busy(struct pool *p, struct pool_conn **out, bool fresh)
{
	if (fresh && p->idle) {
		struct pool_conn *pc = p->idle;
		p->idle = pc->next;
		p->nidle--;
		conn_close(p, pc);
		return pool_get(p, out, fresh);
	}
	errno = EAGAIN;
	return -1;
}

int pool_get(struct pool *p, struct pool_conn **out, bool fresh)
{
	*out = NULL;
	if (p->closed) {
		errno = ECONNREFUSED;
		return -1;
	}
	struct pool_conn *sh = fresh ? NULL : shared_pick(p);
	if (sh) {
		sh->reused = true;
		taken(p, sh);
		p->reused_count++;
		*out = sh;
		return 0;
	}
	/* a parked connection first: a libfcgi or php-fpm process serves only
	 * the connection it holds, so it waits for this one alone. It stays
	 * watched (its new owner takes the same registration). One parked in
	 * an earlier loop turn is asked whether the backend closed it since:
	 * that event may wait unread in this turn's batch. One parked in this
	 * turn has just ended a request (a close after that is met by the
	 * retry of a request the backend closed on). */
	while (p->idle && !fresh) {
		struct pool_conn *pc = p->idle;
		p->idle = pc->next;
		p->nidle--;
		if (pc->parked_turn != loop_turn()) {
			char c;
			ssize_t r = recv(pc->fd, &c, 1, MSG_PEEK | MSG_DONTWAIT);
			if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
				conn_close(p, pc); /* closed by the backend meanwhile */
				continue;
			}
		}
		pc->reused = true;
		pc->next = NULL;
		taken(p, pc);
		p->reused_count++;
		*out = pc;
		return 0;
	}
	if (gen_down(p)) {
		errno = EHOSTDOWN;
		return -1;
	}
	if (p->cap > 0 && p->held >= (unsigned)p->cap)
		return busy(p, out, fresh); /* each process holds one of ours */
	int ai = -1, slot = -1;
	const struct sockaddr *sa = (const struct sockaddr *)&p->addr;
	socklen_t salen = p->addrlen;
	if (p->per_proc && p->gen) {
		if ((slot = pick_slot(p)) < 0)
			return busy(p, out, fresh); /* each process has a request */
		sa = (const struct sockaddr *)&p->gen->procs[slot].sa;
		salen = sizeof(p->gen->procs[slot].sa);
	}
	if (p->naddrs > 0) {
		if ((ai = pick_addr(p)) == -2)
			return busy(p, out, fresh); /* at their FCGI_MAX_CONNS */
		if (ai < 0) {
			errno = EHOSTDOWN;
			return -1;
		}
		sa = (const struct sockaddr *)&p->addrs[ai].sa;
		salen = p->addrs[ai].len;
	}
	struct pool_conn *pc = calloc(1, sizeof(*pc));
	if (pc == NULL)
		return -1;
	pc->io.fd = -1;
	pc->pool = p;
	pc->addr = ai;
	pc->slot = slot;
	int fd = socket(sa->sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		free(pc);
		return -1;
	}
	int rc = 0;
	if (connect(fd, sa, salen) < 0) {
		if (errno != EINPROGRESS) {
			int e = errno;
			close(fd);
			free(pc);
			if (ai >= 0 && e != EAGAIN) {
				/* refused at once: mark it and let the caller try again */
				addr_down(p, ai, e);
				if (pick_addr(p) != -1) {
					errno = 0;
					return pool_get(p, out, fresh);
				}
				errno = EHOSTDOWN;
				return -1;
			}
			errno = e;
			return -1;
		}
		rc = 1;
	}
	pc->fd = fd;
	if ((pc->gen = p->gen) != NULL)
		pc->gen->active++;
	if (slot >= 0)
		p->gen->procs[slot].conns++;
	if (ai >= 0) {
		p->addrs[ai].conns++;
		/* asked after this connection, which the server then accepts first */
		if (!p->addrs[ai].probed)
			probe_start(p, ai);
	}
	p->opened++;
	p->fresh++;
	pc->fresh = true;
	p->held++;
	taken(p, pc);
	*out = pc;
	return rc;
}
static void arm(struct pool *p)
{
	if (!p->timer.armed)
		loop_timer_set(&p->timer, RETRY_MS, pool_tick);
}

int pool_enqueue(struct pool *p, struct pool_waiter *w)
{
	if (p->qlen >= p->qmax)
		return -1;
	w->next = NULL;
	w->prev = p->qtail;
	if (p->qtail)
		p->qtail->next = w;
	else
		p->qhead = w;
	p->qtail = w;
	w->queued = true;
	w->since = loop_now();
	p->qlen++;
	arm(p);
	return 0;
}

void pool_dequeue(struct pool *p, struct pool_waiter *w)
{
	if (!w->queued)
		return;
	if (w->prev)
		w->prev->next = w->next;
	else
		p->qhead = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		p->qtail = w->prev;
	w->next = w->prev = NULL;
	w->queued = false;
	p->qlen--;
}

static void push_front(struct pool *p, struct pool_waiter *w)
{
	w->next = p->qhead;
	w->prev = NULL;
	if (p->qhead)
		p->qhead->prev = w;
	else
		p->qtail = w;
	p->qhead = w;
	w->queued = true;
	p->qlen++;
}

/* Hands free backends to queued requests, oldest first. A request that
 * fails here gives its connection back, which calls back into pool_put():
 * that only asks for another round, never nests. */
static void drain_queue(struct pool *p)
{
	if (p->draining) {
		p->drain_again = true;
		return;
	}
	p->draining = true;
	do {
		p->drain_again = false;
		while (p->qhead) {
			struct pool_waiter *w = p->qhead;
			uint64_t since = w->since;
			pool_dequeue(p, w);
			if (w->ready(w) == 1) { /* still busy: back to the front */
				w->since = since;
				push_front(p, w);
				break;
			}
		}
		/* RFC 9110 §15.6.4: 503 when nothing freed up within the bound */
		uint64_t now = loop_now();
		while (p->qhead && now - p->qhead->since >= (uint64_t)p->qtimeout * 1000) {
			struct pool_waiter *w = p->qhead;
			pool_dequeue(p, w);
			char why[160];
			snprintf(why, sizeof(why), "every backend is busy: waited %d s (--queue-timeout)",
				 p->qtimeout);
			w->expired(w, why);
		}
	} while (p->drain_again && p->qhead);
	p->draining = false;
}

/* One request fewer on pc. */
static void untaken(struct pool *p, struct pool_conn *pc)
{
	struct proc *pr = slot_of(pc);

	if (pr) {
		pr->busy = false;
		pr->idle_since = loop_now();
	}
	p->busy--;
	if (p->naddrs)
		p->addrs[pc->addr].outstanding--;
	if (pc->fresh && pc->nusers == 0) { /* over without a byte back */
		pc->fresh = false;
		p->fresh--;
	}
}

void pool_answered(struct pool *p, struct pool_conn *pc)
{
	if (pc->fresh) {
		pc->fresh = false;
		p->fresh--;
	}
	if (p->naddrs)
		p->addrs[pc->addr].failures = 0;
}

void pool_peer_gone(struct pool *p, struct pool_conn *pc)
{
	if (pc->peer_gone)
		return;
	pc->peer_gone = true;
	let_go(p, pc);
	if (p->qhead)
		drain_queue(p);
}

bool pool_failed(struct pool *p, struct pool_conn *pc, int err)
{
	int ai = pc->addr;

	untaken(p, pc);
	conn_close(p, pc);
	if (ai >= 0) {
		addr_down(p, ai, err);
		return pick_addr(p) != -1;
	}
	if (p->qhead)
		drain_queue(p);
	return false;
}

/* True when pc goes to an external server that said how many connections
 * it takes (FCGI_MAX_CONNS, or --max-conns for it). */
static bool told(const struct pool *p, const struct pool_conn *pc)
{
	return pc->addr >= 0 && p->addrs[pc->addr].max_conns;
}

/* True when a connection parked on pc's server holds one of its processes
 * from its other clients: a server that did not say FCGI_MAX_CONNS itself
 * (--max-conns only tells h2cgi how many it may hold). */
static bool holds_process(const struct pool *p, const struct pool_conn *pc)
{
	return pc->addr >= 0 && (!p->addrs[pc->addr].max_conns || p->addrs[pc->addr].declared);
}

/* Parks pc for the next request, unless that could make a request starve:
 * a new connection still waiting for its first byte may sit in the
 * backend's accept queue, behind a process that would wait on this
 * parked connection instead of accepting it (the stall nginx shows with
 * keepalive in front of a small libfcgi pool). A pool with a cap never has
 * more connections than processes, so it has no such wait, nor has a
 * server that said how many it takes (FCGI_MAX_CONNS, or --max-conns).
 * With --workers, a worker cannot see the others' new connections: it
 * parks a connection to an external server only when that was said. */
static bool park(struct pool *p, struct pool_conn *pc)
{
	bool said = told(p, pc);

	if (p->idle_max <= 0 || p->nidle >= p->idle_max || p->closed ||
	    (pc->gen != NULL && pc->gen != p->gen) ||
	    (p->cap == 0 && !p->per_proc && p->fresh > 0 && !said) ||
	    (p->sharers > 1 && pc->addr >= 0 && !said))
		return false;
	/* still watched from its request: the same registration, no syscall */
	if (loop_watch(&pc->io, pc->fd, EPOLLIN | EPOLLRDHUP, idle_io) < 0)
		return false;
	pc->next = p->idle;
	p->idle = pc;
	p->nidle++;
	pc->parked_at = loop_now();
	pc->parked_turn = loop_turn();
	if (!p->park_timer.armed)
		loop_timer_set(&p->park_timer, 1000, park_tick);
	return true;
}

#define PARK_IDLE_MS 2000
#define PARK_GIVE_BACK_MS 1000 /* parked this long: its input buffer goes back */

/* Once a second while connections are parked. A parked connection to a
 * server that did not say how many it takes (libfcgi, php-fpm; --max-conns
 * or not) holds one of its processes, which waits on it for the next
 * request: taken from every other client of that server (another front
 * end, or h2cgi's other workers). Reused within milliseconds under load,
 * it is closed after PARK_IDLE_MS without one, so that h2cgi falling quiet
 * gives the processes back (a libfcgi pool shared by several front ends
 * stalled the others until then: make bench). One kept longer gives its
 * input buffer back after PARK_GIVE_BACK_MS (two responses' buffers, up to
 * 128 KiB, touched whole by large answers); the next request takes one. */
static void park_tick(struct loop_timer *t)
{
	struct pool *p = (struct pool *)((char *)t - offsetof(struct pool, park_timer));
	uint64_t now = loop_now();
	size_t given_back = 0;
	bool left = false;

	for (struct pool_conn **q = &p->idle; *q;) {
		struct pool_conn *pc = *q;
		uint64_t idle = now - pc->parked_at;
		if (holds_process(p, pc) && idle >= PARK_IDLE_MS) {
			*q = pc->next;
			p->nidle--;
			given_back += pc->in.cap;
			conn_close(p, pc);
			continue;
		}
		if (idle >= PARK_GIVE_BACK_MS && pc->in.cap > 0 && buf_used(&pc->in) == 0) {
			given_back += pc->in.cap;
			buf_free(&pc->in);
		}
		left |= holds_process(p, pc) || pc->in.cap > 0;
		q = &pc->next;
	}
	/* freed between live blocks, their pages stay until trimmed */
	if (given_back >= 64 * 1024)
		malloc_trim(0);
	if (left)
		loop_timer_set(&p->park_timer, 1000, park_tick);
}

void pool_put(struct pool *p, struct pool_conn *pc, bool keep)
{
	struct proc *pr = slot_of(pc);

	untaken(p, pc);
	if (pc->nusers > 0) { /* its other requests go on: room for one more */
		if (p->qhead)
			drain_queue(p);
		return;
	}
	shared_unlink(p, pc);
	if (pr && pc->gen == p->gen && p->max_requests && pr->served >= p->max_requests &&
	    pr->pid > 0 && !pr->retiring) {
		/* its request is over and it holds no other: replaced, idle */
		conn_close(p, pc);
		pr->retiring = true;
		kill(pr->pid, SIGTERM);
		if (p->qhead)
			drain_queue(p);
		return;
	}
	if (!keep || !park(p, pc))
		conn_close(p, pc);
	if (p->qhead)
		drain_queue(p);
}

/* Closes the parked connections (a restart, a retirement). */
static void idle_drop(struct pool *p)
{
	while (p->idle) {
		struct pool_conn *pc = p->idle;
		p->idle = pc->next;
		p->nidle--;
		conn_close(p, pc);
	}
}

int pool_status_json(const struct pool *p, struct buf *out)
{
	char line[512];
	int procs = 0, alive = 0;

	if (p->gen && p->gen->procs) {
		procs = gen_on(p->gen);
		alive = gen_alive(p->gen);
	}
	/* names and addresses are ours (pool names, configured addresses) */
	int n = snprintf(line, sizeof(line),
			 "{\"name\":\"%s\",\"processes\":%d,\"alive\":%d,\"busy\":%u,\"idle\":%d,"
			 "\"queued\":%d,\"served\":%llu,\"opened\":%llu,\"reused\":%llu,"
			 "\"restarts\":%u,\"addresses\":[",
			 p->name, procs, alive, p->busy, p->nidle, p->qlen, p->served, p->opened,
			 p->reused_count, p->restarts);
	if (buf_append(out, line, (size_t)n) < 0)
		return -1;
	for (int i = 0; i < p->naddrs; i++) {
		const struct pool_addr *a = &p->addrs[i];
		n = snprintf(line, sizeof(line), "%s{\"address\":", i ? "," : "");
		if (buf_append(out, line, (size_t)n) < 0 || buf_json_str(out, a->label) < 0)
			return -1;
		n = snprintf(line, sizeof(line), ",\"down\":%s,\"outstanding\":%u}",
			     a->down_until > loop_now() ? "true" : "false", a->outstanding);
		if (buf_append(out, line, (size_t)n) < 0)
			return -1;
	}
	return buf_append(out, "]}", 2);
}

void pool_log_status(const struct pool *p)
{
	char down[512] = "";
	size_t k = 0;
	int procs = 0, alive = 0;

	for (int i = 0; i < p->naddrs; i++)
		if (p->addrs[i].down_until > loop_now() && k < sizeof(down) - 1)
			k += (size_t)snprintf(down + k, sizeof(down) - k, "%s%s", k ? "," : "",
					      p->addrs[i].label);
	if (p->gen && p->gen->procs) {
		procs = gen_on(p->gen);
		alive = gen_alive(p->gen);
	}
	log_info("status pool %s: processes %d/%d, busy %u, idle %d, queued %d, served %llu, "
		 "connections opened %llu, reused %llu, restarts %u, addresses down %s",
		 p->name, alive, procs, p->busy, p->nidle, p->qlen, p->served, p->opened,
		 p->reused_count, p->restarts, k ? down : "none");
}

/* --proc-idle: once a second while the pool is over --procs MIN, the
 * process idle the longest past it (its parked connection closed first)
 * is stopped; a busy one never is. */
static void idle_tick(struct loop_timer *t)
{
	struct pool *p = (struct pool *)((char *)t - offsetof(struct pool, idle_timer));
	struct pool_gen *g = p->gen;
	uint64_t now = loop_now();
	int on = 0, victim = -1;

	if (g == NULL || !p->per_proc || p->closed)
		return;
	for (int i = 0; i < g->nprocs; i++) {
		struct proc *pr = &g->procs[i];
		if (!pr->on || pr->stopping)
			continue;
		on++;
		if (pr->busy || pr->retiring || pr->pid <= 0 || now - pr->idle_since < p->proc_idle)
			continue;
		if (victim < 0 || pr->idle_since < g->procs[victim].idle_since)
			victim = i;
	}
	if (on > p->procs_min && victim >= 0) {
		struct proc *pr = &g->procs[victim];
		for (struct pool_conn *pc = p->idle; pc; pc = pc->next)
			if (pc->gen == g && pc->slot == victim) {
				idle_unlink(p, pc);
				conn_close(p, pc);
				break;
			}
		pr->stopping = true;
		kill(pr->pid, SIGTERM);
		log_info("pool %s: process %d idle for --proc-idle; stopping it (%d left)", p->name,
			 (int)pr->pid, on - 1);
		on--;
	}
	if (on > p->procs_min)
		loop_timer_set(&p->idle_timer, 1000, idle_tick);
}

static void arm_idle(struct pool *p)
{
	if (!p->idle_timer.armed)
		loop_timer_set(&p->idle_timer, 1000, idle_tick);
}

static void pool_tick(struct loop_timer *t)
{
	struct pool *p = (struct pool *)((char *)t - offsetof(struct pool, timer));
	uint64_t now = loop_now();
	bool pending = false;

	for (int i = 0; p->gen && i < p->gen->nprocs; i++) {
		struct proc *pr = &p->gen->procs[i];
		if (!pr->on)
			continue;
		if (pr->pid == 0 && pr->restart_at <= now)
			start_proc(p, p->gen, pr);
		if (pr->pid == 0)
			pending = true;
	}
	drain_queue(p);
	if (pending || p->qhead)
		loop_timer_set(&p->timer, RETRY_MS, pool_tick);
}

/* A retired generation's child exited; the generation goes with its last. */
static bool reap_retired(struct pool *p, pid_t pid)
{
	for (struct pool_gen **gp = &p->retired; *gp; gp = &(*gp)->next) {
		struct pool_gen *g = *gp;
		bool mine = false;
		for (int i = 0; i < g->nprocs; i++)
			if (g->procs[i].pid == pid) {
				g->procs[i].pid = 0;
				mine = true;
			}
		if (!mine)
			continue;
		if (gen_alive(g) == 0) {
			*gp = g->next;
			log_info("pool %s: generation %d stopped", p->name, g->id);
			gen_free(g);
		}
		return true;
	}
	return false;
}

/* No process is left to accept what waits in g's backlog: take those
 * connections and close them, so that their requests end now (502) instead
 * of waiting for a restart that may never come. */
static int drain_backlog(int fd)
{
	struct pollfd pf = {fd, POLLIN, 0};
	int n = 0;

	while (fd >= 0 && poll(&pf, 1, 0) == 1 && (pf.revents & POLLIN)) {
		int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
		if (c < 0)
			break;
		close(c);
		n++;
	}
	return n;
}

static void flush_backlog(struct pool *p, struct pool_gen *g)
{
	int n = drain_backlog(g->listen_fd);

	for (int i = 0; i < g->nprocs; i++)
		n += drain_backlog(g->procs[i].listen_fd);
	if (n)
		log_warn("pool %s: every backend process is gone; %d waiting connections closed",
			 p->name, n);
}

bool pool_reap(struct pool *p, pid_t pid, int status)
{
	if (reap_retired(p, pid))
		return true;
	for (int i = 0; p->gen && i < p->gen->nprocs; i++) {
		struct proc *pr = &p->gen->procs[i];
		if (pr->pid != pid)
			continue;
		uint64_t now = loop_now(), lived = now - pr->started;
		pr->pid = 0;
		pr->busy = false;
		if (p->stopping) { /* its supervisor stops everything (SIGTERM to the group) */
			pr->on = false;
			log_info("pool %s: backend %d exited while h2cgi stops", p->name, (int)pid);
			return true;
		}
		if (pr->stopping) { /* --proc-idle */
			pr->stopping = pr->on = false;
			log_info("pool %s: process %d stopped after --proc-idle", p->name, (int)pid);
			return true;
		}
		if (pr->retiring) { /* --max-requests: its replacement at once */
			unsigned long n = pr->served;
			pr->retiring = false;
			pr->served = 0;
			pr->crashes = 0;
			if (start_proc(p, p->gen, pr) == 0)
				log_info("pool %s: process %d replaced by %d after %lu requests "
					 "(--max-requests)", p->name, (int)pid, (int)pr->pid, n);
			else
				arm(p);
			p->restarts++;
			if (p->qhead)
				drain_queue(p);
			return true;
		}
		pr->crashes = lived < SHORT_LIFE_MS ? pr->crashes + 1 : 0;
		uint64_t delay = 0;
		if (pr->crashes > 0) {
			delay = BACKOFF_MIN_MS << (pr->crashes > 7 ? 7 : pr->crashes - 1);
			if (delay > BACKOFF_MAX_MS)
				delay = BACKOFF_MAX_MS;
		}
		pr->restart_at = now + delay;
		p->restarts++;
		if (gen_down(p)) /* a crash loop, not one exit after a long life */
			flush_backlog(p, p->gen);
		if (WIFSIGNALED(status))
			log_warn("pool %s: backend %d killed by signal %d; restarting in %llu ms",
				 p->name, (int)pid, WTERMSIG(status), (unsigned long long)delay);
		else
			log_warn("pool %s: backend %d exited with status %d; restarting in %llu ms",
				 p->name, (int)pid, WEXITSTATUS(status), (unsigned long long)delay);
		arm(p);
		return true;
	}
	return false;
}

void pool_stopping(struct pool *p)
{
	p->stopping = true;
}

/* TERM, a second to go, then KILL; waits for every child of g. */
static void gen_kill(struct pool_gen *g)
{
	int alive = 0;

	for (int i = 0; i < g->nprocs; i++)
		if (g->procs[i].pid > 0) {
			kill(g->procs[i].pid, SIGTERM);
			alive++;
		}
	for (int tries = 0; alive && tries < 100; tries++) {
		for (int i = 0; i < g->nprocs; i++)
			if (g->procs[i].pid > 0 && waitpid(g->procs[i].pid, NULL, WNOHANG) != 0) {
				g->procs[i].pid = 0;
				alive--;
			}
		if (alive)
			usleep(10000);
	}
	for (int i = 0; i < g->nprocs; i++)
		if (g->procs[i].pid > 0) {
			kill(g->procs[i].pid, SIGKILL);
			waitpid(g->procs[i].pid, NULL, 0);
			g->procs[i].pid = 0;
		}
}

void pool_stop(struct pool *p)
{
	idle_drop(p);
	for (int i = 0; i < p->naddrs; i++)
		if (p->addrs[i].probe)
			probe_end(p->addrs[i].probe);
	while (p->retired) {
		struct pool_gen *g = p->retired;
		p->retired = g->next;
		gen_kill(g);
		gen_free(g);
	}
	if (p->gen) {
		gen_kill(p->gen);
		gen_free(p->gen);
		p->gen = NULL;
	}
	if (p->cmd && p->role != POOL_WORKER) {
		char link[256];
		snprintf(link, sizeof(link), "%s/%s.sock", p->dir, p->name);
		unlink(link);
	}
	loop_timer_cancel(&p->timer);
	loop_timer_cancel(&p->idle_timer);
	loop_timer_cancel(&p->park_timer);
	while (p->errpipes) { /* the processes are gone: their last words */
		struct errpipe *e = p->errpipes;
		errpipe_io(&e->io, EPOLLIN);
		if (p->errpipes == e)
			errpipe_close(e); /* a grandchild still holds it */
	}
	for (int i = 0; i < p->naddrs; i++)
		free(p->addrs[i].label);
	p->naddrs = 0;
	free(p->cmd);
	free(p->dir);
	p->cmd = p->dir = NULL;
}
