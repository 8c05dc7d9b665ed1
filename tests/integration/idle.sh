#!/bin/sh
# Idle connections give their buffers back: a connection idle for a second
# holds no output buffer and none of nghttp2's frame buffer pages, serves its
# next request as before, and 500 idle HTTP/2 TLS connections cost a bounded
# amount each. Parked backend connections give back their input buffers.
. "$(dirname "$0")/lib.sh"
need curl
need_h2py
IDLE_BOUND_KB=26   # per idle connection once given back (GnuTLS ~10 KiB, nghttp2 ~6 KiB; about 29 before the sweep, 40 in 0.1.0)
N=500
start_h2cgi --spawn "$top_builddir/examples/fcgi/counter.fcgi" --procs 2

# one connection: a request, two seconds of silence (the buffers go back),
# then three more requests on the same connection
out=$("$PYTHON3" - "$PORT" <<'PY'
import socket, ssl, sys, time
import h2.connection, h2.config, h2.events
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(['h2'])
s = ctx.wrap_socket(socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=10))
c = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
c.initiate_connection()
def get(sid):
    c.send_headers(sid, [(':method', 'GET'), (':scheme', 'https'), (':authority', 'localhost'),
                         (':path', '/x')], end_stream=True)
    s.sendall(c.data_to_send())
    body, status = b'', None
    while True:
        data = s.recv(65536)
        if not data:
            return 'closed'
        for ev in c.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                status = dict(ev.headers)[b':status'].decode()
            if isinstance(ev, h2.events.DataReceived):
                body += ev.data
                c.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
            if isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                s.sendall(c.data_to_send())
                return status + ' ' + body.decode().split(' ')[0]
        s.sendall(c.data_to_send())
print(get(1))
time.sleep(2.5)
print(get(3), get(5), get(7))
PY
)
is "$(echo "$out" | tr '\n' '|')" "200 pid|200 pid 200 pid 200 pid|" \
    "a connection idle for 2.5 s (buffers given back) serves 3 more requests"

# N idle connections: what each costs once the sweep gave their buffers back
rss() { awk '/^VmRSS/{print $2}' /proc/$PID/status; }
r0=$(rss)
mkfifo "$WORK/idle.in"
"$PYTHON3" "$top_srcdir/bench/idle.py" 127.0.0.1 "$PORT" "$N" /x < "$WORK/idle.in" > "$WORK/idle.out" 2>&1 &
IDLE=$!
exec 9> "$WORK/idle.in"
i=0
while ! grep -q '^open' "$WORK/idle.out" && kill -0 "$IDLE" 2>/dev/null && [ $i -lt 600 ]; do
    sleep 0.1; i=$((i + 1))
done
like "$(cat "$WORK/idle.out")" "open $N failed 0" "$N idle HTTP/2 TLS connections open"
# the sweep runs once a second; give it up to 10 s on a slow machine
i=0
per=999
while [ $i -lt 50 ]; do
    per=$(( ($(rss) - r0) / N ))
    [ "$per" -le "$IDLE_BOUND_KB" ] && break
    sleep 0.2; i=$((i + 1))
done
T=$((T + 1))
if [ -n "${SANITIZERS:-}" ]; then echo "ok $T - # SKIP ${per} KiB per idle connection: ASan's shadow memory makes RSS meaningless"
elif [ "$per" -le "$IDLE_BOUND_KB" ]; then echo "ok $T - ${per} KiB per idle connection <= ${IDLE_BOUND_KB}"
else echo "not ok $T - ${per} KiB per idle connection > ${IDLE_BOUND_KB}"; FAILS=$((FAILS + 1)); fi
echo >&9
exec 9>&-
wait "$IDLE"
like "$(cat "$WORK/idle.out")" "alive $N" "all $N still open after giving their buffers back"
is "$($CURL "$URL/x" | cut -d' ' -f1)" "pid" "and new connections are served"
# Parked backend connections give their input buffers back too: 1 MiB
# answers fill each kept connection's 128 KiB input buffer, and 3.5 s of
# quiet later h2cgi holding its two parked connections has no more heap
# than one that parks none (--keepalive 0). It held 256 KB more before.
stop_h2cgi
cp -r "$top_srcdir/tests/integration/cgi" "$WORK/cgi"
chmod -R u+w "$WORK/cgi" # (make distcheck's sources are read-only)
heap() { awk '/^[0-9a-f]+-/{n=$6} /^Rss/{if (n == "[heap]") r += $2} END{print r + 0}' /proc/$PID/smaps; }
big_then_quiet() { # h2cgi options: the heap's kB 3.5 s after eight 1 MiB answers, two at a time
    start_h2cgi --cgi-dir "$WORK/cgi" --procs 2 "$@"
    : > "$WORK/sizes"
    for j in 1 2; do
        (for i in 1 2 3 4; do $CURL -o /dev/null -w '%{size_download}\n' "$URL/cgi-bin/flood.cgi?1"; done) >> "$WORK/sizes" &
        eval "C$j=\$!"
    done
    wait "$C1" "$C2"
    sleep 3.5
    heap
    $CURL -o /dev/null -w '%{size_download}' "$URL/cgi-bin/flood.cgi?1" > "$WORK/got"
    stop_h2cgi
}
kept=$(big_then_quiet)
is "$(sort -u "$WORK/sizes") $(cat "$WORK/got")" "1048576 1048576" "1 MiB answers, and one more after the quiet (a parked connection takes a buffer again)"
none=$(big_then_quiet --keepalive 0)
T=$((T + 1))
if [ -n "${SANITIZERS:-}" ]; then echo "ok $T - # SKIP heap ${kept} kB kept, ${none} kB not: ASan's allocator has no [heap] to trim"
elif [ "$kept" -le $((none + 96)) ]; then echo "ok $T - parked connections' input buffers given back: heap ${kept} kB with them, ${none} kB with none"
else echo "not ok $T - parked connections hold their input buffers: heap ${kept} kB with them, ${none} kB with none"; FAILS=$((FAILS + 1)); fi
done_testing
