#!/usr/bin/env bash
# Proves the runtime stage of deploy/Dockerfile without a container engine: the release binary starts, serves and
# stops cleanly on a bare Debian bookworm root that has only the packages the image installs.
#
#   scripts/runtime-root.sh BINARY_DIR
#
# BINARY_DIR holds `fastsmtp` built as the Dockerfile builds it
# (`swift build -c release --static-swift-stdlib --product fastsmtp`, i.e. .build/release) and its resource
# bundles (*.resources, FastSMTP_API.resources among them). This script builds nothing. As root it:
#   1. makes a minimal root (`debootstrap --variant=minbase bookworm`, from the mirror this machine's apt uses),
#      installs exactly deploy/runtime-packages.txt (the list the Dockerfile installs) and creates the image's
#      user (uid/gid 10001) and /data; the result is cached as a tarball in $RUNTIME_ROOT_CACHE
#      (default /tmp/fastsmtp-runtime-root-cache), keyed by mirror and package list, so reruns take seconds;
#   2. copies the binary and its resource bundles to /usr/local/bin and deploy/healthcheck.sh to
#      /usr/local/bin/fastsmtp-healthcheck, as the Dockerfile does;
#   3. runs `ldd` inside the root and fails on any library "not found";
#   4. runs `fastsmtp serve` in the root as uid 10001 with FASTSMTP_DATA_DIR=/data (SQLite), waits until the image's
#      health check passes and http://127.0.0.1:PORT/api/v1/health answers 200 (the loopback is shared with the
#      chroot), checks /api/v1/ready and /api/v1/openapi.yaml (served from the resource bundle) answer 200;
#   5. sends SIGTERM and requires exit status 0 within 45 s.
# The ports are free ones picked at start (8000/2525 may be taken on a shared machine); set RUNTIME_ROOT_API_PORT /
# RUNTIME_ROOT_SMTP_PORT to choose. RUNTIME_ROOT_MIRROR overrides the mirror; KEEP_ROOT=1 keeps the root.
set -euo pipefail

usage() { echo "usage: $0 BINARY_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
bin_dir=$(cd "$1" && pwd) || usage
repo=$(cd "$(dirname "$0")/.." && pwd)
packages_file="$repo/deploy/runtime-packages.txt"
healthcheck="$repo/deploy/healthcheck.sh"
binary=${RUNTIME_ROOT_BINARY:-fastsmtp}
cache_dir=${RUNTIME_ROOT_CACHE:-/tmp/fastsmtp-runtime-root-cache}

log() { echo "runtime-root: $*" >&2; }
fail() { echo "runtime-root: FAILED: $*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "needs root (debootstrap, chroot, mount)"
[ -x "$bin_dir/$binary" ] || fail "$bin_dir/$binary not found (swift build -c release --static-swift-stdlib --product fastsmtp)"
[ -f "$packages_file" ] || fail "$packages_file missing"

# The package list, parsed exactly as the Dockerfile's runtime stage parses it.
mapfile -t packages < <(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$packages_file" | tr -s ' \t' '\n' | sed '/^$/d')
[ "${#packages[@]}" -gt 0 ] || fail "no packages in $packages_file"

# The Debian mirrors this machine's apt uses (one-line and deb822 sources): main archive and security archive.
read -r mirror security_mirror < <(python3 - <<'PY'
import glob, re
main = sec = None
files = glob.glob("/etc/apt/sources.list") + sorted(glob.glob("/etc/apt/sources.list.d/*"))
entries = []
for path in files:
    try:
        text = open(path, encoding="utf-8", errors="replace").read()
    except OSError:
        continue
    if path.endswith(".sources"):
        for stanza in re.split(r"\n\s*\n", text):
            fields = {}
            for line in stanza.splitlines():
                if line.startswith("#") or ":" not in line or line[:1].isspace():
                    continue
                key, _, value = line.partition(":")
                fields[key.strip().lower()] = value.split()
            if "deb" in fields.get("types", []) and fields.get("enabled", ["yes"])[0] != "no":
                for uri in fields.get("uris", []):
                    entries.append((uri, fields.get("suites", [])))
    else:
        for line in text.splitlines():
            parts = re.sub(r"\[[^]]*\]", "", line.split("#", 1)[0]).split()
            if len(parts) >= 3 and parts[0] == "deb":
                entries.append((parts[1], [parts[2]]))
for uri, suites in entries:
    if main is None and "bookworm" in suites:
        main = uri.rstrip("/")
    if sec is None and "bookworm-security" in suites:
        sec = uri.rstrip("/")
print(main or "http://deb.debian.org/debian", sec or "-")
PY
)
mirror=${RUNTIME_ROOT_MIRROR:-$mirror}
log "mirror $mirror (security: $security_mirror); packages: ${packages[*]}"

if ! command -v debootstrap >/dev/null; then
    log "installing debootstrap"
    apt-get install -y debootstrap >/dev/null || { apt-get update >/dev/null && apt-get install -y debootstrap >/dev/null; }
fi

root=$(mktemp -d /tmp/fastsmtp-runtime-root.XXXXXX)
chmod 0755 "$root"   # a root directory as a container has it (mktemp makes 0700: uid 10001 could not enter)
server_pid=
mounted=()
cleanup() {
    local status=$?
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then kill -KILL "$server_pid" 2>/dev/null || true; fi
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount -l "${mounted[$i]}" 2>/dev/null || true; done
    if [ "${KEEP_ROOT:-0}" = 1 ]; then log "root kept at $root"; else rm -rf --one-file-system "$root" "$root.serve.log"; fi
    exit "$status"
}
trap cleanup EXIT

mount_in_root() { # mount_in_root proc|dev
    case $1 in
        proc) mount -t proc proc "$root/proc" ;;
        dev) mount --bind /dev "$root/dev" ;;
    esac
    mounted+=("$root/$1")
}
unmount_all() {
    local i
    for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do umount "${mounted[$i]}"; done
    mounted=()
}

key=$(printf '%s\n' "$mirror" "$security_mirror" "${packages[@]}" "user-10001-v1" | sha256sum | cut -c1-16)
tarball="$cache_dir/bookworm-minbase-$key.tar"
if [ -f "$tarball" ]; then
    log "root from cache $tarball"
    tar -C "$root" -xpf "$tarball"
    chmod 0755 "$root"
else
    log "debootstrap --variant=minbase bookworm (a few minutes; cached afterwards)"
    debootstrap --variant=minbase bookworm "$root" "$mirror" >"$root.debootstrap.log" 2>&1 \
        || { tail -20 "$root.debootstrap.log" >&2; fail "debootstrap (log: $root.debootstrap.log)"; }
    rm -f "$root.debootstrap.log"
    # The suites debian:bookworm-slim has: bookworm, bookworm-updates, bookworm-security.
    {
        echo "deb $mirror bookworm main"
        echo "deb $mirror bookworm-updates main"
        [ "$security_mirror" = - ] || echo "deb $security_mirror bookworm-security main"
    } >"$root/etc/apt/sources.list"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mount_in_root proc
    mount_in_root dev
    # As deploy/Dockerfile's runtime stage (keep the two alike).
    chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive /bin/sh -c '
        apt-get update -q \
        && apt-get install -y -q --no-install-recommends "$@" \
        && rm -rf /var/lib/apt/lists/* \
        && groupadd --system --gid 10001 fastsmtp \
        && useradd --system --uid 10001 --gid fastsmtp --home-dir /data --no-create-home --shell /usr/sbin/nologin fastsmtp \
        && install -d -o fastsmtp -g fastsmtp -m 0750 /data' sh "${packages[@]}" >"$root.install.log" 2>&1 \
        || { tail -20 "$root.install.log" >&2; fail "installing the packages (log: $root.install.log)"; }
    rm -f "$root.install.log"
    unmount_all
    mkdir -p "$cache_dir"
    tar -C "$root" -cpf "$tarball.tmp" . && mv "$tarball.tmp" "$tarball"
    log "cached the root as $tarball"
fi
for p in "${packages[@]}"; do
    # shellcheck disable=SC2016 # ${Status} is dpkg-query's field, not a shell expansion
    chroot "$root" dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' \
        || fail "package $p is not installed in the root"
done

# The image's files, where the Dockerfile puts them.
install -m 0755 "$bin_dir/$binary" "$root/usr/local/bin/$binary"
shopt -s nullglob
for bundle in "$bin_dir"/*.resources; do
    case $bundle in *Tests.resources) continue ;; esac
    cp -R "$bundle" "$root/usr/local/bin/"
done
shopt -u nullglob
install -m 0755 "$healthcheck" "$root/usr/local/bin/fastsmtp-healthcheck"
cp /etc/resolv.conf "$root/etc/resolv.conf"   # as a container engine provides it
cp /etc/hosts "$root/etc/hosts"

log "ldd /usr/local/bin/$binary (inside the root):"
ldd_out=$(chroot "$root" /usr/bin/ldd "/usr/local/bin/$binary" 2>&1) || ldd_status=$?
while IFS= read -r line; do echo "  $line"; done <<<"$ldd_out" >&2
if [ "${ldd_status:-0}" -ne 0 ] && ! grep -q "not a dynamic executable" <<<"$ldd_out"; then
    fail "ldd exited ${ldd_status}"
fi
if grep -q "not found" <<<"$ldd_out"; then
    fail "libraries missing from the runtime root: $(grep 'not found' <<<"$ldd_out" | awk '{print $1}' | tr '\n' ' ')"
fi

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}
api_port=${RUNTIME_ROOT_API_PORT:-$(free_port)}
smtp_port=${RUNTIME_ROOT_SMTP_PORT:-$(free_port)}
metrics_port=$(free_port)

mount_in_root proc   # Bundle.main (the resource bundle's location) reads /proc/self/exe, as in a container
log "starting fastsmtp serve in the root as 10001:10001 (API :$api_port, SMTP :$smtp_port)"
server_log="$root.serve.log"
chroot --userspec=10001:10001 "$root" /usr/bin/env -i \
    PATH=/usr/local/bin:/usr/bin:/bin HOME=/data HOSTNAME=runtime-root \
    FASTSMTP_DATA_DIR=/data FASTSMTP_DATABASE_URL=sqlite:////data/fastsmtp.db \
    FASTSMTP_API_HOST=127.0.0.1 FASTSMTP_API_PORT="$api_port" \
    FASTSMTP_SMTP_HOST=127.0.0.1 FASTSMTP_SMTP_PORT="$smtp_port" FASTSMTP_METRICS_PORT="$metrics_port" \
    FASTSMTP_LOG_FORMAT=json \
    /bin/sh -c 'cd /data && exec /usr/local/bin/'"$binary"' serve' >"$server_log" 2>&1 </dev/null &
server_pid=$!

http_status() { # http_status PATH: the status code of GET http://127.0.0.1:$api_port/PATH, from the host
    python3 - "$api_port" "$1" <<'PY'
import sys, urllib.request, urllib.error
try:
    with urllib.request.urlopen(f"http://127.0.0.1:{sys.argv[1]}{sys.argv[2]}", timeout=5) as r:
        body = r.read()
        print(r.status if body or sys.argv[2] != "/api/v1/openapi.yaml" else "empty")
except urllib.error.HTTPError as e:
    print(e.code)
except Exception as e:
    print("error")
PY
}

deadline=$((SECONDS + 60))
until chroot --userspec=10001:10001 "$root" /usr/bin/env -i FASTSMTP_API_PORT="$api_port" \
        /usr/local/bin/fastsmtp-healthcheck 2>/dev/null; do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        status=0; wait "$server_pid" || status=$?; server_pid=
        sed 's/^/  serve: /' "$server_log" >&2
        fail "fastsmtp serve exited with $status before answering its health check"
    fi
    [ $SECONDS -lt $deadline ] || { sed 's/^/  serve: /' "$server_log" >&2; fail "no healthy answer within 60 s"; }
    sleep 0.5
done
log "health check (deploy/healthcheck.sh, in the root) passed"
for path in /api/v1/health /api/v1/ready /api/v1/openapi.yaml; do
    got=$(http_status "$path")
    [ "$got" = 200 ] || { sed 's/^/  serve: /' "$server_log" >&2; fail "GET $path answered $got, not 200"; }
    log "GET $path: 200"
done

log "SIGTERM"
kill -TERM "$server_pid"
deadline=$((SECONDS + 45))
while kill -0 "$server_pid" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || { sed 's/^/  serve: /' "$server_log" >&2; fail "still running 45 s after SIGTERM"; }
    sleep 0.2
done
status=0
wait "$server_pid" || status=$?
server_pid=
if [ "$status" -ne 0 ]; then
    sed 's/^/  serve: /' "$server_log" >&2
    fail "fastsmtp serve exited $status after SIGTERM (expected 0)"
fi
log "OK: $binary runs on debian bookworm minbase + ${packages[*]}, answers health, exits 0 on SIGTERM"
