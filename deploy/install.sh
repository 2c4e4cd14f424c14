#!/usr/bin/env bash
# Usage: deploy/install.sh [NAMESPACE [RELEASE]]   (defaults: golessons jhub)
#
# Installs (or upgrades) the lessons on a Kubernetes cluster: the Zero to
# JupyterHub chart at the pinned version with deploy/values.yaml, then the
# class relay (deploy/class-relay.yaml). Needs kubectl and helm pointed at the
# cluster, the two images pushed and named in those files, and the teacher's
# key in its Secret first (the script never reads or writes the key):
#
#   kubectl -n golessons create secret generic class-relay-key \
#     --from-file=openrouter-api-key=PATH/TO/FILE-HOLDING-THE-KEY
#
# NOT RUN against a cluster by this project yet: see docs/admins/kubernetes.md.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")"

# The chart version these files are written and rendered for (JupyterHub 5.5.0).
CHART_VERSION=4.4.0
namespace=${1:-golessons}
release=${2:-jhub}

if ! kubectl -n "$namespace" get secret class-relay-key >/dev/null 2>&1; then
  echo "The Secret class-relay-key is not in namespace $namespace yet. Make it first (the key stays out of every file):" >&2
  echo "  kubectl create namespace $namespace" >&2
  echo "  kubectl -n $namespace create secret generic class-relay-key --from-file=openrouter-api-key=PATH/TO/FILE-HOLDING-THE-KEY" >&2
  exit 1
fi

helm repo add jupyterhub https://hub.jupyter.org/helm-chart/ >/dev/null
helm repo update jupyterhub >/dev/null
helm upgrade --install "$release" jupyterhub/jupyterhub \
  --version "$CHART_VERSION" --namespace "$namespace" \
  --values values.yaml --wait --timeout 15m
# After the release: the relay reads its token from the release's hub Secret.
kubectl -n "$namespace" apply -f class-relay.yaml
kubectl -n "$namespace" rollout status deployment/class-relay --timeout 5m
echo "Done. The hub: kubectl -n $namespace get service proxy-public"
