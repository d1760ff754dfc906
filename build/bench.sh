#!/usr/bin/env bash
# Benchmarks (not tests): figures for the closing notes, measured on this machine.
#   build/bench.sh startup     start-to-web-answering time, idle RSS, binary sizes
set -euo pipefail
source "$(dirname "$0")/lib.sh"
ensure_dotnet
case "${1:-startup}" in
  startup)
    [ -x "$REPO/out/linux-x64/appliance" ] || publish x64
    dotnet run -c Release --project "$REPO/tests/bench/Appliance.Bench.Startup" -- "$REPO/out/linux-x64/appliance" 20
    [ -f "$REPO/out/linux-arm64/appliance" ] && echo "arm64 binary size: $(stat -c %s "$REPO/out/linux-arm64/appliance") bytes"
    ;;
  *) die "usage: build/bench.sh [startup]" ;;
esac
