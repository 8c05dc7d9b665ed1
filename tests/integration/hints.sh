#!/bin/sh
# Early hints: 103 relayed as a non-final HEADERS frame the moment it comes.
. "$(dirname "$0")/lib.sh"
need_h2py
start_h2cgi --cgi-dir "$CGI" --procs 1

out=$($FRAMES "$PORT" events GET /cgi-bin/early-hints.cgi)
res=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
inf = [e for e in ev if e["event"] == "informational"]
fin = [e for e in ev if e["event"] == "response"]
if not inf or not fin:
    print("missing", [e["event"] for e in ev]); sys.exit()
h = dict(inf[0]["headers"])
print(h.get(":status"), h.get("link"), dict(fin[0]["headers"]).get(":status"),
      "early" if fin[0]["t"] - inf[0]["t"] >= 0.5 else "late %.3f" % (fin[0]["t"] - inf[0]["t"]),
      "status-hdr" if "status" in h else "")
')
is "$res" "103 </style.css>; rel=preload; as=style 200 early " \
    "103 with its Link arrives first, 200 at least 0.5 s later, no Status header leaks"
stop_h2cgi

# a FastCGI program using the C helper h2cgi_early_hints()
HINTS=$top_builddir/examples/fcgi/hints.fcgi
[ -x "$HINTS" ] || { echo "Bail out! $HINTS not built"; exit 1; }
start_h2cgi --spawn "$HINTS" --procs 1
out=$($FRAMES "$PORT" events GET /page)
res=$(printf '%s\n' "$out" | "$PYTHON3" -c '
import json, sys
ev = [json.loads(l) for l in sys.stdin]
print(" ".join(e["event"] + ":" + dict(e.get("headers", [])).get(":status", "") for e in ev if e["event"] in ("informational", "response")),
      "|", " ; ".join(v for e in ev if e["event"] == "informational" for k, v in e["headers"] if k == "link"))
')
is "$res" "informational:103 response:200 | </style.css>; rel=preload; as=style ; </app.js>; rel=preload; as=script" \
    "hints.fcgi (libfcgi + h2cgi_early_hints): 103 with both Links, then 200"
stop_h2cgi

# --cgi-dir with --spawn: the CGI prefix goes to the runner pool, the rest to the app
if command -v curl >/dev/null; then
    start_h2cgi --cgi-dir "$CGI" --spawn "$HINTS" --procs 1
    is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "with --spawn too: /cgi-bin/ still goes to the CGI runner"
    like "$($CURL "$URL/index")" "hello from hints.fcgi" "with --cgi-dir too: other paths go to the --spawn pool"
fi
done_testing
