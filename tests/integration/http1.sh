#!/bin/sh
# HTTP/1.1 (and 1.0) over TLS and cleartext, through the same path as HTTP/2.
. "$(dirname "$0")/lib.sh"
need curl
need_h2py
start_h2cgi --cgi-dir "$CGI" --procs 2 --alt-svc 'h2=":443"' --access-log "$WORK/access.log"
U=$URL/cgi-bin

is "$($CURL --http1.1 -w ' %{http_code} %{http_version}' "$U/hello.cgi")" "Hello, world
 200 1.1" "curl --http1.1 over TLS (ALPN http/1.1)"
is "$($CURL --http2 -o /dev/null -w '%{http_version}' "$U/hello.cgi")" "2" "same port: ALPN h2 still gives HTTP/2"
is "$($CURL --http1.1 --no-alpn -o /dev/null -w '%{http_version}' "$U/hello.cgi")" "1.1" "a client without ALPN gets HTTP/1.1"
env=$($CURL --http1.1 "$U/env.cgi")
like "$env" "SERVER_PROTOCOL=HTTP/1.1" "SERVER_PROTOCOL=HTTP/1.1"
like "$env" "HTTPS=on" "HTTPS=on over TLS"
like "$env" "HTTP_HOST=127.0.0.1:$PORT" "HTTP_HOST from Host"
is "$(printf '%s\n' "$env" | grep -c '^HTTP_CONNECTION=')" "0" "no HTTP_CONNECTION (hop-by-hop)"
hdrs=$($CURL --http1.1 -D- -o /dev/null "$U/hello.cgi" | tr -d '\r')
like "$hdrs" "alt-svc: h2=\":443\"" "--alt-svc on HTTP/1.1 responses"

out=$($CURL --http1.1 -v "$U/hello.cgi" "$U/env.cgi" 2>&1)
like "$out" "Re-using existing connection" "keep-alive: the second request reuses the connection"

hdrs=$($CURL --http1.1 -D- "$U/stream.cgi" | tr -d '\r')
like "$hdrs" "transfer-encoding: chunked" "a response without length is chunked"
like "$hdrs" "chunk 5" "and complete"
is "$($CURL --http1.1 -D- -o /dev/null "$U/download.cgi?1000" | tr -d '\r' | grep -ci 'transfer-encoding')" "0" \
    "a response with Content-Length is not chunked"

head -c 2000000 /dev/urandom > "$WORK/2m"
want=$(sha256sum < "$WORK/2m" | cut -d' ' -f1)
is "$($CURL --http1.1 --data-binary @"$WORK/2m" "$U/upload.cgi")" "length=2000000
sha256=$want" "2 MB upload with Content-Length"
is "$($CURL --http1.1 -H 'Transfer-Encoding: chunked' --data-binary @"$WORK/2m" "$U/upload.cgi")" "length=2000000
sha256=$want" "2 MB chunked upload: whole, with the right CONTENT_LENGTH"
is "$($CURL --http1.1 --data-binary @"$WORK/2m" "$U/echo.cgi" | sha256sum | cut -d' ' -f1)" "$want" "2 MB echoed back"

out=$($CURL --http1.1 -v -H 'Expect: 100-continue' -d 'a=1' "$U/form.cgi" 2>&1)
like "$out" "< HTTP/1.1 100 Continue" "Expect: 100-continue gets 100 Continue"
like "$out" "body=a=1" "then the body goes through"

out=$($CURL --http1.1 -v "$U/early-hints.cgi" 2>&1 | grep '^< HTTP' | tr -d '\r' | tr '\n' ' ')
is "$out" "< HTTP/1.1 103 Early Hints < HTTP/1.1 200 OK " "103 relayed as HTTP/1.1 103 before the 200"
out=$($CURL --http1.0 -v "$U/early-hints.cgi" 2>&1 | grep '^< HTTP' | tr -d '\r' | tr '\n' ' ')
is "$out" "< HTTP/1.1 200 OK " "no 103 for an HTTP/1.0 client"
hdrs=$($CURL --http1.0 -D- "$U/stream.cgi" | tr -d '\r')
like "$hdrs" "connection: close" "HTTP/1.0 without length: close-delimited"
like "$hdrs" "chunk 5" "and complete"
is "$($CURL --http1.1 -o /dev/null -w '%{http_code}' "$U/nope.cgi")" "404" "errors over HTTP/1.1"
is "$($CURL --http1.1 -I -o /dev/null -w '%{http_code}' "$U/hello.cgi")" "200" "HEAD over HTTP/1.1"
sleep 0.2
like "$(cat "$WORK/access.log")" '"GET /cgi-bin/hello.cgi HTTP/1.1" 200 13' "access log names the protocol"
stop_h2cgi

# raw bytes over cleartext: pipelining and smuggling
start_h2cgi --cleartext --cgi-dir "$CGI" --procs 2
raw() { # bytes -> everything the server sent before closing (or 5 s)
    "$PYTHON3" -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(sys.argv[2].encode().decode("unicode_escape").encode("latin-1"))
s.settimeout(5)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d: break
        out += d
except socket.timeout:
    out += b"[still open]"
sys.stdout.write(out.decode("latin-1"))' "$PORT" "$1"
}
out=$(raw 'GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: a\r\n\r\nGET /cgi-bin/status.cgi?418 HTTP/1.1\r\nHost: a\r\n\r\nGET /cgi-bin/env.cgi HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n' | tr -d '\r')
like "$(printf '%s' "$out" | grep '^HTTP/1.1' | tr '\n' ' ')" "^HTTP/1.1 200 OK HTTP/1.1 418  HTTP/1.1 200 OK $" "3 pipelined requests answered in order"
like "$out" "SCRIPT_NAME=/cgi-bin/env.cgi" "the third one is env.cgi's"
T=$((T + 1)); case "$out" in *"[still open]"*) echo "not ok $T - Connection: close closes"; FAILS=$((FAILS + 1));; *) echo "ok $T - Connection: close closes after the response";; esac

out=$(raw 'GET http://example.org:8080/cgi-bin/env.cgi?x=1 HTTP/1.1\r\nHost: other\r\nConnection: close\r\n\r\n' | tr -d '\r' | grep -E '^(HTTP_HOST|SCRIPT_NAME|QUERY_STRING|REQUEST_URI)=' | tr '\n' ' ')
is "$out" "HTTP_HOST=example.org:8080 QUERY_STRING=x=1 REQUEST_URI=/cgi-bin/env.cgi?x=1 SCRIPT_NAME=/cgi-bin/env.cgi " \
    "absolute-form target: the authority and path come from it (RFC 9112 §3.2.2)"

smuggle() { # name bytes status
    out=$(raw "$2" | tr -d '\r')
    like "$(printf '%s' "$out" | head -1)" "^HTTP/1.1 $3 " "$1: $3"
    T=$((T + 1)); case "$out" in *"[still open]"*) echo "not ok $T - $1: connection closed"; FAILS=$((FAILS + 1));;
    *) echo "ok $T - $1: connection closed";; esac
}
smuggle "Content-Length with Transfer-Encoding" 'POST /cgi-bin/form.cgi HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: a\r\n\r\n' 400
smuggle "duplicate Content-Length" 'POST /cgi-bin/form.cgi HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc' 400
smuggle "Transfer-Encoding not chunked last" 'POST /cgi-bin/form.cgi HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked, identity\r\n\r\n' 400
smuggle "bad chunk size" 'POST /cgi-bin/form.cgi HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n' 400
smuggle "space before the colon" 'GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost : a\r\n\r\n' 400
smuggle "no Host" 'GET /cgi-bin/hello.cgi HTTP/1.1\r\n\r\n' 400
smuggle "HTTP/1.2" 'GET /cgi-bin/hello.cgi HTTP/1.2\r\nHost: a\r\n\r\n' 505
like "$(cat "$ERRLOG")" "HTTP/1.1 request refused: 400: both Content-Length and Transfer-Encoding" "refusals are logged with the reason"
like "$(cat "$ERRLOG")" "400: malformed chunked request body" "bad chunk logged"

# cleartext HTTP/1.1, and h2c by Upgrade
is "$(curl -s --http1.1 --max-time 10 "http://127.0.0.1:$PORT/cgi-bin/hello.cgi")" "Hello, world" "plain HTTP/1.1 on the cleartext port"
out=$(curl -s --http2 --max-time 10 -v "http://127.0.0.1:$PORT/cgi-bin/env.cgi" 2>&1 | tr -d '\r')
like "$out" "< HTTP/1.1 101 Switching Protocols" "curl --http2 on http://: 101 Switching Protocols"
like "$out" "< HTTP/2 200" "then the response over HTTP/2 (stream 1)"
like "$out" "REQUEST_SCHEME=http" "the upgraded request reached the script"
if command -v nghttp >/dev/null; then
    out=$(nghttp -u -v "http://127.0.0.1:$PORT/cgi-bin/early-hints.cgi" 2>&1)
    like "$out" "HTTP Upgrade success" "nghttp -u: upgrade"
    like "$(printf '%s' "$out" | grep -E 'stream_id=1\) :status' | tr '\n' ' ')" ":status: 103.*:status: 200" "103 then 200 on the upgraded stream 1"
fi
# a malformed HTTP2-Settings: 400 on HTTP/1.1, not a 101 and a silent close
h2c() { # HTTP2-Settings value: the status line of the answer
    printf 'GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: %s\r\n\r\n' "$1" |
        timeout 10 "$PYTHON3" -c 'import socket,sys
s=socket.create_connection(("127.0.0.1",int(sys.argv[1])))
s.sendall(sys.stdin.buffer.read())
print(s.recv(200).split(b"\r\n")[0].decode())' "$PORT"
}
is "$(h2c 'not*base64')" "HTTP/1.1 400 Bad Request" "h2c: HTTP2-Settings not base64url: 400"
is "$(h2c "$(head -c 30000 /dev/zero | tr '\0' A)")" "HTTP/1.1 400 Bad Request" "h2c: a 30 KB HTTP2-Settings: 400"
is "$(h2c AAIAAAAC)" "HTTP/1.1 400 Bad Request" "h2c: ENABLE_PUSH 2 (RFC 9113 §6.5.2): 400"
is "$(h2c AAMAAABk)" "HTTP/1.1 101 Switching Protocols" "h2c: a valid one (MAX_CONCURRENT_STREAMS 100): 101"
like "$(cat "$ERRLOG")" "400: h2c upgrade with a malformed HTTP2-Settings" "logged"
stop_h2cgi

# HTTP/1.1 over TLS, 1000 requests (43 KB, 3 TLS records) pipelined in one
# write: reading pauses when the input is full (a 1 KiB head and window)
# while the rest of the client's records waits in h2cgi's read-ahead, not
# in the socket, where epoll would not say so; all must be answered (with
# no read_later on resume, it stalled after the first record's requests)
start_h2cgi --cgi-dir "$CGI" --procs 2 --max-header-list-size 1k --initial-window-size 1k
n=$(timeout 30 "$PYTHON3" -c '
import socket, ssl, sys
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
ctx.set_alpn_protocols(["http/1.1"])
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", int(sys.argv[1]))))
req = b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: a\r\n\r\n"
s.sendall(req * 999 + req.replace(b"\r\n\r\n", b"\r\nConnection: close\r\n\r\n"))
s.settimeout(10)
out = b""
try:
    while True:
        d = s.recv(65536)
        if not d:
            break
        out += d
except (socket.timeout, ssl.SSLError):
    pass
print(out.count(b"HTTP/1.1 200 OK"))' "$PORT")
is "$n" "1000" "TLS: 1000 pipelined requests in one write, reading paused and resumed: all answered"
done_testing
