#!/bin/sh
# testssl.sh (Debian's) against the default TLS configuration: nothing below
# TLS 1.2, no weak cipher, no known vulnerability flagged; and a returning
# client resumes by session ticket (resume.py: testssl.sh's own probe of
# tickets races the server, see tls_scan.py). About 90 s; skipped under ASan, where
# it would take minutes and says nothing more.
. "$(dirname "$0")/lib.sh"
need testssl
[ -n "${SANITIZERS:-}" ] && skip_all "testssl.sh: the plain build runs it (slow under ASan)"
start_h2cgi --cgi-dir "$CGI"
testssl --quiet --color 0 --warnings batch --protocols --std --vulnerable --server-defaults \
    --jsonfile "$WORK/testssl.json" "127.0.0.1:$PORT" > "$WORK/testssl.out" 2>&1
ok "$([ -s "$WORK/testssl.json" ]; echo $?)" "testssl.sh ran ($(grep -c '"id"' "$WORK/testssl.json") findings)"
problems=$("$PYTHON3" "$top_srcdir/tests/integration/tls_scan.py" "$WORK/testssl.json" 2>&1)
is "$problems" "" "no protocol below TLS 1.2, no weak cipher, no vulnerability flagged"
out=$("$PYTHON3" "$top_srcdir/tests/integration/resume.py" "$PORT" 2 | tr '\n' '|')
is "$out" "TLSv1_3: full resumed|TLSv1_2: full resumed|" "a returning client resumes by session ticket (TLS 1.3 and 1.2)"
done_testing
