#!/bin/sh
# Every example script through the real h2cgi, with curl --http2 and nghttp.
. "$(dirname "$0")/lib.sh"
need curl nghttp
start_h2cgi --cgi-dir "$CGI" --procs 2 --access-log "$WORK/access.log"

out=$($CURL -w '%{http_code} %{http_version}' "$URL/cgi-bin/hello.cgi")
is "$out" "Hello, world
200 2" "hello.cgi over HTTP/2: body, 200"

out=$($CURL -D- -o /dev/null "$URL/cgi-bin/hello.cgi" | tr -d '\r')
like "$out" "content-type: text/plain" "hello.cgi: Content-Type passed through, lower-cased"

out=$($CURL -d 'name=h2cgi&x=1' "$URL/cgi-bin/form.cgi")
is "$out" "method=POST
type=application/x-www-form-urlencoded
length=14
body=name=h2cgi&x=1" "form.cgi: POST body, CONTENT_TYPE and CONTENT_LENGTH reach the script"

head -c 3000000 /dev/urandom > "$WORK/up"
want=$(sha256sum < "$WORK/up" | cut -d' ' -f1)
out=$($CURL --data-binary @"$WORK/up" "$URL/cgi-bin/upload.cgi")
is "$out" "length=3000000
sha256=$want" "upload.cgi: 3 MB body arrives whole"

out=$($CURL "$URL/cgi-bin/download.cgi?5000000" | wc -c)
is "$out" "5000000" "download.cgi: 5 MB download"

out=$(nghttp -v "$URL/cgi-bin/early-hints.cgi" 2>&1)
like "$out" "recv \(stream_id=13\) :status: 103" "early-hints.cgi: nghttp sees a 103"
like "$(printf '%s' "$out" | grep -E ':status: (103|200)' | tr '\n' ' ')" ":status: 103.*:status: 200" "early-hints.cgi: 103 comes before 200"
like "$out" "link: </style.css>; rel=preload; as=style" "early-hints.cgi: the Link header is in the 103"

out=$($CURL "$URL/cgi-bin/stream.cgi" | tr '\n' ' ')
is "$out" "chunk 1 chunk 2 chunk 3 chunk 4 chunk 5 " "stream.cgi: every chunk"

out=$($CURL -D- -o /dev/null "$URL/cgi-bin/redirect.cgi" | tr -d '\r')
like "$out" "^HTTP/2 302" "redirect.cgi: client redirect is a 302"
like "$out" "location: https://example.org/elsewhere" "redirect.cgi: Location kept"

out=$($CURL -w ' %{http_code}' "$URL/cgi-bin/local-redirect.cgi")
is "$out" "Hello, world
 200" "local-redirect.cgi: served from the other script (RFC 3875 §6.2.2)"
out=$($CURL -d 'x=1' -H 'Cookie: sid=42' "$URL/cgi-bin/local-redirect.cgi?env" | grep -E '^(REQUEST_METHOD|QUERY_STRING|SCRIPT_NAME|HTTP_COOKIE|CONTENT_LENGTH|CONTENT_TYPE)=' | tr '\n' ' ')
is "$out" "HTTP_COOKIE=sid=42 QUERY_STRING=from=redirect REQUEST_METHOD=GET SCRIPT_NAME=/cgi-bin/env.cgi " \
    "local redirect of a POST: a GET of the new path, no body, other headers kept"

out=$($CURL -w '%{http_code}' -o /dev/null "$URL/cgi-bin/fail.cgi")
is "$out" "500" "fail.cgi: 500 when the script fails before its headers"
like "$(cat "$ERRLOG")" "stderr 127\.0\.0\.1:[0-9]+ #[0-9]+ route /cgi-bin/ /cgi-bin/fail\.cgi: fail\.cgi: cannot open the database" \
    "fail.cgi: its stderr is logged, tagged with the stream and script"
like "$(cat "$ERRLOG")" "fail\.cgi exited with status 3 before writing its headers" "fail.cgi: the runner logs why"

out=$($CURL -w '%{http_code}' -o /dev/null "$URL/cgi-bin/malformed.cgi")
is "$out" "502" "malformed.cgi: 502"
like "$(cat "$ERRLOG")" "malformed\.cgi: 502: malformed CGI response: header line without a colon" "malformed.cgi: logged"

out=$($CURL -w '%{http_code}' "$URL/cgi-bin/chatty.cgi")
is "$out" "fine
200" "chatty.cgi: stderr alone is not an error"

out=$($CURL -D- "$URL/cgi-bin/status.cgi?204" | tr -d '\r' | head -1)
is "$out" "HTTP/2 204 " "status.cgi: Status: 204 becomes the response status"
out=$($CURL -w '%{http_code}' "$URL/cgi-bin/status.cgi?418")
is "$out" "status 418
418" "status.cgi: Status: 418"

out=$($CURL -I "$URL/cgi-bin/hello.cgi" | tr -d '\r' | head -1)
is "$out" "HTTP/2 200 " "HEAD: headers only"

sleep 0.2
like "$(cat "$WORK/access.log")" '^127\.0\.0\.1 - - \[[0-9]{2}/[A-Z][a-z]{2}/[0-9]{4}:[0-9:]{8} \+0000\] "GET /cgi-bin/hello\.cgi HTTP/2\.0" 200 13 "-" "curl/[0-9.]+" "/cgi-bin/" [0-9.]+$' \
    "access log (combined): client, time, request, status, bytes, referer, agent; then route, duration"
# session tickets: a client that comes back resumes (no full handshake)
out=$("$PYTHON3" "$top_srcdir/tests/integration/resume.py" "$PORT" 3 | tr '\n' '|')
is "$out" "TLSv1_3: full resumed resumed|TLSv1_2: full resumed resumed|" "session tickets: TLS 1.3 and 1.2 clients resume"
done_testing
