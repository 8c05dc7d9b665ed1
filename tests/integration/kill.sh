#!/bin/sh
# SIGKILL of a backend process at every phase of a request: a runner while
# its script waits before the head, in the middle of the body, while it
# reads the request body; the script itself; idle runners that hold kept
# connections. Each time only the victim's stream fails (502 before the
# head, 500 for a script, RST_STREAM(INTERNAL_ERROR) after it), the clients of h2load running
# meanwhile lose nothing, the pool is back to its size, and nothing is left
# behind: neither the script nor a zombie.
. "$(dirname "$0")/lib.sh"
need curl h2load
need_h2py
K=$WORK/k
mkdir -p "$K"
cp "$CGI/hello.cgi" "$K/"
cat > "$K/phase.cgi" <<'EOF'
#!/bin/sh
# Notes "RUNNER SCRIPT" in ./pids.PHASE, then waits in that phase.
[ "$QUERY_STRING" = body ] && printf 'Content-Type: text/plain\r\n\r\nstarted\n'
echo "$PPID $$" > "./pids.$QUERY_STRING.tmp" && mv "./pids.$QUERY_STRING.tmp" "./pids.$QUERY_STRING"
if [ "$QUERY_STRING" = stdin ]; then
    cat > /dev/null
else
    sleep 30
fi
printf 'Content-Type: text/plain\r\n\r\ndone\n'
EOF
chmod 755 "$K/phase.cgi"
head -c 200000 /dev/zero > "$WORK/body"
start_h2cgi --cgi-dir "$K" --procs 4

# zombies: children of h2cgi in state Z (they are reaped on SIGCHLD)
zombies() {
    i=0
    while [ $i -lt 40 ]; do
        z=$(ps -o pid=,stat= --ppid "$PID" | awk '$2 ~ /^Z/ {print $1}' | tr '\n' ' ')
        [ -z "$z" ] && break
        sleep 0.05
        i=$((i + 1))
    done
    echo "$z"
}
# pool_size: the runners h2cgi has, once back to 4 (5 s at most)
pool_size() {
    i=0
    while [ "$(children "$PID" | wc -l)" -ne 4 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    children "$PID" | wc -l
}

# kill_in PHASE WHICH: once the victim notes its PIDs, SIGKILLs its runner
# or its script while h2load runs on the other runners; checks the rest
kill_in() {
    f=$K/pids.$1
    i=0
    while [ ! -s "$f" ] && [ $i -lt 200 ]; do sleep 0.05; i=$((i + 1)); done
    read -r runner script < "$f" || { runner=; script=; }
    ok "$([ -n "$runner" ] && [ -n "$script" ]; echo $?)" "$1: the victim is running (runner $runner, script $script)"
    h2load -D 3 -c 2 -m 1 "$URL/cgi-bin/hello.cgi" > "$WORK/load.$1" 2>&1 &
    LP=$!
    sleep 1
    if [ "$2" = runner ]; then kill -9 "$runner"; else kill -9 "$script"; fi
    wait "$VP"
    wait "$LP"
    load=$(summary < "$WORK/load.$1")
    like "$load" "requests: [0-9]+ total, [0-9]+ started, ([0-9]+) done, \\1 succeeded, 0 failed, 0 errored" \
        "$1: h2load meanwhile on the other runners: nothing lost"
    like "$load" "status codes: [1-9][0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx" "$1: every answer 2xx"
    if [ "$2" = runner ]; then
        is "$(still_alive "$runner" "$script")" "" "$1: the runner and the script are gone"
    else
        is "$(still_alive "$script")" "" "$1: the script is gone"
    fi
    is "$(zombies)" "" "$1: no zombie"
    is "$(pool_size)" "4" "$1: the pool is back to 4 runners"
}

# the runner, its script waiting before the head: 502
$CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/phase.cgi?head" > "$WORK/v.head" &
VP=$!
kill_in head runner
is "$(cat "$WORK/v.head")" "502" "head: the victim's stream gets 502"
like "$(cat "$ERRLOG")" "backend [0-9]+ killed by signal 9; restarting" "head: the death is logged"

# the runner in the middle of the body: RST_STREAM after what was sent
$FRAMES "$PORT" events GET '/cgi-bin/phase.cgi?body' > "$WORK/v.body" &
VP=$!
kill_in body runner
like "$(cat "$WORK/v.body")" '"event": "reset", "code": 2' "body: the victim's stream is reset (INTERNAL_ERROR)"
like "$(cat "$WORK/v.body")" '"body": "started\\n"' "body: after the part already sent"

# the runner while it reads the request body (100 KB of 200 KB sent, the
# stream held open): 502 before any head
$FRAMES "$PORT" events POST '/cgi-bin/phase.cgi?stdin' --body "$WORK/body" --partial 100000 > "$WORK/v.stdin" &
VP=$!
kill_in stdin runner
like "$(cat "$WORK/v.stdin")" '":status", "502"' "stdin: the victim's stream gets 502"

# the script itself, before its head (its sleep child still holding its
# stdout): the runner ends it within a second, answers 500 as for any
# script that died before its headers (RFC 3875 §6), and stays
$CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/phase.cgi?script" > "$WORK/v.script" &
VP=$!
before=$(children "$PID" | sort | tr '\n' ' ')
kill_in script script
is "$(cat "$WORK/v.script")" "500" "script: the victim's stream gets 500"
like "$(cat "$ERRLOG")" "phase.cgi died of signal 9 before writing its headers" "script: logged"
is "$(children "$PID" | sort | tr '\n' ' ')" "$before" "script: no runner was replaced"

# every runner at once while idle, each holding a kept connection from the
# requests above: the next requests find the kept connections dead, retry
# on the new runners, and all succeed
victims=$(children "$PID")
kill -9 $victims
codes=
for n in 1 2 3 4 5 6 7 8 9 10; do
    codes="$codes$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/hello.cgi")"
done
is "$codes" "200200200200200200200200200200" "idle runners with kept connections killed: the next 10 requests succeed"
is "$(still_alive $victims)" "" "idle: the killed runners are gone"
is "$(zombies)" "" "idle: no zombie"
is "$(pool_size)" "4" "idle: the pool is back to 4 runners"
done_testing
