#!/usr/bin/env python3
"""The fault suite's scenarios (driven by scripts/fault-suite.sh; the Python standard library only).

    python3 scripts/fault_suite.py --bin BIN_DIR --work DIR [--pg-url URL] [--own-pg-dir DIR --own-pg-url URL]
        [--own-mariadb-dir DIR --own-mariadb-url URL]

Every scenario runs the real `fastsmtp serve` with free loopback ports, a webhook sink in this process
(http.server in threads) and SMTP clients (smtplib in threads) that behave like a sending MTA: a 250 to DATA
ends a mail; a 4xx reply or a broken connection means "try again later" and the same mail (same token) is sent
again; a 5xx is permanent. Each mail carries a unique token in Subject and Message-ID. What is asserted:

  - every mail that got 250 is delivered to the webhook: the very message id named in "queued as <id>";
  - no mail is stored twice unless a client re-sent it after losing the reply to a final dot it had sent (the
    server may have committed and died before answering: at-least-once, legitimate). Copies beyond the lost
    replies mean a 451 (or other non-250) answer stored something;
  - redeliveries of one delivery (same webhook-id, after a kill) are counted and reported, not failed;
  - no valid mail ever gets a 5xx, and the queue drains (no pending row left).

Scenarios: kill9 (kill -9 at random moments under load, webhook flapping), recovery (crash with the webhook
down, restart with default worker and retry settings, everything delivered within 60 s), pgstop (PostgreSQL
stopped and started mid-load: 451, never 250), mariastop (the same on MariaDB, with a binary built with the MariaDB
trait), diskfull (SQLite on a full tmpfs: 451, never 250, recovers,
integrity_check ok), replicas (two processes on one PostgreSQL: exactly once; one killed -9: still every mail; split
roles; SIGTERM during DATA). Each prints one line with its counts; any violation exits 1 with the server log tail.
"""
import argparse
import collections
import errno
import faulthandler
import glob
import http.server
import json
import os
import random
import re
import shlex
import signal
import smtplib
import socket
import sqlite3
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

DOMAIN = "fault.example"
RCPT = f"sink@{DOMAIN}"
SENDER = "sender@client.example"
SUBJECT_PREFIX = "fault-suite "
QUEUED_AS = re.compile(r"queued as ([0-9A-Fa-f-]{36})")

CHILDREN_FILE = None  # DIR/children.pids: the bash driver kills what is listed there, should this process die first
CHILDREN = []


def say(line):
    print(f"fault-suite: {line}", flush=True)


class Violation(Exception):
    """A scenario's assertion failed; the message says what, and `log` names the server log to show."""

    def __init__(self, message, log=None):
        super().__init__(message)
        self.log = log


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port, timeout=0.2):
    try:
        socket.create_connection(("127.0.0.1", port), timeout).close()
        return True
    except OSError:
        return False


def wait_until(predicate, timeout, interval=0.1):
    """Polls `predicate` until it is true (returns True) or `timeout` seconds pass (returns False)."""
    deadline = time.monotonic() + timeout
    while True:
        if predicate():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def register_child(proc):
    CHILDREN.append(proc)
    if CHILDREN_FILE:
        with open(CHILDREN_FILE, "a") as f:
            f.write(f"{proc.pid}\n")


def kill_children():
    for proc in CHILDREN:
        if proc.poll() is None:
            try:
                proc.kill()
                proc.wait(timeout=10)
            except (OSError, subprocess.TimeoutExpired):
                pass


def tail(path, lines=15, problems=15):
    """The last `problems` lines at notice level or above (and the suite's markers), then the last `lines`."""
    try:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "replace").splitlines()
    except OSError as error:
        return [f"(no log: {error})"]
    marked = [n for n, line in enumerate(data)
              if re.match(r"\S+ (notice|warning|error|critical) ", line) or line.startswith("==== fault-suite")]
    shown = sorted(set(marked[-problems:]) | set(range(max(0, len(data) - lines), len(data))))
    out = []
    for previous, n in zip([-1] + shown, shown):
        if n != previous + 1:
            out.append("…")
        line = data[n]
        out.append(line if len(line) <= 400 else line[:400] + " …")
    return out


def run_checked(args, cwd, env, what):
    result = subprocess.run(args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True)
    if result.returncode != 0:
        raise Violation(f"{what} exited {result.returncode}: {result.stdout.strip()} {result.stderr.strip()}")
    return result.stdout


# --- the webhook sink --------------------------------------------------------------------------------------------

class SinkHandler(http.server.BaseHTTPRequestHandler):
    # HTTP/1.0: one request per connection, so "refuse" really means no request gets through.
    def do_POST(self):
        sink = self.server.sink
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        mode = sink.mode
        if mode == "hang":
            # Hold the request (the worker's lease stays taken) until the mode changes, then drop it unanswered.
            with sink.lock:
                sink.lock_cond.wait_for(lambda: sink.mode != "hang", timeout=120)
            sink.count("dropped")
            return
        if mode == "refuse":
            sink.count("dropped")  # a connection accepted just before the listener closed: no answer
            return
        if mode == "503":
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            sink.count("503")
            return
        try:
            payload = json.loads(body)
            message = payload["message"]
        except (ValueError, KeyError, TypeError):
            self.send_response(400)
            self.send_header("Content-Length", "0")
            self.end_headers()
            sink.count("bad")
            return
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
        self.wfile.flush()
        sink.record(self.headers.get("webhook-id", ""), message)

    def log_message(self, *args):
        pass


class SinkHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True


class Sink:
    """A webhook receiver whose mode is up (200), 503, refuse (listener closed) or hang (no answer)."""

    def __init__(self):
        self.port = free_port()
        self.lock = threading.Lock()
        self.lock_cond = threading.Condition(self.lock)
        self.mode = "up"
        self.webhook_ids = collections.Counter()  # webhook-id → POSTs answered 200
        self.stored_ids = {}  # message.id → token
        self.ids_by_token = collections.defaultdict(set)  # token → the message.ids delivered for it
        self.answers = collections.Counter()
        self.bad_message_ids = 0
        self.httpd = None
        self.thread = None
        self._listen()

    def _listen(self):
        for _ in range(50):
            try:
                self.httpd = SinkHTTPServer(("127.0.0.1", self.port), SinkHandler)
                break
            except OSError as error:
                if error.errno != errno.EADDRINUSE:
                    raise
                time.sleep(0.1)
        else:
            raise Violation(f"webhook sink could not listen on {self.port} again")
        self.httpd.sink = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def _close(self):
        self.httpd.shutdown()
        self.httpd.server_close()
        self.httpd = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}/hook"

    def set_mode(self, mode):
        with self.lock:
            self.mode = mode
            self.lock_cond.notify_all()
        if mode == "refuse" and self.httpd is not None:
            self._close()
        elif mode != "refuse" and self.httpd is None:
            self._listen()

    def count(self, what):
        with self.lock:
            self.answers[what] += 1

    def record(self, webhook_id, message):
        subject = message.get("subject") or ""
        token = subject[len(SUBJECT_PREFIX):] if subject.startswith(SUBJECT_PREFIX) else None
        stored = str(message.get("id", "")).lower()
        with self.lock:
            self.answers["200"] += 1
            self.webhook_ids[webhook_id] += 1
            if token is not None:
                self.stored_ids[stored] = token
                self.ids_by_token[token].add(stored)
                if (message.get("message_id") or "").strip("<>") != f"{token}@client.example":
                    self.bad_message_ids += 1

    def delivered(self, stored_id):
        with self.lock:
            return stored_id in self.stored_ids

    def redeliveries(self):
        with self.lock:
            return sum(n - 1 for n in self.webhook_ids.values() if n > 1)

    def stop(self):
        if self.httpd is not None:
            self._close()
        with self.lock:
            self.mode = "down"
            self.lock_cond.notify_all()


# --- the server --------------------------------------------------------------------------------------------------

class Database:
    """The scenario's database: SQLite in DIR/data, or a fresh PostgreSQL or MariaDB database next to a given URL."""

    def __init__(self, backend, directory, pg_url=None, name=None):
        self.backend = backend
        self.directory = directory
        self.url = None
        if backend == "postgresql":
            subprocess.run(
                ["psql", pg_url, "-q", "-v", "ON_ERROR_STOP=1", "-c", f"DROP DATABASE IF EXISTS {name}",
                 "-c", f"CREATE DATABASE {name}"], check=True, stdout=subprocess.DEVNULL, env=psql_env())
            self.url = pg_url.rsplit("/", 1)[0] + "/" + name
        elif backend == "mariadb":
            self.url = pg_url.split("?", 1)[0].rsplit("/", 1)[0] + "/" + name
            self._mariadb(f"DROP DATABASE IF EXISTS {name}; CREATE DATABASE {name}", database=False)

    def _mariadb(self, sql, database=True):
        """The `mariadb` client's tab-separated rows of `sql` on this database (TCP, the URL's user)."""
        url = urllib.parse.urlsplit(self.url)
        command = ["mariadb", "--protocol=tcp", "-h", url.hostname, "-P", str(url.port or 3306),
                   "-u", urllib.parse.unquote(url.username or "root"), "-N", "-B", "-e", sql]
        if database:
            command.append(url.path.lstrip("/"))
        env = dict(os.environ)
        env["MYSQL_PWD"] = urllib.parse.unquote(url.password or "")
        return subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout

    @property
    def sqlite_path(self):
        return os.path.join(self.directory, "data", "fastsmtp.db")

    def query(self, sql):
        """Rows of `sql` (read only; never left open, so it cannot keep a lock)."""
        if self.backend == "sqlite":
            connection = sqlite3.connect(f"file:{self.sqlite_path}?mode=ro", uri=True, timeout=10)
            try:
                return [tuple(row) for row in connection.execute(sql).fetchall()]
            finally:
                connection.close()
        if self.backend == "mariadb":
            out = self._mariadb(sql)
        else:
            out = subprocess.run(["psql", self.url, "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-c", sql],
                                 check=True, capture_output=True, text=True, env=psql_env()).stdout
        return [tuple(line.split("\t")) for line in out.splitlines() if line]

    def scalar(self, sql):
        return int(self.query(sql)[0][0])

    def pending(self):
        return self.scalar("SELECT COUNT(*) FROM delivery_log WHERE status = 'pending'")

    def copies_by_token(self):
        """token → how many messages rows hold its Message-ID."""
        copies = {}
        for message_id, count in self.query("SELECT message_id, COUNT(*) FROM messages GROUP BY message_id"):
            token = message_id.strip().strip("<>").split("@", 1)[0]
            copies[token] = int(count)
        return copies

    def statuses(self):
        return {status: int(count) for status, count in
                self.query("SELECT status, COUNT(*) FROM delivery_log GROUP BY status")}


def psql_env():
    env = dict(os.environ)
    env["PGOPTIONS"] = "-c client_min_messages=warning"
    return env


def base_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith("FASTSMTP_")}
    env["FASTSMTP_LOG_LEVEL"] = "info"
    env["FASTSMTP_SMTP_VERIFY_SPF"] = "false"  # no DNS: the mail comes from loopback
    env["FASTSMTP_SMTP_VERIFY_DKIM"] = "false"
    return env


class Server:
    """`fastsmtp serve` for one scenario: same directory, database, ports and instance id on every start."""

    def __init__(self, suite, name, database, settings, role=None):
        self.suite = suite
        self.name = name
        self.database = database
        self.directory = database.directory
        self.role = role  # None (every role), "--smtp-only", "--api-only" or "--worker-only"
        self.smtp_port = free_port()
        self.api_port = free_port()
        self.metrics_port = free_port()
        # Replicas of one scenario share the directory (and database), each with a log of its own.
        self.log_path = os.path.join(self.directory, "serve.log" if role is None and "replica" not in name
                                     else f"serve-{name}.log")
        self.env = base_env()
        self.env.update({
            "FASTSMTP_SMTP_HOST": "127.0.0.1", "FASTSMTP_SMTP_PORT": str(self.smtp_port),
            "FASTSMTP_API_HOST": "127.0.0.1", "FASTSMTP_API_PORT": str(self.api_port),
            "FASTSMTP_INSTANCE_ID": f"fault-{name}",
            "FASTSMTP_METRICS_PORT": str(self.metrics_port),
        })
        if database.url:
            self.env["FASTSMTP_DATABASE_URL"] = database.url
        self.env.update(settings)
        self.proc = None
        self.starts = 0
        self.loads = []

    def load(self, tokens, **options):
        load = Load(self.smtp_port, tokens, **options)
        self.loads.append(load)
        return load

    def dump_loads(self):
        for n, load in enumerate(self.loads):
            load.dump(os.path.join(self.directory, f"attempts-{n}.jsonl"))

    def cli(self, *args):
        return run_checked([self.suite.fastsmtp, *args], self.directory, self.env, "fastsmtp " + " ".join(args))

    def setup(self, sink):
        if self.database.backend != "sqlite":
            self.cli("db", "upgrade")
        self.cli("domain", "create", DOMAIN)
        self.cli("recipient", "add", DOMAIN, "sink", sink.url)

    def start(self, settings=None):
        env = dict(self.env)
        env.update(settings or {})
        self.starts += 1
        with open(self.log_path, "ab") as log:
            log.write(f"==== fault-suite: start {self.starts} of serve ({time.strftime('%H:%M:%S')})\n".encode())
            log.flush()
            command = [self.suite.fastsmtp, "serve"] + ([self.role] if self.role else [])
            self.proc = subprocess.Popen(command, cwd=self.directory, env=env,
                                         stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        register_child(self.proc)

    def wait_ready(self, timeout=60):
        # SMTP when this process has it; else the metrics listener, which every role has.
        port = self.smtp_port if self.role in (None, "--smtp-only") else self.metrics_port

        def ready():
            if self.proc.poll() is not None:
                raise Violation(f"serve exited {self.proc.returncode} before listening on {port}", self.log_path)
            return port_open(port)
        if not wait_until(ready, timeout, 0.05):
            raise Violation(f"serve did not listen on {port} within {timeout} s", self.log_path)

    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def kill9(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        with open(self.log_path, "ab") as log:
            log.write(f"==== fault-suite: kill -9 ({time.strftime('%H:%M:%S')})\n".encode())

    def stop(self, timeout=60):
        """SIGTERM; the README promises exit 0."""
        if not self.alive():
            raise Violation(f"serve was not running at the end (exit {self.proc.returncode})", self.log_path)
        self.proc.send_signal(signal.SIGTERM)
        try:
            status = self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
            raise Violation(f"serve did not exit within {timeout} s of SIGTERM", self.log_path)
        if status != 0:
            raise Violation(f"serve exited {status} on SIGTERM (expected 0)", self.log_path)


# --- the sending MTAs --------------------------------------------------------------------------------------------

class Attempt:
    __slots__ = ("started", "dot_sent", "ended", "outcome", "code", "stage", "stored_id", "timed_out")

    def __init__(self):
        self.started = time.monotonic()
        self.dot_sent = None  # when the final dot left: from then on the server may have committed
        self.ended = None
        self.outcome = None  # "250", "4xx", "5xx", "error" (no reply, before the dot), "lost" (no reply after it)
        self.code = None
        self.stage = None
        self.stored_id = None
        self.timed_out = False  # no reply within the client's timeout: the session hung


class Load:
    """`clients` concurrent SMTP clients sending one mail per token until each gets 250 (or a 5xx).

    Open-ended, the clients go on with new tokens after the given ones until ``close()``: load that lasts as long as
    the fault does, however fast the server is."""

    def __init__(self, port, tokens, clients=5, timeout=30, deadline=240, pause=(0.05, 0.25), open_ended=False):
        # One port, or several (the MX hosts of one domain): a mail goes to ports[its number % n] and, after a
        # failed attempt, to the next one, as a sending MTA tries the next MX.
        self.ports = list(port) if isinstance(port, (list, tuple)) else [port]
        self.tokens = list(tokens)
        self.prefix = self.tokens[0].rsplit("-", 1)[0]
        self.open = open_ended
        self.next = 0
        self.clients = clients
        self.timeout = timeout
        self.deadline = time.monotonic() + deadline
        self.pause = pause
        self.lock = threading.Lock()
        self.progress = threading.Condition(self.lock)
        self.attempts = collections.defaultdict(list)  # token → [Attempt]
        self.acked = {}  # token → the stored id "queued as" named
        self.refused = {}  # token → the 5xx reply
        self.threads = []
        self.finished = threading.Event()

    def start(self):
        for n in range(self.clients):
            thread = threading.Thread(target=self._client, args=(n,), daemon=True)
            thread.start()
            self.threads.append(thread)
        threading.Thread(target=self._join, daemon=True).start()

    def _join(self):
        for thread in self.threads:
            thread.join()
        self.finished.set()
        with self.lock:
            self.progress.notify_all()

    def wait(self):
        self.finished.wait()

    def acked_count(self):
        with self.lock:
            return len(self.acked)

    def wait_acked(self, count):
        """Blocks until `count` mails got 250 or the load is over."""
        with self.lock:
            self.progress.wait_for(lambda: len(self.acked) >= count or self.finished.is_set())

    def close(self):
        """Open-ended: no new tokens from now on (the clients finish the mail each is on)."""
        with self.lock:
            self.open = False

    def _take(self):
        with self.lock:
            if time.monotonic() > self.deadline:
                return None
            if self.next >= len(self.tokens):
                if not self.open:
                    return None
                self.tokens.append(f"{self.prefix}-{len(self.tokens):04d}")
            token = self.tokens[self.next]
            self.next += 1
            return token

    def _client(self, n):
        smtp = None
        smtp_port = None
        while True:
            token = self._take()
            if token is None:
                break
            body = (f"From: Fault Suite <{SENDER}>\r\nTo: <{RCPT}>\r\nSubject: {SUBJECT_PREFIX}{token}\r\n"
                    f"Message-ID: <{token}@client.example>\r\n\r\nToken {token}.\r\n").encode()
            number = int(token.rsplit("-", 1)[1])
            while True:
                if time.monotonic() > self.deadline:
                    break
                attempt = Attempt()
                with self.lock:
                    tried = len(self.attempts[token])
                    self.attempts[token].append(attempt)
                port = self.ports[(number + tried) % len(self.ports)]
                if smtp is not None and smtp_port != port:
                    try:
                        smtp.quit()
                    except (OSError, smtplib.SMTPException):
                        pass
                    smtp = None
                try:
                    if smtp is None:
                        attempt.stage = "connect"
                        smtp = smtplib.SMTP(timeout=self.timeout)
                        smtp_port = port
                        code, text = smtp.connect("127.0.0.1", port)
                        if code != 220:
                            raise smtplib.SMTPConnectError(code, text)
                        attempt.stage = "ehlo"
                        code, text = smtp.ehlo("mta.client.example")
                        if code != 250:
                            raise smtplib.SMTPResponseException(code, text)
                    attempt.stage = "mail"
                    code, text = smtp.mail(SENDER)
                    if code == 250:
                        attempt.stage = "rcpt"
                        code, text = smtp.rcpt(RCPT)
                    if code == 250:
                        attempt.stage = "data"
                        smtp.putcmd("data")
                        code, text = smtp.getreply()
                    if code == 354:
                        attempt.stage = "dot"
                        smtp.send(smtplib._quote_periods(body) + b".\r\n")
                        attempt.dot_sent = time.monotonic()
                        code, text = smtp.getreply()
                    attempt.code = code
                except (smtplib.SMTPResponseException, smtplib.SMTPConnectError) as error:
                    attempt.code = error.smtp_code
                except (OSError, smtplib.SMTPException) as error:
                    attempt.code = None
                    # smtplib turns a read timeout into SMTPServerDisconnected("… timed out").
                    attempt.timed_out = isinstance(error, TimeoutError) or "timed out" in str(error)
                attempt.ended = time.monotonic()
                code = attempt.code
                if code == 250 and attempt.stage == "dot":
                    match = QUEUED_AS.search(text.decode("utf-8", "replace") if isinstance(text, bytes) else text)
                    attempt.outcome = "250"
                    attempt.stored_id = match.group(1).lower() if match else ""
                    with self.lock:
                        self.acked[token] = attempt.stored_id
                        self.progress.notify_all()
                    break
                if code is None or code == -1:
                    attempt.outcome = "lost" if attempt.dot_sent is not None else "error"
                elif 500 <= code < 600:
                    attempt.outcome = "5xx"
                else:
                    attempt.outcome = "4xx"
                # Whatever went wrong, this connection is done with; the mail is sent again a moment later.
                if smtp is not None:
                    try:
                        smtp.sock and smtp.sock.settimeout(1)
                        smtp.close()
                    except OSError:
                        pass
                    smtp = None
                if attempt.outcome == "5xx":
                    with self.lock:
                        self.refused[token] = (code, attempt.stage)
                    break
                time.sleep(random.uniform(*self.pause))
        if smtp is not None:
            try:
                smtp.quit()
            except (OSError, smtplib.SMTPException):
                pass

    # counts
    def all_attempts(self):
        with self.lock:
            return [a for attempts in self.attempts.values() for a in attempts]

    def outcomes(self):
        return collections.Counter(a.outcome for a in self.all_attempts())

    def dump(self, path):
        """Every attempt, with wall-clock times, to `path` (JSON lines) for a post-mortem."""
        offset = time.time() - time.monotonic()
        stamp = lambda t: None if t is None else time.strftime("%H:%M:%S", time.localtime(t + offset)) + \
            ("%.3f" % ((t + offset) % 1))[1:]
        with self.lock, open(path, "w") as f:
            for token, attempts in self.attempts.items():
                for a in attempts:
                    f.write(json.dumps({"token": token, "started": stamp(a.started), "dot_sent": stamp(a.dot_sent),
                                        "ended": stamp(a.ended), "outcome": a.outcome, "code": a.code,
                                        "stage": a.stage, "stored_id": a.stored_id,
                                        "timed_out": a.timed_out}) + "\n")

    def lost_replies(self, token):
        with self.lock:
            return sum(1 for a in self.attempts[token] if a.outcome == "lost")


# --- checks shared by the scenarios ------------------------------------------------------------------------------

def drain(server, sink, load, timeout, problems):
    """Waits until every acknowledged message was delivered and no delivery is pending: returns the seconds taken,
    or None (and adds to `problems`) when that did not happen within `timeout`."""
    start = time.monotonic()
    acked = dict(load.acked)

    def drained():
        if not server.alive():
            raise Violation(f"serve exited {server.proc.returncode} while the queue drained", server.log_path)
        return all(sink.delivered(i) for i in acked.values()) and server.database.pending() == 0
    if not wait_until(drained, timeout, 0.25):
        missing = sum(1 for i in acked.values() if not sink.delivered(i))
        problems.append(
            f"the queue did not drain within {timeout} s: {missing} of {len(acked)} acknowledged mails not yet "
            f"delivered, delivery_log {server.database.statuses()}")
        return None
    return time.monotonic() - start


def drained_text(seconds):
    return "the queue did NOT drain" if seconds is None else f"queue drained {seconds:.1f} s after the load"


def account(server, sink, load):
    """The at-least-once bookkeeping over a finished load: the counts, and under "problems" every violation."""
    problems = []
    tokens = load.tokens
    if load.refused:
        token, (code, stage) = next(iter(load.refused.items()))
        problems.append(f"{len(load.refused)} valid mails got a permanent {code} (at {stage}), e.g. {token}")
    unacked = [t for t in tokens if t not in load.acked and t not in load.refused]
    if unacked:
        problems.append(f"{len(unacked)} mails never got a 250 before the deadline, e.g. {unacked[:3]}")
    hung = [a for a in load.all_attempts() if a.timed_out]
    if hung:
        stages = collections.Counter("after the final dot" if a.dot_sent else f"at {a.stage}" for a in hung)
        offset = time.time() - time.monotonic()
        first = time.strftime("%H:%M:%S", time.localtime(min(a.started for a in hung) + offset))
        problems.append(
            f"{len(hung)} SMTP sessions got no reply within {load.timeout:.0f} s ("
            + ", ".join(f"{n} {where}" for where, n in stages.items()) + f"; the first began at {first})")
    lost = [t for t, i in load.acked.items() if not sink.delivered(i)]
    if lost:
        problems.append(f"{len(lost)} acknowledged mails never delivered, e.g. {lost[:3]}")
    db_copies = server.database.copies_by_token()
    twice_after_lost_reply = 0
    unexplained = []
    for token in tokens:
        copies = max(db_copies.get(token, 0), len(sink.ids_by_token.get(token, ())))
        if copies <= 1:
            continue
        if copies - 1 <= load.lost_replies(token):
            twice_after_lost_reply += 1
        else:
            unexplained.append((token, copies, load.lost_replies(token)))
    if unexplained:
        token, copies, lost_replies = unexplained[0]
        problems.append(
            f"{len(unexplained)} mails stored more often than their sends explain: e.g. {token} stored {copies} "
            f"times after {lost_replies} lost replies (an answer other than 250 stored the mail)")
    prefix = tokens[0].rsplit("-", 1)[0] + "-" if tokens else ""
    stray = [t for t in sink.ids_by_token if t.startswith(prefix) and t not in set(tokens)]
    if stray:
        problems.append(f"the webhook got mail nobody sent: {stray[:3]}")
    if sink.bad_message_ids:
        problems.append(f"{sink.bad_message_ids} payloads had a message_id that does not match the subject")
    outcomes = load.outcomes()
    return {
        "sent": len(tokens), "acked": len(load.acked), "attempts": sum(outcomes.values()),
        "4xx": outcomes["4xx"], "errors": outcomes["error"], "lost_replies": outcomes["lost"],
        "twice": twice_after_lost_reply, "redelivered": sink.redeliveries(),
        "delivered": len(sink.stored_ids), "problems": problems,
    }


def conclude(server, problems, summary):
    """Stops the server, or each of a list of them (SIGTERM must exit 0), and raises one Violation naming every
    problem, with `summary`."""
    servers = server if isinstance(server, list) else [server]
    for each in servers:
        try:
            each.stop()
        except Violation as violation:
            problems.append(str(violation))
    if problems:
        raise Violation("; ".join(problems) + f" [{summary}]", servers[0].log_path)


def tokens_for(scenario, count):
    run = "%06x" % random.getrandbits(24)
    return [f"{scenario}-{run}-{n:04d}" for n in range(count)]


# --- scenarios ---------------------------------------------------------------------------------------------------

FAST_RETRIES = {
    "FASTSMTP_WEBHOOK_RETRY_BASE_DELAY": "0.2", "FASTSMTP_WEBHOOK_MAX_RETRY_DELAY": "2",
    "FASTSMTP_WEBHOOK_MAX_RETRIES": "1000", "FASTSMTP_WORKER_POLL_INTERVAL": "0.5",
}


class Suite:
    def __init__(self, args):
        self.fastsmtp = os.path.join(args.bin, "fastsmtp")
        self.work = args.work
        self.pg_url = args.pg_url
        self.own_pg_dir = args.own_pg_dir
        self.own_pg_url = args.own_pg_url
        self.own_mariadb_dir = args.own_mariadb_dir
        self.own_mariadb_url = args.own_mariadb_url
        self.mails = args.mails

    def directory(self, name):
        path = os.path.join(self.work, name)
        os.makedirs(path, exist_ok=True)
        return path

    def database(self, backend, name, pg_url=None):
        directory = self.directory(f"{name}-{backend}")
        return Database(backend, directory, pg_url or self.pg_url, f"fastsmtp_fault_{name}")

    @staticmethod
    def cleanup(server, sink):
        server.dump_loads()
        if server.alive():
            server.proc.kill()
            server.proc.wait()
        sink.stop()

    # 1 --------------------------------------------------------------------------------------------------------
    def kill9(self, backend):
        """kill -9 at 3–5 random moments under load (restart after a random pause); the webhook flaps."""
        started = time.monotonic()
        sink = Sink()
        server = Server(self, f"kill9-{backend}", self.database(backend, "kill9"), FAST_RETRIES)
        try:
            server.setup(sink)
            server.start()
            server.wait_ready()
            load = server.load(tokens_for("kill9", self.mails), clients=5)
            kills = random.randint(3, 5)
            # One kill in each of `kills` equal slices of the load (by mails acknowledged), at a random point of it.
            span = self.mails * 0.9 / kills
            thresholds = [int(self.mails * 0.05 + span * k + random.uniform(0, span)) for k in range(kills)]
            stop_flapping = threading.Event()
            flaps = collections.Counter()

            def flap():
                while not stop_flapping.is_set():
                    mode = random.choices(["up", "503", "refuse"], weights=[2, 1, 1])[0]
                    flaps[mode] += 1
                    sink.set_mode(mode)
                    stop_flapping.wait(random.uniform(0.1, 1.0))
                sink.set_mode("up")
            flapper = threading.Thread(target=flap, daemon=True)
            load.start()
            flapper.start()
            downtime = 0.0
            for threshold in thresholds:
                load.wait_acked(threshold)
                if load.finished.is_set():
                    break
                time.sleep(random.uniform(0, 0.3))
                server.kill9()
                down = time.monotonic()
                time.sleep(random.uniform(0.2, 1.5))
                server.start()
                server.wait_ready()
                downtime += time.monotonic() - down
            load.wait()
            stop_flapping.set()
            flapper.join()
            killed = server.starts - 1
            problems = []
            drained = drain(server, sink, load, 60, problems)
            counts = account(server, sink, load)
            problems += counts["problems"]
            if killed < 3:
                problems.append(f"only {killed} kills happened while mail was sent")
            line = (f"{counts['sent']} mails, {counts['acked']} got 250 in {counts['attempts']} attempts "
                    f"({counts['4xx']} 4xx, {counts['errors']} connection errors, {counts['lost_replies']} replies "
                    f"lost to a kill); {killed} kills ({downtime:.1f} s down); webhook flapped "
                    f"{flaps['503']}x 503, {flaps['refuse']}x refused; {counts['delivered']} delivered, every 250 "
                    f"among them ({drained_text(drained)}); stored twice after a lost 250: "
                    f"{counts['twice']}, otherwise: 0; redeliveries by webhook-id: {counts['redelivered']} "
                    f"({time.monotonic() - started:.0f} s)")
            conclude(server, problems, line)
        finally:
            self.cleanup(server, sink)
        say(f"kill -9 on {backend}: PASS: {line}")

    # 2 --------------------------------------------------------------------------------------------------------
    def recovery(self, backend, mails=200):
        """Webhook down, mails accepted, kill -9, webhook up, restart with default worker and retry settings."""
        started = time.monotonic()
        sink = Sink()
        sink.set_mode("refuse")
        # Before the crash only: while the webhook is down each mail is attempted and backs off. With the default
        # 5 retries some would be exhausted (given up) before the crash, and with the default delays their next
        # attempt could be scheduled far out (base·2^n); neither is crash recovery. So the first run never gives
        # up and never backs off beyond 1 s. The restarted run has every worker and retry setting at its default.
        before_crash = {"FASTSMTP_WEBHOOK_MAX_RETRIES": "1000", "FASTSMTP_WEBHOOK_MAX_RETRY_DELAY": "1"}
        server = Server(self, f"recovery-{backend}", self.database(backend, "recovery"), {})
        try:
            server.setup(sink)
            server.start(before_crash)
            server.wait_ready()
            load = server.load(tokens_for("recovery", mails), clients=5)
            load.start()
            load.wait()
            outcomes = load.outcomes()
            if len(load.acked) != mails:
                raise Violation(f"only {len(load.acked)} of {mails} mails got 250 with nothing failing "
                                f"({dict(outcomes)})", server.log_path)
            # The last moments before the crash the webhook accepts connections and never answers, so the
            # worker dies holding leases (FASTSMTP_WORKER_LEASE, default 30 s) on the rows it was posting.
            sink.set_mode("hang")
            leased_sql = "SELECT COUNT(*) FROM delivery_log WHERE status = 'pending' AND lease_token IS NOT NULL"
            if not wait_until(lambda: server.database.scalar(leased_sql) > 0, 30, 0.1):
                raise Violation("no delivery was leased while the webhook hung", server.log_path)
            leased = server.database.scalar(leased_sql)
            server.kill9()
            sink.set_mode("up")
            restart = time.monotonic()
            server.start()
            server.wait_ready()
            ready = time.monotonic() - restart
            problems = []
            drain(server, sink, load, 90, problems)
            took = time.monotonic() - restart
            counts = account(server, sink, load)
            problems += counts["problems"]
            if took > 60:
                problems.append(f"recovery took {took:.1f} s (more than 60 s)")
            line = (f"{mails} mails got 250 with the webhook down ({outcomes['4xx'] + outcomes['error']} SMTP "
                    f"retries), kill -9 with {leased} deliveries leased, restart with default settings: listening "
                    f"after {ready:.1f} s, all {counts['acked']} delivered {took:.1f} s after the restart (limit "
                    f"60 s); redeliveries by webhook-id: {counts['redelivered']} "
                    f"({time.monotonic() - started:.0f} s)")
            conclude(server, problems, line)
        finally:
            self.cleanup(server, sink)
        say(f"crash recovery on {backend}: PASS: {line}")

    # 3 --------------------------------------------------------------------------------------------------------
    def pgstop(self, outage=5.0):
        """Our own cluster stopped (pg_ctl stop -m fast) for ~5 s while clients send, then started again."""
        self.storage_stopped("pgstop", "PostgreSQL", Cluster(self.own_pg_dir),
                             self.database("postgresql", "pgstop", self.own_pg_url), outage)

    def mariastop(self, outage=5.0):
        """Our own MariaDB server stopped (SIGTERM: a clean shutdown) for ~5 s while clients send, then started."""
        self.storage_stopped("mariastop", "MariaDB", MariaDBServer(self.own_mariadb_dir),
                             self.database("mariadb", "mariastop", self.own_mariadb_url), outage)

    def storage_stopped(self, name, label, cluster, database, outage):
        """The database server stopped for ~`outage` s mid-load and started again: every attempt made while it was
        down is answered 4xx (451), none 250; every 250 is delivered."""
        started = time.monotonic()
        sink = Sink()
        # SMTP waits FASTSMTP_SMTP_STORAGE_TIMEOUT (default 15 s) for the database before answering 451; 2 s, so
        # that mail sent during a 5 s outage is answered while it lasts.
        server = Server(self, name, database, dict(FAST_RETRIES, FASTSMTP_SMTP_STORAGE_TIMEOUT="2"))
        try:
            server.setup(sink)
            server.start()
            server.wait_ready()
            # A reply may take a while here (each statement of a store that has begun is bounded by the server's
            # statement timeout, 30 s on PostgreSQL): a session is only called hung after 60 s without one.
            load = server.load(tokens_for(name, 60), clients=5, timeout=60, deadline=150, open_ended=True)
            load.start()
            load.wait_acked(60)
            stop_begin = time.monotonic()
            cluster.stop()
            down_from = time.monotonic()  # from here the database is certainly gone
            # The outage lasts `outage` seconds (longer, up to 10 s more, until an attempt made during it failed).
            wait_until(lambda: time.monotonic() - down_from >= outage and any(
                a.ended and a.started >= down_from and a.outcome in ("4xx", "error")
                for a in load.all_attempts()), outage + 10, 0.1)
            if not server.alive():
                raise Violation(f"serve exited {server.proc.returncode} while {label} was down",
                                server.log_path)
            down_until = time.monotonic()
            cluster.start()
            up_at = time.monotonic()
            # Sending goes on until 50 more mails got 250 with the database back.
            load.wait_acked(load.acked_count() + 50)
            load.close()
            load.wait()
            problems = []
            drained = drain(server, sink, load, 60, problems)
            counts = account(server, sink, load)
            problems += counts["problems"]
            # Attempts that began and ended while the database was certainly down.
            during = [a for a in load.all_attempts()
                      if a.started >= down_from and a.ended and a.ended <= down_until]
            during_counts = collections.Counter(a.outcome for a in during)
            codes = collections.Counter(a.code for a in during if a.outcome == "4xx")
            # A 250 for a final dot sent once the stop had completed, answered before the start: stored nowhere.
            bad = [a for a in load.all_attempts() if a.outcome == "250" and a.dot_sent
                   and a.dot_sent >= down_from and a.ended <= down_until]
            if bad:
                problems.append(f"{len(bad)} mails got 250 while {label} was down")
            if not during:
                problems.append(f"no mail was attempted while {label} was down")
            elif during_counts["4xx"] == 0:
                problems.append(f"no 4xx reply while {label} was down (outcomes {dict(during_counts)})")
            code_text = ", ".join(f"{n}x {c}" for c, n in sorted(codes.items()))
            line = (f"{counts['sent']} mails, {counts['acked']} got 250 ({counts['attempts']} attempts); "
                    f"{label} down {down_until - stop_begin:.1f} s (stop took {down_from - stop_begin:.1f} s, "
                    f"start {up_at - down_until:.1f} s): {len(during)} attempts made while down, "
                    f"{during_counts['250']} got 250, replies {code_text or 'none'}, {during_counts['error']} "
                    f"connection errors; {counts['delivered']} delivered, every 250 among them "
                    f"({drained_text(drained)}); stored twice after a lost 250: {counts['twice']}; "
                    f"redeliveries by webhook-id: {counts['redelivered']} ({time.monotonic() - started:.0f} s)")
            conclude(server, problems, line)
        finally:
            self.cleanup(server, sink)
            if not cluster.running():
                cluster.start()
        say(f"{label} stopped mid-load: PASS: {line}")

    # 5 --------------------------------------------------------------------------------------------------------
    def replicas(self, mails=None):
        """Replicas on one PostgreSQL: two `serve` processes take mail alternately, every message delivered exactly
        once (by webhook-id); one of them killed -9 mid-run, every message still delivered; the split-role form
        (one --smtp-only, two --worker-only, one --api-only); SIGTERM during a DATA transfer."""
        mails = mails or 2 * self.mails  # 1,000 by default
        started = time.monotonic()
        lines = []
        database = self.database("postgresql", "replicas")
        # Same settings as a default install but quick retries and a short lease, so that the killed replica's
        # rows are attempted again within seconds rather than FASTSMTP_WORKER_LEASE's default 30.
        settings = dict(FAST_RETRIES, FASTSMTP_WORKER_LEASE="5")
        servers = []
        sink = Sink()

        def replica(name, role=None):
            server = Server(self, f"replica-{name}", database, settings, role)
            servers.append(server)
            server.start()
            server.wait_ready()
            return server

        def delivered_by_instance():
            return collections.Counter({instance: int(n) for instance, n in database.query(
                "SELECT instance_id, COUNT(*) FROM delivery_log WHERE status = 'delivered' GROUP BY instance_id")})

        def finish(load, alive, what, before, allowed_redeliveries=0):
            """Checks one phase's load; `before` is delivered_by_instance() and the redeliveries at its start."""
            problems = []
            drained = drain(alive, sink, load, 90, problems)
            counts = account(alive, sink, load)
            problems += counts["problems"]
            redelivered = sink.redeliveries() - before[1]
            if redelivered > allowed_redeliveries:
                problems.append(f"{redelivered} deliveries posted twice (webhook-id), at most "
                                f"{allowed_redeliveries} allowed")
            instances = delivered_by_instance() - before[0]
            delivered = sum(1 for i in load.acked.values() if sink.delivered(i))
            line = (f"{what}: {counts['sent']} mails, {counts['acked']} got 250 ({counts['attempts']} attempts, "
                    f"{counts['errors']} connection errors, {counts['lost_replies']} replies lost); "
                    f"{delivered} delivered ({drained_text(drained)}), by "
                    + ", ".join(f"{i.removeprefix('fault-replica-')} {n}" for i, n in sorted(instances.items()))
                    + f"; posted twice (webhook-id): {redelivered}")
            return problems, line

        def mark():
            return delivered_by_instance(), sink.redeliveries()

        try:
            setup = Server(self, "replica-setup", database, settings)
            setup.setup(sink)
            # (a) Two full replicas, mail alternately to each: exactly once.
            a, b = replica("a"), replica("b")
            before = mark()
            load = Load([a.smtp_port, b.smtp_port], tokens_for("replicas", mails), clients=6)
            load.start()
            load.wait()
            problems, line = finish(load, a, "two replicas", before)
            if problems:
                raise Violation("; ".join(problems) + f" [{line}]", b.log_path)
            lines.append(line)

            # (b) The same, with b killed -9 half way (not restarted): a takes over b's rows when their leases end.
            before = mark()
            load = Load([a.smtp_port, b.smtp_port], tokens_for("replicas-kill", mails), clients=6)
            load.start()
            load.wait_acked(mails // 2)
            b.kill9()
            load.wait()
            # What b had in flight when it died may reach the webhook twice: one attempt per worker loop at most
            # (FASTSMTP_WORKER_CONCURRENCY, 8).
            problems, line = finish(load, a, "b killed -9 mid-run", before, allowed_redeliveries=8)
            line += " (b's attempts in flight at the kill)"
            if problems:
                raise Violation("; ".join(problems) + f" [{line}]", a.log_path)
            lines.append(line)

            # (c) SIGTERM while a client is in the middle of DATA: that transaction completes (250), then exit 0.
            code, text = self.sigterm_during_data(a)
            if code != 250 or not QUEUED_AS.search(text):
                raise Violation(f"SIGTERM during DATA: the transaction got {code} {text!r}, not 250", a.log_path)
            stored = QUEUED_AS.search(text).group(1).lower()
            lines.append("SIGTERM during DATA: 250, then exit 0")

            # (d) Split roles: one --smtp-only, two --worker-only, one --api-only.
            smtp = replica("smtp", "--smtp-only")
            workers = [replica("worker-1", "--worker-only"), replica("worker-2", "--worker-only")]
            api = replica("api", "--api-only")
            if not wait_until(lambda: sink.delivered(stored), 30, 0.2):
                raise Violation("the mail accepted during SIGTERM was never delivered", a.log_path)
            before = mark()
            load = Load(smtp.smtp_port, tokens_for("replicas-split", mails // 2), clients=6)
            load.start()
            load.wait()
            problems, line = finish(load, smtp, "split roles", before)
            with urllib.request.urlopen(f"http://127.0.0.1:{api.api_port}/api/v1/health", timeout=10) as response:
                if response.status != 200:
                    problems.append(f"the --api-only replica's health answered {response.status}")
            by_worker = dict(database.query(
                "SELECT instance_id, COUNT(*) FROM delivery_log WHERE status = 'delivered' "
                "AND instance_id LIKE 'fault-replica-worker-%' GROUP BY instance_id"))
            if len(by_worker) < 2:
                problems.append(f"only {sorted(by_worker)} of the two --worker-only replicas delivered anything")
            conclude([smtp, *workers, api], problems, line)
            lines.append(line)
        finally:
            for server in servers:
                server.dump_loads()
                if server.alive():
                    server.proc.kill()
                    server.proc.wait()
            sink.stop()
        say(f"replicas on one PostgreSQL: PASS ({time.monotonic() - started:.0f} s): " + "; ".join(lines))

    @staticmethod
    def sigterm_during_data(server):
        """Opens a session, sends half a message after DATA's 354, SIGTERMs the server, sends the rest and the final
        dot; returns the reply to it. The server must then exit 0."""
        sock = socket.create_connection(("127.0.0.1", server.smtp_port), timeout=30)
        reader = sock.makefile("rb")

        def reply():
            lines = []
            while True:
                line = reader.readline()
                if not line:
                    return None, "connection closed"
                lines.append(line.decode("utf-8", "replace").rstrip("\r\n"))
                if len(line) < 4 or line[3:4] != b"-":
                    return int(lines[-1][:3]), "\n".join(lines)

        try:
            reply()
            for command, expected in [(b"EHLO mta.client.example", 250), (f"MAIL FROM:<{SENDER}>".encode(), 250),
                                      (f"RCPT TO:<{RCPT}>".encode(), 250), (b"DATA", 354)]:
                sock.sendall(command + b"\r\n")
                code, text = reply()
                if code != expected:
                    raise Violation(f"SIGTERM during DATA: {command!r} got {code} {text!r}", server.log_path)
            token = tokens_for("replicas-sigterm", 1)[0]
            head = (f"From: <{SENDER}>\r\nTo: <{RCPT}>\r\nSubject: {SUBJECT_PREFIX}{token}\r\n"
                    f"Message-ID: <{token}@client.example>\r\n\r\n").encode()
            sock.sendall(head + b"first half of the body\r\n")
            time.sleep(0.3)
            server.proc.send_signal(signal.SIGTERM)
            time.sleep(1.0)
            if not server.alive():
                raise Violation("serve exited during a DATA transfer instead of finishing it", server.log_path)
            sock.sendall(b"second half of the body\r\n.\r\n")
            code, text = reply()
            try:
                sock.sendall(b"QUIT\r\n")
                reply()
            except OSError:
                pass
        finally:
            sock.close()
        try:
            status = server.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            raise Violation("serve did not exit within 60 s of SIGTERM after the transaction", server.log_path)
        if status != 0:
            raise Violation(f"serve exited {status} on SIGTERM (expected 0)", server.log_path)
        return code, text

    # 4 --------------------------------------------------------------------------------------------------------
    def diskfull(self, size_mb=24, full_for=5.0):
        """SQLite's data dir on a small tmpfs, filled up while clients send."""
        started = time.monotonic()
        directory = self.directory("diskfull-sqlite")
        mount = os.path.join(directory, "data")
        os.makedirs(mount, exist_ok=True)
        result = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size_mb}m,mode=0700", "tmpfs", mount],
                                capture_output=True, text=True)
        if result.returncode != 0:
            say(f"full disk on sqlite: SKIP: cannot mount a tmpfs ({result.stderr.strip() or result.returncode})")
            return
        with open(os.path.join(self.work, "mounts"), "a") as f:
            f.write(mount + "\n")
        sink = Sink()
        database = Database("sqlite", directory)
        server = Server(self, "diskfull", database, FAST_RETRIES)
        filler = os.path.join(mount, "filler")
        try:
            server.setup(sink)
            server.start()
            server.wait_ready()
            load = server.load(tokens_for("diskfull", 60), clients=5, deadline=120, open_ended=True)
            load.start()
            load.wait_acked(60)
            full_from = time.monotonic()
            filled = fill(filler, mount)
            full_at = time.monotonic()
            # Full for `full_for` seconds and until storing has failed at least once (longer, up to 20 s more):
            # SQLite may first use space its WAL already holds, and those commits are real.
            wait_until(lambda: time.monotonic() - full_at >= full_for and any(
                a.outcome == "4xx" and a.started >= full_at for a in load.all_attempts()), full_for + 20, 0.1)
            if not server.alive():
                raise Violation(f"serve exited {server.proc.returncode} on the full disk", server.log_path)
            full_until = time.monotonic()
            os.remove(filler)
            # Sending goes on until 50 more mails got 250 with the space back.
            load.wait_acked(load.acked_count() + 50)
            load.close()
            load.wait()
            problems = []
            drained = drain(server, sink, load, 60, problems)
            counts = account(server, sink, load)
            problems += counts["problems"]
            during = [a for a in load.all_attempts() if a.started >= full_at and a.ended and a.ended <= full_until]
            during_counts = collections.Counter(a.outcome for a in during)
            codes = collections.Counter(a.code for a in during if a.outcome == "4xx")
            if during_counts["4xx"] == 0:
                problems.append(f"no 4xx reply while the disk was full (outcomes {dict(during_counts)})")
            # New mail is accepted again.
            after = server.load(tokens_for("afterfull", 20), clients=2, deadline=60)
            after.start()
            after.wait()
            after_outcomes = after.outcomes()
            drain(server, sink, after, 60, problems)
            after_counts = account(server, sink, after)
            problems += [f"after the filler was deleted: {p}" for p in after_counts["problems"]]
            code_text = ", ".join(f"{n}x {c}" for c, n in sorted(codes.items()))
            line = (f"{counts['sent']} mails, {counts['acked']} got 250 ({counts['attempts']} attempts); "
                    f"{size_mb} MB tmpfs full ({filled // 1024} KiB filler) for {full_until - full_from:.1f} s: "
                    f"{len(during)} attempts made while full, {during_counts['250']} got 250 (all delivered), "
                    f"replies {code_text or 'none'}; server stayed up; {counts['delivered']} delivered, every 250 "
                    f"among them ({drained_text(drained)}); stored twice after a lost 250: {counts['twice']}; "
                    f"redeliveries by webhook-id: {counts['redelivered']}; filler deleted: {after_counts['acked']} "
                    f"of 20 new mails got 250 "
                    f"({after_outcomes['4xx']} 4xx on the way)")
            conclude(server, problems, line)
            integrity = sqlite3.connect(database.sqlite_path)
            try:
                check = [row[0] for row in integrity.execute("PRAGMA integrity_check").fetchall()]
            finally:
                integrity.close()
            if check != ["ok"]:
                raise Violation(f"PRAGMA integrity_check: {check[:5]} [{line}]", server.log_path)
        finally:
            self.cleanup(server, sink)
            unmount(mount)
        say(f"full disk on sqlite: PASS: {line}; integrity_check ok ({time.monotonic() - started:.0f} s)")


def fill(path, mount):
    """Fills the file system at `mount` with `path` until ENOSPC; returns the bytes written."""
    written = 0
    chunk = b"\0" * 65536
    with open(path, "wb", buffering=0) as f:
        free = os.statvfs(mount)
        try:
            os.posix_fallocate(f.fileno(), 0, max(free.f_bavail * free.f_frsize - 65536, 0))
            written = os.fstat(f.fileno()).st_size
            f.seek(written)
        except OSError:
            pass
        for size in (65536, 4096, 512, 1):
            try:
                while True:
                    written += f.write(chunk[:size])
            except OSError as error:
                if error.errno != errno.ENOSPC:
                    raise
    return written


def unmount(mount):
    if os.path.ismount(mount):
        if subprocess.run(["umount", mount], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", mount], capture_output=True)


class Cluster:
    """The suite's own PostgreSQL cluster (scripts/test-postgres.sh start DIR), stopped and started here."""

    def __init__(self, directory):
        self.directory = directory
        self.data = os.path.join(directory, "data")
        bins = sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: [int(x) for x in re.findall(r"\d+", p)])
        self.bin = os.environ.get("PG_BIN") or (bins[-1] if bins else "")
        # The options it was started with, as postgres recorded them (pg_ctl start does not remember them).
        with open(os.path.join(self.data, "postmaster.opts")) as f:
            words = shlex.split(f.read())[1:]
        options = []
        i = 0
        while i < len(words):
            if words[i] == "-D":
                i += 2
                continue
            options.append(words[i])
            i += 1
        self.options = shlex.join(options)

    def _pg_ctl(self, *args):
        command = [os.path.join(self.bin, "pg_ctl"), "-D", self.data, *args]
        if os.getuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        result = subprocess.run(command, capture_output=True, text=True)
        if result.returncode != 0:
            raise Violation(f"pg_ctl {' '.join(args)} exited {result.returncode}: {result.stderr.strip()}")

    def stop(self):
        self._pg_ctl("-m", "fast", "-w", "stop")

    def start(self):
        self._pg_ctl("-w", "-t", "60", "-l", os.path.join(self.directory, "server.log"), "-o", self.options, "start")

    def running(self):
        return os.path.exists(os.path.join(self.data, "postmaster.pid"))


class MariaDBServer:
    """The suite's own MariaDB server (scripts/test-mariadb.sh start DIR), stopped and started here."""

    def __init__(self, directory):
        self.directory = directory
        self.script = os.path.join(os.path.dirname(os.path.abspath(__file__)), "test-mariadb.sh")

    def _run(self, action):
        result = subprocess.run([self.script, action, self.directory], capture_output=True, text=True)
        if result.returncode != 0:
            raise Violation(f"test-mariadb.sh {action} exited {result.returncode}: {result.stderr.strip()}")

    def stop(self):
        self._run("stop")
        if self.running():
            raise Violation(f"MariaDB in {self.directory} did not stop")

    def start(self):
        self._run("resume")

    def running(self):
        try:
            with open(os.path.join(self.directory, "mariadb.pid")) as f:
                os.kill(int(f.read().strip()), 0)
            return True
        except (OSError, ValueError):
            return False


def main():
    global CHILDREN_FILE
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="directory holding fastsmtp")
    parser.add_argument("--work", required=True, help="scratch directory (the driver removes it)")
    parser.add_argument("--pg-url", help="a PostgreSQL database the suite may create others beside")
    parser.add_argument("--own-pg-dir", help="a cluster of scripts/test-postgres.sh the suite may stop")
    parser.add_argument("--own-pg-url", help="its URL")
    parser.add_argument("--own-mariadb-dir", help="a server of scripts/test-mariadb.sh the suite may stop (needs a "
                        "fastsmtp built with the MariaDB trait)")
    parser.add_argument("--own-mariadb-url", help="its URL")
    parser.add_argument("--mails", type=int, default=500, help="mails in the kill -9 scenario")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--only", default="",
                        help="comma-separated: kill9,recovery,pgstop,mariastop,replicas,diskfull")
    args = parser.parse_args()
    CHILDREN_FILE = os.path.join(args.work, "children.pids")
    seed = args.seed if args.seed is not None else random.randrange(1 << 32)
    random.seed(seed)
    say(f"seed {seed} (FAULT_SEED={seed} repeats the random choices; timing still varies)")
    suite = Suite(args)
    only = set(filter(None, args.only.split(",")))
    backends = ["sqlite"] + (["postgresql"] if args.pg_url else [])
    steps = []
    for backend in backends:
        steps.append(("kill9", lambda b=backend: suite.kill9(b)))
    for backend in backends:
        steps.append(("recovery", lambda b=backend: suite.recovery(b)))
    if args.own_pg_dir:
        steps.append(("pgstop", suite.pgstop))
    if args.own_mariadb_dir:
        steps.append(("mariastop", suite.mariastop))
    if args.pg_url:
        steps.append(("replicas", suite.replicas))
    steps.append(("diskfull", suite.diskfull))

    def terminated(signum, frame):
        kill_children()
        sys.exit(128 + signum)
    faulthandler.register(signal.SIGUSR1)  # kill -USR1 PID: every thread's stack on stderr
    signal.signal(signal.SIGTERM, terminated)
    signal.signal(signal.SIGINT, terminated)
    failed = False
    try:
        for name, step in steps:
            if only and name not in only:
                continue
            try:
                step()
            except Violation as violation:
                failed = True
                print(f"fault-suite: FAILED: {name}: {violation}", file=sys.stderr, flush=True)
                if violation.log:
                    print(f"  last lines of {violation.log}:", file=sys.stderr)
                    for line in tail(violation.log):
                        print(f"  | {line}", file=sys.stderr)
                print(f"  (seed {seed})", file=sys.stderr, flush=True)
                kill_children()
    finally:
        kill_children()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
