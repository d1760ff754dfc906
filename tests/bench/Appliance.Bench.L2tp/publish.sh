#!/bin/bash
# Publishes the L2TP load driver (NativeAOT) to out/bench-l2tp and runs its offline self-check;
# then runs the command given, if any (build/test.sh: the lab soak scenario; build/bench.sh l2tp).
set -euo pipefail
REPO="$(cd "$(dirname "$0")/../../.." && pwd)"
mkdir -p "$REPO/out"
dotnet publish "$REPO/tests/bench/Appliance.Bench.L2tp" -c Release -r linux-x64 -o "$REPO/out/bench-l2tp" \
    --nologo -v quiet > "$REPO/out/publish-bench-l2tp.log" 2>&1 \
    || { cat "$REPO/out/publish-bench-l2tp.log" >&2; echo "publishing the L2TP load driver failed" >&2; exit 1; }
"$REPO/out/bench-l2tp/Appliance.Bench.L2tp" --self-check > "$REPO/out/bench-l2tp-self-check.log" 2>&1 \
    || { cat "$REPO/out/bench-l2tp-self-check.log" >&2; echo "the L2TP load driver's self-check failed" >&2; exit 1; }
if (($#)); then exec "$@"; fi
