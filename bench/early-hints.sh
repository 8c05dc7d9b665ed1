#!/bin/sh
# Learned early hints in a real browser: headless Chromium loads a page
# whose CGI script takes START seconds before its headers and whose
# stylesheet it links, N times without hints and N times with hints h2cgi
# learned. Prints the medians (ms after the page request) of the final
# response headers and of the stylesheet's request. Usage:
#   bench/early-hints.sh [N] [START]   (BUILD=build/tree)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-5}
START=${2:-0.5}
BUILD=${BUILD:-$top}
[ -x "$BUILD/bridge/h2cgi" ] || BUILD=$top/_build/plain
[ -x "$BUILD/bridge/h2cgi" ] || { echo "build h2cgi first (./configure && make)" >&2; exit 1; }
CHROME=$(command -v chromium || command -v chromium-browser) || { echo "no chromium" >&2; exit 1; }
W=$(mktemp -d "${TMPDIR:-/tmp}/h2cgi-eh.XXXXXX")
PID=
trap '[ -n "$PID" ] && kill "$PID" 2>/dev/null; rm -rf "$W"' EXIT
mkdir -p "$W/cgi" "$W/www"
printf 'body { font: 16px serif }\n' > "$W/www/s.css"
printf '#!/bin/sh\nsleep %s\nprintf '"'"'Content-Type: text/html\\r\\nLink: </s.css>; rel=preload; as=style\\r\\n\\r\\n<!doctype html><link rel=stylesheet href=/s.css><p>page</p>\\n'"'"'\n' "$START" > "$W/cgi/page.cgi"
chmod 755 "$W/cgi/page.cgi"
root=
[ "$(id -u)" = 0 ] && root=--allow-root-backends
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
run() { # LEARN: prints "final res" medians
    "$BUILD/bridge/h2cgi" --listen 127.0.0.1:0 --cgi-runner "$BUILD/backends/h2cgi-cgi" $root \
        --route /cgi-bin/ --cgi-dir "$W/cgi" $1 --route / --static "$W/www" 2>"$W/err" &
    PID=$!
    port=
    while [ -z "$port" ]; do sleep 0.1; port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/err"); done
    i=0
    : > "$W/times"
    while [ $i -le "$N" ]; do # load 0 teaches (and warms up), 1..N are measured
        rm -rf "$W/prof"
        timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --ignore-certificate-errors \
            --user-data-dir="$W/prof" --log-net-log="$W/net.json" --dump-dom \
            "https://127.0.0.1:$port/cgi-bin/page.cgi" >/dev/null 2>&1
        [ $i -gt 0 ] && python3 "$top/tests/integration/netlog.py" "$W/net.json" /cgi-bin/page.cgi /s.css \
            | sed 's/.*final=\([0-9]*\) res=\([0-9]*\)/\1 \2/' >> "$W/times"
        i=$((i + 1))
    done
    kill "$PID"; wait "$PID" 2>/dev/null || true
    PID=
    echo "$(cut -d' ' -f1 "$W/times" | median) $(cut -d' ' -f2 "$W/times" | median)"
}
set -- $(run "")
echo "no hints:      page headers at $1 ms, stylesheet requested at $2 ms (median of $N)"
set -- $(run --learn-early-hints)
echo "learned hints: page headers at $1 ms, stylesheet requested at $2 ms (median of $N)"
