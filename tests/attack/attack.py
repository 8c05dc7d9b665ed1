#!/usr/bin/python3
"""attack.py - hostile HTTP/2 and HTTP/1.1 clients for the attack suite.

usage: attack.py PORT CASE [CONTROL_PATH]

Runs one attack CASE against h2cgi on 127.0.0.1:PORT (TLS) while a control
client fetches CONTROL_PATH (default /cgi-bin/hello.cgi) every 100 ms on a
connection of its own. Prints one JSON object: the case, the answer h2cgi
gave the attacker ("goaway ENHANCE_YOUR_CALM", "status 400", ...), and the
control client's fetches, failures and worst latency in ms.

Cases:
  priority-flood   5000 PRIORITY frames
  data-flood       a POST, then 5000 DATA frames without a byte
  cont-flood       HEADERS without END_HEADERS, then 5000 empty CONTINUATION
  priority-fair    200 GETs, each after a PRIORITY frame (must all be answered)
  settings-flood   10000 SETTINGS unread, then a GET on the same connection
  ping-flood       10000 PINGs unread, then a GET on the same connection
  window-overflow  WINDOW_UPDATE taking the connection window past 2^31-1
  window-overflow-stream  the same on a stream
  hpack-bomb       a 4 KB field indexed 100 times (400 KB of list, 100 B sent)
  zero-window      initial window 0, a 1 GB download, nothing read for 3 s
  slow-reader      a 1 GB download read at 160 KB/s for 3 s
  host-mismatch    :authority and a Host field that differ (RFC 9113 8.3.1)
  host-bad-h2      :authority with a space and quotes
  host-bad-h1      HTTP/1.1 with Host: a b"<x> (RFC 9112 3.2)
  long-path-h2     a 100 KB :path
  path-over-list-h2  a :path over --max-header-list-size (16k in the suite)
  long-line-h1     a 100 KB request line
  long-head-h1     a 100 KB header field
  rapid-reset      20000 streams opened and reset at once (CVE-2023-44487)
  rapid-reset-8    the same on 8 connections at once, each coming back twice
  h1-NAME          an HTTP/1.1 smuggling head (see SMUGGLE: cl-te, te-te, ...)
  h2-NAME          a malformed HTTP/2 header block (see MALFORMED_H2)
  pipeline-1000    1000 GETs in one write on one HTTP/1.1 connection
  slowloris-head   100 HTTP/1.1 connections sending their head a byte per 0.5 s
  slowloris-body   20 HTTP/1.1 POSTs of 100 KB sending a body byte a second
  slowloris-h2     100 HTTP/2 connections sending a HEADERS frame a byte per 0.5 s
  linger-slow      after a 400 and close, a byte every 100 ms (the 2 s bound)
  linger-fast      after a 400 and close, 64 KB records at full speed (256 KiB)
  get:PATH         a GET of PATH as sent: "status N, ended|reset CODE, first line"
  proxy:PATH       the same with a Proxy header: whether HTTP_PROXY reached it
"""
import json
import os
import select
import socket
import ssl
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import h2frames  # noqa: E402  (connect, raw frames, event pumping)
import h2.events  # noqa: E402
from hyperframe.frame import (ContinuationFrame, DataFrame, HeadersFrame, PingFrame,  # noqa: E402
                              PriorityFrame, SettingsFrame, WindowUpdateFrame)

FLOOD = 5000


class Control(threading.Thread):
    """Fetches a small page every 100 ms; keeps the worst latency."""

    def __init__(self, port, path):
        super().__init__(daemon=True)
        self.port, self.path = port, path
        self.stop = threading.Event()
        self.n = self.failed = 0
        self.worst = 0.0

    def fetch(self, tls, conn):
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, h2frames.headers("GET", self.path, self.port), end_stream=True)
        tls.sendall(conn.data_to_send())
        t0 = time.monotonic()
        status = None
        while True:
            data = tls.recv(65536)
            if not data:
                raise EOFError
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    status = dict(ev.headers).get(b":status")
                elif isinstance(ev, h2.events.DataReceived):
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    tls.sendall(conn.data_to_send())
                    return status == b"200", time.monotonic() - t0
            tls.sendall(conn.data_to_send())

    def run(self):
        tls = conn = None
        while not self.stop.is_set():
            t0 = time.monotonic()
            try:
                if tls is None:
                    tls, conn = h2frames.connect(self.port)
                good, took = self.fetch(tls, conn)
            except Exception:  # noqa: BLE001 - any failure of the control is counted
                good, took, tls = False, time.monotonic() - t0, None
            self.n += 1
            self.failed += 0 if good else 1
            self.worst = max(self.worst, took)
            self.stop.wait(0.1)


def answer_of(tls, conn, sid=None, limit=10):
    """What h2cgi did: a GOAWAY, a RST_STREAM, a status, or nothing."""
    t0 = time.monotonic()

    def done(evs):
        for _, ev in evs:
            if isinstance(ev, (h2.events.ConnectionTerminated, h2.events.StreamReset)):
                return True
            if isinstance(ev, h2.events.ResponseReceived) and (sid is None or ev.stream_id == sid):
                return True
        return False

    evs = h2frames.wait_events(tls, conn, t0, done, limit)
    for _, ev in evs:
        if isinstance(ev, h2.events.ConnectionTerminated):
            return "goaway %s" % ev.error_code.name
        if isinstance(ev, h2.events.StreamReset):
            return "reset %s" % ev.error_code.name
        if isinstance(ev, h2.events.ResponseReceived):
            return "status %s" % dict(ev.headers).get(b":status", b"?").decode()
    return "nothing"


def flood(tls, frames):
    """Sends frames in batches (a slow reader on our side must not stall us)."""
    batch = b""
    for f in frames:
        batch += f.serialize()
        if len(batch) > 60000:
            tls.sendall(batch)
            batch = b""
    if batch:
        tls.sendall(batch)


def case_priority_flood(port):
    tls, conn = h2frames.connect(port)
    frames = []
    for i in range(FLOOD):
        f = PriorityFrame(2 * (i % 500) + 1)
        f.depends_on, f.stream_weight = 0, 16
        frames.append(f)
    try:
        flood(tls, frames)
    except OSError:
        pass
    return answer_of(tls, conn)


def open_post(tls, conn, port):
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, h2frames.headers("POST", "/cgi-bin/echo.cgi", port), end_stream=False)
    tls.sendall(conn.data_to_send())
    return sid


def case_data_flood(port):
    tls, conn = h2frames.connect(port)
    sid = open_post(tls, conn, port)
    try:
        flood(tls, [DataFrame(sid) for _ in range(FLOOD)])
    except OSError:
        pass
    return answer_of(tls, conn)


def case_cont_flood(port):
    tls, conn = h2frames.connect(port)
    sid = conn.get_next_available_stream_id()
    f = HeadersFrame(sid)
    f.data = conn.encoder.encode(h2frames.headers("GET", "/cgi-bin/hello.cgi", port))
    f.flags.add("END_STREAM")
    try:
        flood(tls, [f] + [ContinuationFrame(sid) for _ in range(FLOOD)])
    except OSError:
        pass
    return answer_of(tls, conn)


def then_get(tls, conn, port):
    """After an attack on this connection: a GET on it; the first answer
    (a GOAWAY the attack drew, or the GET's status)."""
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, h2frames.headers("GET", "/cgi-bin/hello.cgi", port), end_stream=True)
    try:
        tls.sendall(conn.data_to_send())
    except OSError:
        pass
    return answer_of(tls, conn, sid)


def case_settings_flood(port):
    """SETTINGS frames without reading the ACKs: past nghttp2's bound on
    queued ACKs (max_outbound_ack) the connection is told to calm down."""
    tls, conn = h2frames.connect(port)
    try:
        flood(tls, [SettingsFrame(0, settings={SettingsFrame.ENABLE_PUSH: 0}) for _ in range(FLOOD * 2)])
    except OSError:
        pass
    return then_get(tls, conn, port)


def case_ping_flood(port):
    tls, conn = h2frames.connect(port)
    try:
        flood(tls, [PingFrame(0, opaque_data=b"12345678") for _ in range(FLOOD * 2)])
    except OSError:
        pass
    return then_get(tls, conn, port)


def case_window_overflow(port):
    """RFC 9113 6.9.1: a connection window over 2^31-1 is a connection
    error FLOW_CONTROL_ERROR."""
    tls, conn = h2frames.connect(port)
    tls.sendall(WindowUpdateFrame(0, window_increment=2 ** 31 - 1).serialize())
    return answer_of(tls, conn)


def case_window_overflow_stream(port):
    """The same on a stream (a POST waiting for its body): a stream error,
    RST_STREAM FLOW_CONTROL_ERROR."""
    tls, conn = h2frames.connect(port)
    sid = open_post(tls, conn, port)  # no answer before its body ends
    tls.sendall(WindowUpdateFrame(sid, window_increment=2 ** 31 - 1).serialize())
    return answer_of(tls, conn)


def case_hpack_bomb(port):
    """A 4 KB field put in the dynamic table by one request, then named 100
    times in the next by one-byte indexes: 400 KB of header list from 100
    bytes on the wire (over --max-header-list-size)."""
    tls, conn = h2frames.connect(port)
    conn.config.validate_outbound_headers = False
    conn.config.normalize_outbound_headers = False
    big = ("x-bomb", "a" * 4000)
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, h2frames.headers("GET", "/cgi-bin/hello.cgi", port, [big]), end_stream=True)
    tls.sendall(conn.data_to_send())
    answer_of(tls, conn, sid)
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, h2frames.headers("GET", "/cgi-bin/hello.cgi", port, [big] * 100),
                      end_stream=True)
    wire = conn.data_to_send()
    answer = answer_of(tls, conn, sid) if tls.sendall(wire) is None else "nothing"
    return "%s (%d bytes sent)" % (answer, len(wire))


def case_zero_window(port):
    """SETTINGS_INITIAL_WINDOW_SIZE 0 and a GET of a 1 GB download, never
    read for 3 s: h2cgi reads the script only as far as its stream buffer."""
    tls, conn = h2frames.connect(port)
    conn.update_settings({SettingsFrame.INITIAL_WINDOW_SIZE: 0})
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, h2frames.headers("GET", "/cgi-bin/download.cgi?1073741824", port),
                      end_stream=True)
    tls.sendall(conn.data_to_send())
    answer = answer_of(tls, conn, sid)
    time.sleep(3)
    tls.close()
    return answer + ", held 3 s"


def case_slow_reader(port):
    """A 1 GB download read 16 KB every 100 ms for 3 s (160 KB/s)."""
    tls, conn = h2frames.connect(port)
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, h2frames.headers("GET", "/cgi-bin/download.cgi?1073741824", port),
                      end_stream=True)
    tls.sendall(conn.data_to_send())
    status, got, end = None, 0, time.monotonic() + 3
    tls.settimeout(1)
    while time.monotonic() < end:
        try:
            data = tls.recv(16384)
        except socket.timeout:
            continue
        if not data:
            break
        for ev in conn.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived):
                status = dict(ev.headers).get(b":status", b"?").decode()
            if isinstance(ev, h2.events.DataReceived):
                got += ev.flow_controlled_length
                conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
        tls.sendall(conn.data_to_send())
        time.sleep(0.1)
    tls.close()
    return "status %s, %s KB read in 3 s" % (status, "under 1000" if got < 1024000 else "over 1000")


def case_priority_fair(port):
    tls, conn = h2frames.connect(port)
    ok = 0
    for _ in range(200):
        sid = conn.get_next_available_stream_id()
        p = PriorityFrame(sid)
        p.depends_on, p.stream_weight = 0, 32
        tls.sendall(p.serialize())
        conn.send_headers(sid, h2frames.headers("GET", "/cgi-bin/hello.cgi", port), end_stream=True)
        tls.sendall(conn.data_to_send())
        a = answer_of(tls, conn, sid)
        if a != "status 200":
            return "request %d: %s" % (ok + 1, a)
        ok += 1
    return "%d answered" % ok


def h2_request(port, hdrs):
    """A request the h2 library would refuse to send: its checks are off."""
    tls, conn = h2frames.connect(port)
    conn.config.validate_outbound_headers = False
    conn.config.normalize_outbound_headers = False
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, hdrs, end_stream=True)
    tls.sendall(conn.data_to_send())
    return answer_of(tls, conn, sid)


def case_host_mismatch(port):
    return h2_request(port, h2frames.headers("GET", "/cgi-bin/hello.cgi", port,
                                             [("host", "evil.example")]))


def case_host_bad_h2(port):
    return h2_request(port, [(":method", "GET"), (":scheme", "https"), (":authority", 'a b"<x>'),
                             (":path", "/cgi-bin/hello.cgi")])


def malformed_h2(extra, before=(), drop=()):
    """A GET whose header block RFC 9113 §8.1.1 calls malformed."""
    def run(port):
        base = [h for h in h2frames.headers("GET", "/cgi-bin/hello.cgi", port) if h[0] not in drop]
        return h2_request(port, list(before) + base + list(extra))
    return run


# RFC 9113 §8.2.1 (names: lowercase, no space, no CR/LF/NUL in values),
# §8.2.2 (no connection-specific fields; TE only "trailers"), §8.3 (only
# the defined pseudo-headers, once each, before the regular fields)
MALFORMED_H2 = {
    "pseudo-unknown": malformed_h2([(":foo", "x")]),
    "pseudo-twice": malformed_h2([(":path", "/again")]),
    "pseudo-after": malformed_h2([(":authority", "x")], before=[("x-a", "1")], drop=(":authority",)),
    "pseudo-missing": malformed_h2([], drop=(":path",)),
    "upper-name": malformed_h2([("X-Upper", "a")]),
    "space-name": malformed_h2([("x a", "1")]),
    "crlf-value": malformed_h2([("x-a", "a\r\nx-b: c")]),
    "lf-value": malformed_h2([("x-a", "a\nb")]),
    "nul-value": malformed_h2([("x-a", "a\x00b")]),
    "connection": malformed_h2([("connection", "keep-alive")]),
    "te-gzip": malformed_h2([("te", "gzip")]),
}


def case_host_bad_h1(port):
    return h1_exchange(port, b'GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: a b"<x>\r\n'
                       b"Connection: close\r\n\r\n")


def case_long_path_h2(port):
    return h2_request(port, h2frames.headers("GET", "/cgi-bin/hello.cgi?" + "a" * (100 * 1024 - 19),
                                             port))


def case_path_over_list_h2(port):
    """A :path just over --max-header-list-size (the suite runs with 16k)."""
    return h2_request(port, h2frames.headers("GET", "/cgi-bin/hello.cgi?" + "a" * 20000, port))


def h1_connect(port, timeout=10):
    """A TLS connection that speaks HTTP/1.1 (ALPN http/1.1)."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(["http/1.1"])
    return ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=timeout),
                           server_hostname="localhost")


def h1_exchange(port, head):
    """Sends head over TLS HTTP/1.1; returns "status N" of the answer."""
    tls = h1_connect(port)
    try:
        tls.sendall(head)
    except OSError:
        pass
    data = b""
    try:
        while True:
            chunk = tls.recv(65536)
            if not chunk:
                break
            data += chunk
    except OSError:
        pass
    line = data.split(b"\r\n", 1)[0].decode(errors="replace")
    return "status %s" % line.split(" ")[1] if line.startswith("HTTP/1.1 ") else "nothing: " + line


def case_long_line_h1(port):
    return h1_exchange(port, b"GET /cgi-bin/hello.cgi?" + b"a" * (100 * 1024) +
                       b" HTTP/1.1\r\nHost: x\r\n\r\n")


def case_long_head_h1(port):
    return h1_exchange(port, b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: x\r\nX-Big: " +
                       b"a" * (100 * 1024) + b"\r\n\r\n")


def peek_goaway(tls, conn):
    """What the server said so far, read without waiting: its GOAWAY."""
    tls.setblocking(False)
    try:
        while True:
            data = tls.recv(65536)
            if not data:
                return None
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ConnectionTerminated):
                    return "goaway %s" % ev.error_code.name
    except (ssl.SSLWantReadError, BlockingIOError):
        return None
    except Exception:  # noqa: BLE001 - frames on streams sent behind the library's back
        return None
    finally:
        tls.setblocking(True)


def case_rapid_reset(port, n=20000):
    """HEADERS then RST_STREAM(CANCEL), n times, as fast as the socket takes
    them (CVE-2023-44487): returns what h2cgi said, if anything."""
    from hyperframe.frame import RstStreamFrame
    tls, conn = h2frames.connect(port)
    hdrs = h2frames.headers("GET", "/cgi-bin/hello.cgi", port)
    batch = b""
    sent = 0
    try:
        for i in range(n):
            sid = 2 * i + 1
            f = HeadersFrame(sid)
            f.data = conn.encoder.encode(hdrs)
            f.flags.add("END_HEADERS")
            f.flags.add("END_STREAM")
            r = RstStreamFrame(sid)
            r.error_code = 8
            batch += f.serialize() + r.serialize()
            if len(batch) > 60000:
                tls.sendall(batch)
                sent = i + 1
                batch = b""
                said = peek_goaway(tls, conn)
                if said:
                    return "%s after %d streams" % (said, sent)
        tls.sendall(batch)
        sent = n
    except OSError as e:
        err = e
    else:
        err = None
    a = answer_of(tls, conn, limit=5)
    if err is not None and a == "nothing":
        return "%d streams, then %r" % (sent, err)
    return "%s after %d streams" % (a, sent) if a != "nothing" else "%d streams, nothing" % sent


def case_rapid_reset_8(port):
    """Eight Rapid Reset connections at once, each reconnecting twice after
    its GOAWAY: the answers, counted."""
    answers = []

    def one():
        for _ in range(3):
            a = case_rapid_reset(port, 5000)
            answers.append(a.split(" after ")[0])

    threads = [threading.Thread(target=one) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return ", ".join("%d x %s" % (answers.count(a), a) for a in sorted(set(answers)))


# HTTP/1.1 request smuggling (RFC 9112 §6.1, §6.3, §5.2): heads whose body
# length two parsers could read two ways; each must be refused.
SMUGGLE = {
    "cl-te": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
    "te-te": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
             b"Transfer-Encoding: identity\r\n\r\n0\r\n\r\n",
    "te-space-colon": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding : chunked\r\n"
                      b"\r\n0\r\n\r\n",
    "te-xchunked": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: xchunked\r\n"
                   b"\r\n0\r\n\r\n",
    "te-chunked-identity": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\n"
                           b"Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n",
    "te-tab": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nTransfer-Encoding:\tchunked\x0b\r\n"
              b"\r\n0\r\n\r\n",
    "te-http10": b"POST /cgi-bin/echo.cgi HTTP/1.0\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
                 b"0\r\n\r\n",
    "cl-cl": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n"
             b"Content-Length: 6\r\n\r\nhello!",
    "cl-list": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\nhello",
    "cl-plus": b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: +5\r\n\r\nhello",
    "obs-fold": b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: x\r\nX-A: a\r\n b\r\n\r\n",
    "bare-cr": b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: x\r\nX-A: a\rb\r\n\r\n",
    "bare-lf": b"GET /cgi-bin/hello.cgi HTTP/1.1\nHost: x\n\n",
    "nul": b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: x\r\nX-A: a\x00b\r\n\r\n",
    "no-host": b"GET /cgi-bin/hello.cgi HTTP/1.1\r\n\r\n",
}


def case_smuggle(name):
    return lambda port: h1_exchange(port, SMUGGLE[name])


def case_pipeline(port, n=1000):
    """n GETs in one write on one HTTP/1.1 connection: n answers, in order."""
    tls = h1_connect(port, 30)
    reqs = b"".join(b"GET /s/hello.cgi?%d HTTP/1.1\r\nHost: x\r\n\r\n" % i for i in range(n))
    # one thread sends and reads, non-blocking: OpenSSL's SSL object is not
    # for two threads at once (a sender thread beside the reader made the
    # reader see an end that never came, or the requests never left)
    tls.setblocking(False)
    data = b""
    t0 = time.monotonic()
    why = "60 s passed"
    while data.count(b"HTTP/1.1 200 ") < n and time.monotonic() < t0 + 60:
        if not tls.pending():  # bytes already decrypted wait in the SSL object
            select.select([tls], [tls] if reqs else [], [], 1)
        try:
            while reqs:
                reqs = reqs[tls.send(reqs[:16384]):]
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
            pass
        except OSError as e:
            why = "send: %s" % e
            break
        try:
            chunk = tls.recv(65536)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            continue
        except OSError as e:
            why = "recv: %s" % e
            break
        if not chunk:
            why = "closed by the server"
            break
        data += chunk
    got = data.count(b"HTTP/1.1 200 ")
    if got == n:
        return "%d answered 200 of %d" % (got, n)
    # what went wrong, for the test's log
    first = data.split(b"\r\n", 1)[0].decode("latin-1") if data else "nothing"
    return "%d answered 200 of %d (%s after %.1f s, %d bytes read, the first line: %s)" % (
        got, n, why, time.monotonic() - t0, len(data), first)


def born(sock):
    """(sock, now): a connection and when it was made. The server's timers
    start at its accept, so each connection's seconds count from there, not
    from when the last of a hundred was set up (under load that took
    seconds, and the first ones seemed closed early)."""
    return sock, time.monotonic()


def trickle(made, first, rest, every, limit, framed=False):
    """Sends first on each socket of made [(sock, born)], then rest one
    byte per socket every `every` seconds, until the server closes it or
    answers (or limit s). Returns [(seconds from the socket's birth until
    closed or answered, the answer's first line)]; framed (HTTP/2): what
    the server sends is read past, only its close counts."""
    t0 = time.monotonic()
    socks = [s for s, _ in made]
    birth = dict(made)
    state = {}
    for s in socks:
        s.setblocking(False)
        try:
            s.sendall(first)
        except (ssl.SSLWantWriteError, OSError):
            state[s] = (0.0, "send failed")
    pos = 0
    while len(state) < len(socks) and time.monotonic() - t0 < limit:
        for s in socks:
            if s in state:
                continue
            try:
                data = s.recv(4096)
                line = data.split(b"\r\n", 1)[0].decode(errors="replace")
                if not framed or not data:
                    state[s] = (time.monotonic() - birth[s], "closed" if framed else line or "closed")
                continue
            except (ssl.SSLWantReadError, BlockingIOError):
                pass
            except OSError:
                state[s] = (time.monotonic() - birth[s], "closed")
                continue
            if pos < len(rest):
                try:
                    s.send(rest[pos:pos + 1])
                except (ssl.SSLWantWriteError, BlockingIOError):
                    pass
                except OSError:
                    state[s] = (time.monotonic() - birth[s], "closed")
        pos += 1
        time.sleep(every)
    for s in socks:
        s.close()
    return [state.get(s, (limit, "still open")) for s in socks]


def trickle_answer(results):
    """ "all N LINE after A-B s", or what the odd ones got."""
    lines = sorted(set(line for _, line in results))
    secs = [t for t, _ in results]
    if len(lines) == 1:
        return "all %d %s after %d-%d s" % (len(results), lines[0], int(min(secs)), int(max(secs)))
    return "mixed: " + ", ".join("%d %s" % (sum(1 for _, x in results if x == line), line)
                                 for line in lines)


def case_slowloris_head(port, n=100):
    """n HTTP/1.1 connections, each sending its head a byte per 0.5 s."""
    made = [born(h1_connect(port)) for _ in range(n)]
    return trickle_answer(trickle(made, b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: x\r\n",
                                  b"X-Slow: " + b"a" * 200, 0.5, 30))


def case_slowloris_body(port, n=20):
    """n HTTP/1.1 POSTs of 100 KB whose bodies come a byte a second."""
    made = [born(h1_connect(port)) for _ in range(n)]
    return trickle_answer(trickle(
        made, b"POST /cgi-bin/echo.cgi HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n",
        b"a" * 100, 1.0, 40))


def case_slowloris_h2(port, n=100):
    """n HTTP/2 connections sending the preface and a HEADERS frame a byte
    per 0.5 s (after the TLS handshake, so only the frame is slow)."""
    made = [born(h2frames.connect(port)[0]) for _ in range(n)]
    hdr = HeadersFrame(1)
    hdr.data = b"\x82\x87\x84"  # :method GET, :scheme https, :path / (static table)
    hdr.flags.add("END_STREAM")
    hdr.flags.add("END_HEADERS")
    return trickle_answer(trickle(made, b"", hdr.serialize(), 0.5, 30, framed=True))


def refused_then(port, every, chunk, limit):
    """A head refused with 400 and a close; the client reads the answer to
    its end, then goes on sending `chunk` every `every` s: h2cgi reads and
    drops what follows (so its 400 is not destroyed by an RST) only for a
    while (2 s) and up to a bound (256 KiB); then the socket closes and the
    next sends fail. Returns (status, seconds, bytes) at that failure."""
    tls = h1_connect(port)
    tls.sendall(SMUGGLE["cl-cl"])
    data = b""
    while True:
        d = tls.recv(65536)
        if not d:
            break
        data += d
    status = data.split(b"\r\n", 1)[0].decode(errors="replace")
    t0, sent = time.monotonic(), 0
    tls.settimeout(1)
    try:
        while time.monotonic() - t0 < limit:
            tls.sendall(chunk)
            sent += len(chunk)
            if every:
                time.sleep(every)
    except (OSError, ssl.SSLError):
        return status, time.monotonic() - t0, sent
    return status, None, sent


def case_linger_slow(port):
    """After a 400 and close, a byte every 100 ms: cut at the 2 s bound."""
    status, secs, _ = refused_then(port, 0.1, b"x", 10)
    return "%s, %s" % (status, "cut after %d s" % secs if secs is not None else "never cut in 10 s")


def case_linger_fast(port):
    """After a 400 and close, 64 KB records as fast as they go: cut past the
    256 KiB bound, long before 16 MB."""
    status, secs, sent = refused_then(port, 0, b"x" * 65536, 10)
    if secs is None:
        return "%s, never cut (%d KB sent)" % (status, sent // 1024)
    return "%s, cut %s" % (status, "before 4 MB" if sent < 4 << 20 else "after %d KB" % (sent // 1024))


CASES = {
    "linger-slow": case_linger_slow,
    "linger-fast": case_linger_fast,
    "slowloris-head": case_slowloris_head,
    "slowloris-body": case_slowloris_body,
    "slowloris-h2": case_slowloris_h2,
    "pipeline-1000": case_pipeline,
    "rapid-reset": case_rapid_reset,
    "rapid-reset-8": case_rapid_reset_8,
    "long-path-h2": case_long_path_h2,
    "path-over-list-h2": case_path_over_list_h2,
    "long-line-h1": case_long_line_h1,
    "long-head-h1": case_long_head_h1,
    "priority-flood": case_priority_flood,
    "data-flood": case_data_flood,
    "cont-flood": case_cont_flood,
    "priority-fair": case_priority_fair,
    "settings-flood": case_settings_flood,
    "ping-flood": case_ping_flood,
    "window-overflow": case_window_overflow,
    "window-overflow-stream": case_window_overflow_stream,
    "hpack-bomb": case_hpack_bomb,
    "zero-window": case_zero_window,
    "slow-reader": case_slow_reader,
    "host-mismatch": case_host_mismatch,
    "host-bad-h2": case_host_bad_h2,
    "host-bad-h1": case_host_bad_h1,
}


for _name in SMUGGLE:
    CASES["h1-" + _name] = case_smuggle(_name)
for _name, _case in MALFORMED_H2.items():
    CASES["h2-" + _name] = _case


def case_get(path, extra=(), look_for=None):
    """GET path over HTTP/2 (the path sent as given): "status N", then
    whether the body was cut, then the body's first line (or whether it
    holds look_for)."""
    def run(port):
        tls, conn = h2frames.connect(port)
        conn.config.validate_outbound_headers = False
        conn.config.normalize_outbound_headers = False
        sid = conn.get_next_available_stream_id()
        conn.send_headers(sid, h2frames.headers("GET", path, port, list(extra)), end_stream=True)
        tls.sendall(conn.data_to_send())
        t0 = time.monotonic()
        status, body, end = "?", b"", "open"

        def done(evs):
            return any(isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset,
                                       h2.events.ConnectionTerminated)) for _, ev in evs)
        evs = h2frames.wait_events(tls, conn, t0, done, 20)
        for _, ev in evs:
            if isinstance(ev, h2.events.ResponseReceived):
                status = dict(ev.headers).get(b":status", b"?").decode()
            elif isinstance(ev, h2.events.DataReceived):
                body += ev.data
            elif isinstance(ev, h2.events.StreamEnded):
                end = "ended"
            elif isinstance(ev, h2.events.StreamReset):
                end = "reset %s" % ev.error_code.name
        first = body.split(b"\n", 1)[0].decode(errors="replace")[:60]
        if look_for is not None:
            first = ("has " if look_for in body else "no ") + look_for.decode()
        return "status %s, %s, %s" % (status, end, first)
    return run


def main():
    port, case = int(sys.argv[1]), sys.argv[2]
    if case.startswith("get:") or case.startswith("proxy:"):
        # get:PATH, or proxy:PATH (with a Proxy header: httpoxy)
        kind, path = case.split(":", 1)
        CASES[case] = case_get(path, [("proxy", "http://evil.example:1")], b"HTTP_PROXY") \
            if kind == "proxy" else case_get(path)
    path = sys.argv[3] if len(sys.argv) > 3 else "/cgi-bin/hello.cgi"
    control = Control(port, path)
    control.start()
    time.sleep(0.3)
    try:
        answer = CASES[case](port)
    except Exception as e:  # noqa: BLE001 - the attacker's own failure is an answer too
        answer = "attacker failed: %r" % e
    time.sleep(0.5)
    control.stop.set()
    control.join(15)
    print(json.dumps({"case": case, "answer": answer, "control_n": control.n,
                      "control_failed": control.failed,
                      "control_worst_ms": int(control.worst * 1000)}))


if __name__ == "__main__":
    main()
