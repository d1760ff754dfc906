#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# L2TP/IPsec clients (strongSwan's charon, IKEv1) against the appliance daemon on
# a kernel that has ESP, with the daemon's ESP datapath given as the argument:
# "userspace" (the default) or "kernel" (XFRM SAs installed by the daemon).
#
#   client  10.77.0.2 ─┐
#   client2 10.77.1.2 ─┼─ nat (masquerade, 203.0.113.2) ── wan ── box 203.0.113.1 (appliance)
#   client3 10.77.2.2 ─┘
#
# 1. the daemon starts in "box" with vpn.datapath=DATAPATH;
# 2. client: charon (kernel-netlink: the client's own kernel carries the ESP SAs)
#    configured as the usual L2TP/IPsec guides do (IKEv1 Main Mode, PSK, transport
#    mode, udp/1701 both ends) brings up IKE and CHILD SAs through the NAT, so
#    ESP is UDP-encapsulated on 4500; the daemon's SPI pair matches charon's;
# 3. L2TP SCCRQs from client port 1701 are encrypted by the client kernel and
#    must be decrypted (status counters). Kernel: the daemon's L2TP server
#    answers each client's SCCRQ with an SCCRP that must come back through that
#    client's SA (counters on both sides), even for two clients behind one NAT
#    whose datagrams differ only in the SA's mark; L2TP in clear is dropped by
#    the daemon's guard policies;
# 4. client2 behind the same NAT: two IKE SAs and two ESP SA pairs at once, with
#    different SPIs, and both carry traffic;
# 5. client3 with a wrong PSK: refused, logged once, not kept;
# 6. client terminates: the daemon sees the delete;
# 7. SIGTERM: the daemon exits 0 and tells the remaining peer.
#
# Each charon gets its own strongswan.conf (STRONGSWAN_CONF), vici socket and a
# private /run (unshare -m + tmpfs: charon writes /run/charon.pid), as in
# tests/interop. Logs: logs/appliance-daemon.log, logs/charon-NAME.log,
# logs/xfrm-*.txt, logs/status-*.json.
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"

ESP_DATAPATH="${1:-userspace}"
case "$ESP_DATAPATH" in userspace|kernel) ;; *) echo "datapath must be userspace or kernel, not $ESP_DATAPATH" >&2; exit 2 ;; esac
PSK='lab-ipsec-psk-7Hq2xR9wK4'
WRONG_PSK='not-the-lab-psk-3Jd8'
DATA="$LAB_TMP/appliance-data"
DAEMON_LOG="$LAB_LOGS/appliance-daemon.log"
CHARON_BIN=/usr/lib/ipsec/charon
PYTHON=/usr/bin/python3          # not a pyenv shim: one interpreter start under TCG is enough
BOX="$LAB_BOX_WAN_IP"
CLIENT2_IP=10.77.1.2
CLIENT3_IP=10.77.2.2
IKE_PROPOSALS="aes128-sha256-modp2048,aes256-sha1-modp2048,aes128-sha1-modp2048,3des-sha1-modp1024"
ESP_PROPOSALS="aes128-sha1,aes256-sha1,3des-sha1,aes128gcm16"

# ============================================================================
# Helpers
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

# --- charon instances ----------------------------------------------------------

charon_dir() { echo "$LAB_TMP/charon-$1"; }
charon_log() { echo "$LAB_LOGS/charon-$1.log"; }
charon_sock() { echo "$LAB_TMP/charon-$1/charon.vici"; }

# swan NAME ARGS...: swanctl against that instance's vici socket.
swan() {
    local name="$1"; shift
    STRONGSWAN_CONF="$(charon_dir "$name")/strongswan.conf" \
        timeout 60 swanctl "$@" --uri "unix://$(charon_sock "$name")"
}

# charon_setup NAME LOCAL_IP PSK RETRANSMIT_TRIES: strongswan.conf and
# swanctl.conf for one L2TP/IPsec client (the config shape of
# tests/interop/charon-initiator.sh; swanctl.conf wants one setting per line).
charon_setup() {
    local name="$1" local_ip="$2" psk="$3" tries="$4" dir
    dir="$(charon_dir "$name")"
    mkdir -p "$dir"
    # Exactly these plugins (no /etc/strongswan.d): kernel-netlink is charon's
    # default IPsec backend and installs the ESP SAs in this namespace's XFRM.
    # Retransmits at 2 s, 3 s, 4.5 s...: TCG is slow, veth loses nothing.
    cat > "$dir/strongswan.conf" << EOF
charon {
    load_modular = no
    load = random nonce openssl hmac gmp kernel-netlink socket-default vici
    port = 500
    port_nat_t = 4500
    retransmit_timeout = 2.0
    retransmit_base = 1.5
    retransmit_tries = $tries
    threads = 6
    install_virtual_ip = no
    install_routes = no
    plugins {
        vici {
            socket = unix://$(charon_sock "$name")
        }
    }
    filelog {
        lab {
            path = $(charon_log "$name")
            append = no
            flush_line = yes
            time_format = %H:%M:%S
            ike_name = yes
            default = 1
            ike = 2
            cfg = 2
            enc = 1
            net = 1
            knl = 1
            esp = 1
        }
    }
    syslog {
        identifier = charon-lab-$name
        daemon {
            default = -1
        }
    }
}
swanctl {
    load = random
}
EOF
    # keyingtries 1: a failure is reported, not retried; no DPD, no rekeying.
    cat > "$dir/swanctl.conf" << EOF
connections {
    l2tp {
        version = 1
        aggressive = no
        local_addrs = $local_ip
        remote_addrs = $BOX
        proposals = $IKE_PROPOSALS
        keyingtries = 1
        dpd_delay = 0
        rekey_time = 0
        reauth_time = 0
        local {
            auth = psk
            id = $local_ip
        }
        remote {
            auth = psk
            id = $BOX
        }
        children {
            l2tp {
                mode = transport
                local_ts = dynamic[udp/1701]
                remote_ts = dynamic[udp/1701]
                esp_proposals = $ESP_PROPOSALS
                rekey_time = 0
                # An explicit hard lifetime, as L2TP guides set one ("lifetime=1h"): with
                # none, charon takes the RFC default from our answer but compares it with 0
                # and closed the CHILD_SA as "expired" when its SA install was slow (22 s
                # under TCG on a loaded host).
                life_time = 3600
                start_action = none
            }
        }
    }
}
secrets {
    ike-l2tp {
        secret = "$psk"
    }
}
EOF
}

# charon_start NAME NS: starts charon in NS in the background (main shell: the
# pid goes to lab_bg's list, so it is stopped at the end). ip netns exec, env,
# unshare and sh all exec: the recorded pid is charon's.
charon_start() {
    local name="$1" ns="$2"
    # The inner sh expands "$0" (charon's path) itself.
    # shellcheck disable=SC2016
    lab_bg "charon-$name-stdout" "$ns" env STRONGSWAN_CONF="$(charon_dir "$name")/strongswan.conf" \
        unshare -m sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$0"' "$CHARON_BIN"
}

charon_pid() { awk -v n="charon-$1-stdout" '$2 == n { print $1 }' "$LAB_TMP/bg.pids" 2> /dev/null | tail -n 1; }

charon_stop() {
    local pid
    pid="$(charon_pid "$1")"
    if [[ -n "$pid" ]]; then kill "$pid" 2> /dev/null || true; fi
}

# charon_up NAME: vici answers, and the connection and secret are loaded.
charon_up() {
    local name="$1" dir
    dir="$(charon_dir "$name")"
    if ! lab_wait 30 swan "$name" --stats; then
        echo "charon $name: vici socket did not answer within 30 s"
        cat "$LAB_LOGS/charon-$name-stdout.log" 2> /dev/null || true
        return 1
    fi
    swan "$name" --load-all --noprompt --file "$dir/swanctl.conf" > "$dir/load.log" 2>&1 || true
    grep -vE "opening directory '.*' failed" "$dir/load.log" || true
    if grep -qE 'failed to load|config discarded' "$dir/load.log"; then return 1; fi
    grep -q "loaded connection 'l2tp'" "$dir/load.log"
}

# charon gives up by itself after its retransmits (~16 s per exchange).
charon_initiate() { swan "$1" --initiate --child l2tp --timeout 40; }

charon_has() { grep -qE "$2" "$(charon_log "$1")" 2> /dev/null; }
charon_grep() {
    local name="$1" re="$2"
    if grep -E "$re" "$(charon_log "$name")"; then return 0; fi
    echo "charon $name logged no line matching /$re/"
    return 1
}

# charon_spis NAME: "IN OUT" from charon's "CHILD_SA l2tp{N} established with
# SPIs <in>_i <out>_o": IN is the SPI charon receives on (the daemon's spi_out),
# OUT the one it sends with (the daemon's spi_in).
charon_spis() {
    sed -n 's/.*CHILD_SA l2tp{[0-9]*} established with SPIs \([0-9a-f]*\)_i \([0-9a-f]*\)_o.*/\1 \2/p' \
        "$(charon_log "$1")" 2> /dev/null | tail -n 1
}

# --- Checks shared by the clients ------------------------------------------------

# client_xfrm_ok NS IN OUT: two ESP transport SAs, UDP-encapsulated, with charon's SPIs.
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
    [[ -n "$in" && -n "$out" ]] || { echo "charon's SPIs unknown"; return 1; }
    grep -q "proto esp spi 0x$in " <<< "$st" || { echo "no SA with charon's inbound SPI $in"; return 1; }
    grep -q "proto esp spi 0x$out " <<< "$st" || { echo "no SA with charon's outbound SPI $out"; return 1; }
}

# daemon_spis_match IN OUT: the daemon's "ESP SAs established" line carries the
# mirror image of charon's pair.
daemon_spis_match() {
    local in="$1" out="$2"
    [[ -n "$in" && -n "$out" ]] || { echo "charon's SPIs unknown"; return 1; }
    echo "charon: in=$in out=$out; expecting the daemon's spi_in=$out spi_out=$in"
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

# send_l2tp NS COUNT: COUNT copies of an L2TP SCCRQ (a real client's first
# message) from udp/1701 to the box's udp/1701: the packets the client's IPsec
# policy encrypts. Nothing answers yet (no L2TP server in this issue).
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
    # The daemon's L2TP server answers through the client's SA: an SCCRP (control message,
    # first AVP Message Type = 2) addressed to our tunnel id 1.
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

# ============================================================================
# 1. Topology and the daemon
# ============================================================================

lab_modprobe esp4 xfrm_user
lab_require topology lab_topology
more_clients() {
    lab_nat_attach client2 lan1 10.77.1
    lab_nat_attach client3 lan2 10.77.2
}
lab_require topology-more-clients more_clients

# The three charons start now, idle until initiated: under TCG a charon takes
# seconds to start, which overlaps with the daemon's own start this way.
charon_setup client "$LAB_CLIENT_IP" "$PSK" 3
charon_setup client2 "$CLIENT2_IP" "$PSK" 3
# client3 has the wrong PSK and one retransmit (2 s, then gives up 3 s later):
# the daemon must log the mismatch once although it sees the encrypted MM5 twice.
charon_setup client3 "$CLIENT3_IP" "$WRONG_PSK" 1
charon_start client client
charon_start client2 client2
charon_start client3 client3
for c in client client2 client3; do
    lab_save "$(charon_dir "$c")/strongswan.conf" "charon-$c-strongswan.conf"
    lab_save "$(charon_dir "$c")/swanctl.conf" "charon-$c-swanctl.conf"
done

appliance_bin() {
    [[ -n "${APPLIANCE_BIN:-}" ]] || { echo "APPLIANCE_BIN is not set"; return 1; }
    [[ -x "$APPLIANCE_BIN" ]] || { echo "APPLIANCE_BIN=$APPLIANCE_BIN is not executable in the guest"; return 1; }
}
lab_require appliance-bin appliance_bin

mkdir -p "$DATA"
configure() {
    appliance config set vpn.psk "$PSK"
    appliance config set wan.interface "$LAB_BOX_WAN_IF"
    appliance config set lan.interface "$LAB_BOX_LAN_IF"
    appliance config set web.listen loopback:8080
}
lab_check appliance-config configure
lab_check "appliance-config-datapath-$ESP_DATAPATH" appliance config set vpn.datapath "$ESP_DATAPATH"

lab_capture appliance-config-show appliance config show
lab_bg appliance-daemon box "$APPLIANCE_BIN" run --data "$DATA"
DAEMON_PID=$LAB_BG_PID
daemon_ready() {
    lab_wait 60 daemon_has 'msg=ready' || { cat "$DAEMON_LOG"; echo "no msg=ready within 60 s"; return 1; }
    grep 'msg=ready' "$DAEMON_LOG"
}
lab_require appliance-daemon-ready daemon_ready
lab_check "appliance-datapath-$ESP_DATAPATH" daemon_wait 1 "msg=\"datapath chosen\" datapath=$ESP_DATAPATH"
if [[ "$ESP_DATAPATH" == kernel ]]; then
    guards_installed() {
        local p
        p="$(ip -n box xfrm policy)"
        echo "$p"
        grep -A2 'proto udp dport 1701' <<< "$p" | grep -q 'dir in priority 2000' || { echo "no inbound L2TP guard"; return 1; }
        grep -A2 'proto udp sport 1701' <<< "$p" | grep -q 'action block' || { echo "no outbound L2TP block"; return 1; }
    }
    lab_check appliance-kernel-l2tp-guard-policies guards_installed
    l2tp_port_open() { ip netns exec box ss -Hlun | grep -q ':1701 '; }
    lab_check appliance-l2tp-port-open lab_wait 20 l2tp_port_open
fi
ike_ports_open() { ip netns exec box ss -Hlun | grep -q ':500 ' && ip netns exec box ss -Hlun | grep -q ':4500 '; }
lab_check appliance-ike-ports-open lab_wait 20 ike_ports_open
save_status start

# ============================================================================
# 2. client: IKE and CHILD SA through the NAT
# ============================================================================

lab_check charon-client-up charon_up client
lab_check charon-client-initiate charon_initiate client
lab_check charon-client-ike-established charon_grep client 'IKE_SA l2tp\[[0-9]+\] established between'
lab_check charon-client-child-established charon_grep client 'CHILD_SA l2tp\{[0-9]+\} established with SPIs'
lab_check charon-client-behind-nat charon_grep client 'local host is behind NAT'
C1_IN="" C1_OUT=""
read -r C1_IN C1_OUT <<< "$(charon_spis client)" || true
lab_log "client SPIs: in=${C1_IN:-?} out=${C1_OUT:-?}"
lab_check client-xfrm-two-espinudp-sas client_xfrm_ok client "$C1_IN" "$C1_OUT"
lab_check appliance-ike-sa-established-client daemon_wait 10 "msg=\"IKE SA established\".* id=$LAB_CLIENT_IP"
lab_check appliance-esp-sas-match-client daemon_spis_match "$C1_IN" "$C1_OUT"
lab_check appliance-status-one-esp-pair vpn_expect 5 espSaPairs -eq 1
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
if [[ "$ESP_DATAPATH" == kernel ]]; then
    lab_check box-kernel-sas-client box_xfrm_ok "$C1_IN" "$C1_OUT"
    lab_check box-kernel-one-client-policy box_marked_policies 1
    lab_check appliance-logged-kernel-install daemon_wait 5 'msg="ESP SAs installed in the kernel"'
fi

# ============================================================================
# 3. Traffic client -> box (the reply direction needs the L2TP server: later)
# ============================================================================

# in_sa_used NS DST_IP: packets counted on the SA that NS decrypts (first one to DST_IP).
in_sa_used() {
    local n
    ip -s -n "$1" xfrm state list dst "$2"
    n="$(ip -s -n "$1" xfrm state list dst "$2" | sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n 1)"
    echo "inbound SA packets in $1: ${n:-none}"
    [[ "${n:-0}" -gt 0 ]]
}
if [[ "$ESP_DATAPATH" == userspace ]]; then
    lab_check client-send-l2tp send_l2tp client 3
    lab_check client-xfrm-out-counters out_sa_used client "$LAB_CLIENT_IP"
    lab_check appliance-esp-received vpn_expect 15 espPacketsReceived -gt 0
    lab_check appliance-esp-decrypted vpn_expect_again 15 espPacketsDecrypted -gt 0
    lab_check appliance-l2tp-through-esp vpn_expect_again 15 l2tpDatagramsThroughEsp -gt 0
    # The box's kernel holds no ESP SA: what was decrypted, the daemon decrypted itself.
    box_kernel_has_no_sa() {
        local st
        st="$(ip -n box xfrm state)"
        echo "${st:-box: no xfrm state}"
        [[ -z "$st" ]]
    }
    lab_check box-kernel-has-no-esp-sa box_kernel_has_no_sa
else
    lab_check client-l2tp-answered-through-sa send_l2tp_answered client 3
    lab_check client-xfrm-out-counters out_sa_used client "$LAB_CLIENT_IP"
    lab_check client-xfrm-in-counters in_sa_used client "$LAB_CLIENT_IP"
    lab_check box-xfrm-in-counters in_sa_used box "$BOX"
    lab_check appliance-esp-decrypted vpn_expect 15 espPacketsDecrypted -gt 0
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
        [[ "$after" -ge $((before + 3)) ]]
    }
    lab_check box-plain-l2tp-in-dropped plain_in_dropped
fi
save_status after-client
lab_capture xfrm-client-after-traffic ip -s -n client xfrm state

# ============================================================================
# 4. A second client behind the same NAT, both up at once
# ============================================================================

lab_check charon-client2-up charon_up client2
lab_check charon-client2-initiate charon_initiate client2
lab_check charon-client2-ike-established charon_grep client2 'IKE_SA l2tp\[[0-9]+\] established between'
lab_check charon-client2-child-established charon_grep client2 'CHILD_SA l2tp\{[0-9]+\} established with SPIs'
C2_IN="" C2_OUT=""
read -r C2_IN C2_OUT <<< "$(charon_spis client2)" || true
lab_log "client2 SPIs: in=${C2_IN:-?} out=${C2_OUT:-?}"
lab_check client2-xfrm-two-espinudp-sas client_xfrm_ok client2 "$C2_IN" "$C2_OUT"
client1_still_up() {
    local out
    out="$(swan client --list-sas)"
    echo "$out"
    grep -q 'ESTABLISHED' <<< "$out" && grep -q 'INSTALLED' <<< "$out"
}
lab_check charon-client-still-up client1_still_up
lab_check appliance-ike-sa-established-client2 daemon_wait 10 "msg=\"IKE SA established\".* id=$CLIENT2_IP"
lab_check appliance-esp-sas-match-client2 daemon_spis_match "$C2_IN" "$C2_OUT"
spis_differ() {
    echo "client in=$C1_IN out=$C1_OUT; client2 in=$C2_IN out=$C2_OUT"
    [[ -n "$C1_IN" && -n "$C2_IN" ]] || { echo "SPIs unknown"; return 1; }
    [[ "$C1_IN" != "$C2_IN" && "$C1_OUT" != "$C2_OUT" && "$C1_IN" != "$C2_OUT" && "$C1_OUT" != "$C2_IN" ]]
}
lab_check clients-spis-differ spis_differ
lab_check appliance-two-ike-sas-established vpn_expect 10 establishedIkeSas -eq 2
lab_check appliance-two-esp-pairs vpn_expect_again 10 espSaPairs -eq 2
save_status two-clients
lab_capture swanctl-sas-client swan client --list-sas
lab_capture swanctl-sas-client2 swan client2 --list-sas

D0="$(vpn_now espPacketsDecrypted)"
if [[ "$ESP_DATAPATH" == userspace ]]; then
    L0="$(vpn_now l2tpDatagramsThroughEsp)"
    lab_check client2-send-l2tp send_l2tp client2 3
    lab_check client2-xfrm-out-counters out_sa_used client2 "$CLIENT2_IP"
    lab_check appliance-esp-decrypted-client2 vpn_expect 15 espPacketsDecrypted -gt "$D0"
    lab_check appliance-l2tp-through-esp-client2 vpn_expect_again 15 l2tpDatagramsThroughEsp -gt "$L0"
    D1="$(vpn_now espPacketsDecrypted)"
    lab_check client-send-l2tp-again send_l2tp client 2
    lab_check appliance-esp-decrypted-client-again vpn_expect 15 espPacketsDecrypted -gt "$D1"
else
    lab_check box-kernel-sas-client2 box_xfrm_ok "$C2_IN" "$C2_OUT"
    lab_check box-kernel-two-client-policies box_marked_policies 2
    # Both clients' L2TP arrives as NAT-address:1701 -> box:1701; only the SA's
    # mark tells them apart, and each reply must reach the client that asked.
    lab_check client2-l2tp-answered-through-sa send_l2tp_answered client2 3
    lab_check client2-xfrm-in-counters in_sa_used client2 "$CLIENT2_IP"
    lab_check client-l2tp-answered-again send_l2tp_answered client 2
    lab_check appliance-esp-decrypted-both vpn_expect 15 espPacketsDecrypted -gt "$D0"
fi
save_status after-both
lab_capture xfrm-client2-after-traffic ip -s -n client2 xfrm state

# ============================================================================
# 5. Wrong PSK (client3): refused, logged once, not kept
# ============================================================================

MISMATCH0="$(daemon_count 'pre-shared key mismatch')"
lab_check charon-client3-up charon_up client3
client3_refused() {
    local rc=0
    charon_initiate client3 || rc=$?
    echo "swanctl --initiate exit code: $rc"
    [[ $rc -ne 0 ]] || { echo "swanctl --initiate succeeded with the wrong PSK"; return 1; }
    if charon_has client3 'IKE_SA l2tp\[[0-9]+\] established'; then
        echo "charon client3 established an IKE SA with the wrong PSK"
        return 1
    fi
    grep -E 'generating ID_PROT request 0 \[ ID HASH|decryption failed|parsing failed|error notify|giving up|establishing IKE_SA failed' \
        "$(charon_log client3)"
    charon_has client3 'generating ID_PROT request 0 \[ ID HASH' || { echo "client3 never sent MM5"; return 1; }
}
lab_check charon-client3-wrong-psk-refused client3_refused
mismatch_once() {
    local n
    daemon_wait 5 'pre-shared key mismatch' || true
    n=$(($(daemon_count 'pre-shared key mismatch') - MISMATCH0))
    echo "'pre-shared key mismatch' logged $n times"
    [[ $n -eq 1 ]]
}
lab_check appliance-psk-mismatch-logged-once mismatch_once
charon_stop client3
sleep 2
lab_check appliance-failed-sa-not-kept vpn_expect 5 ikeSas -eq 2
lab_check appliance-still-two-established vpn_expect_again 1 establishedIkeSas -eq 2
save_status after-wrong-psk

# ============================================================================
# 6. client disconnects
# ============================================================================

DELETED0="$(daemon_count 'peer deleted the IKE SA')"
lab_check charon-client-terminate swan client --terminate --ike l2tp --timeout 30
peer_deleted() {
    lab_wait 15 sh -c "[ \$(grep -c 'peer deleted the IKE SA' '$DAEMON_LOG') -gt $DELETED0 ]" \
        || { echo "no new 'peer deleted the IKE SA' line in 15 s"; return 1; }
    grep 'peer deleted the IKE SA' "$DAEMON_LOG"
}
lab_check appliance-peer-deleted-ike-sa peer_deleted
lab_check appliance-established-decreased vpn_expect 10 establishedIkeSas -eq 1
lab_check appliance-esp-pairs-decreased vpn_expect_again 10 espSaPairs -eq 1
client_sas_gone() {
    local st
    st="$(ip -n client xfrm state)"
    echo "$st"
    [[ -z "$st" ]]
}
lab_check client-xfrm-sas-removed lab_wait 10 client_sas_gone
if [[ "$ESP_DATAPATH" == kernel ]]; then
    box_client_sas_gone() {
        local st
        st="$(ip -n box xfrm state)"
        echo "$st"
        ! grep -qE "proto esp spi 0x($C1_IN|$C1_OUT) " <<< "$st"
    }
    lab_check box-kernel-client-sas-removed lab_wait 10 box_client_sas_gone
    lab_check box-kernel-one-client-policy-left box_marked_policies 1
fi
save_status after-terminate

# ============================================================================
# 7. SIGTERM: exit 0, and the remaining peer (client2) is told
# ============================================================================

xfrm_all() {
    local ns
    for ns in client client2 client3 box; do
        echo "== $ns"
        ip -s -n "$ns" xfrm state
        ip -n "$ns" xfrm policy
    done
}
lab_capture xfrm-all-before-stop xfrm_all
DAEMON_RC=none
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
daemon_exit_0() { echo "daemon exit: $DAEMON_RC"; [[ "$DAEMON_RC" == 0 ]]; }
lab_check appliance-sigterm-exit-0 daemon_exit_0
lab_check charon-client2-told-of-shutdown lab_wait 10 charon_has client2 'received DELETE for IKE_SA'
if [[ "$ESP_DATAPATH" == kernel ]]; then
    box_xfrm_empty() {
        local st p
        st="$(ip -n box xfrm state)"; p="$(ip -n box xfrm policy)"
        echo "state: ${st:-none}"; echo "policy: ${p:-none}"
        [[ -z "$st" && -z "$p" ]]
    }
    lab_check box-kernel-xfrm-cleaned-on-stop box_xfrm_empty
fi

lab_finish
