#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# Smoke test of the lab itself: proves that the guest kernel has what the
# development machine's kernel lacks (esp4, L2TP, PPP, crypto templates that
# autoload), that the standard topology routes through the NAT, and that the
# appliance binary from the host runs inside the box namespace.
set -euo pipefail
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"

# --- Kernel features the machine's own kernel does not have ---
lab_modprobe esp4 xfrm_user l2tp_ppp ppp_generic
lab_check dev-ppp test -c /dev/ppp

# --- Standard topology ---
lab_require topology lab_topology

# An ESP transport-mode SA between the box and the NAT's WAN address. Adding it
# makes the kernel load the authenc/cbc/aes/hmac/sha1 crypto templates on
# demand, so it also proves that module autoloading works in the guest.
# (Fixed test keys; the SA never carries traffic here.)
lab_check xfrm-esp-transport-sa-add \
    lab_in box ip xfrm state add \
        src "$LAB_BOX_WAN_IP" dst "$LAB_NAT_WAN_IP" proto esp spi 0x00001000 reqid 1 mode transport \
        enc 'cbc(aes)' 0x000102030405060708090a0b0c0d0e0f \
        auth 'hmac(sha1)' 0x101112131415161718191a1b1c1d1e1f20212223
xfrm_listed() {
    local state
    state="$(ip -n box xfrm state)"
    echo "$state"
    grep -q "proto esp spi 0x00001000 reqid 1 mode transport" <<< "$state"
    grep -q "cbc(aes)" <<< "$state"
    grep -q "hmac(sha1)" <<< "$state"
}
lab_check xfrm-esp-transport-sa-listed xfrm_listed

# --- Traffic through the topology ---
lab_check ping-client-to-box-wan-via-nat lab_ping client "$LAB_BOX_WAN_IP"
nat_translated() {
    local n
    n="$(lab_nat_count nat)"
    echo "masquerade counter: ${n:-none}"
    [[ "${n:-0}" -gt 0 ]]
}
lab_check nat-masquerade-used nat_translated
lab_check ping-box-to-lanhost lab_ping box "$LAB_LANHOST_IP"

# --- The appliance binary, run from the host's file system over 9p ---
appliance_version() {
    if [[ -z "${APPLIANCE_BIN:-}" ]]; then
        echo "APPLIANCE_BIN is not set"
        return 1
    fi
    if [[ ! -x "$APPLIANCE_BIN" ]]; then
        echo "APPLIANCE_BIN=$APPLIANCE_BIN is not an executable file in the guest"
        return 1
    fi
    local out
    out="$(ip netns exec box "$APPLIANCE_BIN" version 2>&1)"
    printf '%s\n' "$out" | tee "$LAB_RESULTS/appliance-version.txt"
    [[ -n "$out" ]] || { echo "no output from '$APPLIANCE_BIN version'"; return 1; }
}
lab_check appliance-version appliance_version
[[ -s "$LAB_RESULTS/appliance-version.txt" ]] && lab_log "appliance version: $(head -n 1 "$LAB_RESULTS/appliance-version.txt")"

# --- The daemon on a kernel that has ESP, L2TP and PPP: it must choose the kernel datapath ---
daemon_data="$LAB_TMP/appliance-data"
daemon_log="$LAB_LOGS/appliance-daemon.log"
daemon_runs() {
    [[ -x "${APPLIANCE_BIN:-}" ]] || { echo "APPLIANCE_BIN is not set"; return 1; }
    mkdir -p "$daemon_data"
    lab_bg appliance-daemon box "$APPLIANCE_BIN" run --data "$daemon_data"
    lab_wait 60 grep -q 'msg=ready' "$daemon_log" || { cat "$daemon_log"; return 1; }
}
lab_check appliance-daemon-ready daemon_runs
lab_check appliance-chooses-kernel-datapath grep -q 'msg="datapath chosen" datapath=kernel' "$daemon_log"
status_says_kernel() {
    local out
    out="$(ip netns exec box "$APPLIANCE_BIN" status --data "$daemon_data")"
    echo "$out"
    grep -q '^datapath      kernel' <<< "$out"
}
lab_check appliance-status-kernel-datapath status_says_kernel
lab_check appliance-web-answers-lanhost lab_wait 10 ip netns exec lanhost curl -fsS -o /dev/null "http://$LAB_BOX_LAN_IP/api/health"
lab_check appliance-web-not-on-wan sh -c "! ip netns exec client curl -sS --max-time 3 -o /dev/null http://$LAB_BOX_WAN_IP/api/health"

lab_capture netns-box ip -n box addr
lab_finish
