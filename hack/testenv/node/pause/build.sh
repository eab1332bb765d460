#!/usr/bin/env bash
# Builds the real node's pause image (pause.c, static) as an OCI archive, tagged as the sandbox
# image containerd.toml names; rebuilt only when pause.c or this script changes.
# Prints the archive's path on its last line.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../../versions.sh
source "$here/../../versions.sh"

tag="registry.k8s.io/pause:3.10"
key=$(cat "$here/pause.c" "$here/build.sh" | sha256sum | cut -c1-16)
out="$TESTENV_CACHE/images/pause-$key.oci.tar"
if [[ -f "$out" ]]; then
  echo "$out"
  exit 0
fi
for tool in gcc buildah; do
  command -v "$tool" >/dev/null || { echo "pause: $tool is missing: run 'make tools'" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -static -O2 -Wall -Wextra -o "$work/pause" "$here/pause.c"
# buildah's own state in a throw-away folder: the image leaves only as the archive.
buildah=(buildah --root "$work/root" --runroot "$work/run" --storage-driver vfs)
container=$("${buildah[@]}" from scratch)
"${buildah[@]}" copy --quiet "$container" "$work/pause" /pause >/dev/null
"${buildah[@]}" config --entrypoint '["/pause"]' --user 65535:65535 "$container"
"${buildah[@]}" commit --quiet "$container" "$tag" >/dev/null
mkdir -p "$(dirname "$out")"
"${buildah[@]}" push --quiet "$tag" "oci-archive:$out.tmp:$tag"
mv "$out.tmp" "$out"
echo "$out"
