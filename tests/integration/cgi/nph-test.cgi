#!/bin/sh
# NPH (RFC 3875 §5): a status line, then fields; hop-by-hop ones are dropped
printf 'HTTP/1.1 202 Accepted\r\nContent-Type: text/plain\r\nConnection: close\r\nX-Nph: yes\r\n\r\nnph body\n'
