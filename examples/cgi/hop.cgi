#!/bin/sh
# Sends hop-by-hop headers, which must never reach the client, and others
# which must.
printf 'Content-Type: text/plain\r\n'
printf 'Connection: close, X-Private\r\n'
printf 'X-Private: named by Connection\r\n'
printf 'Keep-Alive: timeout=5\r\n'
printf 'Proxy-Connection: keep-alive\r\n'
printf 'Transfer-Encoding: chunked\r\n'
printf 'Upgrade: websocket\r\n'
printf 'TE: trailers\r\n'
printf 'HTTP2-Settings: AAMAAABkAAQAAP__\r\n'
printf 'X-Kept: yes\r\n'
printf 'Set-Cookie: a=1\r\n'
printf '\r\n'
echo "hop-by-hop test"
