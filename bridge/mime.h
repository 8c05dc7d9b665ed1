/* mime.h - media types by file name extension, from /etc/mime.types. */
#ifndef H2CGI_MIME_H
#define H2CGI_MIME_H

#include <stdio.h>

/* Loads path (/etc/mime.types); a short built-in table stands in when it
 * cannot be read. Returns 0, or -1 when the built-in table is used. */
int mime_init(const char *path);

/* The same from an open stream (NULL: the built-in table). */
int mime_load(FILE *f);

/* The media type for a file name's extension (case-insensitive);
 * application/octet-stream for unknown ones. */
const char *mime_type(const char *name);

/* Frees the table. */
void mime_free(void);

#endif
