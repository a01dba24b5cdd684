ensure_packages 'openssh-client' 'sudo' 'python3'
ensure_file '/usr/local/sbin/flocker-volume' '0755' 'root' 'root' '/usr/local/sbin/flocker-volume' <<'__EOF_d7c49e8f2bed__'
#!/bin/bash
# flocker-volume: movable ZFS datasets for the microservice stack (installed by FlockerZfsCluster).
# Run as root by the placement step on a dataset's desired primary; peers reach it through the
# replication key, whose forced command (`serve`) allows only the verbs a move needs.
set -euo pipefail
export LC_ALL=C
CONF="/etc/microservice/volumes/volumes.conf"
TOOL="/usr/local/sbin/flocker-volume"
# shellcheck source=/dev/null
. "$CONF"
: "${POOL:?}" "${MOUNT_ROOT:?}" "${STATE_DIR:?}" "${APPS_DIR:?}" "${PEERS:?}" "${HOST_NAME:?}" "${HOST_IP:?}"
: "${REPL_USER:?}" "${SSH_KEY:?}" "${KNOWN_HOSTS:?}" "${APP_TIMEOUT:?}" "${TRANSFER_TIMEOUT:?}" "${MARATHON_HOOK:?}"

log() { echo "flocker-volume[$HOST_NAME]: $*" >&2; }
die() { log "ERROR: $*"; exit 1; }
now_ms() { date +%s%3N; }
ds() { echo "$POOL/$1"; }
incoming() { echo "$POOL/incoming_$1"; }
replaced() { echo "$POOL/replaced_$1"; }
exists() { zfs list -H -o name "$1" >/dev/null 2>&1; }
prop() { zfs get -H -o value "$2" "$1"; }
guid() { zfs get -Hp -o value guid "$1"; } # -p: zfs-fuse prints a guid as a size otherwise
# Sets properties of a dataset: one call where `zfs set` takes several (OpenZFS); zfs-fuse's takes one
# property and several datasets (a second property=value would be read as a dataset), so one call each.
zset() {
  local d=$1 p; shift
  if command -v zfs-fuse >/dev/null 2>&1; then
    for p in "$@"; do zfs set "$p" "$d"; done
  else
    zfs set "$@" "$d"
  fi
}
# zfs-fuse releases a filesystem it just unmounted asynchronously: retry while ZFS says "busy"
# (bounded: 10 s), fail at once on any other error.
retry_busy() {
  local _ out=""
  for _ in $(seq 1 40); do
    if out=$("$@" 2>&1); then return 0; fi
    case $out in *busy*) sleep 0.25 ;; *) break ;; esac
  done
  echo "$out" >&2
  return 1
}
check_name() { [[ ${1:-} =~ ^[a-z][a-z0-9-]{0,62}$ ]] || die "bad volume name: '${1:-}'"; }
check_snap() { [[ ${1:-} =~ ^move-[0-9]+-[12]$ ]] || die "bad snapshot name: '${1:-}'"; }
check_guid() { [[ ${1:-} =~ ^[0-9]+$ ]] || die "expected a snapshot guid, got '${1:-}'"; }
check_num() { [[ ${1:-} =~ ^[0-9]+$ ]] || die "expected a number, got '${1:-}'"; }
check_host() { [[ ${1:-} =~ ^[a-z][a-z0-9-]{0,62}$ ]] || die "bad host name: '${1:-}'"; }
check_ip() { [[ ${1:-} =~ ^[0-9]{1,3}(\.[0-9]{1,3}){3}$ ]] || die "expected an IPv4 address, got '${1:-}'"; }

# --- verbs a peer may call (through `serve`) -------------------------------------------------

# "primary <epoch>", "secondary <epoch>" or "absent [<host that was primary last>]": where this
# host stands for a volume, and what it was told when the volume was last placed.
status() {
  check_name "$1"
  local d e; d=$(ds "$1")
  if ! exists "$d"; then
    e=$(cat "$STATE_DIR/$1.primary-host" 2>/dev/null || true)
    echo "absent${e:+ $e}"
    return 0
  fi
  e=$(prop "$d" microservice:epoch)
  [[ $e =~ ^[0-9]+$ ]] || e=0
  if [ "$(prop "$d" microservice:primary)" = true ]; then echo "primary $e"; else echo "secondary $e"; fi
}

snapshot() {
  check_name "$1"; check_snap "$2"
  local s; s="$(ds "$1")@$2"
  # A snapshot of the same name is left over from a failed attempt at the same move.
  if exists "$s"; then zfs destroy "$s"; fi
  zfs snapshot "$s"
}

# The stream of a snapshot (incremental from a previous one when given) on stdout.
send() {
  check_name "$1"; check_snap "$2"
  if [ -n "${3:-}" ]; then check_snap "$3"; zfs send -i "@$3" "$(ds "$1")@$2"; else zfs send "$(ds "$1")@$2"; fi
}

# Reads a `zfs send -i` stream on stdin and prints "unchanged" when it holds no change at all (only
# its begin record, free-objects records and its end record: what ZFS sends between two snapshots of
# an untouched dataset), "changed" at the first other record (any write, object or metadata change,
# atime included), "unreadable" when it is not a complete stream. Reads only up to that record, so it
# costs what changed, never what the dataset holds. Records: 312-byte dmu_replay_record, drr_type
# (u32) first, the begin record's payload length next (0 before OpenZFS 0.8), its magic at 8.
STREAM_VERDICT='
import struct, sys
f = sys.stdin.buffer
def rec():
    b = f.read(312)
    return b if len(b) == 312 else None
b = rec()
order = None
if b is not None:
    for o in "<>":
        if struct.unpack(o + "IIQ", b[:16])[::2] == (0, 0x2F5BACBAC):
            order = o
if order is None:
    print("unreadable")
    sys.exit(0)
f.read(struct.unpack(order + "I", b[4:8])[0])
verdict = "unreadable"
while True:
    b = rec()
    if b is None:
        break
    t = struct.unpack(order + "I", b[:4])[0]
    if t == 2:
        continue
    verdict = "unchanged" if t == 5 else "changed"
    break
print(verdict)
'

# "<guid of the snapshot> unchanged|changed|unreadable": which snapshot the move sent last, and
# whether anything wrote to the dataset since (an app that did not really stop). Costs what changed,
# not what the dataset holds: a third snapshot (it commits whatever is still pending), then ZFS's
# own `written` where the pool has it (OpenZFS), else the incremental stream between the two
# (zfs-fuse), read only up to its first change. The third snapshot is removed again.
check() {
  check_name "$1"; check_snap "$2"
  local d s3 g w verdict; d=$(ds "$1"); s3="${2%-*}-3"
  g=$(guid "$d@$2")
  if exists "$d@$s3"; then zfs destroy "$d@$s3"; fi
  zfs snapshot "$d@$s3"
  if w=$(zfs get -Hp -o value written "$d@$s3" 2>/dev/null) && [[ $w =~ ^[0-9]+$ ]]; then
    if [ "$w" = 0 ]; then verdict=unchanged; else verdict=changed; fi
  else
    # The reader stops at the first change: the sender's broken pipe is expected, its verdict is the reader's.
    verdict=$({ zfs send -i "@$2" "$d@$s3" 2>/dev/null || true; } | python3 -c "$STREAM_VERDICT")
  fi
  zfs destroy "$d@$s3"
  echo "$g $verdict"
}

# What the files of a mounted dataset are: type, mode, owner and path of every entry, then the
# sha256 of every regular file. Equal listings = equal data.
listing() ( # in a subshell: its cd must not keep the mount busy
  cd "$1"
  find . -xdev -printf '%y %m %U:%G %p -> %l\n' | sort
  find . -xdev -type f -print0 | sort -z | xargs -0r sha256sum
)
hashes() {
  check_name "$1"
  local d; d=$(ds "$1")
  [ "$(prop "$d" mounted)" = yes ] || die "$d is not mounted"
  listing "$(prop "$d" mountpoint)"
}

# The copy here is no longer the primary: keep the data (until removed by hand), stop serving it.
demote() {
  check_name "$1"; check_num "$2"
  local d e; d=$(ds "$1")
  exists "$d" || return 0
  e=$(prop "$d" microservice:epoch); [[ $e =~ ^[0-9]+$ ]] || e=0
  [ "$e" -lt "$2" ] || die "refusing to demote $d: its epoch $e is not older than $2"
  zset "$d" microservice:primary=false canmount=noauto
  if [ "$(prop "$d" mounted)" = yes ]; then zfs umount "$d"; fi
  log "demoted $d (epoch $e): kept, unmounted"
}

# Where a volume was placed last: every agent keeps it, so that a volume whose primary host left
# the stack is never re-created empty elsewhere.
remember() {
  check_name "$1"; check_host "$2"
  mkdir -p "$STATE_DIR"
  echo "$2" >"$STATE_DIR/$1.primary-host"
}

# stop | start <ip> | resume: the app that uses a volume (hooks written by the stack).
app() {
  local verb=$1 name=$2 ip=${3:-}
  check_name "$name"
  case $verb in stop|resume) ;; start) check_ip "$ip" ;; *) die "bad app verb: $verb" ;; esac
  if [ -f "$APPS_DIR/$name.marathon" ]; then
    timeout "$APP_TIMEOUT" python3 "$MARATHON_HOOK" "$verb" "$APPS_DIR/$name.marathon" ${ip:+"$ip"}
  else
    local hook="$APPS_DIR/$name.stop"
    [ "$verb" = stop ] || hook="$APPS_DIR/$name.start"
    if [ -f "$hook" ]; then
      VOLUME="$name" VOLUME_PATH="$MOUNT_ROOT/$name" HOST_IP="$HOST_IP" timeout "$APP_TIMEOUT" bash "$hook" </dev/null >&2
    else
      log "no app uses $name: nothing to $verb"
    fi
  fi
}

# The forced command of the replication key: one verb from the list, arguments checked again
# by the root side (sudo allows only `flocker-volume peer ...`).
serve() {
  local -a argv
  read -r -a argv <<<"${SSH_ORIGINAL_COMMAND:-}"
  case ${argv[0]:-} in
    status|snapshot|send|check|hashes|demote|remember) ;;
    app) case ${argv[1]:-} in stop|resume) ;; *) die "not allowed: app ${argv[1]:-}" ;; esac ;;
    *) die "not allowed: '${argv[0]:-}'" ;;
  esac
  exec sudo -n "$TOOL" peer "${argv[@]}"
}

peer_verb() {
  local verb=${1:-}; shift || true
  case $verb in
    status|snapshot|send|check|hashes|demote|remember) "$verb" "$@" ;;
    app) case ${1:-} in stop|resume) app "$@" ;; *) die "not allowed: app ${1:-}" ;; esac ;;
    *) die "not allowed: '$verb'" ;;
  esac
}

# --- the placement step (root, on the desired primary) --------------------------------------

# Peers are pinned by their host keys (an unknown or changed key is refused); every connection is bounded.
SSH_OPTS=(-i "$SSH_KEY" -o BatchMode=yes -o IdentitiesOnly=yes -o StrictHostKeyChecking=yes
  -o UserKnownHostsFile="$KNOWN_HOSTS" -o ConnectTimeout=10 -o ServerAliveInterval=5
  -o ServerAliveCountMax=6 -o LogLevel=ERROR)
MUX_IP="" MUX_SOCK="" WORK_DIR=""

on_peer() { # ip verb args...
  local ip=$1; shift
  local -a mux=()
  # The move's source: a session on the connection opened before the app stopped (mux_open).
  if [ -n "$MUX_SOCK" ] && [ "$ip" = "$MUX_IP" ]; then mux=(-o ControlMaster=no -o ControlPath="$MUX_SOCK"); fi
  ssh -n "${SSH_OPTS[@]}" "${mux[@]}" "$REPL_USER@$ip" "$*"
}

# One SSH connection to a move's source for the whole move (OpenSSH multiplexing), opened while the
# app still runs: each verb after it is a new session on it, without the TCP, key exchange and
# authentication round trips of a new connection in the downtime. The same key, the same pinned host
# key; the server runs the key's forced command for every session (the master itself runs none: -N).
# A master that does not come up only costs time: each verb then connects on its own.
mux_open() { # ip
  local ip=$1
  [ -n "$WORK_DIR" ] || WORK_DIR=$(mktemp -d)
  # Idle for 120 s (a tool that died without closing it): the master exits by itself.
  if ssh -M -N -f "${SSH_OPTS[@]}" -o ControlPath="$WORK_DIR/mux" -o ControlPersist=120 "$REPL_USER@$ip" </dev/null >/dev/null 2>"$WORK_DIR/mux.err"; then
    MUX_IP=$ip MUX_SOCK="$WORK_DIR/mux"
  else
    log "no shared connection to $ip ($(tr '\n' ' ' <"$WORK_DIR/mux.err")): each verb connects on its own"
  fi
}

mux_close() {
  if [ -n "$MUX_SOCK" ]; then ssh -O exit -o ControlPath="$MUX_SOCK" "$REPL_USER@$MUX_IP" >/dev/null 2>&1 || true; fi
  MUX_SOCK="" MUX_IP=""
  if [ -n "$WORK_DIR" ]; then rm -rf "$WORK_DIR"; fi
  WORK_DIR=""
}

mount_here() {
  local d=$1
  if [ "$(prop "$d" mounted)" != yes ]; then zfs mount "$d"; fi
  [ "$(prop "$d" mounted)" = yes ] || die "$d did not mount"
}

# Exit 0 when the volume is primary here, mounted where apps expect it, with its quota, and no
# earlier run left work undone. The placement step's guard: true means nothing to do.
is_placed() {
  check_name "$1"; check_num "$2"
  local d; d=$(ds "$1")
  exists "$d" &&
    [ "$(prop "$d" microservice:primary)" = true ] &&
    [ "$(prop "$d" mounted)" = yes ] &&
    [ "$(prop "$d" mountpoint)" = "$MOUNT_ROOT/$1" ] &&
    [ "$(zfs get -Hp -o value quota "$d")" = "$2" ] &&
    [ ! -e "$STATE_DIR/$1.pending-start" ] &&
    [ ! -e "$STATE_DIR/$1.pending-demote" ]
}

# Make this host the volume's primary: create it if no host has it, move it here if another
# host is its primary, finish a previous run's work if it is already here.
place() {
  check_name "$1"; check_num "$2"
  local name=$1 quota=$2 d; d=$(ds "$1")
  mkdir -p "$STATE_DIR"; chmod 0700 "$STATE_DIR"

  # Discovery: the primary is the host whose copy says so with the highest epoch.
  local here best="" best_e=-1 tie=0 copies="" last="" pname pip s e
  local -a primaries=() peer_ips=()
  here=$(status "$name")
  case $here in
    primary*) best=local; best_e=${here#primary }; primaries+=("local:$best_e") ;;
    secondary*) copies+=" $HOST_NAME" ;;
    absent\ ?*) last=${here#absent } ;;
  esac
  declare -A peer_name=()
  while read -r pname pip; do
    if [ -z "${pname:-}" ] || [ "$pname" = "$HOST_NAME" ]; then continue; fi
    s=$(on_peer "$pip" status "$name") || die "cannot ask $pname ($pip) about $name: refusing to guess where it is (is the host up?)"
    peer_name[$pip]=$pname
    peer_ips+=("$pip")
    case $s in
      primary\ *)
        e=${s#primary }; check_num "$e"; primaries+=("$pip:$e")
        if [ "$e" -gt "$best_e" ]; then best=$pip; best_e=$e; tie=0; elif [ "$e" -eq "$best_e" ]; then tie=1; fi ;;
      secondary\ *) copies+=" $pname" ;;
      absent) ;;
      absent\ *) last=${s#absent } ;;
      *) die "unexpected answer from $pname about $name: $s" ;;
    esac
  done <"$PEERS"

  [ "$tie" = 0 ] || die "two hosts hold $name as primary with epoch $best_e: demote the stale one by hand (flocker-volume demote)"
  if [ -z "$best" ]; then
    [ -z "$copies" ] || die "no host holds $name as primary, but copies exist on:$copies; refusing to create an empty one"
    [ -z "$last" ] || die "$name was last placed on $last, which does not hold it now (not an agent any more?): refusing to create an empty one (bring $last back, or remove $STATE_DIR/$name.primary-host on every agent to start afresh)"
    touch "$STATE_DIR/$name.pending-start"
    zfs create -o quota="$quota" -o mountpoint="$MOUNT_ROOT/$name" -o microservice:primary=true -o microservice:epoch=1 "$d"
    log "created $d ($quota bytes) at $MOUNT_ROOT/$name"
    best=local; best_e=1
  fi
  MOVE_T_STOP=""
  if [ "$best" != local ]; then
    move_from "$best" "${peer_name[$best]}" "$best_e" "$name" "$quota"
    best_e=$((best_e + 1))
  else
    # Already here (the guard failed): quota, mount, and whatever a previous run left undone; each
    # property only when it differs, so that a re-run changes nothing that is already right.
    [ "$(zfs get -Hp -o value quota "$d")" = "$quota" ] || zfs set quota="$quota" "$d"
    [ "$(prop "$d" canmount)" = on ] || zfs set canmount=on "$d"
    [ "$(prop "$d" mountpoint)" = "$MOUNT_ROOT/$name" ] || zfs set mountpoint="$MOUNT_ROOT/$name" "$d"
    mount_here "$d"
  fi
  remember "$name" "$HOST_NAME"
  # Every other copy that still says primary is older (the source of a move, or a copy whose
  # demotion failed before): demoted, so that only this copy is mounted and used. Beside the app's
  # start, not before it: this copy's epoch is the highest from the commit on, and the app on the
  # source was stopped before the commit. Pending until every demotion answered.
  local p j demoted=1
  local -a demoting=() telling=()
  for p in "${primaries[@]}"; do
    pip=${p%%:*}
    [ "$pip" != local ] || continue
    touch "$STATE_DIR/$name.pending-demote"
    on_peer "$pip" demote "$name" "$best_e" &
    demoting+=("$!:$pip")
  done
  if [ -e "$STATE_DIR/$name.pending-start" ]; then
    app start "$name" "$HOST_IP"
    rm -f "$STATE_DIR/$name.pending-start"
  fi
  if [ -n "$MOVE_T_STOP" ]; then report "$(now_ms)"; fi
  # Every agent records where the volume is now (best effort: discovery reached them all just now),
  # in parallel, after the start (a round trip each: kept out of a move's downtime).
  for pip in "${peer_ips[@]}"; do
    { on_peer "$pip" remember "$name" "$HOST_NAME" || log "could not tell ${peer_name[$pip]} where $name is"; } &
    telling+=($!)
  done
  for j in "${demoting[@]}"; do
    if wait "${j%%:*}"; then :; else log "could not demote the old copy on ${peer_name[${j#*:}]}"; demoted=0; fi
  done
  if [ "$demoted" = 1 ]; then rm -f "$STATE_DIR/$name.pending-demote"; fi
  if [ -n "$MOVE_T_STOP" ]; then move_cleanup; fi
  if [ ${#telling[@]} -gt 0 ]; then wait "${telling[@]}"; fi
  mux_close
  [ "$demoted" = 1 ] || die "$name is primary here, but an older copy still says primary: re-run to demote it"
}

# The move protocol. Until the commit point, the source stays primary and any failure puts the
# app back on it; after it, the data is here and verified. Between the app's stop and its start,
# nothing costs what the volume holds (the final increment costs what changed since the full copy,
# the verification and the commit a few ZFS property reads and a rename), and as few round trips
# as the protocol allows: one connection to the source for the whole move, the verification beside
# the final increment, the commit's properties set before the stop where they are not read yet.
move_from() {
  local src=$1 src_name=$2 epoch=$3 name=$4 quota=$5
  local new=$((epoch + 1)) d inc old
  local s1="move-$new-1" s2="move-$new-2"
  d=$(ds "$name"); inc=$(incoming "$name"); old=$(replaced "$name")
  MOVE_SRC=$src MOVE_NAME=$name MOVE_INC=$inc MOVE_D=$d MOVE_OLD="" MOVE_STOPPED=0 MOVE_RENAMED=0 MOVE_COMMITTED=0
  trap 'move_exit $?' EXIT
  # Left over from a failed attempt: the source was primary all along, so it is worthless. A copy
  # set aside by an earlier attempt (committed but not finished, or killed before the rollback
  # could put it back) was a non-primary copy here: superseded by the primary either way.
  if exists "$inc"; then zfs umount "$inc" 2>/dev/null || true; retry_busy zfs destroy -r "$inc"; fi
  if exists "$old"; then retry_busy zfs destroy -r "$old"; fi
  local t0 t_stop t_stopped t_sent t_verified here_guid src_guid="" verdict="" checking out
  t0=$(now_ms)
  log "moving $name from $src_name ($src) to $HOST_NAME: full copy while the app runs"
  mux_open "$src"
  on_peer "$src" snapshot "$name" "$s1"
  on_peer "$src" send "$name" "$s1" | timeout "$TRANSFER_TIMEOUT" zfs recv -u "$inc"
  # Still while the app runs, what the commit need not do in the downtime: the incoming copy's quota
  # and epoch (discovery reads only $d, never an incoming copy; a receive keeps them), and a previous
  # copy here set aside (a rename: destroying it costs its size; put back if the move fails).
  zset "$inc" quota="$quota" microservice:epoch="$new"
  if exists "$d"; then
    if [ "$(prop "$d" mounted)" = yes ]; then retry_busy zfs umount "$d"; fi
    retry_busy zfs rename "$d" "$old"
    MOVE_OLD=$old
  fi

  t_stop=$(now_ms)
  MOVE_STOPPED=1
  on_peer "$src" app stop "$name"
  t_stopped=$(now_ms)
  on_peer "$src" snapshot "$name" "$s2"
  # The source's check (its snapshot's guid, and whether anything wrote to it since: an app whose
  # stop did not stop it all) needs only that snapshot: it runs beside the final increment.
  on_peer "$src" check "$name" "$s2" >"$WORK_DIR/check" &
  checking=$!
  on_peer "$src" send "$name" "$s2" "$s1" | timeout "$TRANSFER_TIMEOUT" zfs recv -F -u "$inc"
  t_sent=$(now_ms)

  # Verify before anything changes on the source. ZFS checks every stream's checksum on receive;
  # the copy here is the source's snapshot taken after the app stopped when the snapshot's guid
  # (kept by send/receive) is the source's, and the source is that snapshot when nothing wrote to
  # it since.
  here_guid=$(guid "$inc@$s2")
  wait "$checking" || die "could not check $name on $src_name"
  read -r src_guid verdict <"$WORK_DIR/check" || true
  check_guid "$src_guid"
  [ "$here_guid" = "$src_guid" ] || die "the copy of $name on $HOST_NAME differs from $src_name: not moved (its snapshot $s2 is not $src_name's)"
  case $verdict in
    unchanged) ;;
    changed) die "the copy of $name on $HOST_NAME differs from $src_name: not moved ($name was written on $src_name after its app stopped)" ;;
    *) die "could not tell whether $name changed on $src_name after its app stopped ($verdict): not moved" ;;
  esac
  t_verified=$(now_ms)

  # Commit: the copy here becomes the primary (a higher epoch wins over the source's).
  retry_busy zfs rename "$inc" "$d"
  MOVE_RENAMED=1
  touch "$STATE_DIR/$name.pending-start"
  zset "$d" mountpoint="$MOUNT_ROOT/$name" microservice:primary=true
  MOVE_COMMITTED=1
  # Received unmounted (-u) and renamed: mounted by this one call (asked only when it fails).
  out=$(zfs mount "$d" 2>&1) || [ "$(prop "$d" mounted)" = yes ] || die "$d did not mount: $out"
  # The move's snapshots are of no further use here, and a snapshot counts against the quota while
  # it pins the data the app rewrites: the primary keeps none (move_cleanup, after the app started).
  MOVE_GONE=("$d@$s2" "$d@$s1")
  if [ -n "$MOVE_OLD" ]; then MOVE_GONE+=("$MOVE_OLD"); fi
  MOVE_FROM=$src_name MOVE_EPOCH=$new MOVE_T0=$t0 MOVE_T_STOP=$t_stop MOVE_T_STOPPED=$t_stopped MOVE_T_SENT=$t_sent MOVE_T_VERIFIED=$t_verified
}

# After the app started on the target: what the move left here that nobody needs (best effort: a
# copy set aside that is left is destroyed by the next move).
move_cleanup() {
  local x
  for x in "${MOVE_GONE[@]}"; do
    if exists "$x"; then retry_busy zfs destroy -r "$x" || log "could not destroy $x: destroy it by hand"; fi
  done
}

# What a move took, kept in the state dir and logged: downtime = app stop requested -> app started.
report() {
  local t_started=$1
  printf '{"volume":"%s","from":"%s","to":"%s","epoch":%d,"copyMs":%d,"stopMs":%d,"finalSendMs":%d,"verifyMs":%d,"startMs":%d,"downtimeMs":%d,"stoppedAt":%d,"startedAt":%d}\n' \
    "$MOVE_NAME" "$MOVE_FROM" "$HOST_NAME" "$MOVE_EPOCH" $((MOVE_T_STOP - MOVE_T0)) $((MOVE_T_STOPPED - MOVE_T_STOP)) \
    $((MOVE_T_SENT - MOVE_T_STOPPED)) $((MOVE_T_VERIFIED - MOVE_T_SENT)) $((t_started - MOVE_T_VERIFIED)) \
    $((t_started - MOVE_T_STOP)) "$MOVE_T_STOP" "$t_started" >"$STATE_DIR/$MOVE_NAME.last-move"
  log "MOVED $(cat "$STATE_DIR/$MOVE_NAME.last-move")"
}

move_exit() {
  local rc=$1
  # What still runs beside (the check, a demotion, a record) ends before the connection closes.
  wait
  if [ "$rc" -eq 0 ]; then
    :
  elif [ "$MOVE_COMMITTED" = 1 ]; then
    log "the move of $MOVE_NAME committed (data is here) but a later step failed: re-run to finish"
  else
    log "move of $MOVE_NAME failed: the source stays primary"
    if exists "$MOVE_INC"; then zfs umount "$MOVE_INC" 2>/dev/null || true; retry_busy zfs destroy -r "$MOVE_INC" || true; fi
    # The incoming copy renamed but not committed (never primary) is removed like the incoming one.
    if [ "$MOVE_RENAMED" = 1 ] && exists "$MOVE_D"; then zfs umount "$MOVE_D" 2>/dev/null || true; retry_busy zfs destroy -r "$MOVE_D" || true; fi
    # The copy set aside for the commit goes back where it was.
    if [ -n "$MOVE_OLD" ] && ! exists "$MOVE_D"; then retry_busy zfs rename "$MOVE_OLD" "$MOVE_D" || log "could not put $MOVE_OLD back as $MOVE_D"; fi
    if [ "$MOVE_STOPPED" = 1 ]; then
      on_peer "$MOVE_SRC" app resume "$MOVE_NAME" || log "could not restart the app on the source: start it there"
    fi
  fi
  mux_close
}

case ${1:-} in
  serve) serve ;;
  peer) shift; peer_verb "$@" ;;
  status|hashes) "$1" "${2:-}" ;;
  is-placed) is_placed "${2:-}" "${3:-}" ;;
  place) place "${2:-}" "${3:-}" ;;
  demote) demote "${2:-}" "${3:-}" ;;
  app) shift; app "$@" ;;
  *) echo "usage: flocker-volume place|is-placed <name> <quota-bytes> | status|hashes <name> | demote <name> <epoch> | app stop|start|resume <name> [ip]" >&2; exit 2 ;;
esac
__EOF_d7c49e8f2bed__
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
ensure_file '/etc/microservice/volumes/volumes.conf' '0644' 'root' 'root' '/etc/microservice/volumes/volumes.conf' <<'__EOF_3b1c8310dbca__'
POOL='flocker'
MOUNT_ROOT='/flocker'
STATE_DIR='/var/lib/microservice/volumes'
APPS_DIR='/etc/microservice/volumes/apps'
PEERS='/etc/microservice/volumes/peers'
HOST_NAME='node2'
HOST_IP='10.0.15.12'
REPL_USER='flocker-repl'
SSH_KEY='/etc/microservice/volumes/id_replication'
KNOWN_HOSTS='/etc/microservice/volumes/known_hosts'
APP_TIMEOUT='120'
TRANSFER_TIMEOUT='3600'
MARATHON_HOOK='/usr/local/lib/microservice/volumes/marathon-app'
__EOF_3b1c8310dbca__
ensure_dir '/etc/microservice/volumes/apps' '0700' 'root' 'root'
ensure_dir '/var/lib/microservice/volumes' '0700' 'root' 'root'
ensure_user 'flocker-repl' '/var/lib/flocker-repl' '/bin/sh'
ensure_dir '/var/lib/flocker-repl' '0755' 'root' 'root'
ensure_dir '/var/lib/flocker-repl/.ssh' '0755' 'root' 'root'
ensure_file '/var/lib/flocker-repl/.ssh/authorized_keys' '0644' 'root' 'root' '/var/lib/flocker-repl/.ssh/authorized_keys' <<'__EOF_1402c4564aaa__'
restrict,command="/usr/local/sbin/flocker-volume serve" ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPUBLIC microservice-volumes-replication
__EOF_1402c4564aaa__
ensure_file '/etc/sudoers.d/microservice-volumes' '0440' 'root' 'root' '/etc/sudoers.d/microservice-volumes' <<'__EOF_8e27c2f25b3f__'
# The replication key's forced command may run the volume tool's peer verbs as root (they check their arguments).
Defaults:flocker-repl !requiretty
flocker-repl ALL=(root) NOPASSWD: /usr/local/sbin/flocker-volume peer *
__EOF_8e27c2f25b3f__
ensure_exec 'sudoers rule valid' 'visudo -cqf /etc/sudoers.d/microservice-volumes' 'rm -f /etc/sudoers.d/microservice-volumes; echo "invalid sudoers rule removed" >&2; exit 1' 'sudoers rule valid'
{
cat /etc/ssh/ssh_host_ed25519_key.pub
} >&3
