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
