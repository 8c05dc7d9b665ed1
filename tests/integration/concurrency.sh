#!/bin/sh
# 100 concurrent streams on one connection, every one answered correctly.
. "$(dirname "$0")/lib.sh"
need_h2py
need h2load
start_h2cgi --cgi-dir "$CGI" --procs 4
out=$($FRAMES "$PORT" many 100 /cgi-bin/echo.cgi)
is "$out" "streams=100 ended=100 bad=0" "100 concurrent POSTs on one connection: each gets its own body back"
out=$(h2load -n 500 -c 1 -m 100 "$URL/cgi-bin/hello.cgi" 2>&1)
like "$out" "requests: 500 total, 500 started, 500 done, 500 succeeded, 0 failed" "h2load: 500 requests, 100 at a time on one connection"
like "$out" "status codes: 500 2xx" "h2load: all 200"
out=$(h2load -n 400 -c 4 -m 20 "$URL/cgi-bin/env.cgi" 2>&1)
like "$out" "400 succeeded, 0 failed" "h2load: 4 connections x 20 streams"
done_testing
