#!/bin/bash
# shellcheck disable=SC2317  # the check functions below are called through lab_check
# The whole L2TP/IPsec dial-in chain with the Linux client as its users set it up
# (strongSwan charon with kernel-netlink + xl2tpd + pppd, the NetworkManager-l2tp
# and wiki recipe) behind the NAT router, against the appliance daemon, with the
# daemon's ESP datapath given as the argument: "userspace" (default) or "kernel".
#
#   client  10.77.0.2 alice, MS-CHAPv2 ─┐
#   client2 10.77.1.2 bob, CHAP-MD5    ─┼─ nat (masquerade 203.0.113.2) ── wan ── box 203.0.113.1 ── lanhost 192.168.8.2
#   client3 10.77.2.2 carol, wrong pw  ─┘                                     pool 192.168.8.200-220 (inside the LAN: proxy ARP)
#
# 1. packages and modules; the daemon with three users, vpn.pool, vpn.dns and the datapath;
# 2. client: IKE + CHILD SA (transport, udp/1701) through the NAT; xl2tpd's SCCRQ
#    leaves through the client's SA and the daemon decrypts it;
# 3. the daemon answers: L2TP tunnel and call up; PPP with MS-CHAPv2 (pppd checks
#    the server's authenticator response too), IPCP gives the lowest pool address
#    and vpn.dns; the PPP interface carries that address;
# 4. IP between the client and the LAN through the daemon: ping both ways,
#    iperf3 50 MiB to lanhost without a stall (throughput in logs/throughput.txt);
#    status --json lists the session (user, inner address);
# 5. client2 behind the same NAT (CHAP-MD5) at the same time: the next address,
#    both ping at once, both sessions listed;
# 6. client3 with a wrong password: CHAP failure (E=691), no address, no session;
# 7. client disconnects: the session leaves the status and its address is free
#    again (the reconnect gets the same lowest address);
# 8. L2TP in clear from the WAN gets no answer.
#
# Logs: logs/appliance-daemon.log, logs/charon-NAME.log, logs/xl2tpd-NAME.log,
# logs/pppd-NAME.log, logs/iperf3-client.json, logs/throughput.txt, logs/status-*.json.
set -euo pipefail
# lab_hook NAME: runs the function NAME when a wrapper scenario (l2tp-ppp-kernel.sh) defined it.
lab_hook() { if declare -F "$1" > /dev/null; then "$1"; fi; }
# shellcheck source=tests/lab/lib.sh
. "$LAB_DIR/lib.sh"
ESP_DATAPATH="${1:-userspace}"
case "$ESP_DATAPATH" in userspace|kernel) ;; *) echo "datapath must be userspace or kernel, not $ESP_DATAPATH" >&2; exit 2 ;; esac
PSK='lab-l2tp-psk-Vw3nQ8zR5c'
CLIENT2_IP=10.77.1.2
CLIENT3_IP=10.77.2.2
POOL_FIRST=192.168.8.200
POOL_SECOND=192.168.8.201
POOL_LAST=192.168.8.220
DNS1=192.168.8.53
DNS2=192.168.8.54
USERS=(alice bob carol)
declare -A PASSWORD=([alice]='alice-lab-pw-4tR8x' [bob]='bob-lab-pw-9mK2q' [carol]='carol-lab-pw-6hJ3w')
WRONG_PASSWORD='not-carols-password-1'
# The client sends 56 MiB (iperf3 -n means MiB) and the receiving side must count at least 50:
# iperf3's receiver stops counting when the sender says it is done, with data still in flight.
IPERF_BYTES=$((50 * 1024 * 1024))
IPERF_LIMIT=480                       # seconds; TCG is slow, but 50 MiB must finish
# shellcheck source=tests/lab/ipsec-common.sh
. "$LAB_DIR/ipsec-common.sh"
# shellcheck source=tests/lab/charon-common.sh
. "$LAB_DIR/charon-common.sh"

# ============================================================================
# Helpers: xl2tpd + pppd, one instance per client namespace
# ============================================================================

l2tp_dir() { echo "$LAB_TMP/l2tp-$1"; }
xl2tpd_log() { echo "$LAB_LOGS/xl2tpd-$1.log"; }
pppd_log() { echo "$LAB_LOGS/pppd-$1.log"; }

# l2tp_setup NAME USER PASSWORD AUTH: xl2tpd.conf with one LAC ("l2tp") and the
# pppd options of a Linux client; AUTH is the one CHAP flavour the client
# accepts: mschapv2 or chap-md5 (PAP and EAP refused either way).
l2tp_setup() {
    local name="$1" user="$2" password="$3" auth="$4" mru="${5:-1400}" dir refuse
    dir="$(l2tp_dir "$name")"
    mkdir -p "$dir"
    case "$auth" in
        mschapv2) refuse="refuse-chap" ;;
        chap-md5) refuse="refuse-mschap-v2" ;;
        *) echo "unknown auth $auth" >&2; return 1 ;;
    esac
    : > "$dir/l2tp-secrets"
    chmod 600 "$dir/l2tp-secrets"
    # "require chap" only matters with "require authentication = yes" (xl2tpd
    # then passes "auth require-chap": the *server* would have to authenticate);
    # "refuse pap" becomes pppd's refuse-pap.
    cat > "$dir/xl2tpd.conf" << EOF
[global]
port = 1701
access control = no
auth file = $dir/l2tp-secrets
debug tunnel = yes
debug state = yes
debug avp = yes

[lac l2tp]
lns = $BOX
pppoptfile = $dir/options.pppd
length bit = yes
require chap = yes
refuse pap = yes
require authentication = no
name = $user
ppp debug = yes
redial = no
autodial = no
EOF
    # noauth: do not demand that the *server* authenticates itself to us
    # (Debian's /etc/ppp/options says "auth"; with it pppd would insist on a
    # PAP/CHAP login from the server and hang up). Our own login is unaffected,
    # and MS-CHAPv2's mutual check (the server's S= response) still applies.
    # require-mschap-v2 would be the wrong way round for the same reason.
    cat > "$dir/options.pppd" << EOF
name $user
password "$password"
noauth
refuse-pap
refuse-eap
refuse-mschap
$refuse
mtu 1400
mru $mru
noccp
nodefaultroute
noipdefault
ipcp-accept-local
ipcp-accept-remote
usepeerdns
lcp-echo-interval 30
lcp-echo-failure 4
debug
logfile $(pppd_log "$name")
ip-up-script $dir/ip-up
ip-down-script $dir/ip-down
EOF
    # pppd runs these with: interface tty speed local-address remote-address
    # ipparam, and DNS1/DNS2 in the environment (usepeerdns).
    cat > "$dir/ip-up" << EOF
#!/bin/sh
echo "\$1 \$4 \$5 \${DNS1:-} \${DNS2:-}" > "$dir/ip-up.txt"
EOF
    cat > "$dir/ip-down" << EOF
#!/bin/sh
echo "\$1 \$4 \$5" > "$dir/ip-down.txt"
EOF
    chmod 755 "$dir/ip-up" "$dir/ip-down"
    lab_save "$dir/xl2tpd.conf" "xl2tpd-$name.conf"
}

# xl2tpd_start NAME NS: xl2tpd in the foreground (-D: logs on stderr), its own
# pid file and control FIFO.
xl2tpd_start() {
    local name="$1" ns="$2" dir
    dir="$(l2tp_dir "$name")"
    lab_bg "xl2tpd-$name" "$ns" xl2tpd -D -c "$dir/xl2tpd.conf" -p "$dir/xl2tpd.pid" -C "$dir/l2tp-control"
}

# xl2tpd_ready NAME NS: the control FIFO exists and udp/1701 is bound.
xl2tpd_ready() {
    local name="$1" ns="$2" dir
    dir="$(l2tp_dir "$name")"
    ready() { [[ -p "$dir/l2tp-control" ]] && ip netns exec "$ns" ss -Hlun | grep -q ':1701 '; }
    lab_wait 20 ready || { cat "$(xl2tpd_log "$name")"; echo "xl2tpd $name: no control FIFO or no udp/1701 within 20 s"; return 1; }
    grep -iE 'kernel support|userspace' "$(xl2tpd_log "$name")" || true
}

# l2tp_control NAME CMD: one command to xl2tpd ("c l2tp" dials, "d l2tp" hangs up).
l2tp_control() {
    # shellcheck disable=SC2016  # the inner sh expands its own arguments
    timeout 10 sh -c 'printf "%s\n" "$1" > "$2"' sh "$2" "$(l2tp_dir "$1")/l2tp-control"
}

# log_lines FILE: its line count (0 when absent), a mark for log_since.
log_lines() { if [[ -f "$1" ]]; then wc -l < "$1"; else echo 0; fi; }
log_since() { tail -n +"$(($2 + 1))" "$1" 2> /dev/null || true; }

# Marks of the current dial attempt per client: lines of the xl2tpd and pppd
# logs before it, so a redial is judged on its own lines only. Set in the main
# shell (a check runs in a subshell), right before the dial check.
declare -A XMARK PMARK
l2tp_mark() {
    local name="$1"
    XMARK[$name]="$(log_lines "$(xl2tpd_log "$name")")"
    PMARK[$name]="$(log_lines "$(pppd_log "$name")")"
    rm -f "$(l2tp_dir "$name")/ip-up.txt" "$(l2tp_dir "$name")/ip-down.txt"
}
# l2tp_dial NAME (a check, after l2tp_mark NAME): tells xl2tpd to dial.
l2tp_dial() { l2tp_control "$1" "c l2tp"; }
xl2tpd_now() { log_since "$(xl2tpd_log "$1")" "${XMARK[$1]:-0}"; }
pppd_now() { log_since "$(pppd_log "$1")" "${PMARK[$1]:-0}"; }

# l2tp_settle NAME SECONDS: waits until this dial attempt reached an outcome:
# an IPCP address, an authentication failure, pppd's end, or xl2tpd giving up
# on the tunnel. Never fails: the checks after it judge the outcome.
l2tp_settled() {
    pppd_now "$1" | grep -qE 'local +IP address|authentication failed|Connection terminated|LCP terminated|Exit\.' && return 0
    xl2tpd_now "$1" | grep -qiE 'maximum retries exceeded|closed to|Disconnecting from|pppd exited'
}
l2tp_settle() {
    local name="$1" t="$2" start=$SECONDS
    lab_wait "$t" l2tp_settled "$name" || true
    sleep 1     # the DNS lines follow the address line; ip-up runs after them
    lab_log "$name: dial attempt settled after $((SECONDS - start)) s"
}

# xl2tpd_grep NAME REGEX / pppd_grep NAME REGEX: the lines of this attempt that match.
xl2tpd_grep() {
    if xl2tpd_now "$1" | grep -E "$2"; then return 0; fi
    echo "xl2tpd $1 logged no line matching /$2/ in this attempt"
    return 1
}
pppd_grep() {
    if pppd_now "$1" | grep -E "$2"; then return 0; fi
    echo "pppd $1 logged no line matching /$2/ in this attempt"
    return 1
}

# ppp_address NAME: the address IPCP gave in this attempt ("" when none).
ppp_address() { pppd_now "$1" | sed -n 's/^local  *IP address \([0-9.]*\).*/\1/p' | tail -n 1; }
# ppp_ifname NAME: the PPP interface pppd reported to ip-up (ppp0 when unknown).
ppp_ifname() {
    local f
    f="$(l2tp_dir "$1")/ip-up.txt"
    if [[ -s "$f" ]]; then awk '{print $1}' "$f"; else echo ppp0; fi
}

ip2int() { local IFS=.; read -r a b c d <<< "$1"; echo $(((a << 24) + (b << 16) + (c << 8) + d)); }
in_pool() {
    [[ "$1" =~ ^[0-9]+\.[0-9]+\.[0-9]+\.[0-9]+$ ]] || return 1
    local n
    n="$(ip2int "$1")"
    [[ $n -ge $(ip2int "$POOL_FIRST") && $n -le $(ip2int "$POOL_LAST") ]]
}

# --- checks on one dial attempt ---------------------------------------------------

# lcp_auth NAME WORD: the last LCP ConfAck pppd sent agreed to "auth chap WORD"
# (MS-v2 or MD5): the method the daemon settled on.
lcp_auth() {
    local line
    line="$(pppd_now "$1" | grep -E 'sent \[LCP ConfAck' | tail -n 1 || true)"
    echo "${line:-pppd $1 sent no LCP ConfAck}"
    grep -q "auth chap $2" <<< "$line"
}

# address_from_pool NAME [WANT]: IPCP gave an address inside vpn.pool (WANT, when given).
address_from_pool() {
    local a
    pppd_grep "$1" 'local +IP address|remote +IP address' || true
    a="$(ppp_address "$1")"
    [[ -n "$a" ]] || { echo "no IPCP address for $1"; return 1; }
    in_pool "$a" || { echo "$a is outside vpn.pool $POOL_FIRST-$POOL_LAST"; return 1; }
    [[ -z "${2:-}" || "$a" == "$2" ]] || { echo "got $a, want $2"; return 1; }
}

dns_given() {
    pppd_grep "$1" 'primary +DNS address|secondary +DNS address' || true
    pppd_now "$1" | grep -qE "primary +DNS address $DNS1\$" || { echo "primary DNS is not $DNS1"; return 1; }
    pppd_now "$1" | grep -qE "secondary +DNS address $DNS2\$" || { echo "secondary DNS is not $DNS2"; return 1; }
}

# ppp_if_has_address NAME NS: the PPP interface in NS carries the IPCP address.
ppp_if_has_address() {
    local name="$1" ns="$2" a ifname
    a="$(ppp_address "$name")"
    [[ -n "$a" ]] || { echo "no IPCP address for $name"; return 1; }
    lab_wait 10 test -s "$(l2tp_dir "$name")/ip-up.txt" || echo "(ip-up did not run)"
    ifname="$(ppp_ifname "$name")"
    ip -n "$ns" -4 addr show dev "$ifname"
    ip -n "$ns" -4 addr show dev "$ifname" | grep -q "inet $a "
}

# route_lan NAME NS: the LAN through the PPP interface (what an ip-up script or
# NetworkManager does; nodefaultroute keeps the WAN route for the ESP packets).
route_lan() {
    local ns="$2" ifname
    ifname="$(ppp_ifname "$1")"
    ip -n "$ns" route replace "$LAB_LAN_NET" dev "$ifname"
    ip -n "$ns" route get "$LAB_LANHOST_IP" | tee /dev/stderr | grep -q "dev $ifname"
}

# no_ppp_address NAME NS: this attempt got no address and NS has no PPP interface with one.
no_ppp_address() {
    local name="$1" ns="$2" a
    a="$(ppp_address "$name")"
    [[ -z "$a" ]] || { echo "$name got $a"; return 1; }
    if ip -n "$ns" -4 addr show | grep -E 'inet .* (peer|scope).*ppp'; then
        echo "a PPP interface in $ns has an address"
        return 1
    fi
    ip -n "$ns" -4 addr show
}

# --- the daemon's sessions ----------------------------------------------------

# sessions.py FIRST LAST USER...: reads status --json and prints "USER ADDRESS"
# for every object in it that names one of USERS and an address inside the
# pool (the shape of the session list is the daemon's to choose). Exit 2 when
# the input is not JSON (no daemon answer).
cat > "$LAB_TMP/sessions.py" << 'EOF'
import ipaddress, json, sys
first, last = (ipaddress.IPv4Address(a) for a in sys.argv[1:3])
users = {u.lower() for u in sys.argv[3:]}
try:
    doc = json.load(sys.stdin)
except ValueError as e:
    print(f"status --json is not JSON: {e}")
    sys.exit(2)
found = set()
def walk(node):
    if isinstance(node, dict):
        strings = [v for v in node.values() if isinstance(v, str)]
        user = next((s.lower() for s in strings if s.lower() in users), None)
        for s in strings:
            try:
                a = ipaddress.IPv4Address(s.split('/')[0])
            except ValueError:
                continue
            if user and first <= a <= last:
                found.add(f"{user} {a}")
        for v in node.values():
            walk(v)
    elif isinstance(node, list):
        for v in node:
            walk(v)
walk(doc)
for line in sorted(found):
    print(line)
EOF

# sessions_expect SECONDS "USER ADDRESS"...: waits until status --json lists
# exactly these sessions (none given: no session at all).
sessions_expect() {
    local t="$1"; shift
    local want got json deadline rc
    want="$(printf '%s\n' "$@" | sed '/^$/d' | sort)"
    deadline=$(($(date +%s) + t))
    while :; do
        json="$(status_json 2>&1)" || true
        printf '%s\n' "$json" > "$STATUS_LAST"
        rc=0
        got="$("$PYTHON" "$LAB_TMP/sessions.py" "$POOL_FIRST" "$POOL_LAST" "${USERS[@]}" <<< "$json")" || rc=$?
        if [[ $rc -eq 0 && "$got" == "$want" ]]; then
            echo "sessions: ${got:-none}"
            return 0
        fi
        [[ $(date +%s) -lt $deadline ]] || break
        sleep 1
    done
    echo "status --json: $json"
    echo "want sessions: $(tr '\n' ';' <<< "${want:-none}")"
    echo "listed after ${t}s: $(tr '\n' ';' <<< "${got:-none}")"
    return 1
}

# ============================================================================
# 1. Packages, modules, topology and the daemon
# ============================================================================

packages_present() {
    local missing=() c
    for c in xl2tpd pppd iperf3 swanctl ip nft ss "$PYTHON"; do
        command -v "$c" > /dev/null || missing+=("$c")
    done
    [[ -x "$CHARON_BIN" ]] || missing+=("$CHARON_BIN")
    compgen -G '/usr/lib/pppd/*/pppol2tp.so' > /dev/null || missing+=(pppol2tp.so)
    if [[ ${#missing[@]} -gt 0 ]]; then
        echo "missing in the guest (the host's root): ${missing[*]}"
        echo "they belong in LAB_PACKAGES (tests/lab/common.sh), installed by tests/lab/setup.sh"
        return 1
    fi
    xl2tpd -v 2>&1 | head -n 1 || true
    pppd --version 2>&1 | head -n 1 || true
    iperf3 --version | head -n 1
}
lab_require packages-present packages_present

lab_modprobe esp4 xfrm_user ppp_generic l2tp_ppp tun
lab_check dev-ppp-present lab_wait 5 test -c /dev/ppp
lab_require topology lab_topology
more_clients() {
    lab_nat_attach client2 lan1 10.77.1
    lab_nat_attach client3 lan2 10.77.2
}
lab_require topology-more-clients more_clients

# The charons start now, idle until initiated: under TCG a charon takes
# seconds to start, which overlaps with the daemon's own start this way.
charon_setup client "$LAB_CLIENT_IP" "$PSK" 3
charon_setup client2 "$CLIENT2_IP" "$PSK" 3
charon_setup client3 "$CLIENT3_IP" "$PSK" 3
for c in client client2 client3; do
    charon_start "$c" "$c"
    lab_save "$(charon_dir "$c")/swanctl.conf" "charon-$c-swanctl.conf"
done
l2tp_setup client alice "${PASSWORD[alice]}" mschapv2
# bob receives at most 1270 bytes, as Android asks.
l2tp_setup client2 bob "${PASSWORD[bob]}" chap-md5 1270
l2tp_setup client3 carol "$WRONG_PASSWORD" mschapv2
lab_bg iperf3-server lanhost iperf3 -s -B "$LAB_LANHOST_IP"
# /etc/ppp/options says "lock": pppd on a pty (xl2tpd without kernel L2TP)
# locks it in /var/lock, i.e. /run/lock, which the guest's fresh /run lacks.
mkdir -p /run/lock

lab_require appliance-bin appliance_bin
mkdir -p "$DATA"
configure() {
    appliance config set vpn.psk "$PSK"
    appliance config set wan.interface "$LAB_BOX_WAN_IF"
    appliance config set lan.interface "$LAB_BOX_LAN_IF"
    appliance config set lan.address "$LAB_BOX_LAN_IP/24"
    appliance config set web.listen loopback:8080
    appliance config set vpn.pool "$POOL_FIRST-$POOL_LAST"
    appliance config set vpn.dns "$DNS1,$DNS2"
    appliance config set vpn.datapath "$ESP_DATAPATH"
}
lab_check appliance-config configure
add_users() {
    local u
    for u in "${USERS[@]}"; do
        printf '%s\n' "${PASSWORD[$u]}" | appliance user add "$u" --password-stdin
    done
    appliance user list
}
lab_check appliance-users-added add_users
lab_capture appliance-config-show appliance config show

lab_bg appliance-daemon box "$APPLIANCE_BIN" run --data "$DATA"
DAEMON_PID="$LAB_BG_PID"
lab_require appliance-daemon-ready daemon_ready
lab_hook hook_daemon_ready
lab_check "appliance-datapath-$ESP_DATAPATH" daemon_wait 1 "msg=\"datapath chosen\" datapath=$ESP_DATAPATH"
ike_ports_open() { ip netns exec box ss -Hlun | grep -q ':500 ' && ip netns exec box ss -Hlun | grep -q ':4500 '; }
lab_check appliance-ike-ports-open lab_wait 20 ike_ports_open

for c in client client2 client3; do
    xl2tpd_start "$c" "$c"
done
for c in client client2 client3; do
    lab_check "xl2tpd-$c-ready" xl2tpd_ready "$c" "$c"
done

# ============================================================================
# 2. client: IPsec through the NAT, then xl2tpd's SCCRQ through the SA
# ============================================================================

# ipsec_up NAME: charon loaded, initiated, IKE and CHILD SA established (one check each).
ipsec_up() {
    local name="$1"
    lab_check "charon-$name-up" charon_up "$name"
    lab_check "charon-$name-initiate" charon_initiate "$name"
    lab_check "charon-$name-ike-established" charon_grep "$name" 'IKE_SA l2tp\[[0-9]+\] established between'
    lab_check "charon-$name-child-established" charon_grep "$name" 'CHILD_SA l2tp\{[0-9]+\} established with SPIs'
}
ipsec_up client
lab_check charon-client-behind-nat charon_grep client 'local host is behind NAT'
lab_check appliance-ike-sa-established-client daemon_wait 10 "msg=\"IKE SA established\".* id=$LAB_CLIENT_IP"

# out_sa_used NS LOCAL_IP: the client kernel's outbound SA counted packets.
out_sa_used() {
    local n
    ip -s -n "$1" xfrm state list src "$2" dst "$BOX"
    n="$(ip -s -n "$1" xfrm state list src "$2" dst "$BOX" \
        | sed -n 's/^[[:space:]]*[0-9]*(bytes), \([0-9]*\)(packets).*/\1/p' | head -n 1)"
    echo "outbound SA packets: ${n:-none}"
    [[ "${n:-0}" -gt 0 ]]
}

D0="$(vpn_now espPacketsDecrypted)"
L0="$(vpn_now l2tpDatagramsThroughEsp)"
l2tp_mark client
lab_check xl2tpd-client-dial l2tp_dial client
lab_check xl2tpd-client-sends-sccrq lab_wait 15 xl2tpd_grep client "Connecting to host $BOX, port 1701"
lab_check client-xfrm-out-counters lab_wait 15 out_sa_used client "$LAB_CLIENT_IP"
lab_check appliance-esp-decrypted-sccrq vpn_expect 20 espPacketsDecrypted -gt "$D0"
if [[ "$ESP_DATAPATH" == userspace ]]; then
    lab_check appliance-l2tp-through-esp vpn_expect_again 20 l2tpDatagramsThroughEsp -gt "$L0"
fi

# ============================================================================
# 3. L2TP tunnel and call, PPP: MS-CHAPv2, address, DNS   (needs the daemon's LNS)
# ============================================================================

l2tp_settle client 120
lab_check client-l2tp-tunnel-established xl2tpd_grep client "Connection established to $BOX, 1701"
lab_check client-l2tp-call-established xl2tpd_grep client "Call established with $BOX"
lab_check client-ppp-lcp-mschapv2 lcp_auth client MS-v2
lab_check client-ppp-chap-succeeded pppd_grep client 'CHAP authentication succeeded'
lab_check client-ppp-address-lowest-in-pool address_from_pool client "$POOL_FIRST"
lab_check client-ppp-dns-from-vpn-dns dns_given client
lab_check client-ppp-if-has-address ppp_if_has_address client client
C1_ADDR="$(ppp_address client)"
lab_log "client: PPP address ${C1_ADDR:-none} on $(ppp_ifname client)"
lab_capture xl2tpd-client-mode grep -iE 'kernel support|userspace' "$(xl2tpd_log client)"

# ============================================================================
# 4. IP through the tunnel: ping both ways, iperf3, the session in status
# ============================================================================

lab_check client-route-lan-via-ppp route_lan client client
lab_check client-ping-lanhost lab_ping client "$LAB_LANHOST_IP" 5
ping_client_from_lan() {
    [[ -n "$C1_ADDR" ]] || { echo "client has no PPP address"; return 1; }
    lab_ping lanhost "$C1_ADDR" 3
}
lab_check lanhost-ping-client-address ping_client_from_lan

# iperf-check.py JSON BYTES: the iperf3 run moved BYTES, with no stall (3 s or
# more in a row without a byte); prints each second and the throughput.
cat > "$LAB_TMP/iperf-check.py" << 'EOF'
import json, sys
path, want = sys.argv[1], int(sys.argv[2])
try:
    with open(path) as f:
        doc = json.load(f)
except (OSError, ValueError) as e:
    print(f"no iperf3 JSON result: {e}")
    sys.exit(1)
if doc.get("error"):
    print(f"iperf3 error: {doc['error']}")
zero_run = longest_zero = 0
for iv in doc.get("intervals", []):
    s = iv["sum"]
    print(f"{s['start']:6.1f}-{s['end']:6.1f} s {s['bytes']:>10} bytes {s['bits_per_second'] / 1e6:8.2f} Mbit/s")
    zero_run = zero_run + 1 if s["bytes"] == 0 else 0
    longest_zero = max(longest_zero, zero_run)
end = doc.get("end", {})
sent, recv = end.get("sum_sent", {}), end.get("sum_received", {})
got = recv.get("bytes", 0)
secs = recv.get("seconds", 0) or 1
ok = got >= want and longest_zero < 3 and not doc.get("error")
print(f"longest stall: {longest_zero} s; received {got} of {want} bytes")
if got == 0:
    print("throughput client->lanhost through L2TP/IPsec: none (no data arrived)")
    sys.exit(1)
print(f"throughput client->lanhost through L2TP/IPsec: {recv.get('bits_per_second', 0) / 1e6:.2f} Mbit/s "
      f"({got} bytes in {secs:.1f} s; sender {sent.get('bits_per_second', 0) / 1e6:.2f} Mbit/s, "
      f"{sent.get('retransmits', 0)} retransmits)")
sys.exit(0 if ok else 1)
EOF
iperf_client() {
    local json="$LAB_LOGS/iperf3-client.json" rc=0
    ip netns exec client timeout "$IPERF_LIMIT" \
        iperf3 -c "$LAB_LANHOST_IP" -n 56M -i 1 -J --connect-timeout 10000 > "$json" 2>&1 || rc=$?
    echo "iperf3 exit code: $rc ($IPERF_LIMIT s limit)"
    "$PYTHON" "$LAB_TMP/iperf-check.py" "$json" "$IPERF_BYTES" > "$LAB_LOGS/throughput.txt" || rc=$?
    cat "$LAB_LOGS/throughput.txt"
    return "$rc"
}
lab_hook hook_before_iperf
lab_check client-iperf3-50MiB-to-lanhost iperf_client
lab_hook hook_after_iperf
lab_log "$(tail -n 1 "$LAB_LOGS/throughput.txt" 2> /dev/null || echo 'no throughput measured')"
# The LAN host's SYN-ACKs (MSS 1460) went out through the VPN interface clamped
# to what its MTU of 1400 carries: the daemon's nftables rule counted them.
mss_clamped() {
    local t n
    t="$(ip netns exec box nft list table inet appliance_vpn)" || { echo "no appliance_vpn table"; return 1; }
    echo "$t"
    n="$(grep 'oifname' <<< "$t" | sed -n 's/.*counter packets \([0-9]*\).*/\1/p' | awk '{s += $1} END {print s + 0}')"
    echo "SYNs clamped towards clients: ${n:-none}"
    [[ "${n:-0}" -gt 0 ]]
}
lab_check appliance-mss-clamped mss_clamped

lab_check appliance-status-session-client sessions_expect 15 "alice ${C1_ADDR:-no-address}"
save_status client

# ============================================================================
# 5. client2 behind the same NAT, CHAP-MD5, at the same time
# ============================================================================

ipsec_up client2
l2tp_mark client2
lab_check xl2tpd-client2-dial l2tp_dial client2
lab_check xl2tpd-client2-sends-sccrq lab_wait 15 xl2tpd_grep client2 "Connecting to host $BOX, port 1701"
l2tp_settle client2 120
lab_check client2-l2tp-call-established xl2tpd_grep client2 "Call established with $BOX"
lab_check client2-ppp-lcp-chap-md5 lcp_auth client2 MD5
lab_check client2-ppp-chap-succeeded pppd_grep client2 'CHAP authentication succeeded'
lab_check client2-ppp-address-next-in-pool address_from_pool client2 "$POOL_SECOND"
lab_check client2-ppp-dns-from-vpn-dns dns_given client2
lab_check client2-ppp-if-has-address ppp_if_has_address client2 client2
C2_ADDR="$(ppp_address client2)"
lab_log "client2: PPP address ${C2_ADDR:-none} on $(ppp_ifname client2)"
lab_check client2-route-lan-via-ppp route_lan client2 client2
both_ping() {
    local r1=0 r2=0 p1 p2
    lab_ping client "$LAB_LANHOST_IP" 10 > "$LAB_TMP/ping-client.txt" 2>&1 &
    p1=$!
    lab_ping client2 "$LAB_LANHOST_IP" 10 > "$LAB_TMP/ping-client2.txt" 2>&1 &
    p2=$!
    wait "$p1" || r1=$?
    wait "$p2" || r2=$?
    echo "== client (exit $r1)"; cat "$LAB_TMP/ping-client.txt"
    echo "== client2 (exit $r2)"; cat "$LAB_TMP/ping-client2.txt"
    [[ $r1 -eq 0 && $r2 -eq 0 ]]
}
lab_check clients-ping-lanhost-together both_ping

# bob's link receives 1270 bytes: the box routes to him with that MTU, and his SYNs
# announce an MSS that fits it (1230), so the LAN host never sends him more.
route_mtu_1270() {
    local r
    r="$(ip -n box route show "${C2_ADDR:-none}/32")"
    echo "$r"
    grep -q 'mtu 1270' <<< "$r"
}
lab_check appliance-route-to-client2-mtu-1270 route_mtu_1270
lanhost_sees_mss() {
    local out="" mss="" i
    # A listener on the LAN host that holds each connection a while; the client connects.
    # Python starts slowly under TCG: the connection is polled for, not waited for blindly.
    ip netns exec lanhost "$PYTHON" -c '
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("'"$LAB_LANHOST_IP"'", 5301)); s.listen(1); s.settimeout(30)
c, _ = s.accept(); time.sleep(15); c.close()' &
    local listener=$!
    sleep 2
    ip netns exec client2 "$PYTHON" -c '
import socket, time
for _ in range(20):
    try:
        c = socket.create_connection(("'"$LAB_LANHOST_IP"'", 5301), timeout=10); break
    except ConnectionRefusedError:
        time.sleep(0.5)
time.sleep(12); c.close()' &
    local connector=$!
    for i in $(seq 1 40); do
        # (set -e is on in a check: a grep that finds nothing yet must not end it)
        out="$(ip netns exec lanhost ss -tin dst "${C2_ADDR:-0.0.0.0}" || true)"
        mss="$(grep -o ' mss:[0-9]*' <<< "$out" | head -n 1 | cut -d: -f2 || true)"
        [[ -n "$mss" ]] && break
        sleep 0.5
    done
    kill "$connector" "$listener" 2> /dev/null || true
    wait "$connector" "$listener" 2> /dev/null || true
    echo "$out"
    echo "the LAN host sends bob segments of at most ${mss:-?} bytes"
    [[ -n "$mss" && "$mss" -le 1230 ]]
}
lab_check lanhost-mss-to-client2-fits-mru-1270 lanhost_sees_mss
lab_check appliance-status-two-sessions sessions_expect 15 "alice ${C1_ADDR:-no-address}" "bob ${C2_ADDR:-no-address}"
save_status two-clients
lab_hook hook_two_clients

# ============================================================================
# 6. client3: right PSK, wrong password
# ============================================================================

ipsec_up client3
l2tp_mark client3
lab_check xl2tpd-client3-dial l2tp_dial client3
l2tp_settle client3 120
lab_check client3-l2tp-call-established xl2tpd_grep client3 "Call established with $BOX"
lab_check client3-ppp-chap-failed pppd_grep client3 'CHAP authentication failed|MS-CHAP authentication failed'
lab_capture pppd-client3-failure-code grep -E 'E=691|authentication failed' "$(pppd_log client3)"
lab_check client3-no-address no_ppp_address client3 client3
# Exactly the two sessions of before: none for carol, alice and bob untouched.
lab_check appliance-status-no-session-for-wrong-password sessions_expect 10 "alice ${C1_ADDR:-no-address}" "bob ${C2_ADDR:-no-address}"
save_status after-wrong-password
# The failure is counted for carol and for the address it came from (the NAT's).
failure_counted() {
    local json
    json="$(status_json)" || return 1
    "$PYTHON" -c '
import json, sys
v = json.loads(sys.argv[1])["vpn"]
by_user, by_source = v.get("loginFailuresByUser") or {}, v.get("loginFailuresBySource") or {}
print("by user:", by_user, "by source:", by_source)
sys.exit(0 if by_user.get("carol", 0) >= 1 and by_source.get(sys.argv[2], 0) >= 1 else 1)' "$json" "$1"
}
lab_check appliance-status-failed-login-by-user-and-source failure_counted "$LAB_NAT_WAN_IP"

# ============================================================================
# 7. client hangs up: session gone, address free again
# ============================================================================

hang_up() {
    local name="$1" ns="$2" ifname
    ifname="$(ppp_ifname "$name")"
    ip -n "$ns" link show dev "$ifname" || { echo "$name has no PPP interface to hang up"; return 1; }
    l2tp_control "$name" "d l2tp"
    gone() { ! ip -n "$ns" link show dev "$ifname" > /dev/null 2>&1; }
    lab_wait 20 gone || { echo "$ifname still present in $ns 20 s after 'd l2tp'"; return 1; }
    xl2tpd_grep "$name" 'Disconnecting from|Connection [0-9]+ closed' || true
    # pppd's last lines ("Connection terminated", "Exit") must land before the
    # next dial's mark, or they would end that dial's wait at once.
    sleep 3
}
IKE_DELETES0="$(daemon_count 'msg="IKE SA deleted"')"
lab_check client-hang-up hang_up client client
lab_check appliance-status-session-dropped sessions_expect 20 "bob ${C2_ADDR:-no-address}"
save_status after-hang-up
# The whole chain goes: the StopCCN ends the tunnel, and the daemon deletes the
# client's IKE and ESP SAs too (the OS clients tear IPsec down with L2TP; a
# Linux client brings IPsec up again before it redials, as NetworkManager-l2tp does).
ike_deleted_after_hang_up() {
    lab_wait 20 sh -c "[ \$(grep -c 'msg=\"IKE SA deleted\"' '$DAEMON_LOG') -gt $IKE_DELETES0 ]" \
        || { echo "no new 'IKE SA deleted' line in 20 s"; return 1; }
    grep 'msg="IKE SA deleted"' "$DAEMON_LOG" | tail -n 1
}
lab_check appliance-chain-torn-down-ike ike_deleted_after_hang_up
lab_check charon-client-told-ike-deleted lab_wait 20 charon_has client 'received DELETE for IKE_SA'
lab_check charon-client-reinitiate charon_initiate client
l2tp_mark client
lab_check xl2tpd-client-redial l2tp_dial client
l2tp_settle client 120
lab_check client-redial-chap-succeeded pppd_grep client 'CHAP authentication succeeded'
lab_check client-redial-same-lowest-address address_from_pool client "${C1_ADDR:-$POOL_FIRST}"
lab_check client-redial-route-lan-via-ppp route_lan client client
lab_check client-redial-ping-lanhost lab_ping client "$LAB_LANHOST_IP" 3
lab_check appliance-status-session-back sessions_expect 15 "alice ${C1_ADDR:-no-address}" "bob ${C2_ADDR:-no-address}"
save_status after-redial

# ============================================================================
# 8. L2TP in clear from the WAN: no answer
# ============================================================================

# The NAT router itself (203.0.113.2, a WAN host) sends SCCRQs from udp/1701
# straight to the box, outside any SA, and listens for anything coming back.
cat > "$LAB_TMP/plain-sccrq.py" << 'EOF'
import socket, struct, sys
dst, wait = sys.argv[1], float(sys.argv[2])
def avp(attr, value):  # mandatory bit, length, vendor 0, attribute, value
    return struct.pack('!HHH', 0x8000 | (6 + len(value)), 0, attr) + value
body = (avp(0, struct.pack('!H', 1)) + avp(2, b'\x01\x00') + avp(3, struct.pack('!I', 3))
        + avp(7, b'wan-probe') + avp(9, struct.pack('!H', 7)) + avp(10, struct.pack('!H', 4)))
msg = struct.pack('!HHHHHH', 0xC802, 12 + len(body), 0, 0, 0, 0) + body
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('0.0.0.0', 1701))
for _ in range(3):
    s.sendto(msg, (dst, 1701))
print(f"sent 3 SCCRQs in clear from udp/1701 to {dst}:1701; listening {wait} s")
s.settimeout(wait)
try:
    data, peer = s.recvfrom(4096)
    print(f"answered: {len(data)} bytes from {peer[0]}:{peer[1]}: {data[:16].hex()}")
    sys.exit(1)
except socket.timeout:
    print("no answer")
EOF
lab_check wan-plain-l2tp-unanswered ip netns exec nat "$PYTHON" "$LAB_TMP/plain-sccrq.py" "$BOX" 8

# ============================================================================
# 9. Other ends of a chain: the admin, the client's IKE Delete, a client that
#    vanishes. Each takes the whole chain and frees the address.
# ============================================================================

# session_id_of USER: the id `appliance status` gives USER's session.
session_id_of() {
    status_json | "$PYTHON" -c '
import json, sys
for s in json.load(sys.stdin)["vpn"].get("sessions") or []:
    if s.get("user") == sys.argv[1]: print(s["id"]); break' "$1"
}
ppp_gone() { ! ip -n "$2" link show dev "$(ppp_ifname "$1")" > /dev/null 2>&1; }
ike_sas_zero() { [[ "$(vpn_now ikeSas)" -eq 0 && "$(vpn_now espSaPairs)" -eq 0 ]]; }

BOB_ID="$(session_id_of bob)"
lab_log "bob's session id: ${BOB_ID:-none}"
IKE_DELETES0="$(daemon_count 'msg="IKE SA deleted"')"
lab_check admin-session-kill-bob appliance session kill "${BOB_ID:-0}"
lab_check client2-ppp-ended-by-admin lab_wait 20 ppp_gone client2 client2
lab_check appliance-logs-admin-disconnect daemon_wait 10 'msg="disconnected by the admin".* user=bob'
lab_check appliance-status-after-kill sessions_expect 20 "alice ${C1_ADDR:-no-address}"
lab_check appliance-kill-deletes-bob-ike daemon_wait_more 20 "$IKE_DELETES0" 'msg="IKE SA deleted"'
lab_check charon-client2-told-ike-deleted lab_wait 20 charon_has client2 'received DELETE for IKE_SA'

# alice's client deletes its IKE SA (and so its ESP SAs): the daemon ends her
# L2TP tunnel and PPP session with them.
lab_check charon-client-terminates-ike swan client --terminate --ike l2tp --timeout 20
lab_check appliance-status-after-client-ike-delete sessions_expect 30
lab_check appliance-no-ike-or-esp-left lab_wait 30 ike_sas_zero
lab_capture status-after-ike-delete status_json

# bob dials again, then vanishes without a word (every process of his frozen,
# as when a phone leaves the Wi-Fi): the daemon's own keepalives (L2TP HELLO,
# LCP echo, DPD) find him gone and clear the chain.
lab_check charon-client2-reinitiate charon_initiate client2
l2tp_mark client2
lab_check xl2tpd-client2-redial l2tp_dial client2
l2tp_settle client2 120
lab_check client2-redial-has-address ppp_if_has_address client2 client2
lab_check appliance-status-bob-back sessions_expect 20 "bob $(ppp_address client2)"
FROZEN="$(ip netns pids client2 | tr '\n' ' ')"
lab_log "freezing client2's processes: $FROZEN"
# shellcheck disable=SC2086
kill -STOP $FROZEN 2> /dev/null || true
VANISHED_AT=$SECONDS
lab_check appliance-clears-vanished-client sessions_expect 240
lab_log "vanished client cleared after $((SECONDS - VANISHED_AT)) s"
lab_check appliance-no-ike-or-esp-after-vanish lab_wait 200 ike_sas_zero
lab_capture vanish-reasons grep -E 'tunnel down|session down|PPP link down|echo|IKE SA deleted|DPD' "$DAEMON_LOG"
# shellcheck disable=SC2086
kill -CONT $FROZEN 2> /dev/null || true

xfrm_all() {
    local ns
    for ns in client client2 client3 box; do
        echo "== $ns"
        ip -s -n "$ns" xfrm state
        ip -n "$ns" xfrm policy
    done
}
lab_hook hook_before_end
lab_capture xfrm-all-at-end xfrm_all
lab_capture status-end status_json
for c in client client2 client3; do
    lab_capture "addresses-$c" ip -n "$c" addr
done

lab_finish
