#!/bin/sh
# Writes to stderr and still answers 200: stderr alone is never an error.
echo "chatty.cgi: a warning line" >&2
echo "chatty.cgi: another line" >&2
printf 'Content-Type: text/plain\r\n\r\nfine\n'
