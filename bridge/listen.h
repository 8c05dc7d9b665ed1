/* listen.h - listening sockets from --listen addresses. */
#ifndef H2CGI_LISTEN_H
#define H2CGI_LISTEN_H

#include <stddef.h>

/* Opens a non-blocking listening TCP socket for "ADDR:PORT", "[V6]:PORT" or
 * ":PORT" (every address); returns the fd, or -1 with err filled. */
int listen_open(const char *spec, char *err, size_t errlen);

#endif
