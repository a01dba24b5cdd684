ensure_packages 'rsyslog' 'logrotate' 'python3'
ensure_exec 'rsyslog: no kernel log input in a container (it would read the machine'\''s kernel ring buffer)' '! systemd-detect-virt --container --quiet || ! grep -Eq '\''^[[:space:]]*module\(load="imklog"'\'' /etc/rsyslog.conf' 'sed -i -E '\''s/^([[:space:]]*module\(load="imklog")/# off in a container (microservice): \1/'\'' /etc/rsyslog.conf' 'rsyslog-config'
ensure_dir '/var/log/docker' '0755' 'root' 'adm'
ensure_dir '/etc/microservice/logging' '0755' 'root' 'root'
ensure_file '/etc/microservice/logging/ca.pem' '0644' 'root' 'root' 'log-shipper' <<'__EOF_4174fc381406__'
-----BEGIN CERTIFICATE-----
Q0EK
-----END CERTIFICATE-----
__EOF_4174fc381406__
ensure_file '/etc/microservice/logging/client.pem' '0644' 'root' 'root' 'log-shipper' <<'__EOF_266251083385__'
-----BEGIN CERTIFICATE-----
Q0VSVAo=
-----END CERTIFICATE-----
__EOF_266251083385__
ensure_exec 'a host that forwarded with rsyslog until now: the shipper starts at the journal'\''s end' '[ -e /var/lib/microservice-log-shipper/start.cursor ] || ! grep -qs '\''name="microservice_forward"'\'' /etc/rsyslog.d/10-microservice-base.conf' 'mkdir -p '\''/var/lib/microservice-log-shipper'\'' && journalctl -n 0 --show-cursor --no-pager | sed -n '\''s/^-- cursor: //p'\'' > /var/lib/microservice-log-shipper/start.cursor' 'log-shipper'
ensure_file '/etc/rsyslog.d/10-microservice-base.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_a22c015c5358__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
# Loaded once here for every listener (local Docker input, and the log server's input).
module(load="imtcp")

# Local files: RFC 3339 time, host, tag, message.
template(name="MicroserviceFile" type="string"
         string="%TIMESTAMP:::date-rfc3339% %HOSTNAME% %syslogtag%%msg:::sp-if-no-1st-sp%%msg:::drop-last-lf%\n")

# Nothing is forwarded by rsyslog: microservice-log-shipper sends this host's journal lines to the log
# server's receiver, which writes each exactly once.
__EOF_a22c015c5358__
ensure_file '/etc/rsyslog.d/30-microservice-docker.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_d17adcb01f30__'
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
__EOF_d17adcb01f30__
ensure_file '/etc/rsyslog.d/40-microservice-journal.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_af900284dbbb__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
# These programs log to journald (journalctl -u <unit>), where microservice-log-shipper reads them for the
# log server; they stay out of /var/log/syslog.
if $programname == ["mesos-master", "mesos-slave", "mesos-agent", "marathon", "zookeeper"] then stop
__EOF_af900284dbbb__
assert_that 'the rsyslog configuration parses' 'rsyslogd -N1 -f /etc/rsyslog.conf' 'rsyslog rejects its configuration: run `rsyslogd -N1 -f /etc/rsyslog.conf` on the host'
ensure_service 'rsyslog' 1 'rsyslog-config'
wait_for 'rsyslog takes Docker'\''s lines on 127.0.0.1:10514' 60 'ss -Hltn '\''src 127.0.0.1:10514'\'' | grep -q .' 'rsyslog does not listen on 127.0.0.1:10514: see journalctl -u rsyslog'
ensure_file '/usr/local/sbin/microservice-log-shipper' '0755' 'root' 'root' 'log-shipper' <<'__EOF_ba2e9d113de7__'
#!/usr/bin/python3
"""A host's log shipper (RsyslogAggregator, logging.protocol "journal"; docs/logging.md).

Reads this host's journal (journalctl -o json --follow) from the cursor the log server's receiver
says it committed for this host, and sends the entries it forwards (containers' lines, tag docker/*,
and the programs in "identifiers") in batches, each naming the cursor it follows on. The receiver
takes a batch only when that cursor is the one it committed, so a batch re-sent after any failure
(the server stopped, this shipper restarted, a connection cut mid-batch) is written once: on any
error the shipper asks the server for its cursor again and reads the journal on from there. The
journal holds the lines meanwhile.

Usage: log-shipper.py CONFIG          ship forever (the microservice-log-shipper service)
       log-shipper.py --probe CONFIG  exit 0 when the server takes this host's lines, else say why
CONFIG (JSON): host, address, port, serverName, tls (off|server|mutual), ca, cert, key, identifiers,
startCursor (a file).
"""
import http.client
import json
import os
import queue
import socket
import ssl
import subprocess
import sys
import threading
import time

JOURNALCTL = os.environ.get("LOG_SHIPPER_JOURNALCTL", "journalctl")
BATCH_LINES = 2000
BATCH_BYTES = 4 * 1024 * 1024
LINGER = 0.2  # seconds a batch waits for more lines


class Refused(Exception):
    pass


class Connection(http.client.HTTPSConnection):
    """HTTPS to the server's address, its certificate checked against its name (as rsyslog's x509/name)."""

    def __init__(self, address, port, context, name):
        super().__init__(address, port, context=context, timeout=30)
        self.ctx, self.name = context, name

    def connect(self):
        raw = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self.ctx.wrap_socket(raw, server_hostname=self.name)


class Server:
    def __init__(self, conf):
        self.conf = conf
        self.base = "/v1/%%s/%s" % conf["host"]
        self.ctx = None
        if conf["tls"] != "off":
            self.ctx = ssl.create_default_context(cafile=conf["ca"])
            if conf["tls"] == "mutual":
                self.ctx.load_cert_chain(conf["cert"], conf["key"])
        self.conn = None

    def request(self, method, verb, body=None):
        c = self.conf
        if self.conn is None:
            if self.ctx:
                self.conn = Connection(c["address"], c["port"], self.ctx, c["serverName"])
            else:
                self.conn = http.client.HTTPConnection(c["address"], c["port"], timeout=30)
        try:
            data = None if body is None else json.dumps(body).encode()
            headers = {"Content-Type": "application/json"} if data else {}
            self.conn.request(method, self.base % verb, body=data, headers=headers)
            resp = self.conn.getresponse()
            return resp.status, json.loads(resp.read() or b"{}")
        except Exception:
            self.close()
            raise

    def close(self):
        if self.conn is not None:
            self.conn.close()
            self.conn = None

    def cursor(self):
        status, body = self.request("GET", "cursor")
        if status != 200:
            raise Refused(body.get("error", "HTTP %d" % status))
        return body["cursor"]


def field(entry, name):
    value = entry.get(name)
    if isinstance(value, list):  # journalctl's JSON gives non-UTF-8 fields as byte arrays
        value = bytes(value).decode("utf-8", "replace")
    return value


def reader(proc, lines):
    for line in proc.stdout:
        lines.put(line)
    lines.put(None)


def start_cursor(conf, committed):
    """Where to read from: after the server's cursor; with none, after the start cursor a host that
    forwarded with rsyslog before got (what its journal held then was sent), else from the start."""
    if committed or not conf.get("startCursor"):
        return committed
    try:
        with open(conf["startCursor"]) as f:
            return f.read().strip()
    except FileNotFoundError:
        return ""


def ship(server, conf, cursor):
    """Follows the journal after `cursor` (the server's), sending batches until an error or a server cursor that differs."""
    identifiers = set(conf["identifiers"])
    args = [JOURNALCTL, "-o", "json", "--follow", "--no-tail", "--all"]
    begin = start_cursor(conf, cursor)
    if begin:
        args.append("--after-cursor=" + begin)
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL)
    lines = queue.Queue(maxsize=BATCH_LINES * 4)
    threading.Thread(target=reader, args=(proc, lines), daemon=True).start()
    sent, last, batch, size = cursor, cursor, [], 0
    try:
        while True:
            try:
                line = lines.get(timeout=LINGER)
            except queue.Empty:
                line = ""
            if line is None:
                raise RuntimeError("journalctl ended (exit %s)" % proc.wait())
            if line:
                entry = json.loads(line)
                last = entry["__CURSOR"]
                ident = field(entry, "SYSLOG_IDENTIFIER") or ""
                if ident.startswith("docker/") or ident in identifiers:
                    usec = int(entry.get("_SOURCE_REALTIME_TIMESTAMP") or entry["__REALTIME_TIMESTAMP"])
                    msg = field(entry, "MESSAGE") or ""
                    batch.append([usec, ident, field(entry, "SYSLOG_PID") or field(entry, "_PID") or "", msg])
                    size += len(msg) + 64
                if len(batch) < BATCH_LINES and size < BATCH_BYTES:
                    continue
            if last == sent:
                continue
            status, body = server.request("POST", "append", {"after": sent, "cursor": last, "entries": batch})
            if status == 409:
                print("shipper: the server's cursor differs from ours; reading on from the server's", flush=True)
                return
            if status != 200:
                raise Refused(body.get("error", "HTTP %d" % status))
            sent, batch, size = last, [], 0
    finally:
        proc.kill()
        proc.wait()


def main():
    probe = sys.argv[1] == "--probe"
    with open(sys.argv[-1]) as f:
        conf = json.load(f)
    server = Server(conf)
    where = "%s (%s:%d)" % (conf["serverName"], conf["address"], conf["port"])
    if probe:
        try:
            server.cursor()
            return 0
        except Refused as e:
            print("%s: %s" % (conf["host"], e), file=sys.stderr)
            return 1
        except Exception as e:
            print("%s: the log server %s does not answer: %s" % (conf["host"], where, e), file=sys.stderr)
            return 2
    delay, said = 1, None
    while True:
        try:
            ship(server, conf, server.cursor())
            delay, said = 1, None
        except Exception as e:
            server.close()
            text = "shipper: %s: %s (the journal keeps the lines; retrying)" % (where, e)
            if text != said:  # one line per kind of failure, not one per retry
                print(text, flush=True)
                said = text
            time.sleep(delay)
            delay = min(delay * 2, 5)


if __name__ == "__main__":
    sys.exit(main())
__EOF_ba2e9d113de7__
ensure_file '/etc/microservice/logging/shipper.json' '0644' 'root' 'root' 'log-shipper' <<'__EOF_161bfca0da7f__'
{
  "host": "node2",
  "serverName": "node1",
  "address": "10.0.15.11",
  "port": 19532,
  "tls": "mutual",
  "ca": "/etc/microservice/logging/ca.pem",
  "cert": "/etc/microservice/logging/client.pem",
  "key": "/k.pem",
  "identifiers": [
    "mesos-master",
    "mesos-slave",
    "mesos-agent",
    "marathon",
    "zookeeper"
  ],
  "startCursor": "/var/lib/microservice-log-shipper/start.cursor"
}
__EOF_161bfca0da7f__
ensure_file '/etc/systemd/system/microservice-log-shipper.service' 0644 root root 'unit:microservice-log-shipper.service' <<'__EOF_d20e64787a6e__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
[Unit]
Description=Sends this host's container and scheduler journal lines to the log server, each once
After=network-online.target systemd-journald.service
Wants=network-online.target

[Service]
ExecStart=/usr/bin/python3 /usr/local/sbin/microservice-log-shipper /etc/microservice/logging/shipper.json
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
__EOF_d20e64787a6e__
ensure_service 'microservice-log-shipper' 1 'log-shipper'
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
