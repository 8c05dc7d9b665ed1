#!/bin/sh
# A local redirect (RFC 3875 §6.2.2): h2cgi serves the other path itself,
# as a GET. ?env redirects to env.cgi, to show what the new request carries.
if [ "${QUERY_STRING:-}" = env ]; then
    printf 'Location: /cgi-bin/env.cgi?from=redirect\r\n\r\n'
else
    printf 'Location: /cgi-bin/hello.cgi\r\n\r\n'
fi
