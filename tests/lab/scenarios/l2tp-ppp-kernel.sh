#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# The l2tp-ppp scenario with the daemon's kernel ESP datapath (XFRM SAs installed by
# the daemon): the same Linux clients (charon + xl2tpd + pppd) and the same checks,
# plus proof that the kernel carries the PPP data (the hooks below, run by l2tp-ppp.sh):
# - alice's session has a unit pppN on the box with her address as its peer, and
#   `ip l2tp show session` lists it;
# - the 50 MiB iperf3 run went through that pppN (its counters grew by at least that)
#   and not through the daemon's TUN device (whose counters did not), and status
#   --json shows the session's datapath and the kernel's byte counters;
# - bob behind the same NAT works too, on whichever path the daemon chose (logged);
# - clear L2TP from the WAN is dropped (and counted) by the kernel: the 1701 sockets'
#   own XFRM policies, the listener's and that of alice's kernel tunnel (data with her
#   tunnel's addresses and ports, sent in clear from the NAT router's address, never
#   reaches her session);
# - after every client hangs up: no kernel L2TP tunnel, no pppN, no /dev/ppp or
#   extra file descriptors left in the daemon.
# Logs: logs/throughput.txt (Mbit/s), logs/kernel-datapath.txt (counters, paths).


box_ifstat() { ip netns exec box cat "/sys/class/net/$1/statistics/$2" 2> /dev/null || echo 0; }
box_ppp_of() { ip -n box -4 -o addr show | awk -v p="peer $1/32" '$0 ~ p {print $2; exit}'; }
vpn_if() { ip -n box -o link show | sed -n 's/^[0-9]*: \(vpn[0-9]*\):.*/\1/p' | head -n 1; }
fd_count() { ls "/proc/$DAEMON_PID/fd" 2> /dev/null | wc -l; }

# session_field USER FIELD: FIELD of USER's session in status --json ("" when none).
# (written by the first hook: LAB_TMP exists only once lib.sh ran)
write_session_field_py() {
cat > "$LAB_TMP/session-field.py" << 'EOF'
import json, sys
user, field = sys.argv[1], sys.argv[2]
try:
    doc = json.load(sys.stdin)
except ValueError:
    sys.exit(0)
def walk(node):
    if isinstance(node, dict):
        if str(node.get("user", "")).lower() == user and field in node:
            print(node[field]); sys.exit(0)
        for v in node.values(): walk(v)
    elif isinstance(node, list):
        for v in node: walk(v)
walk(doc)
EOF
}
session_field() { status_json 2> /dev/null | "$PYTHON" "$LAB_TMP/session-field.py" "$1" "$2"; }

hook_daemon_ready() {
    KERNEL_LOG="$LAB_LOGS/kernel-datapath.txt"
    write_session_field_py
    FD0="$(fd_count)"
    lab_log "daemon pid $DAEMON_PID: $FD0 file descriptors before any client"
    echo "daemon fds before any client: $FD0" >> "$KERNEL_LOG"
    lab_check appliance-kernel-l2tp-datapath daemon_wait 5 'listening.*ppp_data=kernel'
}

hook_before_iperf() {
    C1_PPP="$(box_ppp_of "${C1_ADDR:-none}")"
    VPN_IF="$(vpn_if)"
    P0="$(box_ifstat "${C1_PPP:-none}" rx_bytes)"
    V0=$(($(box_ifstat "${VPN_IF:-none}" rx_bytes) + $(box_ifstat "${VPN_IF:-none}" tx_bytes)))
    box_unit() {
        ip -n box -4 addr show | grep -E "ppp|peer" || true
        [[ -n "$C1_PPP" ]] || { echo "no interface on the box with peer ${C1_ADDR:-?}"; return 1; }
        echo "alice's session: $C1_PPP on the box"
    }
    lab_check box-ppp-unit-for-client box_unit
    # What the box sends alice leaves inside L2TP, whose socket takes her SA: her unit skips
    # the XFRM policy lookup.
    unit_skips_xfrm() {
        local v
        v="$(ip netns exec box cat "/proc/sys/net/ipv4/conf/${C1_PPP:-none}/disable_xfrm")"
        echo "${C1_PPP:-?} disable_xfrm = $v"
        [[ "$v" == 1 ]]
    }
    lab_check box-ppp-unit-skips-xfrm-lookup unit_skips_xfrm
    l2tp_session_listed() {
        local out
        out="$(ip netns exec box ip l2tp show session)"
        echo "$out"
        grep -q "interface name: ${C1_PPP:-none}" <<< "$out" || grep -q "Session" <<< "$out"
    }
    lab_check box-ip-l2tp-show-session l2tp_session_listed
    datapath_kernel() {
        local d
        d="$(session_field alice datapath)"
        echo "alice datapath in status: ${d:-none}"
        [[ "$d" == "kernel ${C1_PPP:-none}" ]]
    }
    lab_check appliance-status-alice-datapath-kernel datapath_kernel
    lab_capture daemon-session-datapaths grep -E 'tunnel data|datapath=' "$DAEMON_LOG"
}

hook_after_iperf() {
    local p1 v1
    p1="$(box_ifstat "${C1_PPP:-none}" rx_bytes)"
    v1=$(($(box_ifstat "${VPN_IF:-none}" rx_bytes) + $(box_ifstat "${VPN_IF:-none}" tx_bytes)))
    PPP_DELTA=$((p1 - P0))
    VPN_DELTA=$((v1 - V0))
    {
        echo "iperf3 through $C1_PPP: rx_bytes grew by $PPP_DELTA"
        echo "iperf3: ${VPN_IF:-vpn?} rx+tx grew by $VPN_DELTA"
        tail -n 1 "$LAB_LOGS/throughput.txt" 2> /dev/null || true
    } >> "$KERNEL_LOG"
    ppp_counted() { echo "$C1_PPP rx_bytes +$PPP_DELTA (want >= $IPERF_BYTES)"; [[ $PPP_DELTA -ge $IPERF_BYTES ]]; }
    tun_not_counted() { echo "$VPN_IF rx+tx +$VPN_DELTA (want < $((IPERF_BYTES / 10)))"; [[ $VPN_DELTA -lt $((IPERF_BYTES / 10)) ]]; }
    lab_check box-ppp-unit-carried-iperf ppp_counted
    lab_check box-tun-did-not-carry-iperf tun_not_counted
    status_bytes() {
        local b
        b="$(session_field alice bytesIn)"
        echo "alice bytesIn in status: ${b:-none}"
        [[ "${b:-0}" -ge "$IPERF_BYTES" ]]
    }
    lab_check appliance-status-kernel-byte-counters status_bytes
    # L2TP data in clear with everything of alice's kernel tunnel (her NAT's address and port,
    # the box's tunnel and session ids): what anyone on the WAN path could forge. The tunnel
    # socket's inbound policy wants an SA, so the kernel drops it before its L2TP sees it.
    clear_data_to_tunnel_dropped() {
        local t s line tunnel peer port session before after
        t="$(ip netns exec box ip l2tp show tunnel)"
        s="$(ip netns exec box ip l2tp show session)"
        echo "$t"
        echo "$s"
        line="$(awk '/^Tunnel/ { id = $2; sub(",", "", id) } /From/ { to = $4 } /UDP source/ { split($NF, p, "/"); print id, to, p[2] }' <<< "$t" \
            | awk -v nat="$LAB_NAT_WAN_IP" '$2 == nat { print; exit }')"
        read -r tunnel peer port <<< "$line"
        [[ -n "${tunnel:-}" && -n "${port:-}" ]] || { echo "no kernel tunnel to $LAB_NAT_WAN_IP"; return 1; }
        session="$(awk -v t="$tunnel" '$1 == "Session" && $5 == t { print $2; exit }' <<< "$s")"
        [[ -n "$session" ]] || { echo "no session in tunnel $tunnel"; return 1; }
        before="$(policy_drops)"
        # Version 2, no length, no sequence: tunnel id, session id, then PPP (FF 03, IPv4) and
        # the start of an IP packet.
        ip netns exec nat "$PYTHON" -c "import socket, struct
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('$peer', $port))
data = struct.pack('>HHH', 0x0002, $tunnel, $session) + bytes([0xff, 0x03, 0x00, 0x21]) + bytes(20)
[s.sendto(data, ('$BOX', 1701)) for _ in range(3)]"
        sleep 1
        after="$(policy_drops)"
        echo "clear L2TP data from $peer:$port to tunnel $tunnel session $session; box XFRM drops: $before -> $after"
        ip netns exec box cat /proc/net/xfrm_stat | grep -v ' 0$' || true
        [[ $((after - before)) -ge 3 ]]
    }
    lab_check box-clear-l2tp-data-to-kernel-tunnel-dropped clear_data_to_tunnel_dropped
}

hook_two_clients() {
    local d
    d="$(session_field bob datapath || true)"
    lab_log "bob (same NAT as alice) runs on datapath: ${d:-unknown}"
    echo "bob (same NAT as alice): ${d:-unknown}" >> "$KERNEL_LOG"
    lab_capture daemon-tunnel-paths grep -E 'tunnel data' "$DAEMON_LOG"
}

hook_before_end() {
    # The plain SCCRQs of wan-plain-l2tp-unanswered (8) and the forged data above (3) came
    # through no SA: the 1701 sockets' policies dropped them in the kernel and counted them.
    clear_l2tp_counted() {
        local n
        n="$(policy_drops)"
        ip netns exec box cat /proc/net/xfrm_stat | grep -v ' 0$' || true
        echo "box XFRM policy drops since the box's namespace was made: $n (want >= 11)"
        [[ $n -ge 11 ]]
    }
    lab_check box-clear-l2tp-dropped-by-socket-policies clear_l2tp_counted
    # Every chain has ended by now (section 9: the admin's kill, the client's IKE Delete, a
    # client that vanished): nothing of the kernel datapath may be left.
    lab_check appliance-status-no-sessions-left sessions_expect 30
    no_tunnels() {
        local t
        t="$(ip netns exec box ip l2tp show tunnel)"
        [[ -z "$t" ]] || { echo "left: $t"; return 1; }
        echo "no kernel L2TP tunnel"
    }
    lab_check box-no-l2tp-tunnel-left lab_wait 20 no_tunnels
    no_units() {
        if ip -n box -o link show | grep -E ': ppp[0-9]+'; then echo "ppp units left"; return 1; fi
        echo "no ppp unit"
    }
    lab_check box-no-ppp-unit-left no_units
    no_fds_left() {
        local n ppp
        n="$(fd_count)"
        ppp="$(ls -l "/proc/$DAEMON_PID/fd" | grep -c /dev/ppp || true)"
        echo "daemon fds: $n now, $FD0 before any client; /dev/ppp fds: $ppp"
        echo "daemon fds after all hang-ups: $n (before: $FD0), /dev/ppp: $ppp" >> "$KERNEL_LOG"
        [[ $ppp -eq 0 && $n -le $((FD0 + 4)) ]]
    }
    lab_check appliance-no-fds-left no_fds_left
    lab_capture kernel-datapath-summary cat "$KERNEL_LOG"
}

# shellcheck source=tests/lab/scenarios/l2tp-ppp.sh
. "$LAB_DIR/scenarios/l2tp-ppp.sh" kernel
