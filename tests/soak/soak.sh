#!/bin/sh
# make soak [SOAK_SECONDS=N]: h2cgi under load for N seconds (default 600;
# an hour: SOAK_SECONDS=3600) while hostile clients attack it, clients reset
# and drop streams and connections, and backend processes are SIGKILLed.
# Every body is checked against what the script or file holds
# (tests/soak/soak.py). Passes when no body was wrong or lost, every failed
# request falls within 3 s after a backend kill, h2load on static files lost
# nothing, RSS and open fds came back to their baseline, and (in an
# --enable-sanitizers tree) ASan and UBSan reported nothing.
# Results in $top_builddir/soak/: soak.dat (RSS, fds, backend processes
# every 10 s), soak.png (drawn with gnuplot when installed), soak.log.
set -u
secs=${1:-${SOAK_SECONDS:-600}}
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PYTHON3:=/usr/bin/python3}"
BIN=$top_builddir/bridge/h2cgi
RUNNER=$top_builddir/backends/h2cgi-cgi
OUT=$top_builddir/soak
WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2cgi-soak.XXXXXX")
mkdir -p "$OUT"
rm -f "$OUT"/soak.dat "$OUT"/soak.png "$OUT"/kills.txt "$OUT"/h2load.txt
PID= LOOPS=
# stop_loops: each loop stopped first (so it starts nothing more), then its
# children (an h2load, an attack.py, a sleep), then the loop itself
stop_loops() {
    for p in $LOOPS; do
        kill -STOP "$p" 2>/dev/null
        pkill -P "$p" 2>/dev/null
        kill "$p" 2>/dev/null
        kill -CONT "$p" 2>/dev/null
    done
    for p in $LOOPS; do wait "$p" 2>/dev/null; done
    LOOPS=
}
stop_all() {
    stop_loops
    [ -n "$PID" ] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null
    PID=
    rm -rf "$WORK"
}
trap stop_all EXIT
trap 'exit 1' INT TERM
fails=0
verdict() { # status line
    if [ "$1" -eq 0 ]; then echo "ok: $2"; else echo "FAILED: $2"; fails=$((fails + 1)); fi
}

# the site: a checksummable CGI script, an echo, static files
mkdir -p "$WORK/cgi" "$WORK/static"
cp "$top_srcdir/examples/cgi/echo.cgi" "$top_srcdir/examples/cgi/hello.cgi" \
    "$top_srcdir/examples/cgi/download.cgi" "$WORK/cgi/"
cat > "$WORK/cgi/blob.cgi" <<'EOF'
#!/bin/sh
# ?SEED+SIZE: SIZE bytes of "SEED\n" repeated
seed=${QUERY_STRING%+*} size=${QUERY_STRING#*+}
printf 'Content-Type: application/octet-stream\r\nContent-Length: %s\r\n\r\n' "$size"
yes "$seed" | head -c "$size"
EOF
chmod 755 "$WORK/cgi/blob.cgi"
: > "$WORK/static/empty"
printf x > "$WORK/static/one"
head -c 10000 /dev/urandom > "$WORK/static/10k"
head -c 300000 /dev/urandom > "$WORK/static/300k"
head -c 2000000 /dev/urandom > "$WORK/static/2m"
for f in empty one 10k 300k; do echo "https://127.0.0.1:PORT/s/$f"; done > "$WORK/uris"

ROOTOPT=
[ "$(id -u)" = 0 ] && ROOTOPT=--allow-root-backends
LOG=$OUT/soak.log
: > "$LOG"
"$BIN" --listen 127.0.0.1:0 --cgi-runner "$RUNNER" $ROOTOPT --route /cgi-bin/ --cgi-dir "$WORK/cgi" \
    --procs 2:6 --route /s/ --static "$WORK/static" --status-path /status 2>>"$LOG" &
PID=$!
PORT=
i=0
while [ -z "$PORT" ] && [ $i -lt 200 ]; do
    PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$LOG" | tail -1)
    sleep 0.05
    i=$((i + 1))
done
[ -n "$PORT" ] || { echo "h2cgi did not start:"; cat "$LOG"; exit 1; }
URL=https://127.0.0.1:$PORT
sed -i "s/PORT/$PORT/" "$WORK/uris"

sample() { # seconds-since-start rss-kB fds backend-processes
    rss=$(awk '/^VmRSS/{print $2}' "/proc/$PID/status")
    fds=$(ls "/proc/$PID/fd" | wc -l)
    kids=$(ps -o pid= --ppid "$PID" | wc -l)
    echo "$1 $rss $fds $kids"
}

# still: connections to backends kept for reuse (--status-path's "idle"),
# counted after the status request's own connection is gone
kept() {
    n=$(curl -sk --max-time 10 "$URL/status" | "$PYTHON3" -c 'import json, sys
print(sum(p["idle"] for p in json.load(sys.stdin)["pools"]))')
    sleep 3
    echo "${n:-0}"
}

# warm up (every path once, the pool grown and shrunk), then the baseline
"$PYTHON3" "$top_srcdir/tests/soak/soak.py" "$PORT" 10 "$WORK/static" "$WORK/warm.json" >/dev/null
sleep 2
b_kept=$(kept)
base=$(sample 0)
echo "$base" > "$OUT/soak.dat"
echo "soak: $secs s against h2cgi $PID on port $PORT; baseline RSS $(echo "$base" | cut -d' ' -f2) kB, $(echo "$base" | cut -d' ' -f3) fds"
t0=$(date +%s)

# RSS, fds and backend processes every 10 s
( while sleep 10; do sample $(($(date +%s) - t0)) >> "$OUT/soak.dat" || exit; done ) &
LOOPS="$LOOPS $!"
# a backend process SIGKILLed every 5 to 15 s (noted with the time)
( while sleep $((5 + $(od -An -N1 -tu1 /dev/urandom) % 11)); do
      victims=$(ps -o pid= --ppid "$PID" | tr -d ' ')
      n=$(echo "$victims" | wc -w)
      [ "$n" -gt 0 ] || continue
      v=$(echo "$victims" | sed -n "$((1 + $(od -An -N1 -tu1 /dev/urandom) % n))p")
      at=$(date +%s.%N)
      kill -9 "$v" 2>/dev/null && echo "$at $v" >> "$OUT/kills.txt"
  done ) &
LOOPS="$LOOPS $!"
# the attack mix, one case after another
( while :; do
      for c in rapid-reset data-flood priority-flood cont-flood hpack-bomb settings-flood ping-flood \
               window-overflow zero-window slow-reader slowloris-h2 host-mismatch long-path-h2; do
          "$PYTHON3" "$top_srcdir/tests/attack/attack.py" "$PORT" "$c" >> "$OUT/attacks.txt" 2>&1
          sleep 1
      done
  done ) &
LOOPS="$LOOPS $!"
# h2load on the static files: nothing there depends on a backend
( while :; do
      h2load -D 20 -c 4 -m 4 -i "$WORK/uris" 2>&1 | grep -E '^(requests|status codes):' >> "$OUT/h2load.txt"
  done ) &
LOOPS="$LOOPS $!"

"$PYTHON3" "$top_srcdir/tests/soak/soak.py" "$PORT" "$secs" "$WORK/static" "$OUT/clients.json"
stop_loops
sleep 5 # connections closed, idle buffers given back (after 1 s)
e_kept=$(kept)
end=$(sample $(($(date +%s) - t0)))
echo "$end" >> "$OUT/soak.dat"

# the verdicts
counts=$("$PYTHON3" -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"])' "$OUT/clients.json")
echo "clients: $counts"
check=$("$PYTHON3" - "$OUT/clients.json" "$OUT/kills.txt" <<'EOF'
import json, sys
r = json.load(open(sys.argv[1]))
try:
    kills = [float(l.split()[0]) for l in open(sys.argv[2])]
except OSError:
    kills = []
c = r["counts"]
bad = [f for f in r["failures"] if f["kind"] == "failed" and
       not any(-1 <= f["t"] - k <= 3 for k in kills)]
for f in r["failures"]:
    if f["kind"] != "failed" or f in bad:
        print("#", f["kind"], f["what"], f["why"])
print("wrong=%d lost=%d failed=%d unexplained=%d kills=%d ok=%d" % (
    c.get("wrong", 0), c.get("lost", 0), c.get("failed", 0), len(bad), len(kills), c.get("ok", 0)))
EOF
)
printf '%s\n' "$check" | grep '^#' | head -20
line=$(printf '%s\n' "$check" | tail -1)
echo "bodies: $line"
verdict "$(echo "$line" | grep -q 'wrong=0 lost=0 ' ; echo $?)" "no body wrong or lost"
verdict "$(echo "$line" | grep -q 'unexplained=0 ' ; echo $?)" "every failed request within 3 s after a backend kill"
verdict "$(echo "$line" | grep -Eq 'ok=[1-9]' ; echo $?)" "requests were checked"
h2fail=$(grep -Ec 'requests: .* [1-9][0-9]* (failed|errored)|status codes: .* [1-9][0-9]* [345]xx' "$OUT/h2load.txt")
verdict "$([ "$h2fail" -eq 0 ] && [ -s "$OUT/h2load.txt" ]; echo $?)" \
    "h2load on static files: $(grep -c '^requests' "$OUT/h2load.txt") runs, $h2fail with a failure"
b_rss=$(echo "$base" | cut -d' ' -f2) b_fds=$(echo "$base" | cut -d' ' -f3)
e_rss=$(echo "$end" | cut -d' ' -f2) e_fds=$(echo "$end" | cut -d' ' -f3)
verdict "$([ $((e_fds - e_kept)) -le $((b_fds - b_kept)) ]; echo $?)" \
    "open fds back to the baseline ($b_fds -> $e_fds; of them kept backend connections $b_kept -> $e_kept)"
if [ -n "${SANITIZERS:-}" ]; then
    echo "skip: RSS (ASan's shadow memory and quarantine make it meaningless)"
else
    verdict "$([ "$e_rss" -le $((b_rss + b_rss / 4 + 1024)) ]; echo $?)" \
        "RSS back near the baseline ($b_rss -> $e_rss kB; bound +25% +1 MB)"
fi
kill "$PID"
wait "$PID"
rc=$?
PID=
verdict "$rc" "h2cgi stopped cleanly on SIGTERM (exit $rc)"
reports=$(grep -Ec 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$LOG")
verdict "$reports" "no sanitizer report ($reports)"
[ "$reports" -eq 0 ] || grep -E -A15 'ERROR: |runtime error:' "$LOG" | head -40

if command -v gnuplot >/dev/null 2>&1; then
    gnuplot <<EOF
set terminal png size 900,400 noenhanced
set output "$OUT/soak.png"
set title "h2cgi soak: $secs s, $(wc -l < "$OUT/kills.txt" 2>/dev/null || echo 0) backend kills"
set xlabel "seconds"
set ylabel "RSS (MB)"
set y2label "open fds, backend processes"
set ytics nomirror
set y2tics
set yrange [0:*]
set y2range [0:*]
set key bottom right
plot "$OUT/soak.dat" using 1:(\$2/1024) with lines lw 2 title "RSS", \
     "" using 1:3 axes x1y2 with lines title "open fds", \
     "" using 1:4 axes x1y2 with steps title "backend processes"
EOF
    echo "chart: $OUT/soak.png"
fi
echo "samples: $OUT/soak.dat; log: $LOG"
if [ "$fails" -eq 0 ]; then echo "soak: PASS"; else echo "soak: FAIL ($fails)"; fi
[ "$fails" -eq 0 ]
