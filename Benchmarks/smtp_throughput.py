#!/usr/bin/env python3
"""Rough SMTP-to-webhook throughput of FastSMTP on loopback (a measurement, not a test).

Starts `fastsmtp serve` on SQLite in a temporary directory with free ports, a local webhook receiver, adds one
domain and recipient, then sends N messages of about 1 KB over C concurrent SMTP connections (Python smtplib,
several messages per connection) and prints:
  - accepted/s: messages that got "250 queued as" per second of sending
  - delivered/s: messages whose webhook POST arrived, per second from the first send to the last POST

Everything stays on 127.0.0.1 and stops by itself (bounded count and time).

    swift build -c release --product fastsmtp
    python3 Benchmarks/smtp_throughput.py --binary .build/release/fastsmtp --messages 2000 --connections 8
"""
import argparse, http.server, json, os, smtplib, socket, subprocess, sys, tempfile, threading, time


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Receiver(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self):
        self.count = 0
        self.last = 0.0
        self.lock = threading.Lock()
        super().__init__(("127.0.0.1", 0), Handler)


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with self.server.lock:
            self.server.count += 1
            self.server.last = time.monotonic()
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def message(i):
    body = ("Lorem ipsum dolor sit amet, consectetur adipiscing elit. " * 14)[:800]
    return (f"From: bench@example.org\r\nTo: bench@bench.test\r\nSubject: bench {i}\r\n"
            f"Message-ID: <bench-{i}@example.org>\r\n\r\n{body}\r\n")


def sender(port, indices, results):
    ok = 0
    with smtplib.SMTP("127.0.0.1", port, timeout=60) as s:
        s.ehlo("bench.client")
        for i in indices:
            s.sendmail("bench@example.org", ["bench@bench.test"], message(i))
            ok += 1
    results.append(ok)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=".build/release/fastsmtp",
                    help="a -c release build (what users run); a debug build is refused")
    ap.add_argument("--messages", type=int, default=1000)
    ap.add_argument("--connections", type=int, default=8)
    ap.add_argument("--timeout", type=float, default=300)
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    if not os.path.exists(binary):
        sys.exit(f"{binary} not found: swift build -c release --product fastsmtp")
    if "/debug/" in binary:
        sys.exit("benchmarks measure the release binary: swift build -c release --product fastsmtp")

    receiver = Receiver()
    threading.Thread(target=receiver.serve_forever, daemon=True).start()
    work = tempfile.mkdtemp(prefix="fastsmtp-bench-")
    smtp_port, api_port = free_port(), free_port()
    env = dict(os.environ, FASTSMTP_DATA_DIR=os.path.join(work, "data"), FASTSMTP_SMTP_HOST="127.0.0.1",
               FASTSMTP_SMTP_PORT=str(smtp_port), FASTSMTP_API_HOST="127.0.0.1", FASTSMTP_API_PORT=str(api_port),
               FASTSMTP_LOG_LEVEL="warning", FASTSMTP_ROOT_API_KEY="fsmtp_benchmark_only_key_0000000000000000")
    env.pop("FASTSMTP_DATABASE_URL", None)
    subprocess.run([binary, "domain", "create", "bench.test"], env=env, cwd=work, check=True, capture_output=True)
    subprocess.run([binary, "recipient", "add", "bench.test", "bench", f"http://127.0.0.1:{receiver.server_port}/hook"],
                   env=env, cwd=work, check=True, capture_output=True)
    server = subprocess.Popen([binary, "serve"], env=env, cwd=work, stdout=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", smtp_port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    sys.exit("server did not start")
                time.sleep(0.1)

        chunks = [list(range(i, args.messages, args.connections)) for i in range(args.connections)]
        results = []
        start = time.monotonic()
        threads = [threading.Thread(target=sender, args=(smtp_port, c, results)) for c in chunks]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.timeout)
        sent_done = time.monotonic()
        accepted = sum(results)
        deadline = start + args.timeout
        while receiver.count < accepted and time.monotonic() < deadline:
            time.sleep(0.02)
        delivered_done = receiver.last or time.monotonic()
        print(json.dumps({
            "binary": binary, "messages": args.messages, "connections": args.connections, "message_bytes": len(message(0)),
            "accepted": accepted, "delivered": receiver.count,
            "accepted_per_second": round(accepted / (sent_done - start), 1),
            "delivered_per_second": round(receiver.count / (delivered_done - start), 1),
            "seconds": round(delivered_done - start, 2),
        }, indent=2))
    finally:
        server.terminate()
        server.wait(30)
        receiver.shutdown()


if __name__ == "__main__":
    main()
