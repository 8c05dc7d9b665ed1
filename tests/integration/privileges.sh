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

ROOTOPT=
start_h2cgi --cgi-dir "$D" --procs 2 --user nobody
is "$($CURL "$URL/cgi-bin/whoami.cgi" | tr '\n' ' ')" "$NOBODY $NOGROUP " "--user nobody: scripts run as nobody:nogroup"
is "$(awk '/^Uid:/{print $2, $3}' /proc/$PID/status)" "$NOBODY $NOBODY" "h2cgi itself runs as nobody (real and effective)"
u=
for k in $(children "$PID"); do u="$u$(awk '/^Uid:/{print $2}' /proc/$k/status) "; done
is "$u" "$NOBODY $NOBODY " "both backends run as nobody"
like "$(cat "$ERRLOG")" "running as user nobody \(uid $NOBODY, gid $NOGROUP\)" "logged"
stop_h2cgi

start_h2cgi --cgi-dir "$D" --procs 1 --user nobody --group daemon
is "$($CURL "$URL/cgi-bin/whoami.cgi" | tr '\n' ' ')" "$NOBODY $(getent group daemon | cut -d: -f3) " "--group daemon: scripts get that group"
stop_h2cgi
rm -rf "$D"
done_testing
