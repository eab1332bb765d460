//go:build tools

// Package tools pins Kueue, whose manager hack/testenv/build-kueue.sh builds for the Kueue e2e tests.
package tools

import (
	_ "sigs.k8s.io/kueue/cmd/kueue"
)
