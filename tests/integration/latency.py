"""latency.py PORT [MS]: a TCP relay on an ephemeral 127.0.0.1 port (printed
on stdout) to 127.0.0.1:PORT that holds the server's bytes MS milliseconds
(default 20) before the client gets them, in order: the round trip of a
real network, which loopback lacks.

Chromium drops a 103 that arrives before its own "request sent" task ran
(SpdyHttpStream::OnEarlyHintsReceived with no response callback yet): on
loopback the learned 103 comes back within a millisecond and is lost about
every other load; across any real link it cannot come back that fast."""
import asyncio
import sys

TARGET = int(sys.argv[1])
DELAY = (int(sys.argv[2]) if len(sys.argv) > 2 else 20) / 1000.0


async def pump(reader, writer, delay):
    loop = asyncio.get_running_loop()
    queue = asyncio.Queue()

    async def later():
        while True:
            due, data = await queue.get()
            if due > loop.time():
                await asyncio.sleep(due - loop.time())
            if data is None:
                break
            writer.write(data)
            await writer.drain()
        writer.close()

    sender = asyncio.ensure_future(later())
    try:
        while True:
            data = await reader.read(65536)
            await queue.put((loop.time() + delay, data or None))
            if not data:
                break
    except ConnectionError:
        await queue.put((loop.time(), None))
    try:
        await sender
    except ConnectionError:
        pass


async def client(creader, cwriter):
    try:
        sreader, swriter = await asyncio.open_connection("127.0.0.1", TARGET)
    except OSError:
        cwriter.close()
        return
    await asyncio.gather(pump(creader, swriter, 0), pump(sreader, cwriter, DELAY))


async def main():
    server = await asyncio.start_server(client, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()

asyncio.run(main())
