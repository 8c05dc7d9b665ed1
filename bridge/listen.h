/* listen.h - listening sockets from --listen addresses. */
#ifndef H2CGI_LISTEN_H
#define H2CGI_LISTEN_H

#include <stddef.h>

/* Opens a non-blocking listening TCP socket for "ADDR:PORT", "[V6]:PORT" or
 * ":PORT" (every address), on port instead when port is not 0, with
 * SO_REUSEPORT when asked (one socket per worker, balanced by the kernel);
 * returns the fd, or -1 with err filled. */
int listen_open(const char *spec, unsigned port, int reuseport, char *err, size_t errlen);

/* The port a socket is bound to, or 0. */
unsigned listen_port(int fd);

#endif
