#!/usr/bin/env bash
# make install: applies the CRDs (config/crd, a kustomize base over crds/) to the current cluster
# and waits until the API server serves them.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
source "$root/hack/testenv/versions.sh"
kubectl=("$TESTENV_BIN/kubectl" --kubeconfig "${BENCH_KUBECONFIG:-$root/.cache/testenv/kubeconfig}")
"${kubectl[@]}" apply --server-side --force-conflicts -k "$root/config/crd" >&2
"${kubectl[@]}" wait --for condition=Established --timeout=60s \
  crd/benchmarkrounds.bench.dev crd/benchmarksuites.bench.dev crd/providerpolicies.bench.dev \
  crd/schedulepolicies.bench.dev >&2
