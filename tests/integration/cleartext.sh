#!/bin/sh
# --cleartext: h2c with prior knowledge (RFC 9113 §3.3) on the same port as
# HTTP/1.1.
. "$(dirname "$0")/lib.sh"
need curl nghttp h2load
start_h2cgi --cleartext --cgi-dir "$CGI" --procs 2
H=http://127.0.0.1:$PORT

env=$(nghttp "$H/cgi-bin/env.cgi")
like "$env" "SERVER_PROTOCOL=HTTP/2.0" "nghttp (prior knowledge) over cleartext: HTTP/2"
like "$env" "REQUEST_SCHEME=http" "REQUEST_SCHEME=http"
is "$(printf '%s\n' "$env" | grep -c '^HTTPS=')" "0" "no HTTPS variable without TLS"
out=$(nghttp -v "$H/cgi-bin/early-hints.cgi" 2>&1 | grep -E ':status: (103|200)' | sed 's/.*:status: //' | tr '\n' ' ')
is "$out" "103 200 " "h2c: 103 then 200"
out=$(h2load -n 300 -c 3 -m 20 "$H/cgi-bin/hello.cgi" 2>&1)
like "$out" "300 succeeded, 0 failed" "h2load over h2c: 300 requests"
is "$(curl -s --http2-prior-knowledge --max-time 10 "$H/cgi-bin/hello.cgi")" "Hello, world" "curl --http2-prior-knowledge"
like "$(cat "$ERRLOG")" "listening on 127\.0\.0\.1:$PORT \(cleartext\)" "the listener says cleartext"
"$BIN" --cleartext --cert a --key b --cgi-dir "$CGI" 2>"$WORK/e"; rc=$?
is "$rc" "64" "--cleartext with --cert: usage error"
done_testing
