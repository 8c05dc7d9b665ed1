#!/bin/sh
# Error paths: 400, 403, 404, 413, 502, 503, 504; each with a log line.
. "$(dirname "$0")/lib.sh"
need curl
# a private CGI dir with a symlink that leads out of it
D=$WORK/cgi
mkdir -p "$D" "$WORK/outside"
cp "$CGI/hello.cgi" "$CGI/noexec.cgi" "$CGI/slow.cgi" "$D/"
chmod 644 "$D/noexec.cgi"
cp "$CGI/hello.cgi" "$WORK/outside/secret.cgi"
# a link out of the directory runs only when root owns it or its owner
# owns the target (SymLinksIfOwnerMatch): Debian's /usr/lib/cgi-bin links
if [ "$(id -u)" = 0 ]; then
    ln -s ../outside/secret.cgi "$D/escape.cgi"
    chown -h nobody "$D/escape.cgi"
    ln -s ../outside/secret.cgi "$D/debian.cgi"
else
    ln -s /bin/true "$D/escape.cgi" # root's file, the tester's link
fi
ln -s hello.cgi "$D/inside.cgi"
mkdir "$D/subdir"
printf '#!/bin/sh\nsleep 5\nprintf "Content-Type: text/plain\\r\\n\\r\\nlate\\n"\n' > "$D/sleepy.cgi"
chmod 755 "$D/sleepy.cgi"
start_h2cgi --cgi-dir "$D" --procs 2 --max-body 1000 --script-timeout 1

code() { $CURL -o /dev/null -w '%{http_code}' "$@"; }
is "$(code "$URL/cgi-bin/missing.cgi")" "404" "missing script: 404"
is "$(code "$URL/nowhere")" "404" "path outside the CGI prefix with no other backend: 404"
is "$(code "$URL/cgi-bin/noexec.cgi")" "403" "script not executable: 403"
like "$(cat "$ERRLOG")" "noexec\.cgi is not executable" "403 logged with the reason"
is "$(code "$URL/cgi-bin/subdir")" "403" "directory: 403"
is "$(code "$URL/cgi-bin/escape.cgi")" "403" "symlink leading out of the CGI dir: 403"
like "$(cat "$ERRLOG")" "escape\.cgi: a symlink owned by uid [0-9]+ to a file of uid [0-9]+ leads out of .*: refused" "escape logged, naming the owners"
if [ "$(id -u)" = 0 ]; then
    is "$($CURL "$URL/cgi-bin/debian.cgi")" "Hello, world" "a root-owned symlink out of the CGI dir (as Debian installs them): runs"
else
    echo "ok $((T = T + 1)) - # SKIP root-owned symlinks need root to make"
fi
is "$(code "$URL/cgi-bin/inside.cgi")" "200" "symlink inside the CGI dir: allowed"
is "$(code --path-as-is "$URL/cgi-bin/../outside/secret.cgi")" "400" "'..' segment: 400"
is "$(code "$URL/cgi-bin/%2e%2e/outside/secret.cgi")" "400" "encoded '..' segment: 400"
is "$(code "$URL/cgi-bin/a%00b")" "400" "encoded NUL: 400"

head -c 2000 /dev/zero > "$WORK/2k"
is "$(code --data-binary @"$WORK/2k" "$URL/cgi-bin/hello.cgi")" "413" "Content-Length over --max-body: 413"
like "$(cat "$ERRLOG")" "413: Content-Length over --max-body" "413 logged"
if "$PYTHON3" -c 'import h2' 2>/dev/null; then
    out=$($FRAMES "$PORT" events POST /cgi-bin/hello.cgi --body "$WORK/2k" --no-length)
    like "$out" '":status", "413"' "body without length over --max-body: 413"
fi
head -c 1000 /dev/zero > "$WORK/1k"
is "$(code --data-binary @"$WORK/1k" "$URL/cgi-bin/hello.cgi")" "200" "body of exactly --max-body: accepted"

is "$(code "$URL/cgi-bin/sleepy.cgi")" "504" "script over --script-timeout before its headers: 504"
like "$(cat "$ERRLOG")" "sleepy\.cgi killed after --timeout 1 s" "timeout logged"
$CURL -o "$WORK/slow.out" "$URL/cgi-bin/slow.cgi?5"
rc=$?
is "$rc:$(cat "$WORK/slow.out")" "92:started" "timeout after the headers: the stream is reset (curl exit 92), partial body"

# 431: a header block over --max-header-list-size
stop_h2cgi
start_h2cgi --cgi-dir "$D" --procs 1 --max-header-list-size 2k
big=$(head -c 3000 /dev/zero | tr '\0' x)
is "$(code -H "X-Big: $big" "$URL/cgi-bin/hello.cgi")" "431" "header block over --max-header-list-size: 431"
like "$(cat "$ERRLOG")" "431: request header block over --max-header-list-size" "431 logged"
# 502: a CGI header block over --max-header-block
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\nX-Big: %%04000d\\r\\n\\r\\nx" 0\n' > "$D/bighdr.cgi"
chmod 755 "$D/bighdr.cgi"
stop_h2cgi
start_h2cgi --cgi-dir "$D" --procs 1 --max-header-block 2k
is "$(code "$URL/cgi-bin/bighdr.cgi")" "502" "CGI header block over --max-header-block: 502"
like "$(cat "$ERRLOG")" "502: malformed CGI response: header block too large" "502 logged"
done_testing
