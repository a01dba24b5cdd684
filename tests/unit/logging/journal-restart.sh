#!/bin/bash
# Run by journal-restart.test.ts inside `unshare -m --propagation private` (root): a journald of its
# own (tmpfs over its directories, none of the machine's journal touched), the rendered forwarder
# (imjournal) and server rsyslogd on loopback. Writes LINES numbered lines under tag docker/jtest in
# bursts of 1,000 every 0.5 s (systemd-cat: journald sets SYSLOG_IDENTIFIER, as for Docker's driver),
# stops the server three times and restarts the forwarder during the second outage. journald also
# forwards every line to the syslog socket, as Debian's does, where the forwarder's imuxsock takes it.
# Prints one line per file: "<file> lines=<n> missing=<n> [first missing] duplicated=<n> [first]".
set -u
R=$1 PORT=$2 LINES=$3
mount -t tmpfs tmpfs /run/systemd && mkdir -p /run/systemd/journal
mkdir -p /run/log && mount -t tmpfs tmpfs /run/log
mount -t tmpfs tmpfs /var/log/journal
mount -t tmpfs tmpfs /etc/systemd
printf '[Journal]\nStorage=volatile\nRateLimitBurst=0\nForwardToSyslog=yes\nForwardToWall=no\nReadKMsg=no\nAudit=no\n' >/etc/systemd/journald.conf
/lib/systemd/systemd-journald >"$R/journald.log" 2>&1 &
journald=$!
for _ in $(seq 100); do [ -S /run/systemd/journal/stdout ] && break; sleep 0.1; done
declare -A pid
start() { /usr/sbin/rsyslogd -n -f "$R/$1/rsyslog.conf" -i "$R/$1/pid" 2>>"$R/$1/stderr.log" & pid[$1]=$!; echo "start $1"; }
stop() { kill -TERM "${pid[$1]}"; wait "${pid[$1]}"; echo "stopped $1"; }
listening() { for _ in $(seq 100); do ss -Hltn "sport = :$1" | grep -q . && return 0; sleep 0.1; done; echo "nothing listens on $1"; }
start server; start client; listening "$PORT"
(
  for c in $(seq 0 $((LINES / 1000 - 1))); do seq $((c * 1000 + 1)) $((c * 1000 + 1000)) | sed 's/^/jtest seq=/'; sleep 0.5; done | systemd-cat -t docker/jtest
  echo "writer done"
) &
writer=$!
sleep 1; stop server; sleep 3; start server
sleep 2; stop server; sleep 1.5; stop client; sleep 1; start client; sleep 2; start server
sleep 2; stop server; sleep 3; start server
wait $writer
H=$R/client/var/log/docker/jtest/docker.log
S=$(find "$R/server/var/log/remote/node2" -path '*/docker/jtest/docker.log' 2>/dev/null | head -1)
count() { [ -f "$1" ] && wc -l <"$1" || echo 0; }
# The host's file first; then the server's until it holds every line or stops growing for 10 s.
for _ in $(seq 120); do [ "$(count "$H")" -ge "$LINES" ] && break; sleep 0.5; done
last=-1 same=0
for _ in $(seq 180); do
  S=$(find "$R/server/var/log/remote/node2" -path '*/docker/jtest/docker.log' 2>/dev/null | head -1)
  n=$(count "$S"); [ "$n" -ge "$LINES" ] && break
  if [ "$n" = "$last" ]; then same=$((same + 1)); [ $same -ge 20 ] && break; else same=0 last=$n; fi
  sleep 0.5
done
sleep 6 # a late duplicate would land within the forwarder's retry interval
for f in "$H" "$S"; do
  grep -o 'seq=[0-9]*' "$f" | cut -d= -f2 | sort -n | uniq -c | awk -v n="$LINES" -v f="$f" '
    { tot += $1; seen[$2] = $1; if ($1 > 1) { dup++; if (dup <= 10) d = d " " $2 } }
    END { miss = 0; for (i = 1; i <= n; i++) if (!(i in seen)) { miss++; if (miss <= 10) m = m " " i }
          printf "%s lines=%d missing=%d [%s ] duplicated=%d [%s ]\n", f, tot, miss, m, dup + 0, d }'
done
stop client; stop server
kill $journald; wait $journald 2>/dev/null
exit 0
