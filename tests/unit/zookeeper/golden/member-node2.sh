ensure_packages 'zookeeperd'
ensure_dir '/var/lib/zookeeper' '0750' 'zookeeper' 'zookeeper'
ensure_file '/etc/zookeeper/conf/zoo.cfg' '0644' 'root' 'root' 'zookeeper-config' <<'__EOF_dc2c6e1bc8bd__'
# Managed by the stack (ZooKeeperEnsemble): local changes are overwritten.
tickTime=2000
initLimit=5
syncLimit=2
dataDir=/var/lib/zookeeper
clientPort=2181
autopurge.purgeInterval=24
autopurge.snapRetainCount=3
4lw.commands.whitelist=srvr,ruok,mntr
admin.serverAddress=127.0.0.1
admin.serverPort=8181
quorumListenOnAllIPs=true
server.1=10.0.15.11:2888:3888
server.2=10.0.15.12:2888:3888
server.3=10.0.15.13:2888:3888
__EOF_dc2c6e1bc8bd__
ensure_file '/etc/zookeeper/conf/myid' '0644' 'root' 'root' 'zookeeper-config' <<'__EOF_53c234e5e847__'
2
__EOF_53c234e5e847__
ensure_service 'zookeeper' 1 'zookeeper-config'
