//go:build tools

// Package tools pins Flux's kustomize-controller, which hack/testenv/build-flux.sh builds for the GitOps e2e test.
package tools

import (
	_ "github.com/fluxcd/kustomize-controller"
)
