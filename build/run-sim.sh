#!/usr/bin/env bash
# Runs the appliance in simulation on this machine: installs what is missing, builds, and starts
# the daemon inside network namespaces that stand for the box and its two networks:
#
#   apl-wan (internet side, 203.0.113.1) --wan0-- apl-box --br-lan-- apl-lan (a LAN host, .8.10)
#                                                             \------ this machine (192.168.8.2)
#
# The box runs the userspace datapath (this kernel has no esp4/l2tp/ppp). The web admin is
# reachable from this machine at the LAN address printed below, never from the WAN side.
#
#   build/run-sim.sh            run until Ctrl-C, then remove the namespaces
#   build/run-sim.sh --check    start, check reachability from the LAN and WAN sides, stop;
#                               prints 'sim: N passed, N failed' (used by build/test.sh)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
mode=${1:-run}
[ "$(id -u)" = 0 ] || die "the simulation creates network namespaces: run it as root"

ensure_dotnet
ensure_packages "${BUILD_PACKAGES[@]}" "${SIM_PACKAGES[@]}"
mkdir -p "$REPO/out"
[ "${SKIP_PUBLISH:-}" = 1 ] && [ -x "$REPO/out/linux-x64/appliance" ] || publish x64
bin="$REPO/out/linux-x64/appliance"

data="$REPO/.sim/data"
lan_box=192.168.8.1 lan_host=192.168.8.2 lan_peer=192.168.8.10 wan_box=203.0.113.2 wan_peer=203.0.113.1

teardown() {
  [ -n "${daemon_pid:-}" ] && kill -TERM "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null || true
  for ns in apl-box apl-wan apl-lan; do ip netns del "$ns" 2>/dev/null || true; done
  ip link del apl-lan0 2>/dev/null || true
}
trap teardown EXIT
teardown

log "creating namespaces apl-box, apl-wan, apl-lan"
for ns in apl-box apl-wan apl-lan; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip link add wan0 netns apl-box type veth peer name eth0 netns apl-wan
ip -n apl-box link add br-lan type bridge
ip link add lan0 netns apl-box type veth peer name eth0 netns apl-lan
ip link add apl-lan0 type veth peer name lan1 netns apl-box
for l in lan0 lan1; do ip -n apl-box link set "$l" master br-lan up; done
ip -n apl-box link set br-lan up
ip -n apl-box addr add "$lan_box/24" dev br-lan
ip -n apl-box addr add "$wan_box/24" dev wan0 && ip -n apl-box link set wan0 up
ip -n apl-wan addr add "$wan_peer/24" dev eth0 && ip -n apl-wan link set eth0 up
ip -n apl-lan addr add "$lan_peer/24" dev eth0 && ip -n apl-lan link set eth0 up
ip addr add "$lan_host/24" dev apl-lan0 && ip link set apl-lan0 up

mkdir -p "$data"
if [ ! -f "$data/appliance.db" ]; then
  "$bin" config set wan.interface wan0 --data "$data" >/dev/null
  "$bin" config set lan.interface br-lan --data "$data" >/dev/null
fi

log "starting the appliance in apl-box (data: $data)"
if [ "$mode" = --check ]; then
  ip netns exec apl-box "$bin" run --data "$data" >"$REPO/out/sim-daemon.log" 2>&1 &
else
  ip netns exec apl-box "$bin" run --data "$data" &
fi
daemon_pid=$!

for _ in $(seq 100); do
  curl -fsS -o /dev/null --max-time 1 "http://$lan_box/api/health" 2>/dev/null && break
  kill -0 "$daemon_pid" 2>/dev/null || die "the daemon exited; see its log above"
  sleep 0.1
done

if [ "$mode" = --check ]; then
  passed=0 failed=0
  check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then echo "PASS $name"; passed=$((passed+1)); else echo "FAIL $name"; failed=$((failed+1)); fi; }
  check "web admin answers this machine on the LAN" curl -fsS --max-time 2 "http://$lan_box/api/health"
  check "web admin answers a LAN host" ip netns exec apl-lan curl -fsS --max-time 2 "http://$lan_box/"
  check "web admin page is served" sh -c "curl -fsS --max-time 2 http://$lan_box/ | grep -q 'VPN box'"
  check "web admin refuses the WAN side" sh -c "! ip netns exec apl-wan curl -sS --max-time 2 http://$wan_box/api/health"
  check "status verb reaches the daemon" sh -c "ip netns exec apl-box '$bin' status --data '$data' | grep -q 'datapath      userspace'"
  # Wait here, in the daemon's parent: a child shell cannot wait for it and would race its last line.
  kill -TERM "$daemon_pid"; stop_rc=0; wait "$daemon_pid" || stop_rc=$?
  daemon_pid=
  check "daemon stops cleanly on SIGTERM" sh -c "[ $stop_rc = 0 ] && grep -q 'msg=stopped' '$REPO/out/sim-daemon.log'"
  check "control socket removed at stop" test ! -e "$data/control.sock"
  rm -rf "$REPO/.sim"
  echo "sim: $passed passed, $failed failed"
  [ "$failed" = 0 ]
  exit
fi

cat <<MSG

  The appliance is running (userspace datapath, namespaces apl-box / apl-wan / apl-lan).
  Web admin:  http://$lan_box/   (from this machine; first visit sets the admin password)
  Status:     ip netns exec apl-box $bin status --data $data
  Ctrl-C stops it and removes the namespaces.

MSG
wait "$daemon_pid"
