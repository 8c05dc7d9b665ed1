#!/usr/bin/env python3
"""A FastCGI responder for the tests, written from FastCGI 1.0: it answers
every request with "backend NAME" and appends what happened to LOG:
"conn" per accepted connection (and "open N", how many are open then), "abort" when it reads FCGI_ABORT_REQUEST,
"closed" when h2cgi closes a connection in the middle of a request.

usage: fcgi_backend.py ADDR NAME LOG MODE
  ADDR  unix:PATH or PORT (on 127.0.0.1)
  MODE  keep:  honours FCGI_KEEP_CONN
        single: keep, one connection at a time, as one libfcgi process:
               a kept connection holds it until closed
        close: closes every connection after its request, kept or not
        (keep, single, close: ?sleepN answers after N ms; the first ?drop
        closes its connection 200 ms later without answering)
        hang:  reads the request and never answers
        values: keep, and answers FCGI_GET_VALUES (MAX_CONNS 3, MAX_REQS 3,
                MPXS 0); the other modes ignore it, as libfcgi does
        mpx:   multiplexes: answers FCGI_GET_VALUES (MAX_CONNS 2, MAX_REQS 50,
               MPXS 1) and serves every request of a connection at once, each
               in a thread of its own, its answer "backend NAME QUERY" written
               in three STDOUT records after QUERY_STRING's milliseconds, so
               that the answers interleave; logs "request ID", "busy N" (the
               requests open on that connection) and "abort ID"
        evil:  misbehaves as QUERY_STRING says: garbage (bytes that are no
               record), wrongid (STDOUT for another request id), endonly
               (END_REQUEST without STDOUT), closehead (a close inside the
               header block), closemid (a close inside the body), hang (no
               answer), trickle (a right answer, one byte per record),
               hugehead (a 10 MB header block); logs "evil WHAT"
"""
import os
import socket
import socketserver
import struct
import sys
import threading
import time

ADDR, NAME, LOG, MODE = sys.argv[1:5]
lock = threading.Lock()


dropped = False


def drop_once():
    """True the first time only: ?drop closes one request's connection."""
    global dropped
    with lock:
        first, dropped = not dropped, True
    return first


def log(word):
    with lock:
        with open(LOG, "a") as f:
            f.write(word + "\n")


def record(rtype, rid, content=b""):
    return struct.pack(">BBHHBB", 1, rtype, rid, len(content), 0, 0) + content


def read_record(f):
    h = f.read(8)
    if len(h) < 8:
        return None
    _, rtype, rid, clen, plen, _ = struct.unpack(">BBHHBB", h)
    body = f.read(clen + plen)
    if len(body) < clen + plen:
        return None
    return rtype, rid, body[:clen]


def nv(name, value):
    return bytes([len(name), len(value)]) + name + value


def nv_pairs(data):
    """The name-value pairs of a PARAMS stream (FastCGI 1.0 section 3.4)."""
    out, i = {}, 0
    while i < len(data):
        lens = []
        for _ in range(2):
            if data[i] & 0x80:
                lens.append(struct.unpack(">I", data[i:i + 4])[0] & 0x7FFFFFFF)
                i += 4
            else:
                lens.append(data[i])
                i += 1
        out[data[i:i + lens[0]]] = data[i + lens[0]:i + lens[0] + lens[1]]
        i += lens[0] + lens[1]
    return out


class Handler(socketserver.StreamRequestHandler):
    open_now = 0

    def handle(self):
        with lock:
            Handler.open_now += 1
            n = Handler.open_now
        log("conn")
        log("open %d" % n)
        try:
            self.serve()
        finally:
            with lock:
                Handler.open_now -= 1

    def serve(self):
        if MODE == "mpx":
            return self.serve_mpx()
        if MODE == "evil":
            return self.serve_evil()
        f = self.rfile
        while True:
            keep = False
            rid = None
            params = b""
            while True:  # one request: BEGIN, PARAMS..., STDIN... up to the empty one
                r = read_record(f)
                if r is None:
                    if rid is not None:
                        log("closed")
                    return
                rtype, rid_, body = r
                if rtype == 9:  # FCGI_GET_VALUES: answered in values mode only, as libfcgi
                    log("get_values")  # does not answer a lone one
                    if MODE != "values":
                        continue
                    out = nv(b"FCGI_MAX_CONNS", b"3") + nv(b"FCGI_MAX_REQS", b"3") + nv(b"FCGI_MPXS_CONNS", b"0")
                    self.wfile.write(record(10, 0, out))
                    self.wfile.flush()
                    continue
                if rtype == 1:
                    rid = rid_
                    keep = bool(body[2] & 1)
                elif rtype == 2:
                    log("abort")
                    return
                elif rtype == 4:
                    params += body
                elif rtype == 5 and not body:
                    break
            query = nv_pairs(params).get(b"QUERY_STRING", b"")
            if query == b"drop" and drop_once():
                time.sleep(0.2)  # then closes without answering, once
                log("drop")
                return
            if query.startswith(b"sleep"):
                time.sleep(int(query[5:]) / 1000)
            if MODE == "hang":
                while True:
                    r = read_record(f)
                    if r is None:
                        log("closed")
                        return
                    if r[0] == 2:
                        log("abort")
                        return
            text = ("Content-Type: text/plain\r\n\r\nbackend %s\n" % NAME).encode()
            self.wfile.write(record(6, rid, text) + record(6, rid) +
                             record(3, rid, struct.pack(">IB3x", 0, 0)))
            self.wfile.flush()
            log("request")
            if not keep or MODE == "close":
                return


    def serve_evil(self):
        f, w = self.rfile, self.wfile
        params, rid = b"", 1
        while True:
            r = read_record(f)
            if r is None:
                return
            rtype, rid, body = r
            if rtype == 4:
                params += body
            elif rtype == 5 and not body:
                break
        what = nv_pairs(params).get(b"QUERY_STRING", b"").decode()
        log("evil " + what)
        head = b"Content-Type: text/plain\r\n\r\n"
        end = record(3, rid, struct.pack(">IB3x", 0, 0))
        if what == "garbage":
            w.write(b"\x07\x06garbage that is no FastCGI record at all")
        elif what == "wrongid":
            w.write(record(6, rid + 6, head + b"not yours\n"))
        elif what == "endonly":
            w.write(end)
        elif what == "closehead":
            w.write(record(6, rid, b"Content-Type: text/pl"))
        elif what == "closemid":
            w.write(record(6, rid, head + b"partial"))
        elif what == "hang":
            w.flush()
            while f.read(1):
                pass
            return
        elif what == "trickle":
            for b in head + b"trickled one byte at a time\n":
                w.write(record(6, rid, bytes([b])))
                w.flush()
                time.sleep(0.002)
            w.write(record(6, rid) + end)
        elif what == "hugehead":
            line = b"X-Big: " + b"a" * 990 + b"\r\n"
            for _ in range(10 * 1024 // 16):
                try:
                    w.write(record(6, rid, line * 16))
                except OSError:
                    return
        w.flush()

    def serve_mpx(self):
        f = self.rfile
        wlock = threading.Lock()
        reqs = {}  # id -> [params bytes, aborted]

        def send(data, entry=None):
            """Writes data unless entry's request was aborted meanwhile."""
            with wlock:
                if entry is not None and entry[1]:
                    return False
                self.wfile.write(data)
                self.wfile.flush()
                return True

        def answer(rid, entry):
            q = nv_pairs(entry[0]).get(b"QUERY_STRING", b"").decode()
            try:
                time.sleep(int(q.split("-")[0] or 0) / 1000.0)
            except ValueError:
                pass
            parts = [b"Content-Type: text/plain\r\n\r\n", b"backend %s " % NAME.encode(),
                     q.encode() + b"\n"]
            try:
                for part in parts:
                    # aborted: its id may be another request's now
                    if not send(record(6, rid, part), entry):
                        return
                    time.sleep(0.002)
                with wlock:
                    if entry[1]:
                        return
                    entry[1] = True  # over: the id is free for the next one
                    del reqs[rid]
                    self.wfile.write(record(6, rid) + record(3, rid, struct.pack(">IB3x", 0, 0)))
                    self.wfile.flush()
                log("request %d" % rid)
            except OSError:
                pass

        while True:
            r = read_record(f)
            if r is None:
                if reqs:
                    log("closed")
                return
            rtype, rid, body = r
            if rtype == 9:
                log("get_values")
                out = nv(b"FCGI_MAX_CONNS", b"2") + nv(b"FCGI_MAX_REQS", b"50") + nv(b"FCGI_MPXS_CONNS", b"1")
                send(record(10, 0, out))
            elif rtype == 1:
                with wlock:
                    reqs[rid] = [b"", False]
                    n = len(reqs)
                log("busy %d" % n)
            elif rtype == 4 and rid in reqs:
                reqs[rid][0] += body  # only this thread adds to a request's params
            elif rtype == 2:
                log("abort %d" % rid)
                with wlock:
                    entry = reqs.get(rid)
                    if entry is not None and not entry[1]:
                        entry[1] = True
                        del reqs[rid]
                        self.wfile.write(record(3, rid, struct.pack(">IB3x", 1, 0)))
                        self.wfile.flush()
            elif rtype == 5 and not body and rid in reqs:
                threading.Thread(target=answer, args=(rid, reqs[rid]), daemon=True).start()


class Unix(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops bursts of new connections


class TCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


class UnixSingle(socketserver.UnixStreamServer):
    request_queue_size = 128


if ADDR.startswith("unix:"):
    path = ADDR[5:]
    if os.path.exists(path):
        os.unlink(path)
    srv = (UnixSingle if MODE == "single" else Unix)(path, Handler)
else:
    srv = TCP(("127.0.0.1", int(ADDR)), Handler)
with open(LOG + ".ready", "w") as f:
    f.write("ready\n")
srv.serve_forever()
