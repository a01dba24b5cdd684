ensure_packages 'curl' 'jq'
ensure_dir '/etc/mesos' '0755' 'root' 'root'
ensure_file '/etc/mesos/probe.curlrc' '0600' 'root' 'root' '/etc/mesos/probe.curlrc' <<'__EOF_e122f55317bd__'
user = "operator:operator-Sq4/u+8Kd2wP6"
__EOF_e122f55317bd__
ensure_file '/etc/mesos/agent-credential.json' '0600' 'root' 'root' 'mesos-agent-config' <<'__EOF_df7a2d86aa0c__'
{
  "principal": "agent",
  "secret": "agent-Sq4/u+8Kd2wP6xR"
}
__EOF_df7a2d86aa0c__
ensure_file '/etc/mesos/agent-http-credentials.json' '0600' 'root' 'root' 'mesos-agent-config' <<'__EOF_15f1a59d3764__'
{
  "credentials": [
    {
      "principal": "operator",
      "secret": "operator-Sq4/u+8Kd2wP6"
    }
  ]
}
__EOF_15f1a59d3764__
ensure_dir '/var/lib/mesos/agent' '0755' 'root' 'root'
ensure_file '/etc/tmpfiles.d/microservice-mesos-agent.conf' '0644' 'root' 'root' '/etc/tmpfiles.d/microservice-mesos-agent.conf' <<'__EOF_6a2bea47642c__'
# Managed by the stack (MesosCluster): local changes are overwritten.
# The Mesos agent's runtime dir (MESOS_RUNTIME_DIR=/var/run/mesos), re-created empty at every boot.
d /run/mesos 0755 root root -
__EOF_6a2bea47642c__
ensure_exec 'runtime directory /run/mesos (re-created at boot: /etc/tmpfiles.d/microservice-mesos-agent.conf)' '[ -d '\''/run/mesos'\'' ] && [ "$(stat -L -c '\''%a %U %G'\'' '\''/run/mesos'\'')" = '\''755 root root'\'' ]' 'systemd-tmpfiles --create '\''/etc/tmpfiles.d/microservice-mesos-agent.conf'\''' 'runtime directory /run/mesos (re-created at boot: /etc/tmpfiles.d/microservice-mesos-agent.conf)'
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
assert_that 'cgroup v1 '\''cpu'\'' hierarchy' 'awk '\''$3 == "cgroup" && ("," $4 ",") ~ /,cpu,/ { found = 1 } END { exit !found }'\'' /proc/self/mounts' 'node2 has no cgroup v1 '\''cpu'\'' hierarchy (cgroup v2 only: stat -fc %T /sys/fs/cgroup says cgroup2fs). Released Mesos agents exit there with "Failed to find a mounted cgroups hierarchy for the '\''cpu'\'' subsystem". Boot the host with systemd.unified_cgroup_hierarchy=0 (docs/mesos.md, cgroups), or set mesos.cgroups to v2 if your agent image was built with cgroup v2 support'
ensure_file '/etc/mesos/agent-cgroups.env' '0644' 'root' 'root' 'mesos-agent-config' <<'__EOF_a60a68be7195__'
# Managed by the stack (MesosCluster): local changes are overwritten.
# cgroup v1: Docker and Mesos containerizers, cgroups isolation
MESOS_CONTAINERIZERS=docker,mesos
MESOS_LAUNCHER=linux
MESOS_ISOLATION=cgroups/cpu,cgroups/mem
MESOS_CGROUPS_HIERARCHY=/sys/fs/cgroup
__EOF_a60a68be7195__
ensure_file '/etc/mesos/agent.env' '0600' 'root' 'root' 'mesos-agent-config' <<'__EOF_c20d1a3b8d52__'
# Managed by the stack (MesosCluster): local changes are overwritten.
MESOS_MASTER=zk://microservice:zookeeper-Pw7.k-2Lr9zT4vB8nM1@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos
MESOS_WORK_DIR=/var/lib/mesos/agent
MESOS_RUNTIME_DIR=/var/run/mesos
MESOS_IP=10.0.15.12
MESOS_ADVERTISE_IP=10.0.15.12
MESOS_HOSTNAME=10.0.15.12
MESOS_HOSTNAME_LOOKUP=false
MESOS_PORT=5051
MESOS_ATTRIBUTES=slavetype:app
MESOS_RECONFIGURATION_POLICY=additive
MESOS_EXECUTOR_REGISTRATION_TIMEOUT=10mins
MESOS_DOCKER_SOCKET=/var/run/docker.sock
MESOS_DOCKER=docker
MESOS_DOCKER_MESOS_IMAGE=mesosphere/mesos-slave@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
MESOS_DOCKER_CONFIG=/root/.docker/config.json
MESOS_SYSTEMD_ENABLE_SUPPORT=false
MESOS_SWITCH_USER=false
MESOS_CREDENTIAL=/etc/mesos/agent-credential.json
MESOS_AUTHENTICATE_HTTP_READWRITE=true
MESOS_AUTHENTICATE_HTTP_READONLY=true
MESOS_HTTP_CREDENTIALS=/etc/mesos/agent-http-credentials.json
MESOS_LOGGING_LEVEL=INFO
__EOF_c20d1a3b8d52__
ensure_exec 'agent forgets its id after a non-additive change of hostname or attributes' '[ ! -e /var/lib/mesos/agent/meta/slaves/latest ] || [ ! -f /etc/mesos/agent-identity ] || ( old_host=$(sed -n '\''s/^hostname=//p'\'' /etc/mesos/agent-identity)
old_attrs=$(sed -n '\''s/^attributes=//p'\'' /etc/mesos/agent-identity)
[ "$old_host" = '\''10.0.15.12'\'' ] || exit 1
IFS='\'';'\'' read -ra pairs <<< "$old_attrs"
for p in "${pairs[@]}"; do [ -z "$p" ] || [[ '\'';slavetype:app;'\'' == *";$p;"* ]] || exit 1; done )' 'rm -f /var/lib/mesos/agent/meta/slaves/latest; echo "mesos agent on node2: attributes or hostname changed in a non-additive way: it registers under a new id" >&2' 'mesos-agent-config'
ensure_file '/etc/mesos/agent-identity' '0644' 'root' 'root' '/etc/mesos/agent-identity' <<'__EOF_86da42b4ef73__'
hostname=10.0.15.12
attributes=slavetype:app
__EOF_86da42b4ef73__
ensure_file '/etc/systemd/system/mesos-agent.service' 0644 root root 'unit:mesos-agent.service' <<'__EOF_e487dd311ac4__'
# Image: mesosphere/mesos-slave:1.7.0@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
[Unit]
Description=Mesos agent (container; flags in /etc/mesos/agent.env and agent-cgroups.env)
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target
# Keep retrying: ZooKeeper may still be electing, the masters may still be starting.
StartLimitIntervalSec=0

[Service]
ExecStartPre=-/usr/bin/docker rm -f mesos-agent
ExecStart=/usr/local/lib/microservice/container-run mesosphere/mesos-slave@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb --rm --name mesos-agent --net=host \
  --pid=host --privileged --cgroupns=host \
  -v /sys/fs/cgroup:/sys/fs/cgroup \
  -v /var/lib/mesos/agent:/var/lib/mesos/agent \
  -v /var/run/mesos:/var/run/mesos \
  -v /var/run/docker.sock:/var/run/docker.sock \
  -v /root/.docker:/root/.docker:ro \
  -v /etc/mesos/agent-credential.json:/etc/mesos/agent-credential.json:ro \
  -v /etc/mesos/agent-http-credentials.json:/etc/mesos/agent-http-credentials.json:ro \
  --env-file /etc/mesos/agent.env \
  --env-file /etc/mesos/agent-cgroups.env \
  mesosphere/mesos-slave@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb
ExecStop=/usr/bin/docker stop -t 30 mesos-agent
# `docker run` exits 143 when `docker stop` ends the container: a stop, not a failure (else every
# shutdown or Docker restart leaves the unit failed and the host "degraded"; seen in the engine lab).
SuccessExitStatus=143
Restart=always
RestartSec=10
TimeoutStartSec=0

[Install]
WantedBy=multi-user.target
__EOF_e487dd311ac4__
ensure_service 'mesos-agent.service' 1 'mesos-agent-config'
