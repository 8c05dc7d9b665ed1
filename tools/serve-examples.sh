#!/bin/sh
# Builds h2cgi and serves examples/cgi at https://localhost:8443/cgi-bin/
# over HTTP/2 (self-signed certificate made at start). Ctrl-C stops it.
set -e
cd "$(dirname "$0")/.."
[ -x configure ] || autoreconf -fi
[ -f Makefile ] || ./configure
make -j2
# as root (the Quick start), the example scripts run as root too: say so
root=
[ "$(id -u)" = 0 ] && root=--allow-root-backends
exec bridge/h2cgi --listen '[::]:8443' --cgi-dir examples/cgi --cgi-runner backends/h2cgi-cgi \
    --access-log - $root "$@"
