#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# The kernel L2TP/PPP datapath adapters (firmware/Appliance.Platform.Linux/L2tp, Ppp, Rtnetlink)
# and the TUN adapter (Tun) against Debian's 6.1 kernel. Two namespaces, l2a ("box") and l2b (the
# peer), each run the lab driver, which builds with our adapters only, from ids exchanged out of
# band (no L2TP control protocol): a per-tunnel UDP socket on port 1701 connected to the other
# side (l2a also holds the daemon's unconnected listener on 0.0.0.0:1701), an L2TPv2 tunnel
# (generic netlink "l2tp"), a PPP session in LNS mode (l2a: created by the PPPoL2TP socket's
# connect, the adapter's default; l2b: created through netlink, then attached by the PPPoL2TP
# socket), the ppp channel on /dev/ppp, a
# unit pppN connected to it, addressed 10.99.0.1 peer 10.99.0.2 through rtnetlink. Checks: what
# iproute2 sees, NP mode drop/pass, ping across, session counters, PPP control frames between the
# channels, control messages to the tunnel socket and new peers to the listener, host routes, MTU,
# link state, proxy ARP, the kernel's refusals as named errnos, and an ordered teardown that
# leaves no pppN, session or tunnel. Then a TUN device answers a ping through it.
#
# The driver is published on the host first (NativeAOT, about a minute):
#   dotnet publish tests/lab/drivers/Appliance.Lab.L2tpDriver -c Release -r linux-x64 -p:PublishAot=true
# or name another build with LAB_L2TP_DRIVER=/abs/path.
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"

DRIVER="${LAB_L2TP_DRIVER:-$LAB_REPO/tests/lab/drivers/Appliance.Lab.L2tpDriver/bin/Release/net10.0/linux-x64/publish/Appliance.Lab.L2tpDriver}"
driver_present() {
    [[ -x "$DRIVER" ]] && return 0
    echo "no driver at $DRIVER: publish it on the host with"
    echo "dotnet publish tests/lab/drivers/Appliance.Lab.L2tpDriver -c Release -r linux-x64 -p:PublishAot=true"
    return 1
}
lab_require l2tp-driver-present driver_present
lab_modprobe l2tp_netlink l2tp_ppp ppp_generic tun

A=198.51.100.1
B=198.51.100.2
PPP_A=10.99.0.1
PPP_B=10.99.0.2
BEHIND_B=10.99.1.2
TUNNEL_A=10 TUNNEL_B=20 SESSION_A=100 SESSION_B=200

l2tp_topology() {
    lab_ns l2a l2b
    lab_veth l2a eth0 l2b eth0
    lab_addr l2a eth0 "$A/24"
    lab_addr l2b eth0 "$B/24"
}
lab_require l2tp-topology l2tp_topology
lab_require ping-underlay lab_ping l2a "$B" 1

drv() { local ns="$1"; shift; ip netns exec "$ns" "$DRIVER" "$@"; }

# A check must say why it failed (lib.sh reads its last output line for the reason).
or_say() { "$@" || { local rc=$?; echo "failed (exit $rc): $*"; return "$rc"; }; }
# says PATTERN CMD...: CMD succeeds and its output (shown) matches the extended regex PATTERN.
says() {
    local pattern="$1" out; shift
    out="$("$@")" || { echo "$out"; echo "failed: $*"; return 1; }
    echo "$out"
    grep -Eq -- "$pattern" <<< "$out" || { echo "no '$pattern' in the output of: $*"; return 1; }
}
# must_fail CMD...: succeeds when CMD fails (`! CMD` would not stop a function under set -e).
must_fail() { if "$@"; then echo "unexpectedly succeeded: $*"; return 1; fi; }

# --- The two sides: long-running driver processes that answer commands on a FIFO -------------
start_side() { # NAME NS STYLE LOCAL PEER TUNNEL PEER_TUNNEL SESSION PEER_SESSION PPP_LOCAL PPP_PEER [--listener]
    local name="$1" ns="$2" style="$3" local="$4" peer="$5" t="$6" pt="$7" s="$8" ps="$9" pl="${10}" pp="${11}"
    shift 11
    mkfifo "$LAB_TMP/ctl-$name"
    lab_bg "side-$name" "$ns" "$DRIVER" side --local "$local" --peer "$peer" --tunnel "$t" --peer-tunnel "$pt" \
        --session "$s" --peer-session "$ps" --style "$style" --ppp-local "$pl" --ppp-peer "$pp" \
        --ctl "$LAB_TMP/ctl-$name" "$@"
}
side_ready() { # NAME: the driver wrote its ready file (and did not fail)
    local f="$LAB_TMP/ctl-$1.ready"
    lab_wait 60 test -s "$f" || { echo "side $1 never got ready (see logs/side-$1.log)"; return 1; }
    cat "$f"
    grep -q '^ready ' "$f"
}
# ctl NAME COMMAND [ARGS...]: one command to a side; prints its answer, returns its exit code.
# (Few process starts: under TCG each costs a noticeable fraction of a second.)
CTL_SEQ=0
ctl() {
    local name="$1"; shift
    CTL_SEQ=$((CTL_SEQ + 1))
    local out="$LAB_TMP/answer-$name-$BASHPID-$CTL_SEQ" rc
    # Opening the FIFO waits for the driver to read it: bounded, in case the driver died.
    # shellcheck disable=SC2016  # the inner shell expands its own arguments
    timeout 30 sh -c 'echo "$1" > "$2"' _ "$out $*" "$LAB_TMP/ctl-$name" \
        || { echo "side $name does not take commands"; return 1; }
    lab_wait 60 test -e "$out.done" || { echo "side $name did not answer: $*"; return 1; }
    echo "$(< "$out")"
    read -r rc < "$out.done"
    return "$rc"
}

start_side a l2a socket "$A" "$B" "$TUNNEL_A" "$TUNNEL_B" "$SESSION_A" "$SESSION_B" "$PPP_A" "$PPP_B" --listener
start_side b l2b netlink "$B" "$A" "$TUNNEL_B" "$TUNNEL_A" "$SESSION_B" "$SESSION_A" "$PPP_B" "$PPP_A"
lab_require side-a-ready side_ready a
lab_require side-b-ready side_ready b

# --- What iproute2 sees of what the adapters built ------------------------------------------
tunnel_visible() { # NS TUNNEL PEER_TUNNEL LOCAL PEER
    local out
    out="$(ip -n "$1" l2tp show tunnel)"
    echo "$out"
    grep -q "^Tunnel $2, encap UDP" <<< "$out"
    grep -q "Peer tunnel $3" <<< "$out"
    grep -q "From $4 to $5" <<< "$out"
    grep -q "UDP source / dest ports: 1701/1701" <<< "$out"
}
session_visible() { # NS SESSION TUNNEL PEER_SESSION
    local out
    out="$(ip -n "$1" l2tp show session)"
    echo "$out"
    grep -q "^Session $2 in tunnel $3" <<< "$out"
    grep -q "Peer session $4, tunnel" <<< "$out"
}
ppp_interface() { # NS LOCAL PEER
    local out
    out="$(ip -n "$1" addr show dev ppp0)"
    echo "$out"
    grep -q "<POINTOPOINT.*UP" <<< "$out"
    grep -q " mtu 1400 " <<< "$out"
    grep -q "inet $2 peer $3/32" <<< "$out"
}
lab_check l2tp-tunnel-a tunnel_visible l2a "$TUNNEL_A" "$TUNNEL_B" "$A" "$B"
lab_check l2tp-tunnel-b tunnel_visible l2b "$TUNNEL_B" "$TUNNEL_A" "$B" "$A"
lab_check l2tp-session-a-socket-style session_visible l2a "$SESSION_A" "$TUNNEL_A" "$SESSION_B"
lab_check l2tp-session-b-netlink-style session_visible l2b "$SESSION_B" "$TUNNEL_B" "$SESSION_A"
# LNS mode reached the kernel both ways (l2a: PPPOL2TP_SO_LNSMODE, l2b: L2TP_ATTR_LNS_MODE).
lab_check lns-mode-a says "session $SESSION_A tunnel $TUNNEL_A peer session $SESSION_B peer tunnel $TUNNEL_B pw 7 lns_mode=1 " ctl a stats
lab_check lns-mode-b says "session $SESSION_B tunnel $TUNNEL_B peer session $SESSION_A peer tunnel $TUNNEL_A pw 7 lns_mode=1 " ctl b stats
lab_check ppp0-addressed-a ppp_interface l2a "$PPP_A" "$PPP_B"
lab_check ppp0-addressed-b ppp_interface l2b "$PPP_B" "$PPP_A"
two_on_1701() {
    local out
    out="$(ip netns exec l2a ss -Huan)"
    echo "$out"
    [[ "$(grep -c ':1701 ' <<< "$out")" == 2 ]] || { echo "expected the listener and the tunnel socket on 1701"; return 1; }
    grep -q "0.0.0.0:1701 .*0.0.0.0:\*" <<< "$out"
    grep -q "$A:1701 .*$B:1701" <<< "$out"
}
lab_check sockets-share-port-1701 two_on_1701

# --- NP mode: IP is dropped until "IPCP opens", then passes ----------------------------------
lab_check np-mode-drop-blocks-ip must_fail ip netns exec l2a ping -n -c 1 -W 1 "$PPP_B"
np_pass() { says "IP mode Pass" ctl a np-mode pass; says "IP mode Pass" ctl b np-mode pass; }
lab_check np-mode-pass np_pass

# --- Traffic and counters --------------------------------------------------------------------
ctl a stats > "$LAB_LOGS/stats-a-before.txt" 2>&1 || true
ctl b stats > "$LAB_LOGS/stats-b-before.txt" 2>&1 || true
lab_check ping-over-ppp lab_ping l2a "$PPP_B" 3
ctl a stats > "$LAB_LOGS/stats-a-after.txt" 2>&1 || true
ctl b stats > "$LAB_LOGS/stats-b-after.txt" 2>&1 || true
counter() { sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1" | head -n 1; }
counters_rise() { # SIDE
    local before="$LAB_LOGS/stats-$1-before.txt" after="$LAB_LOGS/stats-$1-after.txt" k b a
    cat "$before" "$after"
    for k in tx_packets rx_packets tx_bytes rx_bytes; do
        b="$(counter "$before" "$k")"; a="$(counter "$after" "$k")"
        echo "$k: $b -> $a"
        [[ -n "$b" && -n "$a" && "$a" -ge $((b + 3)) ]] || { echo "$k did not rise by 3 ($b -> $a)"; return 1; }
    done
    [[ "$(counter "$after" rx_errors)" -eq 0 ]] || { echo "rx_errors"; return 1; }
}
lab_check session-counters-rise-a counters_rise a
lab_check session-counters-rise-b counters_rise b
if [[ "${LAB_L2TP_CAPTURE:-0}" == 1 ]]; then
    # For the parser tests: the kernel's own replies (family lookup, a session with counters, the
    # ppp0 link) as iproute2 receives them, bytes as strace dumps them.
    lab_capture l2tp-session-strace ip netns exec l2a strace -e trace=recvmsg -e read=all -s 64 \
        ip l2tp show session tunnel_id "$TUNNEL_A" session_id "$SESSION_A"
    lab_capture ppp0-link-strace ip netns exec l2a strace -e trace=recvmsg -e read=all -s 64 ip link show ppp0
fi

# --- PPP control frames between the channels (LCP Echo-Request, protocol field first) --------
control_frame() { # FROM TO FRAME
    ctl "$1" send-control "$3"
    local got
    got="$(ctl "$2" recv-control 5)" || { echo "$got"; return 1; }
    echo "$got"
    [[ "$got" == "frame $3" ]]
}
lab_check control-frame-a-to-b control_frame a b c02109010008deadbeef
lab_check control-frame-b-to-a control_frame b a c0210a010008cafef00d
# Once the channel is connected to a unit, a network control protocol's frame (here an IPCP
# Configure-Request for 10.99.0.2) comes up the unit, not the channel: the daemon reads both.
ncp_frame_up_the_unit() {
    local frame=80210101000a03060a630002 got
    ctl b send-control "$frame"
    got="$(ctl a recv-unit 5)" || { echo "$got"; return 1; }
    echo "$got"
    [[ "$got" == "frame $frame" ]]
    must_fail ctl a recv-control 1
}
lab_check ncp-frame-up-the-unit ncp_frame_up_the_unit

# --- L2TP control messages reach the tunnel socket; a new peer reaches the listener ----------
# HELLO (message type 6) to tunnel 10: T, L, S bits, version 2, length 20, Ns = Nr = 0, then the
# Message Type AVP (M bit, length 8).
HELLO=c8020014000a0000000000008008000000000006
# SCCRQ-like (message type 1) to tunnel 0, from another port of the peer's address.
SCCRQ=c802001400000000000000008008000000000001
control_to_tunnel_socket() {
    ctl b send-l2tp-control "$HELLO"
    local got
    got="$(ctl a recv-tunnel 5)" || { echo "$got"; return 1; }
    echo "$got"
    [[ "$got" == "tunnel socket: 20 bytes from $B:1701: $HELLO" ]]
    must_fail ctl a recv-listener 1
}
new_peer_to_listener() {
    drv l2b udp-send --bind "$B:1702" --to "$A:1701" --hex "$SCCRQ"
    local got
    got="$(ctl a recv-listener 5)" || { echo "$got"; return 1; }
    echo "$got"
    [[ "$got" == "listener socket: 20 bytes from $B:1702: $SCCRQ" ]]
    must_fail ctl a recv-tunnel 1
}
lab_check l2tp-control-to-tunnel-socket control_to_tunnel_socket
lab_check new-peer-to-listener new_peer_to_listener

# --- rtnetlink: host route, MTU, link state; proxy ARP ---------------------------------------
host_route() {
    ctl b add-local "$BEHIND_B"
    must_fail ip netns exec l2a ping -n -c 1 -W 1 "$BEHIND_B"
    ctl a add-route "$BEHIND_B"
    says "dev ppp0 proto static scope link" ip -n l2a route show "$BEHIND_B/32"
    lab_ping l2a "$BEHIND_B" 2
    ctl a del-route "$BEHIND_B"
    [[ -z "$(ip -n l2a route show "$BEHIND_B/32")" ]]
}
lab_check host-route-via-ppp host_route
mtu_and_link() {
    says "ppp0 mtu 1380" ctl a mtu 1380
    says " mtu 1380 " ip -n l2a link show ppp0
    ctl a link down
    must_fail says "[<,]UP[,>]" ip -n l2a link show ppp0
    ctl a link up
    says "[<,]UP[,>]" ip -n l2a link show ppp0
    lab_ping l2a "$PPP_B" 1
}
lab_check mtu-and-link-state mtu_and_link
proxy_arp() {
    says "proxy_arp on eth0: 1" ctl a proxy-arp eth0
    [[ "$(ip netns exec l2a cat /proc/sys/net/ipv4/conf/eth0/proxy_arp)" == 1 ]]
    [[ "$(ip netns exec l2b cat /proc/sys/net/ipv4/conf/eth0/proxy_arp)" == 0 ]]
}
lab_check proxy-arp proxy_arp

# --- Refusals come back as named errnos -------------------------------------------------------
errors_named() {
    local out
    out="$(ctl a errors)"
    echo "$out"
    grep -q "^tunnel id taken: L2TP_CMD_TUNNEL_CREATE(tunnel $TUNNEL_A, .*): EEXIST" <<< "$out"
    grep -q "^second tunnel on the tunnel socket: L2TP_CMD_TUNNEL_CREATE(.*): EBUSY" <<< "$out"
    grep -q "^session id taken: L2TP_CMD_SESSION_CREATE(.*): EEXIST" <<< "$out"
    grep -q "^session in missing tunnel: L2TP_CMD_SESSION_CREATE(tunnel 4321, .*): ENODEV" <<< "$out"
    grep -q "^counters of missing session: L2TP_CMD_SESSION_GET(tunnel $TUNNEL_A, session 4321): ENODEV" <<< "$out"
    grep -q "^delete missing tunnel: L2TP_CMD_TUNNEL_DELETE(tunnel 4321): ENODEV" <<< "$out"
    grep -q "^pppol2tp to missing tunnel: connect(PPPoL2TP tunnel 4321, .*): ENOENT" <<< "$out"
    grep -q "^attach missing channel: PPPIOCATTCHAN(channel 987654): ENXIO" <<< "$out"
    grep -q "^pppol2tp to a session already bound: connect(PPPoL2TP .*): EEXIST" <<< "$out"
    grep -q "^link of missing interface: RTM_GETLINK(nosuchif0): ENODEV" <<< "$out"
    grep -q "^proxy-arp of missing interface: open(/proc/sys/net/ipv4/conf/nosuchif0/proxy_arp): ENOENT" <<< "$out"
    # Every other refusal is named too (which errno is the kernel's choice).
    must_fail grep -q ": no error$" <<< "$out"
    must_fail grep -q ": errno [0-9]" <<< "$out"
}
lab_check errors-named errors_named
# Nothing the refusals tried may have left a trace.
lab_check errors-left-nothing or_say sh -c "[ \"\$(ip -n l2a l2tp show tunnel | grep -c '^Tunnel')\" = 1 ] && [ \"\$(ip -n l2a l2tp show session | grep -c '^Session')\" = 1 ]"
lab_check ping-after-errors lab_ping l2a "$PPP_B" 1

# --- Teardown ----------------------------------------------------------------------------------
nothing_left() { # NS
    if ip -n "$1" link show ppp0 2> /dev/null; then echo "$1: ppp0 still there"; return 1; fi
    local t s
    t="$(ip -n "$1" l2tp show tunnel)"; s="$(ip -n "$1" l2tp show session)"
    [[ -z "$t" && -z "$s" ]] || { echo "$1 still has: $t $s"; return 1; }
    if ip netns exec "$1" ss -Huan | grep ':1701 '; then echo "$1: a 1701 socket is still open"; return 1; fi
}
teardown() { # SIDE NS
    local out
    out="$(ctl "$1" teardown)" || { echo "$out"; return 1; }
    echo "$out"
    lab_wait 10 nothing_left "$2" || nothing_left "$2"
}
lab_check teardown-a teardown a l2a
lab_check teardown-b teardown b l2b

# --- TUN: a device created, addressed and brought up by the adapters answers a ping -----------
tun_part() {
    lab_ns tunns
    lab_bg tun tunns "$DRIVER" tun --name tunlab0 --address 10.98.0.1/24 --ready "$LAB_TMP/tun.ready" --timeout 60
    lab_check tun-ready or_say lab_wait 60 test -s "$LAB_TMP/tun.ready"
    tun_addressed() {
        local out
        out="$(ip -n tunns addr show dev tunlab0)"
        echo "$out"
        grep -q "<POINTOPOINT.*UP" <<< "$out"
        grep -q "inet 10.98.0.1/24" <<< "$out"
    }
    lab_check tun-addressed tun_addressed
    lab_check tun-ping-answered lab_ping tunns 10.98.0.2 1
    tun_saw_request() {
        lab_wait 10 grep -q "wrote .* echo reply" "$LAB_LOGS/tun.log" || true
        cat "$LAB_LOGS/tun.log"
        grep -q "ICMP echo request 10.98.0.1 -> 10.98.0.2" "$LAB_LOGS/tun.log"
        grep -q "wrote .* bytes: echo reply" "$LAB_LOGS/tun.log"
    }
    lab_check tun-read-request-wrote-reply tun_saw_request
}
tun_part

lab_finish
