#!/usr/bin/env bash
# The real node of the local cluster: a kubelet, kube-proxy and containerd running real containers
# beside the kwokctl control plane, registered as real-0 next to the KWOK nodes.
#
#   hack/testenv/node/node.sh up                start it (the cluster must be up), or reuse it
#   hack/testenv/node/node.sh load ARCHIVE...   import OCI image archives into its containerd
#   hack/testenv/node/node.sh down              stop it: no process, mount, bridge or rule left
#   hack/testenv/node/node.sh status            exit 0 when the node is Ready
#   hack/testenv/node/node.sh check             exit 0 when this machine can run it (else says why)
#   hack/testenv/node/node.sh available         exit 0 unless another cluster's node runs here (else says whose)
#   hack/testenv/node/node.sh owner             print the cluster whose node the state folder holds
#
# Every state folder and socket is under .cache/testenv/node (never the machine's
# /var/lib/containerd, /etc/cni or /run/containerd). The node is labelled
# bench.dev/node-pool=real and tainted bench.dev/real-node=true:NoSchedule, so only pods that
# tolerate it land there. Needs root (containerd, mounts, the bridge) and `make tools`.
#
# One real node runs on a machine (one bridge, the kubelet's and kube-proxy's fixed ports), for the
# cluster named by CLUSTER_NAME (default bench; make bench's is bench-perf): the state folder
# records it, and every verb but check, available and owner acts on this cluster's node only. up
# refuses while another cluster's node runs (a stopped one's leftovers it removes), and load, down
# and status leave another cluster's node alone.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../../.." && pwd)"
# shellcheck source=../versions.sh
source "$here/../versions.sh"
# shellcheck source=../network.sh
source "$here/../network.sh"

cluster="${CLUSTER_NAME:-bench}"
kubeconfig="${BENCH_KUBECONFIG:-$root/.cache/testenv/kubeconfig}"
pki="$root/.cache/testenv/kwok/clusters/$cluster/pki"
state="$root/.cache/testenv/node"
owner_file="$state/cluster" # the name of the cluster the node belongs to, written by up
logs="$state/logs"
socket="$state/run/containerd.sock"
cni_bin=/usr/lib/cni
kubectl=("$TESTENV_BIN/kubectl" --kubeconfig "$kubeconfig")
ctr=(ctr --address "$socket" --namespace k8s.io)
kubelet_port=10250 # as kubelet.yaml says
kube_proxy_health_port=10256

log() { printf '[node] %s\n' "$*" >&2; }
die() {
  log "$*"
  exit 1
}

running() { # running NAME: its pid file names a live process
  local pid
  pid=$(cat "$state/$1.pid" 2>/dev/null) || return 1
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null
}

start() { # start NAME COMMAND...: in its own session, logging to logs/NAME.log
  local name=$1
  shift
  running "$name" && return 0
  setsid "$@" >>"$logs/$name.log" 2>&1 </dev/null &
  echo $! >"$state/$name.pid"
}

stop() { # stop NAME: SIGTERM, then SIGKILL after 10 s
  local name=$1 pid
  running "$name" || { rm -f "$state/$name.pid"; return 0; }
  pid=$(<"$state/$name.pid")
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 100); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  rm -f "$state/$name.pid"
}

wait_until() { # wait_until SECONDS COMMAND...: polls COMMAND until it succeeds; 1 on timeout
  local seconds=$1 deadline
  shift
  deadline=$((SECONDS + seconds))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.2
  done
}

# render TEMPLATE OUT: the template with the @NAMES@ of this node. OUT is written only when it
# changes: kube-proxy exits when its running configuration file is written, even with the same text.
render() {
  sed -e "s|@STATE@|$state|g" -e "s|@CNI_BIN@|$cni_bin|g" -e "s|@PKI@|$pki|g" \
    -e "s|@KUBECONFIG@|$kubeconfig|g" -e "s|@NODE_NAME@|$REAL_NODE_NAME|g" \
    -e "s|@BRIDGE@|$REAL_NODE_BRIDGE|g" -e "s|@POD_SUBNET@|$REAL_NODE_POD_SUBNET|g" \
    -e "s|@GATEWAY@|$REAL_NODE_GATEWAY|g" -e "s|@SERVICE_CIDR@|$SERVICE_CIDR|g" \
    -e "s|@KUBE_PROXY_HEALTH_PORT@|$kube_proxy_health_port|g" \
    "$1" >"$2.new"
  if cmp -s "$2.new" "$2"; then rm "$2.new"; else mv "$2.new" "$2"; fi
}

# The cluster whose node the state folder holds (none: exit 1).
owner() {
  [[ -s "$owner_file" ]] || return 1
  cat "$owner_file"
}

# Any process of the node alive: one of its daemons, or a container's shim (shims outlive
# containerd, and hold the pods' mounts).
node_running() {
  local name
  for name in containerd kubelet kube-proxy; do
    running "$name" && return 0
  done
  pgrep -f "containerd-shim-runc-v2 .*-address $socket" >/dev/null 2>&1
}

# Exit 0 unless another cluster's node is running on this machine; else says whose, and how to
# free the machine. (A node of another clone, with its own state folder, is seen by the kubelet's
# port it holds.)
available() {
  local holder listener
  if holder=$(owner) && node_running; then
    [[ "$holder" == "$cluster" ]] && return 0
    log "the real node of cluster '$holder' is running on this machine ($state); only one real node can run on a machine (one bridge $REAL_NODE_BRIDGE, the kubelet's port $kubelet_port), so cluster '$cluster' cannot have one until that one is gone (CLUSTER_NAME=$holder hack/testenv/cluster.sh down removes it, once cluster '$holder' no longer needs it)"
    return 1
  fi
  listener=$(ss -Hltnp "sport = :$kubelet_port" 2>/dev/null) || true
  [[ -z "$listener" ]] && return 0
  log "the kubelet's port $kubelet_port is taken, not by a real node of this clone ($state): $listener (another clone's real node? only one can run on a machine)"
  return 1
}

# Dies unless the state folder holds this cluster's node (for load and down).
ensure_ours() {
  local holder
  holder=$(owner) || die "no real node on this machine (REAL_NODE=1 CLUSTER_NAME=$cluster hack/testenv/cluster.sh up starts one)"
  [[ "$holder" == "$cluster" ]] ||
    die "the real node on this machine belongs to cluster '$holder', not '$cluster': left alone (CLUSTER_NAME=$holder for that one)"
}

preflight() {
  [[ $(id -u) -eq 0 ]] || die "the real node needs root (containerd, mounts, a bridge)"
  available || exit 1
  local tool
  for tool in containerd containerd-shim-runc-v2 runc ctr ip iptables conntrack; do
    command -v "$tool" >/dev/null || die "$tool is missing: run 'make tools'"
  done
  [[ -x "$cni_bin/bridge" && -x "$cni_bin/host-local" && -x "$cni_bin/loopback" && -x "$cni_bin/portmap" ]] ||
    die "the CNI plugins are missing from $cni_bin: run 'make tools'"
  [[ -x "$TESTENV_BIN/kubelet" && -x "$TESTENV_BIN/kube-proxy" ]] || die "kubelet is missing: run 'make testenv'"
  "${kubectl[@]}" --request-timeout=3s get --raw /readyz >/dev/null 2>&1 ||
    die "the cluster is not up: run 'make cluster-up' first"
  [[ -f "$pki/ca.crt" ]] || die "no cluster CA at $pki"
}

# The bridge carries the gateway address itself: the CNI bridge plugin is told isGateway=false,
# so it does not turn on the machine's IP forwarding. Pods get routes to the bridge and the Service
# range only (cni.conflist), so nothing they send leaves the machine.
bridge_up() {
  ip link show "$REAL_NODE_BRIDGE" >/dev/null 2>&1 || ip link add "$REAL_NODE_BRIDGE" type bridge
  # Not `ip addr show | grep -q`: under pipefail, grep exiting at the match can kill ip with SIGPIPE
  # (1 time in 5 here), and the address would be added twice ("Address already assigned").
  [[ $(ip addr show dev "$REAL_NODE_BRIDGE") == *"inet $REAL_NODE_GATEWAY/"* ]] ||
    ip addr add "$REAL_NODE_GATEWAY/${REAL_NODE_POD_SUBNET#*/}" dev "$REAL_NODE_BRIDGE"
  ip link set "$REAL_NODE_BRIDGE" up
}

node_ready() {
  [[ $("${kubectl[@]}" get node "$REAL_NODE_NAME" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null) == True ]]
}

up() {
  preflight
  local t0=$SECONDS holder
  # Another cluster's node, stopped (available said so): its leftovers go, the machine's and its
  # state folder, before this cluster's node takes the folder.
  if holder=$(owner) && [[ "$holder" != "$cluster" ]]; then
    log "removing what the stopped real node of cluster '$holder' left in $state"
    teardown
  fi
  mkdir -p "$state"/{run,cni/net.d,cni/ipam,kubelet,pod-logs} "$logs"
  echo "$cluster" >"$owner_file"
  bridge_up
  render "$here/containerd.toml" "$state/containerd.toml"
  render "$here/cni.conflist" "$state/cni/net.d/10-bench.conflist"
  render "$here/kubelet.yaml" "$state/kubelet.yaml"
  render "$here/kube-proxy.yaml" "$state/kube-proxy.yaml"

  start containerd containerd --config "$state/containerd.toml"
  wait_until 30 "${ctr[@]}" version ||
    die "containerd did not answer on $socket within 30 s; see $logs/containerd.log"
  load "$("$here/pause/build.sh")"

  start kubelet "$TESTENV_BIN/kubelet" \
    --config "$state/kubelet.yaml" \
    --kubeconfig "$kubeconfig" \
    --root-dir "$state/kubelet" \
    --cert-dir "$state/kubelet/pki" \
    --hostname-override "$REAL_NODE_NAME" \
    --node-ip "$REAL_NODE_GATEWAY" \
    --node-labels "bench.dev/node-pool=real,node.kubernetes.io/instance-type=real"
  start kube-proxy "$TESTENV_BIN/kube-proxy" --config "$state/kube-proxy.yaml"
  wait_until 60 curl -fsS "http://127.0.0.1:$kube_proxy_health_port/healthz" || {
    tail -n 5 "$logs/kube-proxy.log" >&2 || true
    die "kube-proxy did not report healthy within 60 s; see $logs/kube-proxy.log"
  }
  wait_until 90 node_ready || {
    tail -n 20 "$logs/kubelet.log" >&2 || true
    die "expected node $REAL_NODE_NAME Ready within 90 s; see $logs/kubelet.log"
  }
  log "node $REAL_NODE_NAME Ready in $((SECONDS - t0)) s ($("${kubectl[@]}" get node "$REAL_NODE_NAME" -o jsonpath='{.status.nodeInfo.containerRuntimeVersion}'))"
}

# Imports OCI archives whose image is not there yet, keyed by the archive's file name (the image
# builds name archives by their inputs' hash), so a warm call costs nothing.
load() {
  local archive marker
  ensure_ours
  mkdir -p "$state/imported"
  for archive in "$@"; do
    [[ -f "$archive" ]] || die "no image archive $archive"
    marker="$state/imported/$(basename "$archive")"
    [[ -f "$marker" ]] && continue
    "${ctr[@]}" images import --no-unpack=false "$archive" >/dev/null
    touch "$marker"
    log "imported $(basename "$archive")"
  done
}

# Containers outlive the kubelet and containerd: each task is killed and removed before containerd
# stops, or its processes and mounts would stay behind.
remove_containers() {
  "${ctr[@]}" version >/dev/null 2>&1 || return 0
  local id
  for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    "${ctr[@]}" tasks kill --all --signal SIGKILL "$id" >/dev/null 2>&1 || true
  done
  for id in $("${ctr[@]}" tasks ls -q 2>/dev/null); do
    wait_until 10 "${ctr[@]}" tasks delete --force "$id" || true
  done
  for id in $("${ctr[@]}" containers ls -q 2>/dev/null); do
    "${ctr[@]}" containers delete "$id" >/dev/null 2>&1 || true
  done
}

unmount_all() { # everything mounted under the state folder, deepest first
  local mount
  for mount in $(awk -v prefix="$state/" 'index($2, prefix) == 1 { print $2 }' /proc/self/mounts | sort -r); do
    umount "$mount" 2>/dev/null || umount -l "$mount"
  done
}

remove_cgroups() { # the pod cgroups the kubelet made (cgroupfs), now empty
  local hierarchy
  for hierarchy in /sys/fs/cgroup/*/kubepods; do
    [[ -d "$hierarchy" ]] && find "$hierarchy" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
}

# Everything the node runs and made on this machine, and its state folder.
teardown() {
  stop kube-proxy
  stop kubelet
  remove_containers
  stop containerd
  # containerd 1.6's shims keep their sockets in /run/containerd/s whatever the state folder; each
  # shim removes its own when it exits, leaving the folder empty.
  pkill -KILL -f "containerd-shim-runc-v2 .*-address $socket" 2>/dev/null || true
  rmdir /run/containerd/s /run/containerd 2>/dev/null || true
  unmount_all
  remove_cgroups
  [[ -x "$TESTENV_BIN/kube-proxy" ]] && "$TESTENV_BIN/kube-proxy" --cleanup >/dev/null 2>&1 || true
  ip link del "$REAL_NODE_BRIDGE" 2>/dev/null || true
  rm -rf "$state"
}

down() {
  # No state folder: nothing of a node to find, but the machine-wide leftovers are looked for all
  # the same (a folder removed by hand).
  [[ -d "$state" ]] && ensure_ours
  teardown
  if "${kubectl[@]}" --request-timeout=3s get --raw /readyz >/dev/null 2>&1; then
    "${kubectl[@]}" delete node "$REAL_NODE_NAME" --ignore-not-found --wait=false >/dev/null
  fi
  log "node $REAL_NODE_NAME of cluster '$cluster' removed"
}

case "${1:-}" in
  up) up ;;
  load)
    shift
    load "$@"
    ;;
  down) down ;;
  status) [[ "$(owner 2>/dev/null)" == "$cluster" ]] && node_ready ;;
  check) preflight ;;
  available) available ;;
  owner) owner ;;
  *)
    echo "usage: $0 up|load ARCHIVE...|down|status|check|available|owner" >&2
    exit 2
    ;;
esac
