#!/usr/bin/env bash
# Browser tests of the web admin: Debian's Chromium, driven by playwright-core from node's built-in
# test runner, against a real appliance daemon on a loopback port (web-ui/tests/admin.test.mjs).
#
#   build/browser-test.sh                 tests out/linux-x64/appliance (build it first: build/publish.sh x64)
#   APPLIANCE_BIN=/path/to/appliance build/browser-test.sh
#
# Installs what is missing (chromium; nodejs and npm if there is no node), installs the locked npm
# packages with 'npm ci', and ends with one line 'browser: N passed, N failed'; exits non-zero on
# any failure, or when the run printed no totals at all (it crashed: counted as 1 failure).
# Writes out/test/browser/: tap.log, daemon.log and the status page's screenshot status.png.
set -uo pipefail
# shellcheck source-path=SCRIPTDIR
source "$(dirname "$0")/lib.sh"

out="$REPO/out/test/browser"
mkdir -p "$out"
tap="$out/tap.log"
# Stale results must not pass for this run's: a screenshot or log left over from an earlier run
# would otherwise look like proof that this one got that far.
rm -f "$tap" "$out/status.png" "$out/daemon.log"

fail_run() { echo "$*" >&2; echo "browser: 0 passed, 1 failed"; exit 1; }

# Debian's Chromium: playwright-core only drives it; no browser is ever downloaded through npm.
ensure_packages chromium
[ -x /usr/bin/chromium ] || fail_run "chromium is not at /usr/bin/chromium after installing it"
# The machines of this project come with Node.js 20 and npm; a bare Debian 12 gets its own Node.js
# 18 instead, which the pinned playwright-core (1.61.x, the last to support 18) still runs on.
# Don't add Debian's npm next to a Node.js that brought its own: the packages conflict.
command -v node >/dev/null || ensure_packages nodejs npm
command -v npm >/dev/null || ensure_packages npm
{ command -v node && command -v npm; } >/dev/null || fail_run "node and npm are needed"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || fail_run "Node.js $(node -v) is too old: the tests need 18 or later"

# Absolute, since the tests run from web-ui/: a relative path means it from where this was started.
APPLIANCE_BIN=$(realpath -m "${APPLIANCE_BIN:-$REPO/out/linux-x64/appliance}")
export APPLIANCE_BIN
[ -x "$APPLIANCE_BIN" ] || fail_run "no appliance binary at $APPLIANCE_BIN (build it: build/publish.sh x64)"

cd "$REPO/web-ui" || fail_run "no web-ui directory"
log "npm ci"
npm ci --no-audit --no-fund --loglevel=error || fail_run "npm ci failed"

log "browser tests ($(node -v), $(/usr/bin/chromium --version 2>/dev/null), $APPLIANCE_BIN)"
start=$SECONDS
# Two reporters: 'spec' for the person watching, 'tap' into a file whose '# pass N' / '# fail N'
# totals are stable to parse. The test files are named explicitly rather than as a directory,
# which node's runner reads differently from one version to the next. The outer timeout is a
# backstop only (each test has its own); it signals the whole process group, daemon included.
timeout --kill-after=10 300 node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$tap" \
  tests/*.test.mjs
rc=$?
log "browser tests took $((SECONDS - start)) s (exit code $rc)"

total() { grep -E "^# $1 [0-9]+\$" "$tap" 2>/dev/null | tail -n1 | grep -oE '[0-9]+$'; }
passed=$(total pass) failed=$(total fail) cancelled=$(total cancelled) tests=$(total tests)
if [ -z "$passed" ] || [ -z "$failed" ]; then fail_run "the test run printed no totals (see $tap)"; fi
# A cancelled test (timed out, or its file crashed) did not pass: count it as failed.
failed=$((failed + ${cancelled:-0}))
if [ "${tests:-0}" -eq 0 ]; then
  echo "no tests ran" >&2; failed=$((failed + 1))
elif [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then
  # Totals say all passed but the runner failed (a hook threw, or the timeout struck): not green.
  echo "the test runner exited with $rc although no test failed" >&2; failed=1
fi
echo "browser: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
