#!/usr/bin/env bash
# The fault suite: nothing that got a 250 is lost under crashes and storage faults.
#
#   scripts/fault-suite.sh BIN_DIR [POSTGRES_URL]
#
# BIN_DIR holds `fastsmtp` (CI passes the release build, .build/release). This script builds nothing. It runs the
# real `fastsmtp serve` against SMTP clients that retry like a sending MTA and a webhook sink on loopback; the
# scenarios are in scripts/fault_suite.py (Python 3, standard library only):
#   1. kill -9 at 3–5 random moments while 5 clients send 500 mails, restarted after a random pause with the same
#      data and instance id, while the webhook flaps (503, refused, 200): every 250 is delivered; copies of a mail
#      are counted (allowed only after a reply lost to a kill) and redeliveries by webhook-id reported.
#   2. crash recovery: 200 mails accepted with the webhook down, kill -9, webhook up, restart with the default
#      worker and retry settings: everything is delivered within 60 s of the restart.
#   3. with POSTGRES_URL: 1 and 2 again on PostgreSQL (databases created next to it), and PostgreSQL stopped
#      (pg_ctl stop -m fast) for ~5 s mid-load: answers are 451, never 250, and every 250 is delivered. This one
#      stops a cluster of its own (scripts/test-postgres.sh), never the one POSTGRES_URL names.
#   5. with POSTGRES_URL: replicas on one PostgreSQL: two `serve` processes taking mail alternately deliver every
#      message exactly once (by webhook-id); with one killed -9 mid-run every message is still delivered (the few
#      posted twice were the killed one's attempts in flight); one --smtp-only, two --worker-only and one --api-only
#      replica; SIGTERM while a client is in the middle of DATA: that transaction gets 250, then exit 0.
#   6. with FAULT_MARIADB=1 (BIN_DIR's fastsmtp built with the MariaDB trait; mariadb-server installed): MariaDB
#      stopped for ~5 s mid-load, as 3 does PostgreSQL: answers are 451, never 250, and every 250 is delivered. It
#      stops a server of its own (scripts/test-mariadb.sh). CI runs only this one on the debug build of
#      `swift test --traits MariaDB` (FAULT_ONLY=mariastop).
#   4. SQLite on a small tmpfs filled up mid-load: 451, never a 250 for mail not stored, the server stays up,
#      recovers once space is freed, and PRAGMA integrity_check says ok (SKIP when mount is not permitted).
# In each, every SMTP session must get a reply, the queue must drain, and SIGTERM must exit 0. Each scenario prints
# one line with its counts; any violation exits 1 with the server log's tail and keeps the scratch directory (every
# SMTP attempt in attempts-N.jsonl). Needs root (mount, runuser), python3, and psql with POSTGRES_URL.
# Environment: FAULT_MARIADB=1 (scenario 6), FAULT_SEED (repeat a run's random choices), FAULT_ONLY (e.g. kill9,diskfull), FAULT_MAILS
# (mails in scenario 1, default 500; scenario 5 sends twice as many), KEEP_WORK=1 (keep the scratch directory).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin_dir=$(cd "${1:?usage: $0 BIN_DIR [POSTGRES_URL]}" && pwd)
pg_url=${2:-}
fastsmtp="$bin_dir/fastsmtp"
fail() { echo "fault-suite: $*" >&2; exit 1; }
[ -x "$fastsmtp" ] || fail "$fastsmtp not found (swift build -c release --product fastsmtp)"
python3 -c 'import sqlite3' 2>/dev/null || fail "python3 with its sqlite3 module not found"
work=$(mktemp -d /tmp/fastsmtp-fault.XXXXXX)
own_pg=""
own_mariadb=""
cleanup() {
    local status=$?
    # The helper kills its children itself; these are the ones left should it have died first (only a pid that is
    # still this fastsmtp binary: a pid may have been reused since).
    if [ -f "$work/children.pids" ]; then
        while read -r pid; do
            if [ "$(readlink "/proc/$pid/exe" 2>/dev/null)" = "$(readlink -f "$fastsmtp")" ]; then
                kill -9 "$pid" 2>/dev/null || true
            fi
        done <"$work/children.pids"
    fi
    if [ -f "$work/mounts" ]; then
        while read -r mount; do
            if mountpoint -q "$mount"; then umount "$mount" 2>/dev/null || umount -l "$mount" || true; fi
        done <"$work/mounts"
    fi
    if [ -n "$own_pg" ]; then "$here/test-postgres.sh" stop "$own_pg"; rm -rf "$own_pg"; fi
    if [ -n "$own_mariadb" ]; then "$here/test-mariadb.sh" stop "$own_mariadb"; rm -rf "$own_mariadb"; fi
    if [ "${KEEP_WORK:-}" = 1 ] || [ "$status" -ne 0 ]; then
        echo "fault-suite: scratch directory kept: $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT

# Only the settings a scenario gives: nothing from the caller's FASTSMTP_* environment.
for name in $(env | sed -n 's/^\(FASTSMTP_[A-Za-z0-9_]*\)=.*/\1/p'); do unset "$name"; done

args=(--bin "$bin_dir" --work "$work")
if [ -n "$pg_url" ]; then
    command -v psql >/dev/null || fail "psql not found (apt-get install postgresql-client)"
    # Scenario 3 stops PostgreSQL: a cluster of its own, not the caller's.
    own_pg=$(mktemp -d /tmp/fastsmtp-fault-pg.XXXXXX)
    own_pg_url=$("$here/test-postgres.sh" start "$own_pg")
    args+=(--pg-url "$pg_url" --own-pg-dir "$own_pg" --own-pg-url "$own_pg_url")
fi
if [ "${FAULT_MARIADB:-}" = 1 ]; then
    command -v mariadb >/dev/null || fail "the mariadb client not found (apt-get install mariadb-server)"
    # Scenario 6 stops MariaDB: a server of its own.
    own_mariadb=$(mktemp -d /tmp/fastsmtp-fault-mariadb.XXXXXX)
    own_mariadb_url=$("$here/test-mariadb.sh" start "$own_mariadb")
    args+=(--own-mariadb-dir "$own_mariadb" --own-mariadb-url "$own_mariadb_url")
fi
[ -n "${FAULT_SEED:-}" ] && args+=(--seed "$FAULT_SEED")
[ -n "${FAULT_ONLY:-}" ] && args+=(--only "$FAULT_ONLY")
[ -n "${FAULT_MAILS:-}" ] && args+=(--mails "$FAULT_MAILS")

start=$SECONDS
status=0
python3 "$here/fault_suite.py" "${args[@]}" || status=$?
if [ "$status" -ne 0 ]; then
    echo "fault-suite: FAILED ($((SECONDS - start)) s)" >&2
    exit "$status"
fi
echo "fault-suite: passed ($((SECONDS - start)) s)"
