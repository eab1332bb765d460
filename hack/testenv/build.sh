#!/usr/bin/env bash
# Builds the local control plane (Kubernetes, etcd, KWOK) and the real node's kubelet and
# kube-proxy from pinned Go modules.
#
# The machines reach the Go module proxy but no release download site, so the binaries are
# compiled from source. Three wrapper modules (k8s/, etcd/, kwok/) keep their dependency
# graphs apart. The result lands in a folder keyed by the versions; a complete set (marked by
# a stamp written last, and every binary present) is reused, so a warm call costs nothing. A
# set built before a binary joined the list gets only the missing group built.
#
# Usage: hack/testenv/build.sh        prints the bin folder on its last line
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versions.sh
source "$here/versions.sh"

bin="$TESTENV_BIN"
stamp="$bin/.complete"
k8s_commands=(kube-apiserver kube-controller-manager kube-scheduler kubectl kubelet kube-proxy)
present() { # present BINARY...: every one is in the bin folder
  local b
  for b in "$@"; do [[ -x "$bin/$b" ]] || return 1; done
}
if [[ -f "$stamp" ]] && present etcd kwok kwokctl "${k8s_commands[@]}"; then
  echo "$bin"
  exit 0
fi

log() { printf '[testenv] %s\n' "$*" >&2; }
mkdir -p "$bin"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
build_flags=(-trimpath -tags selinux,notest,grpcnotrace)
started=$SECONDS

step() { # step NAME COMMAND...: runs COMMAND, reporting how long it took
  local name=$1 t0=$SECONDS
  shift
  log "building $name ..."
  "$@"
  log "built $name in $((SECONDS - t0))s"
}

k8s_ldflags() {
  local major minor date commit=""
  major=$(echo "$K8S_VERSION" | sed -E 's/^v([0-9]+)\..*/\1/')
  minor=$(echo "$K8S_VERSION" | sed -E 's/^v[0-9]+\.([0-9]+)\..*/\1/')
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  local flags="-s -w"
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    flags+=" -X $pkg.gitVersion=$K8S_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
    flags+=" -X $pkg.gitCommit=$commit -X $pkg.gitTreeState=clean -X $pkg.buildDate=$date"
  done
  echo "$flags"
}

build_k8s() {
  (cd "$here/k8s" && go build "${build_flags[@]}" -ldflags "$(k8s_ldflags)" -o "$bin/" \
    "${k8s_commands[@]/#/k8s.io/kubernetes/cmd/}")
}

build_etcd() {
  (cd "$here/etcd" && go build "${build_flags[@]}" -ldflags "-s -w" -o "$bin/etcd" .)
}

build_kwok() {
  local flags="-s -w -X sigs.k8s.io/kwok/pkg/consts.Version=${KWOK_VERSION#v}"
  flags+=" -X sigs.k8s.io/kwok/pkg/consts.KubeVersion=${K8S_VERSION#v}"
  (cd "$here/kwok" && go build "${build_flags[@]}" -ldflags "$flags" -o "$bin/" \
    sigs.k8s.io/kwok/cmd/kwok sigs.k8s.io/kwok/cmd/kwokctl)
}

rm -f "$stamp"
log "building into $bin (Go $(go env GOVERSION), $(nproc) cores)"
present etcd || step "etcd $ETCD_VERSION" build_etcd
present kwok kwokctl || step "kwok $KWOK_VERSION" build_kwok
present "${k8s_commands[@]}" || step "kubernetes $K8S_VERSION" build_k8s
touch "$stamp"
log "done in $((SECONDS - started))s; disk: $(du -sh "$bin" | cut -f1) binaries, $(du -sh "$(go env GOMODCACHE)" 2>/dev/null | cut -f1) module cache, $(du -sh "$(go env GOCACHE)" 2>/dev/null | cut -f1) build cache"
echo "$bin"
