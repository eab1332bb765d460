# Pinned versions of the Flux controllers the GitOps e2e test runs, and where they are cached.
# Sourced by hack/testenv/build-flux.sh; the wrapper modules' go.mod files pin the same versions
# (the build checks that they agree).
FLUX_SOURCE_CONTROLLER_VERSION=v1.9.1
FLUX_KUSTOMIZE_CONTROLLER_VERSION=v1.9.4

# Next to the control plane, shared by every clone on the machine: bin/ holds the two binaries,
# crds/ the CustomResourceDefinitions of the same releases.
FLUX_CACHE="${TESTENV_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/bench-operator/testenv}/flux-source-controller-$FLUX_SOURCE_CONTROLLER_VERSION.kustomize-controller-$FLUX_KUSTOMIZE_CONTROLLER_VERSION"
