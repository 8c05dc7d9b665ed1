#!/bin/sh
# Lists its open file descriptors (those of the shell itself run it).
printf 'Content-Type: text/plain\r\n\r\n'
exec ls /proc/self/fd
