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
# 6b. client4 on the WAN itself (no NAT): plain ESP (IP protocol 50), which the
#    userspace datapath reads from a raw socket; the daemon's SCCRP comes back
#    through the SA as ESP too;
# 7. SIGTERM: the daemon exits 0 and tells the remaining peers.
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
CLIENT2_IP=10.77.1.2
CLIENT3_IP=10.77.2.2
IKE_PROPOSALS="aes128-sha256-modp2048,aes256-sha1-modp2048,aes128-sha1-modp2048,3des-sha1-modp1024"
ESP_PROPOSALS="aes128-sha1,aes256-sha1,3des-sha1,aes128gcm16"
# shellcheck source=tests/lab/ipsec-common.sh
. "$LAB_DIR/ipsec-common.sh"

# ============================================================================
# Helpers
# ============================================================================

# --- charon instances ----------------------------------------------------------

# shellcheck source=tests/lab/charon-common.sh
. "$LAB_DIR/charon-common.sh"

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

ipsec_daemon_start

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
if [[ "$ESP_DATAPATH" == kernel ]]; then
    lab_check box-kernel-sas-client box_xfrm_ok "$C1_IN" "$C1_OUT"
    lab_check box-kernel-one-client-policy box_marked_policies 1
    lab_check appliance-logged-kernel-install daemon_wait 5 'msg="ESP SAs installed in the kernel"'
fi

# ============================================================================
# 3. Traffic client -> box (the reply direction needs the L2TP server: later)
# ============================================================================

ipsec_first_client_traffic
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
peer_deleted() { daemon_wait_more 15 "$DELETED0" 'peer deleted the IKE SA'; }
lab_check appliance-peer-deleted-ike-sa peer_deleted
lab_check appliance-established-decreased vpn_expect 10 establishedIkeSas -eq 1
lab_check appliance-esp-pairs-decreased vpn_expect_again 10 espSaPairs -eq 1
lab_check client-xfrm-sas-removed lab_wait 10 client_sas_gone
if [[ "$ESP_DATAPATH" == kernel ]]; then
    lab_check box-kernel-client-sas-removed lab_wait 10 box_client_sas_gone "$C1_IN" "$C1_OUT"
    lab_check box-kernel-one-client-policy-left box_marked_policies 1
fi
save_status after-terminate

# ============================================================================
# 6b. A client without NAT: ESP as IP protocol 50
# ============================================================================

CLIENT4_IP=203.0.113.3
client4_attach() { lab_ns client4 && lab_wan_attach client4 eth0 "$CLIENT4_IP/24"; }
lab_require topology-client-without-nat client4_attach
charon_setup client4 "$CLIENT4_IP" "$PSK" 3
charon_start client4 client4
lab_check charon-client4-up charon_up client4
lab_check charon-client4-initiate charon_initiate client4
lab_check charon-client4-child-established charon_grep client4 'CHILD_SA l2tp\{[0-9]+\} established with SPIs'
C4_IN="" C4_OUT=""
read -r C4_IN C4_OUT <<< "$(charon_spis client4)" || true
# client4_plain_esp: two transport SAs with the client's SPIs and no UDP encapsulation.
client4_plain_esp() {
    local st n
    st="$(ip -n client4 xfrm state)"
    echo "$st"
    n="$(grep -c 'mode transport' <<< "$st" || true)"
    [[ "$n" -eq 2 ]] || { echo "$n transport-mode SAs in client4, want 2"; return 1; }
    if grep -q 'encap type' <<< "$st"; then echo "client4's SAs are UDP-encapsulated, but there is no NAT"; return 1; fi
    grep -q "proto esp spi 0x$C4_IN " <<< "$st" && grep -q "proto esp spi 0x$C4_OUT " <<< "$st"
}
lab_check client4-xfrm-plain-esp-sas client4_plain_esp
lab_check appliance-esp-sas-match-client4 daemon_spis_match "$C4_IN" "$C4_OUT"
D4="$(vpn_now espPacketsDecrypted)"
lab_check client4-l2tp-answered-through-plain-esp send_l2tp_answered client4 2
lab_check client4-xfrm-in-counters in_sa_used client4 "$CLIENT4_IP"
if [[ "$ESP_DATAPATH" == userspace ]]; then
    lab_check appliance-raw-esp-open daemon_wait 1 'msg=listening .*raw_esp=True'
    lab_check appliance-esp-decrypted-client4 vpn_expect 15 espPacketsDecrypted -gt "$D4"
fi
save_status after-client4

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
ipsec_daemon_stop
lab_check charon-client2-told-of-shutdown lab_wait 10 charon_has client2 'received DELETE for IKE_SA'
if [[ "$ESP_DATAPATH" == kernel ]]; then
    lab_check box-kernel-xfrm-cleaned-on-stop box_xfrm_empty
fi

lab_finish
