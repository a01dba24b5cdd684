ensure_packages 'rsyslog' 'logrotate'
ensure_exec 'rsyslog: no kernel log input in a container (it would read the machine'\''s kernel ring buffer)' '! systemd-detect-virt --container --quiet || ! grep -Eq '\''^[[:space:]]*module\(load="imklog"'\'' /etc/rsyslog.conf' 'sed -i -E '\''s/^([[:space:]]*module\(load="imklog")/# off in a container (microservice): \1/'\'' /etc/rsyslog.conf' 'rsyslog-config'
ensure_dir '/var/log/docker' '0755' 'root' 'adm'
ensure_file '/etc/rsyslog.d/10-microservice-base.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_d58f4fbb936e__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
# Loaded once here for every listener (local Docker input, and the log server's input).
module(load="imtcp")

# Local files: RFC 3339 time, host, tag, message.
template(name="MicroserviceFile" type="string"
         string="%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n")

# To the log server: the stack's name for this host (not the machine's hostname), so the server's
# tree is /var/log/remote/<host as in the stack config>/...
template(name="MicroserviceForward" type="string"
         string="<%PRI%>%TIMESTAMP:::date-rfc3339% node2 %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%")

# One queue for everything forwarded. Disk-assisted (queue.filename), kept across restarts
# (saveOnShutdown) and retried forever (resumeRetryCount -1): nothing is lost while the server is
# down, up to queue.maxDiskSpace.
ruleset(name="microservice_forward") {
  action(type="omfwd" name="microservice_forward" target="10.0.15.11" port="514" protocol="tcp" TCP_Framing="octet-counted"
         template="MicroserviceForward"
         queue.type="LinkedList" queue.filename="microservice_forward" queue.spoolDirectory="/var/spool/rsyslog"
         queue.size="50000" queue.maxDiskSpace="1g" queue.saveOnShutdown="on"
         action.resumeRetryCount="-1" action.resumeInterval="5" action.reportSuspension="on")
}
__EOF_d58f4fbb936e__
ensure_file '/etc/rsyslog.d/30-microservice-docker.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_15d5e5ee626e__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
# Containers log with Docker's journald driver (dockerParameters: tag=docker/<app>, which becomes
# SYSLOG_IDENTIFIER) and imjournal reads them from the journal. Its cursor (StateFile) is saved on
# shutdown and every 10 lines: after a restart rsyslog reads on from the last line it took, and the
# journal kept what came meanwhile. IgnorePreviousMessages off: without a state file (first start)
# it reads the journal from its start instead of skipping lines. No rate limit (its default drops
# lines after 20,000 in 10 minutes).
module(load="imjournal" StateFile="/var/spool/rsyslog/microservice-imjournal.state" IgnorePreviousMessages="off"
       Ratelimit.Interval="0" PersistStateInterval="10")

template(name="MicroserviceDockerApp" type="list") {
  constant(value="/var/log/docker/") property(name="$.app" securepath="replace") constant(value="/docker.log")
}

ruleset(name="microservice_docker") {
  set $.app = re_extract($syslogtag, "^docker/([A-Za-z0-9_.-]+)", 0, 1, "no_tag");
  action(type="omfile" dynaFile="MicroserviceDockerApp" template="MicroserviceFile"
         dirCreateMode="0755" fileCreateMode="0640")
  action(type="omfile" file="/var/log/docker/combined.log" template="MicroserviceFile" fileCreateMode="0640")
  call microservice_forward
}

# imjournal (rsyslog 8.2302) cannot be bound to a ruleset: its lines come to the default one, ahead
# of /etc/rsyslog.conf's rules. It takes the containers' lines only; the rest of the journal still
# reaches rsyslog through imuxsock (journald's ForwardToSyslog), as before. journald's socket copy
# of a container line is dropped, so each line is written and forwarded once.
if $inputname == "imjournal" then {
  if re_match($syslogtag, "^docker/") then {
    call microservice_docker
  }
  stop
}
if $inputname == "imuxsock" and re_match($syslogtag, "^docker/") then stop

# Containers started with the former syslog-driver flags send here until they are deployed again.
input(type="imtcp" address="127.0.0.1" port="10514" ruleset="microservice_docker")
__EOF_15d5e5ee626e__
ensure_file '/etc/rsyslog.d/40-microservice-journal.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_e24f75d344a2__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
# These programs log to journald (journalctl -u <unit>); a copy goes to the log server.
if $programname == ["mesos-master", "mesos-slave", "mesos-agent", "marathon", "zookeeper"] then {
  call microservice_forward
  stop
}
__EOF_e24f75d344a2__
assert_that 'the rsyslog configuration parses' 'rsyslogd -N1 -f /etc/rsyslog.conf' 'rsyslog rejects its configuration: run `rsyslogd -N1 -f /etc/rsyslog.conf` on the host'
ensure_service 'rsyslog' 1 'rsyslog-config'
wait_for 'rsyslog takes Docker'\''s lines on 127.0.0.1:10514' 60 'ss -Hltn '\''src 127.0.0.1:10514'\'' | grep -q .' 'rsyslog does not listen on 127.0.0.1:10514: see journalctl -u rsyslog'
ensure_file '/etc/logrotate.d/microservice-docker' '0644' 'root' 'root' '/etc/logrotate.d/microservice-docker' <<'__EOF_688963c403d5__'
# Managed by microservice (RsyslogAggregator).
/var/log/docker/*/docker.log /var/log/docker/combined.log {
  daily
  rotate 7
  maxage 7
  missingok
  notifempty
  compress
  delaycompress
  sharedscripts
  postrotate
    /usr/lib/rsyslog/rsyslog-rotate
  endscript
}
__EOF_688963c403d5__
ensure_service 'logrotate.timer' 1
ensure_file '/etc/systemd/system/microservice-log-retention.service' 0644 root root 'unit:microservice-log-retention.service' <<'__EOF_cb9f25c5e4b3__'
# Managed by microservice (RsyslogAggregator).
[Unit]
Description=Delete logs older than 7 days under /var/log/docker

[Service]
Type=oneshot
ExecStart=/usr/bin/find /var/log/docker -mindepth 1 -type f ! -path /var/log/docker/combined.log -mmin +10080 -delete
ExecStart=/usr/bin/find /var/log/docker -mindepth 1 -type d -empty -delete
__EOF_cb9f25c5e4b3__
ensure_file '/etc/systemd/system/microservice-log-retention.timer' 0644 root root 'unit:microservice-log-retention.timer' <<'__EOF_e7d6d9bdf242__'
# Managed by microservice (RsyslogAggregator).
[Unit]
Description=Daily log retention under /var/log/docker

[Timer]
OnCalendar=daily
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target
__EOF_e7d6d9bdf242__
ensure_service 'microservice-log-retention.timer' 1
