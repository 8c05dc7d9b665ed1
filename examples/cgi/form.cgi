#!/bin/sh
# Echoes a form POST: the method, the content type and length, the body.
printf 'Content-Type: text/plain\r\n\r\n'
echo "method=$REQUEST_METHOD"
echo "type=${CONTENT_TYPE:-}"
echo "length=${CONTENT_LENGTH:-}"
printf 'body='
if [ -n "${CONTENT_LENGTH:-}" ]; then head -c "$CONTENT_LENGTH"; fi
echo
