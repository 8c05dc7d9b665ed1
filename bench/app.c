/* app.c - the FastCGI program every server in the benchmark talks to
 * (libfcgi, one request at a time; spawn-fcgi starts two).
 *
 *   GET  (no query)   200, "Hello, world\n" (13 bytes)
 *   GET  ?size=N      200, N bytes, written 64 KiB at a time (any N: the
 *                     1 GB download)
 *   POST              reads the whole body and answers its length (the
 *                     1 GB upload)
 */
#include <fcgiapp.h>
#include <stdlib.h>
#include <string.h>

static char chunk[65536];

int main(void)
{
	FCGX_Request r;

	memset(chunk, 'x', sizeof(chunk));
	if (FCGX_Init() != 0 || FCGX_InitRequest(&r, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&r) >= 0) {
		const char *q = FCGX_GetParam("QUERY_STRING", r.envp);
		const char *m = FCGX_GetParam("REQUEST_METHOD", r.envp);

		if (m && strcmp(m, "POST") == 0) {
			long long got = 0;
			int n;

			while ((n = FCGX_GetStr(chunk, sizeof(chunk), r.in)) > 0)
				got += n;
			memset(chunk, 'x', sizeof(chunk));
			FCGX_FPrintF(r.out, "Content-Type: text/plain\r\n\r\n%lld\n", got);
		} else if (q && strncmp(q, "size=", 5) == 0) {
			long long n = strtoll(q + 5, NULL, 10);

			FCGX_FPrintF(r.out, "Content-Type: application/octet-stream\r\n"
				     "Content-Length: %lld\r\n\r\n", n > 0 ? n : 0);
			while (n > 0) {
				int k = n < (long long)sizeof(chunk) ? (int)n : (int)sizeof(chunk);

				if (FCGX_PutStr(chunk, k, r.out) < 0)
					break; /* the server went away */
				n -= k;
			}
		} else {
			FCGX_PutS("Content-Type: text/plain\r\n\r\nHello, world\n", r.out);
		}
		FCGX_Finish_r(&r);
	}
	return 0;
}
