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
is "$names" ":status content-type x-kept set-cookie" \
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
done_testing
