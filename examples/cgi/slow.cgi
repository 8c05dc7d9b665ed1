#!/bin/sh
# Sleeps for ?N seconds (default 30) before answering: for timeouts and
# for killing a backend mid-response.
n=${QUERY_STRING:-30}
case $n in ''|*[!0-9]*) n=30;; esac
printf 'Content-Type: text/plain\r\n\r\nstarted\n'
sleep "$n"
echo done
