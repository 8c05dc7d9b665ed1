#!/bin/sh
# instr.sh - the steady figure beside bench.sh's noisy ones: instructions
# h2cgi executes per request, counted by valgrind's callgrind (the same
# from run to run on any machine load). Each workload runs twice, with N
# and 2N requests on one HTTP/2 TLS connection (h2load -m1), and the
# difference is divided by N, so start-up and the handshake cancel out.
#
# Usage: bench/instr.sh [N]      (BUILD=build/tree, default N 2000)
# Prints one line per workload and the functions that cost most.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-2000}
BUILD=${BUILD:-$top}
[ -x "$BUILD/bridge/h2cgi" ] || BUILD=$top/_build/plain
[ -x "$BUILD/bridge/h2cgi" ] || { echo "instr.sh: build h2cgi first (./configure && make)" >&2; exit 1; }
for b in valgrind callgrind_annotate h2load curl spawn-fcgi gcc openssl; do
	command -v $b >/dev/null 2>&1 || { echo "instr.sh: $b is missing (apt-get install valgrind nghttp2-client curl spawn-fcgi gcc openssl)" >&2; exit 1; }
done
W=$(mktemp -d "${TMPDIR:-/tmp}/h2cgi-instr.XXXXXX")
H2=
APP=
cleanup() {
	[ -n "$H2" ] && kill "$H2" 2>/dev/null
	[ -n "$APP" ] && kill $APP 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
gcc -O2 -o "$W/app.fcgi" "$top/bench/app.c" -lfcgi
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj /CN=localhost -keyout "$W/key.pem" -out "$W/cert.pem" 2>/dev/null
spawn-fcgi -s "$W/app.sock" -F 1 -P "$W/app.pid" -- "$W/app.fcgi" >/dev/null
APP=$(cat "$W/app.pid")

# a free loopback port
port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# total instructions of one h2cgi run serving $1 requests for path $2,
# into $W/total
run() {
	p=$(port)
	valgrind --tool=callgrind --callgrind-out-file="$W/cg.$1" \
		"$BUILD/bridge/h2cgi" --listen "127.0.0.1:$p" --cert "$W/cert.pem" --key "$W/key.pem" \
		--fastcgi "unix:$W/app.sock" --error-log "$W/h2cgi.log" --allow-root-backends 2>"$W/vg.log" &
	H2=$!
	i=0
	until curl -sk --http2 -o /dev/null "https://127.0.0.1:$p/"; do
		i=$((i + 1))
		[ $i -lt 200 ] || { echo "instr.sh: h2cgi did not start under valgrind ($W/vg.log)" >&2; cat "$W/vg.log" >&2; exit 1; }
		sleep 0.1
	done
	out=$(h2load -n "$1" -c 1 -m 1 "https://127.0.0.1:$p$2" 2>&1)
	echo "$out" | grep -q "$1 succeeded" || { echo "instr.sh: h2load: $out" >&2; exit 1; }
	kill -TERM "$H2"
	wait "$H2" || true
	H2=
	sed -n 's/^totals: *\([0-9]*\).*/\1/p;s/^summary: *\([0-9]*\).*/\1/p' "$W/cg.$1" | head -1 > "$W/total"
}

for w in "hello /fcgi" "100k /fcgi?size=102400"; do
	set -- $w
	run "$N" "$2"
	a=$(cat "$W/total")
	run $((2 * N)) "$2"
	b=$(cat "$W/total")
	echo "instructions per request, $1 ($2, h2load -c1 -m1 over TLS): $(( (b - a) / N ))"
	if [ "$1" = hello ]; then
		callgrind_annotate "$W/cg.$((2 * N))" 2>/dev/null | sed -n '/^Ir/,$p' | sed -n '3,17p' > "$W/top"
	fi
done
echo "costliest functions (self, hello run of $((2 * N)) requests):"
sed 's/^/  /' "$W/top"
