#!/usr/bin/env bash
# Property-based API check: serves the API on SQLite in a temp dir and lets schemathesis (pip) hammer every operation
# of the served openapi.yaml with generated requests; fails on any 5xx or any response that breaks the document.
#   scripts/schemathesis.sh [path/to/fastsmtp]
set -euo pipefail
binary=${1:-.build/debug/fastsmtp}
command -v schemathesis >/dev/null || pip install -q schemathesis
work=$(mktemp -d /tmp/fastsmtp-st.XXXXXX)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
key="fsmtp_schemathesis$(python3 -c 'import secrets; print(secrets.token_hex(16))')"
export FASTSMTP_WEBHOOK_TIMEOUT=3 FASTSMTP_DATA_DIR="$work/data" FASTSMTP_API_HOST=127.0.0.1 FASTSMTP_API_PORT=$port FASTSMTP_ROOT_API_KEY=$key FASTSMTP_LOG_LEVEL=error
unset FASTSMTP_DATABASE_URL
# Some data to find: a domain with a member, a recipient and a ruleset.
"$binary" domain create example.com >/dev/null
"$binary" recipient add example.com support http://127.0.0.1:9/hook >/dev/null
"$binary" serve --api-only >"$work/serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/api/v1/health" >/dev/null && break; sleep 0.1; done
schemathesis run "http://127.0.0.1:$port/api/v1/openapi.yaml" \
    -H "X-API-Key: $key" \
    --checks not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-15}" --seed 20261128 \
    --exclude-checks use_after_free --no-color
