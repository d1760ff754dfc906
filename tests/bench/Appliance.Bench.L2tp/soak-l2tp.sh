#!/bin/bash
# The L2TP/PPP soak against a running appliance daemon (plain L2TP on the LAN side): thousands of
# connect/disconnect cycles with the load driver, then proof that nothing leaked. Shared by the
# lab scenario (tests/lab/scenarios/soak-l2tp.sh, kernel datapath) and the bare-machine interop
# scenario (tests/interop/scenarios/l2tp-plain-soak.sh, userspace datapath). Prints one line per
# check, "PASS name" or "FAIL name: reason", and exits 1 when any failed.
#
#   soak-l2tp.sh with these in the environment:
#     SOAK_DRIVER      the driver binary          SOAK_APPLIANCE  the appliance binary
#     SOAK_DATA        the daemon's --data        SOAK_PID        the daemon's pid
#     SOAK_SRV_NS      the daemon's namespace     SOAK_CLI_NS     the driver's namespace
#     SOAK_SRV_IP      the daemon's LAN address   SOAK_CLI_IP     the driver's address
#     SOAK_USER/SOAK_PASSWORD                     SOAK_POOL_SIZE  addresses in vpn.pool
#     SOAK_CYCLES (2000) SOAK_CONCURRENCY (8) SOAK_LCP_EVERY (5) SOAK_RSS_BOUND_KIB (16384)
#     SOAK_KERNEL_L2TP (1: also check `ip l2tp show tunnel` and pppN in the daemon's namespace)
#     SOAK_LOG_DIR     where the driver's output goes
set -uo pipefail
: "${SOAK_DRIVER:?}" "${SOAK_APPLIANCE:?}" "${SOAK_DATA:?}" "${SOAK_PID:?}" "${SOAK_SRV_NS:?}" "${SOAK_CLI_NS:?}"
: "${SOAK_SRV_IP:?}" "${SOAK_CLI_IP:?}" "${SOAK_USER:?}" "${SOAK_PASSWORD:?}" "${SOAK_POOL_SIZE:?}" "${SOAK_LOG_DIR:?}"
CYCLES="${SOAK_CYCLES:-2000}"
CONC="${SOAK_CONCURRENCY:-8}"
LCP_EVERY="${SOAK_LCP_EVERY:-5}"
RSS_BOUND="${SOAK_RSS_BOUND_KIB:-16384}"
failed=0
pass() { echo "PASS $1"; }
fail() { echo "FAIL $1: $2"; failed=1; }

driver() { ip netns exec "$SOAK_CLI_NS" "$SOAK_DRIVER" --server "$SOAK_SRV_IP" --local "$SOAK_CLI_IP" \
    --user "$SOAK_USER" --password "$SOAK_PASSWORD" --timeout 60 "$@"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2" | tail -n 1; }
fds() { ls "/proc/$SOAK_PID/fd" 2> /dev/null | wc -l; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$SOAK_PID/status" 2> /dev/null; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$SOAK_PID/status" 2> /dev/null; }
status_counts() {
    ip netns exec "$SOAK_SRV_NS" "$SOAK_APPLIANCE" status --json --data "$SOAK_DATA" | /usr/bin/python3 -c '
import json, sys
v = json.load(sys.stdin)["vpn"]
print(len(v.get("sessions", [])), v.get("l2tpTunnels", -1))'
}
# Up to 20 s for the daemon to finish what the last cycles left (StopCCN retransmissions).
settled() {
    local i s="?" t="?"
    for ((i = 0; i < 40; i++)); do
        read -r s t <<< "$(status_counts)"
        [[ "$s" == 0 && "$t" == 0 ]] && { echo "$s $t"; return 0; }
        sleep 0.5
    done
    echo "$s $t"
    return 1
}

# Warm-up: the first sessions grow the daemon's heap and thread pool to their working size;
# the baseline is taken after them.
out="$(driver --soak 100 --concurrency "$CONC" --lcp-every "$LCP_EVERY" --label warm-up 2>&1)"
echo "$out" > "$SOAK_LOG_DIR/soak-warm-up.txt"
settled > /dev/null
sleep 2
fd0="$(fds)"; th0="$(threads)"; rss0="$(rss)"
echo "baseline after 100 warm-up cycles: $fd0 fds, $th0 threads, RSS $rss0 kB"

start=$SECONDS
out="$(driver --soak "$CYCLES" --concurrency "$CONC" --lcp-every "$LCP_EVERY" --label soak 2>&1)"
echo "$out" > "$SOAK_LOG_DIR/soak-driver.txt"
line="$(grep '^RESULT ' <<< "$out" | tail -n 1)"
grep "unclean teardown" <<< "$out" | head -n 20
echo "$(grep -v '^RESULT' <<< "$out" | grep -v "unclean teardown" | tail -n 3)"
echo "$line"
up="$(field up "$line")"; clean="$(field clean "$line")"
if [[ "$up" == "$CYCLES" && "$clean" == "$CYCLES" ]]; then
    pass "soak-$CYCLES-cycles-up-and-down-clean"
else
    fail "soak-$CYCLES-cycles-up-and-down-clean" "${up:-?} of $CYCLES up, ${clean:-?} clean teardowns in $((SECONDS - start)) s"
fi

if counts="$(settled)"; then pass "status-0-sessions-0-tunnels"; else fail "status-0-sessions-0-tunnels" "sessions/tunnels left: $counts"; fi

# Every pool address can be handed out again: the whole pool held at once, all distinct.
out="$(driver --hold --sessions "$SOAK_POOL_SIZE" --concurrency "$CONC" --hold-seconds 1 --label pool 2>&1)"
echo "$out" > "$SOAK_LOG_DIR/soak-pool.txt"
line="$(grep '^RESULT ' <<< "$out" | tail -n 1)"
if [[ "$(field up "$line")" == "$SOAK_POOL_SIZE" && "$(field addresses "$line")" == "$SOAK_POOL_SIZE" ]]; then
    pass "whole-pool-handed-out-again"
else
    fail "whole-pool-handed-out-again" "$(field up "$line") up, $(field addresses "$line") distinct addresses of $SOAK_POOL_SIZE"
fi
settled > /dev/null || true
sleep 2

fd1="$(fds)"; th1="$(threads)"; rss1="$(rss)"
echo "after: $fd1 fds, $th1 threads, RSS $rss1 kB"
echo "fds=$fd0->$fd1 threads=$th0->$th1 rss_kib=$rss0->$rss1" > "$SOAK_LOG_DIR/soak-resources.txt"
if ((fd1 <= fd0 + 4)); then pass "fds-back-to-baseline"; else fail "fds-back-to-baseline" "$fd0 -> $fd1"; fi
# Idle thread-pool workers retire after about 20 s without work: give them 40.
for ((i = 0; i < 80 && $(threads) > th0 + 4; i++)); do sleep 0.5; done
th1="$(threads)"
if ((th1 <= th0 + 4)); then pass "threads-back-to-baseline"; else fail "threads-back-to-baseline" "$th0 -> $th1 (40 s after the soak)"; fi
if ((rss1 <= rss0 + RSS_BOUND)); then pass "rss-growth-within-${RSS_BOUND}kB"; else fail "rss-growth-within-${RSS_BOUND}kB" "$rss0 -> $rss1 kB"; fi

if [[ "${SOAK_KERNEL_L2TP:-0}" == 1 ]]; then
    t="$(ip netns exec "$SOAK_SRV_NS" ip l2tp show tunnel 2>&1)"
    if [[ -z "$t" ]]; then pass "no-kernel-l2tp-tunnel-left"; else fail "no-kernel-l2tp-tunnel-left" "$(head -n 2 <<< "$t")"; fi
    p="$(ip -n "$SOAK_SRV_NS" -o link show | awk -F': ' '$2 ~ /^ppp/ {print $2}')"
    if [[ -z "$p" ]]; then pass "no-pppN-left"; else fail "no-pppN-left" "$(tr '\n' ' ' <<< "$p")"; fi
fi
if kill -0 "$SOAK_PID" 2> /dev/null; then pass "daemon-alive"; else fail "daemon-alive" "the daemon is gone"; fi
exit "$failed"
