#!/bin/sh
# Builds h2cgi and serves examples/cgi over HTTP/2 on localhost only
# (https://localhost:8443/cgi-bin/, a self-signed certificate made at
# start), then prints the URLs to open. Options are h2cgi's: a --listen
# given replaces the default one. Ctrl-C stops it.
# BUILDDIR=DIR: use the h2cgi already built in DIR (an out-of-tree build)
# instead of building here.
set -e
cd "$(dirname "$0")/.."
top=$(pwd)
if [ -n "${BUILDDIR:-}" ]; then
    cd "$BUILDDIR"
else
    [ -x configure ] || autoreconf -fi
    [ -f Makefile ] || ./configure
    make -j2
fi
# localhost only: this is a demonstration, not a deployment
listen="--listen 127.0.0.1:8443"
[ -e /proc/net/if_inet6 ] && listen="$listen --listen [::1]:8443"
base=https://localhost:8443
prev=
for a in "$@"; do
    case $prev in --listen | -l) v=$a ;; *) v= ;; esac
    case $a in --listen=*) v=${a#--listen=} ;; esac
    if [ -n "$v" ]; then
        listen=
        host=${v%:*} port=${v##*:}
        case $host in "" | 0.0.0.0 | "[::]" | "*") host=localhost ;; esac
        base=https://$host:$port
    fi
    prev=$a
done
# as root (the Quick start), the example scripts run as root too: say so
root=
[ "$(id -u)" = 0 ] && root=--allow-root-backends
# shellcheck disable=SC2086 # $listen is words
bridge/h2cgi $listen --cgi-dir "$top/examples/cgi" --cgi-runner backends/h2cgi-cgi \
    --access-log - $root "$@" &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid; exit 0' INT TERM
i=0
until curl -sk -o /dev/null "$base/cgi-bin/hello.cgi" 2>/dev/null; do
    kill -0 $pid 2>/dev/null || { wait $pid; exit 1; }
    i=$((i + 1))
    [ $i -lt 100 ] || break
    sleep 0.1
done
cat <<EOF

h2cgi serves examples/cgi over HTTP/2 (a self-signed certificate: curl -k,
or accept it in the browser). Open:
    $base/cgi-bin/hello.cgi
    $base/cgi-bin/env.cgi
    $base/cgi-bin/early-hints.cgi   (nghttp -v shows its 103 Early Hints)
    $base/cgi-bin/stream.cgi        (a response that streams)
Ctrl-C stops it.

EOF
wait $pid
