#!/bin/bash
# flocker-ebs-volume: mounts an attached EBS volume at its stable path (installed by FlockerEbsVolumes).
#   attach-mount <name> <volume-id> <fstype> <device-name>   find the disk, format it once, mount it, start the app
#   release <name>                                           stop the app, unmount (before the volume is detached)
set -euo pipefail
export LC_ALL=C
CONF="@CONF@"
UNIT_DIR="@UNIT_DIR@"
# shellcheck source=/dev/null
. "$CONF"
: "${MOUNT_ROOT:?}" "${APPS_DIR:?}" "${HOST_IP:?}" "${APP_TIMEOUT:?}" "${MARATHON_HOOK:?}" "${DEVICE_TIMEOUT:?}"

log() { echo "flocker-ebs-volume: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
check_name() { [[ ${1:-} =~ ^[a-z][a-z0-9-]{0,62}$ ]] || die "bad volume name: '${1:-}'"; }
# Both end up in a command name (mkfs.<type>) or a unit file: only what the stack can ask for.
check_fstype() { [[ ${1:-} =~ ^(ext4|xfs)$ ]] || die "bad filesystem type: '${1:-}' (ext4 or xfs)"; }
check_device() { [[ ${1:-} =~ ^/dev/(sd|xvd)[a-z]$ ]] || die "bad device name: '${1:-}'"; }
unit_of() { systemd-escape -p --suffix=mount "$MOUNT_ROOT/$1"; }

app() { # stop|start <name>: the app's hooks, as on ZFS
  local verb=$1 name=$2
  if [ -f "$APPS_DIR/$name.marathon" ]; then
    if [ "$verb" = start ]; then set -- "$HOST_IP"; else set --; fi
    timeout "$APP_TIMEOUT" python3 "$MARATHON_HOOK" "$verb" "$APPS_DIR/$name.marathon" "$@"
  elif [ -f "$APPS_DIR/$name.$verb" ]; then
    VOLUME="$name" VOLUME_PATH="$MOUNT_ROOT/$name" HOST_IP="$HOST_IP" timeout "$APP_TIMEOUT" bash "$APPS_DIR/$name.$verb" </dev/null >&2
  fi
}

# The disk of a volume: NVMe instances show the volume id (without its dash) as the serial;
# Xen instances keep the requested name as /dev/xvdX.
find_device() {
  local id=${1//-/} want=$2 dev
  dev=/dev/disk/by-id/nvme-Amazon_Elastic_Block_Store_$id
  if [ -e "$dev" ]; then readlink -f "$dev"; return 0; fi
  dev=$(lsblk -dnpo NAME,SERIAL | awk -v s="$id" '$2 == s { print $1; exit }')
  if [ -n "$dev" ]; then echo "$dev"; return 0; fi
  for dev in "$want" "/dev/xvd${want#/dev/sd}"; do
    if [ -b "$dev" ]; then echo "$dev"; return 0; fi
  done
  return 1
}

attach_mount() {
  check_name "$1"; check_fstype "$3"; check_device "$4"
  local name=$1 vol=$2 fstype=$3 want=$4 dev="" deadline uuid unit probe rc=0
  [[ $vol =~ ^vol-[0-9a-f]+$ ]] || die "bad volume id: '$vol'"
  deadline=$((SECONDS + DEVICE_TIMEOUT))
  until dev=$(find_device "$vol" "$want"); do
    [ $SECONDS -lt $deadline ] || die "volume $vol did not appear as a disk within $DEVICE_TIMEOUT s"
    sleep 1
  done
  # Format once, and only a blank disk: blkid's exit 2 means it found no signature at all. Anything
  # else that is not a plain filesystem (ambivalent signatures: 8, a probe error: 4, a partition
  # table) may hold data: refused, never formatted.
  probe=$(blkid -p -o export "$dev" 2>&1) || rc=$?
  if [ "$rc" = 2 ]; then
    log "formatting $dev ($vol) as $fstype"
    "mkfs.$fstype" -q "$dev"
  elif [ "$rc" != 0 ]; then
    die "blkid cannot read $dev plainly (exit $rc): refusing to format it, look at it by hand: $probe"
  elif ! grep -q '^TYPE=' <<<"$probe"; then
    die "$dev holds no filesystem but a partition table or other data: refusing to format it: $probe"
  fi
  uuid=$(blkid -p -s UUID -o value "$dev")
  [ -n "$uuid" ] || die "no filesystem UUID on $dev"
  unit=$(unit_of "$name")
  mkdir -p "$MOUNT_ROOT/$name"
  printf '[Unit]\nDescription=Volume %s (%s)\n\n[Mount]\nWhat=/dev/disk/by-uuid/%s\nWhere=%s\nType=%s\nOptions=defaults,nofail\n\n[Install]\nWantedBy=multi-user.target\n' \
    "$name" "$vol" "$uuid" "$MOUNT_ROOT/$name" "$fstype" >"$UNIT_DIR/$unit"
  systemctl daemon-reload
  systemctl enable --quiet "$unit"
  systemctl start "$unit"
  mountpoint -q "$MOUNT_ROOT/$name" || die "$MOUNT_ROOT/$name is not mounted"
  log "$vol mounted at $MOUNT_ROOT/$name"
  app start "$name"
}

release() {
  check_name "$1"
  local name=$1 unit
  unit=$(unit_of "$name")
  app stop "$name"
  if [ -e "$UNIT_DIR/$unit" ]; then
    systemctl disable --quiet --now "$unit"
    rm -f "$UNIT_DIR/$unit"
    systemctl daemon-reload
  fi
  if mountpoint -q "$MOUNT_ROOT/$name"; then umount "$MOUNT_ROOT/$name"; fi
  log "$name released (the volume may now be detached)"
}

case ${1:-} in
  attach-mount) attach_mount "${2:-}" "${3:-}" "${4:-}" "${5:-}" ;;
  release) release "${2:-}" ;;
  *) echo "usage: flocker-ebs-volume attach-mount <name> <volume-id> <fstype> <device> | release <name>" >&2; exit 2 ;;
esac
