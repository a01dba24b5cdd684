ensure_packages 'curl' 'jq'
ensure_dir '/etc/mesos' '0755' 'root' 'root'
ensure_file '/etc/mesos/probe.curlrc' '0600' 'root' 'root' '/etc/mesos/probe.curlrc' <<'__EOF_e122f55317bd__'
user = "operator:operator-Sq4/u+8Kd2wP6"
__EOF_e122f55317bd__
remember MS_MESOS_LED 'a Mesos master led before this step' 'for m in 10.0.15.11; do curl -fsS --max-time 5 -K /etc/mesos/probe.curlrc http://$m:5050/metrics/snapshot; done | jq -se '\''map(."master/elected" // 0) | add == 1'\'''
ensure_dir '/var/lib/mesos/master' '0750' 'root' 'root'
ensure_file '/usr/local/lib/microservice/container-run' '0755' 'root' 'root' '/usr/local/lib/microservice/container-run' <<'__EOF_2082cc6c7738__'
#!/bin/bash
# Managed by the stack (MesosCluster). Usage: container-run IMAGE DOCKER-RUN-ARGS...
set -u
image=$1; shift
until /usr/bin/docker image inspect "$image" >/dev/null 2>&1 || /usr/bin/docker pull -q "$image" >/dev/null; do
  echo "cannot pull $image yet (registry unreachable, or no such digest?): retrying in 10 s" >&2
  sleep 10
done
exec /usr/bin/docker run "$@"
__EOF_2082cc6c7738__
ensure_file '/etc/mesos/master.env' '0600' 'root' 'root' 'mesos-master-config' <<'__EOF_8241a7b01a00__'
# Managed by the stack (MesosCluster): local changes are overwritten.
MESOS_CLUSTER=MesosCluster
MESOS_ZK=zk://microservice:zookeeper-Pw7.k-2Lr9zT4vB8nM1@10.0.15.11:2181,10.0.15.12:2181,10.0.15.13:2181/mesos
MESOS_QUORUM=1
MESOS_REGISTRY=replicated_log
MESOS_WORK_DIR=/var/lib/mesos/master
MESOS_IP=10.0.15.11
MESOS_ADVERTISE_IP=10.0.15.11
MESOS_HOSTNAME=10.0.15.11
MESOS_HOSTNAME_LOOKUP=false
MESOS_PORT=5050
MESOS_AUTHENTICATE_FRAMEWORKS=true
MESOS_AUTHENTICATE_AGENTS=true
MESOS_AUTHENTICATE_HTTP_READWRITE=true
MESOS_AUTHENTICATE_HTTP_READONLY=true
MESOS_CREDENTIALS=/etc/mesos/credentials.json
MESOS_ACLS=file:///etc/mesos/acls.json
MESOS_LOGGING_LEVEL=INFO
__EOF_8241a7b01a00__
ensure_file '/etc/mesos/credentials.json' '0600' 'root' 'root' 'mesos-master-config' <<'__EOF_c5cb84a71410__'
{
  "credentials": [
    {
      "principal": "marathon",
      "secret": "framework-Sq4/u+8Kd2wP6"
    },
    {
      "principal": "agent",
      "secret": "agent-Sq4/u+8Kd2wP6xR"
    },
    {
      "principal": "operator",
      "secret": "operator-Sq4/u+8Kd2wP6"
    }
  ]
}
__EOF_c5cb84a71410__
ensure_file '/etc/mesos/acls.json' '0600' 'root' 'root' 'mesos-master-config' <<'__EOF_f9b85edd2e32__'
{
  "permissive": true,
  "register_frameworks": [
    {
      "principals": {
        "values": [
          "marathon"
        ]
      },
      "roles": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "roles": {
        "type": "NONE"
      }
    }
  ],
  "run_tasks": [
    {
      "principals": {
        "values": [
          "marathon"
        ]
      },
      "users": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "users": {
        "type": "NONE"
      }
    }
  ],
  "register_agents": [
    {
      "principals": {
        "values": [
          "agent"
        ]
      },
      "agents": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "agents": {
        "type": "NONE"
      }
    }
  ],
  "teardown_frameworks": [
    {
      "principals": {
        "values": [
          "operator"
        ]
      },
      "framework_principals": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "framework_principals": {
        "type": "NONE"
      }
    }
  ],
  "update_quotas": [
    {
      "principals": {
        "values": [
          "operator"
        ]
      },
      "roles": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "roles": {
        "type": "NONE"
      }
    }
  ],
  "update_weights": [
    {
      "principals": {
        "values": [
          "operator"
        ]
      },
      "roles": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "roles": {
        "type": "NONE"
      }
    }
  ],
  "update_maintenance_schedules": [
    {
      "principals": {
        "values": [
          "operator"
        ]
      },
      "machines": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "machines": {
        "type": "NONE"
      }
    }
  ],
  "start_maintenances": [
    {
      "principals": {
        "values": [
          "operator"
        ]
      },
      "machines": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "machines": {
        "type": "NONE"
      }
    }
  ],
  "stop_maintenances": [
    {
      "principals": {
        "values": [
          "operator"
        ]
      },
      "machines": {
        "type": "ANY"
      }
    },
    {
      "principals": {
        "type": "ANY"
      },
      "machines": {
        "type": "NONE"
      }
    }
  ]
}
__EOF_f9b85edd2e32__
ensure_file '/etc/systemd/system/mesos-master.service' 0644 root root 'unit:mesos-master.service' <<'__EOF_3bd405c9517a__'
# Image: mesosphere/mesos-master:1.7.0@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
[Unit]
Description=Mesos master (container; flags in /etc/mesos/master.env)
After=docker.service network-online.target
Requires=docker.service
Wants=network-online.target
# Keep retrying: ZooKeeper may still be electing, the masters may still be starting.
StartLimitIntervalSec=0

[Service]
ExecStartPre=-/usr/bin/docker rm -f mesos-master
ExecStart=/usr/local/lib/microservice/container-run mesosphere/mesos-master@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa --rm --name mesos-master --net=host \
  -v /var/lib/mesos/master:/var/lib/mesos/master \
  -v /etc/mesos/credentials.json:/etc/mesos/credentials.json:ro \
  -v /etc/mesos/acls.json:/etc/mesos/acls.json:ro \
  --env-file /etc/mesos/master.env \
  mesosphere/mesos-master@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \
  --registry=replicated_log
ExecStop=/usr/bin/docker stop -t 30 mesos-master
# `docker run` exits 143 when `docker stop` ends the container: a stop, not a failure (else every
# shutdown or Docker restart leaves the unit failed and the host "degraded"; seen in the engine lab).
SuccessExitStatus=143
Restart=always
RestartSec=10
TimeoutStartSec=0

[Install]
WantedBy=multi-user.target
__EOF_3bd405c9517a__
ensure_service 'mesos-master.service' 1 'mesos-master-config'
wait_for 'this master answers /health and one leader is elected before the next master changes' 300 '[ "${MS_MESOS_LED:-0}" = 0 ] || { curl -fsS --max-time 5 -K /etc/mesos/probe.curlrc -o /dev/null http://10.0.15.11:5050/health && for m in 10.0.15.11; do curl -fsS --max-time 5 -K /etc/mesos/probe.curlrc http://$m:5050/metrics/snapshot; done | jq -se '\''map(."master/elected" // 0) | add == 1'\''; }' 'the Mesos master on node1 (10.0.15.11:5050) did not answer /health with one elected leader within 300 s after its change; the next masters were left untouched (journalctl -u mesos-master on node1)'
