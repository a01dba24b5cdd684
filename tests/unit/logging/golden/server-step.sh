ensure_packages 'rsyslog-relp'
ensure_dir '/var/log/remote' '0755' 'root' 'adm'
ensure_file '/etc/rsyslog.d/20-microservice-server.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_499ed631b01a__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
# Only the stack's hosts may send (applies to every TCP listener of this rsyslog).
$AllowedSender TCP, 127.0.0.1, 10.0.15.10, 10.0.15.11, 10.0.15.12, 10.0.15.13

template(name="MicroserviceRemoteDockerApp" type="list") {
  constant(value="/var/log/remote/") property(name="hostname" securepath="replace")
  constant(value="/") property(name="timereported" dateFormat="year")
  constant(value="/") property(name="timereported" dateFormat="month")
  constant(value="/") property(name="timereported" dateFormat="day")
  constant(value="/docker/") property(name="$.app" securepath="replace") constant(value="/docker.log")
}
template(name="MicroserviceRemoteDockerCombined" type="list") {
  constant(value="/var/log/remote/") property(name="hostname" securepath="replace")
  constant(value="/") property(name="timereported" dateFormat="year")
  constant(value="/") property(name="timereported" dateFormat="month")
  constant(value="/") property(name="timereported" dateFormat="day")
  constant(value="/docker/combined.log")
}
template(name="MicroserviceRemoteProgram" type="list") {
  constant(value="/var/log/remote/") property(name="hostname" securepath="replace")
  constant(value="/") property(name="timereported" dateFormat="year")
  constant(value="/") property(name="timereported" dateFormat="month")
  constant(value="/") property(name="timereported" dateFormat="day")
  constant(value="/") property(name="programname" securepath="replace") constant(value=".log")
}

# Remote lines never reach this host's own /var/log/syslog: they have their own ruleset.
ruleset(name="microservice_remote") {
  if re_match($syslogtag, "^docker/") then {
    set $.app = re_extract($syslogtag, "^docker/([A-Za-z0-9_.-]+)", 0, 1, "no_tag");
    action(type="omfile" dynaFile="MicroserviceRemoteDockerApp" template="MicroserviceFile"
           dirCreateMode="0755" fileCreateMode="0640")
    action(type="omfile" dynaFile="MicroserviceRemoteDockerCombined" template="MicroserviceFile"
           dirCreateMode="0755" fileCreateMode="0640")
  } else {
    action(type="omfile" dynaFile="MicroserviceRemoteProgram" template="MicroserviceFile"
           dirCreateMode="0755" fileCreateMode="0640")
  }
}

input(type="imtcp" port="514" ruleset="microservice_remote")

# RELP: every message is acknowledged, so a forwarder re-sends exactly what did not arrive.
# (imrelp has no sender allow-list: restrict it by network.)
module(load="imrelp")
input(type="imrelp" port="2514" ruleset="microservice_remote")
__EOF_499ed631b01a__
assert_that 'the rsyslog configuration parses' 'rsyslogd -N1 -f /etc/rsyslog.conf' 'rsyslog rejects its configuration: run `rsyslogd -N1 -f /etc/rsyslog.conf` on the host'
ensure_service 'rsyslog' 1 'rsyslog-config'
wait_for 'the log server listens on 514' 60 'ss -Hltn '\''sport = :514'\'' | grep -q .' 'rsyslog does not listen on port 514: see journalctl -u rsyslog'
wait_for 'the log server listens on 2514' 60 'ss -Hltn '\''sport = :2514'\'' | grep -q .' 'rsyslog does not listen on port 2514: see journalctl -u rsyslog'
ensure_file '/etc/systemd/system/microservice-log-retention-remote.service' 0644 root root 'unit:microservice-log-retention-remote.service' <<'__EOF_2aa2399b4f8e__'
# Managed by microservice (RsyslogAggregator).
[Unit]
Description=Delete logs older than 30 days under /var/log/remote

[Service]
Type=oneshot
ExecStart=/usr/bin/find /var/log/remote -mindepth 1 -type f -mmin +43200 -delete
ExecStart=/usr/bin/find /var/log/remote -mindepth 1 -type d -empty -delete
__EOF_2aa2399b4f8e__
ensure_file '/etc/systemd/system/microservice-log-retention-remote.timer' 0644 root root 'unit:microservice-log-retention-remote.timer' <<'__EOF_dac99c90ca6c__'
# Managed by microservice (RsyslogAggregator).
[Unit]
Description=Daily log retention under /var/log/remote

[Timer]
OnCalendar=daily
RandomizedDelaySec=30min
Persistent=true

[Install]
WantedBy=timers.target
__EOF_dac99c90ca6c__
ensure_service 'microservice-log-retention-remote.timer' 1
