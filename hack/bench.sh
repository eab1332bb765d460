#!/usr/bin/env bash
# make bench: runs every benchmark in test/bench/ (each a plain Node script, *.ts other than the
# helpers support.ts, *-worker.ts and profiled-*.ts) against a separate 100-node simulated cluster, so the dev cluster
# (and the tests running on it) are left alone. Results go to .cache/bench/<name>.json.
#
# Environment: BENCH_ONLY=<name> (run one benchmark), BENCH_KEEP_CLUSTER=1 (do not delete the
# cluster afterwards), BENCH_NODES (default 100), plus each benchmark's own (see its header).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
node="$root/node_modules/.bin/node"

export CLUSTER_NAME=bench-perf
export BENCH_KUBECONFIG="$root/.cache/testenv/perf-kubeconfig"
export CPU_NODES="${BENCH_NODES:-100}" GPU_NODES=0

cleanup() {
  if [[ "${BENCH_KEEP_CLUSTER:-}" != 1 ]]; then hack/testenv/cluster.sh down || true; fi
}
trap cleanup EXIT

hack/testenv/cluster.sh up
hack/install-crds.sh

status=0
for bench in test/bench/*.ts; do
  name="$(basename "$bench" .ts)"
  [[ "$name" == support || "$name" == *-worker || "$name" == profiled-* ]] && continue
  [[ -n "${BENCH_ONLY:-}" && "$name" != "$BENCH_ONLY" ]] && continue
  echo "== $name" >&2
  "$node" "$bench" || status=$?
done
exit "$status"
