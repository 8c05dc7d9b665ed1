#!/bin/sh
# Races h2cgi against nginx, h2o, lighttpd and Apache on the same FastCGI
# pool, with the peers' harness (../shared/peers/run.sh: it installs and
# starts everything on loopback and stops it by PID). Usage:
#   bench/run.sh [ROUNDS]   (PEERS=path/to/peers, BUILD=build/tree, ONLY="h2o h2cgi")
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PEERS=${PEERS:-$top/../shared/peers}
# the build tree: BUILD=, else an in-tree build, else tools/test-all.sh's
BUILD=${BUILD:-$top}
[ -x "$BUILD/bridge/h2cgi" ] || BUILD=$top/_build/plain
[ -x "$BUILD/bridge/h2cgi" ] || { echo "build h2cgi first (./configure && make)" >&2; exit 1; }
[ -f "$PEERS/run.sh" ] || { echo "no peers harness at $PEERS (set PEERS=)" >&2; exit 1; }
RUN=${RUN:-/tmp/h2cgi-peers}
export RUN
export H2CGI="$BUILD/bridge/h2cgi"
# same pool as the peers (hello.fcgi x 2 via spawn-fcgi), own CGI runner x 2
export H2CGI_ARGS="--fastcgi unix:$RUN/hello.sock --cgi-dir $PEERS/www/cgi-bin --procs 2 --cgi-runner $BUILD/backends/h2cgi-cgi --allow-root-backends"
exec bash "$PEERS/run.sh" "${1:-3}"
