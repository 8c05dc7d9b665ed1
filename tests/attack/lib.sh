# lib.sh for the attack suite: sourced after tests/integration/lib.sh.
# attack CASE ANSWER LOGLINE runs tests/attack/attack.py's CASE against the
# h2cgi started by the test: its answer must match ANSWER (a regex, whole),
# the error log must gain a line matching LOGLINE (unless empty), and the
# control client must have been served meanwhile, with a loose bound on its
# worst latency (the machine is shared: the bound catches a stall).
ATTACK="$PYTHON3 $top_srcdir/tests/attack/attack.py"
WORST_MS=3000
[ -n "${SANITIZERS:-}" ] && WORST_MS=10000 # ASan is several times slower

# attack CASE ANSWER LOGLINE: one case, its answer, its log line, the control
attack() {
    : > "$WORK/before"
    n=$(wc -l < "$ERRLOG")
    out=$($ATTACK "$PORT" "$1" 2>&1)
    answer=$(printf '%s' "$out" | sed -n 's/.*"answer": "\([^"]*\)".*/\1/p')
    like "$answer" "^$2\$" "$1: $2"
    # a failure's diagnosis: what attack.py said without an answer, and
    # what h2cgi logged meanwhile
    if ! printf '%s' "$answer" | grep -Eq -- "^$2\$"; then
        [ -n "$answer" ] || printf '%s\n' "$out" | tail -10 | sed 's/^/#   attack.py: /'
        sed -n "$((n + 1)),\$p" "$ERRLOG" | tail -20 | sed 's/^/#   h2cgi: /'
    fi
    if [ -n "$3" ]; then
        like "$(sed -n "$((n + 1)),\$p" "$ERRLOG")" "$3" "$1: logged"
    fi
    worst=$(printf '%s' "$out" | sed -n 's/.*"control_worst_ms": \([0-9]*\).*/\1/p')
    failed=$(printf '%s' "$out" | sed -n 's/.*"control_failed": \([0-9]*\).*/\1/p')
    fetched=$(printf '%s' "$out" | sed -n 's/.*"control_n": \([0-9]*\).*/\1/p')
    ok "$([ "${failed:-1}" = 0 ] && [ "${fetched:-0}" -gt 0 ] && [ "${worst:-99999}" -lt $WORST_MS ]; echo $?)" \
        "$1: the control client was served meanwhile ($fetched fetches, $failed failed, worst ${worst} ms)"
}

