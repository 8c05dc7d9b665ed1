#!/bin/sh
# The service files in examples/service start as written: systemd's two
# socket forms (systemd-socket-activate), xinetd, the inetd.conf line (under
# tcpserver, as its user) and the runit script. Only the installed paths are
# changed (binary, certificate, CGI directory, logs, port) and the runner
# named, as it is not installed here.
. "$(dirname "$0")/lib.sh"
need curl openssl runuser
[ "$(id -u)" = 0 ] || skip_all "needs root: the examples start as root or as www-data"
id www-data >/dev/null 2>&1 || skip_all "no www-data user"
runuser -u www-data -- test -x "$RUNNER" || skip_all "the build tree is not reachable by www-data"
runuser -u www-data -- test -x "$BIN" || skip_all "the build tree is not reachable by www-data"
EX=$top_srcdir/examples/service

D=$(mktemp -d /tmp/h2cgi-ex.XXXXXX)
chmod 755 "$D"
cp -r "$CGI" "$D/cgi"
chmod -R a+rX "$D/cgi"
mkdir "$D/log"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
    -keyout "$D/key.pem" -out "$D/cert.pem" 2>/dev/null
chmod 600 "$D/key.pem" # root's, as the service files expect

# subst: the installed paths of the examples -> this build and $D; port $P
subst() {
    sed -e "s|/usr/local/sbin/h2cgi|$BIN|g" -e "s|/etc/h2cgi/|$D/|g" \
        -e "s|/usr/lib/cgi-bin|$D/cgi|g" -e "s|/var/log/h2cgi|$D/log|g" \
        -e "s|--listen :443 |--listen 127.0.0.1:$P |" \
        -e "s|--procs \([0-9]*\)|--procs \1 --cgi-runner $RUNNER|"
}
served() { # PORT: the example's h2cgi answers over HTTP/2 as www-data
    wait_port "$1" && $CURL "https://127.0.0.1:$1/cgi-bin/env.cgi" | grep -c '^SERVER_PROTOCOL=HTTP/2.0$'
}

if command -v systemd-socket-activate >/dev/null; then
    P=$(free_port)
    cmd=$(sed -n 's/^ExecStart=//p' "$EX/h2cgi.service" | subst)
    like "$(sed -n 's/^Accept=//p' "$EX/h2cgi.socket")" "^no$" "h2cgi.socket is Accept=no, for h2cgi.service"
    systemd-socket-activate -l "127.0.0.1:$P" $cmd 2>"$WORK/svc.log" &
    S=$!
    is "$(served "$P")" "1" "h2cgi.service under h2cgi.socket: starts as written and serves"
    like "$(cat "$WORK/svc.log")" "running as user www-data" "h2cgi.service: runs as www-data"
    kill "$S"; wait "$S"
    is "$?" "0" "h2cgi.service: SIGTERM, exit 0"

    P=$(free_port)
    cmd=$(sed -n 's/^ExecStart=//p' "$EX/h2cgi@.service" | subst)
    systemd-socket-activate --inetd -a -l "127.0.0.1:$P" $cmd 2>"$WORK/svc1.log" &
    S=$!
    is "$(served "$P")" "1" "h2cgi@.service (Accept=yes): starts as written and serves"
    kill "$S"; wait "$S" 2>/dev/null
else
    echo "ok $((T = T + 1)) - # SKIP systemd-socket-activate not installed"
fi

# the per-connection forms start as www-data: the key is readable by it
chgrp www-data "$D/key.pem"
chmod 640 "$D/key.pem"
if command -v xinetd >/dev/null; then
    P=$(free_port)
    {
        sed -n '/^service/,/^}/p' "$EX/xinetd.h2cgi" | grep -v '^ *port ' | grep -v '^}' | subst
        printf '    port = %s\n    bind = 127.0.0.1\n}\n' "$P"
    } > "$WORK/xinetd.conf"
    like "$(cat "$WORK/xinetd.conf")" "user *= www-data" "xinetd.h2cgi: runs h2cgi as www-data"
    xinetd -f "$WORK/xinetd.conf" -dontfork -pidfile "$WORK/xinetd.pid" 2>"$WORK/xinetd.log" &
    S=$!
    is "$(served "$P")" "1" "xinetd.h2cgi: starts as written and serves"
    kill "$S"; wait "$S" 2>/dev/null
else
    echo "ok $((T = T + 1)) - # SKIP xinetd not installed"
fi

if command -v tcpserver >/dev/null; then
    # inetd.conf: service type proto wait user server argv0 args...
    line=$(grep -v '^#' "$EX/inetd.conf" | grep . | subst)
    user=$(echo "$line" | awk '{print $5}')
    args=$(echo "$line" | cut -d' ' -f8-) # after argv0
    bin=$(echo "$line" | awk '{print $6}')
    is "$user" "www-data" "inetd.conf runs h2cgi as www-data"
    P=$(free_port)
    tcpserver -u "$(id -u "$user")" -g "$(id -g "$user")" -R 127.0.0.1 "$P" $bin $args 2>"$WORK/inetd.log" &
    S=$!
    is "$(served "$P")" "1" "inetd.conf's line (under tcpserver as www-data): starts as written and serves"
    kill "$S"; wait "$S" 2>/dev/null
else
    echo "ok $((T = T + 1)) - # SKIP tcpserver (ucspi-tcp) not installed"
fi

chgrp root "$D/key.pem"
chmod 600 "$D/key.pem"
P=$(free_port)
subst < "$EX/runit/run" > "$WORK/run"
sh "$WORK/run" > "$WORK/runit.log" &
S=$!
is "$(served "$P")" "1" "runit/run: starts as written and serves"
like "$(cat "$WORK/runit.log")" "running as user www-data" "runit/run: runs as www-data"
kill "$S"; wait "$S"
is "$?" "0" "runit/run: SIGTERM, exit 0"
like "$(cat "$D/log/access.log")" "GET /cgi-bin/env.cgi" "runit/run: the access log is written"

# the "Typical use" lines of the README and of h2cgi(8), as root
typical() { # prints the example lines of README and h2cgi(8), paths of this test
    { sed -n '/^Typical use/,/^Options/p' "$top_srcdir/README" | sed -n 's/^    \(h2cgi --.*\)/\1/p'
      sed -n '/^\.SH EXAMPLES/,/^\.SH/p' "$top_srcdir/doc/h2cgi.8" | sed -n 's/\\-/-/g; s/\\(aq//g; s/^\(h2cgi --.*\)/\1/p'
    } | sed -e "s|^h2cgi |$BIN |" -e "s|--listen :[0-9]* |--listen 127.0.0.1:0 |" \
        -e "s| cert.pem| $D/cert.pem|" -e "s| key.pem| $D/key.pem|" -e "s|/srv/cgi-bin|$D/cgi|" \
        -e "s|/usr/local/libexec/app.fcgi|$top_builddir/examples/fcgi/hints.fcgi|" \
        -e "s|unix:/run/php/php-fpm.sock|unix:$D/none.sock|" -e "s|/srv/www|$D|g" \
        -e "s|--cgi-dir \([^ ]*\)|--cgi-dir \1 --cgi-runner $RUNNER|" -e "s/'//g" \
        -e "s|--config /etc/h2cgi/h2cgi.conf|--config $D/h2cgi.conf|"
}
printf 'listen 127.0.0.1:0\nuser www-data\ncgi-runner %s\nroute /cgi-bin/\n    cgi-dir %s\n' "$RUNNER" "$D/cgi" > "$D/h2cgi.conf"
nt=0
typical > "$WORK/typical"
while read -r line; do
    nt=$((nt + 1))
    $line 2>"$WORK/typical.$nt.log" &
    S=$!
    i=0
    while ! grep -q "listening on" "$WORK/typical.$nt.log" && kill -0 $S 2>/dev/null && [ $i -lt 100 ]; do
        sleep 0.05
        i=$((i + 1))
    done
    like "$(cat "$WORK/typical.$nt.log")" "listening on 127\.0\.0\.1:[0-9]+" "typical use $nt starts as written: $(echo "$line" | sed "s|$BIN|h2cgi|; s|$D|D|g; s|$top_builddir|B|g" | cut -c1-90)"
    kill $S 2>/dev/null
    wait $S
done < "$WORK/typical"
is "$nt" "8" "four typical uses in the README and four in h2cgi(8)"

# running as root without --user is refused for spawned backends (see
# privileges.sh) and said aloud for --fastcgi
"$BIN" --listen 127.0.0.1:0 --fastcgi 127.0.0.1:9 2>"$WORK/root.log" &
S=$!
sleep 0.5
kill "$S"; wait "$S"
like "$(cat "$WORK/root.log")" "warning: running as root: give --user USER" "--fastcgi as root without --user: a warning"
rm -rf "$D"

# tools/serve-examples.sh (the Quick start's first line) with a --listen of
# ours: it replaces the default, and the script ends by printing the URLs
P=$(free_port)
BUILDDIR=$top_builddir sh "$top_srcdir/tools/serve-examples.sh" --listen "127.0.0.1:$P" \
    > "$WORK/serve.out" 2> "$WORK/serve.err" &
S=$!
i=0
while ! grep -q "Ctrl-C stops it" "$WORK/serve.out" && kill -0 $S 2>/dev/null && [ $i -lt 100 ]; do
    sleep 0.1
    i=$((i + 1))
done
like "$(cat "$WORK/serve.out")" "^    https://127\.0\.0\.1:$P/cgi-bin/hello\.cgi\$" "serve-examples.sh prints the URLs to open"
is "$($CURL "https://127.0.0.1:$P/cgi-bin/hello.cgi")" "Hello, world" "and serves them, on the given --listen"
is "$(grep -c "listening on" "$WORK/serve.err")" "1" "the given --listen replaced the default ones"
kill $S
wait $S
like "$(sed -n 's/^listen="\(.*\)"$/\1/p' "$top_srcdir/tools/serve-examples.sh")" "^--listen 127\.0\.0\.1:8443$" \
    "by default it listens on localhost only"
done_testing
