#!/usr/bin/env bash
# Usage: deploy/lint.sh   (make lint-deploy)
#
# Lints deploy/ without Docker or a cluster, and says what it could not do:
#
#  1. hadolint on deploy/Dockerfile (always);
#  2. ShellCheck on the scripts of deploy/ (always);
#  3. deploy/class-relay.yaml against the Kubernetes schemas, strict (unknown
#     fields are errors), for the chart's oldest Kubernetes and the newest known;
#  4. the relay's config in it, with the relay's own `-check` (needs Go);
#  5. the image's Python pins: tools/requirements.txt with
#     deploy/singleuser-requirements.txt resolve, complete and consistent,
#     from wheels, for the image's Python on amd64 and arm64 (asks PyPI, installs
#     nothing);
#  6. when helm and the chart are there: helm lint and helm template of the Zero
#     to JupyterHub chart with deploy/values.yaml (the chart's values schema
#     validates it), the rendered objects against the Kubernetes schemas, and
#     deploy/check_rendered.py.
#
# Environment:
#   HELM_CHART    the jupyterhub chart, version 4.4.0: a directory (the chart's
#                 source, jupyterhub/ in zero-to-jupyterhub-k8s at tag 4.4.0) or
#                 the packaged .tgz (helm pull jupyterhub/jupyterhub --version 4.4.0)
#   HELM          the helm command (default: helm on PATH)
#   HELM_INSTALL  1: build helm $HELM_VERSION (default v3.19.0) with `go install`
#                 into build/deploy-lint/bin when there is none (a few minutes)
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
out=$root/build/deploy-lint
venv=$out/venv
mkdir -p "$out"

say() { printf '\033[1m==> %s\033[0m\n' "$1"; }
ran=()
skipped=()

# The pinned chart version (deploy/install.sh) and the Kubernetes versions to check.
chart_version=$(sed -n 's/^CHART_VERSION=//p' deploy/install.sh)
kube_versions=(1.28.0 1.37.0)  # the chart's kubeVersion (>=1.28.0-0) and the newest kubernetes-validate knows

# 0. The linters, pinned (deploy/lint-requirements.txt).
if ! cmp -s deploy/lint-requirements.txt "$venv/.requirements" 2>/dev/null; then
  say "Installing the linters into build/deploy-lint/venv (deploy/lint-requirements.txt)"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r deploy/lint-requirements.txt
  cp deploy/lint-requirements.txt "$venv/.requirements"
fi
py=$venv/bin/python

# 1.
say "hadolint deploy/Dockerfile"
"$venv/bin/hadolint" deploy/Dockerfile
ran+=("hadolint $("$venv/bin/hadolint" --version | sed -n 's/.* \([0-9][0-9.]*\)$/\1/p') on deploy/Dockerfile")

# 2.
say "ShellCheck on deploy/'s scripts"
scripts=(deploy/golessons-start deploy/install.sh deploy/lint.sh)
"$venv/bin/shellcheck" "${scripts[@]}"
ran+=("ShellCheck $("$venv/bin/shellcheck" --version | sed -n 's/^version: //p') on ${scripts[*]}")

# 3.
validate() {  # validate FILE: strict, against every Kubernetes version of kube_versions
  local v
  for v in "${kube_versions[@]}"; do
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$v" "$1"
  done
}
say "deploy/class-relay.yaml against the Kubernetes ${kube_versions[*]} schemas (strict)"
validate deploy/class-relay.yaml
ran+=("kubernetes-validate --strict (Kubernetes ${kube_versions[*]}) on deploy/class-relay.yaml")

# 4.
if command -v go >/dev/null; then
  say "The relay's config (class-relay -check)"
  "$py" -c 'import sys, yaml
for d in yaml.safe_load_all(open(sys.argv[1])):
    if d and d["kind"] == "ConfigMap":
        open(sys.argv[2], "w").write(d["data"]["relay.json"])' deploy/class-relay.yaml "$out/relay.json"
  rm -rf "$out/relay-state"
  # The Deployment's environment, with a stand-in key (never a real one).
  JUPYTERHUB_API_URL=http://hub:8081/hub/api JUPYTERHUB_SERVICE_PREFIX=/services/class-relay/ \
    STATE_DIRECTORY="$out/relay-state" OPENROUTER_API_KEY=sk-or-lint-stand-in JUPYTERHUB_API_TOKEN=lint-stand-in \
    go run ./cmd/class-relay -config "$out/relay.json" -check >"$out/relay-check.txt" 2>&1 ||
    { cat "$out/relay-check.txt"; exit 1; }
  grep -q '^The config is fine' "$out/relay-check.txt"
  ran+=("class-relay -check on the relay.json of deploy/class-relay.yaml")
else
  skipped+=("the relay's config check: no go command")
fi

# 5.
pyver=$(sed -n 's/^FROM python:\([0-9][0-9.]*\)-.*/\1/p' deploy/Dockerfile)
pins_key=$(cat tools/requirements.txt deploy/singleuser-requirements.txt deploy/lint.sh <(echo "$pyver") | sha256sum | cut -c1-32)
if [ "$(cat "$out/pins.ok" 2>/dev/null)" = "$pins_key" ]; then
  archs=()  # checked before, and nothing it depends on changed (build/deploy-lint/pins.ok)
  pins_note=" (passed before with these files: not repeated)"
else
  archs=(x86_64 aarch64)
  pins_note=""
  say "The image's Python pins, for Python $pyver on amd64 and arm64 (pip, dry run; about a minute)"
fi
for arch in "${archs[@]}"; do
  plats=()
  for m in $(seq 17 36); do plats+=(--platform "manylinux_2_${m}_$arch"); done
  plats+=(--platform "manylinux2014_$arch")
  rm -rf "$out/pip-target"
  if ! "$py" -m pip install --quiet --disable-pip-version-check --dry-run --ignore-installed \
      --only-binary=:all: --implementation cp --python-version "$pyver" "${plats[@]}" \
      --target "$out/pip-target" --report "$out/pins-$arch.json" \
      -r tools/requirements.txt -r deploy/singleuser-requirements.txt >"$out/pins-$arch.log" 2>&1; then
    cat "$out/pins-$arch.log"
    echo "The pins of tools/requirements.txt and deploy/singleuser-requirements.txt do not install from wheels on Python $pyver ($arch)." >&2
    exit 1
  fi
  "$py" - "$out/pins-$arch.json" tools/requirements.txt deploy/singleuser-requirements.txt <<'EOF'
import json, re, sys
norm = lambda n: re.sub(r"[-_.]+", "-", n).lower()
pins = {}
for path in sys.argv[2:]:
    for line in open(path, encoding="utf-8"):
        line = line.split("#")[0].strip()
        if line:
            name, version = line.split("==")
            pins[norm(name)] = version
report = json.load(open(sys.argv[1]))
got = {norm(i["metadata"]["name"]): i["metadata"]["version"] for i in report["install"]}
unpinned = sorted(f"{n}=={v}" for n, v in got.items() if n not in pins)
moved = sorted(f"{n}: pinned {pins[n]}, resolved {v}" for n, v in got.items() if n in pins and pins[n] != v)
if unpinned or moved:
    sys.exit("The image's Python pins are incomplete or inconsistent:\n  " + "\n  ".join(unpinned + moved))
EOF
done
echo "$pins_key" >"$out/pins.ok"
ran+=("pip dry run$pins_note: $(grep -cv '^#' tools/requirements.txt) + $(grep -cv '^#' deploy/singleuser-requirements.txt) pins, complete, from wheels on CPython $pyver, amd64 and arm64")

# 6.
helm=${HELM:-$(command -v helm || true)}
if [ -z "$helm" ] && [ "${HELM_INSTALL:-}" = 1 ] && command -v go >/dev/null; then
  if [ ! -x "$out/bin/helm" ]; then
    say "Building helm ${HELM_VERSION:-v3.19.0} (go install; a few minutes)"
    GOBIN=$out/bin go install "helm.sh/helm/v3/cmd/helm@${HELM_VERSION:-v3.19.0}"
  fi
  helm=$out/bin/helm
fi
if [ -z "$helm" ]; then
  skipped+=("helm lint / helm template: no helm (put it on PATH, set HELM=..., or HELM_INSTALL=1)")
elif [ -z "${HELM_CHART:-}" ]; then
  skipped+=("helm lint / helm template: no chart (set HELM_CHART= to the jupyterhub chart $chart_version, a directory or .tgz)")
else
  chart=$HELM_CHART
  if [ -d "$chart" ] && [ ! -f "$chart/values.schema.json" ] && [ -f "$chart/values.schema.yaml" ]; then
    # The chart's source: its schema is YAML; the packaged chart carries it as
    # JSON, the form helm validates values with. Convert a copy.
    rm -rf "$out/chart"
    cp -r "$chart" "$out/chart"
    "$py" -c 'import json, sys, yaml
def clean(d):
    d.pop("description", None)
    for v in d.get("properties", {}).values():
        if isinstance(v, dict):
            clean(v)
s = yaml.safe_load(open(sys.argv[1]))
clean(s)
json.dump(s, open(sys.argv[2], "w"))' "$chart/values.schema.yaml" "$out/chart/values.schema.json"
    chart=$out/chart
  fi
  meta=$("$helm" show chart "$chart")
  version=$(sed -n 's/^version: *//p' <<<"$meta" | tr -d '"')
  app=$(sed -n 's/^appVersion: *//p' <<<"$meta" | tr -d '"')
  hub_pin=$(sed -n 's/^jupyterhub==//p' deploy/singleuser-requirements.txt)
  if [ "$app" != "$hub_pin" ]; then
    echo "The chart runs JupyterHub $app; deploy/singleuser-requirements.txt pins jupyterhub==$hub_pin: make them match." >&2
    exit 1
  fi
  case "$version" in
    "$chart_version") chart_note="chart $version" ;;
    *set.by.chartpress*) chart_note="chart source (Chart.yaml version $version, as in git; JupyterHub $app)" ;;
    *) echo "HELM_CHART is chart version $version; deploy/install.sh pins $chart_version." >&2; exit 1 ;;
  esac
  say "helm lint and helm template: $chart_note, deploy/values.yaml"
  for v in "${kube_versions[@]}"; do
    "$helm" lint "$chart" --values deploy/values.yaml --kube-version "$v" >"$out/helm-lint-$v.txt" ||
      { cat "$out/helm-lint-$v.txt"; exit 1; }
    "$helm" template jhub "$chart" --namespace golessons --values deploy/values.yaml --kube-version "$v" >"$out/rendered-$v.yaml"
    "$venv/bin/kubernetes-validate" --strict --quiet -k "$v" "$out/rendered-$v.yaml"
    "$py" deploy/check_rendered.py "$out/rendered-$v.yaml" deploy/class-relay.yaml
  done
  ran+=("helm $("$helm" version --template '{{.Version}}') lint + template ($chart_note, Kubernetes ${kube_versions[*]}), values schema, kubernetes-validate --strict and deploy/check_rendered.py on the output (build/deploy-lint/rendered-*.yaml)")
fi

echo
say "make lint-deploy: what ran"
printf '  ran:     %s\n' "${ran[@]}"
if [ "${#skipped[@]}" -gt 0 ]; then
  printf '  SKIPPED: %s\n' "${skipped[@]}"
fi
echo "  not possible here: docker build (no Docker engine), a deployment to a cluster."
