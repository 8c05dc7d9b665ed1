#!/bin/sh
# a program in a subdirectory of the CGI directory
printf 'Content-Type: text/plain\r\n\r\n%s %s\n' "$SCRIPT_NAME" "$PATH_INFO"
