#!/usr/bin/env python3
"""idle.py - hold N idle HTTP/2 TLS connections open against a server.

Usage: idle.py HOST PORT N [PATH]

Each connection does what a browser tab left open does: TLS handshake with
ALPN h2, the connection preface and SETTINGS, one GET for PATH (default
/fcgi) read to its end, then silence. When all N are open the script
writes "open N" to stdout, waits for one line on stdin (the harness
measures the server's memory meanwhile), counts the connections the server
has not closed ("alive N") and exits, closing them all.

Loopback only; bounded: every
connection gets 10 s to finish its request or is counted as failed, and
past 5% failed the rest are not tried.
"""
import asyncio
import resource
import ssl
import sys

import h2.config
import h2.connection
import h2.events


async def one(host, port, ctx, path, conns, failed):
    try:
        r, w = await asyncio.wait_for(
            asyncio.open_connection(host, port, ssl=ctx), 10)
        h = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
        h.initiate_connection()
        h.send_headers(1, [(':method', 'GET'), (':scheme', 'https'),
                           (':authority', f'{host}:{port}'), (':path', path)],
                       end_stream=True)
        w.write(h.data_to_send())
        done = False
        while not done:
            data = await asyncio.wait_for(r.read(65536), 10)
            if not data:
                raise ConnectionError('closed')
            for ev in h.receive_data(data):
                if isinstance(ev, h2.events.DataReceived):
                    h.acknowledge_received_data(ev.flow_controlled_length, ev.stream_id)
                if isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                    done = True
            w.write(h.data_to_send())
        await w.drain()
        conns.append((r, w))
    except Exception:  # counted, not fatal: the figure uses the ones alive
        failed.append(1)


async def main():
    host, port, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    path = sys.argv[4] if len(sys.argv) > 4 else '/fcgi'
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = n + 256
    if soft < want:
        if hard != resource.RLIM_INFINITY and hard < want:
            hard = want  # root may raise it; anyone else gets an error here
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    ctx.set_alpn_protocols(['h2'])
    conns, failed = [], []
    sem = asyncio.Semaphore(64)  # handshakes in flight at once

    async def guarded():
        async with sem:
            # a server that cannot hold them is told apart in seconds, not
            # after a timeout per connection
            if len(failed) <= max(10, n // 20):
                await one(host, port, ctx, path, conns, failed)
            else:
                failed.append(1)

    await asyncio.gather(*(guarded() for _ in range(n)))
    print(f'open {len(conns)} failed {len(failed)}', flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)

    async def alive(r):
        # an open idle connection has nothing to say within a second; a
        # closed one reads EOF at once (data, e.g. a PING, also counts)
        try:
            return bool(await asyncio.wait_for(r.read(1), 1.0))
        except asyncio.TimeoutError:
            return True
        except Exception:
            return False

    alive = sum(await asyncio.gather(*(alive(r) for r, _ in conns)))
    print(f'alive {alive}', flush=True)
    for r, w in conns:
        w.close()


if __name__ == '__main__':
    asyncio.run(main())
