#!/usr/bin/env bash
# A clean Debian root to install the .deb into (test/host/package.test.ts), made with debootstrap from
# Debian's archive and cached under lab/.cache/clean-root/<suite>-<UTC date>-<includes>/ (a new one each day, so its
# package lists are fresh; older ones of the suite are deleted). Prints the root's path.
#
#   bash scripts/clean-root.sh [SUITE]      default trixie: bookworm's nodejs is 18, rmnetctl needs >= 20
#
# minbase plus what the test runs besides rmnetctl: man-db (`man -l`), systemd (`systemd-analyze verify` with
# the root's own systemd), bash-completion and zsh (they must find the installed completions). Nothing rmnetctl
# depends on is preinstalled: apt must resolve its Depends. The include list is part of the cache key.
# Needs root and debootstrap (scripts/setup.sh installs it).
set -euo pipefail
cd "$(dirname "$0")/.."

suite=${1:-trixie}
mirror=${RMNETCTL_DEBIAN_MIRROR:-http://deb.debian.org/debian}
[[ "$suite" =~ ^[a-z]+$ ]] || { echo "clean-root: error: suite \"$suite\" is not a Debian codename (e.g. trixie)" >&2; exit 2; }
command -v debootstrap >/dev/null || { echo "clean-root: error: debootstrap not found: run bash scripts/setup.sh" >&2; exit 1; }

cache=lab/.cache/clean-root
mkdir -p "$cache"
includes=man-db,systemd,bash-completion,zsh
root=$PWD/$cache/$suite-$(date -u +%Y%m%d)-$(printf %s "$includes" | md5sum | cut -c1-6)
exec 9>"$cache/$suite.lock"
flock 9   # one debootstrap at a time; a second caller waits and then finds the root made

if [ ! -e "$root/.complete" ]; then
  for old in "$cache/$suite"-*; do [ -d "$old" ] && [ "$old" != "$cache/$(basename "$root")" ] && rm -rf --one-file-system "$old"; done
  partial=$root.partial
  rm -rf --one-file-system "$partial"
  debootstrap --variant=minbase --include="$includes" "$suite" "$partial" "$mirror" >"$cache/$suite.log" 2>&1 || {
    echo "clean-root: error: debootstrap $suite from $mirror failed (log: $cache/$suite.log):" >&2
    tail -n 5 "$cache/$suite.log" >&2
    rm -rf --one-file-system "$partial"
    exit 1
  }
  # Package lists for apt inside the root (debootstrap leaves none); the date in the path keeps them fresh.
  printf 'deb %s %s main\n' "$mirror" "$suite" > "$partial/etc/apt/sources.list"
  cp /etc/resolv.conf "$partial/etc/resolv.conf"
  mount -t proc proc "$partial/proc"
  status=0
  chroot "$partial" apt-get update -qq >>"$cache/$suite.log" 2>&1 || status=$?
  umount "$partial/proc"
  [ "$status" = 0 ] || { echo "clean-root: error: apt-get update in the $suite root failed (log: $cache/$suite.log)" >&2; rm -rf --one-file-system "$partial"; exit 1; }
  chroot "$partial" apt-get clean
  touch "$partial/.complete"
  mv "$partial" "$root"
fi
echo "$root"
