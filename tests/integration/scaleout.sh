#!/bin/sh
# Several h2cgi behind a load balancer: the PROXY protocol (v1 and v2
# written here, v2 from a real HAProxy in TCP mode), --status-path and its
# health answer, and two h2cgi behind HAProxy in HTTP mode speaking h2c,
# one stopped mid-run without losing a request.
. "$(dirname "$0")/lib.sh"
need curl h2load

# proxy_get PORT VERSION SRC SPORT PATH [tls]: one HTTP/1.1 request after a
# PROXY header naming SRC:SPORT; prints the response (or "closed")
proxy_get() {
    "$PYTHON3" - "$@" <<'PY'
import socket, ssl, struct, sys
port, ver, src, sport, path = sys.argv[1:6]
tls = len(sys.argv) > 6
s = socket.create_connection(("127.0.0.1", int(port)), 5)
def header():
    if ver == "1":
        return ("PROXY TCP4 %s 127.0.0.1 %s %s\r\n" % (src, sport, port)).encode()
    if ver == "2":
        a = socket.inet_aton(src) + socket.inet_aton("127.0.0.1") + struct.pack(">HH", int(sport), int(port))
        return b"\r\n\r\n\0\r\nQUIT\n\x21\x11" + struct.pack(">H", len(a)) + a
    if ver == "bad":
        return b"PROXY TCP4 1.2.3.4 5.6.7.8 99999 1\r\n"
    return b""
try:
    s.sendall(header())
except OSError:
    print("closed"); sys.exit()
if tls:
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    try:
        s = ctx.wrap_socket(s)
    except (ssl.SSLError, OSError):
        print("closed"); sys.exit()
out = b""
try:
    s.sendall(("GET %s HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n" % path).encode())
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except OSError:
    pass
print(out.decode(errors="replace") if out else "closed")
PY
}

# PROXY v1 and v2 as a load balancer writes them
start_h2cgi --cleartext --proxy-protocol --cgi-dir "$CGI" --status-path /h2cgi-status
out=$(proxy_get "$PORT" 1 192.0.2.7 40001 /cgi-bin/env.cgi)
like "$out" "REMOTE_ADDR=192.0.2.7" "PROXY v1: scripts see the client's REMOTE_ADDR"
like "$out" "REMOTE_PORT=40001" "and REMOTE_PORT"
out=$(proxy_get "$PORT" 2 198.51.100.9 40002 /cgi-bin/env.cgi)
like "$out" "REMOTE_ADDR=198.51.100.9" "PROXY v2: REMOTE_ADDR"
is "$(proxy_get "$PORT" none 0 0 /cgi-bin/env.cgi)" "closed" "no PROXY header: closed"
is "$(proxy_get "$PORT" bad 0 0 /cgi-bin/env.cgi)" "closed" "a malformed PROXY header: closed"
like "$(cat "$ERRLOG")" "no PROXY header \(--proxy-protocol\); closing" "logged"
like "$(cat "$ERRLOG")" "PROXY v1: bad port \(--proxy-protocol\); closing" "the malformed one too, with its reason"
# the status path: loopback only (a PROXY header naming another client is
# that client)
out=$(proxy_get "$PORT" 1 127.0.0.1 40003 /h2cgi-status)
like "$out" '"pools":\[\{"name":"cgi","processes":4,"alive":4,' "--status-path: the counters as JSON"
like "$(proxy_get "$PORT" 1 127.0.0.1 40004 /h2cgi-status/health)" "ok" "--status-path/health: ok"
like "$(proxy_get "$PORT" 1 192.0.2.7 40005 /h2cgi-status)" "^HTTP/1.1 403" "from another client: 403"
stop_h2cgi
start_h2cgi --proxy-protocol --cgi-dir "$CGI"
out=$(proxy_get "$PORT" 2 203.0.113.5 40006 /cgi-bin/env.cgi tls)
like "$out" "REMOTE_ADDR=203.0.113.5" "PROXY v2 before TLS"
stop_h2cgi

command -v haproxy >/dev/null 2>&1 || {
    T=$((T + 1)); echo "ok $T # SKIP haproxy not installed (tools/deps.sh)"
    done_testing; exit $?
}
HAPIDS=
stop_haproxy() { for h in $HAPIDS; do kill "$h" 2>/dev/null && wait "$h" 2>/dev/null; done; HAPIDS=; }
trap 'stop_haproxy; cleanup' EXIT

# a real HAProxy in TCP mode sends PROXY v2 before the TLS bytes
start_h2cgi --proxy-protocol --cgi-dir "$CGI"
HP=$(free_port)
cat > "$WORK/tcp.cfg" <<EOF
global
    maxconn 100
defaults
    mode tcp
    timeout connect 5s
    timeout client 30s
    timeout server 30s
listen front
    bind 127.0.0.1:$HP
    server h2cgi 127.0.0.1:$PORT send-proxy-v2
EOF
haproxy -f "$WORK/tcp.cfg" -db 2>"$WORK/haproxy.log" &
HAPIDS=$!
wait_port "$HP"
out=$(curl -sk --http2 --max-time 10 -w 'LOCALPORT=%{local_port}' "https://127.0.0.1:$HP/cgi-bin/env.cgi")
lp=$(echo "$out" | sed -n 's/.*LOCALPORT=\([0-9]*\).*/\1/p')
like "$out" "REMOTE_PORT=$lp" "HAProxy (TCP, PROXY v2): REMOTE_PORT is the client's own port ($lp)"
like "$out" "SERVER_PROTOCOL=HTTP/2.0" "HTTP/2 through it"
stop_haproxy
stop_h2cgi

# two h2cgi behind HAProxy in HTTP mode, h2c to both, health checks on the
# status path; one stopped with SIGTERM mid-run
BIN_ARGS="--cleartext --cgi-dir $CGI --status-path /h2cgi-status --grace 10"
start_h2cgi $BIN_ARGS
PID1=$PID; PORT1=$PORT; ERR1=$ERRLOG
PID=
WORK2=$WORK/second
mkdir -p "$WORK2"
"$BIN" --listen 127.0.0.1:0 --cgi-runner "$RUNNER" $ROOTOPT $BIN_ARGS 2>"$WORK2/error.log" &
PID2=$!
i=0
while [ -z "$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK2/error.log")" ] && [ $i -lt 100 ]; do
    sleep 0.05; i=$((i + 1))
done
PORT2=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK2/error.log")
HP=$(free_port)
cat > "$WORK/http.cfg" <<EOF
global
    maxconn 200
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
    retry-on conn-failure empty-response response-timeout
    retries 3
    option redispatch
listen front
    bind 127.0.0.1:$HP proto h2
    balance roundrobin
    option httpchk
    http-check send meth GET uri /h2cgi-status/health ver HTTP/1.1 hdr host h2cgi
    http-check expect string ok
    server a 127.0.0.1:$PORT1 proto h2 check inter 200ms fall 1 rise 1
    server b 127.0.0.1:$PORT2 proto h2 check inter 200ms fall 1 rise 1
EOF
haproxy -f "$WORK/http.cfg" -db 2>"$WORK/haproxy2.log" &
HAPIDS=$!
wait_port "$HP"
sleep 0.5 # the first health checks
out=$(h2load -n 200 -c 4 -m 4 "http://127.0.0.1:$HP/cgi-bin/hello.cgi" 2>&1 | summary)
like "$out" "200 succeeded, 0 failed" "HAProxy (HTTP, h2c to both): all answered"
ok "$(kill -USR2 "$PID1" "$PID2"; sleep 0.3; a=$(grep -o 'served [0-9]*' "$ERR1" | tail -1 | cut -d' ' -f2); b=$(grep -o 'served [0-9]*' "$WORK2/error.log" | tail -1 | cut -d' ' -f2); [ "${a:-0}" -gt 20 ] && [ "${b:-0}" -gt 20 ]; echo $?)" \
    "requests spread over both h2cgi"
h2load -n 2000 -c 4 -m 4 "http://127.0.0.1:$HP/cgi-bin/hello.cgi" > "$WORK/h2load.out" 2>&1 &
HL=$!
sleep 1
kill "$PID2"
wait $HL
like "$(summary < "$WORK/h2load.out")" "2000 succeeded, 0 failed" "one h2cgi stopped with SIGTERM mid-run: no request lost"
wait "$PID2" 2>/dev/null
stop_haproxy
PID=$PID1; ERRLOG=$ERR1
done_testing
