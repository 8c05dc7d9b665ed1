#!/bin/sh
# a local redirect to another route (a static file)
printf 'Location: /files/note.txt\r\n\r\n'
