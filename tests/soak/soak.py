#!/usr/bin/python3
"""soak.py - the checking clients of `make soak` (tests/soak/soak.sh).

usage: soak.py PORT SECONDS STATIC_DIR OUT.json

THREADS clients, each on its own HTTP/2 TLS connection, make random
requests for SECONDS and check every body against what the script or file
holds:
  blob     GET /cgi-bin/blob.cgi?SEED+SIZE: SIZE bytes of "SEED\\n" repeated
  echo     POST of random bytes to /cgi-bin/echo.cgi: the same bytes back
  static   GET of a file of STATIC_DIR under /s/
  reset    a 1 MB blob reset (CANCEL) after its first DATA frame
  drop     a blob whose connection is closed mid-body (a new one follows)
Writes OUT.json: counts per outcome, and the time (time.time()) and reason
of every failure, for soak.sh to set beside the backend kills.
  ok       a 200 with the right body
  wrong    a 200 with another body (never allowed)
  failed   an error answer (5xx, RST_STREAM, closed connection)
  lost     no answer within 60 s (never allowed)
"""
import hashlib
import json
import os
import random
import socket
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import h2frames  # noqa: E402
import h2.events  # noqa: E402
import h2.errors  # noqa: E402

THREADS = 6
ANSWER_LIMIT = 60


def blob(seed, size):
    unit = b"%d\n" % seed
    return (unit * (size // len(unit) + 1))[:size]


class Client(threading.Thread):
    def __init__(self, port, until, files, rnd):
        super().__init__(daemon=True)
        self.port, self.until, self.files, self.rnd = port, until, files, rnd
        self.counts = {"ok": 0, "wrong": 0, "failed": 0, "lost": 0, "reset": 0, "drop": 0}
        self.failures = []
        self.tls = self.conn = None

    def fail(self, kind, what, why):
        self.counts[kind] += 1
        self.failures.append({"t": time.time(), "kind": kind, "what": what, "why": why})
        self.close()

    def close(self):
        if self.tls is not None:
            try:
                self.tls.close()
            except OSError:
                pass
        self.tls = self.conn = None

    def exchange(self, method, path, body=None, cut=None):
        """One request; returns (status, body, end) where end is "ended",
        "reset CODE", "closed", "cut" (we cut it) or "timeout"."""
        if self.tls is None:
            self.tls, self.conn = h2frames.connect(self.port)
            self.tls.settimeout(5)
        tls, conn = self.tls, self.conn
        sid = conn.get_next_available_stream_id()
        hdrs = h2frames.headers(method, path, self.port)
        if body is not None:
            hdrs.append(("content-length", str(len(body))))
        conn.send_headers(sid, hdrs, end_stream=body is None)
        tls.sendall(conn.data_to_send())
        sent = 0
        status, got = None, bytearray()
        t0 = time.monotonic()
        while True:
            if body is not None and sent < len(body):
                win = min(conn.local_flow_control_window(sid), conn.max_outbound_frame_size,
                          len(body) - sent)
                if win > 0:
                    conn.send_data(sid, body[sent:sent + win], end_stream=sent + win == len(body))
                    sent += win
                    tls.sendall(conn.data_to_send())
                    continue
            if time.monotonic() - t0 > ANSWER_LIMIT:
                return status, bytes(got), "timeout"
            try:
                data = tls.recv(65536)
            except socket.timeout:
                continue
            if not data:
                return status, bytes(got), "closed"
            for ev in conn.receive_data(data):
                if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                    status = dict(ev.headers).get(b":status", b"?").decode()
                elif isinstance(ev, h2.events.DataReceived):
                    conn.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                    if ev.stream_id == sid:
                        got += ev.data
                        if cut == "reset":
                            conn.reset_stream(sid, h2.errors.ErrorCodes.CANCEL)
                            tls.sendall(conn.data_to_send())
                            return status, bytes(got), "cut"
                        if cut == "drop":
                            self.close()
                            return status, bytes(got), "cut"
                elif isinstance(ev, h2.events.StreamEnded) and ev.stream_id == sid:
                    tls.sendall(conn.data_to_send())
                    return status, bytes(got), "ended"
                elif isinstance(ev, h2.events.StreamReset) and ev.stream_id == sid:
                    return status, bytes(got), "reset %s" % ev.error_code.name
                elif isinstance(ev, h2.events.ConnectionTerminated):
                    return status, bytes(got), "goaway %s" % ev.error_code.name
            tls.sendall(conn.data_to_send())

    def one(self):
        r = self.rnd.random()
        if r < 0.4:
            seed, size = self.rnd.randrange(1 << 30), self.rnd.choice([0, 1, 13, 5000, 70000, 300000])
            what, path, body, want, cut = "blob", "/cgi-bin/blob.cgi?%d+%d" % (seed, size), None, \
                blob(seed, size), None
        elif r < 0.65:
            body = os.urandom(self.rnd.choice([0, 1, 100, 20000, 100000, 250000]))
            what, path, want, cut = "echo", "/cgi-bin/echo.cgi", body, None
        elif r < 0.9:
            name = self.rnd.choice(sorted(self.files))
            what, path, body, want, cut = "static", "/s/" + name, None, self.files[name], None
        else:
            cut = "reset" if r < 0.95 else "drop"
            seed = self.rnd.randrange(1 << 30)
            what, path, body, want = cut, "/cgi-bin/blob.cgi?%d+1000000" % seed, None, None
        try:
            status, got, end = self.exchange("POST" if body is not None else "GET", path, body, cut)
        except (OSError, EOFError) as e:
            self.fail("failed", what, "connection: %r" % e)
            return
        except Exception as e:  # noqa: BLE001 - h2's protocol errors are failures too
            self.fail("failed", what, "client: %r" % e)
            return
        if end == "cut":
            self.counts[what] += 1
            return
        if end == "timeout":
            self.fail("lost", what, "no answer in %d s (status %s, %d bytes)" % (ANSWER_LIMIT, status, len(got)))
        elif status == "200" and end == "ended":
            if got == want:
                self.counts["ok"] += 1
            else:
                self.fail("wrong", what, "%s: %d bytes, sha256 %s, want %d bytes %s" % (
                    path, len(got), hashlib.sha256(got).hexdigest()[:16], len(want),
                    hashlib.sha256(want).hexdigest()[:16]))
        else:
            self.fail("failed", what, "%s: status %s, %s, %d bytes" % (path, status, end, len(got)))

    def run(self):
        while time.monotonic() < self.until:
            self.one()
        self.close()


def main():
    port, secs, sdir, out = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
    files = {n: open(os.path.join(sdir, n), "rb").read() for n in os.listdir(sdir)}
    until = time.monotonic() + secs
    clients = [Client(port, until, files, random.Random(i)) for i in range(THREADS)]
    for c in clients:
        c.start()
    for c in clients:
        c.join(secs + ANSWER_LIMIT + 30)
    total = {}
    failures = []
    for c in clients:
        for k, v in c.counts.items():
            total[k] = total.get(k, 0) + v
        failures += c.failures
        if c.is_alive():
            total["lost"] = total.get("lost", 0) + 1
            failures.append({"t": time.time(), "kind": "lost", "what": "client", "why": "a client hung"})
    json.dump({"counts": total, "failures": sorted(failures, key=lambda f: f["t"])}, open(out, "w"))
    print(json.dumps(total))


if __name__ == "__main__":
    main()
