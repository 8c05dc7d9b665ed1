#!/bin/sh
# Writes 1 MiB before reading its body: the runner must pump both at once.
printf 'Content-Type: application/octet-stream\r\n\r\n'
head -c 1048576 /dev/zero
head -c "${CONTENT_LENGTH:-0}" | sha256sum | cut -d' ' -f1
