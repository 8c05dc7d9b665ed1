#!/bin/sh
# --user/--group: privileges dropped after binding; backends never root by accident.
. "$(dirname "$0")/lib.sh"
need curl
[ "$(id -u)" = 0 ] || skip_all "needs root to switch users"
command -v runuser >/dev/null || skip_all "runuser not installed"
runuser -u nobody -- test -x "$RUNNER" || skip_all "the build tree is not reachable by nobody"

D=$(mktemp -d /tmp/h2cgi-priv.XXXXXX)
chmod 755 "$D"
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\n"\nid -u; id -g\n' > "$D/whoami.cgi"
chmod 755 "$D/whoami.cgi"
NOBODY=$(id -u nobody)
NOGROUP=$(getent group nogroup | cut -d: -f3)

# as root without --user: refused, with the way out named
"$BIN" --listen 127.0.0.1:0 --cgi-dir "$D" --cgi-runner "$RUNNER" 2>"$WORK/e"; rc=$?
is "$rc" "1" "root without --user and spawned backends: refused (exit 1)"
like "$(cat "$WORK/e")" "refusing to run backends as root: give --user USER \(or --allow-root-backends\)" "and says how to proceed"
"$BIN" --listen 127.0.0.1:0 --cgi-dir "$D" --cgi-runner "$RUNNER" --user nosuchuser 2>"$WORK/e"; rc=$?
like "$rc $(tail -1 "$WORK/e")" "^1 .*--user nosuchuser: no such user" "unknown --user: exit 1, named"
"$BIN" --listen 127.0.0.1:0 --cgi-dir "$D" --cgi-runner "$RUNNER" --user root 2>"$WORK/e"; rc=$?
like "$rc $(tail -1 "$WORK/e")" "^1 .*--user root is root: refusing" "--user root: refused too"

# directories the user cannot search: refused at start, naming the option,
# not served with an error on every request (the runners cannot enter it)
mkdir -p "$D/closed/cgi"
chmod 700 "$D/closed"
"$BIN" --listen 127.0.0.1:0 --cgi-dir "$D/closed/cgi" --cgi-runner "$RUNNER" --user nobody 2>"$WORK/e"; rc=$?
like "$rc $(tail -1 "$WORK/e")" "^1 .*route /cgi-bin/: --cgi-dir $D/closed/cgi: not searchable as user nobody: Permission denied" \
    "a --cgi-dir nobody cannot enter: exit 1, named"
# checked before anything is bound: with the port taken as well, the
# directory is what h2cgi names (it used to bind first and name the port)
hold_port
"$BIN" --listen "127.0.0.1:$TAKEN" --cgi-dir "$D/closed/cgi" --cgi-runner "$RUNNER" --user nobody 2>"$WORK/e"; rc=$?
kill $HOLD; wait $HOLD 2>/dev/null
like "$rc $(tail -1 "$WORK/e")" "^1 .*--cgi-dir $D/closed/cgi: not searchable as user nobody" \
    "the directory is checked before binding: named even when the port is taken too"
"$BIN" --listen 127.0.0.1:0 --route / --static "$D/closed/cgi" --user nobody 2>"$WORK/e"; rc=$?
like "$rc $(tail -1 "$WORK/e")" "^1 .*route /: --static $D/closed/cgi: not searchable as user nobody" \
    "a --static directory nobody cannot enter: exit 1, named"
"$BIN" --listen 127.0.0.1:0 --route '*.php' --fastcgi unix:/nonexistent.sock --docroot "$D/nonexistent" --user nobody 2>"$WORK/e"; rc=$?
like "$rc $(tail -1 "$WORK/e")" "^1 .*--docroot $D/nonexistent: No such file or directory" \
    "a --docroot that does not exist: exit 1, named"

ROOTOPT=
start_h2cgi --cgi-dir "$D" --procs 2 --user nobody
is "$($CURL "$URL/cgi-bin/whoami.cgi" | tr '\n' ' ')" "$NOBODY $NOGROUP " "--user nobody: scripts run as nobody:nogroup"
# the process started stays root only to reload keys and reopen logs (the
# keeper); its one child serves, as nobody
SERVER=$(children "$PID")
is "$(echo $SERVER | wc -w)" "1" "as root with --user: one privileged parent, one serving child"
is "$(awk '/^Uid:/{print $2, $3}' /proc/$PID/status)" "0 0" "the parent keeps root"
is "$(awk '/^Uid:/{print $2, $3}' /proc/$SERVER/status)" "$NOBODY $NOBODY" "the serving h2cgi runs as nobody (real and effective)"
is "$(ls -l /proc/$PID/fd 2>/dev/null | grep -c 'socket:')" "1" "the parent holds no listening or client socket (its channel only)"
u=
for k in $(children "$SERVER"); do u="$u$(awk '/^Uid:/{print $2}' /proc/$k/status) "; done
is "$u" "$NOBODY $NOBODY " "both backends run as nobody"
like "$(cat "$ERRLOG")" "running as user nobody \(uid $NOBODY, gid $NOGROUP\)" "logged"
stop_h2cgi

start_h2cgi --cgi-dir "$D" --procs 1 --user nobody --group daemon
is "$($CURL "$URL/cgi-bin/whoami.cgi" | tr '\n' ' ')" "$NOBODY $(getent group daemon | cut -d: -f3) " "--group daemon: scripts get that group"
stop_h2cgi
stop_h2cgi

# SIGHUP and SIGUSR1 as nobody: a key only root may read, renewed, and log
# files in a directory only root may write, rotated. The keeper reads and
# opens them; the serving process gets the bytes and the descriptors.
mk() { # name CN
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
        -subj "/CN=$2" -addext "subjectAltName=DNS:localhost" \
        -keyout "$WORK/$1.key" -out "$WORK/$1.pem" 2>/dev/null
}
if command -v openssl >/dev/null; then
    mk a cert-a
    mk b cert-b
    mkdir -m 700 "$WORK/logs"
    for w in 1 2; do
        cp "$WORK/a.pem" "$WORK/cert.pem"
        cp "$WORK/a.key" "$WORK/key.pem"
        chmod 600 "$WORK/key.pem" "$WORK/a.key" "$WORK/b.key"
        rm -f "$WORK/logs/"*
        start_h2cgi --cgi-dir "$D" --procs 1 --user nobody --workers $w --cert "$WORK/cert.pem" \
            --key "$WORK/key.pem" --error-log "$WORK/logs/err.log" --access-log "$WORK/logs/access.log"
        V="curl -s --http2 --max-time 10 --resolve localhost:$PORT:127.0.0.1"
        is "$($V --cacert "$WORK/a.pem" "https://localhost:$PORT/cgi-bin/whoami.cgi" | head -1)" "$NOBODY" \
            "--workers $w: serves certificate A as nobody"
        cp "$WORK/b.pem" "$WORK/cert.pem"
        cp "$WORK/b.key" "$WORK/key.pem"
        kill -HUP "$PID"
        sleep 0.5
        is "$($V --cacert "$WORK/b.pem" "https://localhost:$PORT/cgi-bin/whoami.cgi" | head -1)" "$NOBODY" \
            "--workers $w: after SIGHUP the renewed certificate B (key: root's, mode 0600)"
        like "$(cat "$WORK/logs/err.log")" "SIGHUP: reloaded certificate" "--workers $w: reload logged"
        echo "not a key" > "$WORK/key.pem"
        kill -HUP "$PID"
        sleep 0.5
        like "$(cat "$WORK/logs/err.log")" "SIGHUP: cannot load certificate .*; keeping the previous certificate" \
            "--workers $w: a broken key: logged, the old one kept"
        is "$($V --cacert "$WORK/b.pem" "https://localhost:$PORT/cgi-bin/whoami.cgi" | head -1)" "$NOBODY" \
            "--workers $w: still serving B"
        mv "$WORK/logs/err.log" "$WORK/logs/err.log.1"
        mv "$WORK/logs/access.log" "$WORK/logs/access.log.1"
        kill -USR1 "$PID"
        sleep 0.5
        $V --cacert "$WORK/b.pem" -o /dev/null "https://localhost:$PORT/cgi-bin/whoami.cgi?after"
        sleep 0.2
        like "$(cat "$WORK/logs/err.log")" "SIGUSR1: log files reopened" "--workers $w: SIGUSR1 reopened the root-only error log"
        like "$(cat "$WORK/logs/access.log")" "whoami.cgi\?after" "--workers $w: and the access log"
        is "$(stat -c %U "$WORK/logs/access.log")" "root" "--workers $w: the new files are root's (opened by the keeper)"
        kill "$PID"
        wait "$PID"; rc=$?
        PID=
        is "$rc" "0" "--workers $w: SIGTERM through the keeper: exit 0"
        like "$(cat "$WORK/logs/err.log")" "info: stopped" "--workers $w: the server drained and stopped"
        ERRLOG=$WORK/logs/err.log
        stop_h2cgi
        ERRLOG=$WORK/error.log
    done
fi
rm -rf "$D"
done_testing
