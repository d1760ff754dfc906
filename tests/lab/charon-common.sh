# shellcheck shell=bash
# strongSwan charon as an L2TP/IPsec client in the lab (sourced after lib.sh and
# ipsec-common.sh, in the guest): one instance per client namespace, each with
# its own strongswan.conf (STRONGSWAN_CONF), vici socket and private /run
# (unshare -m + tmpfs: charon writes /run/charon.pid), as in tests/interop.
# Used by ipsec-strongswan.sh and l2tp-ppp.sh.

[[ -n "${LAB_CHARON_COMMON_LOADED:-}" ]] && return 0
LAB_CHARON_COMMON_LOADED=1

CHARON_BIN=/usr/lib/ipsec/charon
IKE_PROPOSALS="${IKE_PROPOSALS:-aes128-sha256-modp2048,aes256-sha1-modp2048,aes128-sha1-modp2048,3des-sha1-modp1024}"
ESP_PROPOSALS="${ESP_PROPOSALS:-aes128-sha1,aes256-sha1,3des-sha1,aes128gcm16}"

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
                # Explicit lifetimes, as L2TP guides set them ("lifetime=1h"): with
                # life_time unset, charon takes the RFC default from our answer but compares
                # it with 0 and closed the CHILD_SA as "expired" when its SA install was slow
                # (22 s under TCG on a loaded host); life_time alone with rekey_time = 0 makes
                # it rekey at once, again and again. No rekey happens within the run.
                rekey_time = 3000
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
