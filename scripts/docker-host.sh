#!/bin/bash
# Prepares this machine to run platform hosts as containers (the local target and the lab):
# a Docker engine, and the node image built from images/node on a base image.
# The base image is BASE_IMAGE@BASE_IMAGE_DIGEST when a digest is pinned and the image can be had
# (local or pulled); otherwise a Debian bookworm minbase made here with debootstrap and `docker
# import` (no registry needed), from the Release file pinned by DEBIAN_RELEASE_SHA256. Both pins
# are in scripts/base-pins.sh and are checked before the base is used; an unpinned tag is never pulled.
# Prints the node image name on its last line. Idempotent: reuses what exists.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BASE_IMAGE=${BASE_IMAGE:-debian:bookworm}
LOCAL_BASE=${LOCAL_BASE:-microservice/debian-minbase:bookworm}
NODE_IMAGE=${NODE_IMAGE:-microservice/node:bookworm}
MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
export DEBIAN_FRONTEND=noninteractive
. "$ROOT/scripts/base-pins.sh"

log() { echo "[docker-host] $*" >&2; }
need=()
command -v dockerd >/dev/null || need+=(docker.io)
command -v debootstrap >/dev/null || need+=(debootstrap)
command -v ssh >/dev/null || need+=(openssh-client)
command -v nc >/dev/null || need+=(netcat-openbsd)
if [ ${#need[@]} -gt 0 ]; then
  [ "$(id -u)" -eq 0 ] || { log "missing ${need[*]}: run as root or install them"; exit 1; }
  log "installing ${need[*]}"
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
if ! docker info >/dev/null 2>&1; then
  if [ -d /run/systemd/system ] && systemctl start docker 2>/dev/null; then :; else
    log "starting dockerd (no systemd here)"
    nohup dockerd >/var/log/dockerd.log 2>&1 &
  fi
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null || { log "the Docker engine did not start: see /var/log/dockerd.log"; exit 1; }
fi

# Every host container runs its own systemd, which needs inotify instances (the default 128 runs
# out with a few hosts: they exit 255 at boot).
if [ "$(id -u)" -eq 0 ] && [ "$(cat /proc/sys/fs/inotify/max_user_instances 2>/dev/null || echo 1024)" -lt 1024 ]; then
  sysctl -qw fs.inotify.max_user_instances=1024 || log "could not raise fs.inotify.max_user_instances"
fi

base=""
if [ -n "$BASE_IMAGE_DIGEST" ]; then
  pinned="${BASE_IMAGE%%@*}@$BASE_IMAGE_DIGEST"
  docker image inspect "$pinned" >/dev/null 2>&1 || timeout 60 docker pull -q "$pinned" >/dev/null 2>&1 || log "$pinned cannot be pulled"
  if docker image inspect "$pinned" >/dev/null 2>&1; then
    verify_image_digest "$pinned" "$BASE_IMAGE_DIGEST" || exit 1
    base=$pinned
  fi
fi
if [ -z "$base" ]; then
  # Made here from the pinned Release; the label says from which, so a changed pin makes it again.
  made_from=$(docker image inspect -f '{{index .Config.Labels "microservice.debian-release"}}' "$LOCAL_BASE" 2>/dev/null || true)
  if [ "$made_from" != "$DEBIAN_RELEASE_SHA256" ]; then
    log "building $LOCAL_BASE with debootstrap (Debian Release sha256 $DEBIAN_RELEASE_SHA256)"
    dir=$(mktemp -d /tmp/rootfs.XXXXXX)
    debootstrap --variant=minbase bookworm "$dir" "$MIRROR" >/dev/null
    verify_debian_release "$dir" bookworm || { rm -rf "$dir"; exit 1; }
    printf 'deb %s bookworm main\ndeb %s bookworm-updates main\ndeb http://deb.debian.org/debian-security bookworm-security main\n' \
      "$MIRROR" "$MIRROR" > "$dir/etc/apt/sources.list"
    rm -rf "$dir"/var/cache/apt/*.bin "$dir"/var/cache/apt/archives/*.deb "$dir"/var/lib/apt/lists/*
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' > "$dir/etc/apt/apt.conf.d/99norecommends"
    tar -C "$dir" -c . | docker import --change "LABEL microservice.debian-release=$DEBIAN_RELEASE_SHA256" - "$LOCAL_BASE" >/dev/null
    rm -rf "$dir"
  fi
  base=$LOCAL_BASE
fi
# Rebuild the node image only when its Dockerfile or base changed (label carries both).
want="$(sha256sum "$ROOT/images/node/Dockerfile" | cut -c1-16)-$(docker image inspect -f '{{.Id}}' "$base" | cut -c8-23)"
have=$(docker image inspect -f '{{index .Config.Labels "microservice.build"}}' "$NODE_IMAGE" 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  log "building $NODE_IMAGE from $base"
  docker build -q --build-arg "BASE_IMAGE=$base" --label "microservice.build=$want" -t "$NODE_IMAGE" "$ROOT/images/node" >/dev/null
fi
echo "$NODE_IMAGE"
