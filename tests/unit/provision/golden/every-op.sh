#!/bin/bash
# The runtime every provisioning step shares (components/provision/script.ts): installed on each host
# by its ready step as /usr/local/lib/microservice/step-runtime.sh, sourced by every step script, which
# sets __step and then calls these functions. Each function is a desired-state check, then a change.
# Commands that ops run never inherit fd 3 (the step's real stdout) nor fd 9 (the host lock): a
# stray write must not corrupt the result line, and a daemon started by a command must not keep
# the lock held after the step ends.
# A change is recorded with a tag (`__mark`); services restart on the tags they name, and a tag
# `unit:<name>` also means systemd must reload its units before the next service op.
# shellcheck disable=SC2154 # __step: set by the step script that sources this file
set -euo pipefail
set -E
trap 'echo "FAILED ${__step:-?}: exit $? at line $LINENO: $BASH_COMMAND" >&2' ERR
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
umask 022
# Steps on one host never interleave, even when two components provision it at once. The lock is in a
# directory only root can write: in world-writable /run/lock any user could hold it and block every step.
[ -n "${MICROSERVICE_STEP_LOCK:-}" ] || install -d -m 0700 -o root -g root /run/microservice
exec 9>"${MICROSERVICE_STEP_LOCK:-/run/microservice/steps.lock}"
flock 9
declare -a __changes=()
declare -A __dirty=()
__reload=0
__mark() { __changes+=("$1"); __dirty["$2"]=1; case $2 in unit:*) __reload=1 ;; esac; }
__perm() { printf '%o %s %s' "$((8#$1))" "$2" "$3"; }
# A check command, quiet, without the step's lock (fd 9) or report (fd 3): succeeds when it does.
__quiet() { bash -c "$1" >/dev/null 2>&1 3>&- 9>&-; }
# One `apt-get update` per host per bring-up: skipped while a step in this boot updated the lists
# within the hour (the stamp is under /run, which every boot empties). An install that fails on
# lists updated earlier updates them and tries once more. Exported for the commands of exec ops.
__apt_stamp=${MICROSERVICE_APT_STAMP:-/run/microservice/apt-updated}
__apt() { apt-get -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3 "$@" 3>&- 9>&-; }
__apt_update() { __apt update -qq && touch "$__apt_stamp"; }
# Files this stack manages may exist before their package: keep ours, never prompt.
__apt_install() { __apt -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold install -y -qq --no-install-recommends "$@" >/dev/null; }
apt_install() { # packages...
  local fresh=0
  if [ -n "$(find "$__apt_stamp" -mmin -60 2>/dev/null)" ]; then fresh=1; else __apt_update || return; fi
  __apt_install "$@" && return 0
  [ $fresh = 1 ] || return 1
  echo "apt-get install $* failed on lists updated earlier: updating them, then once more" >&2
  __apt_update && __apt_install "$@"
}
export __apt_stamp
export -f __apt __apt_update __apt_install apt_install
ensure_packages() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then return 0; fi
  apt_install "${missing[@]}"
  __mark "packages ${missing[*]}" packages
}
ensure_file() { # path mode owner group tag; content on stdin
  local dir tmp; dir=$(dirname "$1")
  mkdir -p "$dir"
  # Beside the target, so that the final mv is an atomic rename on the same filesystem.
  tmp=$(mktemp "$dir/.$(basename "$1").XXXXXX")
  cat >"$tmp"
  if [ -f "$1" ] && cmp -s "$tmp" "$1"; then
    rm -f "$tmp"
    if [ "$(stat -L -c '%a %U %G' "$1")" != "$(__perm "$2" "$3" "$4")" ]; then
      chmod "$2" "$1"; chown "$3:$4" "$1"; __mark "mode $1" "$5"
    fi
    return 0
  fi
  chmod "$2" "$tmp"; chown "$3:$4" "$tmp"
  mv -f "$tmp" "$1"
  __mark "$1" "$5"
}
ensure_dir() { # path mode owner group
  if [ -d "$1" ] && [ "$(stat -L -c '%a %U %G' "$1")" = "$(__perm "$2" "$3" "$4")" ]; then return 0; fi
  mkdir -p "$1"; chmod "$2" "$1"; chown "$3:$4" "$1"
  __mark "dir $1" "$1"
}
ensure_absent() { if [ -e "$1" ] || [ -L "$1" ]; then rm -rf "$1"; __mark "removed $1" "$2"; fi; }
ensure_exec() { # description unless run tag
  if __quiet "$2"; then return 0; fi
  local rc=0
  bash -c "$3" 3>&- 9>&- || rc=$?
  if [ $rc -ne 0 ]; then echo "FAILED $__step: $1 (exit $rc)" >&2; exit $rc; fi
  __mark "$1" "$4"
}
# Waiting and pulling change nothing the host's other steps touch: the lock is given back meanwhile
# (their ops may run between this step's ops, never inside one), and taken again before the next op.
__unlocked() { flock -u 9; local rc=0; "$@" 3>&- 9>&- || rc=$?; flock 9; return $rc; }
__wait_until() { # deadline check
  until __quiet "$2"; do
    [ $SECONDS -lt "$1" ] || return 1
    sleep 1
  done
}
wait_for() { # description timeout check message
  local deadline=$((SECONDS + $2))
  __quiet "$3" && return 0
  __unlocked __wait_until "$deadline" "$3" || { echo "FAILED $__step: $4 (waited $2 s for: $1)" >&2; exit 1; }
}
remember() { # variable description check
  if __quiet "$3"; then export "$1=1"; else export "$1=0"; fi
  echo "$__step: $2: $( [ "${!1}" = 1 ] && echo yes || echo no)" >&2
}
assert_that() { # description check message
  if __quiet "$2"; then return 0; fi
  echo "FAILED $__step: $3 (checked: $1)" >&2; exit 1
}
ensure_masked() { # unit [when]
  if [ $# -gt 1 ] && ! __quiet "$2"; then return 0; fi
  if [ "$(systemctl is-enabled "$1" 2>/dev/null)" = masked ]; then return 0; fi
  systemctl stop "$1" 2>/dev/null || true
  systemctl mask "$1"
  __mark "masked $1" "masked:$1"
}
ensure_user() { # name home shell
  local entry home shell
  if ! entry=$(getent passwd "$1"); then
    useradd --system --home-dir "$2" --shell "$3" "$1"
    # useradd locks the password (`!`), and sshd refuses a key login to a locked account; `*` matches no password either.
    usermod -p '*' "$1"
    __mark "user $1" "user:$1"
    return 0
  fi
  IFS=: read -r _ _ _ _ _ home shell <<<"$entry"
  if [ "$home" != "$2" ] || [ "$shell" != "$3" ]; then
    usermod --home "$2" --shell "$3" "$1"
    __mark "user $1 home or shell" "user:$1"
  fi
}
ensure_image() { # ref local-tags...
  local ref=$1 id t; shift
  if ! id=$(docker image inspect -f '{{.Id}}' "$ref" 2>/dev/null); then
    __unlocked docker pull -q "$ref" >/dev/null || { echo "FAILED $__step: exit 1: docker pull $ref failed (Docker's error is above)" >&2; exit 1; }
    __mark "image $ref" "image:$ref"
    id=$(docker image inspect -f '{{.Id}}' "$ref")
  fi
  for t in "$@"; do
    if [ "$(docker image inspect -f '{{.Id}}' "$t" 2>/dev/null)" = "$id" ]; then continue; fi
    docker tag "$ref" "$t"
    __mark "image $t = $ref" "image:$ref"
  done
}
__daemon_reload() { if [ $__reload -eq 1 ]; then systemctl daemon-reload; __reload=0; fi; }
ensure_service() { # name enable restart-tags...
  local name=$1 enable=$2 t restart=0; shift 2
  __daemon_reload
  if [ -n "${__dirty["unit:$name"]:-}" ] || [ -n "${__dirty["unit:$name.service"]:-}" ]; then restart=1; fi
  for t in "$@"; do if [ -n "${__dirty[$t]:-}" ]; then restart=1; fi; done
  if [ "$enable" = 1 ] && ! systemctl is-enabled --quiet "$name" 2>/dev/null; then
    systemctl enable --quiet "$name"; __mark "enabled $name" "enabled:$name"
  fi
  if ! systemctl is-active --quiet "$name"; then
    systemctl start "$name"; __mark "started $name" "started:$name"
  elif [ $restart -eq 1 ]; then
    systemctl restart "$name"; __mark "restarted $name" "restarted:$name"
  fi
}
__finish() {
  __daemon_reload
  if [ ${#__changes[@]} -eq 0 ]; then echo "STEP $__step: unchanged" >&3
  else local IFS=','; echo "STEP $__step: changed (${__changes[*]})" >&3; fi
}
__step='node1/demo'
__main() {
ensure_packages 'docker.io' 'curl'
ensure_dir '/etc/demo' '0750' 'root' 'adm'
ensure_file '/etc/demo/demo.conf' '0640' 'root' 'adm' 'demo-config' <<'__EOF_1877e514d4a4__'
a=1
b='two'
__EOF_1877e514d4a4__
ensure_file '/etc/demo/raw.bin' '0644' 'root' 'root' '/etc/demo/raw.bin' < <(printf '%s' 'bm8gdHJhaWxpbmcgbmV3bGluZQ==' | base64 -d)
ensure_absent '/etc/demo/old.conf' 'demo-config'
ensure_file '/etc/systemd/system/demo.service' 0644 root root 'unit:demo.service' <<'__EOF_a0e1d7472c0b__'
[Service]
ExecStart=/usr/bin/demo
__EOF_a0e1d7472c0b__
ensure_service 'demo' 1 'demo-config'
ensure_exec 'make token' 'test -s /etc/demo/token' 'head -c 16 /dev/urandom | base64 >/etc/demo/token' 'token'
wait_for 'demo answers' 30 'curl -fsS http://127.0.0.1:1234/health' 'demo did not become healthy'
{
cat /etc/demo/demo.conf
} >&3
remember DEMO_SERVED 'demo served before' 'curl -fsS http://127.0.0.1:1234/health'
ensure_masked 'demo-legacy.service' 'dpkg-query -W demo-legacy'
ensure_user 'demo' '/var/lib/demo' '/bin/sh'
ensure_image 'demo/demo@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' 'demo/demo:1.0'
assert_that 'cgroup v1' 'grep -q cgroup /proc/mounts' 'no cgroup v1'
__finish
}
__main </dev/null 3>&1 1>&2; exit $?
