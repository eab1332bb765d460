#!/usr/bin/env bash
# make bench: runs every benchmark in test/bench/ (each a plain Node script, *.ts other than the
# helpers support.ts, *-worker.ts and profiled-*.ts) against a separate 100-node simulated cluster, so the dev cluster
# (and the tests running on it) are left alone. Results go to .cache/bench/<name>.json. A benchmark
# with the line `// bench: no-cluster` needs none: when only such benchmarks are selected (e.g.
# BENCH_ONLY=runner-throughput), no cluster is started. A benchmark with the line
# `// bench: real-node` needs the cluster's real node (hack/testenv/node: kubelet and containerd on
# this machine, as root): it runs last, once the other benchmarks are done, with the node added to
# the cluster then (so that they run without its processes beside them). Only one real node can run
# on a machine: while another cluster's (the dev cluster's) runs, such a benchmark is skipped with
# node.sh's reason, and make bench fails. A benchmark with the line `// bench: own-clusters` makes
# its own fresh clusters (it deletes and recreates this script's cluster, CLUSTER_NAME, as it
# goes): it runs after the no-cluster ones and before the shared cluster starts.
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
# The Job controller syncs 5 Jobs at a time by default; on this loaded machine a sync takes ~1 s, so
# 2,000 Jobs took over 10 minutes to complete (queue depth 1,900) and suites could not finish.
export CLUSTER_EXTRA_ARGS="kube-controller-manager=concurrent-job-syncs=50"

# Benchmarks without a cluster run first, on a machine not yet busy with one (nor still deleting
# the 4,000 Jobs and pods an operator-throughput run leaves behind).
no_cluster=()
own_clusters=()
with_cluster=()
real_node=()
for bench in test/bench/*.ts; do
  name="$(basename "$bench" .ts)"
  [[ "$name" == support || "$name" == *-worker || "$name" == profiled-* ]] && continue
  [[ -n "${BENCH_ONLY:-}" && "$name" != "$BENCH_ONLY" ]] && continue
  if grep -qx '// bench: no-cluster' "$bench"; then
    no_cluster+=("$bench")
  elif grep -qx '// bench: own-clusters' "$bench"; then
    own_clusters+=("$bench")
  elif grep -qx '// bench: real-node' "$bench"; then
    real_node+=("$bench")
  else
    with_cluster+=("$bench")
  fi
done

status=0
run() {
  echo "== $(basename "$1" .ts)" >&2
  "$node" "$1" || status=$?
}
for bench in "${no_cluster[@]}"; do run "$bench"; done

# The real node is this machine's only one: said plainly before any cluster starts.
if [[ "${#real_node[@]}" -gt 0 ]] && ! why=$(hack/testenv/node/node.sh available 2>&1); then
  for bench in "${real_node[@]}"; do
    echo "== $(basename "$bench" .ts): skipped: it needs the real node of cluster '$CLUSTER_NAME', and ${why#\[node\] }" >&2
  done
  real_node=()
  status=1
fi

for bench in "${own_clusters[@]}"; do run "$bench"; done

cleanup() {
  if [[ "${BENCH_KEEP_CLUSTER:-}" != 1 ]]; then hack/testenv/cluster.sh down || true; fi
}
if [[ "${#with_cluster[@]}" -gt 0 || "${#real_node[@]}" -gt 0 ]]; then
  trap cleanup EXIT
  hack/testenv/cluster.sh up
  hack/install-crds.sh
  for bench in "${with_cluster[@]}"; do run "$bench"; done
  if [[ "${#real_node[@]}" -gt 0 ]]; then
    # The running cluster, reused, gets its real node (node.sh says why, should it refuse now).
    if REAL_NODE=1 hack/testenv/cluster.sh up; then
      for bench in "${real_node[@]}"; do run "$bench"; done
    else
      echo "== the real node did not start (above): skipped $(basename -a "${real_node[@]}" | sed 's/\.ts$//' | paste -sd ' ')" >&2
      status=1
    fi
  fi
fi
exit "$status"
