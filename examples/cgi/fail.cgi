#!/bin/sh
# Fails before writing any header: the runner answers 500 and logs why.
echo "fail.cgi: cannot open the database" >&2
exit 3
