#!/bin/sh
# mongosh double (lab only): the health check's `mongosh --eval` succeeds while the mongod double
# holds /data/db.
pid=$(cat /data/db/mongod.lock 2>/dev/null) && [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
