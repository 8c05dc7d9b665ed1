#!/bin/sh
# Backend connections like a production proxy: kept connections (counted
# by the backends themselves and by SIGUSR2), no stall with a small pool,
# several addresses with one killed, timeouts, aborts, SIGUSR2 lines.
. "$(dirname "$0")/lib.sh"
need curl h2load
COUNTER=$top_builddir/examples/fcgi/counter.fcgi
FB="$PYTHON3 $top_srcdir/tests/integration/fcgi_backend.py"
BACKENDS=

# start_backend ADDR NAME MODE: a FastCGI server written in Python; its
# log is $WORK/NAME.log; sets BPID
start_backend() {
    rm -f "$WORK/$2.log" "$WORK/$2.log.ready"
    $FB "$1" "$2" "$WORK/$2.log" "$3" 2>>"$WORK/$2.err" &
    BPID=$!
    BACKENDS="$BACKENDS $BPID"
    i=0
    while [ ! -e "$WORK/$2.log.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
}
stop_backends() {
    for b in $BACKENDS; do kill "$b" 2>/dev/null && wait "$b" 2>/dev/null; done
    BACKENDS=
}
count() { n=$(grep -c "^$1\$" "$2" 2>/dev/null); echo "${n:-0}"; }
# status_line NAME: SIGUSR2, then the pool's line
status_line() {
    : > "$WORK/before"
    n=$(grep -c "status pool $1:" "$ERRLOG")
    kill -USR2 "$PID"
    i=0
    while [ "$(grep -c "status pool $1:" "$ERRLOG")" -le "$n" ] && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    grep "status pool $1:" "$ERRLOG" | tail -1
}

# 1000 requests one after another on one HTTP/2 connection, to a spawned
# libfcgi pool: the kept connections carry them all
start_h2cgi --spawn "$COUNTER" --procs 2
out=$(h2load -n 1000 -c 1 -m 1 "$URL/x" 2>&1 | summary)
like "$out" "1000 succeeded, 0 failed" "1000 sequential requests to a spawned libfcgi pool"
line=$(status_line app)
like "$line" "served 1000," "SIGUSR2: the pool served 1000"
opened=$(echo "$line" | sed -n 's/.*connections opened \([0-9]*\),.*/\1/p')
ok "$([ -n "$opened" ] && [ "$opened" -le 2 ]; echo $?)" "over at most 2 backend connections ($opened)"
like "$line" "processes 2/2, busy 0, idle [12]," "SIGUSR2: processes, busy, idle"
# a libfcgi process served hundreds of them on its kept connection
like "$($CURL "$URL/x")" "request [0-9][0-9][0-9]" "the kept connection's process served hundreds"

# a 2-process pool under h2load -c10 -m10: parked connections never make a
# waiting request starve
out=$(timeout 60 h2load -n 2000 -c 10 -m 10 "$URL/x" 2>&1 | summary)
like "$out" "2000 succeeded, 0 failed" "2-process pool, h2load -c10 -m10: every request answered"
out=$(timeout 60 h2load -n 200 -c 10 -m 10 "$URL/x?5" 2>&1 | summary)
like "$out" "200 succeeded, 0 failed" "and with 5 ms requests"
stop_h2cgi

# --keepalive 0: a connection per request, as before
start_h2cgi --spawn "$COUNTER" --procs 2 --keepalive 0
h2load -n 50 -c 1 -m 1 "$URL/x" >/dev/null 2>&1
like "$(status_line app)" "served 50, connections opened 50, reused 0" "--keepalive 0: a connection per request"
stop_h2cgi

# an external server that honours FCGI_KEEP_CONN, and one that closes
# every connection anyway
start_backend "unix:$WORK/k.sock" k keep
start_h2cgi --fastcgi "unix:$WORK/k.sock"
out=$(h2load -n 300 -c 1 -m 1 "$URL/x" 2>&1 | summary)
like "$out" "300 succeeded, 0 failed" "300 requests to an external server"
is "$(count request "$WORK/k.log")" "300" "it answered 300"
ok "$([ "$(count conn "$WORK/k.log")" -le 2 ]; echo $?)" "on $(count conn "$WORK/k.log") connection(s)"
stop_h2cgi
stop_backends
start_backend "unix:$WORK/c.sock" c close
start_h2cgi --fastcgi "unix:$WORK/c.sock"
out=$(h2load -n 300 -c 2 -m 4 "$URL/x" 2>&1 | summary)
like "$out" "300 succeeded, 0 failed" "a backend that closes every kept connection still answers all"
line=$(status_line app)
like "$line" "served 300," "all 300 served"
stop_h2cgi
stop_backends
# a request sent again after its kept connection was closed under it takes
# a new connection; when parked ones fill the bound (--max-conns 2) one of
# them is closed for it (it waited at the head of the queue for ever, and
# every request behind it, until --queue-timeout; here 1 s, under the 2 s
# after which quiet parked connections are closed anyway)
start_backend "unix:$WORK/d.sock" d keep
start_h2cgi --fastcgi "unix:$WORK/d.sock" --max-conns 2 --queue-timeout 1
# two requests of 100 ms at once: two connections (one after the other
# they shared one, and ?drop then met a new connection, not retried: 502)
out=$(h2load -n 2 -c 2 -m 1 "$URL/x?sleep100" 2>&1 | summary)
like "$out" "2 succeeded, 0 failed" "two connections parked"
cpids=
for q in sleep400 drop x; do
    $CURL -o /dev/null -w "%{http_code}" "$URL/x?$q" > "$WORK/d.$q" &
    cpids="$cpids $!"
    sleep 0.05
done
for c in $cpids; do wait "$c"; done
is "$(cat "$WORK/d.sleep400") $(cat "$WORK/d.drop") $(cat "$WORK/d.x")" "200 200 200" \
    "the slow one, the one closed under and sent again, the one queued: all 200"
is "$(count drop "$WORK/d.log")" "1" "the backend closed one kept connection under its request"
ok "$(grep -c "queue-timeout" "$ERRLOG")" "none waited for --queue-timeout"
stop_h2cgi
stop_backends

# FCGI_GET_VALUES: a server that says it takes 3 connections gets no more
start_backend "unix:$WORK/v.sock" v values
start_h2cgi --fastcgi "unix:$WORK/v.sock"
out=$(h2load -n 300 -c 10 -m 10 "$URL/x" 2>&1 | summary)
like "$out" "300 succeeded, 0 failed" "300 requests, 100 at a time, to a server taking 3 connections"
like "$(cat "$ERRLOG")" "backend unix:[^ ]*v.sock says FCGI_MAX_CONNS 3, FCGI_MAX_REQS 3, FCGI_MPXS_CONNS 0\$" "FCGI_GET_VALUES asked and logged"
is "$(count get_values "$WORK/v.log")" "1" "asked once"
most=$(sed -n 's/^open //p' "$WORK/v.log" | sort -n | tail -1)
ok "$([ "$most" -le 4 ]; echo $?)" "never more than 3 connections at once (+1 for the question): $most"
stop_h2cgi
stop_backends

# FCGI_MPXS_CONNS 1: requests share a connection, their records interleaved
start_backend "unix:$WORK/m.sock" m mpx
start_h2cgi --fastcgi "unix:$WORK/m.sock" --backend-timeout 2
$CURL "$URL/x?0" > /dev/null # first contact: the question follows it
out=$(h2load -n 400 -c 4 -m 10 "$URL/x?3" 2>&1 | summary)
like "$out" "400 succeeded, 0 failed" "400 requests, 40 at a time, to a server that multiplexes"
like "$(cat "$ERRLOG")" "says FCGI_MAX_CONNS 2, FCGI_MAX_REQS 50, FCGI_MPXS_CONNS 1: requests share connections" \
    "FCGI_MPXS_CONNS 1 logged"
most=$(sed -n 's/^busy //p' "$WORK/m.log" | sort -n | tail -1)
ok "$([ "${most:-0}" -ge 4 ]; echo $?)" "several requests at once on one connection (up to $most)"
ok "$([ "$most" -le 16 ]; echo $?)" "never more than 16 on one ($most)"
open=$(sed -n 's/^open //p' "$WORK/m.log" | sort -n | tail -1)
ok "$([ "$open" -le 3 ]; echo $?)" "never more than its 2 connections at once (+1 for the question): $open"
ok "$([ "$(count conn "$WORK/m.log")" -le 4 ]; echo $?)" "$(count conn "$WORK/m.log") connections for 401 requests"
# answers that interleave on the connection reach their own streams: each
# body names its request (30 at once, 1 to 30 ms, records 2 ms apart)
rm -rf "$WORK/mx"; mkdir "$WORK/mx"
$CURL --parallel --parallel-max 30 "$URL/x?[1-30]" -o "$WORK/mx/#1" 2>/dev/null
bad=0
for i in $(seq 1 30); do [ "$(cat "$WORK/mx/$i" 2>/dev/null)" = "backend m $i" ] || bad=$((bad + 1)); done
is "$bad" "0" "30 interleaved answers: each body is its own request's"
# a client gone mid-request: FCGI_ABORT_REQUEST for its id, and the
# connection goes on for the others
c0=$(count conn "$WORK/m.log")
$CURL --max-time 0.5 "$URL/x?1500" > /dev/null 2>&1
i=0
while ! grep -q "^abort " "$WORK/m.log" && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
like "$(grep "^abort " "$WORK/m.log")" "^abort [0-9]+$" "a client reset: the backend read FCGI_ABORT_REQUEST"
is "$($CURL "$URL/x?abc")" "backend m abc" "the next request on the shared connection"
is "$(count conn "$WORK/m.log")" "$c0" "no new connection: the aborted request's id was ended, not its connection"
is "$(count closed "$WORK/m.log")" "0" "no connection closed under a request"
# a request past --backend-timeout: 504, FCGI_ABORT_REQUEST; the others on
# its connection go on meanwhile
$CURL -o /dev/null -w '%{http_code}' "$URL/x?4000" > "$WORK/slow.code" 2>/dev/null &
SLOW=$!
sleep 0.3
fast=0
for i in 1 2 3 4 5; do [ "$($CURL "$URL/x?f$i")" = "backend m f$i" ] && fast=$((fast + 1)); done
is "$fast" "5" "other requests answered while one hangs on the shared connection"
wait $SLOW
is "$(cat "$WORK/slow.code")" "504" "the hung one: 504 at --backend-timeout"
ok "$([ "$(count "abort [0-9]*" "$WORK/m.log")" -ge 2 ]; echo $?)" "and its id aborted"
like "$(cat "$ERRLOG")" "backend unix:[^ ]*m.sock sent nothing for --backend-timeout" "logged with the address"
ok "$(grep -c "not open" "$ERRLOG")" "no record for an id that is not open"
stop_h2cgi
stop_backends

# php-fpm: kept connections too
if FPM=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -1) && [ -x "$FPM" ]; then
    S=$WORK/site
    mkdir -p "$S"
    echo '<?php echo "php ", getmypid(), "\n";' > "$S/p.php"
    start_php_fpm
    start_h2cgi --route '*.php' --fastcgi "unix:$WORK/php.sock" --docroot "$S" --route / --static "$S"
    out=$(h2load -n 1000 -c 1 -m 1 "$URL/p.php" 2>&1 | summary)
    like "$out" "1000 succeeded, 0 failed" "1000 sequential requests to php-fpm"
    line=$(status_line route1)
    opened=$(echo "$line" | sed -n 's/.*connections opened \([0-9]*\),.*/\1/p')
    ok "$([ -n "$opened" ] && [ "$opened" -le 2 ]; echo $?)" "over at most 2 connections to php-fpm ($opened)"
    stop_h2cgi
    kill "$FPM_PID"; wait "$FPM_PID" 2>/dev/null; FPM_PID=
else
    T=$((T + 1)); echo "ok $T # SKIP php-fpm not installed (tools/deps.sh)"
fi

# two addresses: both serve; one killed mid-run loses nothing; both down: 503 at once
P1=$(free_port); P2=$(free_port)
start_backend "$P1" one keep; B1=$BPID
start_backend "$P2" two keep
start_h2cgi --fastcgi "127.0.0.1:$P1" --fastcgi "127.0.0.1:$P2"
out=$(h2load -n 200 -c 4 -m 4 "$URL/x" 2>&1 | summary)
like "$out" "200 succeeded, 0 failed" "two addresses"
ok "$([ "$(count request "$WORK/one.log")" -gt 20 ] && [ "$(count request "$WORK/two.log")" -gt 20 ]; echo $?)" \
    "both serve ($(count request "$WORK/one.log") and $(count request "$WORK/two.log"))"
h2load -n 3000 -c 4 -m 4 "$URL/x" > "$WORK/h2load.out" 2>&1 &
HL=$!
sleep 0.5
kill "$B1"; wait "$B1" 2>/dev/null
wait $HL
hl=$?
like "$(summary < "$WORK/h2load.out"; echo "h2load exit $hl")" "3000 succeeded, 0 failed" \
    "one address killed mid-run: no request lost"
[ "$hl" = 0 ] || grep -v "marked down" "$ERRLOG" | tail -20 | sed 's/^/# h2cgi: /'
# more at once than the parked connections carry: new ones go first to the
# address with fewer requests, the dead one: refused, marked down, served by the other
out=$(h2load -n 400 -c 10 -m 10 "$URL/x" 2>&1 | summary)
like "$out" "400 succeeded, 0 failed" "100 at once after the kill: all answered"
grep -E ": 50[0-9]: " "$ERRLOG" | sed 's/^[^#]*#[0-9]* //' | sort | uniq -c | sort -rn | head -3 | sed 's/^/# 5xx: /'
like "$(cat "$ERRLOG")" "backend 127.0.0.1:$P1: [^;]*; marked down" "the dead address is marked down"
stop_backends
t0=$(date +%s%N)
hdr=$($CURL -D - -o /dev/null "$URL/x")
t1=$(date +%s%N)
like "$hdr" "^HTTP/2 503" "both down: 503"
like "$hdr" "retry-after: [0-9]" "with Retry-After"
ok "$([ $(((t1 - t0) / 1000000)) -lt 1000 ]; echo $?)" "in under a second ($(((t1 - t0) / 1000000)) ms)"
stop_h2cgi

# an elastic pool grows while requests wait and shrinks after --proc-idle
start_h2cgi --spawn "$COUNTER" --procs 2:6 --proc-idle 1
out=$(h2load -n 40 -c 20 -m 1 "$URL/x?300" 2>&1 | summary)
like "$out" "40 succeeded, 0 failed" "20 concurrent slow requests to --procs 2:6"
like "$(cat "$ERRLOG")" "pool app: requests wait; started process [0-9]* \(6 running\)" "the pool grew to 6"
i=0
while ! status_line app | grep -q "processes 2/2," && [ $i -lt 20 ]; do sleep 0.5; i=$((i + 1)); done
like "$(status_line app)" "processes 2/2," "back to 2 after --proc-idle"
like "$(cat "$ERRLOG")" "idle for --proc-idle; stopping it \(2 left\)" "logged"
out=$(h2load -n 100 -c 4 -m 1 "$URL/x" 2>&1 | summary)
like "$out" "100 succeeded, 0 failed" "and it serves on"
stop_h2cgi

# --max-requests: each process is replaced after 10 requests, none lost
start_h2cgi --spawn "$COUNTER" --procs 2 --max-requests 10
out=$(h2load -n 200 -c 4 -m 2 "$URL/x" 2>&1 | summary)
like "$out" "200 succeeded, 0 failed" "--max-requests 10 with 200 requests: 0 failures"
n=$(grep -c "after 10 requests (--max-requests)" "$ERRLOG")
ok "$([ "$n" -ge 18 ]; echo $?)" "processes rotated ($n replaced)"
max=0
for i in $(seq 25); do
    k=$($CURL "$URL/x" | sed -n 's/.*request \([0-9]*\)/\1/p')
    [ "${k:-99}" -gt "$max" ] && max=${k:-99}
done
is "$max" "10" "no process served more than 10"
! grep -q "exited with status\|killed by signal" "$ERRLOG"
ok $? "replacements are not logged as crashes"
stop_h2cgi

# a hung backend: 504 after --backend-timeout; the backend sees the abort
start_backend "unix:$WORK/h.sock" h hang
start_h2cgi --fastcgi "unix:$WORK/h.sock" --backend-timeout 1
code=$($CURL -o /dev/null -w '%{http_code}' "$URL/x")
is "$code" "504" "a backend that never answers: 504"
like "$(cat "$ERRLOG")" "504: route / \(fastcgi unix:[^)]*h.sock\): backend unix:[^ ]*h.sock sent nothing for --backend-timeout" \
    "logged with the route and the address"
i=0
while [ "$(count abort "$WORK/h.log")$(count closed "$WORK/h.log")" = "00" ] && [ $i -lt 40 ]; do sleep 0.05; i=$((i + 1)); done
ok "$([ "$(count abort "$WORK/h.log")" -ge 1 ]; echo $?)" "the backend read FCGI_ABORT_REQUEST"
stop_h2cgi

# a client that gives up: the backend hears of it at once
: > "$WORK/h.log"
start_h2cgi --fastcgi "unix:$WORK/h.sock"
i=0
while [ "$(count request "$WORK/h.log")$(count conn "$WORK/h.log")" = 00 ] && [ $i -lt 2 ]; do
    $CURL --max-time 2 "$URL/x" >/dev/null 2>&1 # (a slow build may give up before sending)
    i=$((i + 1))
done
i=0
while [ "$(count abort "$WORK/h.log")" = 0 ] && [ $i -lt 80 ]; do sleep 0.05; i=$((i + 1)); done
ok "$([ "$(count abort "$WORK/h.log")" -ge 1 ]; echo $?)" "client gone: the backend reads FCGI_ABORT_REQUEST"
stop_h2cgi
stop_backends

# a server of one process (libfcgi's kind) that h2cgi shares with another
# front end: a connection parked on it holds that process, so it is closed
# after 2 s without a request and the other front end is served (before:
# not until this h2cgi stopped; make bench's peers timed out behind it)
start_backend "unix:$WORK/single.sock" single single
start_h2cgi --fastcgi "unix:$WORK/single.sock" --error-log "$WORK/a.log"
A_PID=$PID
out=$(h2load -n 200 -c 1 -m 1 "$URL/x" 2>&1 | summary)
like "$out" "200 succeeded, 0 failed" "a one-process server: 200 requests one after another"
line=$(status_line app)
opened=$(echo "$line" | sed -n 's/.*connections opened \([0-9]*\),.*/\1/p')
ok "$([ -n "$opened" ] && [ "$opened" -le 2 ]; echo $?)" "on a kept connection ($opened opened)"
start_h2cgi --fastcgi "unix:$WORK/single.sock"
is "$($CURL --max-time 8 "$URL/x")" "backend single" \
    "another front end of that server is served once the first was quiet for 2 s"
stop_h2cgi
kill "$A_PID"; wait "$A_PID" 2>/dev/null
stop_backends

# --max-conns: a libfcgi pool of 2 processes on one socket, as spawn-fcgi
# -F 2 starts it, says nothing of how many connections it takes; told,
# h2cgi keeps that many connections open and queues the rest (without it,
# a connection per request under load: a parked one could hold a process
# that a request waiting in the accept queue needs)
"$PYTHON3" - "$WORK/lib.sock" 2 "$COUNTER" > "$WORK/lib.pids" <<'PY'
import os, socket, sys
path, n, prog = sys.argv[1], int(sys.argv[2]), sys.argv[3]
s = socket.socket(socket.AF_UNIX)
s.bind(path)
s.listen(128)
for _ in range(n):
    pid = os.fork()
    if pid == 0:
        os.dup2(s.fileno(), 0)  # libfcgi accepts on fd 0
        os.execv(prog, [prog])
    print(pid)
PY
BACKENDS="$BACKENDS $(cat "$WORK/lib.pids" | tr '\n' ' ')"
start_h2cgi --fastcgi "unix:$WORK/lib.sock" --max-conns 2
out=$(timeout 60 h2load -n 2000 -c 10 -m 10 "$URL/x" 2>&1 | summary)
like "$out" "2000 succeeded, 0 failed" "--max-conns 2 to a 2-process libfcgi pool: h2load -c10 -m10"
line=$(status_line app)
opened=$(echo "$line" | sed -n 's/.*connections opened \([0-9]*\),.*/\1/p')
is "$opened" "2" "its 2 connections carried all 2000 requests"
like "$($CURL "$URL/x")" "request [0-9][0-9][0-9]" "a process served hundreds on its kept connection"
out=$(timeout 60 h2load -n 200 -c 10 -m 10 "$URL/x?5" 2>&1 | summary)
like "$out" "200 succeeded, 0 failed" "and 5 ms requests, 100 at once, wait in the queue"
stop_h2cgi
start_h2cgi --fastcgi "unix:$WORK/lib.sock"
out=$(timeout 60 h2load -n 2000 -c 10 -m 10 "$URL/x" 2>&1 | summary)
like "$out" "2000 succeeded, 0 failed" "without --max-conns: every request answered too"
stop_h2cgi
if [ "$(nproc)" -ge 2 ]; then
    start_h2cgi --fastcgi "unix:$WORK/lib.sock" --max-conns 2 --workers 2
    out=$(timeout 60 h2load -n 2000 -c 10 -m 10 "$URL/x" 2>&1 | summary)
    like "$out" "2000 succeeded, 0 failed" "--max-conns 2 with --workers 2 (one connection each): no stall"
    stop_h2cgi
fi
stop_backends
code=$(timeout 5 "$BIN" --listen 127.0.0.1:0 --spawn "$COUNTER" --max-conns 2 2>"$WORK/mc.err"; echo $?)
is "$code" "64" "--max-conns with --spawn: refused"
like "$(cat "$WORK/mc.err")" "--max-conns is for --fastcgi servers" "and said why"

# a CGI script whose client reset the stream is killed
mkdir -p "$WORK/cgi"
cat > "$WORK/cgi/sleeper.cgi" <<EOF
#!/bin/sh
echo \$\$ > $WORK/sleeper.pid
sleep 30
echo "Content-Type: text/plain"
echo
echo late
EOF
chmod +x "$WORK/cgi/sleeper.cgi"
start_h2cgi --cgi-dir "$WORK/cgi"
$CURL --max-time 1 "$URL/cgi-bin/sleeper.cgi" >/dev/null 2>&1
spid=$(cat "$WORK/sleeper.pid" 2>/dev/null)
is "$(still_alive $spid)" "" "the reset CGI script is gone"
stop_h2cgi

# connect timeout: an address that never answers the SYN is not on loopback;
# a full accept queue of a listener that never accepts stands in for it
"$PYTHON3" - "$WORK/full.port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", 0))
s.listen(0)
fill = []
for _ in range(4):  # fill the accept queue so that further SYNs go unanswered
    c = socket.socket(); c.setblocking(False)
    try:
        c.connect(s.getsockname())
    except BlockingIOError:
        pass
    fill.append(c)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
time.sleep(30)
PY
FULL=$!
i=0
while [ ! -s "$WORK/full.port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_h2cgi --fastcgi "127.0.0.1:$(cat "$WORK/full.port")" --connect-timeout 1
code=$($CURL -o /dev/null -w '%{http_code}' "$URL/x")
like "$code" "50[34]" "a backend that never accepts: an answer after --connect-timeout ($code)"
like "$(cat "$ERRLOG")" "no connection within --connect-timeout" "logged"
stop_h2cgi
kill $FULL 2>/dev/null; wait $FULL 2>/dev/null

done_testing
