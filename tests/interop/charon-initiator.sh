#!/bin/bash
# charon as an L2TP/IPsec road-warrior client (IKEv1 initiator), configured
# the way the usual L2TP/IPsec guides set strongSwan up: IKEv1 Main Mode
# (aggressive = no), PSK, IDs are the addresses, one CHILD_SA in ESP
# transport mode for UDP from us to the server's port 1701.
#
#   tests/interop/charon-initiator.sh [OPTIONS] TARGET_IP [PSK] [PROPOSAL...]
#
#   PROPOSAL      ike=<strongSwan proposal> or esp=<proposal>, repeatable, in
#                 order of preference; default ike=aes128-sha256-modp2048
#                 ike=aes256-sha1-modp2048 ike=aes128-sha1-modp2048
#                 ike=3des-sha1-modp1024, esp=aes128-sha1 esp=aes256-sha1
#                 esp=3des-sha1 esp=aes128gcm16
#   --client-port 1701|any   our side of the Quick Mode IDs: udp/1701 (Windows,
#                 ChromeOS) or any port (udp/0: macOS, Android). Default 1701.
#   --ns NS       namespace to run in (default ikei); --local IP our address
#                 (default: its first IPv4 address; also our ID, pre-NAT)
#   --kernel netlink|libipsec   charon's SA backend (lib.sh explains; default netlink)
#   --name NAME   instance name: logs in $INTEROP_OUT/charon/NAME/
#   --timeout S   give up on the attempt after S seconds (default 20)
#
# One attempt per call, on a fresh charon: start, load, initiate the CHILD_SA
# (Main Mode, then Quick Mode), wait for a verdict in charon's log, stop.
# Prints charon_classify's key=value lines plus a summary sentence.
# Exit status: 0 both phases completed (Quick Mode counts as completed when
# the responder accepted it on the wire, even if our kernel interface then
# refused to install the transport SA), 1 Main Mode failed, 2 Quick Mode
# failed, 3 usage/setup error.
set -euo pipefail

CHARON_INITIATOR_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$CHARON_INITIATOR_DIR/lib.sh"

CHARON_INITIATOR_IKE_DEFAULT="aes128-sha256-modp2048,aes256-sha1-modp2048,aes128-sha1-modp2048,3des-sha1-modp1024"
CHARON_INITIATOR_ESP_DEFAULT="aes128-sha1,aes256-sha1,3des-sha1,aes128gcm16"

# charon_initiator_config TARGET LOCAL PSK IKE ESP CLIENT_PORT: swanctl.conf on stdout.
charon_initiator_config() {
    local target="$1" local_ip="$2" psk="$3" ike="$4" esp="$5" cport="$6" local_ts
    # swanctl spells ipsec.conf's "17/%any" as a protocol without a port.
    case "$cport" in
        1701) local_ts="dynamic[udp/1701]" ;;
        any) local_ts="dynamic[udp]" ;;
        *) echo "--client-port must be 1701 or any" >&2; return 3 ;;
    esac
    # keyingtries 1: one attempt, so a failure is reported, not retried.
    # dpd_delay 0 and no rekeying: nothing but the exchange under test.
    cat << EOF
connections {
    l2tp {
        version = 1
        aggressive = no
        local_addrs = $local_ip
        remote_addrs = $target
        proposals = $ike
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
            id = $target
        }
        children {
            l2tp {
                mode = transport
                local_ts = $local_ts
                remote_ts = dynamic[udp/1701]
                esp_proposals = $esp
                rekey_time = 0
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

# The log lines after which the attempt's outcome cannot change any more.
CHARON_INITIATOR_FINAL='unable to install inbound and outbound IPsec SA|CHILD_SA .* established with SPIs|received [A-Z_0-9]+ error notify|decryption failed\?|giving up after [0-9]+ retransmits|establishing IKE_SA failed'

# charon_initiator_attempt NAME NS LOCAL_IP TARGET PSK IKE ESP CLIENT_PORT TIMEOUT
# Prints the classification (key=value); returns 0/1/2 as the script does.
charon_initiator_attempt() {
    local name="$1" ns="$2" local_ip="$3" target="$4" psk="$5" ike="$6" esp="$7" cport="$8" t="$9"
    local pid i rc
    charon_start "$name" "$ns"
    charon_initiator_config "$target" "$local_ip" "$psk" "$ike" "$esp" "$cport" | charon_write_swanctl "$name"
    charon_load "$name"
    # swanctl --initiate returns when charon reports the CHILD_SA's fate,
    # but after a wrong PSK only once every retransmit is spent: watch the
    # log in parallel and stop waiting at the first final line.
    # (A plain command, not a function, so $! is timeout(1) itself and
    # killing it also ends swanctl.)
    STRONGSWAN_CONF="$(charon_dir "$name")/strongswan.conf" timeout "$((t + 5))" \
        swanctl --initiate --child l2tp --timeout "$t" --uri "unix://$(charon_sock "$name")" \
        > "$(charon_dir "$name")/swanctl-initiate.log" 2>&1 &
    pid=$!
    for ((i = 0; i < t * 20; i++)); do
        kill -0 "$pid" 2> /dev/null || break
        grep -qE "$CHARON_INITIATOR_FINAL" "$(charon_log "$name")" && break
        sleep 0.05
    done
    # Let trailing lines (the responder's DELETE, a second decrypt error) land.
    sleep 0.2
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    charon_stop "$name"
    local out ike qm
    out="$(charon_classify "$name")"
    echo "$out"
    echo "log=$(charon_log "$name")"
    ike="$(sed -n 's/^ike=//p' <<< "$out")"
    qm="$(sed -n 's/^qm=//p' <<< "$out")"
    rc=0
    if [[ "$ike" != established ]]; then
        rc=1
        echo "summary: Main Mode FAILED ($ike); Quick Mode not attempted"
    elif [[ "$qm" == installed || "$qm" == negotiated-install-refused ]]; then
        echo "summary: Main Mode completed; Quick Mode completed on the wire ($qm)"
    else
        rc=2
        echo "summary: Main Mode completed; Quick Mode FAILED ($qm)"
    fi
    return "$rc"
}

# Our first IPv4 address in a namespace (the veth toward the target).
charon_initiator_local_ip() {
    ip -n "$1" -4 -o addr show scope global | awk '{sub(/\/.*/, "", $4); print $4; exit}'
}

charon_initiator_main() {
    local ns="$NS_I" local_ip="" cport=1701 name="initiator-$$" t=20
    local target="" psk="" ike="" esp="" args=()
    while (($#)); do
        case "$1" in
            --client-port) cport="$2"; shift 2 ;;
            --ns) ns="$2"; shift 2 ;;
            --local) local_ip="$2"; shift 2 ;;
            --kernel) export CHARON_KERNEL="$2"; shift 2 ;;
            --name) name="$2"; shift 2 ;;
            --timeout) t="$2"; shift 2 ;;
            -h | --help) sed -n '2,30p' "$0"; return 0 ;;
            --*) echo "unknown option: $1" >&2; return 3 ;;
            *) args+=("$1"); shift ;;
        esac
    done
    ((${#args[@]} >= 1)) || { echo "usage: $0 [OPTIONS] TARGET_IP [PSK] [PROPOSAL...]" >&2; return 3; }
    target="${args[0]}"
    psk="${args[1]:-${PSK:-interop-psk}}"
    local p
    for p in "${args[@]:2}"; do
        case "$p" in
            ike=*) ike="${ike:+$ike,}${p#ike=}" ;;
            esp=*) esp="${esp:+$esp,}${p#esp=}" ;;
            *) echo "PROPOSAL must be ike=... or esp=..., not '$p'" >&2; return 3 ;;
        esac
    done
    interop_begin "" tool
    if ! ip netns list | awk '{print $1}' | grep -qx "$ns"; then
        echo "namespace $ns does not exist (build the topology first)" >&2
        return 3
    fi
    [[ -n "$local_ip" ]] || local_ip="$(charon_initiator_local_ip "$ns")"
    local rc=0
    charon_initiator_attempt "$name" "$ns" "$local_ip" "$target" "$psk" \
        "${ike:-$CHARON_INITIATOR_IKE_DEFAULT}" "${esp:-$CHARON_INITIATOR_ESP_DEFAULT}" "$cport" "$t" || rc=$?
    # shellcheck disable=SC2034  # read by lib.sh's exit trap
    INTEROP_FINISHED=1
    return "$rc"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    charon_initiator_main "$@"
fi
