#!/bin/sh
# Builds h2cgi from scratch and runs every test: the plain build (-Werror),
# an ASan+UBSan build, the libFuzzer targets (clang), make distcheck, and
# the Debian package (built, installed, run, purged: tests/package/deb.sh).
# Ends with one line: "N passed, N failed, N skipped". Exit status 1 on any
# failure. Build trees and logs are in _build/.
set -u
cd "$(dirname "$0")/.."
top=$(pwd)
pass=0 fail=0 skip=0
# the builds below are out of tree: an in-tree configure would block them
[ -f config.status ] && make distclean >/dev/null 2>&1
autoreconf -fi >/dev/null 2>&1 || { echo "autoreconf failed"; echo "0 passed, 1 failed"; exit 1; }

count() { # check.log -> adds the automake summary to the totals
    p=$(sed -n 's/^# PASS: *//p' "$1" | tail -1)
    f=$(sed -n 's/^# FAIL: *//p' "$1" | tail -1)
    e=$(sed -n 's/^# ERROR: *//p' "$1" | tail -1)
    x=$(sed -n 's/^# XPASS: *//p' "$1" | tail -1)
    s=$(sed -n 's/^# SKIP: *//p' "$1" | tail -1)
    pass=$((pass + ${p:-0}))
    fail=$((fail + ${f:-0} + ${e:-0} + ${x:-0}))
    skip=$((skip + ${s:-0}))
    [ -n "$p" ] || fail=$((fail + 1)) # no summary at all: the run broke
}

suite() { # name dir check-target configure-args...
    name=$1 dir=$2 target=$3
    shift 3
    echo "== $name"
    rm -rf "$dir" && mkdir -p "$dir" && cd "$dir" || exit 1
    if ! "$top/configure" --enable-werror "$@" >configure.log 2>&1; then
        tail -5 configure.log; echo "$name: configure failed"; fail=$((fail + 1)); cd "$top"; return
    fi
    if ! make -j2 >make.log 2>&1; then
        grep -E 'error|warning' make.log | head -20; echo "$name: build failed"; fail=$((fail + 1)); cd "$top"; return
    fi
    make -j2 $target >check.log 2>&1
    sed -n '/^=*$/,$p' check.log | grep -E '^(# |FAIL|ERROR)' | head -20
    grep -h '^not ok' tests/*/*.log 2>/dev/null | head -20
    count check.log
    cd "$top"
}

suite "plain build (-Wall -Wextra -Werror)" _build/plain check
suite "ASan + UBSan build" _build/san check --enable-sanitizers
if command -v clang >/dev/null 2>&1; then
    suite "libFuzzer targets (clang)" _build/fuzz "check TESTS=tests/fuzz/run.sh" CC=clang --enable-fuzz
else
    echo "== libFuzzer targets: SKIP (no clang)"; skip=$((skip + 1))
fi
echo "== make distcheck"
if (cd _build/plain && make -j2 distcheck >distcheck.log 2>&1); then
    pass=$((pass + 1)); echo "distcheck: ok"
else
    fail=$((fail + 1)); tail -30 _build/plain/distcheck.log
fi
# the .deb built, installed, run, rotated, purged: as root, alone (it
# installs a system package, so never inside make check)
echo "== Debian package (tests/package/deb.sh)"
sh "$top/tests/package/deb.sh" > _build/deb.log 2>&1
grep -E '^(not ok|#)' _build/deb.log | head -20
p=$(grep -c '^ok ' _build/deb.log) f=$(grep -c '^not ok' _build/deb.log)
s=$(grep -Ec '^(ok .*# SKIP|1\.\.0 # SKIP)' _build/deb.log)
pass=$((pass + p - s)) fail=$((fail + f)) skip=$((skip + s))
grep -q '^1\.\.[0-9]' _build/deb.log || fail=$((fail + 1)) # no plan: the run broke
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
