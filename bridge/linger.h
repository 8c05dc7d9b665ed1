/* linger.h - closing a client's socket without losing our last bytes. */
#ifndef H2CGI_LINGER_H
#define H2CGI_LINGER_H

/* Takes fd over: shuts its write side (a FIN right after our last bytes),
 * reads and drops what the client still sends, and closes it once the
 * client closed too, after 2 s, or past 256 KiB. A close with bytes unread
 * makes the kernel send RST, which can destroy our last bytes (a GOAWAY, a
 * 400) in the client's receive buffer before it reads them (RFC 9112 §9.6
 * asks for this staged close). Past 1024 lingering sockets fd is closed at
 * once. */
void linger_close(int fd);

/* Closes every lingering socket at once: descriptors ran out (EMFILE). */
void linger_shed(void);

/* Closes every lingering socket and frees them (at exit, outside the loop). */
void linger_stop_all(void);

#endif
