#!/usr/bin/python3
"""resume.py PORT N - N TLS connections to h2cgi, each resuming the last
one's session (a ticket, RFC 5077 / RFC 8446 4.6.1), with TLS 1.3 and then
TLS 1.2; prints per version how the handshakes went: "full resumed ..."."""
import socket
import ssl
import sys

port, n = int(sys.argv[1]), int(sys.argv[2])
for ver in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.minimum_version = ctx.maximum_version = ver
    ctx.set_alpn_protocols(["http/1.1"])
    sess, out = None, []
    for _ in range(n):
        s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=10),
                            server_hostname="localhost", session=sess)
        # a whole exchange: a TLS 1.3 ticket comes after the handshake
        s.sendall(b"GET /cgi-bin/hello.cgi HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        while s.recv(65536):
            pass
        out.append("resumed" if s.session_reused else "full")
        sess = s.session
        s.close()
    print("%s: %s" % (ver.name, " ".join(out)))
