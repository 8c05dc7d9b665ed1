#!/bin/sh
# A client slower than its backend holds that backend (a CGI process) until
# it has read all but the buffers' worth. While other requests wait for the
# backend, h2cgi holds the rest of the answer on disk (--response-spool) and
# lets the backend go; the slow client still gets every byte, in order.
# Before: the next request waited for the slow client or --script-timeout.
. "$(dirname "$0")/lib.sh"
need curl md5sum
need_h2py
C=$WORK/cgi
mkdir -p "$C"
cp "$CGI/hello.cgi" "$C/"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nexec seq 1 300000\n' > "$C/seq.cgi"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nexec seq 1 1200000\n' > "$C/bigseq.cgi"
chmod 755 "$C/seq.cgi" "$C/bigseq.cgi"
sum=$(seq 1 300000 | md5sum | cut -d' ' -f1)
size=$(seq 1 300000 | wc -c)
# over HTTP/1.1 the kernel's socket buffers take up to 4 MB first
bigsum=$(seq 1 1200000 | md5sum | cut -d' ' -f1)
bigsize=$(seq 1 1200000 | wc -c)
held_files() { # h2cgi's descriptors of unlinked files (the spool's)
    for f in /proc/$PID/fd/*; do readlink "$f"; done | grep -c '(deleted)$'
}

# HTTP/2: a client with a zero window for 8 s, a 2 MB answer, one process
start_h2cgi --cgi-dir "$C" --procs 1
$FRAMES "$PORT" stall /cgi-bin/seq.cgi 8 md5 > "$WORK/stall.out" &
ST=$!
sleep 1
is "$($CURL --max-time 6 "$URL/cgi-bin/hello.cgi")" "Hello, world" \
    "a client reads nothing of a 2 MB answer: the pool's only process serves the next request"
is "$(held_files)" "1" "meanwhile the rest of that answer waits in one unlinked file"
wait $ST
is "$(cat "$WORK/stall.out")" "$size bytes, ended, md5 $sum" "the slow client then gets the whole answer, in order"
like "$(cat "$ERRLOG")" "GET /cgi-bin/seq.cgi: its client is slower than the backend, and requests wait for that backend: the rest of the answer is held on disk \\(--response-spool\\)" \
    "logged"
is "$(held_files)" "0" "the file is gone with the answer (no descriptor left)"
: > "$ERRLOG"

# nobody waits: nothing goes to disk, the backend waits for the client
$FRAMES "$PORT" stall /cgi-bin/seq.cgi 3 md5 > "$WORK/stall.out"
is "$(cat "$WORK/stall.out")" "$size bytes, ended, md5 $sum" "alone, the slow client gets the whole answer"
is "$(grep -c 'held on disk' "$ERRLOG")" "0" "and nothing was held on disk"
stop_h2cgi

# HTTP/1.1: a client that reads nothing of an 8 MB answer for 8 s (and
# --backend-timeout 0: the sweep that lets the backend go is not the
# timeout's)
start_h2cgi --cleartext --cgi-dir "$C" --procs 1 --backend-timeout 0
"$PYTHON3" - "$PORT" > "$WORK/h1.out" <<'PY' &
import hashlib, socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
s.connect(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"GET /cgi-bin/bigseq.cgi HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
time.sleep(8)
data = b""
s.settimeout(10)
while True:
    d = s.recv(1 << 20)
    if not d:
        break
    data += d
head, _, body = data.partition(b"\r\n\r\n")
if b"transfer-encoding: chunked" in head.lower():
    out, rest = b"", body
    while True:
        n, _, rest = rest.partition(b"\r\n")
        n = int(n, 16)
        if n == 0:
            break
        out, rest = out + rest[:n], rest[n + 2:]
    body = out
print("%d bytes, md5 %s" % (len(body), hashlib.md5(body).hexdigest()))
PY
H1=$!
sleep 1
is "$(curl -s --http1.1 --max-time 6 "http://127.0.0.1:$PORT/cgi-bin/hello.cgi")" "Hello, world" \
    "HTTP/1.1: a client reads nothing of an 8 MB answer: the next request is served"
is "$(held_files)" "1" "the rest of that answer waits in a file"
wait $H1
is "$(cat "$WORK/h1.out")" "$bigsize bytes, md5 $bigsum" "and the slow client then gets the whole answer"
stop_h2cgi

# past the bounds the backend waits for the slow client again, and so does
# the next request: --response-spool 0 (never a file), --response-spool
# 256k (a file of at most 256 KiB), --spool-max 256k (all files together)
held_bytes() { # the size of h2cgi's unlinked files, summed
    n=0
    for f in /proc/$PID/fd/*; do
        case $(readlink "$f") in *"(deleted)") n=$((n + $(stat -L -c %s "$f"))) ;; esac
    done
    echo $n
}
for bound in "--response-spool 0" "--response-spool 256k" "--spool-max 256k"; do
    start_h2cgi --cgi-dir "$C" --procs 1 $bound
    $FRAMES "$PORT" stall /cgi-bin/seq.cgi 5 md5 > "$WORK/stall.out" &
    ST=$!
    sleep 1
    is "$($CURL --max-time 2 "$URL/cgi-bin/hello.cgi")" "" "$bound: the next request waits for the slow client"
    held=$(held_bytes)
    if [ "$bound" = "--response-spool 0" ]; then
        is "$held" "0" "$bound: nothing on disk"
    else
        ok "$([ "$held" -gt 0 ] && [ "$held" -le 262144 ]; echo $?)" "$bound: $held bytes on disk, no more than the bound"
    fi
    wait $ST
    is "$(cat "$WORK/stall.out")" "$size bytes, ended, md5 $sum" "$bound: the slow client gets the whole answer"
    is "$($CURL --max-time 6 "$URL/cgi-bin/hello.cgi")" "Hello, world" "$bound: and then the process is free"
    stop_h2cgi
done
done_testing
