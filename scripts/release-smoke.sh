#!/usr/bin/env bash
# The release smoke suite: what users run, run as they run it.
#
#   scripts/release-smoke.sh BIN_DIR [POSTGRES_URL]
#
# BIN_DIR holds the `-c release` products (`swift build -c release --product fastsmtp`, and `fsmtp` when present).
# This script builds nothing.
#   1. Every `fastsmtp` command that opens the database, ROUNDS times (default 20), each round in a fresh data dir:
#      each must exit 0 — a crash at exit (SIGSEGV, 139) after the work was done fails it.
#   2. `serve` on SQLite: starts, accepts one mail over SMTP, delivers it to a webhook on loopback, exits 0 on SIGTERM.
#   3. With POSTGRES_URL (a database the script may create others beside): 1 and 2 again on PostgreSQL.
# Environment: ROUNDS (default 20), UPGRADE_RUNS (default 0: extra bare `db upgrade` runs in fresh dirs).
set -euo pipefail
bin_dir=$(cd "${1:?usage: $0 BIN_DIR [POSTGRES_URL]}" && pwd)
pg_url=${2:-}
fastsmtp="$bin_dir/fastsmtp"
[ -x "$fastsmtp" ] || { echo "release-smoke: $fastsmtp not found (swift build -c release --product fastsmtp)" >&2; exit 1; }
rounds=${ROUNDS:-20}
upgrade_runs=${UPGRADE_RUNS:-0}
work=$(mktemp -d /tmp/fastsmtp-smoke.XXXXXX)
children=()
cleanup() {
    for pid in "${children[@]}"; do kill "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

# Only the settings a step gives: nothing from the caller's FASTSMTP_* environment.
for name in $(env | sed -n 's/^\(FASTSMTP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done
export FASTSMTP_LOG_LEVEL=error
export PGOPTIONS="-c client_min_messages=warning"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

runs=0
# run DIR ARGS...: runs fastsmtp in DIR; any exit but 0 fails the suite with the command's output.
run() {
    local dir=$1
    shift
    local status=0
    (cd "$dir" && "$fastsmtp" "$@") >"$dir/out" 2>"$dir/err" </dev/null || status=$?
    runs=$((runs + 1))
    if [ "$status" -ne 0 ]; then
        echo "release-smoke: FAILED: fastsmtp $* exited $status (in $dir)" >&2
        sed 's/^/  stdout: /' "$dir/out" >&2
        sed 's/^/  stderr: /' "$dir/err" >&2
        exit 1
    fi
}

# A fresh database per round: a new data dir (SQLite), or a new PostgreSQL database.
# pg_database NAME: prints a URL to a new, empty database NAME next to $pg_url.
pg_database() {
    local name=$1
    psql "$pg_url" -q -v ON_ERROR_STOP=1 -c "DROP DATABASE IF EXISTS $name" -c "CREATE DATABASE $name" >/dev/null
    echo "${pg_url%/*}/$name"
}

cli_round() {
    local backend=$1 round=$2
    local dir="$work/$backend-cli-$round"
    mkdir -p "$dir"
    if [ "$backend" = postgresql ]; then
        export FASTSMTP_DATABASE_URL
        FASTSMTP_DATABASE_URL=$(pg_database "fastsmtp_smoke_$round")
    else
        unset FASTSMTP_DATABASE_URL
    fi
    run "$dir" db upgrade
    run "$dir" db current
    run "$dir" db history
    run "$dir" init --yes --superuser admin --email admin@example.com --domain example.com
    run "$dir" user create bob --email bob@example.com
    run "$dir" user list
    run "$dir" user generate-key bob --name smoke --scopes domains:read
    run "$dir" user set-superuser bob --enable
    run "$dir" user set-superuser bob --disable
    run "$dir" domain create example.org
    run "$dir" domain list
    run "$dir" domain disable example.org
    run "$dir" domain enable example.org
    run "$dir" domain add-member example.org bob --role admin
    run "$dir" domain remove-member example.org bob
    run "$dir" recipient add example.org alice http://127.0.0.1:9/hook --header X-Token=abc
    run "$dir" recipient add example.org '*' http://127.0.0.1:9/catch-all
    run "$dir" recipient list example.org
    run "$dir" show-config
    run "$dir" domain delete example.org
    run "$dir" user delete bob
    run "$dir" db downgrade base
    run "$dir" db upgrade
    if [ "$backend" = postgresql ]; then
        psql "$pg_url" -q -c "DROP DATABASE IF EXISTS fastsmtp_smoke_$round" >/dev/null
    fi
    rm -rf "$dir"
}

# A webhook on loopback that writes each request body to DIR/hook-N.json and answers 200.
start_webhook() {
    local dir=$1 port=$2
    python3 - "$dir" "$port" <<'EOF' &
import http.server, sys, itertools
directory, port = sys.argv[1], int(sys.argv[2])
counter = itertools.count()
class Hook(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with open(f"{directory}/hook-{next(counter)}.json", "wb") as f:
            f.write(body)
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()
    def log_message(self, *args):
        pass
http.server.HTTPServer(("127.0.0.1", port), Hook).serve_forever()
EOF
    children+=($!)
}

wait_for_port() {
    local port=$1 pid=$2
    for _ in $(seq 1 300); do
        if python3 -c 'import socket,sys; socket.create_connection(("127.0.0.1", int(sys.argv[1])), 0.2).close()' \
            "$port" 2>/dev/null; then
            return 0
        fi
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.1
    done
    return 1
}

serve_round() {
    local backend=$1
    local dir="$work/$backend-serve"
    mkdir -p "$dir"
    if [ "$backend" = postgresql ]; then
        export FASTSMTP_DATABASE_URL
        FASTSMTP_DATABASE_URL=$(pg_database fastsmtp_smoke_serve)
    else
        unset FASTSMTP_DATABASE_URL
    fi
    local hook_port smtp_port api_port
    hook_port=$(free_port)
    smtp_port=$(free_port)
    api_port=$(free_port)
    start_webhook "$dir" "$hook_port"
    run "$dir" db upgrade
    run "$dir" domain create example.com
    run "$dir" recipient add example.com alice "http://127.0.0.1:$hook_port/hook"

    (cd "$dir" && FASTSMTP_SMTP_HOST=127.0.0.1 FASTSMTP_SMTP_PORT=$smtp_port FASTSMTP_API_HOST=127.0.0.1 \
        FASTSMTP_API_PORT=$api_port FASTSMTP_WORKER_POLL_INTERVAL=0.2 FASTSMTP_SMTP_VERIFY_SPF=false \
        FASTSMTP_SMTP_VERIFY_DKIM=false exec "$fastsmtp" serve) >"$dir/serve.out" 2>"$dir/serve.err" </dev/null &
    local serve=$!
    children+=("$serve")
    if ! wait_for_port "$smtp_port" "$serve"; then
        echo "release-smoke: FAILED: serve ($backend) did not listen on $smtp_port" >&2
        cat "$dir/serve.err" >&2
        exit 1
    fi
    python3 - "$smtp_port" <<'EOF'
import smtplib, sys
from email.message import EmailMessage
message = EmailMessage()
message["From"] = "sender@example.net"
message["To"] = "alice@example.com"
message["Subject"] = "release smoke"
message.set_content("Hello from the release smoke suite.\n")
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=30) as smtp:
    refused = smtp.send_message(message)
    assert not refused, refused
EOF
    local delivered=""
    for _ in $(seq 1 300); do
        if [ -s "$dir/hook-0.json" ]; then delivered=yes; break; fi
        sleep 0.1
    done
    if [ -z "$delivered" ] || ! grep -q '"release smoke"' "$dir/hook-0.json"; then
        echo "release-smoke: FAILED: serve ($backend) accepted the mail but the webhook got nothing in 30 s" >&2
        cat "$dir/serve.err" >&2
        exit 1
    fi
    # The remote CLI from the same release build, against this server's API.
    if [ -x "$bin_dir/fsmtp" ]; then
        local key
        key=$(cat "$dir/data/root_api_key")
        for args in "--version" "health" "domains list -o json" "logs list example.com -o json"; do
            # shellcheck disable=SC2086
            if ! HOME="$dir" FASTSMTP_API_URL="http://127.0.0.1:$api_port" FASTSMTP_API_KEY="$key" \
                "$bin_dir/fsmtp" $args >"$dir/fsmtp.out" 2>"$dir/fsmtp.err" </dev/null; then
                echo "release-smoke: FAILED: fsmtp $args ($backend)" >&2
                cat "$dir/fsmtp.out" "$dir/fsmtp.err" >&2
                exit 1
            fi
            runs=$((runs + 1))
        done
        echo "release-smoke: fsmtp on $backend: --version, health, domains list, logs list exit 0"
    fi
    kill -TERM "$serve"
    local status=0
    wait "$serve" || status=$?
    if [ "$status" -ne 0 ]; then
        echo "release-smoke: FAILED: serve ($backend) exited $status on SIGTERM" >&2
        cat "$dir/serve.err" >&2
        exit 1
    fi
    echo "release-smoke: serve on $backend: listened, accepted, delivered to the webhook, exited 0 on SIGTERM"
}

backends=(sqlite)
[ -n "$pg_url" ] && backends+=(postgresql)
for backend in "${backends[@]}"; do
    start=$SECONDS
    before=$runs
    for round in $(seq 1 "$rounds"); do cli_round "$backend" "$round"; done
    echo "release-smoke: CLI on $backend: $((runs - before)) commands in $rounds fresh databases, all exit 0 ($((SECONDS - start)) s)"
    serve_round "$backend"
done

if [ "$upgrade_runs" -gt 0 ]; then
    unset FASTSMTP_DATABASE_URL
    for i in $(seq 1 "$upgrade_runs"); do
        mkdir -p "$work/upgrade-$i"
        run "$work/upgrade-$i" db upgrade
        rm -rf "$work/upgrade-$i"
    done
    echo "release-smoke: db upgrade on fresh SQLite: $upgrade_runs of $upgrade_runs runs exited 0"
fi
echo "release-smoke: passed"
