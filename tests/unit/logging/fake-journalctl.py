#!/usr/bin/python3
"""A stand-in for `journalctl -o json --follow --no-tail --all [--after-cursor=C]` (log-shipper's only use):
prints the JSON lines of $FAKE_JOURNAL after the entry whose __CURSOR is C, then follows the file as it grows."""
import json
import os
import sys
import time

after = next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith("--after-cursor=")), None)
skipping = after is not None
parent = os.getppid()  # a shipper killed with SIGKILL leaves this behind (systemd would kill its whole cgroup): end with it
with open(os.environ["FAKE_JOURNAL"]) as f:
    while True:
        line = f.readline()
        if not line.endswith("\n"):  # nothing more yet (or half a line): wait for the writer
            f.seek(f.tell() - len(line))
            if os.getppid() != parent:
                sys.exit(0)
            time.sleep(0.02)
            continue
        if skipping:
            skipping = json.loads(line)["__CURSOR"] != after
            continue
        sys.stdout.write(line)
        sys.stdout.flush()
