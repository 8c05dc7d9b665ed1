#!/bin/sh
# The attack suite, HTTP/1.1 cases: every request smuggling variant (RFC
# 9112 §6.1, §6.3: a body length two parsers could read two ways) gets 400
# (501 for an unknown coding) with a log line naming what was wrong; 1000
# pipelined requests are all answered; a control client is served meanwhile.
. "$(dirname "$0")/../integration/lib.sh"
need_h2py
. "$(dirname "$0")/lib.sh"
start_h2cgi --route /cgi-bin/ --cgi-dir "$CGI" --route /s/ --static "$CGI"

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
done_testing
