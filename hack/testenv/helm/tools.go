//go:build tools

// Package tools pins the Helm command that build.sh builds.
package tools

import _ "helm.sh/helm/v4/cmd/helm"
