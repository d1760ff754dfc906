# shellcheck shell=bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# What the L2TP/IPsec client scenarios (ipsec-strongswan.sh, ipsec-libreswan.sh)
# share: the appliance daemon in "box" and its status and log, the client's and
# the box's XFRM state, the L2TP datagrams a client sends through its SA (and,
# on the kernel datapath, the echo on the box's port 1701 that answers them).
#
# Sourced by a scenario after lib.sh and lab_topology's addresses, with
#   ESP_DATAPATH   userspace | kernel (the daemon's vpn.datapath)
#   PSK            the pre-shared key the daemon is configured with
# It writes its helper programs to $LAB_TMP and defines functions only: the
# checks run when the scenario calls ipsec_daemon_start,
# ipsec_first_client_traffic and ipsec_daemon_stop.

: "${ESP_DATAPATH:?set ESP_DATAPATH before sourcing ipsec-common.sh}"
: "${PSK:?set PSK before sourcing ipsec-common.sh}"
DATA="$LAB_TMP/appliance-data"
DAEMON_LOG="$LAB_LOGS/appliance-daemon.log"
PYTHON=/usr/bin/python3          # not a pyenv shim: one interpreter start under TCG is enough
BOX="$LAB_BOX_WAN_IP"

# ============================================================================
# The daemon: CLI, status --json, log
# ============================================================================

appliance() { ip netns exec box "$APPLIANCE_BIN" "$@" --data "$DATA"; }
status_json() { appliance status --json; }

# vpn_num FIELD JSON: a number from the status JSON ("" when absent).
vpn_num() { sed -n "s/.*\"$1\":\([0-9][0-9]*\).*/\1/p" <<< "$2" | head -n 1; }

# vpn_now FIELD: the field's current value, 0 when unknown (never fails).
vpn_now() {
    local v
    v="$(vpn_num "$1" "$(status_json 2> /dev/null || true)")"
    echo "${v:-0}"
}

# vpn_expect SECONDS FIELD OP VALUE: waits until status --json's FIELD OP VALUE
# (test(1) operators: -eq -gt ...). The last output line says why it failed.
# Each answer is kept in $STATUS_LAST for vpn_expect_again and save_status.
STATUS_LAST="$LAB_TMP/status-last.json"
vpn_expect() {
    local t="$1" field="$2" op="$3" want="$4" deadline json="" v=""
    deadline=$(($(date +%s) + t))
    while :; do
        json="$(status_json 2>&1)" || true
        printf '%s\n' "$json" > "$STATUS_LAST"
        v="$(vpn_num "$field" "$json")"
        if [[ -n "$v" ]] && test "$v" "$op" "$want"; then
            echo "$field=$v (want $op $want)"
            return 0
        fi
        [[ $(date +%s) -lt $deadline ]] || break
        sleep 0.5
    done
    echo "status --json: $json"
    [[ -n "$v" ]] || { echo "\"$field\" is absent from status --json"; return 1; }
    echo "$field=$v after ${t}s, wanted $op $want"
    return 1
}

# vpn_expect_again SECONDS FIELD OP VALUE: as vpn_expect, but first looks at
# the answer the previous vpn_expect got (each daemon CLI start costs about a
# second under TCG). Only for checks right after one that saw the same moment.
vpn_expect_again() {
    local v
    v="$(vpn_num "$2" "$(cat "$STATUS_LAST" 2> /dev/null || true)")"
    if [[ -n "$v" ]] && test "$v" "$3" "$4"; then
        echo "$2=$v (want $3 $4; same status answer as the check before)"
        return 0
    fi
    vpn_expect "$@"
}

daemon_count() { grep -cE "$1" "$DAEMON_LOG" 2> /dev/null || true; }
daemon_has() { grep -qE "$1" "$DAEMON_LOG" 2> /dev/null; }

# daemon_wait SECONDS REGEX: the daemon logged a matching line.
daemon_wait() {
    if lab_wait "$1" daemon_has "$2"; then
        grep -E "$2" "$DAEMON_LOG"
        return 0
    fi
    echo "no line matching /$2/ in the daemon log within $1 s"
    return 1
}

# daemon_wait_more SECONDS COUNT0 REGEX: the daemon logged more than COUNT0
# lines matching REGEX (COUNT0: daemon_count before the event).
daemon_wait_more() {
    local t="$1" n0="$2" re="$3"
    more() { [[ "$(daemon_count "$re")" -gt "$n0" ]]; }
    if lab_wait "$t" more; then
        grep -E "$re" "$DAEMON_LOG"
        return 0
    fi
    echo "no new line matching /$re/ in the daemon log within $t s"
    return 1
}

# ============================================================================
# XFRM state of the client and the box
# ============================================================================

# client_xfrm_ok NS IN OUT: two ESP transport SAs, UDP-encapsulated, with the
# client's SPIs (IN: the one it receives on; OUT: the one it sends with).
client_xfrm_ok() {
    local ns="$1" in="$2" out="$3" st n
    st="$(ip -n "$ns" xfrm state)"
    echo "$st"
    n="$(grep -c 'proto esp spi' <<< "$st" || true)"
    [[ "$n" -eq 2 ]] || { echo "$n ESP SAs in $ns, want 2"; return 1; }
    n="$(grep -c 'encap type espinudp' <<< "$st" || true)"
    [[ "$n" -eq 2 ]] || { echo "$n SAs with 'encap type espinudp' in $ns, want 2"; return 1; }
    n="$(grep -c 'mode transport' <<< "$st" || true)"
    [[ "$n" -eq 2 ]] || { echo "$n transport-mode SAs in $ns, want 2"; return 1; }
    [[ -n "$in" && -n "$out" ]] || { echo "the client's SPIs are unknown"; return 1; }
    grep -q "proto esp spi 0x$in " <<< "$st" || { echo "no SA with the client's inbound SPI $in"; return 1; }
    grep -q "proto esp spi 0x$out " <<< "$st" || { echo "no SA with the client's outbound SPI $out"; return 1; }
}

# daemon_spis_match IN OUT: the daemon's "ESP SAs established" line carries the
# mirror image of the client's pair.
daemon_spis_match() {
    local in="$1" out="$2"
    [[ -n "$in" && -n "$out" ]] || { echo "the client's SPIs are unknown"; return 1; }
    echo "client: in=$in out=$out; expecting the daemon's spi_in=$out spi_out=$in"
    daemon_wait 10 'msg="ESP SAs established"' || return 1
    if grep 'msg="ESP SAs established"' "$DAEMON_LOG" | grep "spi_in=$out" | grep -q "spi_out=$in"; then
        return 0
    fi
    echo "no \"ESP SAs established\" line with spi_in=$out spi_out=$in"
    return 1
}

# out_sa_packets NS LOCAL_IP: packets counted on the client's outbound SA.
out_sa_packets() {
    ip -s -n "$1" xfrm state list src "$2" dst "$BOX" \
        | sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n 1
}
out_sa_used() {
    local n
    ip -s -n "$1" xfrm state list src "$2" dst "$BOX"
    n="$(out_sa_packets "$1" "$2")"
    echo "outbound SA packets: ${n:-none}"
    [[ "${n:-0}" -gt 0 ]]
}

# in_sa_used NS DST_IP: packets counted on the SA that NS decrypts (first one to DST_IP).
in_sa_used() {
    local n
    ip -s -n "$1" xfrm state list dst "$2"
    n="$(ip -s -n "$1" xfrm state list dst "$2" | sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n 1)"
    echo "inbound SA packets in $1: ${n:-none}"
    [[ "${n:-0}" -gt 0 ]]
}

# box_xfrm_ok IN OUT: (kernel datapath) the box holds the mirror image of the
# client's pair, UDP-encapsulated, marking what it processes.
box_xfrm_ok() {
    local in="$1" out="$2" st
    st="$(ip -n box xfrm state)"
    echo "$st"
    grep -q "proto esp spi 0x$in " <<< "$st" || { echo "no box SA with SPI $in"; return 1; }
    grep -q "proto esp spi 0x$out " <<< "$st" || { echo "no box SA with SPI $out"; return 1; }
    [[ "$(grep -c 'encap type espinudp' <<< "$st")" -ge 2 ]] || { echo "box SAs are not UDP-encapsulated"; return 1; }
    grep -q 'output-mark 0x4c32' <<< "$st" || { echo "box SAs do not mark their packets"; return 1; }
}
# box_marked_policies N: one marked outbound policy per client.
box_marked_policies() {
    local want="$1" p n
    p="$(ip -n box xfrm policy)"
    echo "$p"
    n="$(grep -c 'mark 0x4c32' <<< "$p" || true)"
    echo "$n marked policies, want $want"
    [[ "$n" -eq "$want" ]]
}

# client_sas_gone [NS]: the client (default: "client") holds no XFRM state.
client_sas_gone() {
    local st
    st="$(ip -n "${1:-client}" xfrm state)"
    echo "$st"
    [[ -z "$st" ]]
}

# box_client_sas_gone IN OUT: (kernel datapath) the box no longer holds the
# SAs of the client pair IN/OUT (the client's SPIs).
box_client_sas_gone() {
    local st
    st="$(ip -n box xfrm state)"
    echo "$st"
    ! grep -qE "proto esp spi 0x($1|$2) " <<< "$st"
}

# box_xfrm_empty: (kernel datapath) the daemon left no SA and no policy behind.
box_xfrm_empty() {
    local st p
    st="$(ip -n box xfrm state)"; p="$(ip -n box xfrm policy)"
    echo "state: ${st:-none}"; echo "policy: ${p:-none}"
    [[ -z "$st" && -z "$p" ]]
}

# ============================================================================
# Traffic through the SAs
# ============================================================================

# send_l2tp NS COUNT: COUNT copies of an L2TP SCCRQ (a real client's first
# message) from udp/1701 to the box's udp/1701: the packets the client's IPsec
# policy encrypts. send_l2tp_answered also waits for the daemon's SCCRP, which
# must come back through the same client's SA.
cat > "$LAB_TMP/sccrq.py" << 'EOF'
import socket, struct, sys, time
dst, count, host = sys.argv[1], int(sys.argv[2]), sys.argv[3].encode()
want_replies = len(sys.argv) > 4 and sys.argv[4] == 'replies'
def avp(attr, value):  # mandatory bit, length, vendor 0, attribute, value
    return struct.pack('!HHH', 0x8000 | (6 + len(value)), 0, attr) + value
body = (avp(0, struct.pack('!H', 1))          # Message Type: SCCRQ
        + avp(2, b'\x01\x00')                 # Protocol Version 1.0
        + avp(3, struct.pack('!I', 3))        # Framing Capabilities
        + avp(7, host)                        # Host Name
        + avp(9, struct.pack('!H', 1))        # Assigned Tunnel ID
        + avp(10, struct.pack('!H', 4)))      # Receive Window Size
# T, L, S bits, version 2; length; tunnel 0, session 0; Ns 0, Nr 0
msg = struct.pack('!HHHHHH', 0xC802, 12 + len(body), 0, 0, 0, 0) + body
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', 1701))
for i in range(count):
    s.sendto(msg, (dst, 1701))
    time.sleep(0.1)
print(f"sent {count} SCCRQ of {len(msg)} bytes from udp/1701 to {dst}:1701")
if want_replies:
    # The daemon's L2TP server answers: an SCCRP (control message, first AVP
    # Message Type = 2) addressed to our tunnel id 1.
    s.settimeout(10)
    try:
        while True:
            data, peer = s.recvfrom(4096)
            if len(data) >= 20 and data[0] & 0x80 and struct.unpack('!H', data[4:6])[0] == 1 \
                    and struct.unpack('!HHHH', data[12:20])[2:] == (0, 2):
                print(f"SCCRP of {len(data)} bytes from {peer[0]}:{peer[1]}")
                sys.exit(0)
    except socket.timeout:
        print("no SCCRP within 10 s")
        sys.exit(1)
EOF
send_l2tp() { ip netns exec "$1" "$PYTHON" "$LAB_TMP/sccrq.py" "$BOX" "$2" "$1"; }
send_l2tp_answered() { ip netns exec "$1" "$PYTHON" "$LAB_TMP/sccrq.py" "$BOX" "$2" "$1" replies; }


# save_status NAME: the last status answer a check saw (or a fresh one) as logs/status-NAME.json.
save_status() {
    if [[ -s "$STATUS_LAST" ]]; then
        cp "$STATUS_LAST" "$LAB_LOGS/status-$1.json"
    else
        status_json > "$LAB_LOGS/status-$1.json" 2>&1 || true
    fi
}

# The box's kernel holds no ESP SA: what was decrypted, the daemon decrypted itself.
box_kernel_has_no_sa() {
    local st
    st="$(ip -n box xfrm state)"
    echo "${st:-box: no xfrm state}"
    [[ -z "$st" ]]
}
# L2TP in clear from the WAN (the NAT router itself, source port 1702): the
# inbound guard drops it before any socket sees it.
policy_drops() {
    ip netns exec box cat /proc/net/xfrm_stat \
        | awk '$1 == "XfrmInNoStates" || $1 == "XfrmInTmplMismatch" || $1 == "XfrmInNoPols" || $1 == "XfrmInPolBlock" { n += $2 } END { print n + 0 }'
}
plain_in_dropped() {
    local before after
    before="$(policy_drops)"
    ip netns exec nat "$PYTHON" -c "import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 1702)); [s.sendto(b'plain', ('$BOX', 1701)) for _ in range(3)]"
    sleep 1
    after="$(policy_drops)"
    echo "box XFRM policy drops: $before -> $after"
    ip netns exec box cat /proc/net/xfrm_stat | grep -v ' 0$' || true
    # Dropped and counted by the inbound guard: the policy in the database, or (kernel L2TP
    # datapath) the 1701 listener's socket policy.
    [[ $((after - before)) -ge 3 ]]
}

# ipsec_first_client_traffic: L2TP datagrams from "client" (LAB_CLIENT_IP, its
# SA up) through its SA. Userspace: the daemon decrypts them itself. Kernel: the
# daemon's L2TP server answers through the client's SA (counters on both
# sides), and L2TP in clear is dropped by the guard policies.
ipsec_first_client_traffic() {
    if [[ "$ESP_DATAPATH" == userspace ]]; then
        lab_check client-send-l2tp send_l2tp client 3
        lab_check client-xfrm-out-counters out_sa_used client "$LAB_CLIENT_IP"
        lab_check appliance-esp-received vpn_expect 15 espPacketsReceived -gt 0
        lab_check appliance-esp-decrypted vpn_expect_again 15 espPacketsDecrypted -gt 0
        lab_check appliance-l2tp-through-esp vpn_expect_again 15 l2tpDatagramsThroughEsp -gt 0
        lab_check box-kernel-has-no-esp-sa box_kernel_has_no_sa
    else
        lab_check client-l2tp-answered-through-sa send_l2tp_answered client 3
        lab_check client-xfrm-out-counters out_sa_used client "$LAB_CLIENT_IP"
        lab_check client-xfrm-in-counters in_sa_used client "$LAB_CLIENT_IP"
        lab_check box-xfrm-in-counters in_sa_used box "$BOX"
        lab_check appliance-esp-decrypted vpn_expect 15 espPacketsDecrypted -gt 0
        lab_check box-plain-l2tp-in-dropped plain_in_dropped
    fi
}

# ============================================================================
# Starting and stopping the daemon
# ============================================================================

appliance_bin() {
    [[ -n "${APPLIANCE_BIN:-}" ]] || { echo "APPLIANCE_BIN is not set"; return 1; }
    [[ -x "$APPLIANCE_BIN" ]] || { echo "APPLIANCE_BIN=$APPLIANCE_BIN is not executable in the guest"; return 1; }
}

# configure, daemon_ready, guards_installed, ike_ports_open: ipsec_daemon_start's checks.
configure() {
    appliance config set vpn.psk "$PSK"
    appliance config set wan.interface "$LAB_BOX_WAN_IF"
    appliance config set lan.interface "$LAB_BOX_LAN_IF"
    appliance config set web.listen loopback:8080
}
daemon_ready() {
    lab_wait 60 daemon_has 'msg=ready' || { cat "$DAEMON_LOG"; echo "no msg=ready within 60 s"; return 1; }
    grep 'msg=ready' "$DAEMON_LOG"
}
guards_installed() {
    local p
    p="$(ip -n box xfrm policy)"
    echo "$p"
    if ! grep -A2 'proto udp dport 1701' <<< "$p" | grep 'dir in priority 2000' > /dev/null; then
        # With the kernel L2TP datapath the 1701 sockets carry the inbound guard themselves
        # (socket policies; the database policy is removed so that received packets skip the
        # policy lookup). The listener's is there from the start.
        grep -A2 'proto udp dport 1701' <<< "$p" | grep 'socket in' > /dev/null \
            || { echo "no inbound L2TP guard: neither the policy nor the listener's socket policy"; return 1; }
        echo "inbound L2TP guard: the 1701 listener's socket policy"
    fi
    grep -A2 'proto udp sport 1701' <<< "$p" | grep 'action block' > /dev/null || { echo "no outbound L2TP block"; return 1; }
}
# (grep reads to the end rather than -q: with pipefail an early quit can fail the writer with SIGPIPE.)
ike_ports_open() { ip netns exec box ss -Hlun | grep ':500 ' > /dev/null && ip netns exec box ss -Hlun | grep ':4500 ' > /dev/null; }
l2tp_port_open() { ip netns exec box ss -Hlun | grep ':1701 ' > /dev/null; }

# ipsec_daemon_start: the daemon in "box" with the lab's PSK, WAN and LAN and
# vpn.datapath=ESP_DATAPATH, up and listening on 500 and 4500 (kernel: with its
# L2TP guard policies and its own UDP 1701 socket). Sets DAEMON_PID.
ipsec_daemon_start() {
    lab_require appliance-bin appliance_bin
    mkdir -p "$DATA"
    lab_check appliance-config configure
    lab_check "appliance-config-datapath-$ESP_DATAPATH" appliance config set vpn.datapath "$ESP_DATAPATH"
    lab_capture appliance-config-show appliance config show
    lab_bg appliance-daemon box "$APPLIANCE_BIN" run --data "$DATA"
    DAEMON_PID=$LAB_BG_PID
    lab_require appliance-daemon-ready daemon_ready
    lab_check "appliance-datapath-$ESP_DATAPATH" daemon_wait 1 "msg=\"datapath chosen\" datapath=$ESP_DATAPATH"
    if [[ "$ESP_DATAPATH" == kernel ]]; then
        lab_check appliance-kernel-l2tp-guard-policies guards_installed
        lab_check appliance-l2tp-port-open lab_wait 20 l2tp_port_open
    fi
    lab_check appliance-ike-ports-open lab_wait 20 ike_ports_open
    save_status start
}

# ipsec_daemon_stop: SIGTERM to the daemon, which must exit 0 within 20 s
# (check appliance-sigterm-exit-0); DAEMON_RC says how it ended.
DAEMON_RC=none
daemon_exit_0() { echo "daemon exit: $DAEMON_RC"; [[ "$DAEMON_RC" == 0 ]]; }
ipsec_daemon_stop() {
    local state=gone
    if kill -TERM "$DAEMON_PID" 2> /dev/null; then
        # A child that exited stays a zombie until waited for: poll its state, not kill -0.
        for _ in $(seq 1 100); do
            state="$(awk '{print $3}' "/proc/$DAEMON_PID/stat" 2> /dev/null || echo gone)"
            [[ "$state" == Z || "$state" == gone ]] && break
            sleep 0.2
        done
        if [[ "$state" == Z || "$state" == gone ]]; then
            DAEMON_RC=0
            wait "$DAEMON_PID" || DAEMON_RC=$?
        else
            DAEMON_RC="still running 20 s after SIGTERM"
        fi
    fi
    lab_check appliance-sigterm-exit-0 daemon_exit_0
}
