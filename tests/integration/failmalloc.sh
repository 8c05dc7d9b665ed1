#!/bin/sh
# Allocation failures on the request path: h2cgi-failmalloc fails the Nth
# allocation of h2cgi's own code on a connection (N from a file, re-read at
# every accept). For each kind of request, N = 1, 2, ... until the request
# needs fewer than N allocations; after each failure h2cgi must still be
# alive and serve the next request, and at the end stop cleanly on SIGTERM
# (under --enable-sanitizers: no leak, no use after free).
. "$(dirname "$0")/lib.sh"
need curl
BIN=$top_builddir/tests/failmalloc/h2cgi-failmalloc
[ -x "$BIN" ] || skip_all "h2cgi-failmalloc not built"
head -c 100000 /dev/urandom > "$WORK/body"
H2C="curl -s --http2-prior-knowledge --max-time 10"
H1="curl -s --http1.1 --max-time 10"
export H2CGI_FAILMALLOC=$WORK/fail-at
echo 0 > "$H2CGI_FAILMALLOC"
start_h2cgi --cleartext --cgi-dir "$CGI" --procs 1
U=http://127.0.0.1:$PORT/cgi-bin

# one request of each kind on the path: HTTP/2 GET, HTTP/1.1 POST, a chunked
# upload (spooled), h2c Upgrade, an early hint, a local redirect, an error
request() {
    case $1 in
    h2-get) $H2C -o /dev/null "$U/hello.cgi" ;;
    h1-post) $H1 -o /dev/null --data-binary @"$WORK/body" "$U/upload.cgi" ;;
    h1-chunked) $H1 -o /dev/null -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/body" "$U/upload.cgi" ;;
    h2c-upgrade) curl -s --http2 --max-time 10 -o /dev/null "$U/hello.cgi" ;;
    h2-hints) $H2C -o /dev/null "$U/early-hints.cgi" ;;
    h2-redirect) $H2C -o /dev/null "$U/local-redirect.cgi" ;;
    h2-post-404) $H2C -o /dev/null --data-binary @"$WORK/body" "$U/nonexistent.cgi" ;;
    esac
}

crashed= unanswered= walked=
for kind in h2-get h1-post h1-chunked h2c-upgrade h2-hints h2-redirect h2-post-404; do
    n=1
    while [ $n -le 300 ]; do
        before=$(grep -c 'failmalloc: failing' "$ERRLOG")
        echo $n > "$H2CGI_FAILMALLOC"
        request $kind
        echo 0 > "$H2CGI_FAILMALLOC"
        [ "$(grep -c 'failmalloc: failing' "$ERRLOG")" = "$before" ] && break # fewer than n
        if ! kill -0 "$PID" 2>/dev/null; then
            crashed="$crashed $kind@$n"
            break
        fi
        [ "$($H2C "$U/hello.cgi")" = "Hello, world" ] || unanswered="$unanswered $kind@$n"
        n=$((n + 1))
    done
    walked="$walked $kind:$((n - 1))"
done
like "$walked" "^( [a-z0-9-]+:([1-9][0-9]+|[3-9]))+$" "every request kind walked (failed allocations:$walked)"
is "$crashed" "" "h2cgi never died of a failed allocation"
is "$unanswered" "" "and answered the next request each time"
kill "$PID"
wait "$PID"; rc=$?
PID=
is "$rc" "0" "SIGTERM: exit 0 after every failure"
done_testing
