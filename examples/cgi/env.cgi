#!/bin/sh
# Prints every CGI meta-variable, one NAME=value per line, sorted.
printf 'Content-Type: text/plain\r\n\r\n'
env | LC_ALL=C sort
