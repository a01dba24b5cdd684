ensure_exec 'zfs-fuse installed' 'dpkg-query -W -f='\''${Status}'\'' zfs-fuse 2>/dev/null | grep -q '\''install ok installed'\''' 'own=0
if [ ! -e /usr/sbin/policy-rc.d ]; then printf '\''#!/bin/sh\nexit 101\n'\'' >/usr/sbin/policy-rc.d; chmod 0755 /usr/sbin/policy-rc.d; own=1; fi
rc=0
apt_install zfs-fuse || rc=$?
if [ $own = 1 ]; then rm -f /usr/sbin/policy-rc.d; fi
exit $rc' 'zfs-fuse installed'
ensure_masked 'zfs-fuse.service'
ensure_file '/etc/systemd/system/microservice-zfs-fuse.service' 0644 root root 'unit:microservice-zfs-fuse.service' <<'__EOF_b3f8ef87df65__'
[Unit]
Description=ZFS through FUSE (zfs-fuse) for the movable volumes
After=local-fs.target network.target
Before=docker.service

[Service]
Type=simple
ExecStart=/sbin/zfs-fuse --no-daemon --no-kstat-mount --pidfile /run/zfs-fuse.pid
ExecStartPost=/bin/bash -c 'for i in $(seq 1 120); do if zpool list >/dev/null 2>&1; then exec zfs mount -a; fi; sleep 0.5; done; echo "zfs-fuse did not answer within 60 s" >&2; exit 1'
ExecStop=/bin/bash -c 'zfs umount -a || true'
Restart=on-failure
RestartSec=2

[Install]
WantedBy=multi-user.target
__EOF_b3f8ef87df65__
ensure_service 'microservice-zfs-fuse.service' 1
wait_for 'ZFS answers' 60 'zpool list' 'zpool list did not answer (is the ZFS module or the zfs-fuse daemon running?)'
ensure_dir '/var/lib/flocker' '0700' 'root' 'root'
ensure_exec 'pool flocker on /var/lib/flocker/pool.img (10 GB sparse file)' 'zpool list -H -o name '\''flocker'\''' 'if [ -e '\''/var/lib/flocker/pool.img'\'' ] && zpool import -d '\''/var/lib/flocker'\'' '\''flocker'\'' 2>/dev/null; then exit 0; fi
[ -e '\''/var/lib/flocker/pool.img'\'' ] || truncate -s 10G '\''/var/lib/flocker/pool.img'\''
zpool create -m none '\''flocker'\'' '\''/var/lib/flocker/pool.img'\''' 'pool flocker on /var/lib/flocker/pool.img (10 GB sparse file)'
