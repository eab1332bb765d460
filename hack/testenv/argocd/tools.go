//go:build tools

// Package tools pins the Argo CD command that build.sh builds.
package tools

import _ "github.com/argoproj/argo-cd/v3/cmd"
