#!/bin/bash
# Soak: the appliance daemon on the lab kernel (vpn.datapath auto: the kernel datapath here) with
# vpn.plain_l2tp_lan = on takes SOAK cycles (LAB_SOAK_CYCLES, default 2000) of L2TP + PPP connect
# and disconnect from the load driver (tests/bench/Appliance.Bench.L2tp: every 5th ends with LCP
# Terminate, the rest with CDN + StopCCN), then nothing may be left: status --json 0 sessions and
# 0 tunnels, the whole pool handed out again at once, the daemon's fds and threads back to the
# baseline taken after 100 warm-up cycles (+4), RSS within 16 MiB of it, no kernel L2TP tunnel
# and no pppN in its namespace. The checks are tests/bench/Appliance.Bench.L2tp/soak-l2tp.sh.
#
#   cli 192.168.8.2 (eth0) ──── lan0 192.168.8.1/24  srv (the daemon; pool 10.99.0.10-59)
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"
DRIVER="${LAB_BENCH_DRIVER:-$LAB_REPO/out/bench-l2tp/Appliance.Bench.L2tp}"
DATA="$LAB_TMP/appliance-data"
PW='soak-lab-pw-3Kd9'

lab_modprobe l2tp_ppp tun
lab_require driver-present test -x "$DRIVER"
lab_require appliance-present test -x "${APPLIANCE_BIN:-/nonexistent}"
lab_ns srv cli
lab_veth srv lan0 cli eth0
lab_addr srv lan0 192.168.8.1/24
lab_addr cli eth0 192.168.8.2/24

appliance() { ip netns exec srv "$APPLIANCE_BIN" "$@" --data "$DATA"; }
mkdir -p "$DATA"
configure() {
    appliance config set lan.interface lan0
    appliance config set wan.interface wan0
    appliance config set lan.address 192.168.8.1/24
    appliance config set vpn.pool 10.99.0.10-10.99.0.59
    appliance config set vpn.plain_l2tp_lan on
    appliance config set web.listen loopback:8080
    printf '%s\n' "$PW" | appliance user add soak --password-stdin
}
lab_require appliance-config configure
lab_bg appliance-daemon srv "$APPLIANCE_BIN" run --data "$DATA"
DAEMON_PID=$LAB_BG_PID
lab_require appliance-ready lab_wait 90 grep -q 'msg=ready' "$LAB_LOGS/appliance-daemon.log"
lab_check plain-l2tp-warning grep -q 'vpn.plain_l2tp_lan is on' "$LAB_LOGS/appliance-daemon.log"
lab_capture xfrm-policies ip -n srv xfrm policy
# lab_bg's background `ip netns exec` execs the daemon: its pid is the daemon's.
SOAK_PID="$DAEMON_PID"
kernel_datapath() { grep -q 'datapath chosen" datapath=kernel' "$LAB_LOGS/appliance-daemon.log"; }
KERNEL=0; kernel_datapath && KERNEL=1

out="$LAB_LOGS/soak-checks.txt"
SOAK_DRIVER="$DRIVER" SOAK_APPLIANCE="$APPLIANCE_BIN" SOAK_DATA="$DATA" SOAK_PID="$SOAK_PID" SOAK_SRV_NS=srv SOAK_CLI_NS=cli \
    SOAK_SRV_IP=192.168.8.1 SOAK_CLI_IP=192.168.8.2 SOAK_USER=soak SOAK_PASSWORD="$PW" SOAK_POOL_SIZE=50 \
    SOAK_CYCLES="${LAB_SOAK_CYCLES:-2000}" SOAK_CONCURRENCY="${LAB_SOAK_CONCURRENCY:-16}" SOAK_KERNEL_L2TP="$KERNEL" \
    SOAK_LOG_DIR="$LAB_LOGS" bash "$LAB_REPO/tests/bench/Appliance.Bench.L2tp/soak-l2tp.sh" > "$out" 2>&1 || true
cat "$out"
while read -r verdict name reason; do
    case "$verdict" in
        PASS) lab_pass "$name" ;;
        FAIL) lab_fail "${name%:}" "$reason" ;;
    esac
done < "$out"
grep -qE '^(PASS|FAIL) soak-' "$out" || lab_fail soak-ran "no soak result (see logs/soak-checks.txt)"
kill -TERM "$DAEMON_PID" 2> /dev/null || true
lab_finish
