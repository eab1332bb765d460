#!/usr/bin/env bash
# make demo: the local cluster, then the operator running the examples (see README).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/hack/testenv/versions.sh"
kubeconfig="${BENCH_KUBECONFIG:-$root/.cache/testenv/kubeconfig}"
kubectl() { "$TESTENV_BIN/kubectl" --kubeconfig "$kubeconfig" "$@"; }

echo "== The local cluster (kube-apiserver $K8S_VERSION, KWOK nodes)"
kubectl version
kubectl get nodes -L bench.dev/node-pool,topology.kubernetes.io/zone

cat <<MSG

Look around:   export KUBECONFIG=$kubeconfig; $TESTENV_BIN/kubectl get nodes
Stop:          make cluster-down
MSG
