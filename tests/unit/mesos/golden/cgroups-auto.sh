ensure_file '/etc/mesos/agent-cgroups-v1.env' '0644' 'root' 'root' '/etc/mesos/agent-cgroups-v1.env' <<'__EOF_a60a68be7195__'
# Managed by the stack (MesosCluster): local changes are overwritten.
# cgroup v1: Docker and Mesos containerizers, cgroups isolation
MESOS_CONTAINERIZERS=docker,mesos
MESOS_LAUNCHER=linux
MESOS_ISOLATION=cgroups/cpu,cgroups/mem
MESOS_CGROUPS_HIERARCHY=/sys/fs/cgroup
__EOF_a60a68be7195__
ensure_file '/etc/mesos/agent-cgroups-v2.env' '0644' 'root' 'root' '/etc/mesos/agent-cgroups-v2.env' <<'__EOF_b8440e1a1ef0__'
# Managed by the stack (MesosCluster): local changes are overwritten.
# cgroup v2: Docker containerizer only (Docker applies the limits), posix launcher; needs an agent built with cgroup v2 support
MESOS_CONTAINERIZERS=docker
MESOS_LAUNCHER=posix
MESOS_ISOLATION=posix/cpu,posix/mem
__EOF_b8440e1a1ef0__
ensure_exec 'cgroup flags for this host'\''s hierarchy' 'if awk '\''$3 == "cgroup" && ("," $4 ",") ~ /,cpu,/ { found = 1 } END { exit !found }'\'' /proc/self/mounts; then f=/etc/mesos/agent-cgroups-v1.env; else f=/etc/mesos/agent-cgroups-v2.env; fi; cmp -s "$f" /etc/mesos/agent-cgroups.env' 'if awk '\''$3 == "cgroup" && ("," $4 ",") ~ /,cpu,/ { found = 1 } END { exit !found }'\'' /proc/self/mounts; then f=/etc/mesos/agent-cgroups-v1.env; else f=/etc/mesos/agent-cgroups-v2.env; fi; install -m 0644 "$f" /etc/mesos/agent-cgroups.env; echo "mesos agent: cgroup flags from $f" >&2' 'mesos-agent-config'
