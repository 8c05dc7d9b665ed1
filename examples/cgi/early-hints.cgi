#!/bin/sh
# Early hints (RFC 8297): a 103 block first, the page a second later.
printf 'Status: 103 Early Hints\r\nLink: </style.css>; rel=preload; as=style\r\n\r\n'
sleep 1
printf 'Status: 200 OK\r\nContent-Type: text/html\r\n\r\n'
echo '<!doctype html><link rel=stylesheet href=/style.css><p>The hints came first.</p>'
