#!/bin/sh
# Sends N bytes (?N, default 1 MiB) of deterministic data: a large download.
n=${QUERY_STRING:-1048576}
case $n in ''|*[!0-9]*) n=1048576;; esac
printf 'Content-Type: application/octet-stream\r\nContent-Length: %s\r\n\r\n' "$n"
exec head -c "$n" /dev/zero
