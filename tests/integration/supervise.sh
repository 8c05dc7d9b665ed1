#!/bin/sh
# Supervisors: systemd socket activation (LISTEN_FDS and --inetd), ucspi-tcp's
# tcpserver, xinetd, inetd "wait" mode, and ucspi-style pipes.
. "$(dirname "$0")/lib.sh"
need curl
ARGS="--cgi-dir $CGI --cgi-runner $RUNNER --procs 1 $ROOTOPT"

if command -v systemd-socket-activate >/dev/null; then
    P=$(free_port)
    systemd-socket-activate -l "127.0.0.1:$P" "$BIN" $ARGS 2>"$WORK/sa.log" &
    S=$!
    wait_port "$P"
    out=$($CURL "https://127.0.0.1:$P/cgi-bin/env.cgi" | grep -E '^(SERVER_PROTOCOL|SERVER_PORT)=' | tr '\n' ' ')
    is "$out" "SERVER_PORT=$P SERVER_PROTOCOL=HTTP/2.0 " "systemd-socket-activate (LISTEN_FDS, Accept=no): served"
    like "$(cat "$WORK/sa.log")" "h2cgi\[[0-9]+\]: info: listening on 127\.0\.0\.1:$P" "LISTEN_FDS socket used instead of --listen"
    kill "$S"; wait "$S"
    is "$?" "0" "LISTEN_FDS: SIGTERM through the activator, exit 0"

    P=$(free_port)
    systemd-socket-activate --inetd -a -l "127.0.0.1:$P" "$BIN" --inetd $ARGS 2>"$WORK/sai.log" &
    S=$!
    wait_port "$P"
    out=$($CURL "https://127.0.0.1:$P/cgi-bin/env.cgi" | grep -E '^(REMOTE_ADDR|SERVER_PORT)=' | tr '\n' ' ')
    is "$out" "REMOTE_ADDR=127.0.0.1 SERVER_PORT=$P " "systemd-socket-activate --inetd (Accept=yes): served, addresses from the socket"
    is "$($CURL "https://127.0.0.1:$P/cgi-bin/hello.cgi")" "Hello, world" "--inetd: a second connection gets a second process"
    sleep 0.3
    like "$(cat "$WORK/sai.log")" "Child [0-9]+ died with code 0" "--inetd: exits 0 when its connection ends"
    T=$((T + 1)); if grep -q 'h2cgi\[' "$WORK/sai.log"; then echo "not ok $T - --inetd: nothing written to stderr"; FAILS=$((FAILS + 1)); else echo "ok $T - --inetd: nothing written to stderr (logs go to syslog)"; fi
    kill "$S"; wait "$S"
else
    echo "ok $((T = T + 1)) - # SKIP systemd-socket-activate not installed"
fi

if command -v tcpserver >/dev/null; then
    P=$(free_port)
    tcpserver -H -R 127.0.0.1 "$P" "$BIN" --inetd $ARGS --error-log "$WORK/tcps-error.log" 2>"$WORK/tcps.log" &
    S=$!
    wait_port "$P"
    out=$($CURL "https://127.0.0.1:$P/cgi-bin/env.cgi" | grep -E '^(REMOTE_ADDR|SERVER_PORT|HTTPS)=' | tr '\n' ' ')
    is "$out" "HTTPS=on REMOTE_ADDR=127.0.0.1 SERVER_PORT=$P " "ucspi-tcp tcpserver + --inetd: served"
    is "$($CURL -o /dev/null -w '%{http_code}' "https://127.0.0.1:$P/cgi-bin/fail.cgi")" "500" "tcpserver: errors still answered"
    sleep 0.3
    like "$(cat "$WORK/tcps-error.log")" "fail\.cgi exited with status 3" "--inetd --error-log FILE: the log goes to the file"
    is "$(cat "$WORK/tcps.log")" "" "--inetd: nothing on stderr"
    kill "$S"; wait "$S" 2>/dev/null
else
    echo "ok $((T = T + 1)) - # SKIP tcpserver (ucspi-tcp) not installed"
fi

if command -v xinetd >/dev/null && [ "$(id -u)" = 0 ]; then
    P=$(free_port)
    cat > "$WORK/xinetd.conf" <<XI
service h2cgi
{
    type        = UNLISTED
    socket_type = stream
    protocol    = tcp
    wait        = no
    user        = root
    server      = $BIN
    server_args = --inetd $ARGS
    port        = $P
    bind        = 127.0.0.1
    flags       = REUSE
}
XI
    xinetd -f "$WORK/xinetd.conf" -dontfork -pidfile "$WORK/xinetd.pid" 2>"$WORK/xinetd.log" &
    S=$!
    wait_port "$P"
    is "$($CURL "https://127.0.0.1:$P/cgi-bin/hello.cgi")" "Hello, world" "xinetd (nowait) + --inetd: served"
    kill "$S"; wait "$S" 2>/dev/null
else
    echo "ok $((T = T + 1)) - # SKIP xinetd not installed or not root"
fi

# inetd "wait" mode: a listening socket on fd 0
P=$(free_port)
"$PYTHON3" - "$P" "$BIN" $ARGS 2>"$WORK/wait.log" <<'PY' &
import os, socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(16)
os.dup2(s.fileno(), 0)
os.execv(sys.argv[2], sys.argv[2:])
PY
S=$!
wait_port "$P"
is "$($CURL "https://127.0.0.1:$P/cgi-bin/hello.cgi")" "Hello, world" "inetd wait mode (listening socket on fd 0): served"
kill "$S"; wait "$S"
is "$?" "0" "wait mode: SIGTERM, exit 0"

# ucspi-style pipes: the connection on fds 0/1, the peer in TCPREMOTEIP/PORT
P=$(free_port)
"$PYTHON3" - "$P" "$WORK/ready" "$BIN" --inetd $ARGS --error-log "$WORK/pipe-error.log" <<'PY' &
import os, selectors, socket, subprocess, sys
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("127.0.0.1", int(sys.argv[1])))
ls.listen(1)
open(sys.argv[2], "w").close()  # a probe connection would be the one served
c, _ = ls.accept()
env = dict(os.environ, TCPREMOTEIP="203.0.113.9", TCPREMOTEPORT="4242",
           TCPLOCALIP="192.0.2.1", TCPLOCALPORT="443")
p = subprocess.Popen(sys.argv[3:], stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
sel = selectors.DefaultSelector()
sel.register(c, selectors.EVENT_READ)
sel.register(p.stdout, selectors.EVENT_READ)
open_ = True
while open_:
    for key, _ in sel.select(5):
        if key.fileobj is c:
            d = c.recv(65536)
            if not d:
                open_ = False
                break
            p.stdin.write(d); p.stdin.flush()
        else:
            d = os.read(p.stdout.fileno(), 65536)
            if not d:
                open_ = False
                break
            c.sendall(d)
p.stdin.close()
p.wait()
PY
S=$!
i=0
while [ ! -f "$WORK/ready" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
out=$($CURL "https://127.0.0.1:$P/cgi-bin/env.cgi" | grep -E '^(REMOTE_ADDR|REMOTE_PORT|SERVER_PORT|SERVER_ADDR)=' | tr '\n' ' ')
is "$out" "REMOTE_ADDR=203.0.113.9 REMOTE_PORT=4242 SERVER_ADDR=192.0.2.1 SERVER_PORT=443 " \
    "--inetd over pipes: served, REMOTE_ADDR/PORT from TCPREMOTEIP/TCPREMOTEPORT"
wait "$S"
done_testing
