#!/bin/sh
# CGI meta-variables (RFC 3875 §4.1) as env.cgi sees them.
. "$(dirname "$0")/lib.sh"
need curl
mkdir -p "$WORK/www"
WWW=$(cd "$WORK/www" && pwd -P)
start_h2cgi --cgi-dir "$CGI" --procs 1 --docroot "$WORK/www"

env=$($CURL -H 'Proxy: http://evil.example/' -H 'Cookie: a=1' -H 'X-Custom-Thing: v' \
    -H 'Accept: text/html' -d 'abc' -H 'Content-Type: text/x-test' \
    "$URL/cgi-bin/env.cgi/extra/path%20x?q=1&r=%2F")
var() { printf '%s\n' "$env" | sed -n "s/^$1=//p"; }
is "$(var GATEWAY_INTERFACE)" "CGI/1.1" "GATEWAY_INTERFACE"
is "$(var SERVER_PROTOCOL)" "HTTP/2.0" "SERVER_PROTOCOL is HTTP/2.0"
like "$(var SERVER_SOFTWARE)" "^h2cgi/[0-9]" "SERVER_SOFTWARE"
is "$(var SERVER_NAME)" "127.0.0.1" "SERVER_NAME from :authority"
is "$(var SERVER_PORT)" "$PORT" "SERVER_PORT"
is "$(var REQUEST_METHOD)" "POST" "REQUEST_METHOD"
is "$(var REQUEST_URI)" "/cgi-bin/env.cgi/extra/path%20x?q=1&r=%2F" "REQUEST_URI as sent"
is "$(var REQUEST_SCHEME)" "https" "REQUEST_SCHEME"
is "$(var SCRIPT_NAME)" "/cgi-bin/env.cgi" "SCRIPT_NAME"
is "$(var PATH_INFO)" "/extra/path x" "PATH_INFO decoded"
is "$(var PATH_TRANSLATED)" "$WWW/extra/path x" "PATH_TRANSLATED under --docroot"
is "$(var QUERY_STRING)" "q=1&r=%2F" "QUERY_STRING raw"
is "$(var SCRIPT_FILENAME)" "$(cd "$CGI" && pwd -P)/env.cgi" "SCRIPT_FILENAME absolute"
is "$(var DOCUMENT_ROOT)" "$WWW" "DOCUMENT_ROOT"
is "$(var REMOTE_ADDR)" "127.0.0.1" "REMOTE_ADDR"
is "$(var SERVER_ADDR)" "127.0.0.1" "SERVER_ADDR: the address the listener is bound to"
like "$(var REMOTE_PORT)" "^[0-9]+$" "REMOTE_PORT"
is "$(var CONTENT_TYPE)" "text/x-test" "CONTENT_TYPE"
is "$(var CONTENT_LENGTH)" "3" "CONTENT_LENGTH"
is "$(var HTTPS)" "on" "HTTPS=on"
is "$(var HTTP_HOST)" "127.0.0.1:$PORT" "HTTP_HOST from :authority"
is "$(var HTTP_COOKIE)" "a=1" "HTTP_COOKIE"
is "$(var HTTP_X_CUSTOM_THING)" "v" "HTTP_X_CUSTOM_THING"
is "$(var HTTP_ACCEPT)" "text/html" "HTTP_ACCEPT"
is "$(printf '%s\n' "$env" | grep -c '^HTTP_PROXY=')" "0" "no HTTP_PROXY (httpoxy)"
is "$(printf '%s\n' "$env" | grep -c '^HTTP_CONTENT_')" "0" "no HTTP_CONTENT_TYPE/LENGTH"

env=$($CURL "$URL/cgi-bin/env.cgi")
var() { printf '%s\n' "$env" | sed -n "s/^$1=//p"; }
is "$(printf '%s\n' "$env" | grep -Ec '^(PATH_INFO|PATH_TRANSLATED|CONTENT_LENGTH|CONTENT_TYPE)=')" "0" \
    "GET without path info: no PATH_INFO, PATH_TRANSLATED, CONTENT_*"
is "$(var QUERY_STRING)" "" "QUERY_STRING empty but set"

if "$PYTHON3" -c 'import h2' 2>/dev/null; then
    # HTTP/2 splits cookies into separate fields (RFC 9113 §8.2.3): joined with "; "
    out=$($FRAMES "$PORT" events GET /cgi-bin/env.cgi --header 'cookie: a=1' --header 'cookie: b=2' \
        --header 'x-dup: 1' --header 'x-dup: 2' --header 'x_under: no')
    like "$out" 'HTTP_COOKIE=a=1; b=2' "split cookie fields joined with '; '"
    like "$out" 'HTTP_X_DUP=1, 2' "repeated fields joined with ', '"
    T=$((T + 1)); if printf '%s' "$out" | grep -q 'HTTP_X_UNDER'; then echo "not ok $T - header with '_' dropped"; FAILS=$((FAILS+1)); else echo "ok $T - header with '_' dropped"; fi
fi
stop_h2cgi

# a listener on every address: each connection's own local end (asked of
# its socket; a listener bound to one address names it for all of them)
start_h2cgi --cgi-dir "$CGI" --procs 1 --listen ':0'
PW=$(sed -n 's/.*listening on \(\[::\]\|0\.0\.0\.0\):\([0-9]*\).*/\2/p' "$ERRLOG" | tail -1)
env=$($CURL "https://127.0.0.1:$PW/cgi-bin/env.cgi")
is "$(var SERVER_ADDR) $(var SERVER_PORT) $(var REMOTE_ADDR)" "127.0.0.1 $PW 127.0.0.1" \
    "--listen :0 reached on 127.0.0.1: SERVER_ADDR, SERVER_PORT, REMOTE_ADDR"
if [ -f /proc/net/if_inet6 ] && grep -q '\[::\]' "$ERRLOG"; then
    env=$($CURL -g "https://[::1]:$PW/cgi-bin/env.cgi")
    is "$(var SERVER_ADDR) $(var SERVER_PORT) $(var REMOTE_ADDR)" "::1 $PW ::1" \
        "--listen :0 reached on [::1]: SERVER_ADDR, SERVER_PORT, REMOTE_ADDR"
fi
stop_h2cgi

# a script gets exactly fds 0, 1 and 2: not the runner's FastCGI socket (it
# did, as fd 3). ls lists its own directory handle too: the lowest free fd.
cp -r "$top_srcdir/tests/integration/cgi" "$WORK/cgi"
start_h2cgi --cgi-dir "$WORK/cgi" --procs 1
is "$($CURL "$URL/cgi-bin/fds.cgi" | tr '\n' ' ')" "0 1 2 3 " "a script's fds: 0, 1, 2 (and ls's own 3)"
h=$($CURL -D - "$URL/cgi-bin/nph-test.cgi" | tr -d '\r')
like "$(printf '%s\n' "$h" | head -1)" "^HTTP/2 202" "an NPH script's status line gives the status"
like "$h" "x-nph: yes" "its other fields pass"
is "$(printf '%s\n' "$h" | grep -ci '^connection:')" "0" "hop-by-hop fields dropped as for any script"
is "$(printf '%s\n' "$h" | tail -1)" "nph body" "and its body"
is "$($CURL "$URL/cgi-bin/sub/deep.cgi/x/y")" "/cgi-bin/sub/deep.cgi /x/y" \
    "a program in a subdirectory: the path walks down to it; the rest is PATH_INFO"
stop_h2cgi

# local redirects go through the routes again, with a loop limit
mkdir -p "$WORK/files"
printf 'a static note\n' > "$WORK/files/note.txt"
start_h2cgi --route /cgi-bin/ --cgi-dir "$WORK/cgi" --procs 1 --route /files/ --static "$WORK/files"
is "$($CURL "$URL/cgi-bin/to-static.cgi")" "a static note" "a local redirect to another route (static)"
if "$PYTHON3" -c 'import h2' 2>/dev/null; then
    is "$($FRAMES "$PORT" events HEAD /cgi-bin/to-static.cgi | tail -1)" '{"event": "body", "body": ""}' \
        "HEAD redirected locally to a static file: still no body"
fi
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/loop.cgi")" "502" "a local redirect loop: 502"
like "$(cat "$ERRLOG")" "loop\.cgi: 502: too many local redirects" "logged"
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/elsewhere")" "404" "a path no route holds: 404"
like "$(cat "$ERRLOG")" "GET /elsewhere: 404: no route for this path" "logged"
done_testing
