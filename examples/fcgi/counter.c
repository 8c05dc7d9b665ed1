/* counter.fcgi - the smallest useful libfcgi program: answers with its
 * process id and how many requests it served, after sleeping as many
 * milliseconds as the query string says (?250). Run it with h2cgi --spawn;
 * the tests use it to see which process served what. */
#include <stdlib.h>
#include <unistd.h>
#include <fcgiapp.h>

int main(void)
{
	FCGX_Request req;
	unsigned long served = 0;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		const char *q = FCGX_GetParam("QUERY_STRING", req.envp);
		long ms = q ? atol(q) : 0;
		if (ms > 0 && ms < 60000)
			usleep((useconds_t)ms * 1000);
		FCGX_FPrintF(req.out, "Content-Type: text/plain\r\n\r\npid %d request %lu\n",
			     (int)getpid(), ++served);
		FCGX_Finish_r(&req);
	}
	return 0;
}
