#!/bin/sh
# Starts a body, then dies of SIGKILL halfway (?len: with a Content-Length).
printf 'Content-Type: text/plain\r\n'
[ "$QUERY_STRING" = len ] && printf 'Content-Length: 1000\r\n'
printf '\r\nfirst half\n'
kill -9 $$
echo "never printed"
