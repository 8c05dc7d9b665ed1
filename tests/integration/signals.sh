#!/bin/sh
# Signals: SIGTERM drains, SIGHUP reloads the certificate, SIGUSR1 reopens logs.
. "$(dirname "$0")/lib.sh"
need curl h2load openssl
need_h2py

# SIGTERM while 20 slow streams are in flight
start_h2cgi --cgi-dir "$CGI" --procs 20 --grace 10
h2load -n 20 -c 1 -m 20 "$URL/cgi-bin/slow.cgi?2" > "$WORK/h2load.out" 2>&1 &
H=$!
i=0
while [ "$(grep -c 'stderr\|slow' "$ERRLOG")" -ge 0 ] && [ $i -lt 40 ]; do
    # wait until every runner has a script running
    busy=0
    for r in $(children "$PID"); do [ -n "$(children "$r")" ] && busy=$((busy + 1)); done
    [ "$busy" -ge 20 ] && break
    sleep 0.05
    i=$((i + 1))
done
t0=$(date +%s)
kill -TERM "$PID"
sleep 0.3
$CURL -o /dev/null "$URL/cgi-bin/hello.cgi"
is "$?" "7" "after SIGTERM new connections are refused"
wait $H
wait "$PID"; rc=$?
t1=$(date +%s)
PID=
like "$(cat "$WORK/h2load.out")" "20 succeeded, 0 failed" "all 20 in-flight streams completed"
is "$rc" "0" "exit status 0"
ok "$([ $((t1 - t0)) -lt 10 ]; echo $?)" "done within the grace ($((t1 - t0)) s < 10 s)"
like "$(cat "$ERRLOG")" "signal 15: draining 1 connections for up to 10 s" "the drain is logged"

# SIGTERM with a stream longer than the grace: cut at the grace
start_h2cgi --cgi-dir "$CGI" --procs 1 --grace 1
$CURL -o /dev/null "$URL/cgi-bin/slow.cgi?30" &
C=$!
sleep 0.5
t0=$(date +%s)
kill -TERM "$PID"
wait "$PID"; rc=$?
t1=$(date +%s)
PID=
wait $C
is "$rc" "0" "grace over: still exit 0"
ok "$([ $((t1 - t0)) -le 3 ]; echo $?)" "grace over: stopped after about 1 s ($((t1 - t0)) s)"
like "$(cat "$ERRLOG")" "--grace of 1 s over: closing 1 connections" "grace over: logged"

# SIGHUP: a new certificate for new connections, old connections keep working
mk() { # name CN
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=$2" -addext "subjectAltName=DNS:localhost" \
        -keyout "$WORK/$1.key" -out "$WORK/$1.pem" 2>/dev/null
}
mk a cert-a
mk b cert-b
cp "$WORK/a.pem" "$WORK/cert.pem"
cp "$WORK/a.key" "$WORK/key.pem"
start_h2cgi --cgi-dir "$CGI" --procs 2 --cert "$WORK/cert.pem" --key "$WORK/key.pem"
V="curl -s --http2 --max-time 10 --resolve localhost:$PORT:127.0.0.1"
is "$($V --cacert "$WORK/a.pem" "https://localhost:$PORT/cgi-bin/hello.cgi")" "Hello, world" "serves certificate A"
$FRAMES "$PORT" twice /cgi-bin/hello.cgi 1.5 > "$WORK/twice.out" &
TW=$!
sleep 0.5
cp "$WORK/b.pem" "$WORK/cert.pem"
cp "$WORK/b.key" "$WORK/key.pem"
kill -HUP "$PID"
sleep 0.3
is "$($V --cacert "$WORK/b.pem" "https://localhost:$PORT/cgi-bin/hello.cgi")" "Hello, world" "after SIGHUP new connections get certificate B"
$V --cacert "$WORK/a.pem" -o /dev/null "https://localhost:$PORT/cgi-bin/hello.cgi"
ok "$([ $? -ne 0 ]; echo $?)" "and no longer certificate A"
wait $TW
is "$(cat "$WORK/twice.out")" "200 200" "a connection opened before SIGHUP keeps working"
like "$(cat "$ERRLOG")" "SIGHUP: reloaded certificate" "reload logged"
echo "not a key" > "$WORK/key.pem"
kill -HUP "$PID"
sleep 0.3
like "$(cat "$ERRLOG")" "SIGHUP: cannot load certificate .*; keeping the previous certificate" "broken key: logged, old one kept"
is "$($V --cacert "$WORK/b.pem" "https://localhost:$PORT/cgi-bin/hello.cgi")" "Hello, world" "broken key: still serving certificate B"
stop_h2cgi

# SIGUSR1: reopen the logs after they were moved away (logrotate)
start_h2cgi --cgi-dir "$CGI" --procs 1 --access-log "$WORK/access.log" --error-log "$WORK/err.log"
$CURL -o /dev/null "$URL/cgi-bin/hello.cgi"
$CURL -o /dev/null "$URL/cgi-bin/fail.cgi"
mv "$WORK/access.log" "$WORK/access.log.1"
mv "$WORK/err.log" "$WORK/err.log.1"
kill -USR1 "$PID"
sleep 0.3
$CURL -o /dev/null "$URL/cgi-bin/env.cgi"
$CURL -o /dev/null "$URL/cgi-bin/fail.cgi?again"
sleep 0.2
like "$(cat "$WORK/access.log.1")" "GET /cgi-bin/hello.cgi" "before SIGUSR1: lines in the old access log"
like "$(cat "$WORK/access.log")" "GET /cgi-bin/env.cgi" "after SIGUSR1: lines in the new access log"
T=$((T + 1)); if grep -q "env.cgi" "$WORK/access.log.1"; then echo "not ok $T - nothing new in the old access log"; FAILS=$((FAILS + 1)); else echo "ok $T - nothing new in the old access log"; fi
like "$(cat "$WORK/err.log")" "SIGUSR1: log files reopened" "after SIGUSR1: the error log is the new file"
like "$(cat "$WORK/err.log")" "stderr .*/cgi-bin/fail\.cgi: fail\.cgi: cannot open the database" "after SIGUSR1: new errors in the new error log"
like "$(cat "$WORK/err.log.1")" "listening on" "before SIGUSR1: start-up lines in the old error log"
ERRLOG=$WORK/err.log
done_testing
