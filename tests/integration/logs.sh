#!/bin/sh
# The error log as an admin reads it: ISO 8601 timestamps in a file (not in
# a pipe to a supervisor, unless asked), --syslog, a spawned program's
# stderr prefixed with its pool and PID, and no "restarting" at shutdown
# for backends the supervisor stopped with h2cgi.
. "$(dirname "$0")/lib.sh"
need curl setsid
STAMP='[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}'

# a file: every line stamped with the local time and its offset
start_h2cgi --cgi-dir "$CGI" --error-log "$WORK/file.log"
$CURL -o /dev/null "$URL/cgi-bin/nope.cgi"
stop_h2cgi
ok "$(grep -Evc "^$STAMP h2cgi\[[0-9]+\]: (info|warning|error): " "$WORK/file.log")" \
    "--error-log FILE: every line starts with an ISO 8601 timestamp ($(head -1 "$WORK/file.log" | cut -c1-29))"
is "$(head -1 "$WORK/file.log" | cut -c24-29)" "$(date +%z | sed 's/\(..\)$/:\1/')" "with the local UTC offset"
start_h2cgi --cgi-dir "$CGI" --error-log "$WORK/off.log" --log-timestamps off
stop_h2cgi
ok "$(grep -vc '^h2cgi\[' "$WORK/off.log")" "--log-timestamps off: none in the file"

# a pipe (a supervisor, the journal): no timestamps, unless --log-timestamps on
run_piped() { # log-file h2cgi-args...: h2cgi's stderr through a pipe into log-file
    out=$1
    shift
    mkfifo "$WORK/fifo"
    cat "$WORK/fifo" > "$out" &
    CAT=$!
    "$BIN" --listen 127.0.0.1:0 --cleartext --static "$CGI" "$@" 2> "$WORK/fifo" &
    P=$!
    i=0
    while ! grep -q "listening on" "$out" && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    kill "$P"; wait "$P"
    wait "$CAT"
    rm -f "$WORK/fifo"
}
run_piped "$WORK/pipe.log"
like "$(head -1 "$WORK/pipe.log")" "^h2cgi\[[0-9]+\]: " "stderr a pipe: no timestamp (the supervisor stamps)"
run_piped "$WORK/pipe-on.log" --log-timestamps on
like "$(head -1 "$WORK/pipe-on.log")" "^$STAMP h2cgi\[" "--log-timestamps on: stamped in a pipe too"
"$BIN" --log-timestamps sometimes --static "$CGI" 2> "$WORK/e"; rc=$?
is "$rc:$(cat "$WORK/e")" "64:h2cgi: invalid --log-timestamps 'sometimes': expected auto, on or off (see --help)" \
    "--log-timestamps: a bad value refused"

# --syslog: nothing on stderr; not with --error-log
run_piped "$WORK/syslog.log" --syslog
is "$(cat "$WORK/syslog.log")" "" "--syslog (outside --inetd): nothing on stderr"
"$BIN" --syslog --error-log "$WORK/x.log" --static "$CGI" 2> "$WORK/e"; rc=$?
is "$rc:$(cat "$WORK/e")" "64:h2cgi: --syslog and --error-log: the error log goes to one of them (see --help)" \
    "--syslog with --error-log: refused"

# a spawned program's stderr: "pool NAME[PID]: line"
cat > "$WORK/noisy.sh" <<EOF
#!/bin/sh
echo "noisy \$\$ starts" >&2
exec "$top_builddir/examples/fcgi/counter.fcgi"
EOF
chmod +x "$WORK/noisy.sh"
start_h2cgi --spawn "$WORK/noisy.sh" --procs 2 --error-log "$WORK/spawn.log"
i=0
while [ "$(grep -c "noisy [0-9]* starts" "$ERRLOG")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
kids=$(children "$PID" | sort -n | tr '\n' ' ')
got=$(sed -n 's/.*warning: pool app\[\([0-9]*\)\]: noisy \([0-9]*\) starts$/\1=\2/p' "$ERRLOG" | sort -n)
bad=0
for g in $got; do [ "${g%=*}" = "${g#*=}" ] || bad=1; done
ok "$([ "$(echo "$got" | wc -w)" = 2 ] && [ $bad = 0 ]; echo $?)" \
    "each process's stderr line names its pool and its PID ($got; children $kids)"
stop_h2cgi

# the supervisor stops the whole group (systemd's KillMode, Ctrl-C): the
# backends exit with h2cgi and are not "restarted"
: > "$WORK/group.log"
setsid "$BIN" --listen 127.0.0.1:0 --cleartext --spawn "$WORK/noisy.sh" --procs 2 $ROOTOPT \
    --error-log "$WORK/group.log" --grace 3 &
G=$!
i=0
while [ "$(grep -c "noisy [0-9]* starts" "$WORK/group.log")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$WORK/group.log")
# a slow request keeps the drain going while the group's backends exit
curl -s --http2-prior-knowledge --max-time 10 "http://127.0.0.1:$PORT/x?1500" > /dev/null &
C=$!
sleep 0.5
kill -TERM "-$G"
wait "$G"; rc=$?
wait "$C"
is "$rc" "0" "SIGTERM to the process group: h2cgi exits 0"
is "$(grep -c "restarting" "$WORK/group.log")" "0" "no backend 'restarting' while h2cgi stops"
like "$(cat "$WORK/group.log")" "stopped" "and it says it stopped"

# a script the kernel cannot start (its "#!" names no interpreter): 500,
# and the runner's reason in the error log, with the script's path (the
# runner starts scripts with vfork: the message is written without stdio)
mkdir -p "$WORK/badcgi"
printf '#!/nonexistent/interpreter\necho hi\n' > "$WORK/badcgi/bad.cgi"
chmod +x "$WORK/badcgi/bad.cgi"
start_h2cgi --cgi-dir "$WORK/badcgi" --error-log "$WORK/bad.log"
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/cgi-bin/bad.cgi")" "500" "a script with no interpreter: 500"
i=0
while ! grep -q "cannot execute" "$WORK/bad.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
like "$(cat "$WORK/bad.log")" "cannot execute $WORK/badcgi/bad\.cgi: No such file or directory" \
    "the reason logged with its path"
is "$($CURL "$URL/cgi-bin/bad.cgi" -o /dev/null -w '%{http_code}')" "500" "and again: the runner still serves"
stop_h2cgi

done_testing
