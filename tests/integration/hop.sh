#!/bin/sh
# Hop-by-hop headers from a script never reach the client; the others do.
. "$(dirname "$0")/lib.sh"
need_h2py
start_h2cgi --cgi-dir "$CGI" --procs 1
out=$($FRAMES "$PORT" events GET /cgi-bin/hop.cgi)
names=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
for l in sys.stdin:
    e = json.loads(l)
    if e["event"] == "response":
        print(" ".join(k for k, v in e["headers"]))
')
is "$names" ":status content-type x-kept set-cookie date" \
    "only end-to-end headers on the wire, in order, lower-case (raw frames, no client validation)"
for h in connection x-private keep-alive proxy-connection transfer-encoding upgrade te http2-settings status; do
    T=$((T + 1))
    case " $names " in
    *" $h "*) echo "not ok $T - $h stripped"; FAILS=$((FAILS + 1)) ;;
    *) echo "ok $T - $h stripped" ;;
    esac
done
like "$out" '"body": "hop-by-hop test\\n"' "body intact"
if command -v curl >/dev/null; then
    is "$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/hop.cgi")" "200" "curl (which rejects connection headers in h2) accepts the response"
fi
stop_h2cgi

# Request side: the headers Connection names never reach the script over
# HTTP/1.1 (h1.c kept a list of its own and forwarded them). HTTP/2 cannot
# carry Connection at all (RFC 9113 §8.2.2: libnghttp2 refuses the request).
start_h2cgi --cleartext --cgi-dir "$CGI" --procs 1
out=$(curl -s --http1.1 --max-time 10 -H 'Connection: close, X-Secret' -H 'X-Secret: 1' \
    -H 'X-Public: 2' -H 'Proxy: http://evil' "http://127.0.0.1:$PORT/cgi-bin/env.cgi")
ok "$(printf '%s' "$out" | grep -q '^HTTP_X_SECRET='; [ $? -ne 0 ]; echo $?)" "HTTP/1.1: a header named by Connection is not passed as HTTP_X_SECRET"
like "$out" "HTTP_X_PUBLIC=2" "HTTP/1.1: other headers are"
ok "$(printf '%s' "$out" | grep -q '^HTTP_PROXY='; [ $? -ne 0 ]; echo $?)" "HTTP/1.1: no HTTP_PROXY (httpoxy)"
ok "$(printf '%s' "$out" | grep -q '^HTTP_CONNECTION='; [ $? -ne 0 ]; echo $?)" "HTTP/1.1: no HTTP_CONNECTION"
out=$(curl -s --http2-prior-knowledge --max-time 10 -H 'X-Public: 2' -H 'Proxy: http://evil' \
    -H 'TE: trailers' "http://127.0.0.1:$PORT/cgi-bin/env.cgi")
like "$out" "HTTP_X_PUBLIC=2" "HTTP/2: end-to-end headers pass"
ok "$(printf '%s' "$out" | grep -Eq '^HTTP_(PROXY|TE)='; [ $? -ne 0 ]; echo $?)" "HTTP/2: no HTTP_PROXY, no HTTP_TE"
done_testing
