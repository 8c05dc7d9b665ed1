# lib.sh - shared helpers for the integration tests (TAP output). Source it.
# Every test starts the real h2cgi on 127.0.0.1 with an ephemeral port and
# stops what it started by PID.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${PYTHON3:=/usr/bin/python3}"
BIN=$top_builddir/bridge/h2cgi
RUNNER=$top_builddir/backends/h2cgi-cgi
CGI=$top_srcdir/examples/cgi
FRAMES="$PYTHON3 $top_srcdir/tests/integration/h2frames.py"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/h2cgi-test.XXXXXX")
T=0
FAILS=0
PID=
# h2cgi refuses to spawn backends as root unless told (CI runs as root)
ROOTOPT=
[ "$(id -u)" = 0 ] && ROOTOPT=--allow-root-backends

ok() { # status description
    T=$((T + 1))
    if [ "$1" -eq 0 ]; then echo "ok $T - $2"; else echo "not ok $T - $2"; FAILS=$((FAILS + 1)); fi
}

is() { # got want description
    T=$((T + 1))
    if [ "$1" = "$2" ]; then
        echo "ok $T - $3"
    else
        echo "not ok $T - $3"
        printf '#   got:  %s\n#   want: %s\n' "$1" "$2" | head -20
        FAILS=$((FAILS + 1))
    fi
}

like() { # got regex description
    T=$((T + 1))
    if printf '%s' "$1" | grep -Eq -- "$2"; then
        echo "ok $T - $3"
    else
        echo "not ok $T - $3"
        printf '%s\n' "$1" | head -15 | sed 's/^/#   got: /'
        printf '#   want match: %s\n' "$2"
        FAILS=$((FAILS + 1))
    fi
}

skip_all() { echo "1..0 # SKIP $1"; exit 0; }

need() { # tool...: skip the whole test when a tool is missing (never a silent pass)
    for t in "$@"; do command -v "$t" >/dev/null 2>&1 || skip_all "$t not installed"; done
}

need_h2py() {
    "$PYTHON3" -c 'import h2' 2>/dev/null || skip_all "python3-h2 not installed"
}

# start_h2cgi ARGS...: starts h2cgi, sets PID, PORT, URL; ERRLOG holds its stderr.
start_h2cgi() {
    ERRLOG=$WORK/error.log
    prev=
    for a in "$@"; do [ "$prev" = --error-log ] && ERRLOG=$a; prev=$a; done # it logs there
    : > "$ERRLOG"
    "$BIN" --listen 127.0.0.1:0 --cgi-runner "$RUNNER" $ROOTOPT "$@" 2>>"$WORK/error.log" &
    PID=$!
    PORT=
    i=0
    while [ $i -lt 100 ]; do
        PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$ERRLOG" | tail -1)
        [ -n "$PORT" ] && break
        kill -0 "$PID" 2>/dev/null || break
        sleep 0.05
        i=$((i + 1))
    done
    if [ -z "$PORT" ]; then
        echo "Bail out! h2cgi did not start: $(cat "$ERRLOG")"
        exit 1
    fi
    URL=https://127.0.0.1:$PORT
}

stop_h2cgi() {
    if [ -n "$PID" ] && kill -0 "$PID" 2>/dev/null; then
        kill "$PID"
        wait "$PID" 2>/dev/null
    fi
    PID=
    # under --enable-sanitizers a report in the log is a failure
    if [ -n "${ERRLOG:-}" ] && grep -Eq 'ERROR: (AddressSanitizer|LeakSanitizer)|runtime error:' "$ERRLOG"; then
        T=$((T + 1))
        echo "not ok $T - sanitizer report from h2cgi or h2cgi-cgi"
        grep -E -A15 'ERROR: |runtime error:' "$ERRLOG" | head -40 | sed 's/^/# /'
        FAILS=$((FAILS + 1))
        : > "$ERRLOG"
    fi
}

# still_alive PID...: waits up to 5 s for them to exit; prints those left
still_alive() {
    i=0
    while [ $i -lt 100 ]; do
        left=
        for k in "$@"; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
        [ -z "$left" ] && break
        sleep 0.05
        i=$((i + 1))
    done
    echo "$left"
}

# logged REGEX: waits up to 5 s for a line of ERRLOG to match (h2cgi may
# be behind its clients on a loaded machine)
logged() {
    i=0
    while [ $i -lt 100 ] && ! grep -Eq -- "$1" "$ERRLOG"; do
        sleep 0.05
        i=$((i + 1))
    done
}

# children PID: direct children of a process
children() { ps -o pid= --ppid "$1" 2>/dev/null | tr -d ' '; }

FPM_PID=
cleanup() {
    stop_h2cgi
    [ -n "$FPM_PID" ] && kill "$FPM_PID" 2>/dev/null && wait "$FPM_PID" 2>/dev/null
    rm -rf "$WORK"
}
# done_testing runs stop_h2cgi first, so a sanitizer report still counts
trap cleanup EXIT

done_testing() {
    stop_h2cgi
    echo "1..$T"
    [ "$FAILS" -eq 0 ]
}

CURL="curl -sk --http2 --max-time 30"

# summary: h2load's result lines (what a failed "like" should show)
summary() { grep -E "^(requests|status codes|finished in):" || echo "(no h2load summary)"; }

# free_port: an unused loopback TCP port (for tools that cannot take port 0)
free_port() {
    "$PYTHON3" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_port PORT: until something listens there (5 s at most)
wait_port() {
    i=0
    while [ $i -lt 100 ]; do
        "$PYTHON3" -c 'import socket, sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 1).close()' "$1" 2>/dev/null && return 0
        sleep 0.05
        i=$((i + 1))
    done
    return 1
}

# hold_port: a loopback port another process listens on (10 s at most),
# for "the port is taken" cases; sets TAKEN (the port) and HOLD (its PID:
# kill it after)
hold_port() {
    rm -f "$WORK/taken"
    "$PYTHON3" -c 'import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)
open(sys.argv[1], "w").write(str(s.getsockname()[1])); time.sleep(10)' "$WORK/taken" &
    HOLD=$!
    i=0
    while [ ! -s "$WORK/taken" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    TAKEN=$(cat "$WORK/taken")
}

# start_php_fpm: Debian's php-fpm with a private pool on $WORK/php.sock
# (sessions and uploads in $WORK); sets FPM_PID. Skips the test without it.
start_php_fpm() {
    FPM=$(command -v php-fpm8.2 || ls /usr/sbin/php-fpm* 2>/dev/null | head -1)
    [ -n "$FPM" ] && [ -x "$FPM" ] || skip_all "php-fpm not installed (tools/deps.sh)"
    mkdir -p "$WORK/sess" "$WORK/tmp"
    cat > "$WORK/fpm.conf" <<EOF
[global]
pid = $WORK/fpm.pid
error_log = $WORK/fpm.log
daemonize = no
[site]
listen = $WORK/php.sock
pm = static
pm.max_children = 3
php_admin_value[session.save_path] = $WORK/sess
php_admin_value[upload_tmp_dir] = $WORK/tmp
php_admin_value[upload_max_filesize] = 16M
php_admin_value[post_max_size] = 16M
EOF
    "$FPM" -R -n -y "$WORK/fpm.conf" -F 2>>"$WORK/fpm.log" &
    FPM_PID=$!
    i=0
    while [ ! -S "$WORK/php.sock" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
    if [ ! -S "$WORK/php.sock" ]; then
        echo "Bail out! php-fpm did not start: $(cat "$WORK/fpm.log")"
        kill "$FPM_PID"
        exit 1
    fi
}
