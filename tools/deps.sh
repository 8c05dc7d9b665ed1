#!/bin/sh
# Installs what h2cgi needs to build, serve and test on Debian 12 (as root).
set -e
pkgs="build-essential autoconf automake pkg-config libnghttp2-dev libgnutls28-dev \
libfcgi-dev nghttp2-client curl python3-h2 clang libclang-rt-14-dev procps openssl ucspi-tcp xinetd systemd \
media-types git php-fpm php-cgi gitweb cgit chromium haproxy debhelper logrotate testssl.sh"
missing=
for p in $pkgs; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "tools/deps.sh: installing$missing"
    apt-get update -qq </dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $missing </dev/null >/dev/null
fi
