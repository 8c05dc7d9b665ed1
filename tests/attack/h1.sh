#!/bin/sh
# The attack suite, HTTP/1.1 cases: every request smuggling variant (RFC
# 9112 §6.1, §6.3: a body length two parsers could read two ways) gets 400
# (501 for an unknown coding) with a log line naming what was wrong; 1000
# pipelined requests are all answered; slowloris on heads and on bodies is
# cut by --header-timeout and --body-min-rate while holding no backend; a
# control client is served meanwhile.
. "$(dirname "$0")/../integration/lib.sh"
need_h2py
. "$(dirname "$0")/lib.sh"
start_h2cgi --route /cgi-bin/ --cgi-dir "$CGI" --route /s/ --static "$CGI" --header-timeout 2

R="HTTP/1.1 request refused"
attack h1-cl-te "status 400" "$R: 400: both Content-Length and Transfer-Encoding"
attack h1-te-te "status 400" "$R: 400: more than one Transfer-Encoding"
attack h1-te-space-colon "status 400" "$R: 400: invalid header name"
attack h1-te-xchunked "status 501" "$R: 501: transfer coding not implemented"
attack h1-te-chunked-identity "status 400" "$R: 400: chunked is not the only transfer coding"
attack h1-te-tab "status 400" "$R: 400: invalid character in header value"
attack h1-te-http10 "status 400" "$R: 400: Transfer-Encoding in an HTTP/1.0 request"
attack h1-cl-cl "status 400" "$R: 400: more than one Content-Length"
attack h1-cl-list "status 400" "$R: 400: invalid Content-Length"
attack h1-cl-plus "status 400" "$R: 400: invalid Content-Length"
attack h1-obs-fold "status 400" "$R: 400: folded header line"
attack h1-bare-cr "status 400" "$R: 400: bare CR or NUL in the request head"
attack h1-bare-lf "status 400" "$R: 400: line not ended by CRLF"
attack h1-nul "status 400" "$R: 400: bare CR or NUL in the request head"
attack h1-no-host "status 400" "$R: 400: no Host in an HTTP/1.1 request"
attack pipeline-1000 "1000 answered 200 of 1000" ""
# the staged close after a refusal (linger.c): what the client sends after
# our 400 is read and dropped, so the 400 is not lost to an RST, but only
# for 2 s and up to 256 KiB
attack linger-slow "HTTP/1.1 400 Bad Request, cut after [1-3] s" ""
attack linger-fast "HTTP/1.1 400 Bad Request, cut before 4 MB" ""
# 100 connections sending their heads a byte per 0.5 s: each closed at
# --header-timeout 2 (the sweep runs once a second)
attack slowloris-head "all 100 closed after [2-4]-[2-5] s" "no request within --header-timeout; closing"
# 20 POSTs of 100 KB whose bodies come a byte a second, more than the
# 4-process pool: none is given a backend before a stream buffer's worth
# of its body came, so the control client is served at once; each gets
# 408 once a 10 s period brought less than --body-min-rate
attack slowloris-body "all 20 HTTP/1.1 408 Request Timeout after (9|1[0-9]|2[01])-(9|1[0-9]|2[01]) s" \
    "408: request body too slow: [0-9]+ bytes in 10 s, under --body-min-rate 500"
done_testing
