#!/bin/sh
# mongod double (lab only): holds /data/db (a lock file with its pid, as mongod's), logs what it
# found there, and stops on SIGTERM like mongod.
set -u
mkdir -p /data/db
echo "mongod double: $(ls /data/db | grep -cv '^mongod.lock$') files in /data/db ($*)"
echo $$ > /data/db/mongod.lock
trap 'rm -f /data/db/mongod.lock; echo "mongod double: stopped"; exit 0' TERM INT
while :; do sleep 1; done
