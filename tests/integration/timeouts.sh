#!/bin/sh
# Slowloris and idle connections: --header-timeout and --idle-timeout.
. "$(dirname "$0")/lib.sh"
need_h2py

# silent: connects and sends nothing; prints when and how it was closed
silent() { # PORT WAIT [tls]
    "$PYTHON3" - "$@" <<'PY'
import socket, ssl, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
if len(sys.argv) > 3:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols([sys.argv[3]])
    s = ctx.wrap_socket(s, server_hostname="localhost")
t = time.monotonic()
s.settimeout(float(sys.argv[2]))
try:
    while s.recv(100):
        pass  # TLS: the server's SETTINGS, GOAWAY
    print("closed after %.1f s" % (time.monotonic() - t))
except socket.timeout:
    print("still open")
except OSError:
    print("closed after %.1f s" % (time.monotonic() - t))
PY
}

start_h2cgi --cgi-dir "$CGI" --procs 1 --header-timeout 2 --idle-timeout 3

out=$($FRAMES "$PORT" slowloris 0.5 12)
like "$out" "closed after [2-4]\.[0-9] s" "a header block sent one byte per 0.5 s is cut at --header-timeout 2 ($out)"
like "$(cat "$ERRLOG")" "no complete frame within --header-timeout; closing" "slowloris logged"

out=$(silent "$PORT" 10)
like "$out" "closed after [2-4]\.[0-9] s" "a TCP connection that never starts TLS is cut at --header-timeout ($out)"
like "$(cat "$ERRLOG")" "TLS handshake not done within --header-timeout" "logged"

out=$($FRAMES "$PORT" idle /cgi-bin/hello.cgi 10)
like "$out" "closed after [3-5]\.[0-9] s, goaway yes" "idle connection: GOAWAY and close at --idle-timeout 3 ($out)"

# a slow but busy stream is not idle
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/slow.cgi?5")" "200" "a 5 s response outlives --idle-timeout 3"
stop_h2cgi

# HTTP/1.1: a head trickled byte by byte, and a kept-alive connection left idle
start_h2cgi --cleartext --cgi-dir "$CGI" --procs 1 --header-timeout 2 --idle-timeout 3
out=$("$PYTHON3" - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.monotonic()
s.settimeout(0.5)
for b in b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: a\r\nX-Pad: " + b"p" * 100:
    try:
        s.sendall(bytes([b]))
        if s.recv(100) == b"":
            print("closed after %.1f s" % (time.monotonic() - t)); sys.exit()
    except socket.timeout:
        pass
    except OSError:
        print("closed after %.1f s" % (time.monotonic() - t)); sys.exit()
print("still open")
PY
)
like "$out" "closed after [2-4]\.[0-9] s" "HTTP/1.1 head one byte per 0.5 s: cut at --header-timeout 2 ($out)"
out=$("$PYTHON3" - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: a\r\n\r\n")
t = time.monotonic()
s.settimeout(10)
data = b""
while True:
    d = s.recv(65536)
    if not d:
        break
    data += d
print("answered" if b"Hello, world" in data else "no answer", "closed after %.1f s" % (time.monotonic() - t))
PY
)
like "$out" "answered closed after [3-5]\.[0-9] s" "HTTP/1.1 keep-alive connection closed at --idle-timeout 3 ($out)"
stop_h2cgi

# Regression: a silent cleartext client crashed h2cgi (SIGSEGV) when the
# idle timeout or SIGTERM met a connection whose protocol was not known yet
start_h2cgi --cleartext --cgi-dir "$CGI" --procs 1 --idle-timeout 1 --header-timeout 30
out=$(silent "$PORT" 4)
like "$out" "closed after [0-3]\.[0-9] s" "silent cleartext client: closed at --idle-timeout 1 ($out)"
ok "$(kill -0 "$PID" 2>/dev/null; echo $?)" "h2cgi still runs after the idle timeout met a silent client"
is "$($CURL --http2-prior-knowledge -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/cgi-bin/hello.cgi")" "200" "and serves the next request"
stop_h2cgi

start_h2cgi --cleartext --cgi-dir "$CGI" --procs 1 --header-timeout 2 --idle-timeout 30
out=$(silent "$PORT" 10)
like "$out" "closed after [1-3]\.[0-9] s" "silent cleartext client: closed at --header-timeout 2 ($out)"
like "$(cat "$ERRLOG")" "no protocol preface or request within --header-timeout; closing" "logged"
stop_h2cgi

# TLS done, then silence: the header timeout holds too (it did not: last_read was 0)
start_h2cgi --cgi-dir "$CGI" --procs 1 --header-timeout 2 --idle-timeout 30
out=$(silent "$PORT" 10 h2)
like "$out" "closed after [1-3]\.[0-9] s" "TLS h2 client silent after the handshake: closed at --header-timeout 2 ($out)"
out=$(silent "$PORT" 10 http/1.1)
like "$out" "closed after [1-3]\.[0-9] s" "TLS HTTP/1.1 client silent after the handshake: closed at --header-timeout 2 ($out)"
like "$(cat "$ERRLOG")" "no request within --header-timeout; closing" "logged"
stop_h2cgi

# SIGTERM with a silent cleartext client connected: a clean drain
mkdir "$WORK/rt"
OLDTMP=${TMPDIR:-}
export TMPDIR=$WORK/rt
start_h2cgi --cleartext --cgi-dir "$CGI" --procs 1
silent "$PORT" 10 > "$WORK/silent.out" &
S=$!
sleep 0.5
kill -TERM "$PID"
wait "$PID"; rc=$?
PID=
wait $S
is "$rc" "0" "SIGTERM with a silent cleartext client: exit status 0"
like "$(cat "$WORK/silent.out")" "closed after" "the silent client was closed"
like "$(cat "$ERRLOG")" "info: stopped" "the drain finished"
is "$(ls "$WORK/rt")" "" "the run directory is removed"
if [ -n "$OLDTMP" ]; then TMPDIR=$OLDTMP; else unset TMPDIR; fi

# a request body trickled a byte a second: 408 once a 10 s period brought
# less than --body-min-rate, not a backend held for the script timeout
mkdir -p "$WORK/rf"
printf '#!/bin/sh\nhead -c "$CONTENT_LENGTH" > /dev/null\nprintf "Content-Type: text/plain\\r\\n\\r\\nread\\n"\n' > "$WORK/rf/readfirst.cgi"
chmod 755 "$WORK/rf/readfirst.cgi"
start_h2cgi --cleartext --cgi-dir "$WORK/rf" --procs 1
out=$(timeout 40 "$PYTHON3" -c 'import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"POST /cgi-bin/readfirst.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n")
t0 = time.monotonic()
s.settimeout(1)
for i in range(1000):
    try:
        s.sendall(b"a")
        got = s.recv(100)
        if got:
            print("%s after %.0f s" % (got.split(b"\r\n")[0].decode(), time.monotonic() - t0))
            break
    except socket.timeout:
        pass
    except OSError as e:
        print("error", e)
        break' "$PORT")
like "$out" "^HTTP/1.1 408 Request Timeout after (9|1[0-9]|2[0-1]) s$" "a body of a byte a second: 408 within two 10 s periods ($out)"
like "$(cat "$ERRLOG")" "408: request body too slow: [0-9]+ bytes in 10 s, under --body-min-rate 500" "logged"
is "$($CURL --http1.1 -d 'a=1' "http://127.0.0.1:$PORT/cgi-bin/readfirst.cgi")" "read" "the runner is free for the next request"
done_testing
