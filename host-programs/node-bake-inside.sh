#!/bin/bash
# Runs inside a container of the node image (piped in by the local target's bake command,
# components/hosts/local/docker-cli.ts), arguments: the packages to bake. Installs them as HostPackages
# would (one apt transaction, the same flags), with no daemon started (policy-rc.d). The services the
# packages enable are disabled again: the image is every host's, and a host must run only its own
# packages' services (no default-config registry or ZooKeeper where the host has no such role).
# $UNITS records, per baked package, the services that installing it alone would have enabled (its
# own and its dependencies'); at a host's first boot $ENABLER enables and starts those of the packages
# listed in @HOST_PACKAGES@ (the host's own, which the local target copies into each container before
# starting it), as installing them there would have.
set -euo pipefail
UNITS=/etc/microservice/baked-units
ENABLER=/usr/local/sbin/microservice-baked-units
export DEBIAN_FRONTEND=noninteractive LC_ALL=C
[ $# -gt 0 ] || { echo "node-bake: no packages to bake" >&2; exit 2; }
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
chmod 0755 /usr/sbin/policy-rc.d
enabled() { systemctl list-unit-files --state=enabled --no-legend 2>/dev/null | awk '{print $1}' | sort; }
scripts() { find /etc/init.d -mindepth 1 -maxdepth 1 -printf '%f\n' | sort; }
units_before=$(enabled)
initd_before=$(scripts)
apt-get -o Acquire::Retries=3 update -qq
# What installing each package alone on a host of the node image would bring (itself included).
declare -A brings=()
for p in "$@"; do
  brings[$p]=" $p $(apt-get install -s -qq --no-install-recommends "$p" | awk '$1 == "Inst" {printf "%s ", $2}')"
done
apt-get -o Acquire::Retries=3 -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
  install -y -qq --no-install-recommends "$@" >/dev/null
owner() { dpkg -S "$1" 2>/dev/null | head -n1 | cut -d: -f1; }
declare -A unit_pkg=()
for u in $(comm -13 <(echo "$units_before") <(enabled)); do
  unit_pkg[$u]=$(owner "/lib/systemd/system/$u" || true)
  [ -n "${unit_pkg[$u]}" ] || unit_pkg[$u]=$(owner "/usr/lib/systemd/system/$u" || true)
  systemctl disable --quiet "$u"
done
# Services with only an init script (e.g. zookeeperd's) are enabled through their rc links.
for s in $(comm -13 <(echo "$initd_before") <(scripts)); do
  if [ -e "/lib/systemd/system/$s.service" ] || ! compgen -G "/etc/rc[2345].d/S??$s" >/dev/null; then continue; fi
  unit_pkg[$s.service]=$(owner "/etc/init.d/$s" || true)
  update-rc.d "$s" disable >/dev/null
done
install -d -m 0755 "$(dirname "$UNITS")" "$(dirname @HOST_PACKAGES@)"
for p in "$@"; do
  line=$p
  for u in "${!unit_pkg[@]}"; do
    case ${brings[$p]} in *" ${unit_pkg[$u]} "*) line+=" $u" ;; esac
  done
  echo "$line"
done >"$UNITS"
echo "node-bake: services disabled in the image, enabled per host at its first boot: ${!unit_pkg[*]}" >&2
# The enabler and its unit are written as they are (quoted): they name the paths of $UNITS and $ENABLER.
cat >"$ENABLER" <<'EOF'
#!/bin/bash
# First boot of a host made from a baked node image: enable and start the services of this host's own
# packages (@HOST_PACKAGES@), as installing them on the host would have (node-bake-inside.sh).
set -u
want=" $(tr '\n' ' ' <@HOST_PACKAGES@) " units=()
while read -r p u; do
  case $want in *" $p "*) read -ra more <<<"$u"; units+=("${more[@]}") ;; esac
done </etc/microservice/baked-units
if [ ${#units[@]} -gt 0 ]; then
  systemctl enable "${units[@]}" || echo "could not enable all of ${units[*]}" >&2
  # Init-script services get their units from the generator, which runs again on reload.
  systemctl daemon-reload
  systemctl start --no-block "${units[@]}" || echo "could not start all of ${units[*]}" >&2
fi
mkdir -p /var/lib/microservice && touch /var/lib/microservice/baked-units.done
EOF
chmod 0755 "$ENABLER"
cat >/etc/systemd/system/microservice-baked-units.service <<'EOF'
[Unit]
Description=Enable the services of this host's own packages (baked node image, first boot)
ConditionPathExists=@HOST_PACKAGES@
ConditionPathExists=!/var/lib/microservice/baked-units.done

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/microservice-baked-units

[Install]
WantedBy=multi-user.target
EOF
systemctl enable --quiet microservice-baked-units.service
rm -f /usr/sbin/policy-rc.d
apt-get clean
rm -rf /var/lib/apt/lists/*
