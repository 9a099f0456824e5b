#!/usr/bin/env bash
# Starts dockerd (no systemd here), coping with what an earlier run may have left: a pid file
# whose process is gone, a dead socket, a stale containerd pid. Idempotent: a working daemon is
# left alone. Prints the server version. Usage: containers/dockerd.sh [start|stop]
set -euo pipefail
PIDFILE=/var/run/docker.pid
SOCK=/var/run/docker.sock
LOG=${DOCKERD_LOG:-/var/log/dockerd.log}

alive() { timeout 5 docker info >/dev/null 2>&1; }

if [ "${1:-start}" = stop ]; then
  pid=$(cat "$PIDFILE" 2>/dev/null || pgrep -x dockerd || true)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill "$pid"
    for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
  fi
  exit 0
fi

if alive; then
  echo "[dockerd] already running: $(docker version -f '{{.Server.Version}}')"
  exit 0
fi
# A dockerd that exists but does not answer is starting, or stuck shutting down: give it 10 s.
if pgrep -x dockerd >/dev/null; then
  for _ in $(seq 1 10); do alive && { echo "[dockerd] running: $(docker version -f '{{.Server.Version}}')"; exit 0; }; sleep 1; done
  echo "[dockerd] a dockerd process does not answer: stopping it"
  pkill -TERM -x dockerd || true
  for _ in $(seq 1 20); do pgrep -x dockerd >/dev/null || break; sleep 0.5; done
  pkill -KILL -x dockerd 2>/dev/null || true
  pkill -KILL -x containerd 2>/dev/null || true
fi
if [ -f "$PIDFILE" ] && ! kill -0 "$(cat "$PIDFILE")" 2>/dev/null; then
  echo "[dockerd] removing stale pid file $PIDFILE"
  rm -f "$PIDFILE"
fi
if [ -S "$SOCK" ]; then
  echo "[dockerd] removing dead socket $SOCK"
  rm -f "$SOCK"
fi
for f in /var/run/docker/containerd/containerd.pid /run/containerd/containerd.pid; do
  if [ -f "$f" ] && ! kill -0 "$(cat "$f")" 2>/dev/null; then rm -f "$f"; fi
done
setsid dockerd >"$LOG" 2>&1 < /dev/null &
for _ in $(seq 1 60); do
  if alive; then echo "[dockerd] started: $(docker version -f '{{.Server.Version}}')"; exit 0; fi
  sleep 1
done
echo "[dockerd] did not start within 60 s; last log lines:" >&2
tail -20 "$LOG" >&2
exit 1
