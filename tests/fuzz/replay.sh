#!/bin/sh
# Replays every fuzz corpus through its target (any compiler). The targets
# trap on a broken property; under --enable-sanitizers (the ASan + UBSan
# suite of tools/test-all.sh) a memory error fails the replay too, which the
# last line proves with a target that has a planted out-of-bounds read.
# TAP output: one line per corpus file.
set -u
b=${top_builddir:-.}/tests/fuzz
c=${top_srcdir:-.}/tests/fuzz/corpus
n=0
for t in fcgi cgi_response cgi_env h1 static; do
    for f in "$c/$t"/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        if "$b/replay_$t" "$f" >/dev/null 2>&1; then
            echo "ok $n - replay_$t $(basename "$f")"
        else
            echo "not ok $n - replay_$t $(basename "$f") failed"
            "$b/replay_$t" "$f" 2>&1 | tail -20 | sed 's/^/# /'
        fi
    done
done
n=$((n + 1))
if [ -z "${SANITIZERS:-}" ]; then
    echo "ok $n - # SKIP memory errors are caught only by the sanitizer build's replay"
else
    printf 'overflow' > "${TMPDIR:-/tmp}/h2cgi-selftest.$$"
    if "$b/replay_selftest" "${TMPDIR:-/tmp}/h2cgi-selftest.$$" >/dev/null 2>&1; then
        echo "not ok $n - a planted out-of-bounds read passed the replay: it is not under ASan"
    else
        echo "ok $n - the replay runs under ASan: a planted out-of-bounds read fails it"
    fi
    rm -f "${TMPDIR:-/tmp}/h2cgi-selftest.$$"
fi
echo "1..$n"
