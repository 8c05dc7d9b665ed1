#!/bin/sh
# Prints a header line without a colon: h2cgi answers 502.
printf 'Content-Type: text/plain\r\nThis is not a header\r\n\r\nbody\n'
