#!/usr/bin/env bash
# Builds the project's images with buildah, no Docker engine or registry needed, and exports each
# as an OCI archive into the user's cache (make images):
#   node-base       localhost/bench-operator/node:24-bookworm-slim   node-base.sh: Debian + Node 24
#   bench-operator  ghcr.io/bench-operator/bench-operator:<version>  ./Dockerfile
#   bench-runner    ghcr.io/bench-operator/bench-runner:<version>    runner/Dockerfile
# <version> is package.json's. An archive is rebuilt only when its key, a hash of its inputs,
# changes: node-base's covers node-base.sh's code (comment lines aside), the Node version and the
# Debian settings; the others' their Dockerfile, ignore file, every file of the context it admits,
# this script's code and the base image's ID. IMAGES_REBUILD=1 rebuilds all three (e.g. for
# Debian's security updates).
#
# Output, for other scripts: one `<name>=<archive path>` line per image on stdout, in the order
# above (each archive holds one image, named with its tag); everything else goes to stderr, an
# `[images]` line per image with its sizes and build time. buildah's output of a build goes to
# <cache>/logs/<name>.log (IMAGES_VERBOSE=1 shows it as it runs).
#
# All state is under IMAGES_CACHE (default ~/.cache/bench-operator/images), shared by every clone
# on the machine: archives/ (the archives and, beside each, .info and the base's .packages),
# buildah/ (buildah's storage, run root and npm cache mount; never /var/lib/containers/storage),
# downloads/ (the node and npm tarballs), logs/. One thing lands outside: buildah run as root
# records blob digests in /var/lib/containers/cache/blob-info-cache-v1.boltdb, a path fixed in
# containers/image for root that no buildah 1.28 flag moves (metadata, no image data).
set -euo pipefail
begun=$EPOCHREALTIME

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
# Node 24 from the `node` devDependency: its version is the base image's, and it runs the helpers.
export PATH="$repo/node_modules/.bin:$PATH"

IMAGES_CACHE="${IMAGES_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bench-operator/images}"
archives="$IMAGES_CACHE/archives"
storage="$IMAGES_CACHE/buildah"
mkdir -p "$archives" "$storage/tmp" "$IMAGES_CACHE/logs"

log() { echo "[images] $*" >&2; }
die() {
  log "$*"
  exit 1
}
require() {
  command -v "$1" >/dev/null || die "$1 is missing: run 'make tools' (hack/deps-apt.sh installs it)"
}

[[ -x "$repo/node_modules/.bin/node" ]] || die "node_modules/.bin/node is missing: run 'make deps'"
node_version=$(node --version)
node_version=${node_version#v}
version=$(node -p "JSON.parse(require('node:fs').readFileSync('$repo/package.json', 'utf8')).version")

# One build at a time per cache (two clones building at once would share buildah's storage).
exec 9>"$IMAGES_CACHE/lock"
if ! flock -n 9; then
  log "waiting for another build.sh using $IMAGES_CACHE"
  flock 9
fi

# buildah's storage (vfs: works everywhere, no fuse-overlayfs or kernel overlay needed), run root
# and temporary folder, which holds the RUN --mount=type=cache folders: the npm cache survives
# between builds without ever being part of an image.
buildah=(buildah --root "$storage/root" --runroot "$storage/run" --storage-driver vfs)
export TMPDIR="$storage/tmp"

mib() { awk -v bytes="$1" 'BEGIN { printf "%.1f MiB", bytes / 1048576 }'; }

# Seconds since a $EPOCHREALTIME, to a tenth.
since() { awk -v start="$1" -v now="$EPOCHREALTIME" 'BEGIN { printf "%.1f", now - start }'; }

# Prints the [images] line of an archive from its .info file: its sizes (the archive's, layers
# gzipped; unpacked, the layers' tars) and the time of its build, or of the check that found it
# up to date.
report() {
  local name=$1 archive=$2 started=$3 info unpacked seconds how
  info="${archive%.oci.tar}.info"
  unpacked=$(sed -n 's/^unpacked=//p' "$info")
  seconds=$(sed -n 's/^seconds=//p' "$info")
  if [[ "$started" == built ]]; then
    how="built in $seconds s"
  else
    how="up to date in $(since "$started") s (built in $seconds s)"
  fi
  log "$name: $how, $(mib "$(stat -c %s "$archive")") archive, $(mib "$unpacked") unpacked: $archive"
}

# Pushes the built image to its archive (atomically: a half-written archive never has the final
# name) and writes the .info beside it. Of the archives of one image, the three newest stay: clones
# at different commits share the cache without rebuilding each other's images every time.
export_archive() {
  local name=$1 tag=$2 archive=$3 started=$4
  "${buildah[@]}" push --quiet "$tag" "oci-archive:$archive.tmp:$tag"
  {
    node "$here/oci-archive.ts" info "$archive.tmp" | tr ' ' '\n'
    echo "seconds=$((SECONDS - started))"
    echo "tag=$tag"
  } >"${archive%.oci.tar}.info"
  mv "$archive.tmp" "$archive"
  local old
  ls -t "$archives/$name"-*.oci.tar | tail -n +4 | while read -r old; do
    rm -f "$old" "${old%.oci.tar}.info" "${old%.oci.tar}.packages"
  done
}

# Whether the archive is there and complete; if so it counts as just used for the cleanup above.
fresh() {
  [[ -z "${IMAGES_REBUILD:-}" && -f "$1" && -f "${1%.oci.tar}.info" ]] && touch "$1"
}

# --- node-base ---------------------------------------------------------------------------------
base_tag="localhost/bench-operator/node:${node_version%%.*}-bookworm-slim"
# A script's code without its comment lines: part of a key, as editing a comment rebuilds nothing.
code_of() { sed '/^[[:space:]]*#/d' "$1" | sha256sum | cut -c1-64; }

checked=$EPOCHREALTIME
base_key=$(
  {
    code_of "$here/node-base.sh"
    echo "node=$node_version npm=${NPM_VERSION:-} snapshot=${DEBIAN_SNAPSHOT:-}"
    echo "mirrors=${DEBIAN_MIRROR:-} ${DEBIAN_SECURITY_MIRROR:-}"
  } | sha256sum | cut -c1-16
)
base_archive="$archives/node-base-$base_key.oci.tar"
if fresh "$base_archive"; then
  report node-base "$base_archive" "$checked"
else
  require buildah
  require mmdebstrap
  command -v npm >/dev/null || die "npm is missing (it downloads node and npm from the npm registry): install npm"
  log "node-base: building $base_tag (Debian bookworm, Node $node_version; log: $IMAGES_CACHE/logs/node-base.log)"
  started=$SECONDS
  work=$(mktemp -d "$storage/tmp/node-base.XXXXXX")
  if ! (BUILDAH="${buildah[*]}" "$here/node-base.sh" "$node_version" "$base_tag" "$work" "$IMAGES_CACHE/downloads") \
    >"$IMAGES_CACHE/logs/node-base.log" 2>&1; then
    tail -n 30 "$IMAGES_CACHE/logs/node-base.log" >&2
    rm -rf "$work"
    die "node-base: build failed (log: $IMAGES_CACHE/logs/node-base.log)"
  fi
  export_archive node-base "$base_tag" "$base_archive" "$started"
  mv "$work/packages" "${base_archive%.oci.tar}.packages"
  rm -rf "$work"
  # The base this one replaced, untagged now: vfs keeps a full copy of it.
  "${buildah[@]}" rmi --prune >/dev/null
  report node-base "$base_archive" built
fi
base_id=$(sed -n 's/^id=//p' "${base_archive%.oci.tar}.info")

# Puts the base image into buildah's storage under $base_tag when it is not there as archived
# (a storage emptied by hand, or filled by another clone with an older base), after removing
# working containers an interrupted build left (this script holds the storage's lock).
load_base() {
  local id
  "${buildah[@]}" rm --all >/dev/null
  id=$("${buildah[@]}" images --no-trunc --noheading --format '{{.ID}}' "$base_tag" 2>/dev/null || true)
  [[ "sha256:${id#sha256:}" == "$base_id" ]] && return
  log "node-base: loading $base_archive into buildah's storage"
  id=$("${buildah[@]}" pull --quiet "oci-archive:$base_archive")
  "${buildah[@]}" tag "$id" "$base_tag"
  "${buildah[@]}" rmi --prune >/dev/null
}

# --- bench-operator and bench-runner -----------------------------------------------------------
# The flags of every Dockerfile build (part of the key). --network host: npm ci in RUN reaches the
# npm registry without a CNI network; --layers=false: no intermediate images in storage (vfs
# copies the whole tree for each); --pull=never: the base comes from the storage, never a registry.
bud_flags=(--format oci --layers=false --pull=never --network host --build-arg "NODE_IMAGE=$base_tag")

# npm ci in a RUN step trusts the certificate authorities npm on this machine trusts: where a
# TLS-inspecting proxy sits between here and the registry (NODE_EXTRA_CA_CERTS, or npm's cafile),
# Node's own roots plus those, and an npmrc naming them, are mounted as /root, the HOME of the
# build stages' RUN steps (buildah bud --volume). /root because the base image has it: buildah
# 1.28 makes a mount's mount point in every stage, the final ones included, and a file mounted at
# a new path left an empty file in the images; an existing folder leaves nothing (the e2e test
# checks). The npm cache mount, /root/.npm, lands inside it. Not part of the key.
ca_mounts() {
  local extra=() cafile home="$storage/build-home"
  [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -f "$NODE_EXTRA_CA_CERTS" ]] && extra+=("$NODE_EXTRA_CA_CERTS")
  cafile=$(npm config get cafile 2>/dev/null || true)
  [[ -n "$cafile" && -f "$cafile" ]] && extra+=("$cafile")
  [[ ${#extra[@]} -eq 0 ]] && return
  mkdir -p "$home/.npm"
  node -p "require('node:tls').rootCertificates.join('\\n')" >"$home/build-ca.crt"
  cat "${extra[@]}" >>"$home/build-ca.crt"
  echo "cafile=/root/build-ca.crt" >"$home/.npmrc"
  echo "--volume=$home:/root:ro"
}

# build_image <name> <tag> <Dockerfile> <ignore file>: from the repository's top as context.
build_image() {
  local name=$1 tag=$2 dockerfile=$3 ignorefile=$4 key archive started checked=$EPOCHREALTIME
  key=$(node "$here/context-key.ts" "$repo" "$repo/$dockerfile" "$repo/$ignorefile" \
    "base=$base_id" "flags=${bud_flags[*]}" "tag=$tag" "script=$(code_of "$here/build.sh")" | cut -c1-16)
  archive="$archives/$name-$key.oci.tar"
  if fresh "$archive"; then
    report "$name" "$archive" "$checked"
    built+=("$name=$archive")
    return
  fi
  require buildah
  log "$name: building $tag from $dockerfile (log: $IMAGES_CACHE/logs/$name.log)"
  started=$SECONDS
  load_base
  local out="$IMAGES_CACHE/logs/$name.log" mounts
  mapfile -t mounts < <(ca_mounts)
  # buildah 1.28 reads <Dockerfile>.dockerignore before the context's .dockerignore, as Docker
  # does; the ignore file is named all the same, to be the very file the key was computed from.
  local bud=("${buildah[@]}" bud "${bud_flags[@]}" "${mounts[@]}" --file "$repo/$dockerfile" --ignorefile "$repo/$ignorefile"
    --tag "$tag" "$repo")
  if [[ -n "${IMAGES_VERBOSE:-}" ]]; then
    "${bud[@]}" 2>&1 | tee "$out" >&2 || die "$name: build failed (log: $out)"
  elif ! "${bud[@]}" >"$out" 2>&1; then
    tail -n 30 "$out" >&2
    die "$name: build failed (log: $out)"
  fi
  export_archive "$name" "$tag" "$archive" "$started"
  # The archive is the image from now on: vfs keeps a full copy of every image it stores.
  "${buildah[@]}" rmi "$tag" >/dev/null
  report "$name" "$archive" built
  built+=("$name=$archive")
}

built=("node-base=$base_archive")
build_image bench-operator "ghcr.io/bench-operator/bench-operator:$version" Dockerfile .dockerignore
build_image bench-runner "ghcr.io/bench-operator/bench-runner:$version" runner/Dockerfile runner/Dockerfile.dockerignore
log "${#built[@]} images in $(since "$begun") s"
printf '%s\n' "${built[@]}"
