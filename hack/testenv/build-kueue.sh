#!/usr/bin/env bash
# Builds Kueue's manager from a pinned Go module, for the e2e tests that run Kueue beside the
# operator (test/support/kueue.ts), and copies its CRDs and webhook manifests next to it.
#
# As for the control plane (build.sh) and Flux (build-flux.sh), there are no release downloads:
# the manager is compiled from the Go module proxy through a wrapper module (hack/testenv/kueue)
# whose go.sum pins every dependency. The result lands in a folder keyed by the version; a complete
# one (marked by a stamp written last) is reused, so a warm call costs nothing. The build runs at
# low priority (nice) and two packages at a time, so that it shares a small machine.
#
# Usage: hack/testenv/build-kueue.sh    prints the folder (bin/, crds/, webhook/) on its last line
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=kueue/versions.sh
source "$here/kueue/versions.sh"

# shellcheck source=cached-build.sh
source "$here/cached-build.sh"
stamp="$KUEUE_CACHE/.complete"
reuse_or_lock "$stamp" "$KUEUE_CACHE"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -p=2"
started=$SECONDS

# The module's folder in the module cache, after checking that the wrapper pins the version
# kueue/versions.sh names.
module_dir() {
  local pinned
  pinned=$(cd "$here/kueue" && go list -m -f '{{.Version}}' sigs.k8s.io/kueue)
  if [[ "$pinned" != "$KUEUE_VERSION" ]]; then
    log "hack/testenv/kueue/go.mod pins sigs.k8s.io/kueue $pinned, kueue/versions.sh says $KUEUE_VERSION"
    return 1
  fi
  (cd "$here/kueue" && go mod download -json "sigs.k8s.io/kueue@$KUEUE_VERSION") |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

download() {
  (cd "$here/kueue" && go mod download)
}

# The CRDs as bases (no conversion webhook: clients of the tests use the storage version only),
# and the webhook manifests, which test/support/kueue.ts reads for the paths and rules of the
# webhook configurations it points at the local manager.
copy_manifests() {
  local dir
  dir=$(module_dir)
  mkdir -p "$KUEUE_CACHE/crds" "$KUEUE_CACHE/webhook"
  cp "$dir"/config/components/crd/bases/*.yaml "$KUEUE_CACHE/crds/"
  cp "$dir"/config/components/webhook/manifests.yaml "$KUEUE_CACHE/webhook/"
  chmod 644 "$KUEUE_CACHE"/crds/*.yaml "$KUEUE_CACHE"/webhook/*.yaml
}

build() { # the manager's main package, as upstream's Makefile builds it (with its version stamped)
  (cd "$here/kueue" && nice -n 10 go build -trimpath \
    -ldflags "-s -w -X sigs.k8s.io/kueue/pkg/version.GitVersion=$KUEUE_VERSION" \
    -o "$KUEUE_CACHE/bin/kueue" sigs.k8s.io/kueue/cmd/kueue)
}

log "cold Kueue build into $KUEUE_CACHE (Go $(go env GOVERSION), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir -p "$KUEUE_CACHE/bin"
step "downloading modules" download
step "manifests" copy_manifests
step "building Kueue $KUEUE_VERSION" build
touch "$stamp"
log "Kueue done in $((SECONDS - started))s; disk: $(du -sh "$KUEUE_CACHE" | cut -f1) binary and manifests"
echo "$KUEUE_CACHE"
