# Pinned version of Kueue, the job queueing controller the Kueue e2e tests run beside the operator,
# and where it is cached. Sourced by hack/testenv/build-kueue.sh; the wrapper module's go.mod
# (hack/testenv/kueue) pins the same version (the build checks that they agree).
KUEUE_VERSION=v0.19.2

# Next to the control plane, shared by every clone on the machine: bin/kueue is the manager,
# crds/ the CustomResourceDefinitions of the same release.
KUEUE_CACHE="${TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bench-operator/testenv}/kueue-$KUEUE_VERSION"
