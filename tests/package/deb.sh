#!/bin/sh
# The Debian package as an admin gets it: built with dpkg-buildpackage,
# installed with dpkg -i, the packaged unit's ExecStart run under
# systemd-socket-activate with the packaged config (a CGI page and a static
# file over HTTP/2, as www-data), the shipped logrotate snippet while it
# runs, then purged (nothing left but what Debian policy keeps), installed
# again and purged again. It installs and removes a system package: it runs
# as root, as its own CI stage (tools/test-all.sh), never in make check.
# usage: sh tests/package/deb.sh
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$top_srcdir
. "$top_srcdir/tests/integration/lib.sh"
[ "$(id -u)" = 0 ] || skip_all "needs root (dpkg -i)"
need dpkg-buildpackage dh systemd-socket-activate logrotate curl pkg-config cc
if dpkg-query -W -f='${Status}' h2cgi 2>/dev/null | grep -q "ok installed"; then
    skip_all "an h2cgi package is installed on this machine: not replacing it"
fi

# ---- build, from a copy of the tree (dpkg-buildpackage writes next to it)
SRC=$WORK/src/h2cgi
mkdir -p "$SRC"
tar -C "$top_srcdir" --exclude=./_build --exclude=./.git --exclude='./h2cgi-*' -cf - . |
    tar -C "$SRC" -xf -
[ -f "$SRC/Makefile" ] && (cd "$SRC" && make distclean >/dev/null 2>&1)
(cd "$SRC" && DEB_BUILD_OPTIONS="nocheck parallel=2" dpkg-buildpackage -us -uc -b) \
    > "$WORK/build.log" 2>&1
rc=$?
ok "$rc" "dpkg-buildpackage -us -uc -b"
[ "$rc" = 0 ] || { tail -20 "$WORK/build.log" | sed 's/^/# /'; done_testing; exit 1; }
DEB=$(ls "$WORK"/src/h2cgi_*.deb)
DEV=$(ls "$WORK"/src/libh2cgi-fcgi-dev_*.deb)
like "$(dpkg-deb -c "$DEB")" "\./usr/sbin/h2cgi$" "the h2cgi package holds h2cgi"

# ---- what this test adds to the machine, and takes away again
CGIDIR=/usr/lib/cgi-bin WWW=/var/www/html made=
for d in $CGIDIR $WWW; do [ -d "$d" ] || { mkdir -p "$d" && made="$made $d"; }; done
printf '#!/bin/sh\nprintf "Content-Type: text/plain\\r\\n\\r\\ncgi as %%s\\n" "$(id -un)"\n' \
    > "$CGIDIR/h2cgi-pkgtest.cgi"
chmod 755 "$CGIDIR/h2cgi-pkgtest.cgi"
echo "static from the package test" > "$WWW/h2cgi-pkgtest.txt"
H=
cleanup_machine() {
    [ -n "$H" ] && kill "$H" 2>/dev/null && wait "$H" 2>/dev/null
    H=
    dpkg -P h2cgi libh2cgi-fcgi-dev > /dev/null 2>&1
    rm -f "$CGIDIR/h2cgi-pkgtest.cgi" "$WWW/h2cgi-pkgtest.txt"
    for d in $made; do rmdir "$d" 2>/dev/null; done
}
trap 'cleanup_machine; cleanup' EXIT

# install DEB...: dpkg -i, then the files an admin expects
install_check() {
    dpkg -i "$@" > "$WORK/dpkg.log" 2>&1
    ok $? "dpkg -i $(for d in "$@"; do basename "$d"; done | tr '\n' ' ')"
    for f in /usr/sbin/h2cgi /usr/libexec/h2cgi-cgi /etc/h2cgi/h2cgi.conf /etc/default/h2cgi \
        /etc/logrotate.d/h2cgi /lib/systemd/system/h2cgi.socket /lib/systemd/system/h2cgi.service \
        /lib/systemd/system/h2cgi-conn.socket /lib/systemd/system/h2cgi-conn@.service \
        /usr/share/man/man8/h2cgi.8.gz /usr/share/man/man5/h2cgi.conf.5.gz; do
        [ -e "$f" ] || missing="${missing:-} $f"
    done
    is "${missing:-}" "" "installed: binaries, units, config, default, logrotate, man pages"
    missing=
    is "$(stat -c %U:%G "/var/log/h2cgi")" "www-data:adm" "/var/log/h2cgi for www-data"
    is "$(h2cgi --config /etc/h2cgi/h2cgi.conf --check > /dev/null 2>&1; echo $?)" "0" \
        "the packaged config passes --check"
}

# ---- install
install_check "$DEB" "$DEV"
dpkg -L h2cgi libh2cgi-fcgi-dev | while read -r f; do [ -f "$f" ] && echo "$f"; done \
    > "$WORK/files"
# the -dev package: a program built with pkg-config
cat > "$WORK/hint.c" <<'EOF'
#include <fcgiapp.h>
#include <h2cgi_fcgi.h>
int main(int argc, char **argv) { (void)argv; return argc > 9 ? h2cgi_early_hints(NULL, NULL, 0) : 0; }
EOF
cc -o "$WORK/hint" "$WORK/hint.c" $(pkg-config --cflags --libs h2cgi-fcgi) 2> "$WORK/cc.log"
ok $? "libh2cgi-fcgi-dev: a program links with \$(pkg-config --cflags --libs h2cgi-fcgi)"

# ---- the packaged unit's command line, under systemd-socket-activate
EXEC=$(sed -n 's/^ExecStart=//p' /lib/systemd/system/h2cgi.service)
like "$EXEC" "^/usr/sbin/h2cgi --config /etc/h2cgi/h2cgi.conf" "h2cgi.service: ExecStart ($EXEC)"
P=$(free_port)
# as systemd would: /etc/default/h2cgi's variables, $H2CGI_OPTS split on spaces
systemd-socket-activate -l "127.0.0.1:$P" /bin/sh -c ". /etc/default/h2cgi; exec $EXEC" \
    2> "$WORK/sa.log" &
H=$!
U=https://127.0.0.1:$P
i=0
until curl -sk -o /dev/null "$U/" 2>/dev/null || [ $i -ge 100 ]; do sleep 0.1; i=$((i + 1)); done
is "$(curl -sk --http2 -w ' %{http_version}' "$U/cgi-bin/h2cgi-pkgtest.cgi" | tr -d '\n')" "cgi as www-data 2" \
    "a CGI page over HTTP/2, run as www-data"
is "$(curl -sk --http2 -w ' %{http_version}' "$U/h2cgi-pkgtest.txt" | tr -d '\n')" "static from the package test 2" \
    "a static file over HTTP/2"
like "$(cat /var/log/h2cgi/access.log)" "GET /h2cgi-pkgtest.txt HTTP/2" "logged in /var/log/h2cgi/access.log"
is "$(cat /run/h2cgi.pid 2>/dev/null)" "$H" "/run/h2cgi.pid names the process that takes signals"

# ---- logrotate with the shipped snippet, h2cgi serving as www-data
logrotate -f -s "$WORK/logrotate.state" /etc/logrotate.d/h2cgi 2> "$WORK/logrotate.err"
ok $? "logrotate -f /etc/logrotate.d/h2cgi"
ok "$([ -f /var/log/h2cgi/access.log.1 ] && [ -f /var/log/h2cgi/access.log ]; echo $?)" \
    "access.log rotated to access.log.1, a new access.log made"
is "$(stat -c %U:%G /var/log/h2cgi/access.log)" "www-data:adm" "created for www-data"
sleep 0.3 # SIGUSR1 reaches h2cgi
curl -sk --http2 -o /dev/null "$U/h2cgi-pkgtest.txt?after-rotation"
i=0
while ! grep -q "after-rotation" /var/log/h2cgi/access.log && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
like "$(cat /var/log/h2cgi/access.log)" "after-rotation" "new lines land in the new file"
is "$(grep -c "after-rotation" /var/log/h2cgi/access.log.1)" "0" "and not in the old one"
kill "$H"; wait "$H"
H=
ok "$([ ! -e /run/h2cgi.pid ]; echo $?)" "and is removed when it stops"

# ---- purge: nothing left but what policy keeps (shared directories)
# purged_check: the package's files, /etc/h2cgi, /etc/default, logs, units' links gone
purged_check() {
    dpkg -P h2cgi libh2cgi-fcgi-dev > "$WORK/dpkg.log" 2>&1
    ok $? "dpkg -P h2cgi libh2cgi-fcgi-dev"
    left=$(while read -r f; do [ -e "$f" ] && echo "$f"; done < "$WORK/files")
    for f in /etc/h2cgi /etc/default/h2cgi /etc/logrotate.d/h2cgi /var/log/h2cgi; do
        [ -e "$f" ] && left="$left $f"
    done
    left="$left $(find /etc/systemd /var/lib/systemd -name '*h2cgi*' 2>/dev/null | tr '\n' ' ')"
    is "$(echo $left)" "" "purged: nothing of h2cgi left"
}
purged_check

# ---- and again: a reinstall after a purge works as the first
install_check "$DEB" "$DEV"
purged_check

cleanup_machine
trap cleanup EXIT
done_testing
