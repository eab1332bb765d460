#!/usr/bin/env bash
# Builds Helm's CLI from the pinned Go module beside this file (go.mod: helm.sh/helm/v4), for the
# release-artifacts test (test/e2e/release-artifacts.e2e.test.ts: `helm lint` and `helm template`
# of dist/chart) and for installing the chart by hand.
#
# As for the control plane (../build.sh), there are no release downloads: Helm is compiled from the
# Go module proxy through a wrapper module, with the flags of upstream's Makefile (CGO off,
# -trimpath, -s -w, the version stamped in). The result lands in a folder keyed by the version; a
# complete build (marked by a stamp written last) is reused, so a warm call costs nothing. The build
# runs at low priority (nice) and two packages at a time, so that it shares a small machine.
#
# Cold (Helm v4.3.2, 2-core machine): see "Measurements" in the README for the time and disk.
#
# Usage: hack/testenv/helm/build.sh        prints the path of the helm binary on its last line
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../versions.sh
source "$here/../versions.sh"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-mod=readonly -p=2"

version=$(cd "$here" && go list -m -f '{{.Version}}' helm.sh/helm/v4)
bin="$TESTENV_CACHE/helm-$version/bin"
# shellcheck source=../cached-build.sh
source "$here/../cached-build.sh"
stamp="$bin/.complete"
reuse_or_lock "$stamp" "$bin/helm"
started=$SECONDS

download() { (cd "$here" && go mod download); }

build() {
  local ldflags="-s -w -X helm.sh/helm/v4/internal/version.version=$version"
  ldflags+=" -X helm.sh/helm/v4/internal/version.gitTreeState=clean"
  (cd "$here" && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$bin/helm" helm.sh/helm/v4/cmd/helm)
}

log "cold Helm build into $bin (Go $(go env GOVERSION), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
step "downloading modules" download
step "building helm $version" build
"$bin/helm" version --short >/dev/null # the binary runs
touch "$stamp"
# CPU time of the commands this script ran (user and system), from `times` in this shell (a
# command substitution would see its own subshell's).
times >"$bin/.times"
cpu=$(tail -1 "$bin/.times" | awk '{ for (i = 1; i <= 2; i++) { split($i, t, /[ms]/); s += t[1] * 60 + t[2] } printf "%d", s }')
rm -f "$bin/.times"
log "helm done in $((SECONDS - started))s (${cpu} CPU-seconds); disk: $(du -sh "$bin" | cut -f1) binary"
echo "$bin/helm"
