ensure_dir '/var/log/remote' '0755' 'root' 'adm'
ensure_dir '/etc/microservice/logging' '0755' 'root' 'root'
ensure_file '/etc/microservice/logging/ca.pem' '0644' 'root' 'root' 'logging-tls' <<'__EOF_4174fc381406__'
-----BEGIN CERTIFICATE-----
Q0EK
-----END CERTIFICATE-----
__EOF_4174fc381406__
ensure_file '/etc/microservice/logging/server.pem' '0644' 'root' 'root' 'logging-tls' <<'__EOF_266251083385__'
-----BEGIN CERTIFICATE-----
Q0VSVAo=
-----END CERTIFICATE-----
__EOF_266251083385__
ensure_file '/etc/rsyslog.d/20-microservice-server.conf' '0644' 'root' 'root' 'rsyslog-config' <<'__EOF_cfd15bf35b53__'
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

input(type="imtcp" port="514" ruleset="microservice_remote"
      streamDriver.name="gtls" streamDriver.mode="1" streamDriver.authMode="anon"
      streamDriver.CAFile="/etc/microservice/logging/ca.pem" streamDriver.CertFile="/etc/microservice/logging/server.pem" streamDriver.KeyFile="/etc/microservice/tls/logging-tls/key.pem")
__EOF_cfd15bf35b53__
assert_that 'the rsyslog configuration parses' 'rsyslogd -N1 -f /etc/rsyslog.conf' 'rsyslog rejects its configuration: run `rsyslogd -N1 -f /etc/rsyslog.conf` on the host'
ensure_service 'rsyslog' 1 'rsyslog-config' 'logging-tls'
ensure_dir '/var/lib/microservice-log-receiver' '0700' 'root' 'root'
ensure_file '/usr/local/sbin/microservice-log-receiver' '0755' 'root' 'root' 'log-receiver' <<'__EOF_4b701d4c576d__'
#!/usr/bin/python3
"""The log server's receiver (RsyslogAggregator, logging.protocol "journal"; docs/logging.md).

Each host's shipper (log-shipper.py) sends the journal entries it forwards, in journal order, each
batch with the cursor it follows on ("after") and the cursor of its last entry. This receiver owns
the cursor: it takes a batch only when "after" is the cursor it last committed for that host, writes
the batch's lines, then commits the new cursor. A batch written in part (the receiver stopped or
killed mid-write) is cut off again before the next one is taken: the record of the files' sizes
before the batch ("pending") is written first, and a pending record whose batch never committed
truncates those files back. So every line is written exactly once, whatever stops when.

The tree and the line format are the log server's rsyslog's (render.ts: MicroserviceFile and the
MicroserviceRemote* templates): /var/log/remote/<host>/<YYYY>/<MM>/<DD>/docker/<app>/docker.log,
.../docker/combined.log and .../<program>.log, dated by the time the line was logged.

Usage: log-receiver.py CONFIG (JSON: port, dir, stateDir, hosts {name: address}, tls).
"""
import grp
import json
import os
import re
import ssl
import sys
import threading
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

APP = re.compile(r"^docker/([A-Za-z0-9_.-]+)")
CURSOR = re.compile(r"^[A-Za-z0-9=;_-]{0,400}$")
MAX_BODY = 64 * 1024 * 1024


def secure(part):
    """rsyslog's securepath="replace": no slash, never . or .. or empty."""
    part = part.replace("/", "_")
    return "_" if part in ("", ".", "..") else part


def escape(msg):
    """rsyslog's control-character escaping (#ooo); the last line feed is dropped."""
    if msg.endswith("\n"):
        msg = msg[:-1]
    return "".join("#%03o" % ord(c) if ord(c) < 32 or ord(c) == 127 else c for c in msg)


def line_and_paths(root, host, entry):
    """One journal entry [usec, identifier, pid, message] -> its line and the files it goes to."""
    usec, ident, pid, msg = entry
    when = datetime.fromtimestamp(int(usec) // 1000000, timezone.utc).astimezone()
    when = when.replace(microsecond=int(usec) % 1000000)
    tag = "%s[%s]:" % (ident, pid) if pid else "%s:" % ident
    msg = escape(msg)
    text = "%s %s %s%s%s\n" % (when.isoformat(timespec="microseconds"), host, tag, "" if msg.startswith(" ") else " ", msg)
    day = os.path.join(root, secure(host), when.strftime("%Y"), when.strftime("%m"), when.strftime("%d"))
    m = APP.match(ident)
    if m:
        return text, [os.path.join(day, "docker", secure(m.group(1)), "docker.log"), os.path.join(day, "docker", "combined.log")]
    return text, [os.path.join(day, secure(ident) + ".log")]


def fsync_dir(path):
    fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomic(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())
    os.rename(tmp, path)
    fsync_dir(os.path.dirname(path))


class Store:
    """Per host: the committed cursor and, while a batch is written, the pending record."""

    def __init__(self, root, state):
        self.root, self.state = root, state
        self.locks = {}
        self.guard = threading.Lock()
        try:
            self.gid = grp.getgrnam("adm").gr_gid
        except KeyError:
            self.gid = -1
        os.makedirs(state, mode=0o700, exist_ok=True)

    def lock(self, host):
        with self.guard:
            return self.locks.setdefault(host, threading.Lock())

    def cursor(self, host):
        try:
            with open(os.path.join(self.state, host + ".cursor")) as f:
                return f.read()
        except FileNotFoundError:
            return ""

    def recover(self, host):
        """A batch that was being written when the receiver stopped: cut its files back, unless it committed."""
        pending = os.path.join(self.state, host + ".pending")
        try:
            with open(pending) as f:
                record = json.load(f)
        except FileNotFoundError:
            return
        except ValueError:
            record = None  # torn record: written before any line of its batch, so nothing to cut
        if record is not None and self.cursor(host) == record["after"]:
            for path, size in record["sizes"].items():
                if os.path.exists(path) and os.path.getsize(path) > size:
                    os.truncate(path, size)
                    print("receiver: %s: cut %s back to %d bytes (a batch that never committed)" % (host, path, size), flush=True)
        os.unlink(pending)
        fsync_dir(self.state)

    def append(self, host, after, cursor, entries):
        """Writes one batch; returns the committed cursor and whether this batch was taken."""
        with self.lock(host):
            self.recover(host)
            current = self.cursor(host)
            if current != after:
                return current, False
            files = {}
            for entry in entries:
                text, paths = line_and_paths(self.root, host, entry)
                for path in paths:
                    files.setdefault(path, []).append(text)
            pending = os.path.join(self.state, host + ".pending")
            if files:
                sizes = {p: (os.path.getsize(p) if os.path.exists(p) else 0) for p in files}
                write_atomic(pending, json.dumps({"after": after, "sizes": sizes}))
                for path, lines in files.items():
                    self.write(path, "".join(lines).encode("utf-8", "replace"))
            write_atomic(os.path.join(self.state, host + ".cursor"), cursor)
            if files:
                os.unlink(pending)
            return cursor, True

    def write(self, path, data):
        os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            if self.gid >= 0 and os.fstat(fd).st_gid != self.gid:
                os.fchown(fd, -1, self.gid)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)


def peer_names(cert):
    names = [v for k, v in cert.get("subjectAltName", ()) if k == "DNS"]
    names += [v for rdn in cert.get("subject", ()) for k, v in rdn if k == "commonName"]
    return names


def handler(conf, store):
    hosts, mutual = conf["hosts"], conf["tls"] == "mutual"

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def reply(self, code, body):
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def admitted(self, host):
            """A host ships its own lines only: from its own address, or with tls mutual its own certificate."""
            if host not in hosts:
                return "%s is not a host of this stack (%s)" % (host, ", ".join(sorted(hosts)))
            if mutual:
                names = peer_names(self.connection.getpeercert() or {})
                return None if host in names else "%s: the client certificate names %s" % (host, ", ".join(names) or "nothing")
            peer = self.client_address[0]
            return None if peer == hosts[host] else "%s: a connection from %s, expected from %s" % (host, peer, hosts[host])

        def route(self):
            m = re.match(r"^/v1/(cursor|append)/([A-Za-z0-9_.-]+)$", self.path)
            if not m:
                self.reply(404, {"error": "no such path: %s" % self.path})
                return None, None
            refused = self.admitted(m.group(2))
            if refused:
                print("receiver: refused %s" % refused, flush=True)
                self.reply(403, {"error": "refused by the log server: " + refused})
                return None, None
            return m.group(1), m.group(2)

        def do_GET(self):
            verb, host = self.route()
            if verb == "cursor":
                self.reply(200, {"cursor": store.cursor(host)})
            elif verb:
                self.reply(405, {"error": "POST only"})

        def do_POST(self):
            verb, host = self.route()
            if verb != "append":
                if verb:
                    self.reply(405, {"error": "GET only"})
                return
            length = int(self.headers.get("Content-Length", "0"))
            if length <= 0 or length > MAX_BODY:
                self.reply(413, {"error": "expected a body of 1 byte to %d bytes" % MAX_BODY})
                return
            try:
                batch = json.loads(self.rfile.read(length))
                after, cursor, entries = batch["after"], batch["cursor"], batch["entries"]
                if not (CURSOR.match(after) and CURSOR.match(cursor) and cursor):
                    raise ValueError("cursor")
                for usec, ident, pid, msg in entries:
                    if not (isinstance(usec, int) and isinstance(ident, str) and isinstance(pid, str) and isinstance(msg, str)):
                        raise ValueError("entry")
            except (ValueError, KeyError, TypeError) as e:
                self.reply(400, {"error": "expected {after, cursor, entries: [[usec, identifier, pid, message]]}: %s" % e})
                return
            committed, taken = store.append(host, after, cursor, entries)
            self.reply(200 if taken else 409, {"cursor": committed})

        def log_message(self, fmt, *args):
            pass  # one line per batch would flood the journal; refusals and cuts are printed

    return Handler


def main():
    with open(sys.argv[1]) as f:
        conf = json.load(f)
    os.umask(0o022)
    store = Store(conf["dir"], conf["stateDir"])
    for name in conf["hosts"]:
        with store.lock(name):
            store.recover(name)
    server = ThreadingHTTPServer((conf.get("address", ""), conf["port"]), handler(conf, store))
    server.daemon_threads = True
    tls = conf["tls"]
    if tls != "off":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(conf["cert"], conf["key"])
        if tls == "mutual":
            ctx.verify_mode = ssl.CERT_REQUIRED  # OpenSSL checks the client certificate's purpose (clientAuth)
            ctx.load_verify_locations(conf["ca"])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    print("receiver: listening on %d (tls %s) for %s" % (conf["port"], tls, ", ".join(sorted(conf["hosts"]))), flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
__EOF_4b701d4c576d__
ensure_file '/etc/microservice/logging/receiver.json' '0644' 'root' 'root' 'log-receiver' <<'__EOF_e7d689d9aec1__'
{
  "port": 19532,
  "dir": "/var/log/remote",
  "stateDir": "/var/lib/microservice-log-receiver",
  "hosts": {
    "node1": "10.0.15.11",
    "node2": "10.0.15.12"
  },
  "tls": "server",
  "ca": "/etc/microservice/logging/ca.pem",
  "cert": "/etc/microservice/logging/server.pem",
  "key": "/etc/microservice/tls/logging-tls/key.pem"
}
__EOF_e7d689d9aec1__
ensure_file '/etc/systemd/system/microservice-log-receiver.service' 0644 root root 'unit:microservice-log-receiver.service' <<'__EOF_b8ef9dd123b0__'
# Managed by microservice (RsyslogAggregator): changes here are overwritten.
[Unit]
Description=Writes the hosts' shipped journal lines under /var/log/remote, each once
After=network-online.target systemd-journald.service
Wants=network-online.target

[Service]
ExecStart=/usr/bin/python3 /usr/local/sbin/microservice-log-receiver /etc/microservice/logging/receiver.json
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
__EOF_b8ef9dd123b0__
ensure_service 'microservice-log-receiver' 1 'log-receiver' 'logging-tls'
wait_for 'the log receiver listens on 19532' 60 'ss -Hltn '\''sport = :19532'\'' | grep -q .' 'microservice-log-receiver does not listen on port 19532: see journalctl -u microservice-log-receiver'
wait_for 'the log server listens on 514' 60 'ss -Hltn '\''sport = :514'\'' | grep -q .' 'rsyslog does not listen on port 514: see journalctl -u rsyslog'
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
