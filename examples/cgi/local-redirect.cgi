#!/bin/sh
# A local redirect (RFC 3875 §6.2.4): h2cgi serves the other path itself.
printf 'Location: /cgi-bin/hello.cgi\r\n\r\n'
