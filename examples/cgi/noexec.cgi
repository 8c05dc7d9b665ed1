#!/bin/sh
# Not executable on purpose: the runner answers 403.
printf 'Content-Type: text/plain\r\n\r\nshould not run\n'
