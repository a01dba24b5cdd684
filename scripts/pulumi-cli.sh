#!/bin/bash
# Prints, on its last line, the path of a working Pulumi CLI, trying in this order:
#   1. a real `pulumi` on PATH (not npm's wrapper in node_modules/.bin) or in ~/.pulumi/bin;
#   2. the `pulumi` npm package (a dev dependency), when it can download the CLI;
#   3. a build from the Go modules pinned in tools/pulumi (when `go` is there), kept in
#      .tools/pulumi/<hash of the pins>/ (git-ignored) and rebuilt only when a pin changes.
# Otherwise it fails with a message that names these three ways. Progress goes to stderr.
# PULUMI_CLI_SOURCE=go|npm|path forces one way (the lab and CI use `go`: the same CLI everywhere).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
SDK="$ROOT/node_modules/@pulumi/pulumi"
log() { echo "[pulumi-cli] $*" >&2; }
want=${PULUMI_CLI_SOURCE:-any}

from_path() {
  local dirs p
  dirs=$(printf '%s' "$PATH" | tr ':' '\n' | grep -v '/node_modules/\.bin$' | paste -sd: -)
  p=$(PATH="$dirs" command -v pulumi 2>/dev/null || true)
  [ -z "$p" ] && [ -x "$HOME/.pulumi/bin/pulumi" ] && p="$HOME/.pulumi/bin/pulumi"
  [ -n "$p" ] && [ -n "$("$p" version 2>/dev/null)" ] && printf '%s' "$p"
}

from_npm() {
  local npm_bin="$ROOT/node_modules/.bin/pulumi"
  [ -x "$npm_bin" ] || return 1
  # The wrapper downloads the CLI on first use; where nothing can be downloaded it fails fast.
  timeout 60 "$npm_bin" version >/dev/null 2>&1 || return 1
  printf '%s' "$npm_bin"
}

from_go() {
  command -v go >/dev/null || return 1
  [ -f "$SDK/package.json" ] || { log "node_modules/@pulumi/pulumi is missing: run 'npm ci' first"; return 1; }
  local pins hash out
  pins=$(cd "$ROOT/tools/pulumi" && cat go.mod go.sum build.sh language-nodejs/*.go; node -p "require('$SDK/package.json').version")
  hash=$(printf '%s' "$pins" | sha256sum | cut -c1-16)
  out="$ROOT/.tools/pulumi/$hash"
  if [ ! -x "$out/bin/pulumi" ]; then
    log "building the Pulumi CLI from the Go modules pinned in tools/pulumi (once per pin change; a few minutes)"
    local t0=$SECONDS
    bash "$ROOT/tools/pulumi/build.sh" "$out" "$SDK" >&2 || return 1
    log "built in $((SECONDS - t0)) s: $out/bin"
  fi
  printf '%s' "$out/bin/pulumi"
}

cli=""
case "$want" in
  path) cli=$(from_path || true) ;;
  npm) cli=$(from_npm || true) ;;
  go) cli=$(from_go || true) ;;
  *) cli=$(from_path || from_npm || from_go || true) ;;
esac
if [ -z "$cli" ]; then
  log "no Pulumi CLI could be found or made. Any one of these works:"
  log "  1. install the CLI where the internet is reachable (https://www.pulumi.com/docs/install/), so that 'pulumi' is on PATH or in ~/.pulumi/bin;"
  log "  2. let the 'pulumi' npm package (npm ci) download it, which needs access to Pulumi's download site;"
  log "  3. install Go >= 1.25 (Debian: apt-get install golang-go) so that tools/pulumi/build.sh can build it from the Go module proxy."
  exit 3
fi
echo "$cli"
