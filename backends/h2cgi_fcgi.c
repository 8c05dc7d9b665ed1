/* h2cgi_fcgi.c - early hints for libfcgi programs. */
#include "h2cgi_fcgi.h"

#include <string.h>

int h2cgi_early_hints(FCGX_Stream *out, const char *const *links, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strpbrk(links[i], "\r\n") != NULL)
			return -1; /* would split the header block */
	if (FCGX_PutS("Status: 103 Early Hints\r\n", out) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (FCGX_PutS("Link: ", out) < 0 || FCGX_PutS(links[i], out) < 0 ||
		    FCGX_PutS("\r\n", out) < 0)
			return -1;
	if (FCGX_PutS("\r\n", out) < 0)
		return -1;
	return FCGX_FFlush(out) < 0 ? -1 : 0;
}
