#!/usr/bin/python3
"""Stop / start / resume the Marathon app that uses a volume, around a move (FlockerZfsCluster).

  marathon-app stop   CONF        scale to 0 instances and wait until no task runs
  marathon-app start  CONF IP     1 instance, pinned to the new primary (hostname CLUSTER IP)
  marathon-app resume CONF        1 instance where it was (the move failed; the source is primary)

CONF is a 0600 JSON file: url, username, password, appId, timeoutSeconds, caFile (optional).
Volume apps run one instance (single-attach data), so no instance count is kept between calls.
An app that Marathon does not know (404) is left alone: nothing to stop or start.
"""
import base64
import json
import ssl
import sys
import time
import urllib.error
import urllib.request


def log(msg):
    print("marathon-app: " + msg, file=sys.stderr, flush=True)


class Marathon:
    def __init__(self, conf):
        self.base = conf["url"].rstrip("/")
        token = base64.b64encode(("%s:%s" % (conf["username"], conf["password"])).encode()).decode()
        self.headers = {"Content-Type": "application/json", "Accept": "application/json", "Authorization": "Basic " + token}
        self.context = ssl.create_default_context(cafile=conf.get("caFile") or None) if self.base.startswith("https:") else None

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method, headers=self.headers)
        try:
            with urllib.request.urlopen(req, timeout=15, context=self.context) as r:
                raw = r.read()
                return r.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                return e.code, json.loads(raw) if raw else None
            except ValueError:
                return e.code, raw.decode(errors="replace")

    def app(self, app_id):
        code, body = self.call("GET", "/v2/apps%s" % app_id)
        if code == 404:
            return None
        if code != 200:
            raise SystemExit("marathon-app: GET %s answered %s: %s" % (app_id, code, body))
        return body["app"]

    def update(self, app_id, patch):
        # partialUpdate (the default) merges; force overrides a deployment still running.
        code, body = self.call("PUT", "/v2/apps%s?force=true" % app_id, patch)
        if code not in (200, 201):
            raise SystemExit("marathon-app: PUT %s answered %s: %s" % (app_id, code, body))


def pinned(constraints, ip):
    """The app's constraints with any hostname pin replaced by one to `ip`."""
    kept = [c for c in constraints or [] if not (c and c[0] == "hostname" and len(c) == 3 and c[1] in ("CLUSTER", "LIKE", "IS"))]
    return kept + [["hostname", "CLUSTER", ip]]


def wait_stopped(m, app_id, timeout):
    deadline = time.monotonic() + timeout
    while True:
        app = m.app(app_id)
        if app is None or (app.get("tasksRunning", 0) == 0 and app.get("tasksStaged", 0) == 0 and not app.get("deployments")):
            return
        if time.monotonic() >= deadline:
            raise SystemExit("marathon-app: %s still has tasks after %ss" % (app_id, timeout))
        time.sleep(0.5)


def main(argv):
    if len(argv) < 3 or argv[1] not in ("stop", "start", "resume") or (argv[1] == "start" and len(argv) != 4):
        raise SystemExit(__doc__)
    verb, conf_path = argv[1], argv[2]
    with open(conf_path) as f:
        conf = json.load(f)
    m, app_id = Marathon(conf), conf["appId"]
    app = m.app(app_id)
    if app is None:
        log("%s is not deployed: nothing to %s" % (app_id, verb))
        return
    if verb == "stop":
        m.update(app_id, {"instances": 0})
        wait_stopped(m, app_id, int(conf.get("timeoutSeconds", 120)))
        log("%s suspended" % app_id)
    elif verb == "start":
        m.update(app_id, {"instances": 1, "constraints": pinned(app.get("constraints"), argv[3])})
        log("%s started, pinned to %s" % (app_id, argv[3]))
    else:
        m.update(app_id, {"instances": 1})
        log("%s resumed where it was" % app_id)


if __name__ == "__main__":
    main(sys.argv)
