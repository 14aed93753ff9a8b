#!/usr/bin/env bash
# Property-based API check: serves FastSMTP on SQLite in a temp dir and lets schemathesis (pip) run every check
# (`--checks all`) in every phase against the served openapi.yaml: generated requests that follow the document must
# be accepted, those that break it refused, every response as documented, no 5xx; the stateful phase follows the
# document's links from creating operations to those using their ids. scripts/schemathesis.toml lists what is off.
#   scripts/schemathesis.sh [path/to/fastsmtp] [--seed N|random]     (CI: the fixed seed below; it is printed)
set -euo pipefail
binary=.build/debug/fastsmtp
seed=20261202
while [ $# -gt 0 ]; do
    case $1 in
        --seed) seed=$2; shift 2 ;;
        *) binary=$1; shift ;;
    esac
done
[ "$seed" = random ] && seed=$(python3 -c 'import random; print(random.randrange(1, 2**31))')
echo "schemathesis seed: $seed"
command -v schemathesis >/dev/null || pip install -q schemathesis
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d /tmp/fastsmtp-st.XXXXXX)
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'; }
port=$(free_port)
smtp_port=$(free_port)
export FASTSMTP_WEBHOOK_TIMEOUT=3 FASTSMTP_DATA_DIR="$work/data" FASTSMTP_API_HOST=127.0.0.1 FASTSMTP_API_PORT=$port \
    FASTSMTP_SMTP_HOST=127.0.0.1 FASTSMTP_SMTP_PORT=$smtp_port FASTSMTP_LOG_LEVEL=error
root="fsmtp_schemathesis$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export FASTSMTP_ROOT_API_KEY=$root
unset FASTSMTP_DATABASE_URL
# Some data to find: a domain with a recipient, and a superuser whose key runs the key operations (schemathesis.toml).
"$binary" domain create example.com >/dev/null
"$binary" recipient add example.com support http://127.0.0.1:9/hook >/dev/null
"$binary" user create schemathesis --superuser >/dev/null
FASTSMTP_ST_USER_KEY=$("$binary" user generate-key schemathesis --name schemathesis | tail -1)
export FASTSMTP_ST_USER_KEY
key=$root
"$binary" serve >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
api="http://127.0.0.1:$port/api/v1"
for _ in $(seq 1 100); do curl -sf "$api/health" >/dev/null && break; sleep 0.1; done
# The delivery log's operations need deliveries: a quarantine rule, then two messages over SMTP (one held by the rule,
# one that the worker tries to deliver and retries).
ruleset=$(curl -sf -H "X-API-Key: $key" -H 'Content-Type: application/json' -d '{"name": "hold"}' \
    "$api/domains/example.com/rulesets" | python3 -c 'import json, sys; print(json.load(sys.stdin)["id"])')
curl -sf -o /dev/null -H "X-API-Key: $key" -H 'Content-Type: application/json' \
    -d '{"field": "subject", "operator": "contains", "value": "hold", "action": "quarantine"}' \
    "$api/domains/example.com/rulesets/$ruleset/rules"
python3 - "$smtp_port" <<'PY'
import smtplib, sys
from email.message import EmailMessage
with smtplib.SMTP("127.0.0.1", int(sys.argv[1]), timeout=10) as smtp:
    for subject in ("hold this one", "deliver this one"):
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = "sender@example.org", "support@example.com", subject
        message.set_content("A message for the delivery log.")
        smtp.send_message(message)
PY
for _ in $(seq 1 50); do
    count=$(curl -sf -H "X-API-Key: $key" "$api/domains/example.com/delivery-log" \
        | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["items"]))')
    [ "$count" -ge 2 ] && break
    sleep 0.1
done
schemathesis --config-file "$here/schemathesis.toml" run "$api/openapi.yaml" \
    -H "X-API-Key: $key" \
    --checks all \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-40}" --seed "$seed" \
    --no-color
echo "schemathesis seed: $seed"
