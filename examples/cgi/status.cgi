#!/bin/sh
# Answers with the status named in the query (e.g. ?404), or 204 with no body.
s=${QUERY_STRING:-204}
case $s in ''|*[!0-9]*) s=204;; esac
printf 'Status: %s Custom\r\nContent-Type: text/plain\r\n\r\n' "$s"
[ "$s" = 204 ] || echo "status $s"
