#!/usr/bin/env bash
# Builds versitygw (github.com/versity/versitygw, Apache-2.0), an S3 gateway whose posix backend
# serves a local folder, for the tests of run artifacts (test/support/s3.ts). MinIO's server is
# AGPL and SeaweedFS is much larger; versitygw is one Go binary.
#
# As for the control plane (build.sh) and Flux (build-flux.sh), there are no release downloads: the
# pinned version (versitygw/versions.sh) is compiled from the Go module proxy. The result lands in a
# folder keyed by the version; a complete build (marked by a stamp written last) is reused, so a
# warm call costs nothing. The build runs at low priority (nice) and two packages at a time, so
# that it shares a small machine.
#
# Usage: hack/testenv/build-versitygw.sh    prints the path of the versitygw binary on its last line
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=versitygw/versions.sh
source "$here/versitygw/versions.sh"

bin="$VERSITYGW_CACHE/bin/versitygw"
# shellcheck source=cached-build.sh
source "$here/cached-build.sh"
stamp="$VERSITYGW_CACHE/.complete"
reuse_or_lock "$stamp" "$bin"
started=$SECONDS
log "cold versitygw $VERSITYGW_VERSION build into $VERSITYGW_CACHE (Go $(go env GOVERSION), $(nproc) cores)"
mkdir -p "$VERSITYGW_CACHE/bin"
# `go install module@version` builds outside any module, from the module's own go.mod and go.sum
# (checked against the checksum database).
GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS="-buildvcs=false -p=2" GOBIN="$VERSITYGW_CACHE/bin" \
  nice -n 10 go install -trimpath -ldflags "-s -w" "github.com/versity/versitygw/cmd/versitygw@$VERSITYGW_VERSION"
touch "$stamp"
log "versitygw done in $((SECONDS - started))s; $(du -sh "$bin" | cut -f1)"
echo "$bin"
