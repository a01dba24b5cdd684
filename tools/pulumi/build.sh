#!/bin/bash
# Builds the Pulumi CLI pinned in ./go.mod (github.com/pulumi/pulumi/pkg/v3 at the @pulumi/pulumi
# version of package.json), this folder's Node.js language host, and puts the SDK's dynamic-provider
# launcher beside them. Output: <out>/bin/{pulumi,pulumi-language-nodejs,pulumi-resource-pulumi-nodejs}.
# Usage: build.sh <out dir> <node_modules/@pulumi/pulumi dir>
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
OUT=${1:?out dir}
SDK=${2:?path of node_modules/@pulumi/pulumi}
VERSION=$(sed -n "s#.*github.com/pulumi/pulumi/pkg/v3 \\(v[0-9.]*\\).*#\\1#p" "$HERE/go.mod" | head -1)
[ -n "$VERSION" ] || { echo "build.sh: no github.com/pulumi/pulumi/pkg/v3 pin in $HERE/go.mod" >&2; exit 1; }
SDK_VERSION=$(node -p "require('$SDK/package.json').version")
[ "v$SDK_VERSION" = "$VERSION" ] || { echo "build.sh: go.mod pins pulumi $VERSION but node_modules has @pulumi/pulumi $SDK_VERSION" >&2; exit 1; }

export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-mod=readonly
mkdir -p "$OUT/bin.partial"
cd "$HERE"
stamp="-X github.com/pulumi/pulumi/sdk/v3/go/common/version.Version=$VERSION"
go build -trimpath -tags osusergo,grpcnotrace -ldflags "-s -w $stamp" -o "$OUT/bin.partial/pulumi" github.com/pulumi/pulumi/pkg/v3/cmd/pulumi
go build -trimpath -ldflags "-s -w -X main.version=${VERSION#v}" -o "$OUT/bin.partial/pulumi-language-nodejs" ./language-nodejs
install -m 0755 "$SDK/pulumi-resource-pulumi-nodejs" "$OUT/bin.partial/pulumi-resource-pulumi-nodejs"
rm -rf "$OUT/bin" && mv "$OUT/bin.partial" "$OUT/bin"
"$OUT/bin/pulumi" version
