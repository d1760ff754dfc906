#!/bin/bash
# charon as an L2TP/IPsec responder: the baseline our own IKEv1 responder is
# validated and benchmarked against. IKEv1 Main Mode, PSK, ESP transport
# mode for UDP to/from port 1701 (any client port, as macOS/Android use an
# ephemeral one), in the responder namespace (iker, 203.0.113.1).
#
#   tests/interop/charon-responder.sh [--topology direct|nat] [--profile compatible|modern]
#                   [--psk PSK] [--kernel netlink|libipsec] [--name NAME] [--ns NS]
#
# Run directly, it starts charon and stays in the foreground until Ctrl-C.
# --topology builds the namespaces first (and removes them at exit), so a
# second terminal can run charon-initiator.sh or ike-scan against it:
#   tests/interop/charon-responder.sh --topology direct --psk secret
#   tests/interop/charon-initiator.sh 203.0.113.1 secret
#   ip netns exec ikei ike-scan --trans=7/256,2,1,14 203.0.113.1
# Scenarios source this file and call charon_responder_start.
#
# Profiles mimic the appliance's vpn.security settings for IKE (Main Mode):
#   compatible  everything the clients in /work/shared/reference/clients.md
#               offer: AES/3DES, SHA2/SHA1, MODP-1024..4096, ECP-256/384 (MD5
#               only under the appliance's 'legacy')
#   modern      AES with SHA2 and groups of 2048 bits and more (no 3DES, MD5,
#               SHA1, MODP-1024/1536), as the appliance's README defines it
set -euo pipefail

CHARON_RESPONDER_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$CHARON_RESPONDER_DIR/lib.sh"

charon_responder_ike_proposals() {
    case "$1" in
        compatible) echo "aes256-aes128-3des-sha256-sha384-sha512-sha1-modp2048-modp3072-modp4096-modp1536-modp1024-ecp256-ecp384" ;;
        modern) echo "aes256-aes128-sha256-sha384-sha512-modp2048-modp3072-modp4096-ecp256-ecp384" ;;
        *) echo "unknown profile '$1' (compatible|modern)" >&2; return 2 ;;
    esac
}

# ESP (Quick Mode) is the same in both profiles here: what the clients offer
# for transport mode, CBC with HMAC and GCM. The harness only judges Main Mode
# per profile.
CHARON_RESPONDER_ESP="aes256-aes128-3des-sha256-sha1-md5,aes256gcm16-aes128gcm16"

# charon_responder_config PSK PROFILE: swanctl.conf on stdout.
# remote_addrs/id %any: any road warrior, identified by its address
# (ID_IPV4_ADDR, normally its own pre-NAT address).
charon_responder_config() {
    local psk="$1" profile="$2" ike
    ike="$(charon_responder_ike_proposals "$profile")"
    cat << EOF
connections {
    l2tp-psk {
        version = 1
        aggressive = no
        local_addrs = $IP_R
        remote_addrs = %any
        proposals = $ike
        dpd_delay = 0
        local {
            auth = psk
            id = $IP_R
        }
        remote {
            auth = psk
            id = %any
        }
        children {
            l2tp {
                mode = transport
                local_ts = dynamic[udp/1701]
                remote_ts = dynamic[udp]
                esp_proposals = $CHARON_RESPONDER_ESP
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

# charon_responder_start NAME PSK PROFILE [NS]: start and load; kernel
# backend from CHARON_KERNEL (see charon_kernel_plugins in lib.sh).
charon_responder_start() {
    local name="$1" psk="$2" profile="$3" ns="${4:-$NS_R}"
    charon_start "$name" "$ns"
    charon_responder_config "$psk" "$profile" | charon_write_swanctl "$name"
    charon_load "$name"
}

charon_responder_main() {
    local profile=compatible psk="${PSK:-interop-psk}" name=responder ns="$NS_R" topology=""
    while (($#)); do
        case "$1" in
            --profile) profile="$2"; shift 2 ;;
            --psk) psk="$2"; shift 2 ;;
            --kernel) export CHARON_KERNEL="$2"; shift 2 ;;
            --name) name="$2"; shift 2 ;;
            --ns) ns="$2"; shift 2 ;;
            --topology) topology="$2"; shift 2 ;;
            -h | --help) sed -n '2,25p' "$0"; return 0 ;;
            *) echo "unknown argument: $1" >&2; return 2 ;;
        esac
    done
    if [[ -n "$topology" ]]; then
        # Building namespaces: take the run lock like a scenario does.
        interop_begin ""
        # shellcheck disable=SC2034  # read by lib.sh's exit trap: no summary
        INTEROP_FINISHED=1
        interop_topology "$topology"
        echo "topology $topology: initiator namespace $NS_I ($IP_I), responder $ns ($IP_R)"
    else
        interop_begin "" tool
    fi
    if ! ip netns list | awk '{print $1}' | grep -qx "$ns"; then
        echo "namespace $ns does not exist (build the topology first)" >&2
        return 2
    fi
    charon_responder_start "$name" "$psk" "$profile" "$ns"
    echo "charon responder '$name' up in $ns ($IP_R), profile $profile"
    echo "log:  $(charon_log "$name")"
    echo "vici: unix://$(charon_sock "$name")"
    echo "Ctrl-C stops it."
    # Sleep in the background so the INT/TERM trap runs at once.
    while kill -0 "${CHARON_PID[$name]}" 2> /dev/null; do sleep 1 & wait $! || true; done
    echo "charon is gone (Ctrl-C, or see its log)" >&2
    return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    charon_responder_main "$@"
fi
