#!/usr/bin/env python3
"""A FastCGI responder for the tests, written from FastCGI 1.0: it answers
every request with "backend NAME" and appends what happened to LOG:
"conn" per accepted connection (and "open N", how many are open then), "abort" when it reads FCGI_ABORT_REQUEST,
"closed" when h2cgi closes a connection in the middle of a request.

usage: fcgi_backend.py ADDR NAME LOG MODE
  ADDR  unix:PATH or PORT (on 127.0.0.1)
  MODE  keep:  honours FCGI_KEEP_CONN
        close: closes every connection after its request, kept or not
        hang:  reads the request and never answers
        values: keep, and answers FCGI_GET_VALUES (MAX_CONNS 3, MAX_REQS 3,
                MPXS 0); the other modes ignore it, as libfcgi does
"""
import os
import socket
import socketserver
import struct
import sys
import threading

ADDR, NAME, LOG, MODE = sys.argv[1:5]
lock = threading.Lock()


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
        f = self.rfile
        while True:
            keep = False
            rid = None
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
                elif rtype == 5 and not body:
                    break
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


class Unix(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True
    request_queue_size = 128  # socketserver's 5 drops bursts of new connections


class TCP(socketserver.ThreadingMixIn, socketserver.TCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128


if ADDR.startswith("unix:"):
    path = ADDR[5:]
    if os.path.exists(path):
        os.unlink(path)
    srv = Unix(path, Handler)
else:
    srv = TCP(("127.0.0.1", int(ADDR)), Handler)
with open(LOG + ".ready", "w") as f:
    f.write("ready\n")
srv.serve_forever()
