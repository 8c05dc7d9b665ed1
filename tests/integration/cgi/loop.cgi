#!/bin/sh
# a local redirect to itself, forever
printf 'Location: /cgi-bin/loop.cgi\r\n\r\n'
