#!/bin/sh
# Builds mime-bench in release, writes the benchmark messages, and prints Swift and Python side by side.
# Usage: Benchmarks/mime/run.sh   (needs swift and python3; nothing is installed)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=${TMPDIR:-/tmp}/fastsmtp-mime-bench
mkdir -p "$work"
python3 "$here/make_messages.py" "$work"
python3 "$here/make_messages.py" "$work" --size 40000000 >/dev/null
swift build -c release --package-path "$here" >/dev/null
bench=$(swift build -c release --package-path "$here" --show-bin-path)/mime-bench
echo
echo "== throughput"
"$bench" "$work/message-100k.eml" "$work/message-10m.eml"
python3 "$here/bench_python.py" "$work/message-100k.eml" "$work/message-10m.eml"
echo
echo "== peak memory of one parse (separate processes)"
for file in message-100k.eml message-10m.eml message-40m.eml; do
    printf 'swift   '; "$bench" --memory "$work/$file"
done
for file in message-10m.eml message-40m.eml; do
    printf 'python  '; python3 "$here/bench_python.py" --memory "$work/$file"
done
