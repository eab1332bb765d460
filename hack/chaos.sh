#!/usr/bin/env bash
# make chaos (CHAOS_SCALE=full) and make test-chaos (short, part of make test): the operator under
# fire (test/chaos/, docs/chaos.md) on a cluster of its own, since the test restarts kube-apiserver
# and etcd; the dev cluster and the tests running on it are left alone. The cluster is removed
# afterwards unless CHAOS_KEEP_CLUSTER=1. The report goes to .cache/chaos/<scale>.json.
#
# Environment: CHAOS_SCALE (short|full), CHAOS_SEED (replay a run's fault order), CHAOS_NODES (KWOK
# nodes, default 4).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

export CLUSTER_NAME=bench-chaos
export BENCH_KUBECONFIG="$root/.cache/testenv/chaos-kubeconfig"
export CPU_NODES="${CHAOS_NODES:-4}" GPU_NODES=0
export CHAOS_SCALE="${CHAOS_SCALE:-short}"
# As make bench: the Job controller's default of 5 concurrent syncs lags behind on a busy machine.
export CLUSTER_EXTRA_ARGS="kube-controller-manager=concurrent-job-syncs=50"

cleanup() {
  [[ "${CHAOS_KEEP_CLUSTER:-}" == 1 ]] || hack/testenv/cluster.sh down
}
trap cleanup EXIT
hack/testenv/cluster.sh up
hack/install-crds.sh
vitest run --project chaos
