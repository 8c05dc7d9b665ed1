#!/bin/sh
# Large bodies in constant memory, bodies without a length, and a script that
# writes before it reads.
. "$(dirname "$0")/lib.sh"
need curl
start_h2cgi --cgi-dir "$CGI" --procs 2
RSS_BOUND_KB=16384   # h2cgi's peak RSS while 2 x 64 MB pass through it

head -c 67108864 /dev/urandom > "$WORK/64m"
want=$(sha256sum < "$WORK/64m" | cut -d' ' -f1)
got=$($CURL --max-time 120 --data-binary @"$WORK/64m" "$URL/cgi-bin/echo.cgi" | sha256sum | cut -d' ' -f1)
is "$got" "$want" "64 MB upload echoed back as a 64 MB download: same SHA-256"
syscw() { sed -n 's/^syscw: //p' "/proc/$PID/io" 2>/dev/null; }
w0=$(syscw)
got=$($CURL --max-time 120 --data-binary @"$WORK/64m" "$URL/cgi-bin/upload.cgi")
w1=$(syscw)
is "$got" "length=67108864
sha256=$want" "64 MB upload: the script reads all of it"
# body bytes go to the backend once per loop turn, not per DATA chunk: a
# 16 KiB TLS record nearly always ends inside a frame, so writing per chunk
# made two writes per record (8,192 here), each waking the runner
T=$((T + 1))
if [ -z "$w0" ]; then echo "ok $T - # SKIP no /proc/PID/io (task I/O accounting)"
elif [ "$((w1 - w0))" -lt 6144 ]; then echo "ok $T - 64 MB upload: $((w1 - w0)) writes from h2cgi, under 1.5 per 16 KiB record"
else echo "not ok $T - 64 MB upload: $((w1 - w0)) writes from h2cgi, not under 1.5 per 16 KiB record"; FAILS=$((FAILS + 1)); fi
hwm=$(awk '/^VmHWM/{print $2}' /proc/$PID/status)
T=$((T + 1))
if [ -n "${SANITIZERS:-}" ]; then echo "ok $T - # SKIP peak RSS (${hwm} kB): ASan's shadow memory and quarantine make RSS meaningless"
elif [ "$hwm" -lt "$RSS_BOUND_KB" ]; then echo "ok $T - peak RSS ${hwm} kB < ${RSS_BOUND_KB} kB"
else echo "not ok $T - peak RSS ${hwm} kB >= ${RSS_BOUND_KB} kB"; FAILS=$((FAILS + 1)); fi

# a small POST's head waits for its body too: whole in one write, when
# HEADERS and DATA come together (h2load sends them in one TLS record)
T=$((T + 1))
if [ -z "$w0" ] || ! command -v h2load >/dev/null; then echo "ok $T - # SKIP no /proc/PID/io or no h2load"
else
    printf 'a=1&b=2' > "$WORK/form"
    w0=$(syscw)
    out=$(h2load -n 200 -c 1 -m 1 -d "$WORK/form" "$URL/cgi-bin/form.cgi" | grep '^status codes:')
    w1=$(syscw)
    if [ "$((w1 - w0))" -lt 240 ] && [ "$out" = "status codes: 200 2xx, 0 3xx, 0 4xx, 0 5xx" ]; then
        echo "ok $T - 200 small POSTs: $((w1 - w0)) writes from h2cgi, head and body together"
    else
        echo "not ok $T - 200 small POSTs: $((w1 - w0)) writes from h2cgi, want under 240 ($out)"
        FAILS=$((FAILS + 1))
    fi
fi

head -c 1048576 /dev/urandom > "$WORK/1m"
want=$(sha256sum < "$WORK/1m" | cut -d' ' -f1)
out=$($CURL --data-binary @"$WORK/1m" "$URL/cgi-bin/write-first.cgi" > "$WORK/wf.out"; echo $?)
is "$out:$(head -c 1048576 "$WORK/wf.out" | tr -d '\0' | wc -c):$(tail -c 65 "$WORK/wf.out")" "0:0:$want" \
    "write-first.cgi: 1 MB out before reading its 1 MB body, no deadlock"

if "$PYTHON3" -c 'import h2' 2>/dev/null; then
    # RFC 3875 §4.1.2 wants CONTENT_LENGTH; HTTP/2 DATA frames alone give none
    printf 'a=1&b=2' > "$WORK/small"
    out=$($FRAMES "$PORT" events POST /cgi-bin/form.cgi --body "$WORK/small" --no-length)
    like "$out" 'length=7\\nbody=a=1&b=2' "POST without content-length: CONTENT_LENGTH=7 and the whole body (in memory)"
    head -c 3000000 /dev/urandom > "$WORK/3m"
    want=$(sha256sum < "$WORK/3m" | cut -d' ' -f1)
    out=$($FRAMES "$PORT" events POST /cgi-bin/upload.cgi --body "$WORK/3m" --no-length)
    like "$out" "length=3000000\\\\nsha256=$want" "POST of 3 MB without content-length: spooled, whole, right CONTENT_LENGTH"
    out=$($FRAMES "$PORT" events GET /cgi-bin/download.cgi?2000000)
    is "$(printf '%s' "$out" | grep -c '"event": "end"')" "1" "2 MB download to a frame-level client ends cleanly"
    # --spool-max bounds the bodies held on disk at once: past it, 503 (curl
    # uploads from a pipe without a length over HTTP/2)
    stop_h2cgi
    start_h2cgi --cgi-dir "$CGI" --spool-max 1m
    is "$($CURL -X POST -T - -w '%{http_code} %{http_version}' -o /dev/null "$URL/cgi-bin/upload.cgi" < "$WORK/3m")" \
        "503 2" "--spool-max 1m: a 3 MB body without a length gets 503"
    like "$(cat "$ERRLOG")" "503: no room to spool the request body \(--spool-max" "logged"
    head -c 900000 /dev/urandom > "$WORK/900k"
    want=$(sha256sum < "$WORK/900k" | cut -d' ' -f1)
    is "$($CURL -X POST -T - "$URL/cgi-bin/upload.cgi" < "$WORK/900k" | tr '\n' ' ')" "length=900000 sha256=$want " \
        "the bytes it held are given back: a 900 KB one is spooled and served"
    # a disk that fills up for real while a body is spooled (a 1 MB tmpfs as
    # TMPDIR; --spool-max is far above it): that request gets 503, a request
    # meanwhile is served, and the space comes back
    stop_h2cgi
    SMALL=$WORK/smallfs
    mkdir -p "$SMALL"
    T=$((T + 1))
    if mount -t tmpfs -o size=1m tmpfs "$SMALL" 2>/dev/null; then
        echo "ok $T - a 1 MB tmpfs for TMPDIR"
        trap 'umount "$SMALL" 2>/dev/null; cleanup' EXIT
        OLDTMP=${TMPDIR:-}
        TMPDIR=$SMALL start_h2cgi --cgi-dir "$CGI"
        if [ -n "$OLDTMP" ]; then TMPDIR=$OLDTMP; else unset TMPDIR; fi
        $CURL -X POST -T - -w '%{http_code}' -o /dev/null "$URL/cgi-bin/upload.cgi" < "$WORK/3m" > "$WORK/full.code" &
        FULLP=$!
        is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "disk full: another request is served meanwhile"
        wait $FULLP
        is "$(cat "$WORK/full.code")" "503" "disk full while spooling a 3 MB body: 503"
        like "$(cat "$ERRLOG")" "503: no room to spool the request body \(--spool-max, or the disk is full\)" "logged"
        is "$($CURL -X POST -T - "$URL/cgi-bin/upload.cgi" < "$WORK/900k" | tr '\n' ' ')" "length=900000 sha256=$want " \
            "the space comes back: a 900 KB body is spooled there and served"
        is "$(df -k "$SMALL" | awk 'NR == 2 {print $3}')" "0" "nothing is left on the full disk"
        stop_h2cgi
        umount "$SMALL"
    else
        echo "ok $T - # SKIP disk full: cannot mount a tmpfs here (needs root)"
    fi
fi
done_testing
