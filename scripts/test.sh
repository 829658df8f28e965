#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: pure, host (emulated modem on a pty, libqmi as the
# peer, netlink in network namespaces), and the lab (the Debian kernel in QEMU) where it is wired in.
set -euo pipefail
cd "$(dirname "$0")/.."
RMNETCTL_LAB=1 bash scripts/setup.sh
npx vitest run
