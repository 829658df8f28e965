#!/usr/bin/env bash
# The main job, end to end: sets everything up (Debian packages, npm, the build, Debian's kernel for the lab),
# boots Debian's 6.1 kernel in QEMU with the real qmi_wwan / cdc-wdm / rmnet drivers, attaches an emulated
# Quectel EC25 over USB/IP and runs the real CLI against it:
#   rmnetctl modems; rmnetctl up --mux 1 --apn internet; ping -c 3 through the link; rmnetctl status;
#   rmnetctl down --all
# printing the transcript. Exits non-zero if any step fails. Warm: about 15-25 s (QEMU under TCG).
# The guest's side is lab/guest/scenarios/demo.ts; docs/lab.md describes the lab.
set -euo pipefail
cd "$(dirname "$0")/.."

RMNETCTL_LAB=1 bash scripts/setup.sh       # packages (qemu, usbip, ...), npm ci, npm run build
bash lab/setup >/dev/null                  # Debian's kernel + rmnet.ko + initramfs (cached: 0.4 s warm)

workdir="$(mktemp -d)"
trap 'rm -rf "$workdir"' EXIT

echo "== booting the lab (QEMU, TCG) and running the demo scenario"
# The runner prints the JSON result on stdout and, with --echo, the guest console on stderr: show only the
# transcript lines the scenario marks with "demo| ".
status=0
node dist/lab/runner.js demo --echo >"$workdir/result.json" 2>"$workdir/console.log" || status=$?
sed -n 's/\r$//; s/^demo| \{0,1\}//p' "$workdir/console.log"

node - "$workdir/result.json" <<'JS'
const { readFileSync } = require('node:fs');
const r = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const failed = r.checks.filter((c) => !c.ok);
const secs = (ms) => (ms / 1000).toFixed(1);
console.log(`== ${r.ok ? 'demo passed' : 'DEMO FAILED'}: ${r.checks.length - failed.length}/${r.checks.length} checks; VM ${secs(r.host.wallMs)} s (boot ${secs(r.host.bootMs ?? 0)} s); run directory ${r.runDir}`);
for (const c of failed) console.log(`   failed: ${c.name} ${JSON.stringify(c.detail ?? '')}`);
if (r.error) console.log(`   error: ${r.error}`);
JS
exit "$status"
