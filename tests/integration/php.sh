#!/bin/sh
# PHP for real: Debian's php-fpm (a private pool on a unix socket, started
# here) behind a static route with a front controller and a *.php route;
# then php-cgi spawned by h2cgi as a route of its own.
. "$(dirname "$0")/lib.sh"
need curl
need php-cgi
S=$WORK/site
mkdir -p "$S/uploads"
cat > "$S/index.php" <<'EOF'
<?php header('Content-Type: text/plain');
echo "front ", $_SERVER['REQUEST_URI'], " ", $_SERVER['SCRIPT_NAME'], " ", $_SERVER['QUERY_STRING'], "\n";
EOF
cat > "$S/info.php" <<'EOF'
<?php header('Content-Type: text/plain');
foreach (['SCRIPT_NAME', 'PATH_INFO', 'SCRIPT_FILENAME', 'DOCUMENT_ROOT', 'PATH_TRANSLATED',
          'REQUEST_URI', 'QUERY_STRING', 'HTTPS', 'REQUEST_METHOD', 'APP_MODE'] as $k)
    echo $k, "=", $_SERVER[$k] ?? '', "\n";
EOF
cat > "$S/form.php" <<'EOF'
<?php header('Content-Type: text/plain'); echo "hello ", $_POST['name'] ?? '?', "\n";
EOF
cat > "$S/upload.php" <<'EOF'
<?php header('Content-Type: text/plain');
$f = $_FILES['f'] ?? null;
if (!$f || $f['error']) { echo "upload error ", $f['error'] ?? 'none', "\n"; exit; }
echo $f['size'], " ", md5_file($f['tmp_name']), "\n";
EOF
cat > "$S/cookies.php" <<'EOF'
<?php setcookie('a', '1'); setcookie('b', '2'); setcookie('c', '3');
header('Content-Type: text/plain'); echo "three\n";
EOF
cat > "$S/go.php" <<'EOF'
<?php header('Location: /info.php?from=go'); echo "moved\n";
EOF
cat > "$S/count.php" <<'EOF'
<?php session_start(); $_SESSION['n'] = ($_SESSION['n'] ?? 0) + 1;
header('Content-Type: text/plain'); echo "visit ", $_SESSION['n'], "\n";
EOF
printf '<?php echo "pwned\\n";\n' > "$S/uploads/x.jpg"
printf 'notes <?php echo "pwned\\n"; ?>\n' > "$S/notes.txt"
printf 'h1 { color: blue }\n' > "$S/style.css"
SR=$(cd "$S" && pwd -P)

start_php_fpm

start_h2cgi --route / --static "$S" --index index.php --fallback /index.php \
    --route '*.php' --fastcgi "unix:$WORK/php.sock" --docroot "$S" --env APP_MODE=test

info=$($CURL "$URL/info.php/a/b%20c?q=1")
var() { printf '%s\n' "$info" | sed -n "s/^$1=//p"; }
is "$(var SCRIPT_NAME)" "/info.php" "php-fpm: SCRIPT_NAME is the script"
is "$(var PATH_INFO)" "/a/b c" "php-fpm: PATH_INFO split off and decoded"
is "$(var SCRIPT_FILENAME)" "$SR/info.php" "php-fpm: SCRIPT_FILENAME"
is "$(var DOCUMENT_ROOT)" "$SR" "php-fpm: DOCUMENT_ROOT"
is "$(var PATH_TRANSLATED)" "$SR/a/b c" "php-fpm: PATH_TRANSLATED"
is "$(var REQUEST_URI)" "/info.php/a/b%20c?q=1" "php-fpm: REQUEST_URI as sent"
is "$(var QUERY_STRING)" "q=1" "php-fpm: QUERY_STRING"
is "$(var HTTPS)" "on" "php-fpm: HTTPS=on over TLS"
is "$(var APP_MODE)" "test" "--env reaches the script"
is "$($CURL -d name=world "$URL/form.php")" "hello world" "a POST form"
head -c 5000000 /dev/urandom > "$WORK/upload.bin"
is "$($CURL -F "f=@$WORK/upload.bin" "$URL/upload.php")" "5000000 $(md5sum < "$WORK/upload.bin" | cut -d' ' -f1)" \
    "a 5 MB multipart upload arrives whole (size and MD5)"
cookies=$($CURL -D - -o /dev/null "$URL/cookies.php" | tr -d '\r' | grep -i '^set-cookie:' | sed 's/^[^:]*: //' | tr '\n' ' ')
is "$cookies" "a=1 b=2 c=3 " "three Set-Cookie fields stay three over HTTP/2"
cookies=$($CURL --http1.1 -D - -o /dev/null "$URL/cookies.php" | tr -d '\r' | grep -i '^set-cookie:' | sed 's/^[^:]*: //' | tr '\n' ' ')
is "$cookies" "a=1 b=2 c=3 " "and over HTTP/1.1"
go=$($CURL -D - -o /dev/null "$URL/go.php" | tr -d '\r')
like "$(printf '%s\n' "$go" | head -1)" " 302" "header('Location: ...') is a client redirect (302)"
is "$(printf '%s\n' "$go" | sed -n 's/^[Ll]ocation: //p')" "/info.php?from=go" "with its Location"
is "$($CURL -c "$WORK/jar" -b "$WORK/jar" "$URL/count.php")" "visit 1" "a session: first visit"
is "$($CURL -c "$WORK/jar" -b "$WORK/jar" "$URL/count.php")" "visit 2" "a session: the second request remembers"
is "$($CURL "$URL/wiki/some/page?id=x")" "front /wiki/some/page?id=x /index.php id=x" \
    "--fallback: a path naming no file goes to the front controller, REQUEST_URI kept"
is "$($CURL "$URL/")" "front / /index.php " "/: the index is index.php, run by the *.php route"
is "$($CURL "$URL/style.css")" "h1 { color: blue }" "static files beside PHP"
is "$($CURL -D - -o /dev/null "$URL/style.css" | tr -d '\r' | sed -n 's/^content-type: //p')" "text/css" "style.css is text/css, not text/html"
got=$($CURL "$URL/uploads/x.jpg/y.php")
is "$(printf '%s' "$got" | grep -c pwned)" "0" "/uploads/x.jpg/y.php runs nothing (the cgi.fix_pathinfo hole)"
is "$($CURL "$URL/uploads/x.jpg")" '<?php echo "pwned\n";' "an uploaded .jpg is sent as it is"
is "$($CURL "$URL/notes.txt")" 'notes <?php echo "pwned\n"; ?>' "a .txt holding PHP is sent as text, never run"
is "$($CURL "$URL/missing.php")" "front /missing.php /index.php " "a .php that does not exist is no script: the front controller answers"
stop_h2cgi

# php-fpm gone: its only address is down, 503 at once, with a line naming
# the route, the address and the reason
kill "$FPM_PID"; wait "$FPM_PID" 2>/dev/null
start_h2cgi --route '*.php' --fastcgi "unix:$WORK/php.sock" --docroot "$S" --route / --static "$S"
is "$($CURL -o /dev/null -w '%{http_code}' "$URL/info.php")" "503" "php-fpm down: 503"
like "$(cat "$ERRLOG")" "503: route \*\.php \(fastcgi unix:$WORK/php\.sock\): every backend address is down \(last: unix:$WORK/php\.sock: " "logged with the route, the backend and the reason"
stop_h2cgi

# php-cgi spawned by h2cgi, as its own route
start_h2cgi --route '*.php' --spawn php-cgi --procs 2 --docroot "$S" --route / --static "$S"
info=$($CURL "$URL/info.php/x/y?z=1")
is "$(var SCRIPT_NAME):$(var PATH_INFO):$(var SCRIPT_FILENAME)" "/info.php:/x/y:$SR/info.php" \
    "php-cgi (--spawn): SCRIPT_NAME, PATH_INFO, SCRIPT_FILENAME"
is "$($CURL -d name=cgi "$URL/form.php")" "hello cgi" "php-cgi: a POST form"
is "$($CURL "$URL/notes.txt")" 'notes <?php echo "pwned\n"; ?>' "php-cgi: notes.txt is sent as it is, not run"
stop_h2cgi
# php-cgi as a "#!" CGI script: it gets REDIRECT_STATUS, so no "Security Alert"
mkdir -p "$WORK/cgi"
printf '#!/usr/bin/php-cgi\n<?php header("Content-Type: text/plain"); echo "shebang php ", $_SERVER["PATH_INFO"] ?? "", "\n";\n' > "$WORK/cgi/page.php"
chmod 755 "$WORK/cgi/page.php"
start_h2cgi --route /cgi-bin/ --cgi-dir "$WORK/cgi"
is "$($CURL "$URL/cgi-bin/page.php/x")" "shebang php /x" "a #!/usr/bin/php-cgi CGI script runs (REDIRECT_STATUS=200)"
stop_h2cgi
"$BIN" --listen 127.0.0.1:0 --route / --spawn php-cgi --docroot "$S" $ROOTOPT 2>"$WORK/e"; rc=$?
is "$rc" "64" "php-cgi on a prefix route with a docroot: refused at start"
like "$(cat "$WORK/e")" "'php-cgi' would run every file under --docroot .* as a script" "and says why"
echo "1..$T"
[ "$FAILS" -eq 0 ]
