#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# Benchmark (not part of build/test.sh): L2TP + PPP servers side by side on the lab's Debian
# kernel, plain L2TP on the LAN side (our daemon with vpn.plain_l2tp_lan = on):
#
#   cli 192.168.8.2 (eth0) ──── lan0 192.168.8.1/24  srv   dum0 10.200.0.1 (iperf3 -s)
#   load driver, xl2tpd+pppd LAC                      the LNS under test; pool 10.99.0.10-250
#
# Targets, one after the other in the same namespaces:
#   ours        the appliance daemon, vpn.datapath auto (the kernel ESP datapath on this kernel)
#   ours-user   the same with vpn.datapath = userspace (iperf3 only)
#   xl2tpd      xl2tpd 1.3 + pppd 2.4.9 as LNS ([lns default], require-mschap-v2, ms-dns)
# Measured for each: sessions brought up per second (tests/bench/Appliance.Bench.L2tp --rate, the
# same N and concurrency), memory per session (sum of Pss from /proc/PID/smaps_rollup over the
# server's processes -- our daemon; xl2tpd and every pppd -- with N sessions held, minus the same
# sum idle, divided by N), iperf3 throughput of one session (a real client: xl2tpd + pppd as LAC,
# iperf3 -n 56M through its pppN to 10.200.0.1).
# Results: bench-l2tp.txt (table with ratios) and bench-l2tp.results (RESULT lines) in the
# results directory. Settings: LAB_BENCH_SESSIONS (50, rate), LAB_BENCH_HOLD (100, memory), LAB_BENCH_CONCURRENCY (4),
# LAB_BENCH_IPERF (56M), LAB_BENCH_DRIVER (out/bench-l2tp/Appliance.Bench.L2tp),
# LAB_BENCH_TARGETS ("ours ours-user xl2tpd"), LAB_BENCH_PARTS ("memory rate"; iperf3 always runs),
# LAB_BENCH_IPERF_ROUNDS (3: rounds of three iperf3 runs, ours and xl2tpd taking turns),
# LAB_BENCH_ABLATE (set: in rounds 2 and later, ours also without its nft tables, and without its
# XFRM policies, to see what each costs; a diagnosis only).
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"
N="${LAB_BENCH_SESSIONS:-50}"
HOLD_N="${LAB_BENCH_HOLD:-100}"
C="${LAB_BENCH_CONCURRENCY:-4}"
IPERF_SIZE="${LAB_BENCH_IPERF:-56M}"
DRIVER="${LAB_BENCH_DRIVER:-$LAB_REPO/out/bench-l2tp/Appliance.Bench.L2tp}"
SRV_IP=192.168.8.1
CLI_IP=192.168.8.2
TARGET_IP=10.200.0.1
POOL_FIRST=10.99.0.10
POOL_LAST=10.99.0.250
USER_NAME=bench
USER_PW='bench-lab-pw-7Qx2'
DATA="$LAB_TMP/appliance-data"
TABLE="$LAB_RESULTS/bench-l2tp.txt"
RESULTS="$LAB_RESULTS/bench-l2tp.results"
PYTHON=/usr/bin/python3
: > "$RESULTS"

# ---------------------------------------------------------------------------------------
# Helpers
# ---------------------------------------------------------------------------------------

appliance() { ip netns exec srv "$APPLIANCE_BIN" "$@" --data "$DATA"; }

# srv_pids COMM...: the processes in srv whose command name is one of COMM.
srv_pids() {
    local p c w
    for p in $(ip netns pids srv); do
        c="$(cat "/proc/$p/comm" 2> /dev/null || true)"
        for w in "$@"; do [[ "$c" == "$w" ]] && echo "$p"; done
    done
    return 0
}

# sum_kib FIELD FILE PID...: FIELD (kB) of /proc/PID/FILE summed over the processes.
sum_kib() {
    local field="$1" file="$2" total=0 p v
    shift 2
    for p in "$@"; do
        v="$(awk -v f="$field:" '$1 == f {s += $2} END {print s + 0}' "/proc/$p/$file" 2> /dev/null || true)"
        total=$((total + ${v:-0}))
    done
    echo "$total"
}
# Pss: each process's private memory plus its share of what it maps together with others
# (libraries, pppd's text).
pss_kib() { sum_kib Pss smaps_rollup "$@"; }
# Private_Dirty: memory each process wrote and shares with no one (heap, stacks, data), what a
# session really costs. Unlike Pss it does not move when another process (the load driver) maps
# the same libraries, and unlike Private_Clean not when the kernel drops clean file pages of a
# binary (the daemon's start-up code) it can read again.
private_kib() { sum_kib Private_Dirty smaps_rollup "$@"; }
rss_kib() { sum_kib VmRSS status "$@"; }

# result KEY VALUE: one line of the machine-readable results.
result() { echo "$1=$2" >> "$RESULTS"; }
get() { local v; v="$(sed -n "s/^$1=//p" "$RESULTS" | tail -n 1)"; echo "${v:--}"; }
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<< "$2" | tail -n 1; }

# rate LABEL: the driver's rate mode against the server on SRV_IP.
rate() {
    local label="$1" out line
    out="$(ip netns exec cli "$DRIVER" --server "$SRV_IP" --local "$CLI_IP" --user "$USER_NAME" --password "$USER_PW" \
        --rate --sessions "$N" --concurrency "$C" --timeout 120 --label "$label" 2>&1)" || true
    echo "$out"
    line="$(grep '^RESULT ' <<< "$out" | tail -n 1)"
    [[ -n "$line" ]] || { echo "no RESULT line"; return 1; }
    echo "$line" >> "$LAB_LOGS/driver-results.txt"
    result "$label.rate" "$(field rate "$line")"
    result "$label.p50_ms" "$(field p50_ms "$line")"
    result "$label.up" "$(field up "$line")"
    [[ "$(field up "$line")" == "$N" ]] || { echo "only $(field up "$line") of $N sessions up"; return 1; }
}

# memory LABEL COMM...: Pss (and RSS) of the server's processes idle (freshly started: no
# session has been up yet), then with HOLD_N sessions held by the driver's hold mode; per session
# = the difference / HOLD_N. Whatever the first sessions make a server grow (heap, pools) is
# charged to them.
memory() {
    local label="$1"; shift
    local before after rss_before rss_after ready="$LAB_TMP/hold-ready-$label" stop="$LAB_TMP/hold-stop-$label" pids
    rm -f "$ready" "$stop"
    # Idle means idle: no pppd of the rate run still exiting.
    lab_wait 60 no_srv_process pppd || echo "pppd processes still in srv: $(srv_pids pppd | wc -l)"
    sleep 2
    # shellcheck disable=SC2046
    before="$(pss_kib $(srv_pids "$@"))"; rss_before="$(rss_kib $(srv_pids "$@"))"; local priv_before priv_after
    # shellcheck disable=SC2046
    priv_before="$(private_kib $(srv_pids "$@"))"
    lab_bg "driver-hold-$label" cli "$DRIVER" --server "$SRV_IP" --local "$CLI_IP" --user "$USER_NAME" --password "$USER_PW" \
        --hold --sessions "$HOLD_N" --concurrency "$C" --timeout 120 --ready-file "$ready" --stop-file "$stop" --hold-seconds 600 --label "$label"
    local hold_pid=$LAB_BG_PID
    lab_wait 600 test -s "$ready" || { echo "the hold driver did not get its sessions up"; touch "$stop"; return 1; }
    echo "sessions held: $(cat "$ready")"
    sleep 5      # let the server finish what a session's start leaves behind (pppd's ip-up, logs)
    pids="$(srv_pids "$@" | tr '\n' ' ')"
    # shellcheck disable=SC2086
    after="$(pss_kib $pids)"; rss_after="$(rss_kib $pids)"; priv_after="$(private_kib $pids)"
    # Divided by the sessions the server holds at that moment (its own count), not by those asked for.
    local live
    if [[ "$label" == xl2tpd ]]; then live="$(srv_pids pppd | wc -l)"
    else live="$(appliance status --json | "$PYTHON" -c 'import json,sys; print(len(json.load(sys.stdin)["vpn"]["sessions"]))')"; fi
    echo "processes counted: $(wc -w <<< "$pids") ($*); sessions held by the server: $live; private $priv_before -> $priv_after kB; Pss $before -> $after kB; RSS $rss_before -> $rss_after kB"
    touch "$stop"
    wait "$hold_pid" || true
    result "$label.pss_idle_kib" "$before"
    result "$label.pss_held_kib" "$after"
    result "$label.processes" "$(wc -w <<< "$pids")"
    result "$label.held" "$live"
    result "$label.pss_per_session_kib" "$(awk -v a="$after" -v b="$before" -v n="$live" 'BEGIN { printf "%.1f", (n > 0 ? (a - b) / n : 0) }')"
    result "$label.private_per_session_kib" "$(awk -v a="$priv_after" -v b="$priv_before" -v n="$live" 'BEGIN { printf "%.1f", (n > 0 ? (a - b) / n : 0) }')"
    result "$label.rss_per_session_kib" "$(awk -v a="$rss_after" -v b="$rss_before" -v n="$live" 'BEGIN { printf "%.1f", (n > 0 ? (a - b) / n : 0) }')"
    # The figure is per session the server really held; a few that did not come up (xl2tpd
    # under TCG drops one now and then) do not spoil it, a tenth would.
    [[ "$(cat "$ready")" -ge $((HOLD_N * 9 / 10)) && "$live" -ge $((HOLD_N * 9 / 10)) ]]
}

# --- the real client: xl2tpd + pppd as LAC in cli ----------------------------------------

LAC="$LAB_TMP/lac"
lac_setup() {
    mkdir -p "$LAC"
    : > "$LAC/l2tp-secrets"; chmod 600 "$LAC/l2tp-secrets"
    cat > "$LAC/xl2tpd.conf" << EOF
[global]
port = 1701
access control = no
auth file = $LAC/l2tp-secrets

[lac bench]
lns = $SRV_IP
pppoptfile = $LAC/options.pppd
length bit = yes
require authentication = no
refuse pap = yes
name = $USER_NAME
redial = no
autodial = no
EOF
    cat > "$LAC/options.pppd" << EOF
name $USER_NAME
password "$USER_PW"
noauth
refuse-pap
refuse-eap
refuse-chap
refuse-mschap
mtu 1400
mru 1400
noccp
nodefaultroute
noipdefault
ipcp-accept-local
ipcp-accept-remote
lcp-echo-interval 30
lcp-echo-failure 4
logfile $LAB_LOGS/pppd-lac.log
ip-up-script $LAC/ip-up
EOF
    # Our daemon's end of PPP is its LAN address, which is also where this client sends L2TP:
    # the peer route pppd's address brings (192.168.8.1/32 via pppN) would pull the tunnel into
    # itself. The client drops it; the LAN subnet route on eth0 carries L2TP again.
    cat > "$LAC/ip-up" << EOF
#!/bin/sh
ip route del "\$5" dev "\$1" 2> /dev/null || true
EOF
    chmod 755 "$LAC/ip-up"
}
cli_ppp_if() { ip -n cli -o -4 addr show | awk '$2 ~ /^ppp/ {print $2; exit}'; }
cli_has_ppp() { [[ -n "$(cli_ppp_if)" ]]; }
# lac_stop: the LAC's xl2tpd (and its pppd) in cli, whatever state an earlier attempt left.
lac_stop() {
    local p c
    for p in $(ip netns pids cli); do
        c="$(cat "/proc/$p/comm" 2> /dev/null || true)"
        if [[ "$c" == xl2tpd || "$c" == pppd ]]; then kill -TERM "$p" 2> /dev/null || true; fi
    done
    for _ in $(seq 1 50); do
        [[ -z "$(for p in $(ip netns pids cli); do grep -xE 'xl2tpd|pppd' "/proc/$p/comm" 2> /dev/null; done)" ]] && break
        sleep 0.2
    done
    rm -f "$LAC/xl2tpd.pid" "$LAC/control"
}

# cpu_ticks PID...: user + system clock ticks the processes have used so far.
cpu_ticks() {
    local total=0 p v
    for p in "$@"; do
        v="$(awk '{print $14 + $15}' "/proc/$p/stat" 2> /dev/null || true)"
        total=$((total + ${v:-0}))
    done
    echo "$total"
}
# thread_ticks PID...: one line per thread, "PID/TID NAME TICKS" (user + system).
thread_ticks() {
    local p t
    for p in "$@"; do
        for t in /proc/"$p"/task/*; do
            awk -v id="$p/${t##*/}" -v name="$(tr ' ' _ < "$t/comm" 2> /dev/null)" '{print id, name, $14 + $15}' "$t/stat" 2> /dev/null || true
        done
    done
}

# iperf LABEL [SERVER_COMM...]: dial with the LAC, route 10.200.0.0/24 through its pppN,
# iperf3 -n IPERF_SIZE; the CPU the server's processes used during the runs is reported beside.
iperf() {
    local label="$1"; shift
    local ifname json="$LAB_LOGS/iperf3-$label.json" rc=0 mbit
    lac_stop
    lab_bg "xl2tpd-lac-$label" cli xl2tpd -D -c "$LAC/xl2tpd.conf" -p "$LAC/xl2tpd.pid" -C "$LAC/control"
    lab_wait 20 test -p "$LAC/control" || { echo "LAC xl2tpd not ready"; lac_stop; return 1; }
    timeout 10 sh -c "echo 'c bench' > '$LAC/control'"
    lab_wait 90 cli_has_ppp || { echo "no pppN with an address in cli"; tail -n 30 "$LAB_LOGS/pppd-lac.log" || true; lac_stop; return 1; }
    ifname="$(cli_ppp_if)"
    echo "client interface $ifname: $(ip -n cli -o -4 addr show dev "$ifname")"
    ip -n cli route replace 10.200.0.0/24 dev "$ifname"
    # Three runs through the same session, the best one counts: under TCG on a shared host a
    # single run swings with the host's load by more than the difference being measured.
    local run one all="" ticks0 ticks1 wall0 wall1
    mbit=nan
    # shellcheck disable=SC2046
    ticks0="$(cpu_ticks $(srv_pids "$@"))"; wall0="$(date +%s.%N)"
    # shellcheck disable=SC2046
    thread_ticks $(srv_pids "$@") > "$LAB_TMP/threads0"
    for run in 1 2 3; do
        timeout 600 ip netns exec cli iperf3 -c "$TARGET_IP" -n "$IPERF_SIZE" -J --connect-timeout 10000 > "$json.$run" 2>&1 || rc=$?
        one="$("$PYTHON" - "$json.$run" << 'EOF'
import json, sys
try:
    d = json.load(open(sys.argv[1]))
    print("%.1f" % (d["end"]["sum_received"]["bits_per_second"] / 1e6))
except Exception as e:
    print("nan")
EOF
)"
        all="$all $one"
        if [[ "$one" != nan ]] && { [[ "$mbit" == nan ]] || awk -v a="$one" -v b="$mbit" 'BEGIN { exit !(a > b) }'; }; then mbit="$one"; fi
    done
    # shellcheck disable=SC2046
    ticks1="$(cpu_ticks $(srv_pids "$@"))"; wall1="$(date +%s.%N)"
    # Which threads of the server used the CPU meanwhile (those that used any).
    # shellcheck disable=SC2046
    thread_ticks $(srv_pids "$@") | awk 'NR == FNR { t[$1] = $3; next } { d = $3 - t[$1]; if (d > 0) printf "  thread %s %s: %d ticks\n", $1, $2, d }' "$LAB_TMP/threads0" -
    local cpu_pct
    cpu_pct="$(awk -v t="$((ticks1 - ticks0))" -v hz="$(getconf CLK_TCK)" -v a="$wall0" -v b="$wall1" 'BEGIN { printf "%.1f", 100 * t / hz / (b - a) }')"
    echo "iperf3 exit $rc: runs$all Mbit/s received; best $mbit; server processes ($*) used $cpu_pct % of the CPU meanwhile"
    result "$label.iperf_server_cpu_pct" "$cpu_pct"
    # Over every round of this label: all runs listed, the best one kept.
    local before_runs before_best
    before_runs="$(get "$label.iperf_runs")"; before_best="$(get "$label.iperf_mbit")"
    [[ "$before_runs" == - ]] && before_runs=""
    result "$label.iperf_runs" "${before_runs:+$before_runs }${all# }"
    if [[ "$before_best" != - && "$before_best" != nan ]] && { [[ "$mbit" == nan ]] || awk -v a="$before_best" -v b="$mbit" 'BEGIN { exit !(a > b) }'; }; then
        mbit="$before_best"
    fi
    result "$label.iperf_mbit" "$mbit"
    timeout 10 sh -c "echo 'd bench' > '$LAC/control'" || true
    sleep 2
    lac_stop
    [[ "$rc" == 0 && "$mbit" != nan ]]
}

# --- the servers -------------------------------------------------------------------------

ours_start() {
    local datapath="$1"
    rm -rf "$DATA"; mkdir -p "$DATA"
    appliance config set lan.interface lan0 > /dev/null
    appliance config set wan.interface wan0 > /dev/null
    appliance config set lan.address "$SRV_IP/24" > /dev/null
    appliance config set vpn.pool "$POOL_FIRST-$POOL_LAST" > /dev/null
    appliance config set vpn.datapath "$datapath" > /dev/null
    appliance config set vpn.plain_l2tp_lan on > /dev/null
    appliance config set web.listen loopback:8080 > /dev/null
    printf '%s\n' "$USER_PW" | appliance user add "$USER_NAME" --password-stdin > /dev/null
    lab_bg "appliance-$datapath" srv "$APPLIANCE_BIN" run --data "$DATA"
    lab_wait 90 grep -q 'msg=ready' "$LAB_LOGS/appliance-$datapath.log" || { cat "$LAB_LOGS/appliance-$datapath.log"; return 1; }
    grep -E 'plain_l2tp_lan|datapath chosen|msg=listening' "$LAB_LOGS/appliance-$datapath.log"
}
# (lab_require runs ours_start in a subshell: the daemon is found by name in srv, not by $!)
ours_stop() {
    local p
    for p in $(srv_pids appliance); do kill -TERM "$p" 2> /dev/null || true; done
    lab_wait 30 no_srv_process appliance || true
}
no_srv_process() { [[ -z "$(srv_pids "$@")" ]]; }

LNS="$LAB_TMP/lns"
xl2tpd_start() {
    mkdir -p "$LNS"
    : > "$LNS/l2tp-secrets"; chmod 600 "$LNS/l2tp-secrets"
    # The guest's /etc is a tmpfs overlay: the host's chap-secrets is untouched.
    printf '%s * "%s" *\n' "$USER_NAME" "$USER_PW" > /etc/ppp/chap-secrets
    chmod 600 /etc/ppp/chap-secrets
    cat > "$LNS/xl2tpd.conf" << EOF
[global]
port = 1701
listen-addr = $SRV_IP
access control = no
auth file = $LNS/l2tp-secrets

[lns default]
ip range = $POOL_FIRST-$POOL_LAST
local ip = 10.99.0.1
refuse pap = yes
require authentication = yes
name = lns
pppoptfile = $LNS/options.lns
length bit = yes
EOF
    cat > "$LNS/options.lns" << EOF
name lns
require-mschap-v2
refuse-pap
refuse-eap
refuse-mschap
ms-dns 192.168.8.53
mtu 1400
mru 1400
noccp
nodefaultroute
lcp-echo-interval 30
lcp-echo-failure 4
${LAB_BENCH_PPPD_DEBUG:+debug}
${LAB_BENCH_PPPD_DEBUG:+logfile $LAB_LOGS/pppd-lns.log}
EOF
    lab_save "$LNS/xl2tpd.conf" xl2tpd-lns.conf
    lab_save "$LNS/options.lns" pppd-lns.options
    lab_bg xl2tpd-lns srv xl2tpd -D -c "$LNS/xl2tpd.conf" -p "$LNS/xl2tpd.pid" -C "$LNS/control"
    lab_wait 20 test -p "$LNS/control" || { cat "$LAB_LOGS/xl2tpd-lns.log"; return 1; }
    grep -iE 'kernel support|userspace|version' "$LAB_LOGS/xl2tpd-lns.log" || true
}
xl2tpd_stop() {
    local p
    for p in $(srv_pids xl2tpd); do kill -TERM "$p" 2> /dev/null || true; done
    pkill_pppd_in_srv
    lab_wait 30 no_srv_process xl2tpd pppd || true
}
# pppd processes in srv only (never the LAC's in cli, never anything outside the lab).
pkill_pppd_in_srv() {
    local p
    for p in $(srv_pids pppd); do kill -TERM "$p" 2> /dev/null || true; done
}

# ---------------------------------------------------------------------------------------
# The run
# ---------------------------------------------------------------------------------------

lab_modprobe l2tp_ppp l2tp_netlink ppp_generic tun
lab_require driver-present test -x "$DRIVER"
lab_require appliance-present test -x "${APPLIANCE_BIN:-/nonexistent}"
lab_ns srv cli
lab_veth srv lan0 cli eth0
lab_addr srv lan0 "$SRV_IP/24"
lab_addr cli eth0 "$CLI_IP/24"
ip -n srv link add dum0 type dummy
lab_addr srv dum0 "$TARGET_IP/24"
lab_bg iperf3-server srv iperf3 -s -B "$TARGET_IP"
lac_setup
lab_log "bench-l2tp: rate N=$N, memory N=$HOLD_N, concurrency=$C, iperf3 $IPERF_SIZE"

TARGETS=" ${LAB_BENCH_TARGETS:-ours ours-user xl2tpd} "
PARTS=" ${LAB_BENCH_PARTS:-memory rate} "
if [[ "$TARGETS" == *" ours "* ]]; then
    lab_require ours-start ours_start auto
    OURS_DATAPATH="$(sed -n 's/.*msg="datapath chosen" datapath=\([a-z]*\).*/\1/p' "$LAB_LOGS/appliance-auto.log" | head -n 1)"
    result ours.datapath "${OURS_DATAPATH:-unknown}"
    [[ "$PARTS" == *" memory "* ]] && lab_check ours-memory memory ours appliance
    [[ "$PARTS" == *" rate "* ]] && lab_check ours-rate rate ours
    lab_check ours-iperf3 iperf ours appliance
    lab_capture ours-status appliance status --json
    lab_capture ours-nft nft -a list ruleset
    lab_capture ours-xfrm-policies ip -n srv xfrm policy
    ours_stop
fi
if [[ "$TARGETS" == *" ours-user "* ]]; then
    lab_require ours-user-start ours_start userspace
    lab_check ours-user-iperf3 iperf ours-user appliance
    ours_stop
fi
if [[ "$TARGETS" == *" xl2tpd "* ]]; then
    lab_require xl2tpd-start xl2tpd_start
    [[ "$PARTS" == *" memory "* ]] && lab_check xl2tpd-memory memory xl2tpd xl2tpd pppd
    [[ "$PARTS" == *" rate "* ]] && lab_check xl2tpd-rate rate xl2tpd
    lab_check xl2tpd-iperf3 iperf xl2tpd xl2tpd pppd
    xl2tpd_stop
fi
# More iperf3 rounds, the two servers taking turns (each freshly started): under TCG on a shared
# host one run swings by more than a factor of 1.5 with what the host does meanwhile, so the
# best of many runs spread over the whole benchmark is what tells the servers apart.
if [[ "$TARGETS" == *" ours "* && "$TARGETS" == *" xl2tpd "* ]]; then
    for round in $(seq 2 "${LAB_BENCH_IPERF_ROUNDS:-3}"); do
        lab_check "ours-start-round-$round" ours_start auto && lab_check "ours-iperf3-round-$round" iperf ours appliance
        ours_stop
        if [[ -n "${LAB_BENCH_ABLATE:-}" ]]; then
            # Diagnosis, not a figure of ours: the same daemon without its nft tables, and without
            # its XFRM policies, to see what each costs the datapath (the box is not safe so).
            lab_check "ours-no-nft-start-round-$round" ours_start auto &&
                ip netns exec srv nft delete table inet appliance_vpn &&
                lab_check "ours-no-nft-iperf3-round-$round" iperf ours-no-nft appliance
            ours_stop
            lab_check "ours-no-xfrm-start-round-$round" ours_start auto && ip -n srv xfrm policy flush &&
                lab_check "ours-no-xfrm-iperf3-round-$round" iperf ours-no-xfrm appliance
            ours_stop
        fi
        lab_check "xl2tpd-start-round-$round" xl2tpd_start && lab_check "xl2tpd-iperf3-round-$round" iperf xl2tpd xl2tpd pppd
        xl2tpd_stop
    done
fi

# --- the table ---------------------------------------------------------------------------
# median "A B C ..." [DECIMALS]: the middle run (the mean of the two middle ones for an even count), with one decimal unless told; - for none.
median() { tr ' ' '\n' <<< "$1" | grep -E '^[0-9.]+$' | sort -g | awk -v d="${2:-1}" '{ v[NR] = $1 } END { if (NR == 0) print "-"; else if (NR % 2) printf "%.*f\n", d, v[(NR + 1) / 2]; else printf "%.*f\n", d, (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "-" || b == "-" || a == "nan" || b == "nan" || b + 0 == 0) print "n/a"; else printf "%.2fx", a / b }'; }
# round_ratios "OURS RUNS" "THEIR RUNS": per round (three runs each, the rounds in the order they
# ran, ours and theirs next to each other in time), the best of ours / the best of theirs. A
# paired measure: the host's load drifts over minutes, and each pair shares its moment.
round_ratios() {
    awk -v a="$1" -v b="$2" 'BEGIN {
        n = split(a, x, " "); m = split(b, y, " "); r = int((n < m ? n : m) / 3)
        for (i = 0; i < r; i++) {
            bx = 0; by = 0
            for (j = 1; j <= 3; j++) { if (x[3 * i + j] + 0 > bx) bx = x[3 * i + j] + 0; if (y[3 * i + j] + 0 > by) by = y[3 * i + j] + 0 }
            if (by > 0) printf "%s%.2f", (i ? " " : ""), bx / by
        }
        print ""
    }'
}
{
    echo "L2TP + PPP servers on the lab kernel ($(uname -r), qemu TCG), rate: $N sessions, memory: $HOLD_N held, $C in flight, plain L2TP on the LAN side"
    echo "ours = appliance daemon (vpn.datapath auto -> $(get ours.datapath); on kernel: L2TP data and PPP's IP in the kernel (pppN), control in the daemon; on userspace: everything in the daemon, IP through its TUN device)"
    echo "xl2tpd = xl2tpd $(dpkg-query -W -f '${Version}' xl2tpd) + pppd $(dpkg-query -W -f '${Version}' ppp) as LNS (MS-CHAPv2 only, one pppd per session)"
    printf '%-38s %14s %14s %10s %s\n' "measure" "ours" "xl2tpd+pppd" "ratio" "goal"
    printf '%-38s %14s %14s %10s %s\n' "sessions up per second" "$(get ours.rate)" "$(get xl2tpd.rate)" \
        "$(ratio "$(get ours.rate)" "$(get xl2tpd.rate)")" ">= 5x"
    printf '%-38s %14s %14s %10s %s\n' "bring-up latency p50 (ms)" "$(get ours.p50_ms)" "$(get xl2tpd.p50_ms)" "" ""
    printf '%-38s %14s %14s %10s %s\n' "memory per session, Private_Dirty kB" "$(get ours.private_per_session_kib)" "$(get xl2tpd.private_per_session_kib)" \
        "$(ratio "$(get ours.private_per_session_kib)" "$(get xl2tpd.private_per_session_kib)")" "<= 0.1x"
    printf '%-38s %14s %14s %10s %s\n' "memory per session, Pss kB" "$(get ours.pss_per_session_kib)" "$(get xl2tpd.pss_per_session_kib)" \
        "$(ratio "$(get ours.pss_per_session_kib)" "$(get xl2tpd.pss_per_session_kib)")" ""
    printf '%-38s %14s %14s %10s %s\n' "memory per session, RSS kB" "$(get ours.rss_per_session_kib)" "$(get xl2tpd.rss_per_session_kib)" \
        "$(ratio "$(get ours.rss_per_session_kib)" "$(get xl2tpd.rss_per_session_kib)")" ""
    printf '%-38s %14s %14s %10s %s\n' "iperf3 one session, Mbit/s, best of $(wc -w <<< "$(get ours.iperf_runs)")/$(wc -w <<< "$(get xl2tpd.iperf_runs)") ($(get ours.datapath))" "$(get ours.iperf_mbit)" "$(get xl2tpd.iperf_mbit)" \
        "$(ratio "$(get ours.iperf_mbit)" "$(get xl2tpd.iperf_mbit)")" ">= 1.0x"
    printf '%-38s %14s %14s %10s %s\n' "iperf3 one session, Mbit/s, median" "$(median "$(get ours.iperf_runs)")" "$(median "$(get xl2tpd.iperf_runs)")" \
        "$(ratio "$(median "$(get ours.iperf_runs)")" "$(median "$(get xl2tpd.iperf_runs)")")" ""
    pairs="$(round_ratios "$(get ours.iperf_runs)" "$(get xl2tpd.iperf_runs)")"
    printf '%-38s %14s %14s %10s %s\n' "iperf3 one session, round by round" "" "" "$(median "$pairs" 2)x" "median of $(wc -w <<< "$pairs") rounds: $pairs"
    printf '%-38s %14s %14s %10s %s\n' "iperf3 one session, Mbit/s, best of 3 (userspace)" "$(get ours-user.iperf_mbit)" "$(get xl2tpd.iperf_mbit)" \
        "$(ratio "$(get ours-user.iperf_mbit)" "$(get xl2tpd.iperf_mbit)")" ""
    echo "memory: (sum over the server's processes with $HOLD_N sessions asked for - the same freshly started, idle) / the sessions it held then;"
    echo "  Private_Dirty from smaps_rollup; Pss also moves with the driver sharing libraries, Private_Clean with page reclaim"
    echo "  (ours $(get ours.held), xl2tpd $(get xl2tpd.held));"
    echo "  ours: the daemon ($(get ours.processes) process); xl2tpd: xl2tpd and every pppd ($(get xl2tpd.processes) processes held)"
} > "$TABLE"
cat "$TABLE"
lab_finish
