//go:build tools

// Package tools pins the Pulumi CLI (package cmd/pulumi of github.com/pulumi/pulumi/pkg/v3) so that
// `go build github.com/pulumi/pulumi/pkg/v3/cmd/pulumi` resolves inside this module at the version in go.mod.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
