#!/bin/sh
# A streaming response: chunks with pauses between them.
printf 'Content-Type: text/plain\r\n\r\n'
for i in 1 2 3 4 5; do
    echo "chunk $i"
    sleep 0.2
done
