# shellcheck shell=bash disable=SC2034  # the LAB_* addresses are for scenarios
# Helpers for lab scenarios. Sourced by tests/lab/scenarios/*.sh inside the
# guest (never on the host: it creates namespaces and loads kernel modules).
#
#   . "$LAB_DIR/lib.sh"
#   lab_topology                       # client -> nat -> wan -> box -> lanhost
#   lab_check ping-box lab_ping client "$LAB_BOX_WAN_IP"
#   lab_finish                         # exit 1 if any check failed
#
# Results: $LAB_RESULTS/results.txt gets one line per check, "PASS name" or
# "FAIL name: reason"; each check's output is kept in $LAB_RESULTS/logs/.

[[ -n "${LAB_LIB_LOADED:-}" ]] && return 0
LAB_LIB_LOADED=1

LAB_RESULTS="${LAB_RESULTS:-/lab/results}"
LAB_RESULTS_FILE="$LAB_RESULTS/results.txt"
LAB_LOGS="$LAB_RESULTS/logs"
# Scratch space for scenario files (configs, sockets): guest RAM, never the host.
LAB_TMP="${LAB_TMP:-/tmp/lab}"
mkdir -p "$LAB_LOGS" "$LAB_TMP"
touch "$LAB_RESULTS_FILE"

# --- The standard topology's addresses (documentation / test ranges only) ----
#
#   client eth0 10.77.0.2/24 --- lan0 10.77.0.1/24  nat  wan0 203.0.113.2/24 --+
#                                      (nftables masquerade out of wan0)        |
#                                                                        wan: bridge br0
#                                                                                |
#   lanhost eth0 192.168.8.2/24 --- lan0 192.168.8.1/24  box  wan0 203.0.113.1/24 -+
#
# Each name is a network namespace. More hosts can join the WAN segment with
# lab_wan_attach (e.g. a client without NAT at 203.0.113.3).
LAB_CLIENT_NET=10.77.0.0/24
LAB_CLIENT_IP=10.77.0.2
LAB_NAT_LAN_IP=10.77.0.1
LAB_WAN_NET=203.0.113.0/24
LAB_NAT_WAN_IP=203.0.113.2
LAB_BOX_WAN_IP=203.0.113.1
LAB_LAN_NET=192.168.8.0/24
LAB_BOX_LAN_IP=192.168.8.1
LAB_LANHOST_IP=192.168.8.2
LAB_BOX_WAN_IF=wan0
LAB_BOX_LAN_IF=lan0

# --- Logging and results -------------------------------------------------------

lab_log() {
    local up
    read -r up _ < /proc/uptime
    printf '[lab %7ss] %s\n' "$up" "$*" >&2
}

# Check names become file names and must stay one word in results.txt.
lab__slug() { printf '%s' "$1" | tr -c 'A-Za-z0-9._-' '_'; }

# A reason must fit on its one results line.
lab__oneline() { tr '\r\n\t' '   ' | sed 's/  */ /g; s/^ //; s/ $//' | cut -c1-300; }

lab_pass() {
    local name
    name="$(lab__slug "$1")"
    echo "PASS $name" >> "$LAB_RESULTS_FILE"
    lab_log "PASS $name"
}

lab_fail() {
    local name reason
    name="$(lab__slug "$1")"
    reason="$(printf '%s' "${2:-failed}" | lab__oneline)"
    echo "FAIL $name: $reason" >> "$LAB_RESULTS_FILE"
    lab_log "FAIL $name: $reason"
}

# lab_check NAME CMD [ARGS...]: runs CMD (a program or a function), records
# PASS when it exits 0, FAIL with its exit code and last output line otherwise.
# Output goes to logs/check-NAME.log. Always returns 0, so the scenario goes on
# to its next check; LAB_LAST_RC holds CMD's exit code.
# CMD runs in a subshell with `set -e` in force (it would be silently ignored
# in an `if`), so a function fails as soon as one of its commands fails.
lab_check() {
    local name="$1"; shift
    local log errexit=0
    log="$LAB_LOGS/check-$(lab__slug "$name").log"
    [[ $- == *e* ]] && errexit=1
    set +e
    ( set -e; "$@" ) > "$log" 2>&1
    LAB_LAST_RC=$?
    [[ $errexit -eq 1 ]] && set -e
    if [[ $LAB_LAST_RC -eq 0 ]]; then
        lab_pass "$name"
    else
        local last
        # '|| true': grep finds nothing in an empty log, which under pipefail and set -e would
        # abort the scenario instead of recording this check's failure.
        last="$(grep -v '^[[:space:]]*$' "$log" | tail -n 1 || true)"
        lab_fail "$name" "exit $LAB_LAST_RC${last:+: $last}"
    fi
    return 0
}

# lab_require NAME CMD...: like lab_check, but a failure ends the scenario
# (use it where later checks make no sense without this one).
lab_require() {
    lab_check "$@"
    if [[ $LAB_LAST_RC -ne 0 ]]; then
        lab_log "required check $1 failed: stopping the scenario"
        lab_finish
    fi
}

# lab_capture NAME CMD...: saves CMD's output as logs/NAME.txt, for the record
# only (never a check; its exit code is written at the end of the file).
lab_capture() {
    local name="$1"; shift
    local out rc=0
    out="$LAB_LOGS/$(lab__slug "$name").txt"
    "$@" > "$out" 2>&1 || rc=$?
    [[ $rc -eq 0 ]] || echo "(exit code $rc)" >> "$out"
    return 0
}

# lab_save FILE_OR_DIR [NAME]: copies a log file or directory into logs/.
lab_save() {
    local src="$1" name="${2:-$(basename "$1")}"
    if [[ -e "$src" ]]; then
        cp -a "$src" "$LAB_LOGS/$(lab__slug "$name")"
    else
        lab_log "lab_save: $src does not exist"
    fi
}

# --- Waiting and background processes -----------------------------------------

# lab_wait SECONDS CMD...: retries CMD every 0.2 s until it succeeds (0) or the
# time is up (1). TCG is slow: give daemons generous limits.
lab_wait() {
    local limit="$1"; shift
    local deadline=$(( $(date +%s) + limit ))
    while ! "$@" >/dev/null 2>&1; do
        [[ $(date +%s) -lt $deadline ]] || return 1
        sleep 0.2
    done
}

# lab_bg NAME NS CMD...: starts CMD in namespace NS ("-" = the guest's root
# namespace) in the background, output to logs/NAME.log. It is killed when the
# scenario exits. Prints nothing; the pid is in LAB_BG_PID.
lab_bg() {
    local name="$1" ns="$2"; shift 2
    local log
    log="$LAB_LOGS/$(lab__slug "$name").log"
    if [[ "$ns" == "-" ]]; then
        "$@" > "$log" 2>&1 &
    else
        ip netns exec "$ns" "$@" > "$log" 2>&1 &
    fi
    LAB_BG_PID=$!
    echo "$LAB_BG_PID $name" >> "$LAB_TMP/bg.pids"
}

lab_stop_bg() {
    [[ -f "$LAB_TMP/bg.pids" ]] || return 0
    local pid name
    while read -r pid name; do
        kill "$pid" 2>/dev/null && lab_log "stopped $name (pid $pid)"
    done < "$LAB_TMP/bg.pids"
    sleep 0.3
    while read -r pid name; do
        kill -9 "$pid" 2>/dev/null || true
    done < "$LAB_TMP/bg.pids"
    rm -f "$LAB_TMP/bg.pids"
}

# --- Namespaces and links -------------------------------------------------------

# lab_in NS CMD...: runs a program in a namespace (functions cannot cross).
lab_in() {
    local ns="$1"; shift
    ip netns exec "$ns" "$@"
}

# lab_ns NAME...: creates network namespaces with loopback up.
lab_ns() {
    local ns
    for ns in "$@"; do
        ip netns add "$ns"
        ip -n "$ns" link set lo up
    done
}

# lab_sysctl NS KEY VALUE (KEY as in sysctl: net.ipv4.ip_forward).
lab_sysctl() {
    ip netns exec "$1" sysctl -q -w "$2=$3"
}

# lab_veth NS1 IF1 NS2 IF2: a veth pair between two namespaces, both ends up.
lab_veth() {
    ip link add name "$2" netns "$1" type veth peer name "$4" netns "$3"
    ip -n "$1" link set "$2" up
    ip -n "$3" link set "$4" up
}

# lab_addr NS IF CIDR: adds an address and brings the interface up.
lab_addr() {
    ip -n "$1" addr add "$3" dev "$2"
    ip -n "$1" link set "$2" up
}

# lab_route NS ROUTE...: e.g. lab_route client default via 10.77.0.1
lab_route() {
    local ns="$1"; shift
    ip -n "$ns" route add "$@"
}

# lab_bridge NS BR: a bridge (no STP: ports forward at once).
lab_bridge() {
    ip -n "$1" link add name "$2" type bridge stp_state 0
    ip -n "$1" link set "$2" up
}

# lab_wan_attach NS IF CIDR: plugs namespace NS into the WAN bridge (br0 in
# namespace "wan") through a veth whose NS end is IF with address CIDR.
lab_wan_attach() {
    local ns="$1" ifname="$2" cidr="$3"
    local port="w-$ns"
    port="${port:0:15}"
    lab_veth wan "$port" "$ns" "$ifname"
    ip -n wan link set "$port" master br0 up
    lab_addr "$ns" "$ifname" "$cidr"
}

# lab_nat_masquerade NS OUT_IF: NAT router behaviour: forwarding on, and
# nftables masquerade of everything leaving OUT_IF (with a counter, so a
# scenario can prove traffic really was translated: lab_nat_count).
lab_nat_masquerade() {
    local ns="$1" out_if="$2"
    lab_sysctl "$ns" net.ipv4.ip_forward 1
    ip netns exec "$ns" nft -f - <<EOF
table ip lab_nat {
    chain postrouting {
        type nat hook postrouting priority srcnat; policy accept;
        oifname "$out_if" counter masquerade
    }
}
EOF
}

# lab_nat_count NS: packets that hit the masquerade rule (first packet of each
# translated connection).
lab_nat_count() {
    ip netns exec "$1" nft list chain ip lab_nat postrouting \
        | sed -n 's/.*counter packets \([0-9]*\) .*/\1/p' | head -n 1
}

# lab_topology: the standard network (see the drawing at the top). The box's
# forwarding is left off: enabling it is the appliance's job.
lab_topology() {
    lab_ns client nat wan box lanhost
    lab_bridge wan br0

    lab_veth client eth0 nat lan0
    lab_addr client eth0 "$LAB_CLIENT_IP/24"
    lab_addr nat lan0 "$LAB_NAT_LAN_IP/24"
    lab_route client default via "$LAB_NAT_LAN_IP"

    lab_wan_attach nat wan0 "$LAB_NAT_WAN_IP/24"
    lab_wan_attach box "$LAB_BOX_WAN_IF" "$LAB_BOX_WAN_IP/24"
    lab_nat_masquerade nat wan0

    lab_veth box "$LAB_BOX_LAN_IF" lanhost eth0
    lab_addr box "$LAB_BOX_LAN_IF" "$LAB_BOX_LAN_IP/24"
    lab_addr lanhost eth0 "$LAB_LANHOST_IP/24"
    lab_route lanhost default via "$LAB_BOX_LAN_IP"
}

# lab_nat_attach NS NAT_IF NET: one more host behind the standard topology's
# NAT (call after lab_topology): namespace NS (created here) gets eth0 with
# NET.2/24 and a default route via NET.1, which is the address of NAT_IF in
# "nat". Its traffic leaves through the same masquerade as the client's, e.g.
#   lab_nat_attach client2 lan1 10.77.1      # client2 10.77.1.2 -> nat -> WAN
lab_nat_attach() {
    local ns="$1" nat_if="$2" net="$3"
    lab_ns "$ns"
    lab_veth "$ns" eth0 nat "$nat_if"
    lab_addr "$ns" eth0 "$net.2/24"
    lab_addr nat "$nat_if" "$net.1/24"
    lab_route "$ns" default via "$net.1"
}

# lab_ping NS ADDR [COUNT]: succeeds when every echo is answered.
lab_ping() {
    ip netns exec "$1" ping -n -q -c "${3:-3}" -i 0.2 -W 2 "$2"
}

# lab_dump_netns [NS...]: addresses, routes, xfrm and nftables state of each
# namespace (default: all) into logs/netns-NS.txt.
lab_dump_netns() {
    local ns
    # shellcheck disable=SC2046  # namespace names are single words
    [[ $# -gt 0 ]] || set -- $(ip netns list | awk '{print $1}')
    for ns in "$@"; do
        {
            echo "== $ns: addresses";  ip -n "$ns" addr
            echo "== $ns: routes";     ip -n "$ns" route
            echo "== $ns: xfrm state"; ip -n "$ns" xfrm state
            echo "== $ns: xfrm policy"; ip -n "$ns" xfrm policy
            echo "== $ns: nftables";   ip netns exec "$ns" nft list ruleset
        } > "$LAB_LOGS/netns-$(lab__slug "$ns").txt" 2>&1 || true
    done
}

# --- Kernel ------------------------------------------------------------------

# lab_modprobe MOD...: one check per module (modprobe-MOD).
lab_modprobe() {
    local m
    for m in "$@"; do
        lab_check "modprobe-$m" modprobe "$m"
    done
}

# --- End of a scenario ----------------------------------------------------------

# lab_finish: stops background processes, saves the kernel log, dumps the
# namespaces when something failed, and exits 1 if any check failed, else 0.
lab_finish() {
    LAB_FINISHED=1
    lab_stop_bg
    dmesg > "$LAB_LOGS/dmesg.txt" 2>&1 || true
    local passed failed
    passed=$(grep -c '^PASS ' "$LAB_RESULTS_FILE" || true)
    failed=$(grep -c '^FAIL ' "$LAB_RESULTS_FILE" || true)
    [[ $failed -eq 0 ]] || lab_dump_netns
    lab_log "scenario done: $passed passed, $failed failed"
    [[ $failed -eq 0 ]] && exit 0
    exit 1
}

# A scenario that dies on an unexpected error (set -e) still cleans up and
# says where it died.
lab__on_exit() {
    local rc=$?
    if [[ -z "${LAB_FINISHED:-}" ]]; then
        lab_stop_bg
        dmesg > "$LAB_LOGS/dmesg.txt" 2>&1 || true
        if [[ $rc -ne 0 ]]; then
            lab_fail "${LAB_SCENARIO_NAME:-scenario}-aborted" "exit $rc at line ${LAB__ERR_LINE:-?}: ${LAB__ERR_CMD:-?}"
            lab_dump_netns
        fi
    fi
}
trap lab__on_exit EXIT
trap 'LAB__ERR_LINE=$LINENO LAB__ERR_CMD=$BASH_COMMAND' ERR
