ensure_packages 'curl' 'openssl'
ensure_dir '/etc/marathon' '0755' 'root' 'root'
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
ensure_file '/etc/marathon/marathon.env' '0600' 'root' 'root' 'marathon-config' <<'__EOF_b1ee94359ac2__'
# Managed by the stack (MesosCluster): local changes are overwritten.
MARATHON_MASTER=zk://microservice:zookeeper-Pw7.k-2Lr9zT4vB8nM1@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos
MARATHON_ZK=zk://microservice:zookeeper-Pw7.k-2Lr9zT4vB8nM1@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/marathon
MARATHON_HOSTNAME=10.0.15.11
MARATHON_HTTPS_PORT=8443
MARATHON_SSL_KEYSTORE_PATH=/etc/marathon/tls/keystore.p12
MARATHON_DISABLE_HTTP=
MARATHON_TASK_LAUNCH_TIMEOUT=660000
MARATHON_MESOS_AUTHENTICATION=
MARATHON_MESOS_AUTHENTICATION_PRINCIPAL=marathon
MARATHON_MESOS_AUTHENTICATION_SECRET_FILE=/etc/marathon/mesos-secret
LIBPROCESS_IP=10.0.15.11
__EOF_b1ee94359ac2__
ensure_file '/etc/marathon/credentials.env' '0600' 'root' 'root' 'marathon-config' <<'__EOF_63e86ac3fb9d__'
MESOSPHERE_HTTP_CREDENTIALS=marathon:marathon-Pw7/k+2Lr9zT4vB8nM1
MESOSPHERE_KEYSTORE_PASS=keystore-Kq8/x+3Wm5zR7tY2
__EOF_63e86ac3fb9d__
ensure_file '/etc/marathon/probe.curlrc' '0600' 'root' 'root' '/etc/marathon/probe.curlrc' <<'__EOF_86a53c0cd2af__'
user = "marathon:marathon-Pw7/k+2Lr9zT4vB8nM1"
__EOF_86a53c0cd2af__
ensure_file '/etc/marathon/mesos-secret' '0600' 'root' 'root' 'marathon-config' < <(printf '%s' 'ZnJhbWV3b3JrLVNxNC91KzhLZDJ3UDY=' | base64 -d)
ensure_dir '/etc/marathon/tls' '0755' 'root' 'root'
ensure_file '/etc/marathon/tls/cert.pem' '0644' 'root' 'root' '/etc/marathon/tls/cert.pem' <<'__EOF_266251083385__'
-----BEGIN CERTIFICATE-----
Q0VSVAo=
-----END CERTIFICATE-----
__EOF_266251083385__
ensure_file '/etc/marathon/tls/ca.pem' '0644' 'root' 'root' '/etc/marathon/tls/ca.pem' <<'__EOF_4174fc381406__'
-----BEGIN CERTIFICATE-----
Q0EK
-----END CERTIFICATE-----
__EOF_4174fc381406__
ensure_exec 'Marathon'\''s keystore from its certificate and key' 'test -s '\''/etc/marathon/tls/keystore.p12'\'' && [ "$(stat -c '\''%a %U'\'' '\''/etc/marathon/tls/keystore.p12'\'')" = '\''600 root'\'' ] && [ -n "$(openssl pkcs12 -in '\''/etc/marathon/tls/keystore.p12'\'' -passin fd:3 -nokeys -clcerts 2>/dev/null 3< <(sed -n '\''s/^MESOSPHERE_KEYSTORE_PASS=//p'\'' '\''/etc/marathon/credentials.env'\'') | openssl x509 -noout -fingerprint -sha256)" ] && [ "$(openssl pkcs12 -in '\''/etc/marathon/tls/keystore.p12'\'' -passin fd:3 -nokeys -clcerts 2>/dev/null 3< <(sed -n '\''s/^MESOSPHERE_KEYSTORE_PASS=//p'\'' '\''/etc/marathon/credentials.env'\'') | openssl x509 -noout -fingerprint -sha256)" = "$(openssl x509 -in '\''/etc/marathon/tls/cert.pem'\'' -noout -fingerprint -sha256)" ] && [ -n "$(openssl pkcs12 -in '\''/etc/marathon/tls/keystore.p12'\'' -passin fd:3 -nocerts -nodes 2>/dev/null 3< <(sed -n '\''s/^MESOSPHERE_KEYSTORE_PASS=//p'\'' '\''/etc/marathon/credentials.env'\'') | openssl pkey -pubout)" ] && [ "$(openssl pkcs12 -in '\''/etc/marathon/tls/keystore.p12'\'' -passin fd:3 -nocerts -nodes 2>/dev/null 3< <(sed -n '\''s/^MESOSPHERE_KEYSTORE_PASS=//p'\'' '\''/etc/marathon/credentials.env'\'') | openssl pkey -pubout)" = "$(openssl pkey -in '\''/etc/microservice/tls/marathon-node1/key.pem'\'' -pubout)" ]' 'umask 077 && openssl pkcs12 -export -name marathon -in '\''/etc/marathon/tls/cert.pem'\'' -inkey '\''/etc/microservice/tls/marathon-node1/key.pem'\'' -certfile '\''/etc/marathon/tls/ca.pem'\'' -keypbe PBE-SHA1-3DES -certpbe PBE-SHA1-3DES -macalg sha1 -passout fd:3 -out '\''/etc/marathon/tls/keystore.p12.new'\'' 3< <(sed -n '\''s/^MESOSPHERE_KEYSTORE_PASS=//p'\'' '\''/etc/marathon/credentials.env'\'') && chown root:root '\''/etc/marathon/tls/keystore.p12.new'\'' && chmod 0600 '\''/etc/marathon/tls/keystore.p12.new'\'' && mv -f '\''/etc/marathon/tls/keystore.p12.new'\'' '\''/etc/marathon/tls/keystore.p12'\''' 'marathon-config'
ensure_file '/etc/systemd/system/marathon.service' 0644 root root 'unit:marathon.service' <<'__EOF_9907ae6b3f50__'
# Image: mesosphere/marathon:v1.7.236@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
[Unit]
Description=Marathon (container; flags in /etc/marathon/marathon.env, credentials in credentials.env)
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target
# Keep retrying: ZooKeeper may still be electing, the masters may still be starting.
StartLimitIntervalSec=0

[Service]
ExecStartPre=-/usr/bin/docker rm -f marathon
ExecStart=/usr/local/lib/microservice/container-run mesosphere/marathon@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc --rm --name marathon --net=host \
  -v /etc/marathon/mesos-secret:/etc/marathon/mesos-secret:ro \
  -v /etc/marathon/tls/keystore.p12:/etc/marathon/tls/keystore.p12:ro \
  --env-file /etc/marathon/marathon.env \
  --env-file /etc/marathon/credentials.env \
  mesosphere/marathon@sha256:cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc
ExecStop=/usr/bin/docker stop -t 30 marathon
# `docker run` exits 143 when `docker stop` ends the container: a stop, not a failure (else every
# shutdown or Docker restart leaves the unit failed and the host "degraded"; seen in the engine lab).
SuccessExitStatus=143
Restart=always
RestartSec=10
TimeoutStartSec=0

[Install]
WantedBy=multi-user.target
__EOF_9907ae6b3f50__
ensure_service 'marathon.service' 1 'marathon-config'
