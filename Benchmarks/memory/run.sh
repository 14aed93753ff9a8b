#!/usr/bin/env bash
# Memory on the accept path (Benchmarks/memory/README.md): peak RSS growth of `fastsmtp serve` while it accepts
#   1. one 25 MB message, then (fresh process)
#   2. 20 concurrent 10 MB messages.
# Prints numbers; not a test. Usage: Benchmarks/memory/run.sh [BIN_DIR]  (default .build/release)
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$(cd "${1:-$root/.build/release}" && pwd)/fastsmtp"
[ -x "$bin" ] || { echo "memory benchmark: $bin not found (swift build -c release --product fastsmtp)" >&2; exit 1; }
work=$(mktemp -d /tmp/fastsmtp-membench.XXXXXX)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
for name in $(env | sed -n 's/^\(FASTSMTP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }

# run SIZE_MB COUNT: a fresh server, COUNT concurrent messages of SIZE_MB each; prints one line.
run() {
    local size=$1 count=$2 dir="$work/run-$1-$2"
    mkdir -p "$dir"
    export FASTSMTP_DATA_DIR=$dir FASTSMTP_SMTP_HOST=127.0.0.1 FASTSMTP_API_HOST=127.0.0.1 FASTSMTP_LOG_LEVEL=error
    export FASTSMTP_SMTP_PORT=$(free_port) FASTSMTP_API_PORT=$(free_port)
    export FASTSMTP_SMTP_MAX_MESSAGE_SIZE=$((40 * 1024 * 1024)) FASTSMTP_SMTP_MAX_CONNECTIONS_PER_IP=100
    (cd "$dir" && "$bin" db upgrade >/dev/null && "$bin" domain create example.com >/dev/null \
        && "$bin" recipient add example.com '*' http://127.0.0.1:9/x >/dev/null)
    (cd "$dir" && exec "$bin" serve --smtp-only >"$dir/serve.log" 2>&1) &
    pid=$!
    python3 - "$FASTSMTP_SMTP_PORT" <<'PY'
import socket, sys, time
for _ in range(300):
    try:
        socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=1).close(); break
    except OSError: time.sleep(0.1)
PY
    local before
    before=$(awk '/VmRSS/ {print $2}' /proc/$pid/status)
    local result
    result=$(python3 - "$FASTSMTP_SMTP_PORT" "$size" "$count" <<'PY'
import smtplib, sys, threading, time
port, size, count = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
line = "The quick brown fox jumps over the lazy dog 0123456789 abcdefghij.\r\n"
body = line * ((size * 1024 * 1024) // len(line))
codes = []
def send(i):
    msg = f"From: a@example.org\r\nTo: b{i}@example.com\r\nSubject: big {i}\r\n\r\n" + body
    try:
        s = smtplib.SMTP("127.0.0.1", port, timeout=300); s.ehlo("bench")
        s.sendmail("a@example.org", [f"b{i}@example.com"], msg); codes.append("250"); s.quit()
    except smtplib.SMTPDataError as e: codes.append(str(e.smtp_code))
    except Exception as e: codes.append(repr(e))
start = time.time()
threads = [threading.Thread(target=send, args=(i,)) for i in range(count)]
for t in threads: t.start()
for t in threads: t.join()
print(f"{time.time() - start:.1f} s, replies: " + ", ".join(f"{c}×{codes.count(c)}" for c in sorted(set(codes))))
PY
)
    local peak
    peak=$(awk '/VmHWM/ {print $2}' /proc/$pid/status)
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    printf '%-28s RSS before %4d MB, peak %4d MB, growth %4d MB (%s)\n' "$count × $size MB" \
        $((before / 1024)) $((peak / 1024)) $(((peak - before) / 1024)) "$result"
}

echo "fastsmtp: $bin ($("$bin" --version 2>/dev/null || echo '?'))"
run 25 1
run 10 20
