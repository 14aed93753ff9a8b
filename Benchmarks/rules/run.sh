#!/usr/bin/env bash
# Rules engine throughput (Benchmarks/rules/README: what is measured). Builds release; prints numbers; not a test.
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release --product rules-bench >/dev/null
.build/release/rules-bench "${1:-10000}"
