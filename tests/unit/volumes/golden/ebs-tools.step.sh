ensure_packages 'util-linux' 'python3' 'e2fsprogs'
ensure_file '/usr/local/sbin/flocker-ebs-volume' '0755' 'root' 'root' '/usr/local/sbin/flocker-ebs-volume' <<'__EOF_0ec8fe2f8e1d__'
#!/bin/bash
# flocker-ebs-volume: mounts an attached EBS volume at its stable path (installed by FlockerEbsVolumes).
#   attach-mount <name> <volume-id> <fstype> <device-name>   find the disk, format it once, mount it, start the app
#   release <name>                                           stop the app, unmount (before the volume is detached)
set -euo pipefail
export LC_ALL=C
CONF="/etc/microservice/volumes/ebs.conf"
UNIT_DIR="/etc/systemd/system"
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
__EOF_0ec8fe2f8e1d__
ensure_file '/usr/local/lib/microservice/volumes/marathon-app' '0755' 'root' 'root' '/usr/local/lib/microservice/volumes/marathon-app' <<'__EOF_ac4c40edc8bc__'
#!/usr/bin/python3
"""Stop / start / resume the Marathon app that uses a volume, around a move (FlockerZfsCluster).

  marathon-app stop   CONF        scale to 0 instances and wait until no task runs
  marathon-app start  CONF IP     1 instance, pinned to the new primary (hostname CLUSTER IP)
  marathon-app resume CONF        1 instance where it was (the move failed; the source is primary)

CONF is a 0600 JSON file: url, username, password, appId, timeoutSeconds, caFile (optional).
Volume apps run one instance (single-attach data), so no instance count is kept between calls.
An app that Marathon does not know (404) is left alone: nothing to stop or start.
"""
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request


def log(msg):
    print("marathon-app: " + msg, file=sys.stderr, flush=True)


class Marathon:
    def __init__(self, conf):
        self.base = conf["url"].rstrip("/")
        token = base64.b64encode(("%s:%s" % (conf["username"], conf["password"])).encode()).decode()
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", "Authorization": "Basic " + token}
        self.context = ssl.create_default_context(cafile=conf.get("caFile") or None) if self.base.startswith("https:") else None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(req, timeout=15, context=self.context) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, raw.decode(errors="replace")

    def app(self, app_id):
        code, body = self.call("GET", "/v2/apps%s" % app_id)
        if code == 404:
            return None
        if code != 200:
            raise SystemExit("marathon-app: GET %s answered %s: %s" % (app_id, code, body))
        return body["app"]

    def update(self, app_id, patch):
        # partialUpdate (the default) merges; force overrides a deployment still running.
        code, body = self.call("PUT", "/v2/apps%s?force=true" % app_id, patch)
        if code not in (200, 201):
            raise SystemExit("marathon-app: PUT %s answered %s: %s" % (app_id, code, body))


def pinned(constraints, ip):
    """The app's constraints with any hostname pin replaced by one to `ip`."""
    kept = [c for c in constraints or [] if not (c and c[0] == "hostname" and len(c) == 3 and c[1] in ("CLUSTER", "LIKE", "IS"))]
    return kept + [["hostname", "CLUSTER", ip]]


def wait_stopped(m, app_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        app = m.app(app_id)
        if app is None or (app.get("tasksRunning", 0) == 0 and app.get("tasksStaged", 0) == 0 and not app.get("deployments")):
            return
        if time.monotonic() >= deadline:
            raise SystemExit("marathon-app: %s still has tasks after %ss" % (app_id, timeout))
        time.sleep(0.5)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("stop", "start", "resume") or (argv[1] == "start" and len(argv) != 4):
        raise SystemExit(__doc__)
    verb, conf_path = argv[1], argv[2]
    with open(conf_path) as f:
        conf = json.load(f)
    m, app_id = Marathon(conf), conf["appId"]
    app = m.app(app_id)
    if app is None:
        log("%s is not deployed: nothing to %s" % (app_id, verb))
        return
    if verb == "stop":
        m.update(app_id, {"instances": 0})
        wait_stopped(m, app_id, int(conf.get("timeoutSeconds", 120)))
        log("%s suspended" % app_id)
    elif verb == "start":
        m.update(app_id, {"instances": 1, "constraints": pinned(app.get("constraints"), argv[3])})
        log("%s started, pinned to %s" % (app_id, argv[3]))
    else:
        m.update(app_id, {"instances": 1})
        log("%s resumed where it was" % app_id)


if __name__ == "__main__":
    main(sys.argv)
__EOF_ac4c40edc8bc__
ensure_dir '/etc/microservice/volumes' '0755' 'root' 'root'
ensure_file '/etc/microservice/volumes/ebs.conf' '0644' 'root' 'root' '/etc/microservice/volumes/ebs.conf' <<'__EOF_c589bc96a943__'
MOUNT_ROOT='/flocker'
APPS_DIR='/etc/microservice/volumes/apps'
HOST_IP='10.0.17.12'
APP_TIMEOUT='120'
MARATHON_HOOK='/usr/local/lib/microservice/volumes/marathon-app'
DEVICE_TIMEOUT='120'
__EOF_c589bc96a943__
ensure_dir '/etc/microservice/volumes/apps' '0700' 'root' 'root'
