#!/bin/sh
# A site of five routes at once (static /, *.php -> php-fpm, /cgi-bin/ ->
# the CGI runner, its /cgi-bin/static/ files, /app/ -> a libfcgi program):
# from the command line, then as h2cgi.conf(5)'s example from --config;
# --check on a good and a broken file; SIGHUP reloads the file.
. "$(dirname "$0")/lib.sh"
need curl
APP=$top_builddir/examples/fcgi/hints.fcgi
[ -x "$APP" ] || skip_all "examples/fcgi/hints.fcgi not built"
S=$WORK/site
G=$WORK/gitweb-static
mkdir -p "$S" "$G"
printf '<?php header("Content-Type: text/plain"); echo "php ", $_SERVER["SCRIPT_NAME"], " ", $_SERVER["REQUEST_URI"], "\\n";\n' > "$S/index.php"
cp "$S/index.php" "$S/info.php"
printf 'h1 { }\n' > "$S/style.css"
printf '/* gitweb */\n' > "$G/gitweb.css"

start_php_fpm

each_backend() { # how: every request reaches the route it should
    is "$($CURL "$URL/style.css")" "h1 { }" "$1: /style.css from the static route"
    is "$($CURL "$URL/info.php")" "php /info.php /info.php" "$1: /info.php through php-fpm"
    is "$($CURL "$URL/some/page")" "php /index.php /some/page" "$1: an unknown path to the front controller"
    is "$($CURL "$URL/")" "php /index.php /" "$1: / runs index.php"
    is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "$1: /cgi-bin/hello.cgi through the CGI runner"
    is "$($CURL "$URL/cgi-bin/static/gitweb.css")" "/* gitweb */" "$1: /cgi-bin/static/ (the longer prefix) is static"
    like "$($CURL "$URL/app/x")" "hello from hints\.fcgi" "$1: /app/ to the libfcgi program h2cgi spawned"
    routes=$(sed -n 's/.*" \([0-9]\{3\}\) [0-9]* "[^"]*" "[^"]*" "\([^"]*\)" [0-9.]*\( 103=[a-z,]*\)\{0,1\}$/\1 \2/p' "$WORK/access.log" | tr '\n' ',')
    is "$routes" "200 /,200 *.php,200 *.php,200 *.php,200 /cgi-bin/,200 /cgi-bin/static/,200 /app/," \
        "$1: the access log names the route that served each request (the fallback's and index's: *.php)"
}

: > "$WORK/access.log"
start_h2cgi --access-log "$WORK/access.log" \
    --route / --static "$S" --index index.php index.html --fallback /index.php \
    --route '*.php' --fastcgi "unix:$WORK/php.sock" --docroot "$S" \
    --route /cgi-bin/ --cgi-dir "$CGI" --env "GITWEB_CONFIG=/nonexistent" --pass-env PATH \
    --route /cgi-bin/static/ --static "$G" \
    --route /app/ --spawn "$APP" --procs 2
each_backend "command line"
stop_h2cgi

# the example of h2cgi.conf(5), with this test's directories
sed -n '/^\.\\" example-begin/,/^\.\\" example-end/p' "$top_srcdir/doc/h2cgi.conf.5" |
    sed -e '/^\.\\"/d' -e '/^\(listen\|cert\|key\|user\|access-log\|error-log\) /d' \
        -e "s|/var/www/site|$S|" -e "s|/run/php/php8.2-fpm.sock|$WORK/php.sock|" \
        -e "s|/usr/lib/cgi-bin|$CGI|" -e "s|/usr/share/gitweb/static|$G|" \
        -e "s|/usr/local/lib/h2cgi/app.fcgi|$APP|" > "$WORK/h2cgi.conf"
is "$(grep -c '^route' "$WORK/h2cgi.conf")" "5" "the man page's example has its five routes"
: > "$WORK/access.log"
start_h2cgi --config "$WORK/h2cgi.conf" --access-log "$WORK/access.log"
each_backend "--config"
is "$($CURL -D - -o /dev/null "$URL/style.css" | tr -d '\r' | sed -n 's/^server: //p')" "h2cgi" "server-header from the file"

# SIGHUP: a broken file is logged and changes nothing
cp "$WORK/h2cgi.conf" "$WORK/good.conf"
printf 'route /new/\n    static %s\nprocs many\n' "$G" >> "$WORK/h2cgi.conf"
kill -HUP "$PID"
logged "not loaded"
like "$(cat "$ERRLOG")" "SIGHUP: $WORK/h2cgi\.conf:[0-9]+: invalid procs 'many': expected N or MIN:MAX, 1\.\.1024" "SIGHUP, broken file: the problem logged with its line"
like "$(cat "$ERRLOG")" "SIGHUP: $WORK/h2cgi\.conf not loaded; keeping the running configuration" "and the running configuration kept"
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/new/gitweb.css")" "200" "(the old / route still serves /new/ through its fallback)"
is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "the old routes still serve"
# a good file: the new route is there, the unchanged backends keep running
apppids=$(pgrep -P "$PID" -f hints.fcgi | sort | tr '\n' ' ')
{ cat "$WORK/good.conf"; printf 'route /new/\n    static "%s"\n' "$G"; } > "$WORK/h2cgi.conf"
sed -i 's|^route /app/$|route /application/|' "$WORK/h2cgi.conf"
kill -HUP "$PID"
logged "reloaded"
like "$(cat "$ERRLOG")" "SIGHUP: $WORK/h2cgi\.conf reloaded: 6 routes" "SIGHUP, good file: reloaded"
is "$($CURL "$URL/new/gitweb.css")" "/* gitweb */" "the new route serves"
like "$($CURL "$URL/application/x")" "hello from hints\.fcgi" "a route renamed keeps its backend"
is "$($CURL "$URL/app/x" | head -c 4)" "php " "and the old prefix is gone (the front controller answers)"
is "$($CURL "$URL/info.php")" "php /info.php /info.php" "php-fpm still reached"
stop_h2cgi

# --workers 2: master and workers read the file again; a new spawned pool
# is started by the master and reached from every worker
cp "$WORK/good.conf" "$WORK/h2cgi.conf"
start_h2cgi --config "$WORK/h2cgi.conf" --workers 2
{ cat "$WORK/good.conf"; printf 'route /spawned/\n    spawn "%s"\n    procs 1\n' "$APP"; } > "$WORK/h2cgi.conf"
kill -HUP "$PID"
logged "reloaded"
sleep 0.3 # the workers follow the master's SIGHUP
n=0
for k in 1 2 3 4 5 6 7 8; do
    $CURL "$URL/spawned/x" | grep -q "hello from hints" && n=$((n + 1))
done
is "$n" "8" "--workers 2: a route added by SIGHUP answers from every worker (8 of 8)"
is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "--workers 2: the kept routes too"
stop_h2cgi

# --check
out=$("$BIN" --config "$WORK/good.conf" --check 2>&1); rc=$?
is "$rc" "0" "--check on a good file: exit 0"
is "$(printf '%s\n' "$out" | sed -n 's/^route //p' | tr '\n' ' ')" "*.php /cgi-bin/static/ /cgi-bin/ /app/ / " \
    "--check: the routes in match order"
like "$(printf '%s\n' "$out" | sed -n '/^route \*\.php/,/^route/p')" "fastcgi \"unix:$WORK/php\.sock\"" "--check: each with its backend"
cat > "$WORK/bad.conf" <<EOF
# a broken file
listen 127.0.0.1:0
bogus yes
route /
    static "$S"
    procs zero
route *.php
cgi-dir "$CGI" extra
route /x/
    static /nonexistent/dir
route "unterminated
EOF
out=$("$BIN" --config "$WORK/bad.conf" --check 2>&1); rc=$?
is "$rc" "1" "--check on a broken file: exit 1"
like "$out" "bad\.conf:3: unknown option 'bogus'" "--check: line 3, unknown option"
like "$out" "bad\.conf:6: invalid procs 'zero': expected N or MIN:MAX, 1\.\.1024" "--check: line 6, a bad number"
like "$out" "bad\.conf:8: cgi-dir takes one value" "--check: line 8, too many values"
like "$out" "bad\.conf:11: unterminated double quote" "--check: line 11, a quote"
like "$out" "bad\.conf:7: route \*\.php has no backend" "--check: line 7, a route without a backend"
printf 'route /\n    static "%s"\nroute /x/\n    static /nonexistent/dir\n' "$S" > "$WORK/bad2.conf"
out=$("$BIN" --config "$WORK/bad2.conf" --check 2>&1); rc=$?
is "$rc:$out" "1:$WORK/bad2.conf:3: route /x/: static /nonexistent/dir: No such file or directory" \
    "--check: a missing directory, with its line"
"$BIN" --route / --cgi-dir "$CGI" --static "$S" --check >/dev/null 2>"$WORK/e"; rc=$?
is "$rc:$(cat "$WORK/e")" "1:h2cgi: invalid --static '$S': a route has one backend: --cgi-dir, --spawn, --fastcgi or --static (see --help)" \
    "--check on a bad command line: exit 1, the problem and no usage text"
"$BIN" --cgi-dir "$CGI" --route /x/ --static "$S" 2>"$WORK/e"; rc=$?
is "$rc:$(head -1 "$WORK/e")" "64:h2cgi: with --route, every backend belongs to a route: put --cgi-dir after one (see --help)" \
    "a backend outside the routes, with routes: refused"
kill "$FPM_PID"; wait "$FPM_PID" 2>/dev/null
echo "1..$T"
[ "$FAILS" -eq 0 ]
