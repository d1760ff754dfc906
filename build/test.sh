#!/usr/bin/env bash
# Installs whatever is missing, builds, and runs every test suite of the appliance:
#   unit     xunit tests of every layer, and host tests that drive the NativeAOT binary
#   arm64    the board's binary under qemu-user: version and self-test
#   sim      the simulation in network namespaces: web admin on LAN, not on WAN; clean stop
#   interop  real peers against our IKE responder: strongSwan's charon (Main Mode, Quick Mode,
#            wrong PSK, NAT) and ike-scan with each client's proposal list per security level
#   browser  the web admin in Chromium (playwright-core): first boot, login, status, logout
#   lab      scenarios in a real Debian kernel under qemu (ESP, L2TP, PPP present): the smoke, and
#            strongSwan with kernel ESP behind a NAT dialling our responder (two clients at once),
#            Libreswan's pluto (PFS and DPD) the same way, on both of our ESP datapaths,
#            our XFRM netlink adapter installing ESP SAs and policies in that kernel, and our
#            L2TP/PPP/rtnetlink/TUN adapters building a kernel L2TPv2 + PPP link between two namespaces,
#            and the whole Linux dial-in chain (charon + xl2tpd + pppd) through to the LAN, both datapaths
# Ends with one line 'N passed, N failed' summing them all; exits non-zero on any failure.
# Run as root (namespaces, qemu's 9p export, apt-get).
set -uo pipefail
source "$(dirname "$0")/lib.sh"
[ "$(id -u)" = 0 ] || die "run as root: the tests create network namespaces and install packages"

ensure_dotnet
ensure_packages "${BUILD_PACKAGES[@]}" "${SIM_PACKAGES[@]}"
mkdir -p "$REPO/out/test"
total_passed=0 total_failed=0

# Adds a suite's counts; a suite that printed no counts at all failed to run and counts as 1 failure.
tally() {
  local suite=$1 passed=$2 failed=$3
  printf '%-22s %s passed, %s failed\n' "$suite:" "$passed" "$failed" >>"$REPO/out/test/summary.txt"
  total_passed=$((total_passed + passed)); total_failed=$((total_failed + failed))
}
: >"$REPO/out/test/summary.txt"

run_suite() {   # name, log file, command...; parses the last 'N passed, N failed' line it printed
  local name=$1 logfile=$2; shift 2
  log "suite $name"
  local start=$SECONDS
  "$@" 2>&1 | tee "$logfile"
  local line; line=$(grep -E '[0-9]+ passed, [0-9]+ failed' "$logfile" | tail -n1)
  if [ -z "$line" ]; then
    echo "$name: no result (see $logfile)"; tally "$name" 0 1
  else
    local p f; p=$(grep -oE '[0-9]+ passed' <<<"$line" | grep -oE '[0-9]+'); f=$(grep -oE '[0-9]+ failed' <<<"$line" | grep -oE '[0-9]+')
    tally "$name" "$p" "$f"
  fi
  log "suite $name took $((SECONDS - start)) s"
}

# --- build both targets first: the host tests, the sim and the lab use the x64 binary ---
build_ok=1
publish x64 || build_ok=0
publish arm64 || build_ok=0
[ $build_ok = 1 ] || tally build 0 1

unit_tests() {
  local out="$REPO/out/test/dotnet-test.log" p=0 f=0 line
  dotnet test "$REPO/Appliance.sln" -c Release --nologo 2>&1 | tee "$out"
  # One 'Passed!/Failed!  - Failed: N, Passed: N, ...' line per test assembly.
  while read -r line; do
    f=$((f + $(sed -E 's/.*Failed: *([0-9]+),.*/\1/' <<<"$line")))
    p=$((p + $(sed -E 's/.*Passed: *([0-9]+),.*/\1/' <<<"$line")))
  done < <(grep -E '^(Passed|Failed)! +- Failed: +[0-9]+, Passed: +[0-9]+' "$out")
  # Every test project must report; a missing report means it did not build or run.
  local assemblies expected; assemblies=$(grep -cE '^(Passed|Failed)! +- Failed:' "$out")
  expected=$(find "$REPO/tests" -name '*.Tests.csproj' | wc -l)
  if [ "$assemblies" -lt "$expected" ]; then echo "only $assemblies of $expected test assemblies reported (build failure?)"; f=$((f + 1)); fi
  echo "unit: $p passed, $f failed"
}
run_suite unit "$REPO/out/test/unit.log" unit_tests
run_suite arm64 "$REPO/out/test/arm64.log" "$REPO/build/smoke-arm64.sh"
run_suite sim "$REPO/out/test/sim.log" env SKIP_PUBLISH=1 "$REPO/build/run-sim.sh" --check
run_suite interop "$REPO/out/test/interop.log" env APPLIANCE_BIN="$REPO/out/linux-x64/appliance" "$REPO/tests/interop/run.sh" --target appliance
run_suite browser "$REPO/out/test/browser.log" env APPLIANCE_BIN="$REPO/out/linux-x64/appliance" "$REPO/build/browser-test.sh"
# The xfrm and l2tp-kernel scenarios drive our netlink, PPP and TUN adapters through small
# NativeAOT driver programs, published here first.
publish_lab_driver() {   # driver project name (tests/lab/drivers/NAME), log name
  dotnet publish "$REPO/tests/lab/drivers/$1" -c Release -r linux-x64 -p:PublishAot=true \
    --nologo -v quiet >"$REPO/out/test/$2-publish.log" 2>&1 || { cat "$REPO/out/test/$2-publish.log"; return 1; }
}
publish_lab_driver Appliance.Lab.XfrmDriver xfrm-driver || tally xfrm-driver 0 1
publish_lab_driver Appliance.Lab.L2tpDriver l2tp-driver || tally l2tp-driver 0 1
for scenario in smoke ipsec-strongswan ipsec-strongswan-kernel ipsec-libreswan ipsec-libreswan-kernel xfrm l2tp-kernel \
    l2tp-ppp l2tp-ppp-kernel; do
  # Scenarios with clients run dozens of checks, each a few process starts under TCG: 3-5
  # minutes on a busy host, so they get 10 minutes; the L2TP/PPP ones dial three clients and
  # push 50 MiB through the tunnel and wait for a vanished client to be cleared (20); the smoke stays at 5.
  case $scenario in smoke) limit=300 ;; l2tp-ppp*) limit=1200 ;; *) limit=600 ;; esac
  run_suite "lab-$scenario" "$REPO/out/test/lab-$scenario.log" env APPLIANCE_BIN="$REPO/out/linux-x64/appliance" "$REPO/tests/lab/run-scenario.sh" --timeout "$limit" "$scenario"
done
run_suite lab-soak-l2tp "$REPO/out/test/lab-soak-l2tp.log" env APPLIANCE_BIN="$REPO/out/linux-x64/appliance" "$REPO/tests/bench/Appliance.Bench.L2tp/publish.sh" "$REPO/tests/lab/run-scenario.sh" --timeout 2400 soak-l2tp

echo
cat "$REPO/out/test/summary.txt"
echo "$total_passed passed, $total_failed failed"
[ "$total_failed" = 0 ]
