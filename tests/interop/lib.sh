# shellcheck shell=bash
# Helpers for the interop scenarios: real IKEv1 peers we did not write
# (strongSwan's charon, ike-scan) against a responder in a network namespace.
# Sourced by charon-initiator.sh, charon-responder.sh, scenarios/*.sh, run.sh.
# Runs on the bare machine as root (no qemu): it creates network namespaces.
#
#   . "$INTEROP_DIR/lib.sh"
#   interop_begin NAME          # results dir, lock, cleanup trap
#   interop_topology direct     # ikei 203.0.113.10 <-> iker 203.0.113.1
#   charon_start resp "$NS_R"; charon_write_swanctl resp <<EOF ... EOF; charon_load resp
#   check NAME CMD...           # PASS/FAIL line in results.txt
#   interop_end                 # "interop: N passed, N failed", exit 1 on failures
#
# Everything a run leaves is in $INTEROP_OUT (default tests/interop/.results/RUN):
# results.txt, logs/check-NAME.log, charon/NAME/{strongswan.conf,swanctl.conf,charon.log}.

[[ -n "${INTEROP_LIB_LOADED:-}" ]] && return 0
INTEROP_LIB_LOADED=1

INTEROP_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
INTEROP_REPO="$(cd "$INTEROP_DIR/../.." && pwd)"

# --- Topology names and addresses ----------------------------------------------
# Only documentation/benchmark ranges, and only inside namespaces made here:
#
#   direct:  ikei i0 203.0.113.10/24 ---------------------------- r0 203.0.113.1/24 iker
#   nat:     ikei i0 198.18.1.10/24 --- n0 198.18.1.1/24 ikenat n1 203.0.113.2/24 --- r0 203.0.113.1/24 iker
#                                            (nftables masquerade out of n1)
#
# The responder keeps the same address and interface in both, so its
# configuration does not change between the two.
NS_I="${INTEROP_NS_I:-ikei}"
NS_R="${INTEROP_NS_R:-iker}"
NS_NAT="${INTEROP_NS_NAT:-ikenat}"
IF_I=i0
IF_R=r0
IF_NAT_IN=n0
IF_NAT_OUT=n1
IP_R=203.0.113.1
IP_I_DIRECT=203.0.113.10
IP_I_NATTED=198.18.1.10
IP_NAT_IN=198.18.1.1
IP_NAT_OUT=203.0.113.2
# The initiator's own address in the topology in force (set by interop_topology).
IP_I="$IP_I_DIRECT"
INTEROP_TOPOLOGY=none

CHARON_BIN="${CHARON_BIN:-/usr/lib/ipsec/charon}"

# Which kernel interface charon uses for SAs. Neither can install the L2TP
# transport-mode ESP SA on this machine's kernel, and the harness does not
# need them to: it judges the negotiation on the wire (see charon_classify).
#   netlink   (default) XFRM; adding the ESP state fails ("Protocol not
#             supported": no esp4). charon's NAT detection is honest: a peer
#             not behind NAT stays on port 500 without UDP encapsulation,
#             as a real client not behind NAT does.
#   libipsec  userspace ESP (tunnel mode only: "IPsec SA: unsupported mode"
#             for transport). It requires UDP encapsulation, so charon FAKES
#             a NAT in its NAT-D payloads ("remote host is behind NAT" on the
#             other side) and every exchange floats to 4500, NAT or not.
CHARON_KERNEL="${CHARON_KERNEL:-netlink}"
charon_kernel_plugins() {
    case "$CHARON_KERNEL" in
        netlink) echo "kernel-netlink" ;;
        # Listed first so it, not netlink's XFRM, is the IPsec backend;
        # kernel-netlink still handles addresses and routes.
        libipsec) echo "kernel-libipsec kernel-netlink" ;;
        *) echo "CHARON_KERNEL must be netlink or libipsec, not '$CHARON_KERNEL'" >&2; return 2 ;;
    esac
}

# --- Results ---------------------------------------------------------------------

interop_log() { printf '[interop %s] %s\n' "$(date +%T)" "$*" >&2; }

# A check name becomes a file name and must stay one word on its results line.
interop__slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }
interop__oneline() { tr '\r\n\t' '   ' | sed 's/  */ /g; s/^ //; s/ $//' | cut -c1-300; }

pass() {
    local name; name="$(interop__slug "$1")"
    echo "PASS $name" >> "$INTEROP_RESULTS"
    echo "PASS $name"
}

fail() {
    local name reason
    name="$(interop__slug "$1")"
    reason="$(printf '%s' "${2:-failed}" | interop__oneline)"
    echo "FAIL $name: $reason" >> "$INTEROP_RESULTS"
    echo "FAIL $name: $reason"
}

# check NAME CMD [ARGS...]: runs CMD (program or function) in a subshell with
# `set -e` really in force (bash ignores -e inside anything tested by if/||,
# so the subshell is run outside such a context), output to
# logs/check-NAME.log. PASS when it exits 0, else FAIL with the exit code and
# the last line it printed. Always returns 0 so the scenario goes on;
# CHECK_RC holds CMD's exit code.
check() {
    local name="$1"; shift
    local log rc restore_e=0
    log="$INTEROP_OUT/logs/check-$(interop__slug "$name").log"
    [[ $- == *e* ]] && restore_e=1
    set +e
    ( set -e; "$@" ) > "$log" 2>&1
    rc=$?
    ((restore_e)) && set -e
    # shellcheck disable=SC2034  # for scenarios that want the exit code
    CHECK_RC=$rc
    if ((rc == 0)); then
        pass "$name"
    else
        fail "$name" "rc=$rc: $(grep -v '^[[:space:]]*$' "$log" | tail -n 1)"
    fi
    return 0
}

interop_counts() {
    local p f
    p=$(grep -c '^PASS ' "$INTEROP_RESULTS" || true)
    f=$(grep -c '^FAIL ' "$INTEROP_RESULTS" || true)
    echo "$p $f"
}

# The closing line CI reads: "interop: N passed, N failed".
interop_summary() {
    local p f
    read -r p f < <(interop_counts)
    echo "interop: $p passed, $f failed"
    [[ "$f" == 0 ]]
}

# --- Run lifecycle ---------------------------------------------------------------

# Things to undo at exit, newest first: charon/daemon pids and namespaces we made.
INTEROP_PIDS=()
INTEROP_NAMESPACES=()
INTEROP_FINISHED=0
INTEROP_SCENARIO=""

# interop_begin NAME [tool]: results directory, one-run-at-a-time lock,
# cleanup trap. A nested call (a scenario started by run.sh) reuses the
# parent's directory and lock, and leaves the summary to the parent. "tool"
# (charon-initiator.sh / charon-responder.sh run by hand) records no results
# of its own and takes no lock: it builds no namespaces.
interop_begin() {
    INTEROP_SCENARIO="$1"
    local mode="${2:-}"
    if [[ $EUID -ne 0 ]]; then
        echo "interop: must run as root (network namespaces)" >&2
        exit 2
    fi
    if [[ -z "${INTEROP_OUT:-}" ]]; then
        INTEROP_OUT="$INTEROP_DIR/.results/$(date +%Y%m%d-%H%M%S)-$$"
    fi
    mkdir -p "$INTEROP_OUT/logs" "$INTEROP_OUT/charon"
    INTEROP_RESULTS="$INTEROP_OUT/results.txt"
    touch "$INTEROP_RESULTS"
    export INTEROP_OUT
    # The namespace names are fixed, so two runs at once would tear down each
    # other's topology: serialise them.
    if [[ "$mode" != tool && -z "${INTEROP_LOCKED:-}" ]]; then
        mkdir -p /run/lock
        exec {INTEROP_LOCK_FD}> /run/lock/appliance-interop.lock
        if ! flock -w 150 "$INTEROP_LOCK_FD"; then
            echo "interop: another run holds /run/lock/appliance-interop.lock" >&2
            exit 2
        fi
        # Children that outlive a check (charon, the daemon) must not hold the
        # lock: they close this fd (interop__exec_no_lock). Nested scenarios inherit it.
        export INTEROP_LOCKED=1 INTEROP_LOCK_FD
        INTEROP_TOP=1
    fi
    # vici sockets need a short path (sun_path is 108 bytes); results paths can be long.
    if [[ -z "${INTEROP_SOCKDIR:-}" ]]; then
        INTEROP_SOCKDIR="$(mktemp -d /tmp/interop.XXXXXX)"
        INTEROP_OWN_SOCKDIR=1
    fi
    export INTEROP_SOCKDIR
    # This process's own failures decide its exit status; a nested scenario
    # shares results.txt with the scenarios before it.
    read -r _ INTEROP_FAILS_AT_BEGIN < <(interop_counts)
    trap interop__on_exit EXIT
    trap 'exit 130' INT TERM
}

# interop__exec_no_lock CMD...: only as a background command (`... &`):
# execs CMD in that forked subshell with the run lock's fd closed, so $! is
# CMD itself and a leftover daemon can never keep the next run waiting.
interop__exec_no_lock() {
    if [[ -n "${INTEROP_LOCK_FD:-}" ]]; then exec {INTEROP_LOCK_FD}>&-; fi
    exec "$@"
}

# interop_end: summary (top-level only) and exit status.
interop_end() {
    INTEROP_FINISHED=1
    local p f
    read -r p f < <(interop_counts)
    if [[ -n "${INTEROP_TOP:-}" ]]; then
        echo "results: $INTEROP_OUT"
        interop_summary || true
    fi
    ((f == ${INTEROP_FAILS_AT_BEGIN:-0})) && exit 0
    exit 1
}

interop__on_exit() {
    local rc=$?
    # A scenario that died on an unexpected error must not look green.
    if ((INTEROP_FINISHED == 0)) && [[ -n "$INTEROP_SCENARIO" ]]; then
        fail "$INTEROP_SCENARIO-aborted" "exit $rc before the scenario finished (see its output)"
    fi
    interop_cleanup
    if [[ -n "${INTEROP_OWN_SOCKDIR:-}" ]]; then rm -rf "$INTEROP_SOCKDIR"; fi
    if ((INTEROP_FINISHED == 0)) && [[ -n "${INTEROP_TOP:-}" ]]; then
        interop_summary || true
        exit 1
    fi
}

# Stops everything this process started, then deletes its namespaces.
interop_cleanup() {
    local pid ns
    for pid in "${INTEROP_PIDS[@]}"; do interop__stop_pid "$pid"; done
    INTEROP_PIDS=()
    for ns in "${INTEROP_NAMESPACES[@]}"; do interop__ns_delete "$ns"; done
    INTEROP_NAMESPACES=()
    INTEROP_TOPOLOGY=none
}

# TERM, up to 3 s for a clean exit, then KILL. Only ever a pid we recorded.
interop__stop_pid() {
    local pid="$1" i
    kill -0 "$pid" 2> /dev/null || return 0
    kill -TERM "$pid" 2> /dev/null || true
    for ((i = 0; i < 30; i++)); do
        kill -0 "$pid" 2> /dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
}

interop__forget_pid() {
    local pid="$1" p keep=()
    for p in "${INTEROP_PIDS[@]}"; do [[ "$p" == "$pid" ]] || keep+=("$p"); done
    INTEROP_PIDS=("${keep[@]}")
}

# --- Namespaces ------------------------------------------------------------------

interop_in() { local ns="$1"; shift; ip netns exec "$ns" "$@"; }

# Deleting a namespace: these names belong to this harness alone, so whatever
# still runs in one is a leftover of an earlier (killed) run of it.
interop__ns_delete() {
    local ns="$1" pid
    ip netns list | awk '{print $1}' | grep -qx "$ns" || return 0
    for pid in $(ip netns pids "$ns" 2> /dev/null); do interop__stop_pid "$pid"; done
    ip netns del "$ns" 2> /dev/null || true
}

interop__ns_add() {
    local ns="$1"
    interop__ns_delete "$ns"
    ip netns add "$ns"
    INTEROP_NAMESPACES+=("$ns")
    ip -n "$ns" link set lo up
}

# interop_topology direct|nat: (re)builds the namespaces; stops charons and
# daemons first (their sockets belong to the namespaces being replaced).
interop_topology() {
    local kind="$1"
    interop_cleanup
    interop__ns_delete "$NS_NAT"
    interop__ns_add "$NS_I"
    interop__ns_add "$NS_R"
    case "$kind" in
        direct)
            ip link add "$IF_I" netns "$NS_I" type veth peer name "$IF_R" netns "$NS_R"
            ip -n "$NS_I" addr add "$IP_I_DIRECT/24" dev "$IF_I"
            ip -n "$NS_R" addr add "$IP_R/24" dev "$IF_R"
            ip -n "$NS_I" link set "$IF_I" up
            ip -n "$NS_R" link set "$IF_R" up
            IP_I="$IP_I_DIRECT"
            ;;
        nat)
            interop__ns_add "$NS_NAT"
            ip link add "$IF_I" netns "$NS_I" type veth peer name "$IF_NAT_IN" netns "$NS_NAT"
            ip link add "$IF_NAT_OUT" netns "$NS_NAT" type veth peer name "$IF_R" netns "$NS_R"
            ip -n "$NS_I" addr add "$IP_I_NATTED/24" dev "$IF_I"
            ip -n "$NS_NAT" addr add "$IP_NAT_IN/24" dev "$IF_NAT_IN"
            ip -n "$NS_NAT" addr add "$IP_NAT_OUT/24" dev "$IF_NAT_OUT"
            ip -n "$NS_R" addr add "$IP_R/24" dev "$IF_R"
            ip -n "$NS_I" link set "$IF_I" up
            ip -n "$NS_NAT" link set "$IF_NAT_IN" up
            ip -n "$NS_NAT" link set "$IF_NAT_OUT" up
            ip -n "$NS_R" link set "$IF_R" up
            ip -n "$NS_I" route add default via "$IP_NAT_IN"
            interop_in "$NS_NAT" sysctl -qw net.ipv4.ip_forward=1
            # A home router: the client's private address leaves as the NAT's
            # public one; nothing filters, so the responder's 500/4500 answer
            # through conntrack. The responder needs no route to 198.18.1.0/24.
            interop_in "$NS_NAT" nft -f - << EOF
table ip interop_nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "$IF_NAT_OUT" counter masquerade
    }
}
EOF
            IP_I="$IP_I_NATTED"
            ;;
        *) echo "interop_topology: unknown kind '$kind'" >&2; return 2 ;;
    esac
    # shellcheck disable=SC2034  # for scenarios: which topology is up
    INTEROP_TOPOLOGY="$kind"
    # Make sure the path works before any IKE test blames the peer.
    local target="$IP_R"
    interop_in "$NS_I" ping -c1 -W2 "$target" > /dev/null || {
        echo "interop_topology $kind: $IP_I cannot reach $target" >&2
        return 1
    }
}

# Connections the masquerade rule has translated (the nat chain sees the
# first packet of each): proves the traffic really went through the NAT.
interop_nat_translated() {
    interop_in "$NS_NAT" nft list chain ip interop_nat postrouting |
        sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | head -n 1
}

# --- charon instances --------------------------------------------------------------
#
# Each instance gets $INTEROP_OUT/charon/NAME/ with its own strongswan.conf
# (pointed to by STRONGSWAN_CONF, so nothing in /etc/strongswan* is read),
# swanctl.conf, charon.log, and a vici socket $INTEROP_SOCKDIR/NAME.vici.
# charon writes /run/charon.pid unconditionally, so each runs in a private
# mount namespace with a fresh tmpfs on /run; that is how two run side by side.

declare -A CHARON_PID=()

charon_dir() { echo "$INTEROP_OUT/charon/$1"; }
charon_log() { echo "$INTEROP_OUT/charon/$1/charon.log"; }
charon_sock() { echo "$INTEROP_SOCKDIR/$1.vici"; }

# Retransmission settings: a real client waits ~30 s; here a lost exchange
# must fail fast, yet be retransmitted so a slow first answer is not taken
# for silence (veth between namespaces loses nothing). Tries 2 -> gives up
# 1 + 1.4 + 1.96 = ~4.4 s after the first send. CHARON_RETRANSMIT_TRIES overrides.
CHARON_RETRANSMIT_TRIES="${CHARON_RETRANSMIT_TRIES:-2}"

charon__write_strongswan_conf() {
    local name="$1" dir sock
    dir="$(charon_dir "$name")"
    sock="$(charon_sock "$name")"
    local kernel
    kernel="$(charon_kernel_plugins)"
    # No load_modular: exactly these plugins, nothing from /etc/strongswan.d.
    # openssl covers AES/3DES/DES/GCM, SHA1/2, MD5, MODP and ECP groups.
    # Log levels: ike 2 + cfg 2 print received/configured/selected proposals,
    # enc 1 the payload list of each message, net 1 every packet's addresses
    # and ports (NAT-T float to 4500), knl/esp 1 the SA install result.
    cat > "$dir/strongswan.conf" << EOF
charon {
    load_modular = no
    load = random nonce openssl hmac gmp $kernel socket-default vici
    port = 500
    port_nat_t = 4500
    retransmit_timeout = 1.0
    retransmit_base = 1.4
    retransmit_tries = $CHARON_RETRANSMIT_TRIES
    install_virtual_ip = no
    install_routes = no
    plugins {
        vici {
            socket = unix://$sock
        }
    }
    filelog {
        interop {
            path = $dir/charon.log
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
            lib = 1
        }
    }
    syslog {
        identifier = charon-interop-$name
        daemon {
            default = -1
        }
    }
}
# swanctl itself needs no crypto for PSK-only configurations; fewer plugins
# make each swanctl call start faster.
swanctl {
    load = random
}
EOF
}

# charon_start NAME NS: starts charon in NS, waits until vici answers.
charon_start() {
    local name="$1" ns="$2" dir sock pid i
    dir="$(charon_dir "$name")"
    sock="$(charon_sock "$name")"
    rm -rf "$dir"; mkdir -p "$dir"
    rm -f "$sock"
    charon__write_strongswan_conf "$name"
    # ip netns exec execs (no fork) and so do unshare and sh's exec: $! is charon.
    # The inner sh expands "$0" (charon's path) itself, hence single quotes.
    # shellcheck disable=SC2016
    STRONGSWAN_CONF="$dir/strongswan.conf" interop__exec_no_lock ip netns exec "$ns" \
        unshare -m sh -c 'mount -t tmpfs -o mode=0755 tmpfs /run && exec "$0"' "$CHARON_BIN" \
        > "$dir/charon.stdout" 2>&1 < /dev/null &
    pid=$!
    CHARON_PID[$name]=$pid
    INTEROP_PIDS+=("$pid")
    # Bounded by the clock, not by tries: one swanctl call can itself be slow.
    local deadline=$((SECONDS + 10))
    while ((SECONDS < deadline)); do
        if [[ -S "$sock" ]] && SWAN_TIMEOUT=3 swan "$name" --stats > /dev/null 2>&1; then
            return 0
        fi
        if ! kill -0 "$pid" 2> /dev/null; then
            echo "charon $name exited at start; $dir/charon.stdout:" >&2
            tail -n 20 "$dir/charon.stdout" >&2 || true
            return 1
        fi
        sleep 0.05
    done
    echo "charon $name: vici socket did not answer within 10 s" >&2
    return 1
}

charon_stop() {
    local name="$1" pid="${CHARON_PID[$1]:-}"
    [[ -n "$pid" ]] || return 0
    interop__stop_pid "$pid"
    interop__forget_pid "$pid"
    unset "CHARON_PID[$name]"
}

# swan NAME ARGS...: swanctl against that instance's vici socket, bounded in time.
swan() {
    local name="$1"; shift
    STRONGSWAN_CONF="$(charon_dir "$name")/strongswan.conf" \
        timeout "${SWAN_TIMEOUT:-30}" swanctl "$@" --uri "unix://$(charon_sock "$name")"
}

# charon_write_swanctl NAME < CONF: the instance's swanctl.conf from stdin.
charon_write_swanctl() { cat > "$(charon_dir "$1")/swanctl.conf"; }

# charon_load NAME: load connections and secrets from its swanctl.conf.
# swanctl also scans x509/, private/... beside the file; they stay absent (PSK
# only), so its complaints about them go to the log with the rest.
charon_load() {
    local name="$1" dir out
    dir="$(charon_dir "$name")"
    out="$dir/swanctl-load.log"
    if ! swan "$name" --load-all --noprompt --file "$dir/swanctl.conf" > "$out" 2>&1 \
        || grep -qE 'failed to load|config discarded' "$out"; then
        echo "swanctl --load-all for $name failed:" >&2
        grep -vE "opening directory '.*' failed" "$out" >&2 || true
        return 1
    fi
}

# charon_initiate NAME CHILD [TIMEOUT]: start a CHILD_SA (Main Mode first if no
# IKE_SA is up yet, then Quick Mode). swanctl's own exit status says only
# "installed or not"; classify outcomes with charon_classify (below).
charon_initiate() {
    local name="$1" child="$2" t="${3:-20}"
    SWAN_TIMEOUT=$((t + 5)) swan "$name" --initiate --child "$child" --timeout "$t"
}

# --- Reading charon's log ------------------------------------------------------------
#
# Every verdict about a charon initiator comes from these charon 5.9 log lines
# (IKEv1). In charon.log a line reads "HH:MM:SS NN[GRP] <conn|N> text"; only
# the text is matched. They were checked against charon 5.9.8 here; README.md
# lists them too.
#
# Main Mode (the IKE_SA):
#   "parsed ID_PROT response 0 [ SA"            MM2: the responder chose an IKE transform
#   "parsed ID_PROT response 0 [ KE No"         MM4: DH done, keys derived (PSK now matters)
#   "generating ID_PROT request 0 [ ID HASH"    MM5 sent (encrypted with PSK-derived keys)
#   "IKE_SA <conn>[N] established between"      MM6 verified: Main Mode complete
#   "selected proposal: IKE:<algs>"             the transform the responder chose
# Main Mode failures:
#   "received AUTHENTICATION_FAILED error notify"   responder says our HASH is wrong
#   "received NO_PROPOSAL_CHOSEN error notify"      responder took no IKE transform
#   "received <OTHER_NOTIFY> error notify"          anything else it said in clear
#   "decryption failed?" / "message parsing failed" after MM5: the answer does
#       not decrypt. With a PSK mismatch both sides derive different keys, so a
#       responder's "wrong PSK" notify (charon sends N(PLD_MAL)) is encrypted
#       with keys we cannot match: it shows up as undecryptable, not as a notify.
#   "giving up after N retransmits"             no (usable) answer in time
# Quick Mode (the CHILD_SA):
#   "generating QUICK_MODE request"             QM1 sent
#   "parsed QUICK_MODE response <id> [ HASH SA" QM2: the responder accepted a proposal
#                                                and our traffic selectors
#   "selected proposal: ESP:<algs>"             the ESP transform it chose
#   "CHILD_SA <child>{N} established with SPIs" the SA was installed locally too
#   "unable to install inbound and outbound IPsec SA (SAD) in kernel"
#       after QM2: negotiated on the wire, refused by OUR kernel interface, not
#       by the responder. With kernel-libipsec it follows "IPsec SA: unsupported
#       mode" (transport mode); with kernel-netlink "unable to add SAD entry"
#       ("Protocol not supported": no esp4). charon then sends an informational
#       N(NO_PROPOSAL_CHOSEN) instead of QM3 and the responder drops the IKE_SA:
#       one IKE_SA per Quick Mode attempt.
#   "received NO_PROPOSAL_CHOSEN error notify" / "received INVALID_ID_INFORMATION
#       error notify" after QM1: proposal / traffic selectors refused
#   "giving up after N retransmits" with QM1 outstanding: no answer
# NAT traversal:
#   "local host is behind NAT, sending keep alives"   NAT-D: our address is translated
#   "remote host is behind NAT"                       NAT-D: the peer's is (or it fakes
#                                                      one, as kernel-libipsec does)
#   "sending packet: from A[4500] to B[4500]"         the exchange floated to port 4500

# charon_classify NAME [SINCE_LINE]: reads instance NAME's log from line
# SINCE_LINE on (default 1) and prints key=value lines:
#   ike=established|auth-failed|no-proposal|notify:<NAME>|decrypt-failed|timeout|unknown
#   mm_stage=none|mm2|mm4|mm5-sent|done   how far Main Mode got
#   answers_after_mm5=N                   packets received after MM5 was sent
#   qm=installed|negotiated-install-refused|negotiated|no-proposal|invalid-id|
#      notify:<NAME>|timeout|not-attempted|unknown
#   ike_proposal=... esp_proposal=...     what the responder selected (or -)
#   libipsec_unsupported_mode=yes|no
#   nat=local|remote|both|none            natt_port=4500|500
charon_classify() {
    local name="$1" since="${2:-1}"
    tail -n "+$since" "$(charon_log "$name")" | awk '
        function notify_name(line) {
            if (match(line, /received [A-Z_0-9]+ error notify/))
                return substr(line, RSTART + 9, RLENGTH - 9 - 13)
            return ""
        }
        /parsed ID_PROT response 0 \[ SA/          { stage = "mm2" }
        /parsed ID_PROT response 0 \[ KE No/       { stage = "mm4" }
        /generating ID_PROT request 0 \[ ID HASH/  { stage = "mm5-sent"; mm5 = 1 }
        /received packet: /                        { if (mm5 && ike == "") answers++ }
        /IKE_SA .* established between /           { ike = "established"; stage = "done" }
        /selected proposal: IKE:/                  { sub(/.*selected proposal: IKE:/, ""); ike_prop = $0 }
        /selected proposal: ESP:/                  { sub(/.*selected proposal: ESP:/, ""); esp_prop = $0 }
        /generating QUICK_MODE request/            { qm_sent = 1 }
        /parsed QUICK_MODE response .*\[ HASH SA / { qm_sa = 1 }
        /CHILD_SA .* established with SPIs/        { qm_inst = 1 }
        /unable to install inbound and outbound IPsec SA/ { qm_refused = 1 }
        /IPsec SA: unsupported mode/               { unsupported = 1 }
        /local host is behind NAT/                 { nat_local = 1 }
        /remote host is behind NAT/                { nat_remote = 1 }
        /sending packet: from .*\[4500\] to .*\[4500\]/ { port4500 = 1 }
        /error notify/ {
            n = notify_name($0)
            if (n != "") {
                if (ike == "established" && qm_sent) { if (qm_notify == "") qm_notify = n }
                else if (ike_notify == "") ike_notify = n
            }
        }
        /decryption failed\?|message parsing failed/ { if (ike == "") decrypt = 1 }
        /giving up after [0-9]+ retransmits/ {
            if (ike == "established" && qm_sent) qm_timeout = 1
            else ike_timeout = 1
        }
        END {
            if (ike == "") {
                if (ike_notify == "AUTHENTICATION_FAILED") ike = "auth-failed"
                else if (ike_notify == "NO_PROPOSAL_CHOSEN") ike = "no-proposal"
                else if (ike_notify != "") ike = "notify:" ike_notify
                else if (decrypt) ike = "decrypt-failed"
                else if (ike_timeout) ike = "timeout"
                else ike = "unknown"
            }
            if (ike != "established") qm = "not-attempted"
            else if (qm_inst) qm = "installed"
            else if (qm_sa && qm_refused) qm = "negotiated-install-refused"
            else if (qm_notify == "NO_PROPOSAL_CHOSEN" && !qm_sa) qm = "no-proposal"
            else if (qm_notify == "INVALID_ID_INFORMATION" && !qm_sa) qm = "invalid-id"
            else if (qm_notify != "" && !qm_sa) qm = "notify:" qm_notify
            else if (qm_timeout) qm = "timeout"
            else if (qm_sa) qm = "negotiated"
            else if (!qm_sent) qm = "not-attempted"
            else qm = "unknown"
            nat = "none"
            if (nat_local && nat_remote) nat = "both"
            else if (nat_local) nat = "local"
            else if (nat_remote) nat = "remote"
            print "ike=" ike
            print "mm_stage=" (stage == "" ? "none" : stage)
            print "answers_after_mm5=" (answers + 0)
            print "qm=" qm
            print "ike_proposal=" (ike_prop == "" ? "-" : ike_prop)
            print "esp_proposal=" (esp_prop == "" ? "-" : esp_prop)
            print "libipsec_unsupported_mode=" (unsupported ? "yes" : "no")
            print "nat=" nat
            print "natt_port=" (port4500 ? 4500 : 500)
        }'
}

# Number of lines in an instance's log now (to classify only what comes after).
charon_log_lines() { local f; f="$(charon_log "$1")"; [[ -f "$f" ]] && wc -l < "$f" || echo 0; }

# Waits up to T seconds for a pattern in an instance's log (lines after SINCE).
charon_wait_log() {
    local name="$1" pattern="$2" t="${3:-10}" since="${4:-1}" i
    for ((i = 0; i < t * 10; i++)); do
        tail -n "+$since" "$(charon_log "$name")" 2> /dev/null | grep -qE "$pattern" && return 0
        sleep 0.1
    done
    return 1
}

# --- Our own daemon as the responder --------------------------------------------------
#
# appliance_start DIR PSK [SECURITY]: configure a fresh data directory
# DIR/data and run `appliance run` in the responder namespace, log in
# DIR/appliance.log; wait for its "msg=ready" line.
APPLIANCE_PID=""
appliance_start() {
    local dir="$1" psk="$2" security="${3:-}" data log i
    local bin="${APPLIANCE_BIN:-$INTEROP_REPO/out/linux-x64/appliance}"
    if [[ ! -x "$bin" ]]; then
        echo "appliance binary not found: $bin (set APPLIANCE_BIN)" >&2
        return 1
    fi
    data="$dir/data"
    rm -rf "$dir"; mkdir -p "$data"
    log="$dir/appliance.log"
    {
        "$bin" config set vpn.psk "$psk" --data "$data"
        "$bin" config set wan.interface "$IF_R" --data "$data"
        if [[ -n "$security" ]]; then "$bin" config set vpn.security "$security" --data "$data"; fi
    } > "$dir/config-set.log" 2>&1 || { cat "$dir/config-set.log" >&2; return 1; }
    interop__exec_no_lock ip netns exec "$NS_R" "$bin" run --data "$data" > "$log" 2>&1 < /dev/null &
    APPLIANCE_PID=$!
    INTEROP_PIDS+=("$APPLIANCE_PID")
    for ((i = 0; i < 300; i++)); do
        grep -q 'msg=ready' "$log" && return 0
        if ! kill -0 "$APPLIANCE_PID" 2> /dev/null; then
            echo "appliance exited before msg=ready; $log:" >&2
            tail -n 20 "$log" >&2
            return 1
        fi
        sleep 0.1
    done
    echo "appliance: no msg=ready within 30 s ($log)" >&2
    return 1
}

appliance_stop() {
    [[ -n "$APPLIANCE_PID" ]] || return 0
    interop__stop_pid "$APPLIANCE_PID"
    interop__forget_pid "$APPLIANCE_PID"
    APPLIANCE_PID=""
}

# --- The responder under test ------------------------------------------------------------
#
# TARGET=charon (default): charon-responder.sh's baseline in $NS_R.
# TARGET=appliance: our daemon (APPLIANCE_BIN, default out/linux-x64/appliance).
# PROFILE is the security setting: compatible|modern; empty = the target's default
# (charon: compatible; appliance: vpn.security left alone).
TARGET="${TARGET:-charon}"

target_up() {
    local name="$1" psk="$2" profile="${3:-}"
    case "$TARGET" in
        charon)
            if ! declare -F charon_responder_start > /dev/null; then
                # shellcheck source=charon-responder.sh
                . "$INTEROP_DIR/charon-responder.sh"
            fi
            charon_responder_start "$name" "$psk" "${profile:-compatible}"
            TARGET_NAME="$name"
            ;;
        appliance)
            appliance_start "$INTEROP_OUT/appliance/$name" "$psk" "$profile"
            TARGET_NAME="$name"
            ;;
        *) echo "TARGET must be charon or appliance, not '$TARGET'" >&2; return 2 ;;
    esac
}

target_down() {
    case "$TARGET" in
        charon) charon_stop "${TARGET_NAME:-}" ;;
        appliance) appliance_stop ;;
    esac
    TARGET_NAME=""
}

# The target's log, for a failing check to point at.
target_log() {
    case "$TARGET" in
        charon) charon_log "${TARGET_NAME:-}" ;;
        appliance) echo "$INTEROP_OUT/appliance/${TARGET_NAME:-}/appliance.log" ;;
    esac
}

# --- Tools -----------------------------------------------------------------------------

# Installs what is missing from Debian's packages (a fresh CI machine has
# none of it). apt-get update only when the first install attempt fails.
interop_require_tools() {
    local missing=() pkg
    [[ -x "$CHARON_BIN" ]] || missing+=(strongswan-charon)
    [[ -f /usr/lib/ipsec/plugins/libstrongswan-kernel-libipsec.so ]] || missing+=(libcharon-extra-plugins)
    command -v swanctl > /dev/null || missing+=(strongswan-swanctl)
    command -v ike-scan > /dev/null || missing+=(ike-scan)
    command -v ip > /dev/null || missing+=(iproute2)
    command -v nft > /dev/null || missing+=(nftables)
    command -v unshare > /dev/null || missing+=(util-linux)
    ((${#missing[@]} == 0)) && return 0
    interop_log "installing: ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -q "${missing[@]}" > /dev/null; then
        apt-get update -q > /dev/null
        apt-get install -y -q "${missing[@]}" > /dev/null
    fi
    for pkg in "${missing[@]}"; do interop_log "installed $pkg"; done
}
