#!/bin/sh
# The attack suite, HTTP/2 and Host cases: each attack gets its precise
# answer and a log line that says what was refused, while a control client
# on its own connection keeps being served (its worst latency is printed
# and bounded loosely: this machine is shared, the bound catches a stall).
. "$(dirname "$0")/../integration/lib.sh"
need_h2py
ATTACK="$PYTHON3 $top_srcdir/tests/attack/attack.py"
WORST_MS=3000
start_h2cgi --cgi-dir "$CGI" --max-header-list-size 16k

# attack CASE ANSWER LOGLINE: one case, its answer, its log line, the control
attack() {
    : > "$WORK/before"
    n=$(wc -l < "$ERRLOG")
    out=$($ATTACK "$PORT" "$1" 2>&1)
    answer=$(printf '%s' "$out" | sed -n 's/.*"answer": "\([^"]*\)".*/\1/p')
    is "$answer" "$2" "$1: $2"
    if [ -n "$3" ]; then
        like "$(sed -n "$((n + 1)),\$p" "$ERRLOG")" "$3" "$1: logged"
    fi
    worst=$(printf '%s' "$out" | sed -n 's/.*"control_worst_ms": \([0-9]*\).*/\1/p')
    failed=$(printf '%s' "$out" | sed -n 's/.*"control_failed": \([0-9]*\).*/\1/p')
    fetched=$(printf '%s' "$out" | sed -n 's/.*"control_n": \([0-9]*\).*/\1/p')
    ok "$([ "${failed:-1}" = 0 ] && [ "${fetched:-0}" -gt 0 ] && [ "${worst:-99999}" -lt $WORST_MS ]; echo $?)" \
        "$1: the control client was served meanwhile ($fetched fetches, $failed failed, worst ${worst} ms)"
}

attack priority-flood "goaway ENHANCE_YOUR_CALM" "frames that carry nothing .*GOAWAY ENHANCE_YOUR_CALM"
attack data-flood "goaway ENHANCE_YOUR_CALM" "frames that carry nothing .*GOAWAY ENHANCE_YOUR_CALM"
attack cont-flood "goaway ENHANCE_YOUR_CALM" "CONTINUATION.*GOAWAY ENHANCE_YOUR_CALM"
attack priority-fair "200 answered" ""
attack host-mismatch "status 400" "Host .* differs from :authority"
attack host-bad-h2 "reset PROTOCOL_ERROR" "stream 1: malformed request \(.*\): RST_STREAM PROTOCOL_ERROR"
attack host-bad-h1 "status 400" "invalid (Host|authority)"
attack long-path-h2 "status 414" "414: :path over --max-header-list-size"
attack path-over-list-h2 "status 414" "414: :path over --max-header-list-size"
attack long-line-h1 "status 414" "414: request line too long"
attack long-head-h1 "status 431" "431: request head too large"
done_testing
