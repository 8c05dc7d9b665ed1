#!/bin/sh
# Command-line errors: usage (64), unreadable files, busy port, missing dir.
. "$(dirname "$0")/lib.sh"
"$BIN" --bogus >/dev/null 2>"$WORK/e"; rc=$?
is "$rc" "64" "unknown option: exit 64"
is "$(cat "$WORK/e")" "h2cgi: unknown option '--bogus' (see --help)" \
    "unknown option: one line naming it, and where the options are"
"$BIN" --listen 127.0.0.1:0 >/dev/null 2>"$WORK/e"; rc=$?
is "$rc" "64" "nothing to serve: exit 64"
like "$(cat "$WORK/e")" "nothing to serve" "nothing to serve: says so"
"$BIN" --procs zero --cgi-dir "$CGI" 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --procs 'zero': expected N or MIN:MAX, 1..1024 (see --help)" "bad number: exit 64, names the option"
set --
for i in $(seq 17); do set -- "$@" --fastcgi "127.0.0.1:$((9000 + i))"; done
"$BIN" "$@" 2>"$WORK/e"; rc=$?
like "$rc:$(head -1 "$WORK/e")" "^64:h2cgi: invalid --fastcgi '127.0.0.1:9017': more than 16 --fastcgi addresses in one route" \
    "17 addresses in one route: refused (16 at most)"
set --
for i in $(seq 16); do set -- "$@" --fastcgi "127.0.0.1:$((9000 + i))"; done
is "$("$BIN" "$@" --check 2>/dev/null | grep -c 'fastcgi "127')" "16" "16 addresses: all taken (--check lists them)"
"$BIN" --procs 5:2 --cgi-dir "$CGI" 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --procs '5:2': MAX under MIN (see --help)" "--procs MAX under MIN: refused"
"$BIN" --procs 2:4 --workers 2 --cgi-dir "$CGI" 2>"$WORK/e"; rc=$?
like "$rc:$(cat "$WORK/e")" "^64:.*--procs MIN:MAX and --max-requests need one process \(no --workers\)" \
    "an elastic pool with --workers: refused, with the reason"
# ports are range-checked, never wrapped to another port
for bad in 127.0.0.1:99999 :65536 127.0.0.1:-1 127.0.0.1:8x 127.0.0.1: 127.0.0.1; do
    "$BIN" --listen "$bad" --cgi-dir "$CGI" 2>"$WORK/e"; rc=$?
    is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --listen '$bad': $(case $bad in
        *:99999|*:65536) echo "the port must be 0..65535" ;; *:) echo "expected HOST:PORT" ;;
        *:*) echo "the port is not a number" ;; *) echo "expected HOST:PORT" ;; esac) (see --help)" \
        "--listen $bad: refused, naming the option"
done
for bad in 127.0.0.1:99999 127.0.0.1:0 localhost:http; do
    "$BIN" --fastcgi "$bad" 2>"$WORK/e"; rc=$?
    like "$rc:$(head -1 "$WORK/e")" "^64:h2cgi: invalid --fastcgi '$bad': " "--fastcgi $bad: refused, naming the option"
done
# every numeric option of --help, out of range and not a number: exit 64
# (usage) naming the option, before anything is bound; where the message
# gives the range A..B, A and B pass --check and A-1 and B+1 do not
num() { # 16k -> 16384
    case $1 in
    *k) echo $((${1%k} * 1024)) ;; *m) echo $((${1%m} * 1048576)) ;;
    *g) echo $((${1%g} * 1073741824)) ;; *) echo "$1" ;;
    esac
}
refused() { # OPTION VALUE: exit 64 and the option named (a bad value that
            # passed would start a server: 5 s at most)
    timeout 5 "$BIN" --listen 127.0.0.1:0 --cgi-dir "$CGI" "--$1" "$2" >/dev/null 2>"$WORK/e"; rc=$?
    printf '%s' "$rc:$(head -1 "$WORK/e")" | grep -q "^64:h2cgi: invalid --$1 '$2': "
}
num_opts=$("$BIN" --help | sed -n 's/^  \(-.,\)\{0,1\}--\([a-z-]*\) \(N\|SEC\|BYTES\|N\[:MAX\]\) .*/\2/p')
is "$(echo $num_opts | wc -w)" "27" "--help lists 27 numeric options"
for o in $num_opts; do
    bad=
    for v in abc -1 99999999999999999999 1x 5q; do
        refused "$o" "$v" || bad="$bad $v($rc)"
    done
    range=$(sed -n "s/.*expected [^0-9]*\([0-9][0-9]*[kmg]\{0,1\}\)\.\.\([0-9][0-9]*[kmg]\{0,1\}\).*/\1 \2/p" "$WORK/e")
    if [ -n "$range" ]; then
        set -- $range
        lo=$(num "$1") hi=$(num "$2")
        for v in "$lo" "$hi"; do
            # --max-conns bounds connections to a --fastcgi server
            if [ "$o" = max-conns ]; then set -- --fastcgi 127.0.0.1:9; else set -- --cgi-dir "$CGI"; fi
            "$BIN" "$@" "--$o" "$v" --check >/dev/null 2>&1 || bad="$bad $v(refused)"
        done
        for v in $((lo - 1)) $((hi + 1)); do
            [ "$v" -lt 0 ] || refused "$o" "$v" || bad="$bad $v($rc)"
        done
    fi
    is "$bad" "" "--$o: out of range or not a number: exit 64, named${range:+ (range ${range% *}..${range#* })}"
done
# the configuration's own bounds, each past its limit
args=
i=0; while [ $i -lt 65 ]; do args="$args --route /r$i/ --static $CGI"; i=$((i + 1)); done
"$BIN" $args 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --route '/r64/': too many routes (see --help)" "65 routes: refused (64 at most)"
args=
i=0; while [ $i -lt 33 ]; do args="$args --env V$i=x"; i=$((i + 1)); done
"$BIN" --route / --cgi-dir "$CGI" $args 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --env 'V32=x': at most 32 per route (see --help)" "33 --env: refused"
args=
i=0; while [ $i -lt 17 ]; do args="$args --early-hint </h$i.css>;rel=preload"; i=$((i + 1)); done
"$BIN" --route / --cgi-dir "$CGI" $args 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --early-hint '</h16.css>;rel=preload': at most 16 per route (see --help)" "17 --early-hint: refused"
"$BIN" --route / --static "$CGI" --index a b c d e f g h i 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --index 'i': at most 8 index names (see --help)" "9 index names: refused"
"$BIN" --route / --cgi-dir "$CGI" --early-hint 'style.css' 2>"$WORK/e"; rc=$?
like "$rc:$(head -1 "$WORK/e")" "^64:h2cgi: invalid --early-hint 'style\.css': expected a Link value" "a bad --early-hint: refused"
"$BIN" --send-timeout 0 --cgi-dir "$CGI" 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: invalid --send-timeout '0': expected 1..86400 seconds (see --help)" "--send-timeout 0: refused"
"$BIN" --cert /nonexistent/cert.pem --key /nonexistent/key.pem --cgi-dir "$CGI" --listen 127.0.0.1:0 2>"$WORK/e"; rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "unreadable certificate: non-zero exit"
like "$(cat "$WORK/e")" "cannot load certificate /nonexistent/cert\.pem with key /nonexistent/key\.pem" "unreadable certificate: names the file"
# a certificate and the key of another: refused before binding (the port
# is taken as well, and the certificate is what is named)
if command -v openssl >/dev/null 2>&1; then
    for k in 1 2; do
        openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 -subj /CN=localhost \
            -keyout "$WORK/k$k.pem" -out "$WORK/c$k.pem" 2>/dev/null
    done
    hold_port
    "$BIN" --listen "127.0.0.1:$TAKEN" --cgi-dir "$CGI" --cert "$WORK/c1.pem" --key "$WORK/k2.pem" 2>"$WORK/e"; rc=$?
    kill $HOLD; wait $HOLD 2>/dev/null
    like "$rc:$(tail -1 "$WORK/e")" "^1:.*cannot load certificate $WORK/c1\.pem with key $WORK/k2\.pem: The certificate and the given key do not match" \
        "a certificate with another's key: exit 1, both files named, before binding"
else
    T=$((T + 1)); echo "ok $T - # SKIP openssl not installed"
fi
"$BIN" --cgi-dir /nonexistent/dir --listen 127.0.0.1:0 --cgi-runner "$RUNNER" 2>"$WORK/e"; rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "missing CGI dir: non-zero exit"
like "$(cat "$WORK/e")" "--cgi-dir /nonexistent/dir: No such file or directory" "missing CGI dir: names it"
start_h2cgi --cgi-dir "$CGI" --procs 1
"$BIN" --listen "127.0.0.1:$PORT" --cgi-dir "$CGI" --cgi-runner "$RUNNER" 2>"$WORK/e"; rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "busy port: non-zero exit"
like "$(cat "$WORK/e")" "cannot listen on 127\.0\.0\.1:$PORT: Address already in use" "busy port: names the address"
"$BIN" --help >"$WORK/e" 2>&1; rc=$?
is "$rc" "0" "--help: exit 0"
like "$(cat "$WORK/e")" "--cgi-dir DIR" "--help lists the options"
VERSION=$(sed -n 's/^AC_INIT(\[h2cgi\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
is "$("$BIN" --version | head -1)" "h2cgi $VERSION" "--version"
like "$("$BIN" --version | sed 1d | tr '\n' '|')" \
    "^nghttp2 [0-9.]+ \(built with [0-9.]+\)\|GnuTLS [0-9.]+ \(built with [0-9.]+\)\|libfcgi [0-9.]+ \(h2cgi-cgi, built with\)\|$" \
    "--version: the nghttp2, GnuTLS and libfcgi versions"
is "$("$RUNNER" --version)" "h2cgi-cgi $VERSION (libfcgi $(pkg-config --modversion fcgi))" "h2cgi-cgi --version"
# IPv6 listener beside the IPv4 one
stop_h2cgi
if [ -f /proc/net/if_inet6 ] && command -v curl >/dev/null; then
    start_h2cgi --listen '[::1]:0' --cgi-dir "$CGI" --procs 1
    P6=$(sed -n 's/.*listening on \[::1\]:\([0-9]*\).*/\1/p' "$ERRLOG")
    is "$($CURL -g "https://[::1]:$P6/cgi-bin/hello.cgi")" "Hello, world" "IPv6 listener [::1]"
    is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "and the IPv4 one, same process"
    # SIGTERM: exit 0, every backend stopped
    kids=$(children "$PID")
    kill "$PID"; wait "$PID"; rc=$?; PID=
    left=
    for k in $kids; do kill -0 "$k" 2>/dev/null && left="$left $k"; done
    is "$rc:$left" "0:" "SIGTERM: exit 0 and no backend left"
else
    echo "ok $((T = T + 1)) - # SKIP no IPv6 on this host"
fi

# out of file descriptors: accepting pauses (one log line, no busy loop), then resumes
if command -v curl >/dev/null; then
    ulimit -n 40
    start_h2cgi --cgi-dir "$CGI" --procs 1
    ulimit -n 1024 2>/dev/null
    "$PYTHON3" - "$PORT" <<'PY'
import socket, sys, time
socks = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(60)]
time.sleep(1.0)
for s in socks:
    s.close()
PY
    # under load h2cgi may reach the queued connections after the client
    # closed them (they are accepted all the same)
    logged "Too many open files"
    like "$(cat "$ERRLOG")" "accept on 127\.0\.0\.1:0: Too many open files; pausing for 500 ms" "EMFILE: logged, accepting paused"
    ok "$([ "$(grep -c 'Too many open files' "$ERRLOG")" -le 10 ]; echo $?)" "EMFILE: no log flood ($(grep -c 'Too many open files' "$ERRLOG") lines in 1 s)"
    sleep 0.6
    is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "EMFILE: serving again once descriptors are free"
    stop_h2cgi
fi

# the runner refuses to start without a FastCGI socket
"$RUNNER" --root "$CGI" </dev/null 2>"$WORK/e"; rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "h2cgi-cgi outside FastCGI: non-zero exit"
like "$(cat "$WORK/e")" "not a FastCGI listening socket" "h2cgi-cgi outside FastCGI: says why"
"$RUNNER" 2>"$WORK/e"; rc=$?
is "$rc" "64" "h2cgi-cgi without --root: exit 64"

# --help: to stdout, one line per option, grouped; the README's option table
# and h2cgi(8) name every option it lists, and the table lists no other
"$BIN" --help > "$WORK/help" 2> "$WORK/e"; rc=$?
is "$rc:$(cat "$WORK/e")" "0:" "--help: exit 0, on stdout"
sed -n 's/^  \(-.,\)\{0,1\}--\([a-z0-9-]*\) .*/\2/p' "$WORK/help" | sort -u > "$WORK/help.opts"
ok "$([ "$(wc -l < "$WORK/help.opts")" -ge 60 ]; echo $?)" "--help lists $(wc -l < "$WORK/help.opts") options"
like "$(grep -c '^[A-Z].*:$' "$WORK/help")" "^(9|1[0-9])$" "in groups ($(grep '^[A-Z].*:$' "$WORK/help" | tr -d : | tr '\n' ',' ))"
sed -n 's/^| \([^|]*\)|.*/\1/p' "$top_srcdir/README" | grep -o -- '--[a-z0-9-]*' | sed 's/^--//' |
    sort -u > "$WORK/readme.opts"
is "$(comm -3 "$WORK/help.opts" "$WORK/readme.opts" | tr -d '\t' | tr '\n' ' ')" "" \
    "the README's option table has exactly the options of --help"
grep -o '\\-\\-[a-z0-9\\-]*' "$top_srcdir/doc/h2cgi.8" | sed 's/\\-/-/g; s/^--//' | sort -u > "$WORK/man.opts"
is "$(comm -23 "$WORK/help.opts" "$WORK/man.opts" | tr '\n' ' ')" "" "h2cgi(8) names every option of --help"
done_testing
