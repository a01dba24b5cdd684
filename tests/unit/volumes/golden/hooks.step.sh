ensure_file '/etc/microservice/volumes/apps/marathon-ca.pem' '0644' 'root' 'root' '/etc/microservice/volumes/apps/marathon-ca.pem' <<'__EOF_c87eec099a7c__'
-----BEGIN CERTIFICATE-----
Q0E=
-----END CERTIFICATE-----
__EOF_c87eec099a7c__
ensure_file '/etc/microservice/volumes/apps/mongo.marathon' '0600' 'root' 'root' '/etc/microservice/volumes/apps/mongo.marathon' <<'__EOF_45b36ebb0677__'
{
  "url": "https://10.0.15.11:8080",
  "username": "marathon",
  "password": "s3cret-pw",
  "appId": "/application/db/mongo",
  "timeoutSeconds": 120,
  "caFile": "/etc/microservice/volumes/apps/marathon-ca.pem"
}
__EOF_45b36ebb0677__
ensure_absent '/etc/microservice/volumes/apps/mongo.stop' '/etc/microservice/volumes/apps/mongo.stop'
ensure_absent '/etc/microservice/volumes/apps/mongo.start' '/etc/microservice/volumes/apps/mongo.start'
ensure_absent '/etc/microservice/volumes/apps/cache.marathon' '/etc/microservice/volumes/apps/cache.marathon'
ensure_file '/etc/microservice/volumes/apps/cache.stop' '0700' 'root' 'root' '/etc/microservice/volumes/apps/cache.stop' <<'__EOF_3d58fd4bc5a9__'
#!/bin/bash
# Stops the app of volume cache (runs on the source of a move).
set -euo pipefail
docker stop cache
__EOF_3d58fd4bc5a9__
ensure_file '/etc/microservice/volumes/apps/cache.start' '0700' 'root' 'root' '/etc/microservice/volumes/apps/cache.start' <<'__EOF_976c88e83e31__'
#!/bin/bash
# Starts the app of volume cache on its primary ($VOLUME_PATH is mounted).
set -euo pipefail
docker start cache
__EOF_976c88e83e31__
ensure_absent '/etc/microservice/volumes/apps/plain.marathon' '/etc/microservice/volumes/apps/plain.marathon'
ensure_absent '/etc/microservice/volumes/apps/plain.stop' '/etc/microservice/volumes/apps/plain.stop'
ensure_absent '/etc/microservice/volumes/apps/plain.start' '/etc/microservice/volumes/apps/plain.start'
