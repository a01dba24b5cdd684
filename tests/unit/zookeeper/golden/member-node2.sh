ensure_exec 'a majority of the current and of the new ensemble keeps its id and address' 'old=$(sed -n '\''s/^server\.\([0-9]*\)=\([^:]*\):.*/\1=\2/p'\'' '\''/etc/zookeeper/conf/zoo.cfg'\'' 2>/dev/null | LC_ALL=C sort); new=$(printf '\''%s\n'\'' 1=10.0.15.11 2=10.0.15.12 3=10.0.15.13 | LC_ALL=C sort); kept=$(LC_ALL=C comm -12 <(printf '\''%s\n'\'' "$old") <(printf '\''%s\n'\'' "$new") | grep -c . || true); n_old=$(printf '\''%s\n'\'' "$old" | grep -c . || true); n_new=$(printf '\''%s\n'\'' "$new" | grep -c . || true); [ "$n_old" -le 1 ] || { [ $((2 * kept)) -gt "$n_old" ] && [ $((2 * kept)) -gt "$n_new" ]; }' 'old=$(sed -n '\''s/^server\.\([0-9]*\)=\([^:]*\):.*/\1=\2/p'\'' '\''/etc/zookeeper/conf/zoo.cfg'\'' 2>/dev/null | LC_ALL=C sort); new=$(printf '\''%s\n'\'' 1=10.0.15.11 2=10.0.15.12 3=10.0.15.13 | LC_ALL=C sort); kept=$(LC_ALL=C comm -12 <(printf '\''%s\n'\'' "$old") <(printf '\''%s\n'\'' "$new") | grep -c . || true); n_old=$(printf '\''%s\n'\'' "$old" | grep -c . || true); n_new=$(printf '\''%s\n'\'' "$new" | grep -c . || true); echo "ZooKeeper: change refused before it touched this member: $kept of the $n_old current members (id=address) stay as they are, and a quorum needs more than half of the current ($n_old) and of the new ($n_new) ensemble. Move, add or remove fewer members per up." >&2; echo "  current (/etc/zookeeper/conf/zoo.cfg): $(echo $old)" >&2; echo "  new: $(echo $new)" >&2; exit 1' 'a majority of the current and of the new ensemble keeps its id and address'
remember MS_ZK_SERVED 'the ensemble served before this step' '{ timeout 5 bash -c '\''exec 5<>/dev/tcp/10.0.15.11/2181 || exit 1; printf srvr >&5; cat <&5'\'' | grep -Eq '\''^Mode: (leader|follower)$'\''; } || { timeout 5 bash -c '\''exec 5<>/dev/tcp/10.0.15.12/2181 || exit 1; printf srvr >&5; cat <&5'\'' | grep -Eq '\''^Mode: (leader|follower)$'\''; } || { timeout 5 bash -c '\''exec 5<>/dev/tcp/10.0.15.13/2181 || exit 1; printf srvr >&5; cat <&5'\'' | grep -Eq '\''^Mode: (leader|follower)$'\''; }'
ensure_file '/etc/zookeeper/conf/zoo.cfg' '0644' 'root' 'root' 'zookeeper-config' <<'__EOF_53107df8a315__'
# Managed by the stack (ZooKeeperEnsemble): local changes are overwritten.
tickTime=2000
initLimit=5
syncLimit=2
dataDir=/var/lib/zookeeper
clientPort=2181
clientPortAddress=10.0.15.12
autopurge.purgeInterval=24
autopurge.snapRetainCount=3
4lw.commands.whitelist=srvr,ruok,mntr
admin.serverAddress=127.0.0.1
admin.serverPort=8181
quorumListenOnAllIPs=true
server.1=10.0.15.11:2888:3888
server.2=10.0.15.12:2888:3888
server.3=10.0.15.13:2888:3888
__EOF_53107df8a315__
ensure_file '/etc/zookeeper/conf/myid' '0644' 'root' 'root' 'zookeeper-config' <<'__EOF_53c234e5e847__'
2
__EOF_53c234e5e847__
ensure_service 'zookeeper' 1 'zookeeper-config'
wait_for 'this member serves again (srvr: Mode leader|follower) before the next member changes' 240 '[ "${MS_ZK_SERVED:-0}" = 0 ] || timeout 5 bash -c '\''exec 5<>/dev/tcp/10.0.15.12/2181 || exit 1; printf srvr >&5; cat <&5'\'' | grep -Eq '\''^Mode: (leader|follower)$'\''' 'ZooKeeper on node2 (myid 2) did not serve again within 240 s after its change; the next members were left untouched (check: journalctl -u zookeeper, /var/log/zookeeper on node2)'
