#!/bin/bash
# Managed by the stack (MesosCluster). Usage: container-run IMAGE DOCKER-RUN-ARGS...
set -u
image=$1; shift
until @DOCKER@ image inspect "$image" >/dev/null 2>&1 || @DOCKER@ pull -q "$image" >/dev/null; do
  echo "cannot pull $image yet (registry unreachable, or no such digest?): retrying in 10 s" >&2
  sleep 10
done
exec @DOCKER@ run "$@"
