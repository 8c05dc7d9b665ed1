#!/bin/sh
# HTTP/2 details seen by nghttp: our SETTINGS, flow control on responses.
. "$(dirname "$0")/lib.sh"
need nghttp
start_h2cgi --cgi-dir "$CGI" --procs 1 --max-streams 50 --stream-buffer 32k --max-header-block 16k
out=$(nghttp -v "$URL/cgi-bin/hello.cgi" 2>&1)
like "$out" "SETTINGS_MAX_CONCURRENT_STREAMS\(0x03\):50" "SETTINGS_MAX_CONCURRENT_STREAMS from --max-streams"
like "$out" "SETTINGS_INITIAL_WINDOW_SIZE\(0x04\):32768" "SETTINGS_INITIAL_WINDOW_SIZE from --stream-buffer"
like "$out" "SETTINGS_MAX_HEADER_LIST_SIZE\(0x06\):16384" "SETTINGS_MAX_HEADER_LIST_SIZE from --max-header-block"
# a client window of 16 KB: the 1 MB response still arrives, paced by WINDOW_UPDATEs
out=$(nghttp -w 14 -W 14 "$URL/cgi-bin/download.cgi?1048576" | wc -c)
is "$out" "1048576" "1 MB through a 16 KB client window"
# the request body waits for the backend: window updates follow consumption
head -c 500000 /dev/urandom > "$WORK/b"
want=$(sha256sum < "$WORK/b" | cut -d' ' -f1)
out=$(nghttp -d "$WORK/b" "$URL/cgi-bin/upload.cgi")
like "$out" "sha256=$want" "500 KB upload through a 32 KB stream window"
done_testing
