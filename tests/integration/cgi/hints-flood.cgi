#!/bin/sh
# Early hints without end, never a final block; or ?N blocks and then the
# final one (?N-big: each hint carries a 2000-byte link).
n=${QUERY_STRING%%-*}
n=${n:-0}
pad=
case $QUERY_STRING in *-big) pad=$(head -c 2000 /dev/zero | tr '\0' p);; esac
i=0
while [ "$n" = 0 ] || [ $i -lt "$n" ]; do
    printf 'Status: 103 Early Hints\r\nLink: </style-%s.css?%s>; rel=preload; as=style\r\n\r\n' $i "$pad" || exit 0
    i=$((i + 1))
done
printf 'Status: 200 OK\r\nContent-Type: text/plain\r\n\r\nafter %s hints\n' "$n"
