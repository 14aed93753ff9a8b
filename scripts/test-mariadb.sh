#!/usr/bin/env bash
# Starts a throwaway MariaDB server on a free loopback port and prints its URL.
#   scripts/test-mariadb.sh start DIR   → prints mariadb://… on stdout
# The server also speaks TLS (plain connections stay allowed) with a certificate for the name `localhost` only, issued
# by a throwaway CA: DIR/tls/ca.pem. The test user may create databases (each test makes its own).
#   scripts/test-mariadb.sh stop DIR
#   scripts/test-mariadb.sh resume DIR   → starts a stopped server of DIR again (same port, data and TLS), prints nothing
# Runs as the `mysql` user when started as root. Needs mariadb-server (mariadb-install-db, mariadbd).
set -euo pipefail
action=${1:?start|stop|resume}
dir=${2:?data directory}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
command -v mariadb-install-db >/dev/null || { echo "MariaDB server not found (apt-get install mariadb-server)" >&2; exit 1; }
mariadbd=$(command -v mariadbd || echo /usr/sbin/mariadbd)

user=()
[ "$(id -u)" = 0 ] && user=(--user=mysql)

# Starts mariadbd on DIR's configuration and waits until it answers on its socket.
run_server() {
    "$mariadbd" --defaults-file="$dir/my.cnf" "${user[@]}" >/dev/null 2>&1 &
    for _ in $(seq 1 120); do
        [ -S "$dir/mariadb.sock" ] && mariadb --socket="$dir/mariadb.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && return 0
        sleep 0.5
    done
    echo "MariaDB in $dir did not start (see $dir/server.log)" >&2
    return 1
}

case "$action" in
start)
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()')
    mkdir -p "$dir/data"
    tls="$dir/tls"
    mkdir -p "$tls"
    {
        openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=FastSMTP test CA" \
            -keyout "$tls/ca.key" -out "$tls/ca.pem"
        openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout "$tls/server.key" -out "$tls/server.csr"
        openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca.key" -CAcreateserial -days 30 \
            -extfile <(printf 'subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\n') -out "$tls/server.pem"
    } >"$dir/tls.log" 2>&1
    [ "$(id -u)" = 0 ] && chown -R mysql:mysql "$dir"
    cat >"$dir/my.cnf" <<CNF
[mariadbd]
datadir=$dir/data
socket=$dir/mariadb.sock
pid-file=$dir/mariadb.pid
port=$port
bind-address=127.0.0.1
skip-name-resolve
innodb_flush_log_at_trx_commit=2
innodb_buffer_pool_size=64M
innodb_log_file_size=32M
max_connections=300
max_allowed_packet=64M
character-set-server=utf8mb4
collation-server=utf8mb4_bin
ssl_cert=$tls/server.pem
ssl_key=$tls/server.key
ssl_ca=$tls/ca.pem
log-error=$dir/server.log
CNF
    mariadb-install-db --defaults-file="$dir/my.cnf" "${user[@]}" --auth-root-authentication-method=normal \
        --skip-test-db >"$dir/install.log" 2>&1
    run_server
    mariadb --socket="$dir/mariadb.sock" -uroot <<SQL
CREATE DATABASE fastsmtp_test;
CREATE USER 'fastsmtp'@'127.0.0.1' IDENTIFIED BY 'fastsmtp';
CREATE USER 'fastsmtp'@'localhost' IDENTIFIED BY 'fastsmtp';
GRANT ALL PRIVILEGES ON *.* TO 'fastsmtp'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'fastsmtp'@'localhost';
SQL
    echo "mariadb://fastsmtp:fastsmtp@127.0.0.1:$port/fastsmtp_test"
    ;;
resume)
    [ -f "$dir/my.cnf" ] || { echo "no server in $dir (scripts/test-mariadb.sh start $dir first)" >&2; exit 1; }
    run_server
    ;;
stop)
    if [ -f "$dir/mariadb.pid" ]; then
        pid=$(cat "$dir/mariadb.pid")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    fi
    ;;
*)
    echo "usage: $0 start|stop|resume DIR" >&2; exit 2 ;;
esac
