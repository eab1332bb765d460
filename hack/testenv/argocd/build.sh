#!/usr/bin/env bash
# Builds Argo CD's CLI from the pinned Go module beside this file (go.mod: argo-cd v3.5.1), for the
# test that runs the health checks of config/argocd through Argo CD's own evaluator
# (test/e2e/argocd-evaluator.e2e.test.ts). Cached like the control plane (../build.sh): a complete
# build (marked by a stamp written last) is reused, so a warm call costs nothing.
#
# Cold, it compiles about 2,260 packages: 680 s of CPU (577 s user, 106 s sys, 2.1 GiB peak RSS),
# after about 50 s of module downloads; 35 min wall on this 2-core machine shared with three other
# builds (2026-12-03), about 6 min alone. The binary is 147 MiB.
#
# Usage: hack/testenv/argocd/build.sh        prints the path of the argocd binary on its last line
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../versions.sh
source "$here/../versions.sh"
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly

version=$(cd "$here" && go list -m -f '{{.Version}}' github.com/argoproj/argo-cd/v3)
bin="$TESTENV_CACHE/argocd-$version/bin"
stamp="$bin/.complete"
if [[ -f "$stamp" ]]; then
  echo "$bin/argocd"
  exit 0
fi

log() { printf '[argocd] %s\n' "$*" >&2; }
mkdir -p "$bin"
started=$SECONDS
log "cold build of argo-cd $version into $bin (Go $(go env GOVERSION), $(nproc) cores)"
# The binary dispatches on its name: called argocd, it is the CLI.
(cd "$here" && go build -trimpath -ldflags "-s -w" -o "$bin/argocd" github.com/argoproj/argo-cd/v3/cmd)
touch "$stamp"
log "built in $((SECONDS - started))s"
echo "$bin/argocd"
