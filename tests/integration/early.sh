#!/bin/sh
# Early hints h2cgi sends itself: configured per route (--early-hint, sent
# before the backend is even reached) and learned from a path's last 2xx
# response (--learn-early-hints), merged with a script's own 103 (no link
# twice), not learned from private answers, and bounded (--early-hint-cache).
. "$(dirname "$0")/lib.sh"
need_h2py
need curl nghttp
C=$WORK/cgi
W=$WORK/www
mkdir -p "$C" "$W"
printf 'p { }\n' > "$W/s.css"
# page.cgi: 0.3 s of start-up, then Link fields on its final response
# (unless $WORK/nolink exists); one of them to another origin
cat > "$C/page.cgi" <<EOF
#!/bin/sh
sleep 0.3
if [ -e "$WORK/nolink" ]; then
    printf 'Content-Type: text/html\r\n\r\n<p>page</p>\n'
else
    printf 'Content-Type: text/html\r\nLink: </s.css>; rel=preload; as=style\r\n'
    printf 'Link: <https://elsewhere.example/x.js>; rel=preload; as=script\r\n'
    printf 'Link: <https://cdn.example>; rel=preconnect\r\n\r\n<p>page</p>\n'
fi
EOF
sed -e 's|Content-Type: text/html\\r\\nLink|Content-Type: text/html\\r\\nCache-Control: private, max-age=0\\r\\nLink|' \
    "$C/page.cgi" > "$C/private.cgi"
sed -e 's|Content-Type: text/html\\r\\nLink|Content-Type: text/html\\r\\nVary: Accept-Encoding, Cookie\\r\\nLink|' \
    "$C/page.cgi" > "$C/cookie.cgi"
# own.cgi sends its own 103 with a link the route also announces
printf '#!/bin/sh\nprintf '"'"'Status: 103\\r\\nLink: </app.js>; rel=preload; as=script, </own.js>; rel=preload; as=script\\r\\n\\r\\n'"'"'\nsleep 0.2\nprintf '"'"'Content-Type: text/plain\\r\\n\\r\\nown\\n'"'"'\n' > "$C/own.cgi"
cp "$C/page.cgi" "$C/slow.cgi"
sed -i 's/sleep 0.3/sleep 1.5/' "$C/slow.cgi"
chmod 755 "$C"/*.cgi

# events PATH: "103:<links>" and "200" in order, with the gap between them
events() {
    $FRAMES "$PORT" events GET "$1" | "$PYTHON3" -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
out, t103 = [], None
for e in ev:
    if e["event"] == "informational":
        t103 = e["t"]
        out.append("103:" + " | ".join(v for k, v in e["headers"] if k == "link"))
    elif e["event"] == "response":
        h = dict(e["headers"])
        gap = "" if t103 is None else (" (%s)" % ("before" if e["t"] - t103 >= float(sys.argv[1]) else "late"))
        out.append(h[":status"] + gap)
print(" ; ".join(out))
' "$2"
}

start_h2cgi --access-log "$WORK/access.log" \
    --route /cgi-bin/ --cgi-dir "$C" --procs 1 --learn-early-hints \
    --early-hint '</app.js>; rel=preload; as=script' \
    --route /learn/ --cgi-dir "$C" --learn-early-hints \
    --route / --static "$W"

# learning alone (a route without configured hints)
is "$(events /learn/page.cgi 0.2)" "200" "learned: the first request gets no 103"
is "$(events /learn/page.cgi 0.2)" \
    "103:</s.css>; rel=preload; as=style | <https://cdn.example>; rel=preconnect ; 200 (before)" \
    "the second: a 103 with the links, well before the script's 200"
# the key is authority and path whole: two long paths that share their
# first kilobyte are two paths (too long to key: not learned at all)
long=$(head -c 1100 /dev/zero | tr '\0' a)
events "/learn/page.cgi/$long/x" 0 >/dev/null
is "$(events "/learn/page.cgi/$long/y" 0.2)" "200" "a long path does not get another long path's hints"

# configured: out before the script starts; here it cannot even start, as
# the pool's only process is busy with slow.cgi
$CURL -o /dev/null "$URL/cgi-bin/slow.cgi" &
BUSY=$!
sleep 0.3
is "$(events /cgi-bin/page.cgi 0.5)" "103:</app.js>; rel=preload; as=script ; 200 (before)" \
    "configured: the 103 goes out while the script waits for the busy pool (0.5 s and more before its 200)"
wait $BUSY
nghttp -v "$URL/cgi-bin/page.cgi" > "$WORK/nghttp.out" 2>&1
is "$(grep -E ':status: (103|200)' "$WORK/nghttp.out" | sed 's/.*:status: //' | tr '\n' ' ')" "103 200 " \
    "nghttp -v: the 103 before the final HEADERS"

# learned (page.cgi was answered above: its links are known now)
is "$(events /cgi-bin/page.cgi 0.2)" \
    "103:</app.js>; rel=preload; as=script | </s.css>; rel=preload; as=style | <https://cdn.example>; rel=preconnect ; 200 (before)" \
    "learned: the next request gets the path's preload and preconnect links at once (not the other origin's preload)"
touch "$WORK/nolink"
is "$(events /cgi-bin/page.cgi 0.2)" \
    "103:</app.js>; rel=preload; as=script | </s.css>; rel=preload; as=style | <https://cdn.example>; rel=preconnect ; 200 (before)" \
    "the script stops sending them: that response still had the learned 103"
is "$(events /cgi-bin/page.cgi 0.2)" "103:</app.js>; rel=preload; as=script ; 200 (before)" \
    "and the next one only the configured hint: the learned ones were forgotten"
rm -f "$WORK/nolink"
is "$(events '/cgi-bin/page.cgi?x=1' 0.2)" "103:</app.js>; rel=preload; as=script ; 200 (before)" \
    "(relearning from a response with a query: the path counts)"
is "$(events '/cgi-bin/page.cgi?y=2' 0.2 | sed 's/ | <https.*//')" "103:</app.js>; rel=preload; as=script | </s.css>; rel=preload; as=style" \
    "the query is not part of the key"

# private answers teach nothing
events /cgi-bin/private.cgi 0 >/dev/null
is "$(events /cgi-bin/private.cgi 0.2)" "103:</app.js>; rel=preload; as=script ; 200 (before)" \
    "Cache-Control: private: not learned"
events /cgi-bin/cookie.cgi 0 >/dev/null
is "$(events /cgi-bin/cookie.cgi 0.2)" "103:</app.js>; rel=preload; as=script ; 200 (before)" \
    "Vary: Cookie: not learned"

# a script's own 103 is merged: no link twice
is "$(events /cgi-bin/own.cgi 0.1)" \
    "103:</app.js>; rel=preload; as=script ; 103:</own.js>; rel=preload; as=script ; 200 (before)" \
    "the script's own 103 loses the links already sent"
events /cgi-bin/own.cgi 0 >/dev/null
is "$(events /cgi-bin/own.cgi 0.1 | sed 's/ ; 103:.*//')" "103:</app.js>; rel=preload; as=script" \
    "(own.cgi's final response has no Link: nothing learned for it)"

# HTTP/1.1 takes them; HTTP/1.0 never sees a 1xx
is "$($CURL --http1.1 -sD - -o /dev/null "$URL/cgi-bin/page.cgi" | tr -d '\r' | grep -c '^HTTP/1.1 103')" "1" \
    "HTTP/1.1: the 103 too"
is "$($CURL --http1.0 -sD - -o /dev/null "$URL/cgi-bin/page.cgi" | tr -d '\r' | grep -c ' 103')" "0" \
    "HTTP/1.0: none"
like "$(grep 'own.cgi' "$WORK/access.log" | head -1)" ' 103=backend,configured$' \
    "access log: where the 103s came from (backend, configured)"
like "$(grep 'page.cgi?y=2 HTTP/2' "$WORK/access.log" | tail -1)" ' 103=configured,learned$' \
    "access log: configured, learned"
kill -HUP "$PID"
sleep 0.5
like "$(events /cgi-bin/page.cgi 0.2)" "</s.css>" "learned hints survive SIGHUP"
stop_h2cgi

# a real browser: Chromium loads a page twice; the second time the 103
# it learned lets it ask for the stylesheet before the page's headers
CHROME=$(command -v chromium || command -v chromium-browser || true)
if [ -n "$CHROME" ]; then
    printf '#!/bin/sh\nsleep 0.5\nprintf '"'"'Content-Type: text/html\\r\\nLink: </s.css>; rel=preload; as=style\\r\\n\\r\\n<!doctype html><link rel=stylesheet href=/s.css><p>page</p>\\n'"'"'\n' > "$C/styled.cgi"
    chmod 755 "$C/styled.cgi"
    start_h2cgi --route /cgi-bin/ --cgi-dir "$C" --learn-early-hints --route / --static "$W" --access-log "$WORK/chrome.log"
    # through a relay that delays the server's bytes by 50 ms, as any real
    # link does: Chromium drops a 103 that comes back before its own
    # "request sent" task ran, which on bare loopback is every other load
    # (latency.py says where)
    "$PYTHON3" "$top_srcdir/tests/integration/latency.py" "$PORT" 50 > "$WORK/relay.port" &
    RELAY=$!
    i=0
    while [ ! -s "$WORK/relay.port" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
    FAR=https://127.0.0.1:$(cat "$WORK/relay.port")
    load() { # N: one load with a fresh profile; prints what its net log says
        timeout 90 "$CHROME" --headless=new --no-sandbox --disable-gpu --ignore-certificate-errors \
            --user-data-dir="$WORK/chrome$1" --log-net-log="$WORK/net$1.json" --dump-dom \
            "$FAR/cgi-bin/styled.cgi" >/dev/null 2>&1
        "$PYTHON3" "$top_srcdir/tests/integration/netlog.py" "$WORK/net$1.json" /cgi-bin/styled.cgi /s.css
    }
    before() { # "recv103=X hints=H final=F res=R": R < F
        echo "$1" | sed 's/.*final=\([0-9-]*\) res=\([0-9-]*\)/\1 \2/' | { read f r; [ "$r" -lt "$f" ] 2>/dev/null; echo $?; }
    }
    one=$(load 1)
    like "$one" "^recv103=- hints=- final=[0-9]+ res=[0-9]+$" "Chromium, first load: no 103 ($one)"
    ok "$(before "$one" | sed 's/^0$/2/; s/^1$/0/')" "first load: the stylesheet is asked for after the page's headers"
    # two tries: the machine may be loaded
    two= early=1
    for n in 2 3; do
        two=$(load $n)
        like "$two" "^recv103=[0-9]+ hints=[0-9-]+ final=[0-9]+ res=[0-9]+$" "load $n: the learned 103 reached Chromium first ($two)"
        early=$(before "$two")
        [ "$early" = 0 ] && break
    done
    ok "$early" "a later load: the stylesheet is asked for before the page's final headers arrive ($two)"
    kill "$RELAY"
    wait "$RELAY" 2>/dev/null
    stop_h2cgi
else
    echo "ok $((T = T + 1)) - # SKIP chromium not installed (tools/deps.sh)"
fi

# bounded: 10,000 distinct paths through a cache of 100 (php-fpm answers
# every path with a Link through the front controller)
need h2load
start_php_fpm
S=$WORK/site
mkdir -p "$S"
printf '<?php header("Link: </s.css>; rel=preload; as=style"); header("Content-Type: text/plain"); echo "ok\\n";\n' > "$S/index.php"
start_h2cgi --early-hint-cache 100 --route / --static "$S" --fallback /index.php \
    --route '*.php' --fastcgi "unix:$WORK/php.sock" --docroot "$S" --learn-early-hints
rss() { sed -n 's/^VmRSS: *\([0-9]*\) kB/\1/p' "/proc/$PID/status"; }
i=1
while [ $i -le 10000 ]; do echo "$URL/p/$i"; i=$((i + 1)); done > "$WORK/urls"
# one client: it takes the URIs in order (each client starts the list over)
h2load -i "$WORK/urls" -n 2000 -c 1 -m 8 >/dev/null 2>&1 # warm up
before=$(rss)
h2load -i "$WORK/urls" -n 10000 -c 1 -m 8 > "$WORK/h2load.out" 2>&1
after=$(rss)
like "$(cat "$WORK/h2load.out")" "10000 succeeded" "10,000 requests to 10,000 paths"
ok "$([ $((after - before)) -lt 8192 ]; echo $?)" "RSS grew by $((after - before)) kB (< 8 MB) for 10,000 learned paths"
is "$(events /p/10000 0)" "103:</s.css>; rel=preload; as=style ; 200 (before)" "the newest path is remembered"
is "$(events /p/1 0)" "200" "the oldest was evicted (cache of 100)"
stop_h2cgi
done_testing
