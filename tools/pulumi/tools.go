//go:build tools

// Package tools pins the Pulumi CLI (see build.sh). The Node.js language host is ./language-nodejs:
// the upstream module (github.com/pulumi/pulumi/sdk/nodejs/cmd/pulumi-language-nodejs/v3) has no
// tags and no pseudo-version of it is served by the module proxy these machines reach.
package tools

import (
	_ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
)
