#!/bin/bash
# bench.sh - h2cgi beside nginx, h2o, lighttpd (OpenSSL and GnuTLS) and
# Apache, each in front of the same FastCGI program and the same CGI
# script, on loopback. Interleaved rounds (the server order rotates), one
# table per scenario of medians, ratios to the best, and a PNG chart.
#
# Usage: bench/bench.sh [--install] [--rounds N] [--only "h2cgi h2o ..."]
#                       [--scenarios "hello_m10 idle ..."] [--quick]
#   --install    apt-get the peers and tools first (as root)
#   --quick      small sizes (1,000 idle connections, 100 MB transfers)
# Environment: BUILD (the build tree with bridge/h2cgi), RUN (scratch
# directory, /tmp/h2cgi-bench), BENCH_PORT (first of 7 ports, 18440),
# CHART (the PNG: bench/results.png, RUN/results.png for a partial run),
# PYTHON3.
#
# Only the processes started here are stopped, by PID. Every load is
# bounded in count and time. Measure speed here, never in tests: the
# figures are ratios within one run on a machine shared with others.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
bench=$top/bench
ROUNDS=3 INSTALL= ONLY= SCENARIOS= QUICK=
while [ $# -gt 0 ]; do
	case $1 in
	--install) INSTALL=1 ;;
	--rounds) ROUNDS=$2; shift ;;
	--only) ONLY=$2; shift ;;
	--scenarios) SCENARIOS=$2; shift ;;
	--quick) QUICK=1 ;;
	-h|--help) sed -n '2,19p' "$0"; exit 0 ;;
	*) echo "bench.sh: unknown argument $1 (see --help)" >&2; exit 2 ;;
	esac
	shift
done
case $ROUNDS in ''|*[!0-9]*|0) echo "bench.sh: --rounds takes a number from 1" >&2; exit 2 ;; esac

BUILD=${BUILD:-$top}
[ -x "$BUILD/bridge/h2cgi" ] || BUILD=$top/_build/plain
[ -x "$BUILD/bridge/h2cgi" ] || { echo "bench.sh: build h2cgi first (./configure && make), or set BUILD=" >&2; exit 1; }
RUN=${RUN:-/tmp/h2cgi-bench}
PORT0=${BENCH_PORT:-18440}
# a partial run (--only, --scenarios, --quick) keeps its chart in RUN: it
# must not replace the full run's bench/results.png
if [ -z "${CHART:-}" ]; then
	CHART=$bench/results.png
	[ -n "$ONLY$SCENARIOS$QUICK" ] && CHART=$RUN/results.png
fi
PY=${PYTHON3:-/usr/bin/python3}
IDLE_N=10000 BIG=1073741824
[ -n "$QUICK" ] && IDLE_N=1000 BIG=104857600

ALL_SERVERS="h2cgi h2cgi-w2 nginx h2o lighttpd lighttpd-gnutls apache"
declare -A PORT=([h2cgi]=$PORT0 [nginx]=$((PORT0 + 1)) [h2o]=$((PORT0 + 2)) [lighttpd]=$((PORT0 + 3))
	[lighttpd-gnutls]=$((PORT0 + 4)) [apache]=$((PORT0 + 5)) [h2cgi-w2]=$((PORT0 + 6)))
declare -A PID=()

# ---- set-up ----

need_install() {
	local b
	for b in h2load nginx lighttpd h2o apache2 spawn-fcgi fcgiwrap openssl curl gcc gnuplot; do
		command -v $b >/dev/null 2>&1 || return 0
	done
	[ -f /usr/include/fcgiapp.h ] && [ -f /usr/lib/lighttpd/mod_gnutls.so ] &&
		[ -f /usr/lib/lighttpd/mod_openssl.so ] && "$PY" -c 'import h2' 2>/dev/null && return 1
	return 0
}

if [ -n "$INSTALL" ] && need_install; then
	apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y \
		nghttp2-client libfcgi-dev spawn-fcgi fcgiwrap nginx-light lighttpd lighttpd-mod-openssl \
		lighttpd-mod-gnutls h2o apache2 openssl curl gcc libgnutls28-dev procps python3-h2 \
		gnuplot-nox >/dev/null || { echo "bench.sh: apt-get failed" >&2; exit 1; }
fi
for b in h2load spawn-fcgi curl gcc; do
	command -v $b >/dev/null 2>&1 || { echo "bench.sh: $b is missing (try --install)" >&2; exit 1; }
done
"$PY" -c 'import h2' 2>/dev/null || { echo "bench.sh: $PY has no h2 module (python3-h2; try --install)" >&2; exit 1; }

installed() { # is the program behind server $1 here?
	case $1 in
	h2cgi|h2cgi-w2) return 0 ;;
	nginx) command -v nginx ;;
	h2o) command -v h2o ;;
	lighttpd) command -v lighttpd && [ -f /usr/lib/lighttpd/mod_openssl.so ] ;;
	lighttpd-gnutls) command -v lighttpd && [ -f /usr/lib/lighttpd/mod_gnutls.so ] ;;
	apache) command -v apache2 ;;
	*) return 1 ;;
	esac >/dev/null 2>&1
}
SERVERS=
for s in ${ONLY:-$ALL_SERVERS}; do
	[ -n "${PORT[$s]:-}" ] || { echo "bench.sh: no server called $s ($ALL_SERVERS)" >&2; exit 2; }
	if installed "$s"; then SERVERS="$SERVERS $s"; else echo "bench.sh: $s is not installed; left out (--install)" >&2; fi
done

# var/ and apache/: written by servers after they dropped to www-data
mkdir -p "$RUN/www/cgi-bin" "$RUN/apache" "$RUN/var" || exit 1
chmod 0755 "$RUN"
chown www-data "$RUN/apache" "$RUN/var" 2>/dev/null
cc="gcc -O2 -Wall"
$cc -o "$RUN/app.fcgi" "$bench/app.c" -lfcgi &&
	$cc -pthread -o "$RUN/fcgiload" "$bench/fcgiload.c" &&
	$cc -o "$RUN/hsload" "$bench/hsload.c" -lgnutls &&
	$cc -o "$RUN/cgiloop" "$bench/cgiloop.c" || { echo "bench.sh: building the load tools failed" >&2; exit 1; }
cp "$top/examples/cgi/hello.cgi" "$RUN/www/cgi-bin/hello.cgi" && chmod 0755 "$RUN/www/cgi-bin/hello.cgi"
echo "<!doctype html><title>bench</title>" > "$RUN/www/index.html"
if [ ! -f "$RUN/cert.pem" ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj /CN=localhost -keyout "$RUN/key.pem" -out "$RUN/cert.pem" 2>/dev/null || exit 1
	chmod 0644 "$RUN/key.pem"
fi
rm -f "$RUN/big.bin" && truncate -s "$BIG" "$RUN/big.bin"
for c in nginx h2o lighttpd lighttpd-gnutls apache2; do
	p=${PORT[$c]:-${PORT[apache]}}
	sed -e "s#@RUN@#$RUN#g" -e "s#@PORT@#$p#g" "$bench/conf/$c.conf" > "$RUN/$c.conf"
done

# ---- processes ----

BACKEND_PIDS=
start_backends() {
	rm -f "$RUN/app.sock" "$RUN/fcgiwrap.sock" "$RUN"/*.pids
	spawn-fcgi -s "$RUN/app.sock" -M 0666 -F 2 -P "$RUN/app.pids" -- "$RUN/app.fcgi" >/dev/null || return 1
	if command -v fcgiwrap >/dev/null; then
		spawn-fcgi -s "$RUN/fcgiwrap.sock" -M 0666 -F 2 -P "$RUN/fcgiwrap.pids" -- "$(command -v fcgiwrap)" >/dev/null || return 1
	fi
	BACKEND_PIDS=$(awk 1 "$RUN"/*.pids)
}

start_server() { # $1: server; its PID lands in PID[$1]
	local s=$1 i h2cgi_args
	# --max-conns 2: the program's 2 processes (spawn-fcgi -F 2), which
	# libfcgi does not say; h2cgi keeps that many connections to it
	h2cgi_args="--cert $RUN/cert.pem --key $RUN/key.pem --fastcgi unix:$RUN/app.sock --max-conns 2
		--cgi-dir $RUN/www/cgi-bin --procs 2 --cgi-runner $BUILD/backends/h2cgi-cgi
		--allow-root-backends --idle-timeout 600 --error-log $RUN/var/$s-error.log"
	case $s in
	h2cgi) "$BUILD/bridge/h2cgi" --listen "127.0.0.1:${PORT[$s]}" $h2cgi_args & ;;
	h2cgi-w2) "$BUILD/bridge/h2cgi" --listen "127.0.0.1:${PORT[$s]}" --workers 2 $h2cgi_args & ;;
	nginx) nginx -c "$RUN/nginx.conf" -e "$RUN/var/nginx-error.log" & ;;
	h2o) h2o -c "$RUN/h2o.conf" 2>>"$RUN/var/h2o-start.log" & ;;
	lighttpd|lighttpd-gnutls) lighttpd -D -f "$RUN/$s.conf" & ;;
	apache) apache2 -f "$RUN/apache2.conf" -DFOREGROUND & ;;
	esac
	PID[$s]=$!
	for i in $(seq 1 100); do
		curl -sk --max-time 1 -o /dev/null "https://127.0.0.1:${PORT[$s]}/fcgi" && return 0
		sleep 0.1
	done
	echo "bench.sh: $s did not answer on port ${PORT[$s]} (see its log in $RUN/var)" >&2
	return 1
}

stop_server() {
	local p=${PID[$1]:-} i
	[ -n "$p" ] || return 0
	kill -TERM "$p" 2>/dev/null
	for i in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
	unset "PID[$1]"
}

stop_all() {
	local s p
	for s in "${!PID[@]}"; do stop_server "$s"; done
	for p in $BACKEND_PIDS; do kill "$p" 2>/dev/null; done
	[ -n "${IDLE_PID:-}" ] && kill "$IDLE_PID" 2>/dev/null
	rm -f "$RUN/big.bin" "$RUN/idle.in"
}
trap stop_all EXIT
trap 'exit 130' INT TERM

tree() { # a PID and its children
	echo "$1"
	ps -o pid= --ppid "$1" 2>/dev/null
}

# kB of RSS of a server: its processes, not the CGI runners it spawned
# (the peers' fcgiwrap is not counted either)
server_rss() {
	local sum=0 c v
	for c in $(tree "$1"); do
		[ "$(cat /proc/$c/comm 2>/dev/null)" = h2cgi-cgi ] && continue
		v=$(awk '/^VmRSS/{print $2}' /proc/$c/status 2>/dev/null)
		sum=$((sum + ${v:-0}))
	done
	echo $sum
}

# CPU clock ticks (user+sys, with the children they waited for) of a
# server and its children
cpu_ticks() {
	local sum=0 c
	for c in $(tree "$1"); do
		[ -r /proc/$c/stat ] || continue
		sum=$((sum + $(awk '{sub(/^.*\) /,""); print $12+$13+$14+$15}' /proc/$c/stat)))
	done
	echo $sum
}
# busy CPU ticks of the whole machine: the like-for-like figure where a
# server's helpers are not its children (fcgiwrap lets the kernel reap its
# scripts, so their time shows in no process of the peers)
machine_ticks() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9; exit}' /proc/stat; }
# runs a client, then prints "client_cpu_s=S": its user+sys time
with_client_cpu() {
	"$PY" -c 'import resource, subprocess, sys
subprocess.run(sys.argv[1:])
r = resource.getrusage(resource.RUSAGE_CHILDREN)
print("client_cpu_s=%.3f" % (r.ru_utime + r.ru_stime))' "$@"
}
# all_us M0 M1 CLIENT_S N: machine CPU per unit of work, the client's left out
all_us() { awk -v a="$1" -v b="$2" -v c="$3" -v n="$4" -v hz="$HZ" 'BEGIN{ if (n>0) printf "%.1f", ((b-a)/hz-c)*1e6/n; else print "NA" }'; }
HZ=$(getconf CLK_TCK)
per_unit_us() { awk -v a="$1" -v b="$2" -v n="$3" -v hz="$HZ" 'BEGIN{ if (n>0) printf "%.1f", (b-a)/hz*1e6/n; else print "NA" }'; }

# ---- scenarios ----
# name | kind | path | h2load arguments
SCEN=(
	"hello_m10|h2load|/fcgi|-n 100000 -c 10 -m 10"
	"hello_m1|h2load|/fcgi|-n 30000 -c 10 -m 1"
	"100k_m10|h2load|/fcgi?size=102400|-n 10000 -c 10 -m 10"
	"cgi_m10|h2load|/cgi-bin/hello.cgi|-n 1000 -c 10 -m 10"
	"idle|idle||"
	"hs_full|hs|full|"
	"hs_resumed|hs|resumed|"
	"down_big|down||"
	"up_big|up||"
)
RES=$RUN/results.tsv
: > "$RES"
row() { # round scenario server value unit rss_kB cpu_us mean_ms max_ms all_us
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$@" >> "$RES"
	printf '  r%s %-10s %-15s %10s %-8s rss=%skB cpu=%sus mean=%sms max=%sms all=%sus\n' "$@"
}

to_ms() { # h2load's "471us" / "6.95ms" / "1.2s"
	awk -v v="$1" 'BEGIN{ if (v ~ /us$/) {sub(/us$/,"",v); print v/1000}
		else if (v ~ /ms$/) {sub(/ms$/,"",v); print v+0}
		else if (v ~ /s$/) {sub(/s$/,"",v); print v*1000} else print "NA" }'
}

run_h2load() { # round scenario server path args
	local r=$1 sc=$2 s=$3 path=$4 args=$5 out rps ok c0 c1 m0 m1 mean max
	c0=$(cpu_ticks "${PID[$s]}")
	m0=$(machine_ticks)
	out=$(with_client_cpu timeout 120 h2load -t1 --tls13-ciphers=TLS_AES_128_GCM_SHA256 $args "https://127.0.0.1:${PORT[$s]}$path" 2>&1)
	m1=$(machine_ticks)
	c1=$(cpu_ticks "${PID[$s]}")
	rps=$(sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' <<<"$out")
	ok=$(sed -n 's/^requests: .* \([0-9]*\) succeeded.*/\1/p' <<<"$out")
	read -r _ _ _ _ max mean _ <<<"$(grep '^time for request:' <<<"$out")"
	[ "${ok:-0}" -gt 0 ] || { echo "  r$r $sc $s: h2load failed: $(tail -3 <<<"$out" | tr '\n' ' ')" >&2; return; }
	row "$r" "$sc" "$s" "${rps%.*}" req/s "$(server_rss "${PID[$s]}")" "$(per_unit_us "$c0" "$c1" "$ok")" \
		"$(to_ms "${mean:-NA}")" "$(to_ms "${max:-NA}")" \
		"$(all_us "$m0" "$m1" "$(sed -n 's/^client_cpu_s=//p' <<<"$out")" "$ok")"
}

IDLE_PID=
run_idle() { # round server: KiB per idle HTTP/2 TLS connection, on a fresh server
	local r=$1 s=$2 rss0 rss1 line alive i
	stop_server "$s"
	start_server "$s" || return
	sleep 0.5
	rss0=$(server_rss "${PID[$s]}")
	rm -f "$RUN/idle.in" "$RUN/idle.out" && mkfifo "$RUN/idle.in"
	timeout 600 "$PY" "$bench/idle.py" 127.0.0.1 "${PORT[$s]}" "$IDLE_N" < "$RUN/idle.in" > "$RUN/idle.out" 2>&1 &
	IDLE_PID=$!
	exec 9> "$RUN/idle.in"
	for i in $(seq 1 3000); do
		grep -q '^open' "$RUN/idle.out" 2>/dev/null && break
		kill -0 "$IDLE_PID" 2>/dev/null || break
		sleep 0.1
	done
	sleep 1
	rss1=$(server_rss "${PID[$s]}")
	echo >&9
	exec 9>&-
	wait "$IDLE_PID"
	IDLE_PID=
	alive=$(sed -n 's/^alive //p' "$RUN/idle.out")
	line=$(grep '^open' "$RUN/idle.out")
	if [ "${alive:-0}" -lt 1 ]; then
		echo "  r$r idle $s: no connection stayed open ($line)" >&2
		return
	fi
	if [ "$alive" -lt $((IDLE_N * 9 / 10)) ]; then
		echo "  r$r idle $s: it held only $alive of $IDLE_N connections ($line); no figure" >&2
		return
	fi
	[ "$alive" -lt "$IDLE_N" ] && echo "  r$r idle $s: $alive of $IDLE_N connections stayed open ($line)" >&2
	row "$r" idle "$s" "$(awk -v a="$rss0" -v b="$rss1" -v n="$alive" 'BEGIN{printf "%.1f", (b-a)/n}')" \
		KiB/conn "$rss1" NA NA NA NA
	stop_server "$s"
	start_server "$s"
}

run_hs() { # round scenario server full|resumed
	local r=$1 sc=$2 s=$3 mode=$4 out c0 c1 n
	c0=$(cpu_ticks "${PID[$s]}")
	out=$(timeout 60 "$RUN/hsload" 127.0.0.1 "${PORT[$s]}" 3 "$mode" 2>&1)
	c1=$(cpu_ticks "${PID[$s]}")
	n=$(sed -n 's/.*resumed=[0-9]*\/\([0-9]*\).*/\1/p' <<<"$out")
	case $out in
	hs/s=*) ;;
	*) echo "  r$r $sc $s: $out" >&2; return ;;
	esac
	if [ "$mode" = resumed ] && ! grep -q "resumed=$n/$n" <<<"$out"; then
		echo "  r$r $sc $s: not every handshake resumed ($out)" >&2
	fi
	row "$r" "$sc" "$s" "$(sed -n 's/^hs\/s=\([0-9]*\).*/\1/p' <<<"$out")" hs/s \
		"$(server_rss "${PID[$s]}")" "$(per_unit_us "$c0" "$c1" "$n")" NA NA NA
}

run_big() { # round scenario server: one transfer of $BIG bytes; peak RSS sampled
	local r=$1 sc=$2 s=$3 c0 c1 peak=0 v cpid code size speed url="https://127.0.0.1:${PORT[$3]}/fcgi"
	c0=$(cpu_ticks "${PID[$s]}")
	if [ "$sc" = down_big ]; then
		curl -sk --http2 --max-time 300 -o /dev/null -w '%{http_code} %{size_download} %{speed_download}\n' \
			"$url?size=$BIG" > "$RUN/big.out" 2>&1 &
	else
		curl -sk --http2 --max-time 300 -X POST -T "$RUN/big.bin" -o "$RUN/big.body" \
			-w '%{http_code} %{size_upload} %{speed_upload}\n' "$url" > "$RUN/big.out" 2>&1 &
	fi
	cpid=$!
	while kill -0 "$cpid" 2>/dev/null; do
		v=$(server_rss "${PID[$s]}")
		[ "$v" -gt "$peak" ] && peak=$v
		sleep 0.1
	done
	wait "$cpid"
	c1=$(cpu_ticks "${PID[$s]}")
	read -r code size speed < "$RUN/big.out"
	if [ "$code" != 200 ] || [ "$size" != "$BIG" ] ||
		{ [ "$sc" = up_big ] && [ "$(tr -d '\n' < "$RUN/big.body")" != "$BIG" ]; }; then
		echo "  r$r $sc $s: failed ($(cat "$RUN/big.out"))" >&2
		return
	fi
	row "$r" "$sc" "$s" "$(awk -v b="$speed" 'BEGIN{printf "%.0f", b/1e6}')" MB/s "$peak" \
		"$(per_unit_us "$c0" "$c1" "$((BIG / 1000000))")" NA NA NA
}

direct() { # round: the same program and script with no HTTP server in between
	local r=$1 out
	want() { [ -z "$SCENARIOS" ] || grep -qw "$1" <<<"$SCENARIOS"; }
	if want hello_m10; then
		out=$("$RUN/fcgiload" "$RUN/app.sock" 100000 10)
		row "$r" hello_m10 direct "$(sed -n 's/^req\/s=\([0-9]*\).*/\1/p' <<<"$out")" req/s NA NA \
			"$(sed -n 's/.*mean_ms=\([0-9.]*\).*/\1/p' <<<"$out")" NA NA
	fi
	if want 100k_m10; then
		out=$("$RUN/fcgiload" "$RUN/app.sock" 10000 10 size=102400)
		row "$r" 100k_m10 direct "$(sed -n 's/^req\/s=\([0-9]*\).*/\1/p' <<<"$out")" req/s NA NA NA NA NA
	fi
	if want cgi_m10; then
		out=$("$RUN/cgiloop" "$RUN/www/cgi-bin/hello.cgi" 1000 2)
		row "$r" cgi_m10 direct "${out#runs/s=}" req/s NA NA NA NA NA
	fi
	if want down_big; then
		out=$("$RUN/fcgiload" "$RUN/app.sock" 1 1 "size=$BIG")
		row "$r" down_big direct "$(sed -n 's/.*down_MBps=\([0-9]*\).*/\1/p' <<<"$out")" MB/s NA NA NA NA NA
	fi
	if want up_big; then
		out=$("$RUN/fcgiload" "$RUN/app.sock" 1 1 "" "$BIG")
		row "$r" up_big direct "$(sed -n 's/.*up_MBps=\([0-9]*\).*/\1/p' <<<"$out")" MB/s NA NA NA NA NA
	fi
}

# ---- the run ----

ulimit -n 20000 2>/dev/null || ulimit -n "$(ulimit -Hn)"
echo "== versions"
{
	"$BUILD/bridge/h2cgi" --version | head -1
	nginx -v 2>&1; h2o --version 2>/dev/null | head -1; lighttpd -v 2>/dev/null; apache2 -v 2>/dev/null | head -1
	h2load --version; echo "cpus: $(nproc)  kernel: $(uname -r)  fd limit: $(ulimit -n)"
} 2>/dev/null | sed 's/^/  /'
start_backends || { echo "bench.sh: the backends did not start" >&2; exit 1; }
for s in $SERVERS; do
	start_server "$s" || exit 1
	# warm up: first contacts with the backends, TLS caches, page faults
	timeout 60 h2load -n 1000 -c 10 -m 10 "https://127.0.0.1:${PORT[$s]}/fcgi" >/dev/null 2>&1
done
arr=($SERVERS)
for r in $(seq 1 "$ROUNDS"); do
	echo "== round $r"
	k=$(( (r - 1) % ${#arr[@]} ))
	order=("${arr[@]:$k}" "${arr[@]:0:$k}")
	for sc in "${SCEN[@]}"; do
		IFS='|' read -r name kind path args <<<"$sc"
		[ -z "$SCENARIOS" ] || grep -qw "$name" <<<"$SCENARIOS" || continue
		for s in "${order[@]}"; do
			# a second worker only matters where one core is the limit
			[ "$s" = h2cgi-w2 ] && case $name in hello_*) ;; *) continue ;; esac
			# memory does not move with the machine's load: measured once
			[ "$kind" = idle ] && [ "$r" -gt 1 ] && continue
			case $kind in
			h2load) run_h2load "$r" "$name" "$s" "$path" "$args" ;;
			idle) run_idle "$r" "$s" ;;
			hs) run_hs "$r" "$name" "$s" "$path" ;;
			down|up) run_big "$r" "$name" "$s" ;;
			esac
			# h2cgi's connections parked on the shared FastCGI program
			# hold its processes until 2 s quiet (pool.c park_tick):
			# the next server must not wait on them
			case $s in h2cgi*) sleep 3 ;; esac
		done
	done
	direct "$r"
done
"$PY" "$bench/report.py" "$RES" "$CHART"
