/* listen.c - parsing --listen and opening listening sockets. */
#include "listen.h"

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int listen_open(const char *spec, unsigned port, int reuseport, char *err, size_t errlen)
{
	char host[256];
	const char *colon = strrchr(spec, ':');
	int fd = -1, one = 1;

	if (colon == NULL || colon[1] == '\0' || (size_t)(colon - spec) >= sizeof(host)) {
		snprintf(err, errlen, "bad --listen '%s': expected ADDR:PORT", spec);
		return -1;
	}
	memcpy(host, spec, (size_t)(colon - spec));
	host[colon - spec] = '\0';
	char *h = host;
	size_t hl = strlen(h);
	if (hl >= 2 && h[0] == '[' && h[hl - 1] == ']') {
		h[hl - 1] = '\0';
		h++;
	}
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM,
				 .ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST},
			*res;
	if (*h == '\0' || strcmp(h, "*") == 0)
		h = NULL; /* every address (IPv6 with IPv4 mapped when available) */
	if (h == NULL)
		hints.ai_family = AF_INET6;
	char service[16];
	snprintf(service, sizeof(service), "%u", port);
	const char *serv = port ? service : colon + 1;
	int rc = getaddrinfo(h, serv, &hints, &res);
	if (rc != 0 && h == NULL) {
		hints.ai_family = AF_INET;
		rc = getaddrinfo(h, serv, &hints, &res);
	}
	if (rc != 0) {
		snprintf(err, errlen, "bad --listen '%s': %s", spec, gai_strerror(rc));
		return -1;
	}
	fd = socket(res->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0 && res->ai_family == AF_INET6 && h == NULL) {
		int zero = 0;
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));
	}
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0) ||
	    bind(fd, res->ai_addr, res->ai_addrlen) < 0 || listen(fd, 511) < 0) {
		snprintf(err, errlen, "cannot listen on %s: %s", spec, strerror(errno));
		if (fd >= 0)
			close(fd);
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	return fd;
}

unsigned listen_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) < 0)
		return 0;
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	if (ss.ss_family == AF_INET)
		return ntohs(((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}
