# Pinned versions of the local control plane, and where its binaries and state live.
# Sourced by build.sh and cluster.sh. The wrapper modules' go.mod files pin the same versions.
K8S_VERSION=v1.36.3
ETCD_VERSION=v3.6.14
KWOK_VERSION=v0.8.0

# Binaries are shared by every clone on the machine (a fresh CI clone reuses them), so they live
# in the user's cache, not in the work tree.
TESTENV_CACHE="${TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bench-operator/testenv}"
TESTENV_BIN="$TESTENV_CACHE/k8s-$K8S_VERSION.etcd-$ETCD_VERSION.kwok-$KWOK_VERSION/bin"
