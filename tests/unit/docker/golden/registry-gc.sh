assert_that 'gcSchedule is a systemd calendar expression' 'systemd-analyze calendar '\''Sun *-*-* 03:00:00'\''' 'registry gcSchedule "Sun *-*-* 03:00:00" is not a systemd OnCalendar expression'
ensure_file '/etc/systemd/system/docker-registry-gc.service' 0644 root root 'unit:docker-registry-gc.service' <<'__EOF_6ef0e70ce2bc__'
[Unit]
Description=Garbage-collect unreferenced blobs of the Docker registry
After=docker-registry.service
[Service]
Type=oneshot
User=docker-registry
ExecStartPre=+/bin/systemctl stop docker-registry.service
ExecStart=/usr/bin/docker-registry garbage-collect /etc/docker/registry/config.yml
ExecStopPost=+/bin/systemctl start docker-registry.service
__EOF_6ef0e70ce2bc__
ensure_file '/etc/systemd/system/docker-registry-gc.timer' 0644 root root 'unit:docker-registry-gc.timer' <<'__EOF_7b104513ccc8__'
[Unit]
Description=Scheduled garbage collection of the Docker registry
[Timer]
OnCalendar=Sun *-*-* 03:00:00
Persistent=true
[Install]
WantedBy=timers.target
__EOF_7b104513ccc8__
ensure_service 'docker-registry-gc.timer' 1
