#!/usr/bin/env python3
"""A fast webhook receiver for the benchmark: HTTP/1.1 keep-alive on asyncio, answers every POST with 200 at once.

It counts requests and, per request, the time from the payload's `received_at` (the moment the SMTP server stored
the message, milliseconds) to its arrival here: EOD→webhook. `GET /stats` returns {"count", "first", "last",
"latencies_ms": [...]} (wall-clock seconds); `GET /reset` starts again. Prints its port on stdout.

    python3 Benchmarks/smtp/sink.py
"""
import asyncio, datetime, json, re, sys, time

RECEIVED_AT = re.compile(rb'"received_at"\s*:\s*"([^"]+)"')


class Stats:
    def __init__(self):
        self.reset()

    def reset(self):
        self.count = 0
        self.first = None
        self.last = None
        self.latencies = []


stats = Stats()


def latency_ms(body, now):
    match = RECEIVED_AT.search(body, 0, 4096) or RECEIVED_AT.search(body)
    if not match:
        return None
    try:
        stamp = datetime.datetime.fromisoformat(match.group(1).decode().replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None
    return (now - stamp) * 1000


async def handle(reader, writer):
    try:
        while True:
            head = await reader.readuntil(b"\r\n\r\n")
            request_line, _, rest = head.partition(b"\r\n")
            length = 0
            for line in rest.split(b"\r\n"):
                name, _, value = line.partition(b":")
                if name.strip().lower() == b"content-length":
                    length = int(value.strip())
            body = await reader.readexactly(length) if length else b""
            method, path = request_line.split(b" ")[:2]
            if method == b"GET":
                if path == b"/reset":
                    stats.reset()
                payload = json.dumps({"count": stats.count, "first": stats.first, "last": stats.last,
                                      "latencies_ms": stats.latencies}).encode()
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
                             + str(len(payload)).encode() + b"\r\n\r\n" + payload)
            else:
                now = time.time()
                stats.count += 1
                stats.first = stats.first or now
                stats.last = now
                latency = latency_ms(body, now)
                if latency is not None:
                    stats.latencies.append(round(latency, 3))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            await writer.drain()
    except (asyncio.IncompleteReadError, ConnectionError):
        pass
    finally:
        writer.close()


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", int(sys.argv[1]) if len(sys.argv) > 1 else 0,
                                        limit=64 * 1024 * 1024)
    print(server.sockets[0].getsockname()[1], flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
