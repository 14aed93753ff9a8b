#!/usr/bin/env bash
# The one enforced format (.swift-format at the root). `scripts/format.sh` checks (CI runs this);
# `scripts/format.sh --fix` rewrites the files in place. Generated code lives under .build and is never formatted.
set -euo pipefail
cd "$(dirname "$0")/.."
paths=(Sources Tests Package.swift Benchmarks/mailauth/Package.swift Benchmarks/mailauth/Sources
       Benchmarks/mime/Package.swift Benchmarks/mime/Sources)
existing=()
for path in "${paths[@]}"; do [[ -e $path ]] && existing+=("$path"); done
if [[ ${1:-} == --fix ]]; then
    swift format format --in-place --recursive --parallel "${existing[@]}"
else
    swift format lint --strict --recursive --parallel "${existing[@]}"
    echo "swift format: no findings"
fi
