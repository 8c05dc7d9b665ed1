/* hints.fcgi - a FastCGI program (libfcgi) that sends early hints with
 * h2cgi_early_hints(), then its page. Run it with h2cgi --spawn. */
#include <stdio.h>
#include <unistd.h>
#include <fcgiapp.h>

#include "h2cgi_fcgi.h"

int main(void)
{
	static const char *const links[] = {
		"</style.css>; rel=preload; as=style",
		"</app.js>; rel=preload; as=script",
	};
	FCGX_Request req;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		if (h2cgi_early_hints(req.out, links, 2) == 0) {
			usleep(300000); /* the page takes a while: the hints are already out */
			FCGX_FPrintF(req.out, "Status: 200 OK\r\nContent-Type: text/html\r\n\r\n"
					      "<!doctype html><link rel=stylesheet href=/style.css>"
					      "<p>hello from hints.fcgi</p>\n");
		}
		FCGX_Finish_r(&req);
	}
	return 0;
}
