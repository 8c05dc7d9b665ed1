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
# the spawned program is h2cgi's own child (exec, no shell in between)...
kids=$(children "$PID")
for k in $kids; do kids="$kids $(children "$k")"; done # and any grandchild
like "$(ps -o args= -p "$(children "$PID")")" "^[^ ]*hints\.fcgi$" "--spawn runs the program itself as the child"
# ...so it stops with h2cgi, even after SIGKILL (PR_SET_PDEATHSIG)
kill -9 "$PID"; wait "$PID" 2>/dev/null; PID=
i=0
while kill -0 $kids 2>/dev/null && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
ok "$(kill -0 $kids 2>/dev/null; [ $? -ne 0 ]; echo $?)" "SIGKILL of h2cgi: the --spawn program is gone too"

# --cgi-dir with --spawn: the CGI prefix goes to the runner pool, the rest to the app
if command -v curl >/dev/null; then
    start_h2cgi --cgi-dir "$CGI" --spawn "$HINTS" --procs 1
    is "$($CURL "$URL/cgi-bin/hello.cgi")" "Hello, world" "with --spawn too: /cgi-bin/ still goes to the CGI runner"
    like "$($CURL "$URL/index")" "hello from hints.fcgi" "with --cgi-dir too: other paths go to the --spawn pool"
fi
done_testing
