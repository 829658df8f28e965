#!/usr/bin/env bash
# Installs everything rmnetctl and its tests need on a fresh Debian machine, then builds it.
# Idempotent: packages already present are not fetched again; apt-get update runs only when needed.
set -euo pipefail
cd "$(dirname "$0")/.."

# libqmi (qmicli, qmi-proxy, libqmi-glib for the decoder checks) is the independent QMI peer in tests;
# iproute2 makes and inspects the network namespaces of the host tests; ethtool reads offload features back.
# python3-prometheus-client is the independent exposition-format parser the metrics tests read `rmnetctl metrics` with.
# python3-dpkt is the independent pcapng reader the capture tests decode `rmnetctl capture` output with.
# groff-base and man-db render the generated man pages in the tests (groff -ww, man -l); zsh runs the generated
# zsh completion for real (zsh/zpty); util-linux's unshare gives those tests their own /dev, /etc and /sys.
packages=(libqmi-utils libqmi-proxy libqmi-glib5 iproute2 ethtool python3 python3-prometheus-client python3-dpkt make g++ groff-base man-db zsh util-linux)
# The Debian package (scripts/package-deb.sh, test/host/package.test.ts): dpkg-dev (dpkg-shlibdeps computes the
# addon's Depends), binutils (strip), lintian checks the .deb, debootstrap makes the clean trixie root it installs into.
packages+=(dpkg-dev binutils lintian debootstrap)
if [ "${RMNETCTL_LAB:-0}" = 1 ]; then
  # zstd: the 6.12 and later bzImages carry a zstd payload; binutils (objdump): which kbuild tools need a newer libc
  packages+=(qemu-system-x86 busybox-static usbip kmod xz-utils zstd binutils cpio iputils-ping)
  # ModemManager beside rmnetctl in the guest (issue #12): its daemon and mmcli, a system D-Bus, udev.
  packages+=(modemmanager dbus udev)
fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm ci builds native/ through node-gyp (package.json "install"), then TypeScript compiles to dist/.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
else
  npm rebuild --no-audit --no-fund >/dev/null
fi
npm run --silent build
