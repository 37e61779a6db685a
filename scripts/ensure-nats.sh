#!/usr/bin/env bash
# The test suite talks to a real NATS JetStream server on 127.0.0.1:4222 (events between services). Start the
# machine's nats-server when the port is closed, installing it from the distribution's packages if missing.
# Used by `make test` (so a fresh machine needs nothing else) and by .ci/run.
set -uo pipefail

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if port_open 4222; then exit 0; fi
echo "starting NATS (JetStream) on 127.0.0.1:4222"
if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  if command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nats-server; } >/dev/null 2>&1 || true
  fi
fi
server=$(command -v nats-server || echo /usr/sbin/nats-server)
if [ ! -x "$server" ]; then
  echo "nats-server is not installed and could not be installed; install it (e.g. apt-get install nats-server)" >&2
  exit 1
fi
store="${NATS_STORE_DIR:-/var/lib/nats-server}"
mkdir -p "$store" 2>/dev/null || store="$(mktemp -d)"
if command -v start-stop-daemon >/dev/null 2>&1; then
  start-stop-daemon --start --oknodo --background --exec "$server" -- \
    -a 127.0.0.1 -p 4222 -js -sd "$store" -l "$store/nats-server.log" || true
else
  nohup "$server" -a 127.0.0.1 -p 4222 -js -sd "$store" -l "$store/nats-server.log" >/dev/null 2>&1 &
fi
for _ in $(seq 1 30); do
  port_open 4222 && exit 0
  sleep 1
done
echo "NATS did not come up on 127.0.0.1:4222" >&2
exit 1
