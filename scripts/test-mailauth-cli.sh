#!/usr/bin/env bash
# `fastsmtp test-spf` and `test-dkim` against a real DNS server (dnsmasq on loopback): exit 0 on pass, 1 otherwise.
# (A shell test: Foundation's Process on Linux is unreliable with a daemon alongside inside the Swift test runner.)
#   scripts/test-mailauth-cli.sh [path/to/fastsmtp]
set -uo pipefail
binary=${1:-.build/debug/fastsmtp}
work=$(mktemp -d /tmp/fastsmtp-dns.XXXXXX)
# A port free for both UDP and TCP (dnsmasq listens on both); retried, since another process may take it meanwhile.
free_port() {
    python3 -c 'import socket
u=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1",0)); p=u.getsockname()[1]
t=socket.socket(); t.bind(("127.0.0.1",p)); print(p); u.close(); t.close()'
}
for _ in 1 2 3 4 5; do
    port=$(free_port) || continue
    dnsmasq --no-resolv --no-hosts --bind-interfaces --listen-address=127.0.0.1 --port="$port" --pid-file="$work/pid" \
        --txt-record=example.org,"v=spf1 ip4:192.0.2.1 -all" \
        --txt-record=test._domainkey.example.net,"v=DKIM1; k=ed25519; p=yi50DjK5O9pqbFpNHklsv9lqaS0ArSYu02qp1S0DW1Y=" \
        && break
done
[ -s "$work/pid" ] || { echo "dnsmasq did not start"; exit 1; }
trap 'kill "$(cat "$work/pid")" 2>/dev/null; rm -rf "$work"' EXIT
fixture=Tests/MailAuthTests/Fixtures/dkim/generated/ed25519-sha256-relaxed-relaxed.eml
sed 's/This is a test message./Changed./' "$fixture" >"$work/tampered.eml"
passed=0 failed=0
check() { # name, expected exit, expected output prefix, command...
    local name=$1 want=$2 prefix=$3; shift 3
    local out; out=$("$@" 2>&1); local got=$?
    if [ "$got" = "$want" ] && [[ "$out" == "$prefix"* ]]; then passed=$((passed + 1)); echo "ok   $name"
    else failed=$((failed + 1)); echo "FAIL $name: exit $got (want $want): $out"; fi
}
dns=(--dns-server "127.0.0.1:$port")
check "spf pass"       0 "spf=pass domain=example.org" "$binary" test-spf 192.0.2.1 bob@example.org "${dns[@]}"
check "spf fail"       1 "spf=fail domain=example.org" "$binary" test-spf 127.0.0.1 bob@example.org "${dns[@]}"
check "spf bounce"     1 "spf=temperror domain=nowhere.invalid" "$binary" test-spf 127.0.0.1 "" --helo nowhere.invalid "${dns[@]}"
check "spf bad ip"     64 "Error:"                     "$binary" test-spf not-an-ip bob@example.org "${dns[@]}"
check "dkim pass"      0 "dkim=pass d=example.net s=test" "$binary" test-dkim "$fixture" "${dns[@]}"
check "dkim tampered"  1 "dkim=fail"                   "$binary" test-dkim "$work/tampered.eml" "${dns[@]}"
check "dkim no file"   2 "fastsmtp: cannot read"       "$binary" test-dkim "$work/missing.eml" "${dns[@]}"
echo "mail-auth CLI: $passed passed, $failed failed"
[ "$failed" = 0 ]
