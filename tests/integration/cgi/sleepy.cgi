#!/bin/sh
# Notes its PID, then sleeps ?N seconds (default 15) before answering.
echo $$ >> ./pids
n=${QUERY_STRING:-15}
sleep "$n"
printf 'Content-Type: text/plain\r\n\r\nwoke\n'
