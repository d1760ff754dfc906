#!/bin/bash
# strongSwan's charon as an L2TP/IPsec client with a certificate (IKEv1 Main
# Mode, RSA signatures, RFC 2409 §5.1) against the responder under test:
#   (a) a client certificate from `appliance cert issue` (PKCS#12, taken
#       apart with openssl as a user would): Main Mode and Quick Mode
#       complete; charon checks our certificate against `appliance cert ca`
#       and our identity (the server certificate's DN);
#   (b) the same with IKEv1 fragmentation forced on the client (charon then
#       announces FRAGMENTATION and sends fragments; the responder must
#       reassemble them and may answer in fragments);
#   (c) a certificate from another box's CA: not established;
#   (d) a PSK client on the same responder still gets in.
#
#   TARGET=appliance APPLIANCE_BIN=out/linux-x64/appliance   our daemon, its CA
#   TARGET=charon (default)  a charon responder with a certificate issued by an
#                 appliance CA (the binary is needed either way: the point is
#                 that what `appliance cert` writes works in a real client)
# The daemon must load its certificates into the IKE responder (IkeResponderOptions.Certificates).
# Check functions run through `check NAME FUNC`, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail
SCENARIO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/interop/charon-initiator.sh
. "$SCENARIO_DIR/../charon-initiator.sh"

interop_begin charon-pubkey
interop_require_tools

APP="${APPLIANCE_BIN:-$INTEROP_REPO/out/linux-x64/appliance}"
PSK="interop-pubkey-psk-$$"
P12_PASS="interop-p12-$$"
PKI="$INTEROP_OUT/pki"
SERVER_ID="CN=$IP_R"
mkdir -p "$PKI"

# lib.sh's charon and swanctl load only what PSK runs need; certificates need
# pem, pkcs1/pkcs8, x509 and pubkey on both sides (swanctl sends each file as
# it is and charon parses it). Every strongswan.conf lib.sh writes in this
# scenario gets them added.
eval "$(declare -f charon__write_strongswan_conf | sed '1s/charon__write_strongswan_conf/charon__write_psk_strongswan_conf/')"
charon__write_strongswan_conf() {
    charon__write_psk_strongswan_conf "$@"
    sed -i -e 's/^\(\s*load = random nonce openssl\) /\1 pem pkcs1 pkcs8 x509 pubkey /' \
        -e 's/^\(\s*load = random\)$/\1 pem pkcs1 pkcs8 x509 pubkey openssl/' "$(charon_dir "$1")/strongswan.conf"
}

# issue DATA NAME: a client certificate from the CA of data directory DATA,
# as NAME.pem / NAME.key (PKCS#8) in $PKI, through the PKCS#12 file.
issue() {
    local data="$1" name="$2"
    echo "$P12_PASS" | "$APP" cert issue "$name" --out "$PKI/$name.p12" --password-stdin --data "$data"
    # openssl prefixes each PEM block with its bag attributes; swanctl wants bare PEM.
    openssl pkcs12 -in "$PKI/$name.p12" -passin "pass:$P12_PASS" -nokeys -clcerts | openssl x509 -out "$PKI/$name.pem"
    openssl pkcs12 -in "$PKI/$name.p12" -passin "pass:$P12_PASS" -nocerts -nodes | openssl pkey -out "$PKI/$name.key"
}

# creds DIR CERT KEY CA: swanctl's credential directories beside its swanctl.conf.
creds() {
    local dir="$1"
    mkdir -p "$dir/x509" "$dir/private" "$dir/x509ca"
    cp "$2" "$dir/x509/"
    cp "$3" "$dir/private/"
    cp "$4" "$dir/x509ca/"
}

# The client: the PSK script's connection with pubkey authentication, its own
# identity = its certificate's subject DN (swanctl's default), the responder
# expected to prove SERVER_ID with a certificate from our CA.
pubkey_initiator_config() {
    local cert="$1" fragmentation="$2"
    cat << EOF
connections {
    l2tp {
        version = 1
        aggressive = no
        local_addrs = $IP_I
        remote_addrs = $IP_R
        proposals = $CHARON_INITIATOR_IKE_DEFAULT
        fragmentation = $fragmentation
        keyingtries = 1
        dpd_delay = 0
        rekey_time = 0
        reauth_time = 0
        local {
            auth = pubkey
            certs = $(basename "$cert")
        }
        remote {
            auth = pubkey
            id = "$SERVER_ID"
            cacerts = ca.pem
        }
        children {
            l2tp {
                mode = transport
                local_ts = dynamic[udp/1701]
                remote_ts = dynamic[udp/1701]
                esp_proposals = $CHARON_INITIATOR_ESP_DEFAULT
                rekey_time = 0
                start_action = none
            }
        }
    }
}
EOF
}

# attempt NAME CERT KEY [FRAGMENTATION]: one charon client run; verdict in ATTEMPT.
declare -A ATTEMPT=()
attempt() {
    local name="$1" cert="$2" key="$3" fragmentation="${4:-yes}" inst="init-$1" i pid
    charon_start "$inst" "$NS_I"
    creds "$(charon_dir "$inst")" "$cert" "$key" "$PKI/ca.pem"
    pubkey_initiator_config "$cert" "$fragmentation" | charon_write_swanctl "$inst"
    charon_load "$inst"
    STRONGSWAN_CONF="$(charon_dir "$inst")/strongswan.conf" timeout 20 \
        swanctl --initiate --child l2tp --timeout 15 --uri "unix://$(charon_sock "$inst")" \
        > "$(charon_dir "$inst")/swanctl-initiate.log" 2>&1 &
    pid=$!
    for ((i = 0; i < 300; i++)); do
        kill -0 "$pid" 2> /dev/null || break
        grep -qE "$CHARON_INITIATOR_FINAL|IDir .* does not match|no trusted RSA public key" "$(charon_log "$inst")" && break
        sleep 0.05
    done
    sleep 0.2
    kill "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    charon_stop "$inst"
    ATTEMPT=()
    local k v
    while IFS='=' read -r k v; do [[ -n "$k" ]] && ATTEMPT[$k]="$v"; done < <(charon_classify "$inst")
    ATTEMPT[log]="$(charon_log "$inst")"
    { for k in "${!ATTEMPT[@]}"; do echo "$k=${ATTEMPT[$k]}"; done; } > "$INTEROP_OUT/logs/attempt-$name.txt"
}

expect() {
    local key="$1" v; shift
    for v in "$@"; do [[ "${ATTEMPT[$key]:-}" == "$v" ]] && return 0; done
    echo "$key=${ATTEMPT[$key]:-?} (wanted: $*); log ${ATTEMPT[log]:-?}"
    return 1
}
both_phases() {
    expect ike established
    expect qm negotiated-install-refused installed
}
not_established() {
    [[ "${ATTEMPT[ike]:-}" != established ]] || { echo "established with a certificate from another CA; log ${ATTEMPT[log]}"; return 1; }
}
in_log() { grep -qE "$2" "$1" || { echo "no '$2' in $1"; return 1; }; }

# --- The responder and its PKI -------------------------------------------------------
interop_topology direct
# shellcheck disable=SC2153  # TARGET comes from lib.sh
case "$TARGET" in
    appliance)
        target_up pubkey-direct "$PSK"
        BOX="$INTEROP_OUT/appliance/pubkey-direct/data"
        # The name the clients use for the box: its address here (a dNSName
        # and an iPAddress in the certificate, CN = the first name). The
        # other names make Main Mode 6 larger than one 1280-byte datagram,
        # so the responder has to answer the FRAGMENTATION client in fragments.
        "$APP" cert server --names "$IP_R,vpn.interop.example,home-vpn.interop.example,box-1.dyndns.interop.example,box-2.dyndns.interop.example" \
            --data "$BOX" > "$PKI/cert-server.txt"
        "$APP" cert ca --out "$PKI/ca.pem" --data "$BOX" > /dev/null
        issue "$BOX" alice
        ;;
    charon)
        BOX="$PKI/box"
        mkdir -p "$BOX"
        "$APP" config show --data "$BOX" > /dev/null
        "$APP" cert ca --out "$PKI/ca.pem" --data "$BOX" > /dev/null
        issue "$BOX" alice
        issue "$BOX" "$IP_R" # the baseline's server certificate (CN=203.0.113.1)
        charon_start pubkey-resp "$NS_R"
        creds "$(charon_dir pubkey-resp)" "$PKI/$IP_R.pem" "$PKI/$IP_R.key" "$PKI/ca.pem"
        charon_write_swanctl pubkey-resp << EOF
connections {
    l2tp-pubkey {
        version = 1
        aggressive = no
        local_addrs = $IP_R
        remote_addrs = %any
        proposals = aes256-aes128-3des-sha256-sha1-modp2048-modp1024
        fragmentation = yes
        dpd_delay = 0
        local {
            auth = pubkey
            certs = $IP_R.pem
        }
        remote {
            auth = pubkey
            cacerts = ca.pem
        }
        children {
            l2tp {
                mode = transport
                local_ts = dynamic[udp/1701]
                remote_ts = dynamic[udp]
                esp_proposals = aes256-aes128-3des-sha256-sha1,aes256gcm16-aes128gcm16
            }
        }
    }
    l2tp-psk {
        version = 1
        local_addrs = $IP_R
        remote_addrs = %any
        proposals = aes256-aes128-3des-sha256-sha1-modp2048-modp1024
        local {
            auth = psk
            id = $IP_R
        }
        remote {
            auth = psk
        }
        children {
            l2tp {
                mode = transport
                local_ts = dynamic[udp/1701]
                remote_ts = dynamic[udp]
                esp_proposals = aes256-aes128-3des-sha256-sha1
            }
        }
    }
}
secrets {
    ike-l2tp {
        secret = "$PSK"
    }
}
EOF
        charon_load pubkey-resp
        # shellcheck disable=SC2034  # read by target_log in lib.sh
        TARGET_NAME=pubkey-resp
        ;;
esac

# Another box's CA, for the negative case.
OTHER="$PKI/other-box"
mkdir -p "$OTHER"
"$APP" config show --data "$OTHER" > /dev/null
issue "$OTHER" mallory

# (a) certificate from this box's CA
attempt pubkey-right "$PKI/alice.pem" "$PKI/alice.key"
check pubkey-right both_phases
check pubkey-right-server-identity in_log "${ATTEMPT[log]}" "authentication of '$SERVER_ID' with RSA.* successful"

# (b) fragmentation forced on the client
attempt pubkey-fragments "$PKI/alice.pem" "$PKI/alice.key" force
check pubkey-fragments both_phases
check pubkey-fragments-sent in_log "${ATTEMPT[log]}" "splitting IKE message \([0-9]+ bytes\) into [0-9]+ fragments"
if [[ "$TARGET" == appliance ]]; then
    check pubkey-fragments-received in_log "${ATTEMPT[log]}" "reassembled fragmented IKE message|received fragment"
fi

# (c) a certificate from another CA
attempt pubkey-wrong-ca "$PKI/mallory.pem" "$PKI/mallory.key"
check pubkey-wrong-ca-not-established not_established
if [[ "$TARGET" == appliance ]]; then
    check pubkey-wrong-ca-logged in_log "$(target_log)" "client certificate authentication failed.*not a CA this box trusts"
fi

# (d) PSK on the same responder
psk_attempt() {
    local out="$INTEROP_OUT/logs/attempt-psk-beside-pubkey.txt"
    charon_initiator_attempt init-psk-beside "$NS_I" "$IP_I" "$IP_R" "$PSK" "$CHARON_INITIATOR_IKE_DEFAULT" \
        "$CHARON_INITIATOR_ESP_DEFAULT" 1701 15 > "$out" 2>&1
}
check psk-beside-pubkey psk_attempt

if [[ "$TARGET" == charon ]]; then charon_stop pubkey-resp; else target_down; fi
interop_end
