#!/bin/sh
# Runs each libFuzzer target for FUZZ_SECONDS (default 60) from a copy of
# its corpus (tests/fuzz/corpus/TARGET), FUZZ_JOBS (default 2) at a time.
# TAP: one line per target. A crash, a leak, a timeout (10 s on one input)
# or an input taking over 1 GB fails the target's line; the input is kept
# in $top_builddir/fuzz-crashes/TARGET/ (fix the bug, then add the input
# to the corpus: it becomes a regression input that replay.sh runs in
# every build). With FUZZ_GROW=1 (make fuzz) the inputs that reached new
# code are merged into the corpus in the source tree, to be committed.
set -u
b=${top_builddir:-.}/tests/fuzz
c=${top_srcdir:-.}/tests/fuzz/corpus
keep=${top_builddir:-.}/fuzz-crashes
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-2}
out=$(mktemp -d "${TMPDIR:-/tmp}/h2cgi-fuzz.XXXXXX")
trap 'rm -rf "$out"' EXIT

one() { # TARGET: runs it; writes $out/TARGET.tap
    t=$1 w=$out/$1
    mkdir -p "$w/corpus" "$w/crash"
    cp "$c/$t"/* "$w/corpus/" 2>/dev/null
    if "$b/fuzz_$t" -max_total_time="$secs" -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
        -print_final_stats=1 -artifact_prefix="$w/crash/" "$w/corpus" > "$w/log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: [0-9]*' "$w/log" | tail -1 | grep -o '[0-9]*$')
        cov=$(grep -o 'cov: [0-9]*' "$w/log" | tail -1)
        echo "ok - fuzz_$t ran ${secs} s: ${runs:-?} inputs, $cov, corpus $(ls "$w/corpus" | wc -l) (from $(ls "$c/$t" | wc -l))" > "$out/$t.tap"
        if [ "${FUZZ_GROW:-0}" = 1 ]; then
            before=$(ls "$c/$t" | wc -l)
            "$b/fuzz_$t" -merge=1 -max_len=4096 "$c/$t" "$w/corpus" >> "$w/log" 2>&1
            echo "# fuzz_$t: $(($(ls "$c/$t" | wc -l) - before)) inputs merged into $c/$t" >> "$out/$t.tap"
        fi
    else
        mkdir -p "$keep/$t"
        cp "$w/crash"/* "$keep/$t/" 2>/dev/null
        {
            echo "not ok - fuzz_$t failed; input(s) kept in $keep/$t:"
            ls "$w/crash" | sed 's/^/#   /'
            grep -E -A25 '^==[0-9]+==ERROR|runtime error|deadly signal|Timeout|out-of-memory' "$w/log" | head -40 | sed 's/^/# /'
        } > "$out/$t.tap"
    fi
}

TARGETS="fcgi cgi_response cgi_env h1 static config"
running=0
for t in $TARGETS; do
    one "$t" &
    running=$((running + 1))
    if [ "$running" -ge "$jobs" ]; then
        wait
        running=0
    fi
done
wait
n=0
for t in $TARGETS; do
    n=$((n + 1))
    if [ -f "$out/$t.tap" ]; then
        sed "1s/^ok - /ok $n - /; 1s/^not ok - /not ok $n - /" "$out/$t.tap"
    else
        echo "not ok $n - fuzz_$t: no result"
    fi
done
echo "1..$n"
