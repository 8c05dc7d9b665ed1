#!/bin/sh
# The attack suite, FastCGI side: a backend (fcgi_backend.py, mode evil)
# that sends bytes that are no record, a record for another request id,
# END_REQUEST without a response, closes inside the header block or the
# body, never answers, answers a byte per record, or sends a 10 MB header
# block. Each gets its precise answer and a log line naming the backend;
# the control client (a CGI route) is served meanwhile.
. "$(dirname "$0")/../integration/lib.sh"
need_h2py
. "$(dirname "$0")/lib.sh"
$PYTHON3 "$top_srcdir/tests/integration/fcgi_backend.py" "unix:$WORK/evil.sock" evil "$WORK/evil.log" evil \
    2>>"$WORK/evil.err" &
EVIL=$!
i=0
while [ ! -e "$WORK/evil.log.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_h2cgi --route /cgi-bin/ --cgi-dir "$CGI" --route /app/ --fastcgi "unix:$WORK/evil.sock" \
    --backend-timeout 2 --keepalive 0

B="backend unix:$WORK/evil.sock"
attack "get:/app/x?garbage" "status 502, ended, 502 Bad Gateway" "502: .*$B sent a malformed FastCGI record"
attack "get:/app/x?wrongid" "status 502, ended, 502 Bad Gateway" "502: .*$B sent a record for request id 7, not 1"
attack "get:/app/x?endonly" "status 502, ended, 502 Bad Gateway" "502: route /app/ \(fastcgi unix:.*evil.sock\): the backend ended the request without any output"
attack "get:/app/x?closehead" "status 502, ended, 502 Bad Gateway" "502: .*$B closed the connection mid-request"
attack "get:/app/x?closemid" "status (200|\?), reset INTERNAL_ERROR, (partial)?" "response cut: .*$B closed the connection mid-request"
attack "get:/app/x?hang" "status 504, ended, 504 Gateway Timeout" "504: .*$B sent nothing for --backend-timeout \(2 s\)"
attack "get:/app/x?trickle" "status 200, ended, trickled one byte at a time" ""
attack "get:/app/x?hugehead" "status 502, ended, 502 Bad Gateway" "502: malformed CGI response: header block too large"
is "$(grep -c '^evil ' "$WORK/evil.log")" "8" "the backend saw the 8 requests"
stop_h2cgi
kill "$EVIL"; wait "$EVIL" 2>/dev/null
done_testing
