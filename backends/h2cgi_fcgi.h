/* h2cgi_fcgi.h - helpers for FastCGI programs linked with libfcgi that run
 * behind h2cgi. */
#ifndef H2CGI_FCGI_HELPER_H
#define H2CGI_FCGI_HELPER_H

#include <stddef.h>
#include <fcgiapp.h>

/* Sends an early-hints block (RFC 8297): "Status: 103 Early Hints", one Link
 * header per entry of links (n of them, e.g. "</style.css>; rel=preload;
 * as=style"), a blank line, and flushes it so that h2cgi relays it as a 103
 * response at once. Call it before the final headers. Returns 0, or -1 when
 * a link holds CR or LF or the write failed. */
int h2cgi_early_hints(FCGX_Stream *out, const char *const *links, size_t n);

#endif
