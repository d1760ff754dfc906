#!/bin/bash
# strongSwan's charon, as an L2TP/IPsec client, against the responder under test:
#   (a) the right PSK: Main Mode and Quick Mode complete, for the usual IKE
#       and ESP proposals and for both client-port styles (1701 / any);
#   (b) a wrong PSK: Main Mode fails at authentication (after the key
#       exchange), and whether the responder answers or stays silent;
#   (c) the client behind a NAT: NAT-T detected, the exchange floats to
#       4500, both phases complete.
# Plus negative controls that prove the harness tells failures apart
# (a proposal nobody should accept, for each phase).
#
#   TARGET=charon (default)   a charon responder started here in iker
#   TARGET=appliance APPLIANCE_BIN=out/linux-x64/appliance   our daemon
#
# Quick Mode "completed" = the responder accepted it on the wire (its QM2
# came back with a chosen proposal); this machine's kernel cannot install the
# transport SA afterwards, see lib.sh (CHARON_KERNEL) and README.md.
# Check functions run through `check NAME FUNC`, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail
SCENARIO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/interop/charon-initiator.sh
. "$SCENARIO_DIR/../charon-initiator.sh"

interop_begin charon-psk
interop_require_tools

PSK="interop-right-psk-$$"
WRONG_PSK="interop-wrong-psk-$$"

# attempt NAME [--client-port P] [--psk K] [--ike I] [--esp E]: one initiator
# run against $IP_R from the initiator namespace; its key=value verdict is
# kept in logs/attempt-NAME.txt and in the ATTEMPT array.
# When the first attempt in a topology gets no answer at all to MM1, the
# target is not speaking IKE: the rest are skipped (and so fail) instead of
# each waiting out charon's retransmits.
declare -A ATTEMPT=()
ATTEMPTS_IN_TOPOLOGY=0
TARGET_SILENT=0
attempt() {
    local name="$1"; shift
    if ((TARGET_SILENT)); then
        ATTEMPT=([ike]=skipped [qm]=skipped [mm_stage]=none [log]=- [summary]="skipped: the target never answered Main Mode in this topology")
        echo "${ATTEMPT[summary]}" > "$INTEROP_OUT/logs/attempt-$name.txt"
        return 0
    fi
    local cport=1701 psk="$PSK" ike="$CHARON_INITIATOR_IKE_DEFAULT" esp="$CHARON_INITIATOR_ESP_DEFAULT" rc=0
    while (($#)); do
        case "$1" in
            --client-port) cport="$2" ;;
            --psk) psk="$2" ;;
            --ike) ike="$2" ;;
            --esp) esp="$2" ;;
        esac
        shift 2
    done
    local out="$INTEROP_OUT/logs/attempt-$name.txt"
    charon_initiator_attempt "init-$name" "$NS_I" "$IP_I" "$IP_R" "$psk" "$ike" "$esp" "$cport" 15 > "$out" 2>&1 || rc=$?
    ATTEMPT=()
    local k v
    while IFS='=' read -r k v; do [[ -n "$k" && "$k" != summary* ]] && ATTEMPT[$k]="$v"; done < <(grep '=' "$out")
    ATTEMPT[rc]=$rc
    ATTEMPT[summary]="$(sed -n 's/^summary: //p' "$out")"
    if ((ATTEMPTS_IN_TOPOLOGY == 0)) && [[ "${ATTEMPT[ike]}" == timeout && "${ATTEMPT[mm_stage]}" == none ]]; then
        TARGET_SILENT=1
    fi
    ATTEMPTS_IN_TOPOLOGY=$((ATTEMPTS_IN_TOPOLOGY + 1))
    return 0
}

# topology KIND: a fresh topology resets the "target is silent" shortcut.
topology() {
    interop_topology "$1"
    ATTEMPTS_IN_TOPOLOGY=0
    TARGET_SILENT=0
}

# expect KEY VALUE...: the last attempt's KEY is one of the VALUEs (for check).
expect() {
    local key="$1" v; shift
    for v in "$@"; do [[ "${ATTEMPT[$key]:-}" == "$v" ]] && return 0; done
    echo "$key=${ATTEMPT[$key]:-?} (wanted: $*); ${ATTEMPT[summary]:-}; log ${ATTEMPT[log]:-?}"
    return 1
}

both_phases() {
    expect ike established
    expect qm negotiated-install-refused installed
}

# expect_established KEY VALUE...: as expect, but only meaningful (and so
# only passing) once Main Mode completed: "no NAT seen" proves nothing about
# an exchange that never got that far.
expect_established() {
    expect ike established
    expect "$@"
}

# ESP transform the responder chose, as charon names it.
esp_is() { expect esp_proposal "$@"; }

# ---------------------------------------------------------------------------
# Direct: ikei 203.0.113.10 <-> iker 203.0.113.1
topology direct
target_up psk-direct "$PSK"

# (a) right PSK, an L2TP/IPsec client's usual offer, client port 1701 (Windows, ChromeOS)
attempt psk-right
check psk-right-main-mode expect ike established
check psk-right-quick-mode expect qm negotiated-install-refused installed
# Not behind NAT: the exchange must stay on port 500 with no NAT detected.
# (charon with kernel-netlink sends honest NAT-D payloads; see lib.sh.)
check psk-right-no-nat-detected expect_established nat none
check psk-right-stays-on-500 expect_established natt_port 500

# client port "any" (udp/0 in its Quick Mode ID: macOS, Android)
attempt psk-right-anyport --client-port any
check psk-right-anyport both_phases

# Each ESP proposal alone, so the responder cannot fall back to another one.
attempt esp-aes128-sha1 --esp aes128-sha1
check esp-aes128-sha1 esp_is AES_CBC_128/HMAC_SHA1_96/NO_EXT_SEQ
attempt esp-aes256-sha1 --esp aes256-sha1
check esp-aes256-sha1 esp_is AES_CBC_256/HMAC_SHA1_96/NO_EXT_SEQ
attempt esp-3des-sha1 --esp 3des-sha1
check esp-3des-sha1 esp_is 3DES_CBC/HMAC_SHA1_96/NO_EXT_SEQ
attempt esp-aes128gcm16 --esp aes128gcm16
check esp-aes128gcm16 esp_is AES_GCM_16_128/NO_EXT_SEQ

# Each IKE proposal alone: Main Mode with that exact transform, then QM.
for ike in aes128-sha256-modp2048 aes256-sha1-modp2048 aes128-sha1-modp2048 aes256-sha256-ecp256; do
    attempt "ike-$ike" --ike "$ike" --esp aes128-sha1
    check "ike-$ike" both_phases
done

# kernel-libipsec as the client's backend: it refuses the transport SA with
# "IPsec SA: unsupported mode" after a Quick Mode that did complete; the
# harness must still count that as success. It also forces UDP
# encapsulation (fake NAT-D), so the responder sees a NAT-T client here.
CHARON_KERNEL=libipsec attempt psk-right-libipsec
check psk-right-libipsec both_phases
check psk-right-libipsec-unsupported-mode-seen expect_established libipsec_unsupported_mode yes
check psk-right-libipsec-floats-to-4500 expect_established natt_port 4500

# (b) wrong PSK. Main Mode must get through the key exchange (MM1-MM4) and
# fail at authentication (MM5/MM6), never complete.
attempt psk-wrong --psk "$WRONG_PSK"
check psk-wrong-not-established expect ike auth-failed decrypt-failed timeout \
    notify:INVALID_HASH_INFORMATION notify:INVALID_PAYLOAD_TYPE notify:PAYLOAD_MALFORMED notify:INVALID_ID_INFORMATION
check psk-wrong-fails-at-authentication expect mm_stage mm5-sent
# Whether the responder answers MM5 at all (an answer lets a client report
# the wrong key at once - Windows error 789 - instead of timing out, 809).
answered() { [[ "${ATTEMPT[answers_after_mm5]:-0}" -ge 1 ]] || { echo "no answer to MM5 (ike=${ATTEMPT[ike]:-?})"; return 1; }; }
check psk-wrong-responder-answers answered
echo "INFO psk-wrong: ike=${ATTEMPT[ike]:-?} mm_stage=${ATTEMPT[mm_stage]:-?} answers_after_mm5=${ATTEMPT[answers_after_mm5]:-?}" |
    tee -a "$INTEROP_OUT/notes.txt"

# Negative controls: proposals a responder must refuse, one per phase. They
# show the harness reports a refusal as a refusal, not as a timeout.
attempt mm-refused --ike des-md5-modp768 --esp aes128-sha1
check refuse-ike-des-md5-modp768 expect ike no-proposal
attempt qm-refused --esp des-md5
check refuse-esp-des-md5 expect qm no-proposal

target_down

# ---------------------------------------------------------------------------
# (c) NAT: ikei 198.18.1.10 -> ikenat (masquerade as 203.0.113.2) -> iker
topology nat
target_up psk-nat "$PSK"

attempt psk-nat
check psk-nat-both-phases both_phases
check psk-nat-detected expect_established nat local both
check psk-nat-floats-to-4500 expect_established natt_port 4500
translated() {
    local n; n="$(interop_nat_translated)"
    [[ "${n:-0}" -ge 1 ]] || { echo "the masquerade rule translated nothing"; return 1; }
}
check psk-nat-went-through-nat translated

attempt psk-nat-anyport --client-port any
check psk-nat-anyport-both-phases both_phases

target_down
interop_end
