#!/bin/sh
# A client redirect (RFC 3875 §6.2.3): h2cgi answers 302 with Location.
printf 'Location: https://example.org/elsewhere\r\n\r\n'
