#!/bin/sh
# --workers: event-loop processes on one port, one backend pool for all.
. "$(dirname "$0")/lib.sh"
need curl h2load
start_h2cgi --workers 2 --cgi-dir "$CGI" --procs 2 --grace 10
# by the program each child runs (its command name), not by its arguments
workers() { for k in $(children "$PID"); do [ "$(ps -o comm= -p "$k")" = h2cgi ] && echo "$k"; done; }
runners() { for k in $(children "$PID"); do [ "$(ps -o comm= -p "$k")" = h2cgi-cgi ] && echo "$k"; done; }
is "$(workers | wc -l)" "2" "two worker processes"
is "$(runners | wc -l)" "2" "one pool of 2 backends, the master's"
out=$(h2load -n 3000 -c 16 -m 10 "$URL/cgi-bin/hello.cgi" 2>&1)
like "$out" "3000 succeeded, 0 failed" "h2load: 3000 requests over 16 connections"
busy=0
for w in $(workers); do
    [ "$(awk '{print $14 + $15}' /proc/$w/stat)" -gt 0 ] && busy=$((busy + 1))
done
is "$busy" "2" "both workers served connections (SO_REUSEPORT)"

# a worker that dies is replaced
victim=$(workers | head -1)
kill -9 "$victim"
i=0
while [ $i -lt 100 ]; do
    [ "$(workers | wc -l)" = 2 ] && ! workers | grep -qx "$victim" && break
    sleep 0.05; i=$((i + 1))
done
is "$(workers | grep -cx "$victim"):$(workers | wc -l)" "0:2" "a killed worker is replaced"
like "$(cat "$ERRLOG")" "worker $victim killed by signal 9; restarting it" "and that is logged"
is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "still serving"

# SIGHUP: the pool restarts; the request in flight finishes on its backend
old=$(runners | sort | tr '\n' ' ')
$CURL -o "$WORK/inflight" "$URL/cgi-bin/slow.cgi?2" &
C=$!
sleep 0.5
kill -HUP "$PID"
sleep 0.3
is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "after SIGHUP: served"
wait $C
is "$(tr '\n' ' ' < "$WORK/inflight")" "started done " "the request in flight finished"
is "$(still_alive $old)" "" "the old backends stopped once every worker was done with them"
like "$(cat "$ERRLOG")" "pool cgi: generation 1 done, stopping its backends" "generation change logged"

# SIGTERM: workers drain, the master stops the pool and exits 0
$CURL -o "$WORK/last" "$URL/cgi-bin/slow.cgi?1" &
C=$!
sleep 0.4
all="$(children "$PID")"
kill -TERM "$PID"
wait "$PID"; rc=$?
PID=
wait $C
is "$rc:$(tr '\n' ' ' < "$WORK/last")" "0:started done " "SIGTERM: the request in flight completes, exit 0"
is "$(still_alive $all)" "" "no worker or backend left"
# every worker takes every worker's tickets (one key, made before the fork)
start_h2cgi --workers 2 --cgi-dir "$CGI" --procs 2
out=$("$PYTHON3" "$top_srcdir/tests/integration/resume.py" "$PORT" 8 | tr '\n' '|')
is "$out" "TLSv1_3: full resumed resumed resumed resumed resumed resumed resumed|TLSv1_2: full resumed resumed resumed resumed resumed resumed resumed|" \
    "--workers 2: 7 of 7 reconnections resumed, whichever worker took them"
stop_h2cgi

# an external pool of 2 libfcgi processes (one connection each, no answer
# to FCGI_GET_VALUES): a worker's parked connection would hold a process
# that another worker's new connection waits behind, for seconds
"$PYTHON3" - "$WORK/lf.sock" "$top_builddir/examples/fcgi/counter.fcgi" > "$WORK/lf.pids" <<'PY' &
import os, socket, sys
s = socket.socket(socket.AF_UNIX)
s.bind(sys.argv[1])
s.listen(64)
pids = []
for _ in range(2):
    pid = os.fork()
    if pid == 0:
        os.dup2(s.fileno(), 0)
        os.execv(sys.argv[2], [sys.argv[2]])
    pids.append(pid)
print(os.getpid(), *pids, flush=True)
for pid in pids:
    os.waitpid(pid, 0)
PY
i=0
while [ ! -s "$WORK/lf.pids" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_h2cgi --workers 2 --fastcgi "unix:$WORK/lf.sock"
out=$(timeout 60 h2load -n 2000 -c 10 -m 1 "$URL/x" 2>&1)
like "$out" "2000 succeeded, 0 failed" "--workers 2, external 2-process libfcgi pool: 2000 requests answered"
kill -USR2 "$PID"
i=0
while [ "$(grep -c 'status pool app:' "$ERRLOG")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
lines=$(grep -c 'status pool app:' "$ERRLOG")
is "$([ "$lines" -ge 2 ] && echo many):$(grep 'status pool app:' "$ERRLOG" | grep -vc 'reused 0')" "many:0" \
    "no worker parked a connection to it (SIGUSR2: reused 0 in all $lines lines)"
stop_h2cgi
kill $(cat "$WORK/lf.pids") 2>/dev/null
done_testing
