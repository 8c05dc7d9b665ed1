#!/bin/sh
# A whole response, then a failing exit status: logged, never judged.
printf 'Content-Type: text/plain\r\n\r\ncomplete\n'
exit 1
