#!/usr/bin/env bash
# Installs the Debian packages the tests need and the machine lacks; does nothing when all are
# there. `apt-get update` runs only when a package is missing from the package lists.
#   hack/deps-apt.sh            # the packages below
#   hack/deps-apt.sh jq curl    # these as well
# Add a package the project needs to PACKAGES, with what needs it.
set -euo pipefail

PACKAGES=(
  prometheus # prometheus and promtool: the metrics e2e test and the alerting rule tests (make test-rules)
  lua5.1     # the Lua interpreter the Lua tests run on
  # The real node (hack/testenv/node) and the images (make images), at Debian 12's versions:
  containerd                  # the node's container runtime (1.6.20), run on the project's own sockets
  runc                        # the OCI runtime containerd starts containers with
  containernetworking-plugins # bridge, host-local, loopback and portmap: pod networking on the node
  iptables                    # kube-proxy's Service rules and the bridge plugin's
  conntrack                   # kube-proxy flushes stale UDP entries with it
  buildah                     # builds the images from the Dockerfiles without a Docker engine
  mmdebstrap                  # the Debian root filesystem of the Node 24 base image
  "$@"
)

installed() {
  [[ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" == "install ok installed" ]]
}

missing=()
for package in "${PACKAGES[@]}"; do
  installed "$package" || missing+=("$package")
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

if ! command -v apt-get >/dev/null; then
  echo "deps-apt: missing Debian packages ${missing[*]}, and this machine has no apt-get: install them by hand" >&2
  exit 1
fi
sudo=()
if [[ $(id -u) -ne 0 ]]; then
  command -v sudo >/dev/null || {
    echo "deps-apt: installing ${missing[*]} needs root (or sudo)" >&2
    exit 1
  }
  sudo=(sudo)
fi

known() {
  local candidate
  candidate=$(apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }')
  [[ -n "$candidate" && "$candidate" != "(none)" ]]
}
for package in "${missing[@]}"; do
  if ! known "$package"; then
    "${sudo[@]}" apt-get update -qq
    break
  fi
done

# Packages with a service (prometheus) must not start it: the tests run their own processes on
# free ports. policy-rc.d answering 101 is Debian's way to say "no service starts" to postinst
# scripts; one already there is left alone.
policy=/usr/sbin/policy-rc.d
if [[ ! -e $policy ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${sudo[@]}" tee "$policy" >/dev/null
  "${sudo[@]}" chmod 755 "$policy"
  trap '"${sudo[@]}" rm -f "$policy"' EXIT
fi
echo "deps-apt: installing ${missing[*]}" >&2
"${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"
