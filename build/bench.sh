#!/usr/bin/env bash
# Benchmarks (not tests): figures for the closing notes, measured on this machine.
#   build/bench.sh startup     start-to-web-answering time, idle RSS, binary sizes
#   build/bench.sh ike         IKEv1 Main Mode + Quick Mode exchanges per second and memory per
#                              IKE SA, our daemon against strongSwan's charon (as root; about 4 min;
#                              tests/bench/Appliance.Bench.Ike/README.md)
#   build/bench.sh l2tp        L2TP + PPP sessions/s, memory per session and iperf3 of one session,
#                              our daemon against xl2tpd + pppd, in the kernel lab (as root; TCG:
#                              about 20 min; tests/bench/Appliance.Bench.L2tp/README.md)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_dotnet
case "${1:-startup}" in
  startup)
    [ -x "$REPO/out/linux-x64/appliance" ] || publish x64
    dotnet run -c Release --project "$REPO/tests/bench/Appliance.Bench.Startup" -- "$REPO/out/linux-x64/appliance" 20
    [ -f "$REPO/out/linux-arm64/appliance" ] && echo "arm64 binary size: $(stat -c %s "$REPO/out/linux-arm64/appliance") bytes"
    ;;
  ike)
    ensure_packages strongswan-charon strongswan-swanctl libcharon-extra-plugins iproute2 util-linux
    [ -x "$REPO/out/linux-x64/appliance" ] || publish x64
    # The load driver is NativeAOT too: no JIT competing with it for its CPU.
    log "publishing the IKE load driver"
    dotnet publish "$REPO/tests/bench/Appliance.Bench.Ike" -c Release -r linux-x64 -o "$REPO/out/bench-ike" \
      --nologo -v quiet >"$REPO/out/publish-bench-ike.log" 2>&1 || { cat "$REPO/out/publish-bench-ike.log" >&2; die "publishing the IKE load driver failed"; }
    "$REPO/out/bench-ike/Appliance.Bench.Ike" --self-check || die "the load driver's self-check failed"
    as_root "$REPO/tests/bench/Appliance.Bench.Ike/bench-ike.sh" "$REPO/out/linux-x64/appliance" "$REPO/out/bench-ike/Appliance.Bench.Ike"
    ;;
  l2tp)
    [ -x "$REPO/out/linux-x64/appliance" ] || publish x64
    log "publishing the L2TP load driver; the lab scenario bench-l2tp"
    as_root env APPLIANCE_BIN="$REPO/out/linux-x64/appliance" "$REPO/tests/bench/Appliance.Bench.L2tp/publish.sh" \
      "$REPO/tests/lab/run-scenario.sh" --timeout "${LAB_TIMEOUT:-3600}" bench-l2tp
    ;;
  *) die "usage: build/bench.sh [startup|ike|l2tp]" ;;
esac
