#!/bin/sh
# Scripts and backends that lie or die: Content-Length that does not match
# the body (response splitting), a script killed mid-body, endless early
# hints, a FastCGI record for another request, clients that stop reading or
# reset, a pool that keeps dying. Each was a defect; each case failed before
# its fix.
. "$(dirname "$0")/lib.sh"
need curl
need_h2py
# a private copy: the scripts note their PIDs in ./pids
cp -r "$top_srcdir/tests/integration/cgi" "$WORK/cgi"
cp "$CGI/hello.cgi" "$CGI/slow.cgi" "$WORK/cgi/"
chmod -R u+w "$WORK/cgi" # (make distcheck's sources are read-only)
TC=$WORK/cgi

# raw_h1 PORT REQUESTS...: sends the requests pipelined on one cleartext
# connection, prints everything read until the server closes (or 5 s)
raw_h1() {
    "$PYTHON3" - "$@" <<'PY'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall("".join("GET %s HTTP/1.1\r\nHost: a\r\n\r\n" % p for p in sys.argv[2:]).encode())
s.settimeout(5)
data = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            print("[closed]")
            break
        data += d
except socket.timeout:
    print("[still open]")
sys.stdout.write(data.decode("latin-1"))
PY
}

# ---- 2. Content-Length from the script is checked and counted
start_h2cgi --cleartext --cgi-dir "$TC" --procs 2
H1="curl -s --http1.1 --max-time 10"
out=$(raw_h1 "$PORT" /cgi-bin/cl.cgi?long /cgi-bin/hello.cgi)
ok "$(printf '%s' "$out" | grep -q INJECTED; [ $? -ne 0 ]; echo $?)" "HTTP/1.1: a body longer than Content-Length never reaches the client as another response"
like "$out" "^\[closed\]" "HTTP/1.1: and the connection is closed, not reused"
like "$(cat "$ERRLOG")" "cl.cgi.long: response cut: the backend sent more body than its Content-Length" "logged"
out=$(raw_h1 "$PORT" /cgi-bin/cl.cgi?short /cgi-bin/hello.cgi)
ok "$(printf '%s' "$out" | grep -q 'Hello, world'; [ $? -ne 0 ]; echo $?)" "HTTP/1.1: after a short body the next response does not land inside it"
like "$out" "^\[closed\]" "HTTP/1.1: short body: the connection is closed"
like "$(cat "$ERRLOG")" "cl.cgi.short: response cut: route /cgi-bin/ .*: the backend sent less body than its Content-Length" "logged"
is "$($H1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/cgi-bin/cl.cgi?abc")" "502" "Content-Length: abc: 502"
is "$($H1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/cgi-bin/cl.cgi?two")" "502" "two different Content-Length values: 502"
like "$(cat "$ERRLOG")" "502: malformed CGI response: invalid or conflicting Content-Length" "logged"
is "$($H1 "http://127.0.0.1:$PORT/cgi-bin/cl.cgi?same")" "hello" "the same Content-Length twice: fine"
is "$($H1 -D - "http://127.0.0.1:$PORT/cgi-bin/cl.cgi?same" | grep -ci '^content-length')" "1" "and sent once"
H2C="curl -s --http2-prior-knowledge --max-time 10"
$H2C -o /dev/null "http://127.0.0.1:$PORT/cgi-bin/cl.cgi?long"
rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "HTTP/2: a body longer than Content-Length is an error for the client (curl exit $rc)"
stop_h2cgi
# (h2frames speaks TLS)
start_h2cgi --cgi-dir "$TC" --procs 2
out=$($FRAMES "$PORT" events GET /cgi-bin/cl.cgi?short)
like "$out" '"event": "reset", "code": 2' "HTTP/2: a body shorter than Content-Length: RST_STREAM(INTERNAL_ERROR)"
out=$($FRAMES "$PORT" events GET /cgi-bin/cl.cgi?long)
like "$out" '"event": "reset", "code": 2' "HTTP/2: a body longer than Content-Length: RST_STREAM(INTERNAL_ERROR)"

# ---- 3. a script killed mid-body is not a complete response
out=$($FRAMES "$PORT" events GET /cgi-bin/killed.cgi)
like "$out" '"event": "reset", "code": 2' "HTTP/2: script killed mid-body: RST_STREAM(INTERNAL_ERROR), no END_STREAM"
ok "$(printf '%s' "$out" | grep -q '"event": "end"'; [ $? -ne 0 ]; echo $?)" "HTTP/2: no clean end"
like "$(cat "$ERRLOG")" "killed.cgi: response cut: route /cgi-bin/ .*: the backend ended with application status 137" "logged with the status"
out=$($FRAMES "$PORT" events GET /cgi-bin/killed.cgi?len)
like "$out" '"event": "reset", "code": 2' "HTTP/2: killed with a Content-Length: reset"
out=$($FRAMES "$PORT" events GET /cgi-bin/exit1.cgi)
like "$out" '"event": "end"' "a whole response, then exit 1: a clean end (the exit status is logged, not judged)"
like "$out" 'complete' "with its body"
like "$(cat "$ERRLOG")" "exit1.cgi exited with status 1" "the exit status is logged"
stop_h2cgi
start_h2cgi --cleartext --cgi-dir "$TC" --procs 2 --script-timeout 2
out=$(raw_h1 "$PORT" /cgi-bin/killed.cgi /cgi-bin/hello.cgi)
like "$out" "^\[closed\]" "HTTP/1.1: script killed mid-body: the connection is closed"
ok "$(printf '%s' "$out" | grep -q '^0.$'; [ $? -ne 0 ]; echo $?)" "HTTP/1.1: without the last chunk"
$H1 -o /dev/null "http://127.0.0.1:$PORT/cgi-bin/slow.cgi?30"
rc=$?
is "$rc" "18" "HTTP/1.1: killed by --script-timeout mid-body: curl sees a cut transfer (exit 18)"
like "$(cat "$ERRLOG")" "slow.cgi killed after --timeout 2 s" "the timeout is logged"
$H2C -o /dev/null "http://127.0.0.1:$PORT/cgi-bin/slow.cgi?30"
rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "HTTP/2: killed by --script-timeout mid-body: an error for curl (exit $rc)"

# ---- 4. endless early hints are bounded
out=$($H1 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/cgi-bin/hints-flood.cgi")
is "$out" "502" "HTTP/1.1: 103 blocks without end: 502"
out=$($H2C -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/cgi-bin/hints-flood.cgi")
is "$out" "502" "HTTP/2: 103 blocks without end: 502"
like "$(cat "$ERRLOG")" "502: more than 16 interim \(1xx\) responses" "logged"
out=$($H1 -D - -o /dev/null "http://127.0.0.1:$PORT/cgi-bin/hints-flood.cgi?16" | grep -c '^HTTP/1.1 103')
is "$out" "16" "16 early hints still pass"
rss=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$PID/status")
ok "$([ "$rss" -lt 100000 ]; echo $?)" "h2cgi's memory stays small ($rss kB)"
stop_h2cgi
start_h2cgi --cgi-dir "$TC" --procs 1 --stream-buffer 16k
out=$($FRAMES "$PORT" events GET "/cgi-bin/hints-flood.cgi?15-big")
like "$out" '"502"' "15 hints of 2 KB, over a 16k --stream-buffer in all: 502"
like "$(cat "$ERRLOG")" "interim \(1xx\) responses over --stream-buffer" "logged"
stop_h2cgi

# ---- 10. a FastCGI record for another request id
FPORT=$(free_port)
"$PYTHON3" - "$FPORT" "$WORK/fake.ready" > "$WORK/fake.out" 2>&1 <<'PY' &
import socket, struct, sys
def rec(t, rid, body):
    return struct.pack(">BBHHBB", 1, t, rid, len(body), 0, 0) + body
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(1)
open(sys.argv[2], "w").close()  # listening
c, _ = ls.accept()
c.settimeout(2)
try:
    c.recv(65536)
except socket.timeout:
    pass
c.sendall(rec(6, 2, b"Content-Type: text/plain\r\n\r\nnot yours") + rec(3, 2, bytes(8)))
c.settimeout(5)
print("closed by h2cgi" if c.recv(100) == b"" else "still open")
PY
FAKE=$!
i=0
while [ ! -e "$WORK/fake.ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
start_h2cgi --fastcgi "127.0.0.1:$FPORT"
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/x")" "502" "a FastCGI record for request id 2: 502"
wait $FAKE
is "$(cat "$WORK/fake.out")" "closed by h2cgi" "and the backend connection is closed"
like "$(cat "$ERRLOG")" "backend 127.0.0.1:[0-9]* sent a record for request id 2, not 1: closing its connection" "logged"
stop_h2cgi

# ---- 5. a client that does not read, or resets, holds no script
dead_pids() { # prints "all dead" once every PID in $TC/pids is gone (5 s at most)
    [ -s "$TC/pids" ] || { echo "no script ran"; return; }
    left=$(still_alive $(cat "$TC/pids"))
    if [ -z "$left" ]; then echo "all dead"; else echo "alive:$left"; fi
}
rm -f "$TC/pids"
start_h2cgi --cgi-dir "$TC" --procs 2 --send-timeout 2
out=$($FRAMES "$PORT" noread 2 /cgi-bin/flood.cgi 15)
like "$out" "^reset INTERNAL_ERROR after [1-5]\.[0-9] s; reset INTERNAL_ERROR after [1-5]\.[0-9] s$" \
    "a client that never reads: both streams reset at --send-timeout 2 ($out)"
like "$(cat "$ERRLOG")" "flood.cgi: response cut: the client read nothing for --send-timeout" "logged"
is "$(dead_pids)" "all dead" "their scripts end"
is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "the 2-process pool serves the next client"
stop_h2cgi

# the same over HTTP/1.1 from a client that never calls recv(): the
# connection is closed at --send-timeout, and the script ends
rm -f "$TC/pids"
start_h2cgi --cleartext --cgi-dir "$TC" --procs 1 --send-timeout 2
out=$("$PYTHON3" - "$PORT" <<'PY'
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /cgi-bin/flood.cgi HTTP/1.1\r\nHost: a\r\n\r\n")
time.sleep(6)  # reads nothing meanwhile
s.settimeout(5)
try:
    while s.recv(1 << 20):
        pass
    print("closed")
except socket.timeout:
    print("still open")
except OSError:
    print("closed")
PY
)
is "$out" "closed" "HTTP/1.1 client that never reads: the connection is closed at --send-timeout"
is "$(dead_pids)" "all dead" "its script ends"
is "$($H1 "http://127.0.0.1:$PORT/cgi-bin/hello.cgi")" "Hello, world" "the 1-process pool serves the next client"
stop_h2cgi

# silent PROCS N SCRIPT WAIT WHAT1 WHAT2: a client reading nothing of N
# answers of SCRIPT, killed at --script-timeout 2; WAIT s later the scripts
# are gone and the pool serves the next client
silent() {
    rm -f "$TC/pids"
    start_h2cgi --cgi-dir "$TC" --procs "$1" --script-timeout 2 --send-timeout 60
    $FRAMES "$PORT" noread "$2" "/cgi-bin/$3" 20 > "$WORK/noread.out" &
    NR=$!
    sleep "$4"
    is "$(dead_pids)" "all dead" "$5"
    is "$($CURL --max-time 10 "$URL/cgi-bin/hello.cgi")" "Hello, world" "$6"
    kill $NR 2>/dev/null
    wait $NR 2>/dev/null
    stop_h2cgi
}
silent 2 2 flood.cgi 4 "--script-timeout holds while the runner waits on a client that does not read" \
    "and the pool serves the next client meanwhile"

# the same when the killed script's answer fits in the buffers on the way:
# the runner is not stuck in a write at --script-timeout, it ends the
# request. Its connection is not kept: on a kept one the runner waited for
# its next request behind bytes the silent client never took (before: until
# --send-timeout; 1 run in 3 of the case above under ASan)
printf '#!/bin/sh\necho $$ >> ./pids\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nhead -c 100000 /dev/zero\nexec sleep 30\n' > "$TC/fill.cgi"
chmod 755 "$TC/fill.cgi"
silent 1 1 fill.cgi 3 "a script whose 100 KB answer waits in the buffers is killed at --script-timeout" \
    "and its runner, the pool's only one, serves the next client"

rm -f "$TC/pids"
start_h2cgi --cgi-dir "$TC" --procs 2
$FRAMES "$PORT" reset 2 /cgi-bin/sleepy.cgi?15 0.5 > /dev/null
is "$(dead_pids)" "all dead" "2 reset streams: their 15 s scripts end at once"
t0=$(date +%s)
is "$($CURL --max-time 20 "$URL/cgi-bin/hello.cgi")" "Hello, world" "the next client is served"
t1=$(date +%s)
ok "$([ $((t1 - t0)) -lt 8 ]; echo $?)" "without waiting for the reset scripts ($((t1 - t0)) s, they sleep 15 s)"
rm -f "$TC/pids"
$CURL --max-time 0.5 -o /dev/null "$URL/cgi-bin/sleepy.cgi?15"
is "$(dead_pids)" "all dead" "a client that closes its connection: its script ends"
stop_h2cgi

# a backend that closes its connection (no FCGI_KEEP_CONN) while the
# client's window is shut: epoll reported the hang-up every loop turn (a
# busy loop, a second of CPU a second, until --send-timeout); the
# connection is now unwatched until the client reads, then read to its end
start_h2cgi --cgi-dir "$CGI" --keepalive 0 --send-timeout 30
cpu() { awk '{print $14 + $15}' "/proc/$PID/stat"; }
c0=$(cpu)
out=$($FRAMES "$PORT" stall '/cgi-bin/download.cgi?150000' 3)
c1=$(cpu)
is "$out" "150000 bytes, ended" "a 3 s stall with the backend gone: then the whole body, cleanly ended"
ok "$([ $((c1 - c0)) -lt 50 ]; echo $?)" "h2cgi idles meanwhile: $((c1 - c0)) ticks of CPU in the 3 s (a busy loop took 150)"
stop_h2cgi

# ---- 13. a pool that keeps dying answers, and a missing program is an error
start_h2cgi --spawn /bin/false --procs 1 --queue-timeout 5
# until its backoff outgrows its restarts the pool is down: 503 with
# Retry-After at once (a request that meets a restart may get 502 from the
# backlog h2cgi empties itself); none hangs
codes= i=0
while [ $i -lt 10 ]; do
    i=$((i + 1))
    c=$($CURL -D "$WORK/h.$i" -o /dev/null -w '%{http_code}' "$URL/x")
    codes="$codes $c"
    [ "$c" = 503 ] && [ $i -ge 3 ] && break
    sleep 0.3
done
like "$codes" "^( 50[23])+$" "a --spawn program that exits at once: answered, never left hanging ($codes)"
like "$(cat "$WORK/h.$i")" "retry-after: [0-9]+" "503 with Retry-After"
like "$(cat "$ERRLOG")" "every backend process is down, restarting" "logged"
stop_h2cgi
# a queued request ends by --queue-timeout: one process busy, its socket's
# backlog full (listen(1) takes two), so the next request waits in h2cgi's
# queue and gets 503 after 2 s, not after the 10 s scripts
start_h2cgi --cgi-dir "$TC" --procs 1 --queue-timeout 2
for i in 1 2 3; do
    $CURL -o /dev/null "$URL/cgi-bin/slow.cgi?10" &
done
sleep 1
t0=$(date +%s)
is "$($CURL --max-time 9 -o /dev/null -w '%{http_code}' "$URL/cgi-bin/hello.cgi")" "503" "a queued request: 503 at --queue-timeout 2"
t1=$(date +%s)
ok "$([ $((t1 - t0)) -lt 8 ]; echo $?)" "long before the busy scripts end ($((t1 - t0)) s)"
like "$(cat "$ERRLOG")" "503: route /cgi-bin/ \(cgi-dir [^)]*\): every backend is busy: waited 2 s \(--queue-timeout\)" "logged"
stop_h2cgi
wait
for prog in "$WORK/nonexistent" /etc/passwd; do
    out=$("$BIN" --listen 127.0.0.1:0 --spawn "$prog --flag" $ROOTOPT 2>&1)
    rc=$?
    is "$rc" "1" "--spawn $prog: h2cgi refuses to start"
    like "$out" "--spawn: $prog: (No such file or directory|not an executable file|Permission denied)" "and says why"
done
done_testing
