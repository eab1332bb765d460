//go:build tools

// Package tools pins the KWOK commands that hack/testenv/build.sh builds.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
	_ "sigs.k8s.io/kwok/cmd/kwokctl"
)
