#!/bin/bash
# The check-only runtime (components/provision/check.ts): the functions of step-runtime.sh with the
# same arguments, as reports of what differs (one `DRIFT <host>/<step>: <what>` line each), changing
# nothing. Installed beside step-runtime.sh; sourced by the check scripts `pulumi refresh` runs.
# No directory is made: the step lock is taken only where a step has run before (its directory exists).
# shellcheck disable=SC2154 # __step: set by the step script that sources this file
set -uo pipefail
export LC_ALL=C
if [ -d /run/microservice ]; then exec 9>/run/microservice/steps.lock; flock 9; fi
__drift() { echo "DRIFT $__step: $1" >&3; }
__perm() { printf '%o %s %s' "$((8#$1))" "$2" "$3"; }
__quiet() { bash -c "$1" >/dev/null 2>&1 3>&- 9>&-; }
ensure_packages() {
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || __drift "package $p not installed"
  done
}
ensure_file() { # path mode owner group tag; content on stdin
  if [ ! -f "$1" ]; then cat >/dev/null; __drift "$1 missing"; return 0; fi
  if ! cmp -s - "$1"; then __drift "$1 content differs"; return 0; fi
  [ "$(stat -L -c '%a %U %G' "$1")" = "$(__perm "$2" "$3" "$4")" ] || __drift "$1 mode or owner differs"
}
ensure_dir() { # path mode owner group
  if [ ! -d "$1" ]; then __drift "directory $1 missing"; return 0; fi
  [ "$(stat -L -c '%a %U %G' "$1")" = "$(__perm "$2" "$3" "$4")" ] || __drift "directory $1 mode or owner differs"
}
ensure_absent() { if [ -e "$1" ] || [ -L "$1" ]; then __drift "$1 present"; fi; }
ensure_exec() { __quiet "$2" || __drift "$1"; } # description unless run tag
wait_for() { :; }
remember() { if __quiet "$3"; then export "$1=1"; else export "$1=0"; fi; }
assert_that() { __quiet "$2" || __drift "failed check ($1): $3"; } # description check message
ensure_masked() { # unit [when]
  if [ $# -gt 1 ] && ! __quiet "$2"; then return 0; fi
  [ "$(systemctl is-enabled "$1" 2>/dev/null)" = masked ] || __drift "unit $1 not masked"
}
ensure_user() { # name home shell
  local entry home shell
  if ! entry=$(getent passwd "$1"); then __drift "user $1 missing"; return 0; fi
  IFS=: read -r _ _ _ _ _ home shell <<<"$entry"
  if [ "$home" != "$2" ] || [ "$shell" != "$3" ]; then __drift "user $1 home or shell differs"; fi
}
ensure_image() { # ref local-tags...
  local ref=$1 id t; shift
  if ! id=$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null); then __drift "image $ref missing"; return 0; fi
  for t in "$@"; do
    [ "$(docker image inspect -f '{{.Id}}' "$t" 2>/dev/null)" = "$id" ] || __drift "image $t is not $ref"
  done
}
ensure_service() { # name enable restart-tags...
  if [ "$2" = 1 ] && ! systemctl is-enabled --quiet "$1" 2>/dev/null; then __drift "service $1 not enabled"; fi
  systemctl is-active --quiet "$1" || __drift "service $1 not running"
}
__finish() { :; }
