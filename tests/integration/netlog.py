"""netlog.py NETLOG.json PAGE_URL_SUFFIX RES_URL_SUFFIX: from a Chromium
net log, prints the times (ms) after the page request began at which a 103
arrived on the HTTP/2 session, the page's transaction took early hints, its
final response headers arrived and the first request for the resource
started: "recv103=X hints=H final=F res=R" (- for what did not happen)."""
import json
import sys

d = json.load(open(sys.argv[1]))
types = {v: k for k, v in d["constants"]["logEventTypes"].items()}
srcs = {v: k for k, v in d["constants"]["logSourceType"].items()}
url = {}
for e in d["events"]:
    if srcs.get(e["source"]["type"]) == "URL_REQUEST" and "url" in e.get("params", {}):
        url.setdefault(e["source"]["id"], e["params"]["url"])
first, hints, final, recv103 = {}, None, None, None
for e in d["events"]:
    sid = e["source"]["id"]
    u = url.get(sid, "")
    t = int(e["time"])
    first.setdefault(u, t) if u else None
    if types[e["type"]] == "HTTP2_SESSION_RECV_HEADERS" and recv103 is None and \
            ":status: 103" in e.get("params", {}).get("headers", []):
        recv103 = t
    if u.endswith(sys.argv[2]):
        n = types[e["type"]]
        if n == "HTTP_TRANSACTION_READ_EARLY_HINTS_RESPONSE_HEADERS" and hints is None:
            hints = t
        if n == "HTTP_TRANSACTION_READ_RESPONSE_HEADERS" and final is None:
            final = t
page = min(t for u, t in first.items() if u.endswith(sys.argv[2]))
res = min((t for u, t in first.items() if u.endswith(sys.argv[3])), default=None)
print("recv103=%s hints=%s final=%s res=%s" % ("-" if recv103 is None else recv103 - page,
                                    "-" if hints is None else hints - page,
                                    "-" if final is None else final - page,
                                    "-" if res is None else res - page))
