#!/bin/sh
# The backend pool: restart after a crash, no orphans after SIGKILL of the
# master, a bounded wait queue, an external FastCGI server.
. "$(dirname "$0")/lib.sh"
need curl
need_h2py
start_h2cgi --cgi-dir "$CGI" --procs 2

# a backend killed mid-response resets only its stream
$FRAMES "$PORT" events GET '/cgi-bin/slow.cgi?20' > "$WORK/slow.out" &
FP=$!
victim=
i=0
while [ -z "$victim" ] && [ $i -lt 100 ]; do
    for r in $(children "$PID"); do
        [ -n "$(children "$r")" ] && victim=$r # the runner that has a script running
    done
    sleep 0.05
    i=$((i + 1))
done
ok "$([ -n "$victim" ]; echo $?)" "found the runner serving the slow request ($victim)"
script=$(children "$victim")
kill -9 "$victim"
wait $FP
like "$(cat "$WORK/slow.out")" '"event": "reset", "code": 2' "its stream is reset with INTERNAL_ERROR"
like "$(cat "$WORK/slow.out")" '"body": "started\\n"' "after the part already sent"
like "$(cat "$ERRLOG")" "backend [0-9]+ killed by signal 9; restarting" "the death is logged"
is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "the next request succeeds"
i=0
while [ "$(children "$PID" | wc -l)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
is "$(children "$PID" | wc -l)" "2" "the pool is back to 2 backends"
i=0
while [ -n "$script" ] && kill -0 "$script" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
ok "$(kill -0 "$script" 2>/dev/null; [ $? -ne 0 ]; echo $?)" "the orphaned script was killed too (PR_SET_PDEATHSIG)"

# requests wait for a busy pool instead of failing
stop_h2cgi
start_h2cgi --cgi-dir "$CGI" --procs 1
for n in 1 2 3 4 5 6; do
    $CURL -o "$WORK/q$n" -w '%{http_code}' "$URL/cgi-bin/slow.cgi?1" > "$WORK/q$n.code" &
    eval "QP$n=\$!"
done
for n in 1 2 3 4 5 6; do eval "wait \$QP$n"; done
is "$(cat "$WORK"/q?.code | tr -d '\n')" "200200200200200200" "6 requests on 1 busy backend: all queued and served"

stop_h2cgi
start_h2cgi --cgi-dir "$CGI" --procs 1 --queue 0
# one request on the backend, the kernel's small backlog (listen(2) with the
# pool size) full behind it: more than that must be refused, not lost
BG=
for n in 1 2 3 4; do
    $CURL -o /dev/null "$URL/cgi-bin/slow.cgi?2" &
    BG="$BG $!"
    sleep 0.2
done
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/hello.cgi")" "503" "--queue 0 and every backend busy: 503"
like "$(cat "$ERRLOG")" "503: route /cgi-bin/ \\(cgi-dir [^)]*\\): every backend is busy and the queue is full" "503 logged"
wait $BG

# SIGHUP restarts the pool gracefully: the request in flight finishes on
# its old backend, new requests go to new backends, the old ones then stop
stop_h2cgi
D=$WORK/hup
mkdir -p "$D"
cp "$CGI/slow.cgi" "$D/"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\necho $PPID\n' > "$D/runner.cgi"
chmod 755 "$D/runner.cgi"
start_h2cgi --cgi-dir "$D" --procs 2
old=$(children "$PID" | sort | tr '\n' ' ')
like "$old" "^[0-9]+ [0-9]+ $" "two backends before SIGHUP"
$CURL -o "$WORK/inflight" "$URL/cgi-bin/slow.cgi?2" &
C=$!
sleep 0.5
kill -HUP "$PID"
sleep 0.3
r=$($CURL "$URL/cgi-bin/runner.cgi")
T=$((T + 1))
case " $old" in *" $r "*) echo "not ok $T - after SIGHUP a new backend serves ($r is old)"; FAILS=$((FAILS + 1)) ;;
*) echo "ok $T - after SIGHUP a new backend serves ($r)" ;; esac
wait $C
is "$(cat "$WORK/inflight" | tr '\n' ' ')" "started done " "the request in flight finished on its old backend"
is "$(still_alive $old)" "" "then the old backends stopped"
is "$(children "$PID" | wc -l)" "2" "two backends after SIGHUP"
like "$(cat "$ERRLOG")" "pool cgi: restarted as generation 2; generation 1 finishes 1 requests" "restart logged"
like "$(cat "$ERRLOG")" "pool cgi: generation 1 stopped" "old generation's end logged"
T=$((T + 1)); if grep -q "backend [0-9]* .*restarting" "$ERRLOG"; then echo "not ok $T - retired backends are not restarted"; FAILS=$((FAILS + 1)); else echo "ok $T - retired backends are not restarted"; fi
stop_h2cgi
start_h2cgi --cgi-dir "$CGI" --procs 1 --queue 0

# SIGKILL of the master leaves no backend behind
kids=$(children "$PID")
kill -9 "$PID"
wait "$PID" 2>/dev/null
PID=
is "$(still_alive $kids)" "" "SIGKILL of the master: no backend process left"

# an external FastCGI server (--fastcgi unix:PATH): a libfcgi program on its own socket
HINTS=$top_builddir/examples/fcgi/hints.fcgi
"$PYTHON3" - "$WORK/ext.sock" "$HINTS" > "$WORK/ext.pid" <<'PY' &
import socket, subprocess, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1]); s.listen(8)
p = subprocess.Popen([sys.argv[2]], stdin=s.fileno())
print(p.pid, flush=True)
p.wait()
PY
EXT=$!
i=0
while [ ! -S "$WORK/ext.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_h2cgi --fastcgi "unix:$WORK/ext.sock"
like "$($CURL "$URL/any/path")" "hello from hints.fcgi" "--fastcgi unix:PATH reaches an external server"
stop_h2cgi
kill "$(cat "$WORK/ext.pid")" 2>/dev/null
wait $EXT 2>/dev/null
start_h2cgi --fastcgi "unix:$WORK/ext.sock"
# its only address refuses: down, so 503 with Retry-After at once
hdr=$($CURL -s -D - -o /dev/null "$URL/x")
like "$hdr" "^HTTP/2 503" "external server gone: 503"
like "$hdr" "retry-after: [0-9]" "with Retry-After"
like "$(cat "$ERRLOG")" "503: route / \(fastcgi [^)]*\): every backend address is down \(last: unix:[^ ]*ext.sock: Connection refused\)" "and a log line naming the address and the reason"
done_testing
