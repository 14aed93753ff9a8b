#!/usr/bin/env bash
# DKIM and SPF throughput (Benchmarks/mailauth/README: what is measured). Prints numbers; not a test.
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product mailauth-bench >/dev/null
.build/release/mailauth-bench "${1:-3}"
