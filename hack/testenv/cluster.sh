#!/usr/bin/env bash
# The local cluster: a real kube-apiserver, etcd, kube-controller-manager (Job controller, garbage
# collector) and kube-scheduler, with KWOK playing the kubelets of fake nodes, and on request one
# real node (node/node.sh: kubelet, kube-proxy and containerd running real containers).
#
#   hack/testenv/cluster.sh up       start it, or reuse a healthy one; nodes Ready; kubeconfig written
#   hack/testenv/cluster.sh down     remove it, its real node with it (another cluster's is left alone)
#   hack/testenv/cluster.sh status   exit 0 when a healthy cluster answers
#
# Environment: CPU_NODES / GPU_NODES (node counts, see node-pools.yaml), REAL_NODE=1 (add the real
# node), BENCH_KUBECONFIG (where the kubeconfig goes, default .cache/testenv/kubeconfig),
# CLUSTER_NAME (default bench), CLUSTER_EXTRA_ARGS (kwokctl --extra-args, e.g.
# "kube-controller-manager=concurrent-job-syncs=50").
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"
# shellcheck source=network.sh
source "$here/network.sh"

name="${CLUSTER_NAME:-bench}"
state="$root/.cache/testenv"
kubeconfig="${BENCH_KUBECONFIG:-$state/kubeconfig}"
# Each clone has its own cluster state, so two checkouts never share (or delete) one cluster.
export KWOK_WORKDIR="$state/kwok"
export KWOK_KUBECTL_BINARY="$TESTENV_BIN/kubectl"
kwokctl="$TESTENV_BIN/kwokctl"
kubectl="$TESTENV_BIN/kubectl"
node="$root/node_modules/.bin/node"

log() { printf '[cluster] %s\n' "$*" >&2; }
ms() { date +%s%3N; }

healthy() {
  [[ -f "$kubeconfig" ]] && "$kubectl" --kubeconfig "$kubeconfig" --request-timeout=3s get --raw /readyz >/dev/null 2>&1
}

wait_nodes_ready() {
  local want=$1 deadline=$((SECONDS + 120)) ready=0
  while ((SECONDS < deadline)); do
    ready=$("$kubectl" --kubeconfig "$kubeconfig" get nodes -l type=kwok \
      -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' 2>/dev/null |
      grep -c '^True$' || true)
    ((ready >= want)) && return 0
    "$kubectl" --kubeconfig "$kubeconfig" wait --for=condition=Ready nodes -l type=kwok --timeout=5s >/dev/null 2>&1 || true
  done
  log "expected $want Ready nodes within 120s, saw $ready:"
  "$kubectl" --kubeconfig "$kubeconfig" get nodes >&2 || true
  return 1
}

# The default ServiceAccount appears shortly after a namespace; pods cannot be created before it.
wait_default_serviceaccount() {
  local deadline=$((SECONDS + 60))
  until "$kubectl" --kubeconfig "$kubeconfig" -n default get serviceaccount default >/dev/null 2>&1; do
    if ((SECONDS >= deadline)); then
      log "expected ServiceAccount default/default within 60s (is kube-controller-manager running?)"
      return 1
    fi
    "$kubectl" --kubeconfig "$kubeconfig" -n default wait --for=create serviceaccount/default --timeout=5s >/dev/null 2>&1 || true
  done
}

apply_nodes() {
  local manifests count
  manifests=$("$node" "$here/nodes.ts")
  count=$(grep -c '^kind: Node$' <<<"$manifests" || true)
  if ((count > 0)); then
    # --force-conflicts: these manifests define the fake nodes; on a reused cluster
    # kube-controller-manager owns their node.alpha.kubernetes.io/ttl annotation, and the apply
    # would print a conflict for it.
    "$kubectl" --kubeconfig "$kubeconfig" apply --server-side --force-conflicts -f - <<<"$manifests" >/dev/null
  fi
  echo "$count"
}

up() {
  "$here/build.sh" >/dev/null
  [[ -x "$node" ]] || { log "run 'npm ci' first (node_modules/.bin/node is missing)"; exit 1; }
  local t0 nodes
  t0=$(ms)
  # ConfigMaps are watched straight from etcd, without the API server's watch cache, so a test can
  # make a stale watch answer 410 Gone by compacting etcd (as a long-running cluster does by itself)
  # instead of depending on how much history the cache happens to hold.
  local component_args=(--extra-args "kube-apiserver=watch-cache-sizes=configmaps#0")
  # CLUSTER_EXTRA_ARGS: more component=key=value settings, space-separated (make bench raises the
  # Job controller's concurrency); part of the settings a reused cluster must have been made with.
  for arg in ${CLUSTER_EXTRA_ARGS:-}; do component_args+=(--extra-args "$arg"); done
  local config_hash stamp="$state/$name.config-hash"
  # Stages and scheduler settings are fixed when a cluster is created: a cluster made from other
  # versions of these files is replaced, so tests never run against stale simulation rules.
  config_hash=$({ cat "$here"/stages/*.yaml "$here/kube-scheduler.yaml" "$here/kwokctl.yaml" "$here/network.sh"; echo "${component_args[*]}"; } | sha256sum | cut -c1-16)
  if healthy && [[ "$(cat "$stamp" 2>/dev/null)" == "$config_hash" ]]; then
    log "reusing the running cluster '$name' ($kubeconfig)"
  else
    if [[ -d "$KWOK_WORKDIR/clusters/$name" ]]; then
      log "removing the cluster '$name' (unhealthy, or made from other stages)"
      # Its real node first: a kubelet keeps the old cluster's credentials and never registers again.
      remove_real_node
      "$kwokctl" --name "$name" delete cluster >/dev/null 2>&1 || rm -rf "$KWOK_WORKDIR/clusters/$name"
    fi
    mkdir -p "$state"
    log "creating cluster '$name' (kube $K8S_VERSION, etcd $ETCD_VERSION, kwok $KWOK_VERSION)"
    local stages=()
    for stage in "$here"/stages/*.yaml; do stages+=(--config "$stage"); done
    # Settings for the real node (kwokctl.yaml), with network.sh's addresses.
    sed -e "s|@KUBERNETES_SERVICE_IP@|$KUBERNETES_SERVICE_IP|" -e "s|@GATEWAY@|$REAL_NODE_GATEWAY|" \
      -e "s|@SERVICE_CIDR@|$SERVICE_CIDR|" -e "s|@PKI@|$KWOK_WORKDIR/clusters/$name/pki|" \
      "$here/kwokctl.yaml" >"$state/kwokctl.yaml"
    stages+=(--config "$state/kwokctl.yaml")
    "$kwokctl" --name "$name" "${stages[@]}" create cluster \
      --runtime binary \
      --kube-apiserver-binary "$TESTENV_BIN/kube-apiserver" \
      --kube-controller-manager-binary "$TESTENV_BIN/kube-controller-manager" \
      --kube-scheduler-binary "$TESTENV_BIN/kube-scheduler" \
      --etcd-binary "$TESTENV_BIN/etcd" \
      --kwok-controller-binary "$TESTENV_BIN/kwok" \
      --kube-scheduler-config "$here/kube-scheduler.yaml" \
      "${component_args[@]}" \
      --disable-qps-limits \
      --kubeconfig "$kubeconfig" \
      --wait 2m >&2
    # kwokctl writes the admin credentials into the kubeconfig we name; keep only this cluster in it.
    "$kubectl" --kubeconfig "$kubeconfig" config use-context "kwok-$name" >/dev/null
    chmod 600 "$kubeconfig"
    echo "$config_hash" >"$stamp"
  fi
  nodes=$(apply_nodes)
  wait_nodes_ready "$nodes"
  wait_default_serviceaccount
  log "cluster '$name' ready with $nodes nodes in $(($(ms) - t0)) ms; KUBECONFIG=$kubeconfig"
  if [[ "${REAL_NODE:-0}" == 1 ]]; then
    CLUSTER_NAME="$name" BENCH_KUBECONFIG="$kubeconfig" "$here/node/node.sh" up
  fi
}

# Its real node, if it has one: the machine's one real node may be another cluster's, left alone.
remove_real_node() {
  local holder
  if holder=$(CLUSTER_NAME="$name" BENCH_KUBECONFIG="$kubeconfig" "$here/node/node.sh" owner); then
    if [[ "$holder" == "$name" ]]; then
      CLUSTER_NAME="$name" BENCH_KUBECONFIG="$kubeconfig" "$here/node/node.sh" down
    else
      log "the real node on this machine belongs to cluster '$holder': left alone"
    fi
  fi
}

down() {
  remove_real_node
  if [[ -d "$KWOK_WORKDIR/clusters/$name" ]]; then
    "$kwokctl" --name "$name" delete cluster --kubeconfig "$kubeconfig" >&2
  fi
  rm -f "$kubeconfig"
  log "cluster '$name' removed"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) healthy ;;
  *)
    echo "usage: $0 up|down|status" >&2
    exit 2
    ;;
esac
