#!/bin/sh
# Prints ?N MiB (default 64) of zeros, slowly enough to notice, then exits;
# notes its PID in ./pids first (the tests run a copy of this directory).
echo $$ >> ./pids
n=${QUERY_STRING:-64}
printf 'Content-Type: application/octet-stream\r\n\r\n'
exec head -c "$((n * 1048576))" /dev/zero
