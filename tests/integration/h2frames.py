#!/usr/bin/python3
"""h2frames.py - a frame-level HTTP/2 client for the tests (Debian python3-h2).

Header validation is off on the receiving side so that the test sees exactly
what h2cgi put on the wire. Usage:

  h2frames.py PORT events METHOD PATH [--body FILE] [--no-length] [--partial N]
      prints one JSON object per event (with a "t" in seconds since start);
      --partial N: only the body's first N bytes are sent (its length is
      the whole body's), and the stream stays open
  h2frames.py PORT many N PATH
      N concurrent POSTs of distinct bodies on one connection to an echoing
      script; prints a count of streams, ended ones and bad ones
  h2frames.py PORT twice PATH DELAY     two GETs on one connection, DELAY apart
  h2frames.py PORT idle PATH WAIT       one GET, then silence for up to WAIT s
  h2frames.py PORT slowloris SEC LIMIT  a header block one byte per SEC
  h2frames.py PORT lowid PATH          GET on stream 5, then HEADERS on stream 3
  h2frames.py PORT latetrailers PATH   a POST the server resets, then trailers
                                       on it, then a GET on a new stream
  h2frames.py PORT closedheaders PATH  HEADERS again on a stream the client
                                       reset, and on one that ended
  h2frames.py PORT bigframe KIND PATH  a HEADERS (KIND headers) or DATA (data)
                                       frame of 16385 octets or more
  h2frames.py PORT noread N PATH WAIT  N GETs with a zero window, never read
  h2frames.py PORT stall PATH WAIT [md5]  a GET with a zero window for WAIT s,
                                       then read to its end (md5: and the
                                       body's MD5 printed)
  h2frames.py PORT reset N PATH DELAY  N GETs reset (CANCEL) after DELAY s,
                                       then the connection stays open 1 s
"""
import hashlib
import json
import socket
import ssl
import sys
import time

import h2.config
import h2.connection
import h2.events


def connect(port):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["h2"])
    raw = socket.create_connection(("127.0.0.1", port), timeout=30)
    tls = ctx.wrap_socket(raw, server_hostname="localhost")
    if tls.selected_alpn_protocol() != "h2":
        raise SystemExit("no h2")
    cfg = h2.config.H2Configuration(client_side=True, validate_inbound_headers=False,
                                    normalize_inbound_headers=False)
    conn = h2.connection.H2Connection(config=cfg)
    conn.initiate_connection()
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20})
    tls.sendall(conn.data_to_send())
    return tls, conn


def headers(method, path, port, extra=()):
    return [(":method", method), (":scheme", "https"), (":authority", "127.0.0.1:%d" % port),
            (":path", path)] + list(extra)


def send_body(tls, conn, sid, body, events_out, t0, end=True):
    """Sends body respecting flow control, pumping received events meanwhile;
    ends the stream after it when end."""
    off = 0
    while off < len(body):
        win = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size)
        if win <= 0:
            pump(tls, conn, events_out, t0)
            continue
        chunk = body[off:off + win]
        conn.send_data(sid, chunk)
        off += len(chunk)
        tls.sendall(conn.data_to_send())
    if end:
        conn.end_stream(sid)
        tls.sendall(conn.data_to_send())


def pump(tls, conn, out, t0):
    data = tls.recv(65536)
    if not data:
        raise EOFError
    for ev in conn.receive_data(data):
        out.append((time.monotonic() - t0, ev))
        if isinstance(ev, h2.events.DataReceived):
            conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
    pending = conn.data_to_send()
    if pending:
        tls.sendall(pending)


def dec(v):
    return v.decode("latin-1") if isinstance(v, bytes) else v


def cmd_events(port, method, path, body=None, no_length=False, extra=(), partial=None):
    tls, conn = connect(port)
    t0 = time.monotonic()
    sid = conn.get_next_available_stream_id()
    hdrs = headers(method, path, port, extra)
    if body is not None and not no_length:
        hdrs.append(("content-length", str(len(body))))
    conn.send_headers(sid, hdrs, end_stream=body is None)
    tls.sendall(conn.data_to_send())
    evs = []
    if body is not None:
        if partial is None:
            send_body(tls, conn, sid, body, evs, t0)
        else:
            send_body(tls, conn, sid, body[:partial], evs, t0, end=False)
    done = False
    while not done:
        try:
            pump(tls, conn, evs, t0)
        except EOFError:
            break
        for _, ev in evs:
            if isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)) and ev.stream_id == sid:
                done = True
    data = b""
    for t, ev in evs:
        if isinstance(ev, h2.events.InformationalResponseReceived):
            print(json.dumps({"t": t, "event": "informational",
                              "headers": [[dec(k), dec(v)] for k, v in ev.headers]}))
        elif isinstance(ev, h2.events.ResponseReceived):
            print(json.dumps({"t": t, "event": "response",
                              "headers": [[dec(k), dec(v)] for k, v in ev.headers]}))
        elif isinstance(ev, h2.events.DataReceived):
            data += ev.data
        elif isinstance(ev, h2.events.StreamReset):
            print(json.dumps({"t": t, "event": "reset", "code": int(ev.error_code)}))
        elif isinstance(ev, h2.events.StreamEnded):
            print(json.dumps({"t": t, "event": "end"}))
    print(json.dumps({"event": "body", "body": data.decode("latin-1")}))


def cmd_many(port, n, path):
    """n concurrent POSTs on one connection; each body must come back intact."""
    tls, conn = connect(port)
    t0 = time.monotonic()
    want, got, ended, status = {}, {}, set(), {}
    for i in range(n):
        sid = conn.get_next_available_stream_id()
        body = ("stream %d " % i).encode() * (i + 1)
        want[sid] = body
        got[sid] = b""
        conn.send_headers(sid, headers("POST", path, port, [("content-length", str(len(body)))]))
        conn.send_data(sid, body, end_stream=True)
    tls.sendall(conn.data_to_send())
    evs = []
    deadline = time.monotonic() + 60
    while len(ended) < n and time.monotonic() < deadline:
        pump(tls, conn, evs, t0)
        for _, ev in evs:
            if isinstance(ev, h2.events.DataReceived):
                got[ev.stream_id] += ev.data
            elif isinstance(ev, h2.events.ResponseReceived):
                status[ev.stream_id] = dict(ev.headers).get(b":status")
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                ended.add(ev.stream_id)
        evs.clear()
    bad = [sid for sid in want if got[sid] != want[sid] or status.get(sid) != b"200"]
    print("streams=%d ended=%d bad=%d" % (n, len(ended), len(bad)))


def cmd_twice(port, path, delay):
    """Two GETs on one connection, delay seconds apart (a signal goes between)."""
    tls, conn = connect(port)
    t0 = time.monotonic()
    out = []
    for i in range(2):
        if i:
            time.sleep(delay)
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, headers("GET", path, port), end_stream=True)
        tls.sendall(conn.data_to_send())
        evs, status, done = [], None, False
        while not done:
            pump(tls, conn, evs, t0)
            for _, ev in evs:
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    status = dict(ev.headers).get(b":status", b"?").decode()
                if isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)) and ev.stream_id == sid:
                    done = True
        out.append(status)
    print(" ".join(out))


def cmd_idle(port, path, wait):
    """One GET, then silence: prints what the server did and when."""
    tls, conn = connect(port)
    t0 = time.monotonic()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, headers("GET", path, port), end_stream=True)
    tls.sendall(conn.data_to_send())
    evs = []
    tls.settimeout(wait)
    goaway = None
    try:
        while True:
            pump(tls, conn, evs, t0)
            for t, ev in evs:
                if isinstance(ev, h2.events.ConnectionTerminated) and goaway is None:
                    goaway = t
    except EOFError:
        print("closed after %.1f s, goaway %s" % (time.monotonic() - t0,
              "yes" if goaway is not None else "no"))
    except (socket.timeout, ssl.SSLError, OSError):
        print("still open after %.1f s" % (time.monotonic() - t0))


def cmd_slowloris(port, interval, limit):
    """Sends a request header block one byte per interval seconds; prints
    when the server closed the connection (or that it did not within limit)."""
    tls, conn = connect(port)
    t0 = time.monotonic()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, headers("GET", "/cgi-bin/hello.cgi", port) +
                      [("x-pad", "p" * 200)], end_stream=True)
    block = conn.data_to_send()
    tls.settimeout(interval)
    for b in block:
        if time.monotonic() - t0 > limit:
            break
        try:
            tls.sendall(bytes([b]))
            data = tls.recv(65536)
            if not data:
                print("closed after %.1f s" % (time.monotonic() - t0))
                return
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        except (OSError, ssl.SSLError):
            print("closed after %.1f s" % (time.monotonic() - t0))
            return
    print("still open after %.1f s" % (time.monotonic() - t0))


def raw_headers(tls, conn, sid, hdrs, end_stream):
    """A HEADERS frame the h2 library would refuse to send (a lower id, a
    closed stream), encoded with the connection's own HPACK state."""
    from hyperframe.frame import HeadersFrame
    f = HeadersFrame(sid)
    f.data = conn.encoder.encode(hdrs)
    f.flags.add("END_HEADERS")
    if end_stream:
        f.flags.add("END_STREAM")
    tls.sendall(f.serialize())


def wait_events(tls, conn, t0, until, limit=10):
    """Pumps until until(events) or EOF or limit seconds; returns the events."""
    evs = []
    tls.settimeout(limit)
    end = time.monotonic() + limit
    try:
        while not until(evs) and time.monotonic() < end:
            pump(tls, conn, evs, t0)
    except (EOFError, socket.timeout, ssl.SSLError, OSError):
        pass
    except h2.exceptions.ProtocolError:
        # a frame on a stream sent raw, behind the library's back: the
        # server answered it
        evs.append((time.monotonic() - t0, "answered"))
    return evs


def goaway_of(evs):
    for _, ev in evs:
        if isinstance(ev, h2.events.ConnectionTerminated):
            return "goaway %s" % ev.error_code.name
    return "no goaway"


def headers_after(port, path, sid, again):
    """A GET on stream sid, answered and ended; then a raw HEADERS on stream
    again. Returns the server's GOAWAY (or "no goaway")."""
    tls, conn = connect(port)
    t0 = time.monotonic()
    conn.send_headers(sid, headers("GET", path, port), end_stream=True)
    tls.sendall(conn.data_to_send())
    ended = lambda evs: any(isinstance(e, h2.events.StreamEnded) for _, e in evs)
    wait_events(tls, conn, t0, ended)
    raw_headers(tls, conn, again, headers("GET", path, port), True)
    evs = wait_events(tls, conn, t0, lambda evs: goaway_of(evs) != "no goaway", 5)
    return goaway_of(evs)


def cmd_lowid(port, path):
    """RFC 9113 §5.1.1: HEADERS on a lower, never used id: PROTOCOL_ERROR."""
    print(headers_after(port, path, 5, 3))


def cmd_closedheaders(port, path):
    """HEADERS on a closed stream is STREAM_CLOSED (RFC 9113 §5.1), not the
    lower-id PROTOCOL_ERROR: after the client's own RST_STREAM (a stream
    error), and after the stream ended both ways (a connection error)."""
    from hyperframe.frame import RstStreamFrame
    tls, conn = connect(port)
    t0 = time.monotonic()
    raw_headers(tls, conn, 1, headers("POST", path, port), False)
    tls.sendall(RstStreamFrame(1, error_code=8).serialize())
    raw_headers(tls, conn, 1, headers("GET", path, port), True)
    first = []
    def rst(evs):
        for _, ev in evs:
            if isinstance(ev, h2.events.StreamReset):
                first.append("reset %s" % ev.error_code.name)
            elif isinstance(ev, h2.events.ConnectionTerminated):
                first.append(goaway_of(evs))
        return bool(first)
    wait_events(tls, conn, t0, rst, 5)
    print("%s; %s" % (first[0] if first else "nothing", headers_after(port, path, 1, 1)))


def cmd_bigframe(port, kind, path):
    """RFC 9113 §4.2 (h2spec http2/4.2/2 and 4.2/3): a frame over our
    SETTINGS_MAX_FRAME_SIZE of 16384 is a FRAME_SIZE_ERROR, on the
    connection for a header block."""
    from hyperframe.frame import DataFrame
    tls, conn = connect(port)
    t0 = time.monotonic()
    wait_events(tls, conn, t0, lambda evs: any(
        isinstance(e, h2.events.RemoteSettingsChanged) for _, e in evs), 5)
    if kind == "headers":
        pad = [("x-dummy%d" % i, "x" * 4000) for i in range(5)]
        raw_headers(tls, conn, 1, headers("GET", path, port) + pad, True)
    else:
        raw_headers(tls, conn, 1, headers("POST", path, port), False)
        f = DataFrame(1, data=b"x" * 16385)
        f.flags.add("END_STREAM")
        tls.sendall(f.serialize())
    def done(evs):
        return any(isinstance(e, (h2.events.ConnectionTerminated, h2.events.StreamReset))
                   for _, e in evs)
    evs = wait_events(tls, conn, t0, done, 5)
    out = "nothing"
    for _, ev in evs:
        if ev == "answered":
            out = "answered"
        elif isinstance(ev, h2.events.ConnectionTerminated):
            out = "goaway %s" % ev.error_code.name
        elif isinstance(ev, h2.events.StreamReset):
            out = "reset %s" % ev.error_code.name
    print(out)


def cmd_latetrailers(port, path):
    """A POST the server answers early and resets (NO_ERROR) while the body
    still comes; trailers sent on it after the reset are ignored (RFC 9113
    §5.1), and the connection goes on."""
    tls, conn = connect(port)
    t0 = time.monotonic()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, headers("POST", path, port, [("content-length", "100000000")]))
    tls.sendall(conn.data_to_send())
    evs, reset, chunk = [], None, b"x" * 16384
    tls.settimeout(0.05)
    deadline = time.monotonic() + 10
    while reset is None and time.monotonic() < deadline:
        if conn.local_flow_control_window(sid) >= len(chunk):
            conn.send_data(sid, chunk)
            tls.sendall(conn.data_to_send())
        try:
            pump(tls, conn, evs, t0)
        except (socket.timeout, ssl.SSLWantReadError):
            pass
        for _, ev in evs:
            if isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                reset = ev.error_code.name
    raw_headers(tls, conn, sid, [("x-trailer", "late")], True)
    sid2 = sid + 2
    conn.send_headers(sid2, headers("GET", "/cgi-bin/hello.cgi", port), end_stream=True)
    tls.sendall(conn.data_to_send())
    status = []
    def done(evs):
        for _, ev in evs:
            if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid2:
                status.append(dict(ev.headers).get(b":status", b"?").decode())
            if isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid2:
                return True
        return False
    evs = wait_events(tls, conn, t0, done)
    print("reset %s; next %s; %s" % (reset, status[0] if status else "none", goaway_of(evs)))


def send_gets(tls, conn, n, path, port):
    """Opens n GET streams for path at once; returns their ids."""
    sids = []
    for _ in range(n):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, headers("GET", path, port), end_stream=True)
        sids.append(sid)
    tls.sendall(conn.data_to_send())
    return sids


def cmd_noread(port, n, path, wait):
    """n GETs while our window is 0: the server can send HEADERS only. We
    never open the window; prints each stream's fate and when."""
    tls, conn = connect(port)
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    tls.sendall(conn.data_to_send())
    t0 = time.monotonic()
    sids = send_gets(tls, conn, n, path, port)
    fate = {}
    tls.settimeout(0.2)
    end = time.monotonic() + wait
    while len(fate) < n and time.monotonic() < end:
        try:
            data = tls.recv(65536)
        except (socket.timeout, ssl.SSLWantReadError):
            continue
        if not data:
            break
        for ev in conn.receive_data(data):  # never acknowledged: the window stays shut
            if isinstance(ev, h2.events.StreamReset):
                fate[ev.stream_id] = "reset %s after %.1f s" % (ev.error_code.name, time.monotonic() - t0)
            elif isinstance(ev, h2.events.StreamEnded):
                fate[ev.stream_id] = "ended"
        pending = conn.data_to_send()
        if pending:
            tls.sendall(pending)
    print("; ".join(fate.get(s, "open") for s in sids))


def cmd_stall(port, path, wait, md5=False):
    """A GET while our window is 0, held for wait s, then the window opened
    and the body read to its end: prints its length and how it ended (and
    its MD5)."""
    tls, conn = connect(port)
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 0})
    tls.sendall(conn.data_to_send())
    sid = send_gets(tls, conn, 1, path, port)[0]
    time.sleep(wait)
    conn.update_settings({h2.settings.SettingCodes.INITIAL_WINDOW_SIZE: 1 << 20})
    conn.increment_flow_control_window(1 << 20)
    tls.sendall(conn.data_to_send())
    got, end, digest = 0, "open", hashlib.md5()
    tls.settimeout(10)
    while end == "open":
        try:
            data = tls.recv(65536)
        except socket.timeout:
            break
        if not data:
            end = "closed"
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.DataReceived) and ev.stream_id == sid:
                got += len(ev.data)
                digest.update(ev.data)
                conn.acknowledge_received_data(ev.flow_controlled_length, sid)
            elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                end = "ended"
            elif isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                end = "reset %s" % ev.error_code.name
        pending = conn.data_to_send()
        if pending:
            tls.sendall(pending)
    print("%d bytes, %s%s" % (got, end, ", md5 " + digest.hexdigest() if md5 else ""))


def cmd_reset(port, n, path, delay):
    """n GETs, reset by us after delay seconds; the connection stays open."""
    tls, conn = connect(port)
    sids = send_gets(tls, conn, n, path, port)
    time.sleep(delay)
    for sid in sids:
        conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
    tls.sendall(conn.data_to_send())
    time.sleep(1)
    print("reset %d" % n)


def main():
    port = int(sys.argv[1])
    what = sys.argv[2]
    if what == "events":
        method, path = sys.argv[3], sys.argv[4]
        body, no_length, extra, partial = None, False, [], None
        args = sys.argv[5:]
        while args:
            a = args.pop(0)
            if a == "--body":
                body = open(args.pop(0), "rb").read()
            elif a == "--no-length":
                no_length = True
            elif a == "--partial":
                partial = int(args.pop(0))
            elif a == "--header":
                k, v = args.pop(0).split(":", 1)
                extra.append((k.strip().lower(), v.strip()))
        cmd_events(port, method, path, body, no_length, extra, partial)
    elif what == "many":
        cmd_many(port, int(sys.argv[3]), sys.argv[4])
    elif what == "twice":
        cmd_twice(port, sys.argv[3], float(sys.argv[4]))
    elif what == "idle":
        cmd_idle(port, sys.argv[3], float(sys.argv[4]))
    elif what == "slowloris":
        cmd_slowloris(port, float(sys.argv[3]), float(sys.argv[4]))
    elif what == "lowid":
        cmd_lowid(port, sys.argv[3])
    elif what == "bigframe":
        cmd_bigframe(port, sys.argv[3], sys.argv[4])
    elif what == "closedheaders":
        cmd_closedheaders(port, sys.argv[3])
    elif what == "latetrailers":
        cmd_latetrailers(port, sys.argv[3])
    elif what == "noread":
        cmd_noread(port, int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))
    elif what == "stall":
        cmd_stall(port, sys.argv[3], float(sys.argv[4]), sys.argv[5:] == ["md5"])
    elif what == "reset":
        cmd_reset(port, int(sys.argv[3]), sys.argv[4], float(sys.argv[5]))


if __name__ == "__main__":
    import h2.errors  # noqa: F401
    import h2.exceptions  # noqa: F401
    import h2.settings  # noqa: F401  (used in connect)
    main()
