#!/usr/bin/env bash
# Builds Flux's source-controller and kustomize-controller from pinned Go modules, for the GitOps
# e2e test (test/e2e/gitops-flux.e2e.test.ts), and copies their CRDs next to them.
#
# As for the control plane (build.sh), there are no release downloads: each controller is compiled
# from the Go module proxy through a wrapper module (flux/source-controller, flux/kustomize-controller)
# that copies the replace directives of upstream's go.mod. The result lands in a folder keyed by
# the versions; a complete set (marked by a stamp written last) is reused, so a warm call costs
# nothing. The build runs at low priority (nice) and two packages at a time, so that it shares a
# small machine.
#
# Usage: hack/testenv/build-flux.sh    prints the folder (bin/, crds/) on its last line
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=flux/versions.sh
source "$here/flux/versions.sh"

# shellcheck source=cached-build.sh
source "$here/cached-build.sh"
stamp="$FLUX_CACHE/.complete"
reuse_or_lock "$stamp" "$FLUX_CACHE"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -p=2"
started=$SECONDS

# module_dir WRAPPER MODULE VERSION: the module's folder in the module cache, after checking that
# the wrapper pins the version flux/versions.sh names.
module_dir() {
  local pinned
  pinned=$(cd "$here/flux/$1" && go list -m -f '{{.Version}}' "$2")
  if [[ "$pinned" != "$3" ]]; then
    log "hack/testenv/flux/$1/go.mod pins $2 $pinned, flux/versions.sh says $3"
    return 1
  fi
  (cd "$here/flux/$1" && go mod download -json "$2@$3") | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p'
}

download() {
  (cd "$here/flux/source-controller" && go mod download)
  (cd "$here/flux/kustomize-controller" && go mod download)
}

build() { # build WRAPPER MODULE: the controller's main package, as upstream's Dockerfile builds it
  (cd "$here/flux/$1" && nice -n 10 go build -trimpath -ldflags "-s -w" -o "$FLUX_CACHE/bin/$1" "$2")
}

copy_crds() {
  local dir
  mkdir -p "$FLUX_CACHE/crds"
  dir=$(module_dir source-controller github.com/fluxcd/source-controller "$FLUX_SOURCE_CONTROLLER_VERSION")
  cp "$dir"/config/crd/bases/*.yaml "$FLUX_CACHE/crds/"
  dir=$(module_dir kustomize-controller github.com/fluxcd/kustomize-controller "$FLUX_KUSTOMIZE_CONTROLLER_VERSION")
  cp "$dir"/config/crd/bases/*.yaml "$FLUX_CACHE/crds/"
  chmod 644 "$FLUX_CACHE"/crds/*.yaml
}

log "cold Flux build into $FLUX_CACHE (Go $(go env GOVERSION), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
mkdir -p "$FLUX_CACHE/bin"
step "downloading modules" download
step "CRDs" copy_crds
step "building source-controller $FLUX_SOURCE_CONTROLLER_VERSION" \
  build source-controller github.com/fluxcd/source-controller
step "building kustomize-controller $FLUX_KUSTOMIZE_CONTROLLER_VERSION" \
  build kustomize-controller github.com/fluxcd/kustomize-controller
touch "$stamp"
log "Flux done in $((SECONDS - started))s; disk: $(du -sh "$FLUX_CACHE" | cut -f1) binaries and CRDs"
echo "$FLUX_CACHE"
