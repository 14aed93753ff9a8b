#!/usr/bin/env bash
# fsmtp, the remote CLI, must never link server code (DESIGN.md §1). This reads the package graph
# (`swift package describe --type json`), follows the fsmtp target's dependencies through the package's own targets,
# and fails if the closure holds anything but the client targets, or an external product not on the list below.
# CI runs it before `swift test`.
set -euo pipefail
cd "$(dirname "$0")/.."
swift package describe --type json 2>/dev/null | python3 -c '
import json, sys
package = json.load(sys.stdin)
targets = {t["name"]: t for t in package["targets"]}
allowed_targets = {"fsmtp", "FastSMTPClient", "FastSMTPAPITypes", "DomainNames"}
allowed_products = {
    "ArgumentParser", "TOMLKit", "Yams", "OpenAPIRuntime", "OpenAPIAsyncHTTPClient", "AsyncHTTPClient", "NIOCore",
    "OpenAPIGenerator",  # the build plugin that generates the client; nothing of it is linked
}
closure, products, todo = set(), set(), ["fsmtp"]
while todo:
    name = todo.pop()
    if name in closure:
        continue
    closure.add(name)
    target = targets[name]
    todo += target.get("target_dependencies", [])
    products |= set(target.get("product_dependencies", []))
bad_targets = sorted(closure - allowed_targets)
bad_products = sorted(products - allowed_products)
print("fsmtp depends on targets: " + ", ".join(sorted(closure - {"fsmtp"})))
print("fsmtp depends on products: " + ", ".join(sorted(products)))
if bad_targets or bad_products:
    print("fsmtp must not depend on: " + ", ".join(bad_targets + bad_products), file=sys.stderr)
    sys.exit(1)
print("fsmtp: no server module in its dependency closure")
'
