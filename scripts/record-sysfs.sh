#!/usr/bin/env bash
# Records the sysfs fixture trees (802.3, rawip, qmimux, rmnet) on lab kernels into
# test/fixtures/sysfs/linux-<major.minor>/<state>/ (RECORDED, labelled by kernel in each fixture-info.txt).
# Usage: scripts/record-sysfs.sh [trixie] [sid] ...   (default: trixie sid; the 6.1 trees at the top of
# test/fixtures/sysfs/ are the original bookworm recordings and stay as they are)
# Needs the lab (RMNETCTL_LAB=1 bash scripts/setup.sh) and npm run build.
set -euo pipefail
cd "$(dirname "$0")/.."
kernels=("$@"); [ ${#kernels[@]} -gt 0 ] || kernels=(trixie sid)
for kernel in "${kernels[@]}"; do
  out="$(mktemp)"
  node dist/lab/runner.js record-sysfs --kernel="$kernel" > "$out" || { cat "$out" >&2; exit 1; }
  run_dir="$(node -e 'console.log(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).runDir)' "$out")"
  abi="$(node -e 'console.log(JSON.parse(require("node:fs").readFileSync(process.argv[1], "utf8")).kernel.abi)' "$out")"
  rm -f "$out"
  series="$(echo "$abi" | sed -E 's/^([0-9]+\.[0-9]+).*/\1/')"
  target="test/fixtures/sysfs/linux-$series"
  rm -rf "$target"; mkdir -p "$target"
  cp -a "$run_dir/sysfs/." "$target/"
  echo "recorded $kernel ($abi) into $target"
done
