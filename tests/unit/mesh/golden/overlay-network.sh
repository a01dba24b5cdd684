__step='node1/overlay-network'
__main() {
ensure_exec 'overlay network mesh (10.2.0.0/16)' 'docker network inspect '\''mesh'\'' >/dev/null 2>&1' 'docker network create -d overlay --attachable --subnet '\''10.2.0.0/16'\'' '\''mesh'\'' >/dev/null' 'network'
ensure_exec 'network mesh is an attachable overlay on 10.2.0.0/16' '[ "$(docker network inspect -f '\''{{.Driver}} {{.Attachable}} {{range .IPAM.Config}}{{.Subnet}}{{end}}'\'' '\''mesh'\'')" = '\''overlay true 10.2.0.0/16'\'' ]' 'echo '\''network mesh exists but is not "overlay true 10.2.0.0/16": detach its containers and remove it (docker network rm mesh), or choose another name'\'' >&2; exit 1' 'network mesh is an attachable overlay on 10.2.0.0/16'
__finish
}
__main </dev/null 3>&1 1>&2; exit $?
