ensure_packages 'curl' 'jq'
remember MS_MESOS_LED 'a Mesos master led before this step' 'for m in 10.0.15.11; do curl -fsS --max-time 5 http://$m:5050/metrics/snapshot; done | jq -se '\''map(."master/elected" // 0) | add == 1'\'''
ensure_dir '/etc/mesos' '0755' 'root' 'root'
ensure_dir '/var/lib/mesos/master' '0750' 'root' 'root'
ensure_file '/usr/local/lib/microservice/container-run' '0755' 'root' 'root' '/usr/local/lib/microservice/container-run' <<'__EOF_2082cc6c7738__'
#!/bin/bash
# Managed by the stack (MesosCluster). Usage: container-run IMAGE DOCKER-RUN-ARGS...
set -u
image=$1; shift
until /usr/bin/docker image inspect "$image" >/dev/null 2>&1 || /usr/bin/docker pull -q "$image" >/dev/null; do
  echo "cannot pull $image yet (registry unreachable, or no such digest?): retrying in 10 s" >&2
  sleep 10
done
exec /usr/bin/docker run "$@"
__EOF_2082cc6c7738__
ensure_file '/etc/mesos/master.env' '0644' 'root' 'root' 'mesos-master-config' <<'__EOF_3a4ef51e9e3c__'
# Managed by the stack (MesosCluster): local changes are overwritten.
MESOS_CLUSTER=MesosCluster
MESOS_ZK=zk://10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos
MESOS_QUORUM=1
MESOS_REGISTRY=replicated_log
MESOS_WORK_DIR=/var/lib/mesos/master
MESOS_IP=10.0.15.11
MESOS_ADVERTISE_IP=10.0.15.11
MESOS_HOSTNAME=10.0.15.11
MESOS_HOSTNAME_LOOKUP=false
MESOS_PORT=5050
MESOS_LOGGING_LEVEL=INFO
__EOF_3a4ef51e9e3c__
ensure_file '/etc/systemd/system/mesos-master.service' 0644 root root 'unit:mesos-master.service' <<'__EOF_583dad7a577e__'
# Image: mesosphere/mesos-master:1.7.0@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
[Unit]
Description=Mesos master (container; flags in /etc/mesos/master.env)
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target
# Keep retrying: ZooKeeper may still be electing, the masters may still be starting.
StartLimitIntervalSec=0

[Service]
ExecStartPre=-/usr/bin/docker rm -f mesos-master
ExecStart=/usr/local/lib/microservice/container-run mesosphere/mesos-master@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --rm --name mesos-master --net=host \
  -v /var/lib/mesos/master:/var/lib/mesos/master \
  --env-file /etc/mesos/master.env \
  mesosphere/mesos-master@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
  --registry=replicated_log
ExecStop=/usr/bin/docker stop -t 30 mesos-master
# `docker run` exits 143 when `docker stop` ends the container: a stop, not a failure (else every
# shutdown or Docker restart leaves the unit failed and the host "degraded"; seen in the engine lab).
SuccessExitStatus=143
Restart=always
RestartSec=10
TimeoutStartSec=0

[Install]
WantedBy=multi-user.target
__EOF_583dad7a577e__
ensure_service 'mesos-master.service' 1 'mesos-master-config'
wait_for 'this master answers /health and one leader is elected before the next master changes' 300 '[ "${MS_MESOS_LED:-0}" = 0 ] || { curl -fsS --max-time 5 -o /dev/null http://10.0.15.11:5050/health && for m in 10.0.15.11; do curl -fsS --max-time 5 http://$m:5050/metrics/snapshot; done | jq -se '\''map(."master/elected" // 0) | add == 1'\''; }' 'the Mesos master on node1 (10.0.15.11:5050) did not answer /health with one elected leader within 300 s after its change; the next masters were left untouched (journalctl -u mesos-master on node1)'
