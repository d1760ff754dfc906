#!/bin/bash
# IKEv1 handshakes per second and memory per IKE SA: our daemon against strongSwan's charon, the
# same load driver (Appliance.Bench.Ike) against both, in network namespaces on this machine.
# Run through build/bench.sh ike (which builds what is needed); as root.
#
#   bench-ike.sh APPLIANCE_BIN DRIVER_BIN   (the driver published NativeAOT, see build/bench.sh)
#   env: IKE_BENCH_OUT=DIR (default tests/bench/.results/ike-DATE), IKE_BENCH_DURATION=20,
#        IKE_BENCH_WARMUP=5, IKE_BENCH_INFLIGHT=64, IKE_BENCH_COUNT=2000, IKE_BENCH_GROUPS="14 19",
#        IKE_BENCH_TARGETS="ours charon charon-openssl" (rate runs), IKE_BENCH_MEMORY="ours charon",
#        CHARON_KERNEL=netlink|libipsec (default netlink), CHARON_DH_EXPONENT=short|full (default short),
#        IKE_BENCH_NICE=N (default 0): run the responder and the driver, whichever target, at nice N,
#        IKE_BENCH_CHARON_LOG=N (default 0): charon's file log level (knl is at least 1),
#        IKE_BENCH_RATE_ARGS="...": more driver options for the rate runs (e.g. --keep, --fresh-dh)
#
# Targets: ours = `appliance run`, vpn.security compatible. charon = charon tuned for speed: DH from
# its gmp plugin with exponents sized to the group's strength (dh_exponent_ansi_x9_42 = no, as our
# responder's exponents are), everything else from openssl. charon-openssl = charon with openssl
# first, so DH comes from OpenSSL as in a default plugin order (measured slower for MODP here).
#
# Topology: bik-i (driver, bik-i0: 198.18.1.1-198.18.1.64/16) --veth-- bik-r (responder, bik-r0:
# 198.18.0.1/16); 198.18.0.0/15 is the benchmarking range (RFC 2544). The responder is pinned to
# CPU 1, the driver to CPU 0 (taskset), for both targets. Everything is removed on exit.
set -euo pipefail

BIN="$1"
DRIVER="$2"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
OUT="${IKE_BENCH_OUT:-$REPO/tests/bench/.results/ike-$(date +%Y%m%d-%H%M%S)}"
DURATION="${IKE_BENCH_DURATION:-20}"
WARMUP="${IKE_BENCH_WARMUP:-5}"
INFLIGHT="${IKE_BENCH_INFLIGHT:-64}"
COUNT="${IKE_BENCH_COUNT:-2000}"
GROUPS_TO_RUN="${IKE_BENCH_GROUPS:-14 19}"
TARGETS="${IKE_BENCH_TARGETS:-ours charon charon-openssl}"
MEMORY_TARGETS="${IKE_BENCH_MEMORY:-ours charon}"
CHARON_KERNEL="${CHARON_KERNEL:-netlink}"
CHARON_DH_EXPONENT="${CHARON_DH_EXPONENT:-short}"
NS_I=bik-i
NS_R=bik-r
IP_R=198.18.0.1
SOURCES=198.18.1.1/64
PSK="bench-psk-$$"
RESPONDER_CPU=1
DRIVER_CPU=0
NICE="${IKE_BENCH_NICE:-0}"
# Every responder and the driver start through these: the same CPU pinning and priority for all.
# (Command prefixes, not functions: a background function would make $! a subshell, not the
# responder, whose CPU time and RSS are read through its pid.)
ON_RESPONDER_CPU=(nice -n "$NICE" taskset -c "$RESPONDER_CPU")
ON_DRIVER_CPU=(nice -n "$NICE" taskset -c "$DRIVER_CPU")
CHARON_BIN=/usr/lib/ipsec/charon

# The namespace names are fixed: one run at a time.
mkdir -p /run/lock
exec {LOCK_FD}> /run/lock/appliance-ike-bench.lock
flock -w 600 "$LOCK_FD" || { echo "another IKE benchmark holds /run/lock/appliance-ike-bench.lock" >&2; exit 2; }

mkdir -p "$OUT"
RESULTS="$OUT/results.txt"
: > "$RESULTS"
log() { printf '[ike-bench %s] %s\n' "$(date +%T)" "$*" >&2; }

# --- cleanup: only what this script started, by pid; only its own bik- namespaces ----------------
RESPONDER_PID=""
SOCKDIR="$(mktemp -d /tmp/bik.XXXXXX)"
stop_pid() {
    local pid="$1" i
    [[ -n "$pid" ]] && kill -0 "$pid" 2> /dev/null || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for ((i = 0; i < 50; i++)); do kill -0 "$pid" 2> /dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}
cleanup() {
    stop_pid "$RESPONDER_PID"
    RESPONDER_PID=""
    local ns
    for ns in "$NS_I" "$NS_R"; do ip netns del "$ns" 2> /dev/null || true; done
    rm -rf "$SOCKDIR"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- topology -------------------------------------------------------------------------------------
topology() {
    local ns k
    for ns in "$NS_I" "$NS_R"; do
        if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
            # A leftover of an earlier, killed run of this script (the bik- names are its own).
            ip netns del "$ns"
        fi
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
    ip link add bik-i0 netns "$NS_I" type veth peer name bik-r0 netns "$NS_R"
    ip -n "$NS_R" addr add "$IP_R/16" dev bik-r0
    for ((k = 1; k <= 64; k++)); do ip -n "$NS_I" addr add "198.18.1.$k/16" dev bik-i0; done
    ip -n "$NS_I" link set bik-i0 up
    ip -n "$NS_R" link set bik-r0 up
    ip netns exec "$NS_I" ping -c1 -W2 "$IP_R" > /dev/null || { echo "bik-i cannot reach $IP_R" >&2; return 1; }
}

# --- responders -----------------------------------------------------------------------------------
# The pid whose CPU time and RSS are read must be the responder itself, not a wrapper.
check_responder_pid() {
    local comm
    comm="$(cat "/proc/$RESPONDER_PID/comm" 2> /dev/null || true)"
    [[ "$comm" == "$1" ]] || { echo "responder pid $RESPONDER_PID is '$comm', not $1" >&2; return 1; }
}

# Our daemon: a fresh data directory, PSK set, vpn.security compatible (the default, said explicitly).
start_ours() {
    local dir="$OUT/ours-$1" i
    rm -rf "$dir"; mkdir -p "$dir/data"
    {
        "$BIN" config set vpn.psk "$PSK" --data "$dir/data"
        "$BIN" config set wan.interface bik-r0 --data "$dir/data"
        "$BIN" config set vpn.security compatible --data "$dir/data"
    } > "$dir/config-set.log" 2>&1 || { cat "$dir/config-set.log" >&2; return 1; }
    "${ON_RESPONDER_CPU[@]}" ip netns exec "$NS_R" "$BIN" run --data "$dir/data" > "$dir/appliance.log" 2>&1 < /dev/null &
    RESPONDER_PID=$!
    for ((i = 0; i < 300; i++)); do
        grep -q 'msg=ready' "$dir/appliance.log" && { check_responder_pid appliance; return; }
        kill -0 "$RESPONDER_PID" 2> /dev/null || { tail -n 20 "$dir/appliance.log" >&2; return 1; }
        sleep 0.1
    done
    echo "appliance: no msg=ready within 30 s" >&2
    return 1
}

# SAs the daemon holds, from its status (IKE SAs established, ESP SA pairs).
count_ours() {
    local json
    json="$(ip netns exec "$NS_R" "$BIN" status --json --data "$OUT/ours-$1/data" 2> /dev/null || true)"
    printf 'ike_established=%s esp_pairs=%s' \
        "$(grep -o '"establishedIkeSas":[0-9]*' <<< "$json" | cut -d: -f2)" \
        "$(grep -o '"espSaPairs":[0-9]*' <<< "$json" | cut -d: -f2)"
}

charon_plugins() {
    case "$CHARON_KERNEL" in
        netlink) echo "kernel-netlink" ;;
        libipsec) echo "kernel-libipsec kernel-netlink" ;;
        # No kernel plugin at all is not an option: charon then exits at start (status 66), it
        # needs a kernel networking interface.
        *) echo "CHARON_KERNEL must be netlink or libipsec" >&2; return 2 ;;
    esac
}

# start_charon NAME CRYPTO_PLUGINS: its own strongswan.conf (nothing from /etc), /run, vici
# socket; limits raised so its DoS protection never throttles the driver; IKE_SA table sized for
# thousands of SAs. The first plugin that offers an algorithm provides it.
start_charon() {
    local dir="$OUT/charon-$1" sock="$SOCKDIR/charon-$1.vici" crypto="$2" i exponent
    rm -rf "$dir"; mkdir -p "$dir"
    [[ "$CHARON_DH_EXPONENT" == full ]] && exponent=yes || exponent=no
    cat > "$dir/strongswan.conf" << EOF
charon {
    load_modular = no
    load = random nonce $crypto $(charon_plugins) socket-default vici
    port = 500
    port_nat_t = 4500
    # Limits: none of charon's DoS protection may throttle the load driver.
    threads = 16
    dos_protection = no
    cookie_threshold = 1000000
    cookie_threshold_ip = 1000000
    block_threshold = 1000000
    init_limit_half_open = 0
    init_limit_job_load = 0
    ikesa_limit = 0
    half_open_timeout = 30
    # The IKE_SA table: the default (one bucket, one lock) is a list; size it for thousands.
    ikesa_table_size = 4096
    ikesa_table_segments = 16
    install_routes = no
    install_virtual_ip = no
    plugins {
        vici {
            socket = unix://$sock
        }
    }
    filelog {
        bench {
            path = $dir/charon.log
            append = no
            time_format = %H:%M:%S
            ike_name = yes
            default = ${IKE_BENCH_CHARON_LOG:-0}
            knl = 1
        }
    }
    syslog {
        identifier = charon-bench
        daemon {
            default = -1
        }
    }
}
libstrongswan {
    # no: exponents sized to the group's strength (as our responder does), yes: full length.
    dh_exponent_ansi_x9_42 = $exponent
}
swanctl {
    load = random
}
EOF
    cat > "$dir/swanctl.conf" << EOF
connections {
    l2tp-psk {
        version = 1
        aggressive = no
        local_addrs = $IP_R
        remote_addrs = %any
        proposals = aes128-sha256-modp2048, aes128-sha256-ecp256
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
                esp_proposals = aes128-sha1
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
    # nice, taskset, ip netns exec, unshare and sh all exec: $! is charon itself.
    # shellcheck disable=SC2016
    STRONGSWAN_CONF="$dir/strongswan.conf" "${ON_RESPONDER_CPU[@]}" ip netns exec "$NS_R" \
        unshare -m sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$0"' "$CHARON_BIN" \
        > "$dir/charon.stdout" 2>&1 < /dev/null &
    RESPONDER_PID=$!
    for ((i = 0; i < 100; i++)); do
        if [[ -S "$sock" ]] && swan "$1" --stats > /dev/null 2>&1; then break; fi
        if ! kill -0 "$RESPONDER_PID" 2> /dev/null; then
            echo "charon exited at start; see $dir" >&2
            tail -n 20 "$dir/charon.stdout" >&2
            return 1
        fi
        sleep 0.1
    done
    swan "$1" --load-all --noprompt --file "$dir/swanctl.conf" > "$dir/swanctl-load.log" 2>&1 \
        || { cat "$dir/swanctl-load.log" >&2; return 1; }
    check_responder_pid charon
}

swan() {
    local name="$1"; shift
    STRONGSWAN_CONF="$OUT/charon-$name/strongswan.conf" timeout 30 swanctl "$@" --uri "unix://$SOCKDIR/charon-$name.vici"
}

# SAs charon holds: IKE_SAs from --stats, CHILD_SAs installed from --list-sas.
count_charon() {
    local stats children
    stats="$(swan "$1" --stats 2> /dev/null || true)"
    children="$(swan "$1" --list-sas 2> /dev/null | grep -c 'INSTALLED' || true)"
    printf 'ike_sas=%s half_open=%s child_installed=%s' \
        "$(sed -n 's/^IKE_SAs: \([0-9]*\) total.*/\1/p' <<< "$stats")" \
        "$(sed -n 's/^IKE_SAs: .* \([0-9]*\) half-open.*/\1/p' <<< "$stats")" "$children"
}

# start_target TARGET RUN: RUN names the run's directory (and charon's vici socket).
start_target() {
    case "$1" in
        ours) start_ours "$2" ;;
        charon) start_charon "$2" "gmp openssl hmac" ;;
        charon-openssl) start_charon "openssl-$2" "openssl hmac" ;;
        *) echo "unknown target $1" >&2; return 2 ;;
    esac
}

count_target() {
    case "$1" in
        ours) count_ours "$2" ;;
        charon) count_charon "$2" ;;
        charon-openssl) count_charon "openssl-$2" ;;
    esac
}

# charon's kernel interface: how many SA installs it attempted and saw fail (knl log level 1).
charon_install_failures() {
    local log="$OUT/charon-$1/charon.log"
    [[ -f "$log" ]] || return 0
    printf 'IKE_SAs established %s, ESP SA adds refused by the kernel %s'         "$(grep -c 'IKE_SA .* established' "$log" || true)" "$(grep -c 'unable to add SAD entry' "$log" || true)"
}

# driver LABEL ARGS...: the load driver in bik-i on CPU 0; its RESULT lines go to results.txt.
driver() {
    local label="$1"; shift
    # Each exchange has its own socket, and in rate mode keeps it until its delayed Delete is out.
    ulimit -n 65536 2> /dev/null || ulimit -n "$(ulimit -Hn)"
    # Socket completions run on the epoll thread itself: one wake-up per datagram, not two (the
    # continuations are short: a hash or one DH agreement).
    DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=1 "${ON_DRIVER_CPU[@]}" ip netns exec "$NS_I" "$DRIVER" --label "$label" --responder "$IP_R" \
        --sources "$SOURCES" --psk "$PSK" --inflight "$INFLIGHT" --responder-pid "$RESPONDER_PID" "$@" \
        | tee -a "$OUT/driver.log" | tee >(grep '^RESULT ' >> "$RESULTS") | grep -v '^RESULT '
}

# --- the runs -----------------------------------------------------------------------------------
log "results in $OUT; responder on CPU $RESPONDER_CPU, driver on CPU $DRIVER_CPU, both at nice $NICE; load $(cut -d' ' -f1-3 /proc/loadavg)"
log "charon: $($CHARON_BIN --version 2>&1 | head -n 1 || true), kernel plugin: $CHARON_KERNEL, DH exponent: $CHARON_DH_EXPONENT"
echo "LOAD start $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS"
echo "NICE $NICE" >> "$RESULTS"
topology

# Rate runs alternate between the targets, so load from other jobs hits both alike.
for group in $GROUPS_TO_RUN; do
    for target in $TARGETS; do
        log "rate: $target, group $group"
        start_target "$target" "rate-$group"
        # shellcheck disable=SC2086  # word splitting wanted: a list of options
        driver "$target" --mode rate --group "$group" --warmup "$WARMUP" --duration "$DURATION" ${IKE_BENCH_RATE_ARGS:-} || true
        if ! kill -0 "$RESPONDER_PID" 2> /dev/null; then echo "  $target exited during the run" | tee -a "$OUT/driver.log"; fi
        case "$target" in
            charon) echo "  charon: $(charon_install_failures "rate-$group")" | tee -a "$OUT/driver.log" ;;
            charon-openssl) echo "  charon: $(charon_install_failures "openssl-rate-$group")" | tee -a "$OUT/driver.log" ;;
        esac
        stop_pid "$RESPONDER_PID"; RESPONDER_PID=""
    done
done

for target in $MEMORY_TARGETS; do
    log "memory: $target, $COUNT SAs held"
    start_target "$target" memory
    driver "$target" --mode memory --group 14 --count "$COUNT" || true
    held="$(count_target "$target" memory)"
    echo "  $target reports: $held" | tee -a "$OUT/driver.log"
    echo "HELD label=$target $held" >> "$RESULTS"
    stop_pid "$RESPONDER_PID"; RESPONDER_PID=""
done

echo "LOAD end $(cut -d' ' -f1-3 /proc/loadavg)" >> "$RESULTS"
"$HERE/summary.sh" "$RESULTS" | tee "$OUT/summary.txt"
