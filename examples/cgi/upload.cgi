#!/bin/sh
# Reads a (large) request body and answers with its length and SHA-256.
printf 'Content-Type: text/plain\r\n\r\n'
sum=$(head -c "${CONTENT_LENGTH:-0}" | sha256sum | cut -d' ' -f1)
echo "length=${CONTENT_LENGTH:-}"
echo "sha256=$sum"
