#!/bin/bash
# registry-api ADDRESS USER SCHEME METHOD PATH [curl args]: the registry API with the stack's
# credentials (installed by AppImage). The password is read from the 0600 file DockerEngine's login
# step keeps and reaches curl on stdin (`-K -`): never on a command line.
set -euo pipefail
LOGIN_DIR="@LOGIN_DIR@"
addr=$1 user=$2 scheme=$3 method=$4 path=$5
shift 5
tls=()
if [ "$scheme" = https ]; then tls=(--cacert "/etc/docker/certs.d/$addr/ca.crt"); fi
# Inside a quoted curl config value \ and " are escapes: both are escaped, so any password arrives as it is.
curl_quote() { printf '%s' "$1" | sed -e 's/[\\"]/\\&/g'; }
printf 'user = "%s:%s"\n' "$(curl_quote "$user")" "$(curl_quote "$(head -n1 "$LOGIN_DIR/$addr.password")")" |
  curl -sS --fail-with-body --max-time 30 -K - "${tls[@]}" -X "$method" "$@" "$scheme://$addr$path"
