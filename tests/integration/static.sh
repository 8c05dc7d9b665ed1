#!/bin/sh
# --static: types, validators and 304, one range (206/416), .gz variants,
# HEAD, dotfiles, symlinks out, directories (301, index), other methods,
# a 1 GB sparse file in constant memory; the JSON access log.
. "$(dirname "$0")/lib.sh"
need curl gzip
need_h2py
W=$WORK/www
mkdir -p "$W/docs" "$W/.git" "$W/img" "$WORK/secret"
printf 'body { color: red }\n' > "$W/style.css"
printf '<h1>home</h1>\n' > "$W/index.html"
printf 'docs\n' > "$W/docs/index.html"
printf '[core]\n' > "$W/.git/config"
printf 'x' > "$W/.htpasswd"
printf '\211PNG\r\n' > "$W/img/logo.png"
printf 'data' > "$W/blob.unknownext"
seq 1 2000 > "$W/app.js"
gzip -9 -k "$W/app.js"
printf 'top secret\n' > "$WORK/secret/s.txt"
ln -s ../secret/s.txt "$W/leak.txt"
ln -s style.css "$W/alias.css"
truncate -s 1G "$W/big.bin"
start_h2cgi --route / --static "$W" --access-log "$WORK/access.log" --access-log-format json

hdr() { # URL [curl args]: the response head, lower-case names, no CR
    u=$1; shift
    $CURL -s -o /dev/null -D - "$@" "$u" | tr -d '\r' | sed 's/^\([^:]*\):/\L\1:/'
}
field() { sed -n "s/^$1: //p"; }
code() { $CURL -o /dev/null -w '%{http_code}' "$@"; }

h=$(hdr "$URL/style.css")
is "$(printf '%s\n' "$h" | field content-type)" "text/css" "type from /etc/mime.types: text/css"
is "$(printf '%s\n' "$h" | field content-length)" "20" "content-length"
like "$(printf '%s\n' "$h" | field date)" "^[A-Z][a-z]{2}, [0-9]{2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} GMT$" "a Date (RFC 9110 §6.6.1)"
etag=$(printf '%s\n' "$h" | field etag)
lm=$(printf '%s\n' "$h" | field last-modified)
like "$etag" '^"[0-9a-f]+-[0-9a-f]+"$' "a strong ETag"
is "$($CURL "$URL/style.css")" "body { color: red }" "the file's bytes"
is "$(hdr "$URL/img/logo.png" | field content-type)" "image/png" "image/png"
is "$(hdr "$URL/blob.unknownext" | field content-type)" "application/octet-stream" "unknown extension: application/octet-stream"

# conditionals (RFC 9110 §13)
is "$(code -H "If-None-Match: $etag" "$URL/style.css")" "304" "If-None-Match with the ETag: 304"
is "$(code -H "If-None-Match: \"other\", W/$etag" "$URL/style.css")" "304" "If-None-Match list, weak comparison: 304"
is "$(code -H 'If-None-Match: "other"' "$URL/style.css")" "200" "If-None-Match with another ETag: 200"
is "$(code -H "If-Modified-Since: $lm" "$URL/style.css")" "304" "If-Modified-Since the Last-Modified: 304"
is "$(code -H 'If-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT' "$URL/style.css")" "200" "modified since 2000: 200"
is "$(code -H 'If-None-Match: "other"' -H "If-Modified-Since: $lm" "$URL/style.css")" "200" \
    "If-None-Match wins over If-Modified-Since (§13.2.2)"
is "$($CURL -H "If-None-Match: $etag" "$URL/style.css" | wc -c)" "0" "304: no body"

# one range (RFC 9110 §14)
is "$($CURL -r 5-9 "$URL/style.css")" "{ col" "Range 5-9: those bytes"
h=$(hdr "$URL/style.css" -r 5-9)
like "$(printf '%s\n' "$h" | head -1)" " 206" "206 Partial Content"
is "$(printf '%s\n' "$h" | field content-range)" "bytes 5-9/20" "Content-Range"
is "$($CURL -H 'Range: bytes=-4' "$URL/style.css" | od -An -c | tr -s ' ')" " d } \n" "suffix range: the last 4 bytes"
is "$($CURL -H 'Range: bytes=15-' "$URL/style.css" | wc -c)" "5" "open range: to the end"
is "$(code -H 'Range: bytes=20-30' "$URL/style.css")" "416" "range past the end: 416"
is "$(hdr "$URL/style.css" -H 'Range: bytes=20-' | field content-range)" "bytes */20" "416 says the length"
is "$(code -H 'Range: bytes=0-1,4-5' "$URL/style.css")" "200" "several ranges: the whole file (200)"
is "$(code -H 'Range: lines=1-2' "$URL/style.css")" "200" "unknown range unit: ignored"
is "$(code -H 'Range: bytes=0-1' -H 'If-Range: "old"' "$URL/style.css")" "200" "If-Range with an old ETag: the whole file"
is "$(code -H 'Range: bytes=0-1' -H "If-Range: $etag" "$URL/style.css")" "206" "If-Range with the ETag: 206"

# precompressed variants
h=$(hdr "$URL/app.js" -H 'Accept-Encoding: gzip, br')
is "$(printf '%s\n' "$h" | field content-encoding)" "gzip" "Accept-Encoding gzip: the .gz variant"
is "$(printf '%s\n' "$h" | field content-type)" "text/javascript" "with the type of the original"
is "$(printf '%s\n' "$h" | field vary)" "accept-encoding" "Vary: accept-encoding"
is "$($CURL -H 'Accept-Encoding: gzip' "$URL/app.js" | cmp - "$W/app.js.gz" && echo same)" "same" "the .gz bytes"
is "$($CURL --compressed "$URL/app.js" | cmp - "$W/app.js" && echo same)" "same" "decoded by the client: the original"
h=$(hdr "$URL/app.js" -H 'Accept-Encoding: gzip;q=0, identity')
is "$(printf '%s\n' "$h" | field content-encoding)" "" "gzip;q=0: the original"
is "$(printf '%s\n' "$h" | field vary)" "accept-encoding" "still Vary"
is "$($CURL "$URL/app.js" | cmp - "$W/app.js" && echo same)" "same" "no Accept-Encoding: the original"
like "$(hdr "$URL/app.js" -H 'Accept-Encoding: gzip' | field etag)" '-gz"$' "the variant has its own ETag"

# HEAD
h=$(hdr "$URL/style.css" -I)
is "$(printf '%s\n' "$h" | field content-length)" "20" "HEAD: the length"
is "$($CURL -I -s "$URL/style.css" | tr -d '\r' | sed -n '/^$/,$p' | wc -c)" "1" "HEAD: no body"

# what is never served
is "$(code "$URL/.git/config")" "404" "a file under a dot directory: 404"
is "$(code "$URL/.htpasswd")" "404" "a dotfile: 404"
is "$(code "$URL/leak.txt")" "404" "a symlink out of the directory: 404"
like "$(cat "$ERRLOG")" "GET /leak.txt: 404: route /: the file's real path leaves the route's directory" "logged"
is "$($CURL "$URL/alias.css")" "body { color: red }" "a symlink inside the directory: served"
is "$(code "$URL/nothere.css")" "404" "a missing file: 404"
is "$(code --path-as-is "$URL/docs/../../secret/s.txt")" "400" "'..': 400"
is "$(code -X POST -d x "$URL/style.css")" "405" "POST: 405"
is "$(hdr "$URL/style.css" -X DELETE | field allow)" "GET, HEAD" "405 says Allow: GET, HEAD"

# directories
h=$(hdr "$URL/docs")
like "$(printf '%s\n' "$h" | head -1)" " 301" "a directory without its slash: 301"
is "$(printf '%s\n' "$h" | field location)" "/docs/" "to the path with the slash"
is "$(hdr "$URL/docs?x=1" | field location)" "/docs/?x=1" "the query kept"
is "$($CURL "$URL/docs/")" "docs" "the index file"
is "$($CURL "$URL/")" "<h1>home</h1>" "/ is the top index"
is "$(code "$URL/img/")" "404" "a directory without an index: 404 (no listings)"
is "$($CURL --http1.1 -r 0-3 "$URL/style.css")" "body" "HTTP/1.1: a range too"

# 1 GB in constant memory
rss() { sed -n 's/^VmRSS: *\([0-9]*\) kB/\1/p' "/proc/$PID/status"; }
before=$(rss)
got=$($CURL -o /dev/null -w '%{size_download}' "$URL/big.bin")
after=$(sed -n 's/^VmHWM: *\([0-9]*\) kB/\1/p' "/proc/$PID/status")
is "$got" "1073741824" "a 1 GB file downloaded whole"
ok "$([ $((after - before)) -lt 16384 ]; echo $?)" "peak RSS grew by $((after - before)) kB (< 16 MB) for 1 GB"

# a client that reads nothing of a large file loses it at --send-timeout
# (the file's descriptor with it)
stop_h2cgi
start_h2cgi --route / --static "$W" --send-timeout 2
out=$($FRAMES "$PORT" noread 2 /big.bin 15)
like "$out" "^reset INTERNAL_ERROR after [1-5]\.[0-9] s; reset INTERNAL_ERROR after [1-5]\.[0-9] s$" \
    "a client that never reads a 1 GB file: both streams reset at --send-timeout 2 ($out)"
like "$(cat "$ERRLOG")" "big\.bin: response cut: the client read nothing for --send-timeout" "logged"
is "$(ls -l /proc/$PID/fd | grep -c big.bin)" "0" "the file is closed"
stop_h2cgi
ERRLOG=$WORK/error.log
start_h2cgi --route / --static "$W" --access-log "$WORK/access.log" --access-log-format json

# the JSON access log (one object per line, what log shippers take)
line=$(grep '"/style.css"' "$WORK/access.log" | head -1)
is "$(printf '%s' "$line" | "$PYTHON3" -c '
import json, sys
e = json.loads(sys.stdin.read())
print(e["method"], e["path"], e["protocol"], e["status"], e["bytes_out"], e["route"], e["backend"].split()[0],
      e["client"], type(e["port"]).__name__, type(e["stream"]).__name__, type(e["duration"]).__name__, e["bytes_in"])
')" "GET /style.css HTTP/2.0 200 20 / static 127.0.0.1 int int float 0" \
    "JSON access log: method, path, protocol, status, bytes, route, backend, client, port, stream, duration"
$CURL -o /dev/null "$URL/q%22uote%5C.css?\"x\"" 2>/dev/null
like "$(tail -1 "$WORK/access.log" | "$PYTHON3" -c 'import json,sys; print(json.loads(sys.stdin.read())["path"])')" \
    'q%22uote%5C\.css' "a quote in the path stays valid JSON"
stop_h2cgi
echo "1..$T"
[ "$FAILS" -eq 0 ]
