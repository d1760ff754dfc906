#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# The XFRM netlink adapter (firmware/Appliance.Platform.Linux/Netlink) against a kernel that has
# esp4: a lab driver that calls the adapter installs matching transport-mode ESP SAs and L2TP
# policies (UDP, port 1701 on the server side) in two namespaces, a UDP datagram goes to port
# 1701 and is echoed back, and both the adapter's GetSaCounters and `ip -s xfrm state` must see
# every SA carry it, with nftables counting ESP (or ESP-in-UDP) and no cleartext L2TP on the
# wire. Rounds: AES-CBC/HMAC-SHA1, rfc4106(gcm(aes)), AES-CBC/HMAC-SHA1 in UDP 4500 (receivers
# hold a UDP_ENCAP_ESPINUDP socket), 3DES/HMAC-SHA256 in UDP. Then the expire notifications
# (soft, then hard) and the kernel's refusals as named errnos.
#
# The driver is published on the host first (NativeAOT, about a minute):
#   dotnet publish tests/lab/drivers/Appliance.Lab.XfrmDriver -c Release -r linux-x64 -p:PublishAot=true
# or name another build with LAB_XFRM_DRIVER=/abs/path.
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"

DRIVER="${LAB_XFRM_DRIVER:-$LAB_REPO/tests/lab/drivers/Appliance.Lab.XfrmDriver/bin/Release/net10.0/linux-x64/publish/Appliance.Lab.XfrmDriver}"
driver_present() {
    [[ -x "$DRIVER" ]] && return 0
    echo "no driver at $DRIVER: publish it on the host with"
    echo "dotnet publish tests/lab/drivers/Appliance.Lab.XfrmDriver -c Release -r linux-x64 -p:PublishAot=true"
    return 1
}
lab_require xfrm-driver-present driver_present
lab_modprobe esp4 xfrm_user

# --- Two namespaces: the server (the appliance's side, L2TP port 1701) and a client ----------
SRV=198.51.100.1
CLI=198.51.100.2
xfrm_topology() {
    lab_ns xsrv xcli
    lab_veth xsrv eth0 xcli eth0
    lab_addr xsrv eth0 "$SRV/24"
    lab_addr xcli eth0 "$CLI/24"
    local ns
    for ns in xsrv xcli; do
        # Evidence from the wire without tcpdump: what arrives before any decapsulation, and
        # L2TP that arrives without having come through IPsec (must stay 0).
        ip netns exec "$ns" nft -f - <<'EOF'
table inet xfrmlab {
    counter esp_in {}
    counter espinudp_in {}
    counter cleartext_l2tp_in {}
    chain pre {
        type filter hook prerouting priority raw; policy accept;
        meta l4proto esp counter name esp_in
        udp dport 4500 counter name espinudp_in
        meta secpath missing udp dport 1701 counter name cleartext_l2tp_in
        meta secpath missing udp sport 1701 counter name cleartext_l2tp_in
    }
}
EOF
    done
}
lab_require xfrm-topology xfrm_topology
lab_require ping-client-to-server lab_ping xcli "$SRV" 1

drv() { local ns="$1"; shift; ip netns exec "$ns" "$DRIVER" "$@"; }

# A check must say why it failed (lib.sh reads its last output line for the reason).
or_say() { "$@" || { local rc=$?; echo "failed (exit $rc): $*"; return "$rc"; }; }

# Process starts are what costs time under TCG: each check below reads what it needs from files
# that one call per namespace filled (driver counters, ip -s xfrm state, nft counters) in $OUT.
OUT=""

udp_port_open() { ip netns exec "$1" ss -Hlun | grep -q " $2:$3 "; }

# ip_counters FILE DST SPI: "BYTES PACKETS" of that SA in an `ip -s xfrm state` listing.
ip_counters() {
    local file="$1" want_dst="$2" want_spi="$3" line dst="" spi="" re_sa='^src [^ ]+ dst ([^ ]+)' \
        re_spi='proto esp spi (0x[0-9a-f]+)' re_cur='^[[:space:]]*([0-9]+)\(bytes\), ([0-9]+)\(packets\)'
    while IFS= read -r line; do
        if [[ $line =~ $re_sa ]]; then dst="${BASH_REMATCH[1]}"; spi=""
        elif [[ $line =~ $re_spi ]]; then spi="${BASH_REMATCH[1]}"
        elif [[ $line =~ $re_cur && "$dst" == "$want_dst" && "$spi" == "$want_spi" ]]; then
            echo "${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"; return 0
        fi
    done < "$file"
    return 1
}

# counters_agree NS DST SPI: the adapter's GetSaCounters and `ip -s xfrm state` agree, and the
# SA carried at least one packet.
counters_agree() {
    local ns="$1" dst="$2" spi="$3" line mine="" theirs re
    re="^sa $dst/$spi bytes=([0-9]+) packets=([0-9]+) "
    while IFS= read -r line; do
        [[ $line =~ $re ]] && mine="${BASH_REMATCH[1]} ${BASH_REMATCH[2]}"
    done < "$OUT/counters-$ns.txt"
    theirs="$(ip_counters "$OUT/state-$ns.txt" "$dst" "$spi")" || theirs=""
    echo "SA $dst/$spi in $ns: adapter bytes/packets '$mine', ip -s xfrm state '$theirs'"
    [[ -n "$mine" && -n "$theirs" ]] || { echo "could not read the counters"; return 1; }
    [[ "${mine#* }" -ge 1 && "${mine% *}" -gt 0 ]] || { echo "SA $spi carried nothing"; return 1; }
    [[ "$mine" == "$theirs" ]] || { echo "adapter and ip disagree"; return 1; }
}

# nft_count NS COUNTER: packets of that counter in the `nft reset counters` listing.
nft_count() {
    local line name="" re_name='counter ([a-z_]+) \{' re_pk='packets ([0-9]+) bytes'
    while IFS= read -r line; do
        if [[ $line =~ $re_name ]]; then name="${BASH_REMATCH[1]}"
        elif [[ $line =~ $re_pk && "$name" == "$2" ]]; then echo "${BASH_REMATCH[1]}"; return 0
        fi
    done < "$OUT/nft-$1.txt"
    echo 0
}

wire_evidence() { # COUNTER: on both ends, that counter > 0 and no cleartext L2TP arrived
    local counter="$1" ns n clear
    for ns in xsrv xcli; do
        n="$(nft_count "$ns" "$counter")"
        clear="$(nft_count "$ns" cleartext_l2tp_in)"
        echo "$ns: $counter=$n cleartext_l2tp_in=$clear"
        [[ "$n" -gt 0 && "$clear" -eq 0 ]]
    done
}

nothing_left() {
    local ns out
    for ns in xsrv xcli; do
        out="$(ip -n "$ns" -batch - <<< $'xfrm state\nxfrm policy')"
        [[ -z "$out" ]] || { echo "$ns still has:"; echo "$out"; return 1; }
    done
}

# round NAME SUITE ENCAP(0|1) SPI_C2S SPI_S2C
round() {
    local name="$1" suite="$2" encap="$3" c2s="$4" s2c="$5"
    local extra=() ns
    [[ "$encap" == 1 ]] && extra=(--encap)
    # The nftables counters start at 0: created so, and reset when the previous round read them.
    local srv_args=(--role server --local "$SRV" --remote "$CLI" --spi-out "$s2c" --spi-in "$c2s" --reqid-out 1 --reqid-in 2 --suite "$suite" "${extra[@]}")
    local cli_args=(--role client --local "$CLI" --remote "$SRV" --spi-out "$c2s" --spi-in "$s2c" --reqid-out 3 --reqid-in 4 --suite "$suite" "${extra[@]}")
    lab_check "$name-install-server" drv xsrv install "${srv_args[@]}"
    lab_check "$name-install-client" drv xcli install "${cli_args[@]}"

    local pids=()
    if [[ "$encap" == 1 ]]; then
        lab_bg "$name-encap-server" xsrv "$DRIVER" encap-listen --bind "$SRV:4500"; pids+=("$LAB_BG_PID")
        lab_bg "$name-encap-client" xcli "$DRIVER" encap-listen --bind "$CLI:4500"; pids+=("$LAB_BG_PID")
    fi
    lab_bg "$name-echo-server" xsrv "$DRIVER" echo-server --bind "$SRV:1701" --count 1; pids+=("$LAB_BG_PID")
    if [[ "$encap" == 1 ]]; then
        lab_check "$name-encap-sockets" or_say lab_wait 30 sh -c "ip netns exec xsrv ss -Hlun | grep -q ' $SRV:4500 ' && ip netns exec xcli ss -Hlun | grep -q ' $CLI:4500 '"
    fi
    lab_wait 30 udp_port_open xsrv "$SRV" 1701 || true
    echo_through() {
        local out rc=0
        out="$(drv xcli echo-client --to "$SRV:1701" --text "l2tp-$name" --timeout 15 2>&1)" || rc=$?
        echo "$out"
        echo "driver exit code $rc"
        [[ "$out" == *"echo: l2tp-$name"* ]]
    }
    lab_check "$name-udp-1701-echo" echo_through

    # One read per namespace: the adapter's counters, ip's, nftables' (and reset them). The
    # files stay in logs/ for the record.
    OUT="$LAB_LOGS/$name"
    mkdir -p "$OUT"
    for ns in xsrv xcli; do
        drv "$ns" counters --sa "$SRV/$c2s,$CLI/$s2c" > "$OUT/counters-$ns.txt" 2>&1 || true
        ip -n "$ns" -s xfrm state > "$OUT/state-$ns.txt" 2>&1 || true
        ip netns exec "$ns" nft reset counters table inet xfrmlab > "$OUT/nft-$ns.txt" 2>&1 || true
    done
    # Each SA on each side: the client's outbound and the server's inbound carried the request,
    # the server's outbound and the client's inbound the echo.
    lab_check "$name-counters-server-in" counters_agree xsrv "$SRV" "$c2s"
    lab_check "$name-counters-server-out" counters_agree xsrv "$CLI" "$s2c"
    lab_check "$name-counters-client-out" counters_agree xcli "$SRV" "$c2s"
    lab_check "$name-counters-client-in" counters_agree xcli "$CLI" "$s2c"
    if [[ "$encap" == 1 ]]; then
        lab_check "$name-wire-esp-in-udp" wire_evidence espinudp_in
    else
        lab_check "$name-wire-esp" wire_evidence esp_in
    fi
    if [[ "$name" == cbc-sha1 && "${LAB_XFRM_CAPTURE:-0}" == 1 ]]; then
        # For golden tests: the kernel's GETSA reply, bytes as received.
        lab_capture getsa-reply-strace ip netns exec xsrv strace -e trace=recvmsg -e read=3,4,5 -s 64 \
            ip xfrm state get src "$CLI" dst "$SRV" proto esp spi "$c2s"
    fi
    lab_check "$name-remove-server" drv xsrv remove "${srv_args[@]}"
    lab_check "$name-remove-client" drv xcli remove "${cli_args[@]}"
    lab_check "$name-nothing-left" nothing_left
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
}

# --- Expire notifications: an SA with soft 1 s / hard 2 s lifetimes ---------------------------
expire_part() {
    if [[ "${LAB_XFRM_CAPTURE:-0}" == 1 ]]; then
        # `ip xfrm monitor` under strace records the kernel's XFRM_MSG_EXPIRE bytes (golden tests).
        lab_bg expire-monitor xsrv strace -e trace=recvmsg -e read=3,4,5 -s 64 ip xfrm monitor expire
        sleep 0.5
    fi
    expire_seen() {
        local out rc=0
        out="$(drv xsrv expire --local "$SRV" --remote "$CLI" --spi 0x00007001 --soft 1 --hard 2 --timeout 30 2>&1)" || rc=$?
        echo "$out"
        echo "driver exit code $rc"
        [[ "$out" == *"expire soft spi 0x00007001 dst $CLI "* ]]
        [[ "$out" == *"expire hard spi 0x00007001 dst $CLI "* ]]
    }
    lab_check xfrm-expire-soft-then-hard expire_seen
    lab_check xfrm-expired-sa-gone or_say sh -c "! ip -n xsrv xfrm state get src $SRV dst $CLI proto esp spi 0x00007001"
}

# --- Refusals come back as errno names ----------------------------------------------------------
errors_part() {
    errors_named() {
        local out rc=0
        out="$(drv xsrv errors --local "$SRV" --remote "$CLI" 2>&1)" || rc=$?
        echo "$out"
        echo "driver exit code $rc"
        [[ "$out" == *"XFRM_MSG_DELSA: ESRCH"* ]]
        [[ "$out" == *"XFRM_MSG_GETSA: ESRCH"* ]]
        [[ "$out" == *"XFRM_MSG_DELPOLICY: ENOENT"* ]]
        [[ "$out" == *"XFRM_MSG_NEWSA: EEXIST"* ]]
        [[ $rc -eq 0 ]]
    }
    lab_check xfrm-errors-named errors_named
}

# Arguments pick parts (default: all): cbc-sha1 gcm cbc-sha1-encap 3des-sha256-encap expire errors.
# LAB_XFRM_CAPTURE=1 also records kernel bytes with strace (GETSA reply, expire) for golden tests.
parts=("$@")
[[ ${#parts[@]} -gt 0 ]] || parts=(cbc-sha1 gcm cbc-sha1-encap 3des-sha256-encap expire errors)
for part in "${parts[@]}"; do
    case "$part" in
        cbc-sha1) round cbc-sha1 cbc-sha1 0 0x00001001 0x00002001 ;;
        gcm) round gcm gcm 0 0x00001002 0x00002002 ;;
        cbc-sha1-encap) round cbc-sha1-encap cbc-sha1 1 0x00001003 0x00002003 ;;
        3des-sha256-encap) round 3des-sha256-encap 3des-sha256 1 0x00001004 0x00002004 ;;
        expire) expire_part ;;
        errors) errors_part ;;
        *) lab_fail "xfrm-part-$part" "no such part" ;;
    esac
done

lab_finish
