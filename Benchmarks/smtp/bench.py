#!/usr/bin/env python3
"""FastSMTP's SMTP→webhook benchmark, with Postfix's smtp-sink and a Python relay as anchors in the same run.

Load: Postfix's `smtp-source` (a new TCP connection per message), on loopback. Targets:
  - sink       Postfix `smtp-sink`: accepts and discards (the ceiling of the load generator and the kernel)
  - python     Benchmarks/smtp/relay.py: aiosmtpd + SQLite + httpx, durable (the seed's stack)
  - sqlite     the release `fastsmtp serve` on SQLite (zero config)
  - postgresql the same on a throwaway PostgreSQL cluster (scripts/test-postgres.sh)
Every relay delivers to Benchmarks/smtp/sink.py, which measures EOD→webhook from each payload's `received_at`.

Scenarios: 1 KB and 100 KB × 1/10/50 sessions (accepted/s, delivered end to end/s, how long the queue took to
drain after the last 250); EOD→webhook p50/p99 at a paced 200 msg/s; the delivery rate from a queue pre-filled with
20,000 rows; peak RSS with one 25 MB message; RSS with 5,000 idle sessions. Prints one table with ratios and writes
the numbers as JSON (--json).

    swift build -c release --product fastsmtp
    python3 Benchmarks/smtp/bench.py --binary .build/release/fastsmtp            # the whole suite (~10 min)
    python3 Benchmarks/smtp/bench.py --smoke                                     # ~10 s: one short scenario
"""
import argparse, json, os, resource, shutil, signal, smtplib, socket, statistics, subprocess, sys, tempfile, threading, time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SMTP_SOURCE = shutil.which("smtp-source") or "/usr/sbin/smtp-source"
SMTP_SINK = shutil.which("smtp-sink") or "/usr/sbin/smtp-sink"
ROOT_KEY = "fsmtp_benchmark_only_key_0000000000000000"
# FASTSMTP_* settings given with --set, for every FastSMTP process the run starts.
SETTINGS = {}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, timeout=60):
    deadline = time.monotonic() + timeout
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                sys.exit(f"nothing listens on port {port}")
            time.sleep(0.05)


def rss_kb(pid, field="VmRSS"):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Sink:
    """The webhook receiver, in a process of its own."""

    def __init__(self):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "sink.py")], stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())
        self.url = f"http://127.0.0.1:{self.port}/hook"

    def stats(self, reset=False):
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/{'reset' if reset else 'stats'}", timeout=30) as r:
            return json.load(r)

    def wait_for(self, count, timeout):
        deadline = time.monotonic() + timeout
        while True:
            stats = self.stats()
            if stats["count"] >= count or time.monotonic() > deadline:
                return stats
            time.sleep(0.05)

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


class Target:
    name = ""
    delivers = True
    pid = None

    def stop(self):
        if self.proc:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc = None


class SmtpSink(Target):
    name = "sink"
    delivers = False

    def __init__(self, work):
        self.port = free_port()
        user = ["-u", "nobody"] if os.geteuid() == 0 else []
        self.proc = subprocess.Popen([SMTP_SINK, *user, f"127.0.0.1:{self.port}", "1024"], cwd=work,
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_port(self.port)


class PythonRelay(Target):
    name = "python"

    def __init__(self, work, sink):
        self.port = free_port()
        db = os.path.join(work, f"relay-{self.port}.db")
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "relay.py"), "--port", str(self.port),
                                      "--webhook", sink.url, "--db", db], stderr=subprocess.DEVNULL)
        wait_port(self.port)


class FastSMTP(Target):
    def __init__(self, binary, work, sink, database_url=None, mode=None, name="sqlite", data=None, extra=None):
        self.name = name
        self.port = free_port()
        self.data = data or tempfile.mkdtemp(prefix="data-", dir=work)
        self.env = dict(os.environ, FASTSMTP_DATA_DIR=self.data, FASTSMTP_SMTP_HOST="127.0.0.1",
                        FASTSMTP_SMTP_PORT=str(self.port), FASTSMTP_API_HOST="127.0.0.1",
                        FASTSMTP_API_PORT=str(free_port()), FASTSMTP_LOG_LEVEL="error",
                        FASTSMTP_ROOT_API_KEY=ROOT_KEY, FASTSMTP_SMTP_VERIFY_SPF="false",
                        FASTSMTP_METRICS_PORT=str(free_port()))
        self.env.pop("FASTSMTP_DATABASE_URL", None)
        if database_url:
            self.env["FASTSMTP_DATABASE_URL"] = database_url
        self.env.update(SETTINGS)
        self.env.update(extra or {})
        if data is None:
            if database_url:
                subprocess.run([binary, "db", "upgrade"], env=self.env, cwd=work, check=True, capture_output=True)
            for args in (["domain", "create", "bench.test"],
                         ["recipient", "add", "bench.test", "bench", sink.url]):
                # A shared database keeps them from the previous scenario ("already exists" is fine there).
                subprocess.run([binary, *args], env=self.env, cwd=work, check=not database_url, capture_output=True)
        self.proc = subprocess.Popen([binary, "serve", *([mode] if mode else [])], env=self.env, cwd=work,
                                     stdout=subprocess.DEVNULL)
        self.pid = self.proc.pid
        if mode != "--worker-only":
            wait_port(self.port)


def smtp_source(port, messages, sessions, size):
    start = time.monotonic()
    subprocess.run([SMTP_SOURCE, "-s", str(sessions), "-m", str(messages), "-l", str(size),
                    "-f", "load@example.org", "-t", "bench@bench.test", "-M", "load.example.org",
                    f"127.0.0.1:{port}"], check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
    return time.monotonic() - start


def throughput(target, sink, messages, sessions, size):
    base = sink.stats(reset=True)["count"] if target.delivers else 0
    start_wall = time.time()
    seconds = smtp_source(target.port, messages, sessions, size)
    row = {"accepted_per_s": messages / seconds}
    if target.delivers:
        stats = sink.wait_for(base + messages, timeout=max(120, seconds * 20))
        delivered = stats["count"] - base
        end = stats["last"] or time.time()
        row["delivered"] = delivered
        row["e2e_per_s"] = delivered / max(1e-6, end - start_wall)
        row["drain_s"] = max(0.0, end - (start_wall + seconds))
        if stats["latencies_ms"]:
            row["p99_ms"] = percentile(stats["latencies_ms"], 99)
    return row


def percentile(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def paced(target, sink, rate, seconds):
    """One connection sending `rate` messages a second for `seconds`; EOD→webhook as the sink measured it."""
    sink.stats(reset=True)
    body = "From: load@example.org\r\nTo: bench@bench.test\r\nSubject: paced\r\n\r\n" + "x" * 900 + "\r\n"
    count = int(rate * seconds)
    with smtplib.SMTP("127.0.0.1", target.port, timeout=60) as s:
        s.ehlo("load.example.org")
        start = time.monotonic()
        for i in range(count):
            due = start + i / rate
            pause = due - time.monotonic()
            if pause > 0:
                time.sleep(pause)
            s.sendmail("load@example.org", ["bench@bench.test"], body)
    stats = sink.wait_for(count, timeout=60)
    lat = stats["latencies_ms"]
    return {"p50_ms": statistics.median(lat), "p99_ms": percentile(lat, 99), "samples": len(lat)}


def prefilled(binary, work, sink, rows, database_url, name):
    """Queue `rows` messages with SMTP only, then time a worker-only process draining them."""
    smtp = FastSMTP(binary, work, sink, database_url, mode="--smtp-only", name=name)
    smtp_source(smtp.port, rows, 50, 1024)
    smtp.stop()
    sink.stats(reset=True)
    start = time.time()
    worker = FastSMTP(binary, work, sink, database_url, mode="--worker-only", name=name, data=smtp.data,
                      extra={"FASTSMTP_SMTP_PORT": str(smtp.port)})
    stats = sink.wait_for(rows, timeout=600)
    worker.stop()
    return {"deliveries_per_s": stats["count"] / max(1e-6, (stats["last"] or time.time()) - start),
            "delivered": stats["count"]}


def big_message(binary, work, sink):
    target = FastSMTP(binary, work, sink, name="sqlite")
    try:
        idle = rss_kb(target.pid)
        sink.stats(reset=True)
        line = ("0123456789" * 7 + "\r\n").encode()
        body = b"From: load@example.org\r\nTo: bench@bench.test\r\nSubject: big\r\n\r\n" + line * (25_000_000 // 72)
        with smtplib.SMTP("127.0.0.1", target.port, timeout=120) as s:
            s.sendmail("load@example.org", ["bench@bench.test"], body)
        sink.wait_for(1, timeout=120)
        return {"message_mb": round(len(body) / 1e6, 1), "idle_rss_mb": idle / 1024,
                "peak_rss_mb": rss_kb(target.pid, "VmHWM") / 1024}
    finally:
        target.stop()


def idle_sessions(binary, work, sink, count):
    target = FastSMTP(binary, work, sink, name="sqlite",
                      extra={"FASTSMTP_SMTP_MAX_CONNECTIONS": str(count + 100),
                             "FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP": str(count + 100)})
    sockets = []
    try:
        before = rss_kb(target.pid)
        for _ in range(count):
            s = socket.create_connection(("127.0.0.1", target.port), timeout=30)
            sockets.append(s)
        for s in sockets:
            s.recv(512)  # the 220 greeting: the session exists
        time.sleep(1)
        return {"sessions": count, "rss_before_mb": before / 1024, "rss_mb": rss_kb(target.pid) / 1024}
    finally:
        for s in sockets:
            s.close()
        target.stop()


def fmt(value, unit=""):
    if value is None:
        return "-"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.1f}{unit}"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--binary", default=os.path.join(ROOT, ".build/release/fastsmtp"))
    ap.add_argument("--targets", default="sink,python,sqlite,postgresql")
    ap.add_argument("--scale", type=float, default=1.0, help="multiplies every message count")
    ap.add_argument("--smoke", action="store_true", help="one short scenario on SQLite (CI)")
    ap.add_argument("--json", help="write the numbers here")
    ap.add_argument("--set", nargs="*", default=[], metavar="FASTSMTP_X=VALUE",
                    help="settings for the FastSMTP processes (e.g. FASTSMTP_WORKER_CONCURRENCY=8)")
    ap.add_argument("--merge", nargs="*", default=[], help="earlier --json files whose numbers join this table")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    SETTINGS.update(item.split("=", 1) for item in args.set)
    if not os.path.exists(binary):
        sys.exit(f"{binary} not found: swift build -c release --product fastsmtp")
    if "/debug/" in binary and not args.smoke:
        sys.exit("the benchmark measures the release binary: swift build -c release --product fastsmtp")
    for tool in (SMTP_SOURCE, SMTP_SINK):
        if not os.path.exists(tool):
            sys.exit(f"{tool} not found: apt-get install postfix (the daemon is never started)")
    # 5,000 idle sessions need as many descriptors here and in the server (which inherits the limit).
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, min(hard, 20000)), hard))
    work = tempfile.mkdtemp(prefix="fastsmtp-bench-")
    if os.geteuid() == 0:
        os.chmod(work, 0o777)
    sink = Sink()
    results = {"machine": {"cores": os.cpu_count()}, "throughput": {}, "latency": {}, "other": {}}
    pg_dir = None
    try:
        if args.smoke:
            target = FastSMTP(binary, work, sink)
            try:
                row = throughput(target, sink, 300, 10, 1024)
            finally:
                target.stop()
            print(json.dumps(row, indent=2))
            if row.get("delivered") != 300:
                sys.exit("smoke: not every message was delivered")
            return
        targets = args.targets.split(",")
        database_urls = {"sqlite": None}
        if "postgresql" in targets:
            pg_dir = os.path.join(work, "pg")
            database_urls["postgresql"] = subprocess.run(
                [os.path.join(ROOT, "scripts/test-postgres.sh"), "start", pg_dir], check=True, capture_output=True,
                text=True).stdout.strip().splitlines()[-1]
        scenarios = [(1024, 1, 3000), (1024, 10, 8000), (1024, 50, 12000),
                     (102400, 1, 1000), (102400, 10, 3000), (102400, 50, 3000)]
        for name in targets:
            for size, sessions, messages in scenarios:
                messages = max(50, int(messages * args.scale))
                if name == "sink":
                    target = SmtpSink(work)
                elif name == "python":
                    target = PythonRelay(work, sink)
                else:
                    target = FastSMTP(binary, work, sink, database_urls[name], name=name)
                try:
                    row = throughput(target, sink, messages, sessions, size)
                finally:
                    target.stop()
                if name == "postgresql":
                    reset_postgres(database_urls[name])
                key = f"{size // 1024} KB × {sessions}"
                results["throughput"].setdefault(key, {})[name] = row
                print(f"{name:11} {key:12} {json.dumps({k: round(v, 2) for k, v in row.items()})}", flush=True)
            if name != "sink":
                target = (PythonRelay(work, sink) if name == "python"
                          else FastSMTP(binary, work, sink, database_urls[name], name=name))
                try:
                    results["latency"][name] = paced(target, sink, 200, max(2, 10 * args.scale))
                finally:
                    target.stop()
                if name == "postgresql":
                    reset_postgres(database_urls[name])
                print(f"{name:11} paced 200/s {json.dumps(results['latency'][name])}", flush=True)
            if name in ("sqlite", "postgresql"):
                rows = max(500, int(20000 * args.scale))
                results["other"][f"prefilled {name}"] = prefilled(binary, work, sink, rows, database_urls[name], name)
                if name == "postgresql":
                    reset_postgres(database_urls[name])
                print(f"{name:11} prefilled {json.dumps(results['other'][f'prefilled {name}'])}", flush=True)
        if "sqlite" in targets:
            results["other"]["25 MB message"] = big_message(binary, work, sink)
            results["other"]["idle sessions"] = idle_sessions(binary, work, sink, max(100, int(5000 * args.scale)))
        for path in args.merge:
            with open(path) as f:
                earlier = json.load(f)
            for section in ("throughput", "latency", "other"):
                for key, value in earlier.get(section, {}).items():
                    if section == "throughput":
                        for name, row in value.items():
                            results[section].setdefault(key, {}).setdefault(name, row)
                    else:
                        results[section].setdefault(key, value)
        print_table(results)
        if args.json:
            with open(args.json, "w") as f:
                json.dump(results, f, indent=2)
    finally:
        sink.stop()
        if pg_dir:
            subprocess.run([os.path.join(ROOT, "scripts/test-postgres.sh"), "stop", pg_dir], capture_output=True)
        shutil.rmtree(work, ignore_errors=True)


def reset_postgres(url):
    """Empties the queue tables between runs, so each starts alike."""
    subprocess.run(["psql", url, "-q", "-c", "TRUNCATE delivery_log, message_chunks, messages"],
                   check=False, capture_output=True)


def print_table(results):
    print()
    print("| load | smtp-sink (discards) | Python relay e2e | FastSMTP SQLite accepted / e2e | ÷ sink | ÷ Python "
          "| drain after last 250 | FastSMTP PostgreSQL e2e |")
    print("|---|---|---|---|---|---|---|---|")
    for key, row in results["throughput"].items():
        sink = row.get("sink", {}).get("accepted_per_s")
        py = row.get("python", {}).get("e2e_per_s")
        sq = row.get("sqlite", {})
        pg = row.get("postgresql", {}).get("e2e_per_s")
        e2e = sq.get("e2e_per_s")
        print(f"| {key} | {fmt(sink)}/s | {fmt(py)}/s | {fmt(sq.get('accepted_per_s'))} / {fmt(e2e)}/s "
              f"| {fmt(e2e / sink * 100 if e2e and sink else None, '%')} "
              f"| {fmt(e2e / py if e2e and py else None, '×')} | {fmt(sq.get('drain_s'), ' s')} | {fmt(pg)}/s |")
    print()
    for name, row in results["latency"].items():
        print(f"EOD→webhook at a paced 200 msg/s, {name}: p50 {row['p50_ms']:.1f} ms, p99 {row['p99_ms']:.1f} ms "
              f"({row['samples']} messages)")
    for name, row in results["other"].items():
        print(f"{name}: {json.dumps({k: round(v, 1) if isinstance(v, float) else v for k, v in row.items()})}")


if __name__ == "__main__":
    main()
