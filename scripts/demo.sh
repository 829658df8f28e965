#!/usr/bin/env bash
# Sets everything up, starts the emulated modem on a pseudo-terminal, and runs rmnetctl against it:
# `info` (model, revision, IMEI, data format), then `format set` with QMAP aggregation (requested vs granted).
# A later issue turns this into a full bring-up in the virtual modem lab.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

workdir="$(mktemp -d)"
modem_pid=""
cleanup() {
  if [ -n "$modem_pid" ] && kill -0 "$modem_pid" 2>/dev/null; then kill "$modem_pid"; wait "$modem_pid" 2>/dev/null || true; fi
  rm -rf "$workdir"
}
trap cleanup EXIT

# The emulated modem prints the pty path (/dev/pts/N) on its first line and serves until SIGTERM.
node dist/test/modem/serve.js --model EC25-EMU --dl-datagrams 32 --dl-size 32768 >"$workdir/modem.out" 2>"$workdir/modem.err" &
modem_pid=$!
for _ in $(seq 1 100); do
  [ -s "$workdir/modem.out" ] && break
  kill -0 "$modem_pid" 2>/dev/null || { cat "$workdir/modem.err" >&2; exit 1; }
  sleep 0.05
done
port="$(head -n 1 "$workdir/modem.out")"
[ -n "$port" ] || { echo "demo: the emulated modem did not start" >&2; exit 1; }
echo "== emulated modem on $port"

echo "== rmnetctl info -d $port"
node bin/rmnetctl.js info -d "$port"

echo
echo "== rmnetctl format set -d $port --link-layer raw-ip --aggregation qmap --dl-datagrams 64 --dl-size 65536 --endpoint-iface 4"
node bin/rmnetctl.js format set -d "$port" --link-layer raw-ip --aggregation qmap --dl-datagrams 64 --dl-size 65536 --endpoint-iface 4

echo
echo "== the same, as JSON"
node bin/rmnetctl.js format get -d "$port" --json
