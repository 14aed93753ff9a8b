#!/usr/bin/env bash
# Starts a throwaway PostgreSQL cluster on a free loopback port and prints its URL.
#   scripts/test-postgres.sh start DIR   → prints postgresql://… on stdout
# The server also speaks TLS (plain connections stay allowed) with a certificate for the name `localhost` only, issued
# by a throwaway CA: DIR/tls/ca.pem, for the sslmode tests (FASTSMTP_TEST_DATABASE_TLS_CA).
#   scripts/test-postgres.sh stop DIR
# Runs initdb/pg_ctl as the `postgres` user when started as root (PostgreSQL refuses to run as root).
set -euo pipefail
action=${1:?start|stop}
dir=${2:?data directory}
bin=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}
[ -x "$bin/initdb" ] || { echo "PostgreSQL server binaries not found (apt-get install postgresql)" >&2; exit 1; }

as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

case "$action" in
start)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres:postgres "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 >"$dir/initdb.log" 2>&1
    tls="$dir/tls"
    mkdir -p "$tls"
    {
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=FastSMTP test CA" \
            -keyout "$tls/ca.key" -out "$tls/ca.pem"
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr"
        openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
            -extfile <(printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n') -out "$tls/server.pem"
    } >"$dir/tls.log" 2>&1
    chmod 600 "$tls/server.key"
    [ "$(id -u)" = 0 ] && chown -R postgres:postgres "$tls"
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir -c fsync=off -c max_connections=200 -c ssl=on -c ssl_cert_file=$tls/server.pem -c ssl_key_file=$tls/server.key" \
        start >/dev/null
    as_pg "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres fastsmtp_test
    echo "postgresql://postgres@127.0.0.1:$port/fastsmtp_test"
    ;;
stop)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null 2>&1 || true
    ;;
*)
    echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
