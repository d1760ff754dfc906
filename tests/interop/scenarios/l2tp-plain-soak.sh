#!/bin/bash
# The L2TP + PPP soak on the bare machine (no L2TP or PPP in this kernel: the daemon's userspace
# datapath, IP through its TUN device): vpn.plain_l2tp_lan = on, the load driver
# (tests/bench/Appliance.Bench.L2tp) in the initiator namespace on the responder's LAN subnet runs
# INTEROP_SOAK_CYCLES (2000) connect/disconnect cycles, then nothing may be left (0 sessions and
# tunnels, the whole pool again, fds/threads/RSS back to baseline): the checks are
# tests/bench/Appliance.Bench.L2tp/soak-l2tp.sh, the lab's soak-l2tp runs them on the kernel
# datapath. Appliance target only (charon is no LNS).
# shellcheck disable=SC2317
set -euo pipefail
SCENARIO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/interop/lib.sh
. "$SCENARIO_DIR/../lib.sh"
interop_begin l2tp-plain-soak
if [[ "$TARGET" != appliance ]]; then
    echo "l2tp-plain-soak: appliance target only (TARGET=$TARGET)"
    INTEROP_FINISHED=1
    exit 0
fi
BIN="${APPLIANCE_BIN:-$INTEROP_REPO/out/linux-x64/appliance}"
DRIVER="${L2TP_DRIVER:-$INTEROP_REPO/out/bench-l2tp/Appliance.Bench.L2tp}"
DIR="$INTEROP_OUT/appliance/l2tp-plain-soak"
DATA="$DIR/data"
PW="interop-soak-pw-$$"

driver_ready() {
    [[ -x "$DRIVER" ]] || "$INTEROP_REPO/tests/bench/Appliance.Bench.L2tp/publish.sh"
    [[ -x "$DRIVER" ]]
}
check l2tp-driver-published driver_ready
interop_topology direct

daemon_start() {
    rm -rf "$DIR"; mkdir -p "$DATA"
    local k v
    while read -r k v; do "$BIN" config set "$k" "$v" --data "$DATA"; done << EOF
lan.interface $IF_R
wan.interface wan9
lan.address $IP_R/24
vpn.pool 10.99.0.10-10.99.0.59
vpn.datapath userspace
vpn.plain_l2tp_lan on
web.listen loopback:8089
EOF
    printf '%s\n' "$PW" | "$BIN" user add soak --password-stdin --data "$DATA"
    interop__exec_no_lock ip netns exec "$NS_R" "$BIN" run --data "$DATA" > "$DIR/appliance.log" 2>&1 < /dev/null &
    APPLIANCE_PID=$!
    INTEROP_PIDS+=("$APPLIANCE_PID")
    local i
    for ((i = 0; i < 300; i++)); do
        grep -q 'msg=ready' "$DIR/appliance.log" && return 0
        sleep 0.1
    done
    tail -n 20 "$DIR/appliance.log"
    return 1
}
# Not through `check`: its subshell would lose APPLIANCE_PID.
if daemon_start > "$INTEROP_OUT/logs/l2tp-plain-daemon-start.log" 2>&1; then pass l2tp-plain-daemon-start
else fail l2tp-plain-daemon-start "no msg=ready (see logs/l2tp-plain-daemon-start.log)"; APPLIANCE_PID=""; fi
if [[ -n "${APPLIANCE_PID:-}" ]] && [[ -x "$DRIVER" ]]; then
    out="$INTEROP_OUT/logs/l2tp-plain-soak.txt"
    SOAK_DRIVER="$DRIVER" SOAK_APPLIANCE="$BIN" SOAK_DATA="$DATA" SOAK_PID="$APPLIANCE_PID" SOAK_SRV_NS="$NS_R" SOAK_CLI_NS="$NS_I" \
        SOAK_SRV_IP="$IP_R" SOAK_CLI_IP="$IP_I_DIRECT" SOAK_USER=soak SOAK_PASSWORD="$PW" SOAK_POOL_SIZE=50 \
        SOAK_CYCLES="${INTEROP_SOAK_CYCLES:-2000}" SOAK_CONCURRENCY="${INTEROP_SOAK_CONCURRENCY:-32}" SOAK_KERNEL_L2TP=0 \
        SOAK_LOG_DIR="$INTEROP_OUT/logs" bash "$INTEROP_REPO/tests/bench/Appliance.Bench.L2tp/soak-l2tp.sh" > "$out" 2>&1 || true
    cat "$out"
    while read -r verdict name reason; do
        case "$verdict" in
            PASS) pass "l2tp-plain-$name" ;;
            FAIL) fail "l2tp-plain-${name%:}" "$reason" ;;
        esac
    done < "$out"
    grep -qE '^(PASS|FAIL) soak-' "$out" || fail l2tp-plain-soak-ran "no soak result (see logs/l2tp-plain-soak.txt)"
fi
interop_cleanup
interop_end
