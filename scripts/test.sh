#!/usr/bin/env bash
# Sets everything up and runs the whole test suite: pure (codecs, policy), host (the emulated modem on a
# pty with libqmi as the independent peer, netlink in network namespaces), and lab (Debian's kernel in
# QEMU with the real qmi_wwan/cdc_wdm/rmnet drivers and the emulated modem on USB/IP).
set -euo pipefail
cd "$(dirname "$0")/.."
export RMNETCTL_LAB=1   # the lab tests fail (not skip) when QEMU or the kernel cannot be had
# One line per lab scenario run (scenario, kernel, pass, boot and scenario times): the table of docs/lab.md.
export RMNETCTL_LAB_RESULTS="$PWD/.lab-results.jsonl"
rm -f "$RMNETCTL_LAB_RESULTS"
bash scripts/setup.sh
npx tsc -p tsconfig.test.json   # the tests and benchmarks type-check too (vitest only strips types)
status=0
npx vitest run --reporter=default --reporter=json --outputFile=.vitest-results.json || status=$?
# The lab's scenario x kernel table (docs/lab.md), then one closing line any CI reads: "tests: N passed, N failed, N skipped".
if [ -s "$RMNETCTL_LAB_RESULTS" ]; then node scripts/lab-table.mjs "$RMNETCTL_LAB_RESULTS" || true; fi
node -e '
  const r = JSON.parse(require("node:fs").readFileSync(".vitest-results.json", "utf8"));
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed, ${r.numPendingTests + r.numTodoTests} skipped`);
' || true
exit "$status"
