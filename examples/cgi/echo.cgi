#!/bin/sh
# Sends the request body back unchanged (upload and download in one).
printf 'Content-Type: application/octet-stream\r\n\r\n'
exec head -c "${CONTENT_LENGTH:-0}"
