#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# Libreswan's pluto (IKEv1), the second real L2TP/IPsec client, against the
# appliance daemon, with the daemon's ESP datapath given as the argument:
# "userspace" (the default) or "kernel" (XFRM SAs installed by the daemon).
# Unlike charon in ipsec-strongswan.sh, pluto sends PFS (a KE payload in Quick
# Mode) and DPD (R-U-THERE) by default, as Linux L2TP/IPsec clients using it do.
#
#   client 10.77.0.2 ── nat (masquerade, 203.0.113.2) ── wan ── box 203.0.113.1 (appliance)
#
# 1. the daemon starts in "box" with vpn.datapath=DATAPATH; pluto starts in
#    "client" with its own NSS database, rundir and config (nothing under /etc);
# 2. pluto, configured as the L2TP/IPsec guides configure Libreswan (ikev2=no,
#    authby=secret, type=transport, udp/1701 both ends, pfs=yes, DPD), brings up
#    Main Mode and Quick Mode through the NAT: ESP in UDP on 4500; the daemon
#    chose a PFS group in Quick Mode and its SPI pair mirrors pluto's;
# 3. traffic through the SA as in ipsec-strongswan.sh: userspace, L2TP datagrams
#    decrypted by the daemon (status counters); kernel, the echo on the box's
#    port 1701 answers through the SA (ipsec-common.sh);
# 4. DPD: pluto's R-U-THEREs (every 5 s) are answered, the peer is never
#    declared dead on either side;
# 5. pluto deletes the connection: the daemon logs both deletes and keeps no SA;
# 6. SIGTERM: the daemon exits 0.
#
# Libreswan conflicts with strongSwan's packages, so it is not installed:
# setup.sh unpacks Debian's package into the lab cache (LAB_LIBRESWAN_ROOT) and
# pluto, addconn and whack run from there. Logs: logs/pluto.log,
# logs/appliance-daemon.log, logs/whack-*.txt, logs/status-*.json.
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"

ESP_DATAPATH="${1:-userspace}"
case "$ESP_DATAPATH" in userspace|kernel) ;; *) echo "datapath must be userspace or kernel, not $ESP_DATAPATH" >&2; exit 2 ;; esac
PSK='lab-ipsec-psk-7Hq2xR9wK4'
# shellcheck source=tests/lab/ipsec-common.sh
. "$LAB_DIR/ipsec-common.sh"

LIBRESWAN="${LAB_LIBRESWAN_ROOT:-/var/cache/appliance-lab/libreswan}"
LIBRESWAN_LIBS="$LIBRESWAN/usr/lib/x86_64-linux-gnu:$LIBRESWAN/lib/x86_64-linux-gnu"
IPSEC_EXEC="$LIBRESWAN/usr/libexec/ipsec"
PLUTO_DIR="$LAB_TMP/pluto"
PLUTO_RUN="$PLUTO_DIR/run"
PLUTO_CONF="$PLUTO_DIR/ipsec.conf"
PLUTO_LOG="$LAB_LOGS/pluto.log"
CONN=l2tp
# DPD every 5 s, so that several probes fall inside the run.
DPD_DELAY=5

# ============================================================================
# Helpers: pluto, addconn and whack from the unpacked package, in "client"
# ============================================================================

# whack ARGS...: pluto's control program, against this run's control socket.
whack() { timeout 60 ip netns exec client env LD_LIBRARY_PATH="$LIBRESWAN_LIBS" \
    "$IPSEC_EXEC/whack" --rundir "$PLUTO_RUN" --ctlsocket "$PLUTO_RUN/pluto.ctl" "$@"; }

libreswan_unpacked() {
    [[ -f "$LIBRESWAN/.complete" ]] || { echo "no unpacked libreswan in $LIBRESWAN (tests/lab/setup.sh makes it)"; return 1; }
    echo "libreswan $(cat "$LIBRESWAN/.complete") in $LIBRESWAN"
    command -v certutil > /dev/null || { echo "certutil (libnss3-tools) is missing"; return 1; }
}

# pluto_setup: NSS database, secrets and ipsec.conf under $PLUTO_DIR. The conn
# is what the L2TP/IPsec client guides write for Libreswan, with explicit
# proposals that the daemon's "compatible" level accepts; pfs=yes (the
# default, written out) makes pluto send KE in Quick Mode, with phase 1's group.
pluto_setup() {
    mkdir -p "$PLUTO_RUN" "$PLUTO_DIR/nss" "$PLUTO_DIR/ipsec.d"
    certutil -N -d "sql:$PLUTO_DIR/nss" --empty-password
    printf '%s %s : PSK "%s"\n' "$LAB_CLIENT_IP" "$BOX" "$PSK" > "$PLUTO_DIR/ipsec.secrets"
    chmod 600 "$PLUTO_DIR/ipsec.secrets"
    # plutodebug=base: DPD's R_U_THERE/R_U_THERE_ACK are only logged as debug.
    # ikev1-policy=accept: Libreswan 4.10 refuses IKEv1 connections by default
    # (drop); the L2TP guides for it add this line.
    cat > "$PLUTO_CONF" << EOF
config setup
    ikev1-policy=accept
    logfile=$PLUTO_LOG
    logappend=no
    logtime=yes
    plutodebug=base
    nssdir=$PLUTO_DIR/nss
    secretsfile=$PLUTO_DIR/ipsec.secrets
    ipsecdir=$PLUTO_DIR/ipsec.d
    dumpdir=$PLUTO_RUN

conn $CONN
    ikev2=no
    authby=secret
    type=transport
    left=%defaultroute
    leftprotoport=17/1701
    right=$BOX
    rightprotoport=17/1701
    ike=aes256-sha2_256;modp2048,aes128-sha1;modp2048
    esp=aes256-sha2_256,aes128-sha1
    pfs=yes
    dpddelay=$DPD_DELAY
    dpdtimeout=30
    dpdaction=clear
    keyingtries=1
    leftupdown=%disabled
    auto=add
EOF
}

# pluto_start: pluto in "client", in the foreground of its lab_bg job (stopped
# at the end). Its control socket, pid file and NSS database are this run's.
# pluto starts $IPSEC_EXECDIR/addconn (compiled in: /usr/libexec/ipsec) to load
# the auto=add connections from --config: in a mount namespace of its own, the
# unpacked directory is bind-mounted there (the guest's root is an overlay, the
# host is untouched). unshare, sh and env all exec: lab_bg's pid is pluto's.
pluto_start() {
    # The inner sh expands "$0" and "$@" itself.
    # shellcheck disable=SC2016
    lab_bg pluto-stdout client unshare -m sh -c \
        'mkdir -p /usr/libexec/ipsec && mount --bind "$0" /usr/libexec/ipsec && exec "$@"' "$IPSEC_EXEC" \
        env LD_LIBRARY_PATH="$LIBRESWAN_LIBS" /usr/libexec/ipsec/pluto \
        --config "$PLUTO_CONF" --nofork --rundir "$PLUTO_RUN" --nssdir "$PLUTO_DIR/nss" \
        --secretsfile "$PLUTO_DIR/ipsec.secrets" --ipsecdir "$PLUTO_DIR/ipsec.d" \
        --logfile "$PLUTO_LOG" --no-dnssec
}

# pluto_up: whack answers, and pluto's own addconn loaded the connection.
pluto_up() {
    # Never `whack ... | grep -q`: under pipefail, whack's SIGPIPE fails the check.
    conn_loaded() { local st; st="$(whack --status)"; grep -q "\"$CONN\":" <<< "$st"; }
    if ! lab_wait 60 conn_loaded; then
        echo "pluto did not answer with connection $CONN loaded within 60 s"
        cat "$LAB_LOGS/pluto-stdout.log" 2> /dev/null || true
        tail -n 30 "$PLUTO_LOG" 2> /dev/null || true
        return 1
    fi
    local st
    st="$(whack --status)"
    grep -E "\"$CONN\":" <<< "$st" | head -n 12 || true
}

# pluto_initiate: whack waits until Quick Mode is done or pluto gives up
# (keyingtries=1); its own output is the record, pluto's log the proof.
pluto_initiate() {
    local rc=0
    whack --name "$CONN" --initiate || rc=$?
    echo "whack --initiate exit code: $rc"
    grep -q 'IPsec SA established' "$PLUTO_LOG"
}

pluto_has() { grep -qE "$1" "$PLUTO_LOG" 2> /dev/null; }
pluto_grep() {
    if grep -E "$1" "$PLUTO_LOG"; then return 0; fi
    echo "pluto logged no line matching /$1/"
    return 1
}

# pluto_spis: "IN OUT" from pluto's "IPsec SA established transport mode
# {ESPinUDP=>0xOUT <0xIN ...}": IN is the SPI pluto receives on (the daemon's
# spi_out), OUT the one it sends with (the daemon's spi_in).
pluto_spis() {
    sed -n 's/.*IPsec SA established .*ESP[^=]*=>0x\([0-9a-f]*\) <0x\([0-9a-f]*\).*/\2 \1/p' \
        "$PLUTO_LOG" 2> /dev/null | tail -n 1
}

# ============================================================================
# 1. Topology, pluto and the daemon
# ============================================================================

lab_modprobe esp4 xfrm_user
lab_require topology lab_topology
lab_require libreswan-unpacked libreswan_unpacked
lab_require pluto-config pluto_setup
lab_save "$PLUTO_CONF" pluto-ipsec.conf
# pluto starts now, idle until initiated: its start overlaps the daemon's.
pluto_start
ipsec_daemon_start
lab_require pluto-up pluto_up

# ============================================================================
# 2. IKE SA and IPsec SA through the NAT, with PFS
# ============================================================================

lab_check pluto-initiate pluto_initiate
lab_check pluto-ike-sa-established pluto_grep 'IKE SA established \{auth=PRESHARED_KEY .*group=MODP2048\}'
lab_check pluto-behind-nat pluto_grep 'NAT-Traversal: Result using RFC 3947.*I am behind NAT'
# PFS from pluto's side: Quick Mode offered with a KE of phase 1's group, and
# the daemon's answer carried a KE that pluto computed the shared secret with
# (a debug line: plutodebug=base).
lab_check pluto-quick-mode-offers-pfs pluto_grep 'initiating Quick Mode [A-Za-z0-9_+]*\+PFS\+.*pfsgroup=MODP2048'
lab_check pluto-quick-mode-reply-ke-used pluto_grep 'submitting DH shared secret for #[0-9]+/#[0-9]+ \(quick_inR1_outI2'
lab_check pluto-ipsec-sa-established pluto_grep 'IPsec SA established transport mode \{ESPinUDP=>0x[0-9a-f]+ <0x[0-9a-f]+ xfrm=AES_CBC_256-HMAC_SHA2_256_128 '
lab_check pluto-dpd-active pluto_grep 'IPsec SA established .*DPD=active'
lab_capture whack-status-established whack --status
traffic_status_esp() {
    local out
    out="$(whack --trafficstatus)"
    echo "$out"
    grep -qE "\"$CONN\".*type=ESP" <<< "$out"
}
lab_check pluto-trafficstatus-esp traffic_status_esp
C1_IN="" C1_OUT=""
read -r C1_IN C1_OUT <<< "$(pluto_spis)" || true
lab_log "pluto SPIs: in=${C1_IN:-?} out=${C1_OUT:-?}"
lab_check client-xfrm-two-espinudp-sas client_xfrm_ok client "$C1_IN" "$C1_OUT"

lab_check appliance-ike-sa-established-client daemon_wait 10 "msg=\"IKE SA established\".* id=$LAB_CLIENT_IP"
lab_check appliance-phase1-peer-does-dpd daemon_wait 1 'msg="phase 1 proposal chosen".* dpd=[Tt]rue'
# PFS: the daemon's Quick Mode choice names the KE group pluto sent (MODP-2048
# is group 14); the traffic checks below prove both sides derived the same keys.
lab_check appliance-quick-mode-pfs-group-14 daemon_wait 10 'msg="quick mode proposal chosen".* pfs="?14"?( |$)'
lab_check appliance-esp-sas-match-client daemon_spis_match "$C1_IN" "$C1_OUT"
lab_check appliance-status-one-ike-sa vpn_expect 5 establishedIkeSas -eq 1
lab_check appliance-status-one-esp-pair vpn_expect_again 5 espSaPairs -eq 1
if [[ "$ESP_DATAPATH" == kernel ]]; then
    lab_check box-kernel-sas-client box_xfrm_ok "$C1_IN" "$C1_OUT"
    lab_check box-kernel-one-client-policy box_marked_policies 1
    lab_check appliance-logged-kernel-install daemon_wait 5 'msg="ESP SAs installed in the kernel"'
fi
save_status established

# ============================================================================
# 3. Traffic through the SA
# ============================================================================

ipsec_first_client_traffic
traffic_status_out_bytes() {
    local out n
    out="$(whack --trafficstatus)"
    echo "$out"
    n="$(sed -n 's/.*outBytes=\([0-9]*\).*/\1/p' <<< "$out" | head -n 1)"
    [[ "${n:-0}" -gt 0 ]] || { echo "pluto counts no bytes sent through the SA"; return 1; }
}
lab_check pluto-trafficstatus-out-bytes traffic_status_out_bytes
save_status after-traffic
lab_capture xfrm-client-after-traffic ip -s -n client xfrm state

# ============================================================================
# 4. DPD: pluto's R-U-THEREs are answered
# ============================================================================

dpd_acks() { grep -c 'R_U_THERE_ACK, seqno received' "$PLUTO_LOG" 2> /dev/null || true; }
dpd_answered() {
    local want=$(($1))
    two_acks() { [[ "$(dpd_acks)" -ge "$want" ]]; }
    if ! lab_wait $((DPD_DELAY * 6)) two_acks; then
        grep -E 'R_U_THERE|DPD' "$PLUTO_LOG" | tail -n 20
        echo "$(dpd_acks) R_U_THERE_ACKs in pluto's log after $((DPD_DELAY * 6)) s, want $want"
        return 1
    fi
    grep -E 'sending R_U_THERE|R_U_THERE_ACK, seqno received' "$PLUTO_LOG"
}
lab_check pluto-dpd-acked-twice dpd_answered 2
pluto_peer_alive() {
    if pluto_has 'DPD action|could not send R_U_THERE|unexpected R_U_THERE_ACK|received bogus R_U_THERE'; then
        grep -E 'DPD action|could not send R_U_THERE|unexpected R_U_THERE_ACK|received bogus R_U_THERE' "$PLUTO_LOG"
        return 1
    fi
    echo "no DPD action, no bogus R_U_THERE_ACK in pluto's log"
}
lab_check pluto-peer-not-declared-dead pluto_peer_alive
daemon_peer_alive() {
    if daemon_has 'peer is dead'; then grep 'peer is dead' "$DAEMON_LOG"; return 1; fi
    echo "the daemon declared no peer dead"
}
lab_check appliance-peer-not-declared-dead daemon_peer_alive
lab_check appliance-still-one-esp-pair vpn_expect 5 espSaPairs -eq 1

# ============================================================================
# 5. pluto deletes the connection
# ============================================================================

ESP_DELETED0="$(daemon_count 'peer deleted ESP SAs')"
IKE_DELETED0="$(daemon_count 'peer deleted the IKE SA')"
lab_capture whack-delete whack --name "$CONN" --delete
# pluto tells the peer about both SAs before forgetting them.
pluto_sent_deletes() {
    pluto_grep 'deleting state \(STATE_QUICK_I2\).* and sending notification'
    pluto_grep 'deleting state \(STATE_MAIN_I4\).* and sending notification'
}
lab_check pluto-sent-deletes pluto_sent_deletes
esp_deleted() { daemon_wait_more 15 "$ESP_DELETED0" 'peer deleted ESP SAs'; }
lab_check appliance-peer-deleted-esp-sas esp_deleted
ike_deleted() { daemon_wait_more 15 "$IKE_DELETED0" 'peer deleted the IKE SA'; }
lab_check appliance-peer-deleted-ike-sa ike_deleted
lab_check appliance-no-established-ike-sa vpn_expect 10 establishedIkeSas -eq 0
lab_check appliance-no-esp-pairs vpn_expect_again 10 espSaPairs -eq 0
lab_check client-xfrm-sas-removed lab_wait 10 client_sas_gone client
if [[ "$ESP_DATAPATH" == kernel ]]; then
    lab_check box-kernel-client-sas-removed lab_wait 10 box_client_sas_gone "$C1_IN" "$C1_OUT"
    lab_check box-kernel-no-client-policy-left box_marked_policies 0
fi
save_status after-delete

# ============================================================================
# 6. SIGTERM: exit 0
# ============================================================================

lab_capture xfrm-box-before-stop ip -s -n box xfrm state
ipsec_daemon_stop
if [[ "$ESP_DATAPATH" == kernel ]]; then
    lab_check box-kernel-xfrm-cleaned-on-stop box_xfrm_empty
fi
lab_capture whack-status-end whack --status

lab_finish
