ensure_packages 'docker.io'
ensure_file '/etc/docker/daemon.json' '0644' 'root' 'root' 'docker-daemon' <<'__EOF_5d2890578f26__'
{
  "log-driver": "json-file",
  "log-opts": {
    "max-file": "3",
    "max-size": "10m"
  }
}
__EOF_5d2890578f26__
ensure_file '/etc/systemd/system/docker.service.d/microservice-journal.conf' '0644' 'root' 'root' 'unit:docker.service' <<'__EOF_d283b58c3225__'
# Managed by microservice (DockerEngine).
[Service]
LogRateLimitIntervalSec=0
__EOF_d283b58c3225__
ensure_service 'docker' 1 'docker-daemon'
wait_for 'docker answers' 90 'docker info >/dev/null' 'the Docker daemon did not answer `docker info`'
