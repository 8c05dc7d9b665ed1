#!/bin/sh
# Replays every fuzz corpus through its target (any compiler). The targets
# trap on a broken property; under --enable-sanitizers (the ASan + UBSan
# suite of tools/test-all.sh) a memory error fails the replay too, which the
# last line proves with a target that has a planted out-of-bounds read.
# TAP output: one line per target (the inputs that fail are named).
set -u
b=${top_builddir:-.}/tests/fuzz
c=${top_srcdir:-.}/tests/fuzz/corpus
n=0
for t in fcgi cgi_response cgi_env h1 static config; do
    n=$((n + 1))
    files=$(ls "$c/$t"/* 2>/dev/null | wc -l)
    if [ "$files" -gt 0 ] && "$b/replay_$t" "$c/$t"/* >/dev/null 2>&1; then
        echo "ok $n - replay_$t: the $files inputs of its corpus"
    else
        echo "not ok $n - replay_$t failed on its corpus ($files inputs):"
        for f in "$c/$t"/*; do
            "$b/replay_$t" "$f" >/dev/null 2>&1 && continue
            echo "# $(basename "$f"):"
            "$b/replay_$t" "$f" 2>&1 | tail -20 | sed 's/^/#   /'
        done
    fi
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
