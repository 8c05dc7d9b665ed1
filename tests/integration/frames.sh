#!/bin/sh
# HTTP/2 details seen by nghttp: our SETTINGS, flow control on responses.
. "$(dirname "$0")/lib.sh"
need nghttp
need_h2py
# the defaults, chosen for speed
start_h2cgi --cgi-dir "$CGI" --procs 1
out=$(nghttp -v "$URL/cgi-bin/hello.cgi" 2>&1)
like "$out" "SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):100" "default SETTINGS_MAX_CONCURRENT_STREAMS 100"
like "$out" "SETTINGS_INITIAL_WINDOW_SIZE\(0x04\):1048576" "default SETTINGS_INITIAL_WINDOW_SIZE 1m"
like "$out" "SETTINGS_MAX_FRAME_SIZE\(0x05\):16384" "default SETTINGS_MAX_FRAME_SIZE 16384, the protocol's initial value (h2spec http2/4.2/3)"
like "$out" "SETTINGS_MAX_HEADER_LIST_SIZE\(0x06\):65536" "default SETTINGS_MAX_HEADER_LIST_SIZE 64k"
like "$out" "recv WINDOW_UPDATE frame <length=4, flags=0x00, stream_id=0>
 *\(window_size_increment=4128769\)" "default connection window 4m (65535 + 4128769)"
stop_h2cgi

# each from its option
start_h2cgi --cgi-dir "$CGI" --procs 1 --max-concurrent-streams 50 --initial-window-size 32k \
    --connection-window-size 1m --max-frame-size 20000 --max-header-list-size 16k --stream-buffer 32k
out=$(nghttp -v "$URL/cgi-bin/hello.cgi" 2>&1)
like "$out" "SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):50" "SETTINGS_MAX_CONCURRENT_STREAMS from --max-concurrent-streams"
like "$out" "SETTINGS_INITIAL_WINDOW_SIZE\(0x04\):32768" "SETTINGS_INITIAL_WINDOW_SIZE from --initial-window-size"
like "$out" "SETTINGS_MAX_FRAME_SIZE\(0x05\):20000" "SETTINGS_MAX_FRAME_SIZE from --max-frame-size"
like "$out" "SETTINGS_MAX_HEADER_LIST_SIZE\(0x06\):16384" "SETTINGS_MAX_HEADER_LIST_SIZE from --max-header-list-size"
like "$out" "\(window_size_increment=983041\)" "connection window from --connection-window-size (65535 + 983041 = 1m)"
# a client window of 16 KB: the 1 MB response still arrives, paced by WINDOW_UPDATEs
out=$(nghttp -w 14 -W 14 "$URL/cgi-bin/download.cgi?1048576" | wc -c)
is "$out" "1048576" "1 MB through a 16 KB client window"
# the request body waits for the backend: window updates follow consumption
head -c 500000 /dev/urandom > "$WORK/b"
want=$(sha256sum < "$WORK/b" | cut -d' ' -f1)
out=$(nghttp -d "$WORK/b" "$URL/cgi-bin/upload.cgi")
like "$out" "sha256=$want" "500 KB upload through a 32 KB stream window"
stop_h2cgi

# RFC 9113 §5.1.1 (h2spec http2/5.1.1/2): HEADERS on a new stream id lower
# than one already used is a connection error; libnghttp2 dropped it silently
start_h2cgi --cgi-dir "$CGI" --procs 1 --max-body 1k
is "$($FRAMES "$PORT" lowid /cgi-bin/hello.cgi)" "goaway PROTOCOL_ERROR" "HEADERS on stream 3 after stream 5: GOAWAY(PROTOCOL_ERROR)"
like "$(cat "$ERRLOG")" "HEADERS on stream 3, lower than stream 5 already used: PROTOCOL_ERROR" "logged"
# RFC 9113 §4.2 (h2spec http2/4.2/2, 4.2/3): frames over 16384 octets are
# refused; with the former 64k default, a 20 KB header block was taken
is "$($FRAMES "$PORT" bigframe headers /cgi-bin/hello.cgi)" "goaway FRAME_SIZE_ERROR" \
    "a 20 KB HEADERS frame: connection error FRAME_SIZE_ERROR"
like "$($FRAMES "$PORT" bigframe data /cgi-bin/echo.cgi)" "^(goaway|reset) FRAME_SIZE_ERROR$" \
    "a DATA frame of 16385 octets: FRAME_SIZE_ERROR"
# ... not for a closed stream: HEADERS there is STREAM_CLOSED (h2spec http2/5.1)
is "$($FRAMES "$PORT" closedheaders /cgi-bin/hello.cgi)" "goaway STREAM_CLOSED; goaway STREAM_CLOSED" \
    "HEADERS after the client's RST_STREAM, and after the stream ended: STREAM_CLOSED, not PROTOCOL_ERROR"
# ... and frames on a stream h2cgi reset itself stay ignored (RFC 9113 §5.1)
is "$($FRAMES "$PORT" latetrailers /cgi-bin/echo.cgi)" "reset NO_ERROR; next 200; no goaway" \
    "trailers on a stream h2cgi reset are ignored: the connection goes on"
done_testing
