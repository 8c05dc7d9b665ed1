#!/bin/sh
# Content-Length that lies, per ?case: long (a second response smuggled
# after the promised 5 bytes), short, abc, two (5 and 6), same (5 twice: fine).
printf 'Content-Type: text/plain\r\n'
case $QUERY_STRING in
long)  printf 'Content-Length: 5\r\n\r\nhelloHTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 8\r\n\r\nINJECTED' ;;
short) printf 'Content-Length: 100\r\n\r\nhello' ;;
abc)   printf 'Content-Length: abc\r\n\r\nhello' ;;
two)   printf 'Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello' ;;
same)  printf 'Content-Length: 5\r\nContent-Length: 5\r\n\r\nhello' ;;
*)     printf 'Content-Length: 5\r\n\r\nhello' ;;
esac
