#!/bin/sh
# Runs each libFuzzer target for a short fixed time (FUZZ_SECONDS, default 20)
# from a copy of its corpus. TAP: one line per target.
set -u
b=${top_builddir:-.}/tests/fuzz
c=${top_srcdir:-.}/tests/fuzz/corpus
secs=${FUZZ_SECONDS:-20}
n=0
for t in fcgi cgi_response cgi_env h1 static; do
    n=$((n + 1))
    work=$(mktemp -d)
    cp "$c/$t"/* "$work"/ 2>/dev/null
    if "$b/fuzz_$t" -max_total_time="$secs" -max_len=4096 "$work" >"$work.log" 2>&1; then
        echo "ok $n - fuzz_$t ran ${secs}s: $(grep -o 'stat::number_of_executed_units: [0-9]*' "$work.log" | tail -1)"
    else
        echo "not ok $n - fuzz_$t found a crash:"
        tail -30 "$work.log" | sed 's/^/# /'
    fi
    rm -rf "$work" "$work.log"
done
echo "1..$n"
