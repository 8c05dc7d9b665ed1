#!/bin/sh
# Replays every fuzz corpus through its target (plain build, any compiler).
# TAP output: one line per corpus file.
set -u
b=${top_builddir:-.}/tests/fuzz
c=${top_srcdir:-.}/tests/fuzz/corpus
n=0
for t in fcgi cgi_response cgi_env h1; do
    for f in "$c/$t"/*; do
        [ -f "$f" ] || continue
        n=$((n + 1))
        if "$b/replay_$t" "$f" >/dev/null 2>&1; then
            echo "ok $n - replay_$t $(basename "$f")"
        else
            echo "not ok $n - replay_$t $(basename "$f") crashed"
        fi
    done
done
echo "1..$n"
