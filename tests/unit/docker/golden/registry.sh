ensure_dir '/var/lib/docker-registry' '0750' 'docker-registry' 'docker-registry'
ensure_file '/etc/docker/registry/config.yml' '0644' 'root' 'root' 'registry-config' <<'__EOF_9dda75c476a7__'
# Managed by the stack (DockerRegistry): local changes are overwritten.
version: 0.1
log:
  level: info
  fields:
    service: registry
storage:
  filesystem:
    rootdirectory: /var/lib/docker-registry
  delete:
    enabled: true
  cache:
    blobdescriptor: inmemory
http:
  addr: :5000
  headers:
    X-Content-Type-Options: [nosniff]
  tls:
    certificate: /etc/docker/registry/tls/cert.pem
    key: /k.pem
auth:
  htpasswd:
    realm: microservice-registry
    path: /etc/docker/registry/htpasswd
health:
  storagedriver:
    enabled: true
    interval: 10s
    threshold: 3
__EOF_9dda75c476a7__
ensure_file '/etc/docker/registry/tls/cert.pem' '0644' 'root' 'root' 'registry-tls' <<'__EOF_266251083385__'
-----BEGIN CERTIFICATE-----
Q0VSVAo=
-----END CERTIFICATE-----
__EOF_266251083385__
ensure_file '/etc/docker/registry/tls/ca.pem' '0644' 'root' 'root' '/etc/docker/registry/tls/ca.pem' <<'__EOF_4174fc381406__'
-----BEGIN CERTIFICATE-----
Q0EK
-----END CERTIFICATE-----
__EOF_4174fc381406__
ensure_file '/etc/docker/registry/password' '0600' 'root' 'root' '/etc/docker/registry/password' <<'__EOF_a49d3482e0ec__'
correct-horse-battery-42
__EOF_a49d3482e0ec__
ensure_exec 'htpasswd for microservice' 'test -s /etc/docker/registry/htpasswd && htpasswd -vi /etc/docker/registry/htpasswd '\''microservice'\'' </etc/docker/registry/password && [ "$(cut -d: -f1 /etc/docker/registry/htpasswd | sort | tr '\''\n'\'' '\'' '\'')" = '\''microservice '\'' ]' 'htpasswd -iBc /etc/docker/registry/htpasswd.new '\''microservice'\'' </etc/docker/registry/password && chown root:docker-registry /etc/docker/registry/htpasswd.new && chmod 0640 /etc/docker/registry/htpasswd.new && mv -f /etc/docker/registry/htpasswd.new /etc/docker/registry/htpasswd' 'registry-htpasswd'
ensure_service 'docker-registry' 1 'registry-config' 'registry-tls' 'registry-htpasswd'
wait_for 'the registry answers /v2/ with 401' 60 '[ "$(curl -s -o /dev/null -w '\''%{http_code}'\'' --max-time 5 --cacert /etc/docker/registry/tls/ca.pem '\''https://10.0.15.11:5000/v2/'\'')" = 401 ]' 'the registry did not answer https://10.0.15.11:5000/v2/ with 401 (check: journalctl -u docker-registry)'
