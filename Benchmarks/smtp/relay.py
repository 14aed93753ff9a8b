#!/usr/bin/env python3
"""The anchor: the seed's stack, a durable SMTP→webhook relay in Python (aiosmtpd + SQLite + httpx).

What FastSMTP does, reduced to its core and done the way the Python spec would: every accepted message is committed
to SQLite (WAL, synchronous=FULL) before the 250, a worker claims pending rows, POSTs them as JSON with httpx and
marks them delivered. No DKIM, SPF or rules: it is a lower bound on the work FastSMTP does, measured in the same run.

    python3 Benchmarks/smtp/relay.py --port 2525 --webhook http://127.0.0.1:8080/hook --db /tmp/relay.db
"""
import argparse, asyncio, base64, datetime, json, sqlite3, threading, uuid

from aiosmtpd.controller import Controller
import httpx


class Queue:
    def __init__(self, path):
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("CREATE TABLE IF NOT EXISTS queue (id TEXT PRIMARY KEY, payload TEXT NOT NULL, "
                        "status TEXT NOT NULL DEFAULT 'pending', attempts INTEGER NOT NULL DEFAULT 0)")
        self.db.execute("CREATE INDEX IF NOT EXISTS queue_status ON queue (status)")
        # One connection, one writer at a time (aiosmtpd serves SMTP on a loop of its own, in another thread).
        self.lock = threading.Lock()
        self.wake = asyncio.Event()
        self.loop = None

    async def put(self, payload):
        await asyncio.to_thread(self._put, payload)
        self.loop.call_soon_threadsafe(self.wake.set)

    def _put(self, payload):
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute("INSERT INTO queue (id, payload) VALUES (?, ?)", (str(uuid.uuid4()), payload))
            self.db.execute("COMMIT")

    async def claim(self, limit):
        return await asyncio.to_thread(self._claim, limit)

    def _claim(self, limit):
        with self.lock:
            self.db.execute("BEGIN IMMEDIATE")
            rows = self.db.execute("SELECT id, payload FROM queue WHERE status = 'pending' LIMIT ?",
                                   (limit,)).fetchall()
            self.db.executemany("UPDATE queue SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                                [(r[0],) for r in rows])
            self.db.execute("COMMIT")
            return rows

    async def done(self, row_id, ok):
        await asyncio.to_thread(self._done, row_id, ok)

    def _done(self, row_id, ok):
        with self.lock:
            self.db.execute("UPDATE queue SET status = ? WHERE id = ?", ("delivered" if ok else "pending", row_id))


class Handler:
    def __init__(self, queue):
        self.queue = queue

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        payload = json.dumps({
            "message": {
                "received_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
                "envelope": {"mail_from": envelope.mail_from, "rcpt_to": envelope.rcpt_tos,
                             "client_ip": session.peer[0]},
                "size": len(raw), "raw_base64": base64.b64encode(raw).decode(),
            }
        })
        await self.queue.put(payload)
        return "250 OK queued"


async def worker(queue, url, concurrency):
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=concurrency)) as client:
        sem = asyncio.Semaphore(concurrency)

        async def send(row_id, payload):
            try:
                r = await client.post(url, content=payload, headers={"Content-Type": "application/json"})
                ok = 200 <= r.status_code < 300
            except httpx.HTTPError:
                ok = False
            await queue.done(row_id, ok)
            sem.release()

        while True:
            rows = await queue.claim(concurrency)
            if not rows:
                queue.wake.clear()
                try:
                    await asyncio.wait_for(queue.wake.wait(), 1)
                except asyncio.TimeoutError:
                    pass
                continue
            for row_id, payload in rows:
                await sem.acquire()
                asyncio.create_task(send(row_id, payload))


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--webhook", required=True)
    ap.add_argument("--db", required=True)
    ap.add_argument("--concurrency", type=int, default=8)
    args = ap.parse_args()
    queue = Queue(args.db)
    queue.loop = asyncio.get_running_loop()
    controller = Controller(Handler(queue), hostname="127.0.0.1", port=args.port,
                            data_size_limit=30 * 1024 * 1024)
    controller.start()
    try:
        await worker(queue, args.webhook, args.concurrency)
    finally:
        controller.stop()


if __name__ == "__main__":
    asyncio.run(main())
