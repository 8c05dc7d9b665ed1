#!/bin/sh
# Slowloris and idle connections: --header-timeout and --idle-timeout.
. "$(dirname "$0")/lib.sh"
need_h2py
start_h2cgi --cgi-dir "$CGI" --procs 1 --header-timeout 2 --idle-timeout 3

out=$($FRAMES "$PORT" slowloris 0.5 12)
like "$out" "closed after [2-4]\.[0-9] s" "a header block sent one byte per 0.5 s is cut at --header-timeout 2 ($out)"
like "$(cat "$ERRLOG")" "no complete frame within --header-timeout; closing" "slowloris logged"

out=$("$PYTHON3" - "$PORT" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
t = time.monotonic()
s.settimeout(10)
try:
    d = s.recv(10)
    print("closed after %.1f s" % (time.monotonic() - t) if not d else "data")
except socket.timeout:
    print("still open")
PY
)
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
done_testing
