#!/bin/bash
# image-prune ADDRESS USER SCHEME REPOSITORY HISTORY KEEP [--check] (installed by AppImage): deletes
# the manifests of the repository's content tags (12 hex digits) that are not among the last KEEP
# lines of HISTORY, never a digest that a kept tag shares, and removes those images from the local
# engine. With --check it only answers: exit 0 when there is nothing to prune.
set -euo pipefail
REGISTRY_API="@REGISTRY_API@"
addr=$1 user=$2 scheme=$3 repo=$4 hist=$5 keep=$6 mode=${7:-}
api() { "$REGISTRY_API" "$addr" "$user" "$scheme" "$@"; }
digest() {
  api HEAD "/v2/$repo/manifests/$1" -I -H 'Accept: application/vnd.docker.distribution.manifest.v2+json' |
    tr -d '\r' | sed -n 's/^[Dd]ocker-[Cc]ontent-[Dd]igest: *//p'
}
kept=$(tail -n "$keep" "$hist" 2>/dev/null || true)
tags=$(api GET "/v2/$repo/tags/list" | sed -n 's/.*"tags":\[\([^]]*\)\].*/\1/p' | tr ',' '\n' | tr -d '" ')
# Word splitting of $tags, $kept and $keepdigests is wanted: each is a list of tags or digests.
# shellcheck disable=SC2086
old=$(printf '%s\n' $tags | grep -E '^[0-9a-f]{12}$' | grep -vxF -f <(printf '%s\n' $kept) || true)
if [ -z "$old" ]; then exit 0; fi
if [ "$mode" = --check ]; then exit 1; fi
keepdigests=$(for t in $kept; do digest "$t" || true; done)
for t in $old; do
  d=$(digest "$t")
  # shellcheck disable=SC2086
  if [ -n "$d" ] && ! printf '%s\n' $keepdigests | grep -qxF "$d"; then
    api DELETE "/v2/$repo/manifests/$d" -o /dev/null
    echo "pruned $repo:$t ($d)"
  fi
  docker image rm "$addr/$repo:$t" >/dev/null 2>&1 || true
done
