#!/bin/bash
# ike-scan plays each real client's first Main Mode message (its IKE
# transform list in its own order, its vendor IDs, PSK auth, its lifetime)
# against the responder under test, once per security profile, and checks
# which clients get a transform back, against the table below.
#
#   SECURITY="compatible modern" (default: both)   profiles to test
#   TARGET=charon (default): charon-responder.sh with IKE proposals that mimic
#     the profile (compatible: every client; modern: no 3DES, MD5, SHA1, MODP<2048)
#   TARGET=appliance: our daemon with `config set vpn.security PROFILE`
#
# Source of the lists: /work/shared/reference/clients.md ("What the real
# clients send and expect"); items it marks "(inferred)" are inferred there too.
#
# ike-scan notes: only MM1 is sent (SA + vendor IDs, no KE), so the Diffie-
# Hellman group is just an attribute of each transform here; ike-scan's
# --dhgroup only sizes the KE of Aggressive Mode. A transform is
# "enc[/keylen],hash,auth,group" in IKE numbers: enc 1 DES, 5 3DES, 7 AES;
# hash 1 MD5, 2 SHA1, 4 SHA2-256, 6 SHA2-512; auth 1 PSK; group 2 MODP-1024,
# 5 MODP-1536, 14 MODP-2048, 15 MODP-3072, 19 ECP-256, 20 ECP-384.
# Check functions run through `check NAME FUNC`, which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail
SCENARIO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=tests/interop/lib.sh
. "$SCENARIO_DIR/../lib.sh"

interop_begin ike-scan-proposals
interop_require_tools

SECURITY="${SECURITY:-compatible modern}"
PSK="interop-scan-psk-$$"

# --- Expectations ------------------------------------------------------------
# accept: the responder returns one of the client's transforms (exactly as
#         offered: enc, key length, hash, group, auth, lifetime).
# refuse: it answers NO-PROPOSAL-CHOSEN (silence fails: a client then reports
#         "no response", Windows 809, instead of "IKE failed", 789).
# "modern" refuses 3DES, MD5, SHA1 and MODP groups under 2048 bits (the issue's
# definition). Windows 10/11 offer only SHA1 in Main Mode and Android <= 11
# only MODP-1024, so under modern their default settings cannot connect: that
# is what 'modern' means, and why 'compatible' is the default.
EXPECTATIONS='
# client          compatible  modern
windows10         accept      refuse
windows-legacy    accept      refuse
macos-ios         accept      accept
android           accept      refuse
chromeos          accept      accept
'
CLIENTS=(windows10 windows-legacy macos-ios android chromeos)

expected() {
    local client="$1" profile="$2" col
    case "$profile" in compatible) col=2 ;; modern) col=3 ;; *) echo "?"; return ;; esac
    awk -v c="$client" -v col="$col" '$1 == c { print $col }' <<< "$EXPECTATIONS"
}

# --- Vendor IDs -----------------------------------------------------------------
# Most are the MD5 of a text, so they are computed from that text here.
md5vid() { printf '%s' "$1" | md5sum | cut -c1-32; }
vid() {
    case "$1" in
        rfc3947) md5vid "RFC 3947" ;;
        draft-apple) md5vid "draft-ietf-ipsec-nat-t-ike" ;;    # ipsec-tools' unnumbered draft
        draft-0[0-9]) md5vid "draft-ietf-ipsec-nat-t-ike-${1#draft-}" ;;
        draft-02n) printf 'draft-ietf-ipsec-nat-t-ike-02\n' | md5sum | cut -c1-32 ;;
        frag) md5vid "FRAGMENTATION" ;;
        frag-win) echo "$(md5vid "FRAGMENTATION")80000000" ;;   # Windows appends flags (inferred)
        dpd) echo "afcad71368a1f1c96b8696fc77570100" ;;          # RFC 3706: fixed bytes, v1.0
        ms-nt5-*) echo "$(md5vid "MS NT5 ISAKMPOAKLEY")$(printf '%08x' "${1#ms-nt5-}")" ;;
        ms-ndc) md5vid "MS-Negotiation Discovery Capable" ;;
        ms-initial-contact) md5vid "Vid-Initial-Contact" ;;
        ike-cga) md5vid "IKE CGA version 1" ;;
        ms-01528bbb) echo "01528bbbc00696121849ab9a1c5b2a5100000001" ;;  # the "IKE CGA" family
        *) echo "unknown vendor id name '$1'" >&2; return 1 ;;
    esac
}

# --- Clients ----------------------------------------------------------------------
declare -A LIFETIME TRANS VIDS
# Windows 10/11: AES-256/SHA1/ECP-384, AES-128/SHA1/ECP-256, AES-256/SHA1/MODP-2048,
# 3DES/SHA1 with MODP-2048 and MODP-1024; 28800 s (inferred). NT5 VID version 9 (Windows 8+).
LIFETIME[windows10]=28800
TRANS[windows10]="7/256,2,1,20 7/128,2,1,19 7/256,2,1,14 5,2,1,14 5,2,1,2"
VIDS[windows10]="ms-nt5-9 rfc3947 draft-02n frag-win ms-ndc ms-initial-contact ike-cga ms-01528bbb"
# Older Windows: only 3DES/SHA1/MODP-1024. NT5 VID version 5 (Vista/2008;
# the version is our pick, clients.md names none for it).
LIFETIME[windows-legacy]=28800
TRANS[windows-legacy]="5,2,1,2"
VIDS[windows-legacy]="ms-nt5-5 rfc3947 draft-02n frag-win ms-ndc ms-initial-contact"
# macOS/iOS: 14 transforms, all 3600 s: MODP-2048 with AES256 and SHA256/SHA1/MD5/SHA512;
# MODP-1536 with AES256 and SHA256/SHA1/MD5; MODP-1024 with AES256 SHA256/SHA1/MD5,
# AES128 SHA1/MD5, 3DES SHA1/MD5.
LIFETIME[macos-ios]=3600
TRANS[macos-ios]="7/256,4,1,14 7/256,2,1,14 7/256,1,1,14 7/256,6,1,14 7/256,4,1,5 7/256,2,1,5 7/256,1,1,5 7/256,4,1,2 7/256,2,1,2 7/256,1,1,2 7/128,2,1,2 7/128,1,1,2 5,2,1,2 5,1,1,2"
VIDS[macos-ios]="rfc3947 draft-apple draft-08 draft-07 draft-06 draft-05 draft-04 draft-03 draft-02 draft-02n frag dpd"
# Android <= 11 (racoon): all MODP-1024, 28800 s: AES256, AES128, 3DES, DES each with
# SHA256, SHA1, MD5.
LIFETIME[android]=28800
TRANS[android]="7/256,4,1,2 7/256,2,1,2 7/256,1,1,2 7/128,4,1,2 7/128,2,1,2 7/128,1,1,2 5,4,1,2 5,2,1,2 5,1,1,2 1,4,1,2 1,2,1,2 1,1,1,2"
VIDS[android]="rfc3947 draft-02 draft-02n draft-00 frag dpd"
# ChromeOS (strongSwan): aes128-sha256-modp3072, aes128-sha1-modp2048, 3des-sha1-modp1536,
# 3des-sha1-modp1024. clients.md gives no lifetime or VIDs: 10800 s is strongSwan's
# ipsec.conf default ikelifetime (our assumption); no --vendor.
LIFETIME[chromeos]=10800
TRANS[chromeos]="7/128,4,1,15 7/128,2,1,14 5,2,1,5 5,2,1,2"
VIDS[chromeos]=""

# --- Running and reading ike-scan ---------------------------------------------------

# scan CLIENT OUTFILE: one ike-scan run from the initiator namespace.
scan() {
    local client="$1" out="$2" t v args=()
    args+=(--retry=2 --timeout=500 --auth=1 "--lifetime=${LIFETIME[$client]}")
    for t in ${TRANS[$client]}; do args+=("--trans=$t"); done
    for v in ${VIDS[$client]}; do args+=("--vendor=$(vid "$v")"); done
    echo "ike-scan ${args[*]} $IP_R" > "$out"
    interop_in "$NS_I" ike-scan "${args[@]}" "$IP_R" >> "$out" 2>&1 || true
}

# The SA ike-scan printed, as a transform in the --trans notation plus the
# lifetime: "7/256,2,1,20 28800". Empty when no handshake came back.
returned_transform() {
    local sa
    # The SA's text runs to its matching ")": attribute names may carry "(len)".
    sa="$(awk '/Main Mode Handshake returned/ && !done {
        i = index($0, " SA=(") + 5; depth = 1
        for (j = i; j <= length($0); j++) {
            c = substr($0, j, 1)
            if (c == "(") depth++
            else if (c == ")" && --depth == 0) break
        }
        print substr($0, i, j - i); done = 1
    }' "$1")"
    [[ -n "$sa" ]] || return 0
    # ike-scan prints a basic (2-byte) attribute as "Name=value" and a
    # variable-length one as "Name(len)=0xHEX"; the lifetime may come back
    # either way (it sends 4 bytes; charon answers with 2), both are valid.
    awk -v sa="$sa" '
    function hex2dec(h,   i, d) {
        h = tolower(substr(h, 3)); d = 0
        for (i = 1; i <= length(h); i++) d = d * 16 + index("0123456789abcdef", substr(h, i, 1)) - 1
        return d
    }
    BEGIN {
        n = split(sa, kv, " ")
        for (i = 1; i <= n; i++) {
            split(kv[i], p, "=")
            k = p[1]; sub(/\(.*/, "", k)
            a[k] = (p[2] ~ /^0x/) ? hex2dec(p[2]) : p[2]
        }
        e["DES"] = 1; e["3DES"] = 5; e["AES"] = 7
        h["MD5"] = 1; h["SHA1"] = 2; h["SHA2-256"] = 4; h["SHA2-384"] = 5; h["SHA2-512"] = 6
        au["PSK"] = 1
        enc = (a["Enc"] in e) ? e[a["Enc"]] : a["Enc"]
        if (a["KeyLength"] != "") enc = enc "/" a["KeyLength"]
        hash = (a["Hash"] in h) ? h[a["Hash"]] : a["Hash"]
        auth = (a["Auth"] in au) ? au[a["Auth"]] : a["Auth"]
        grp = a["Group"]; sub(/:.*/, "", grp)
        print enc "," hash "," auth "," grp " " a["LifeDuration"]
    }'
}

# judge CLIENT PROFILE OUTFILE: compares what came back with the expectation.
judge() {
    local client="$1" profile="$2" out="$3" want got tr life t found=0
    want="$(expected "$client" "$profile")"
    if grep -q 'Main Mode Handshake returned' "$out"; then
        got=accept
    elif grep -q 'NO-PROPOSAL-CHOSEN' "$out"; then
        got=refuse
    elif grep -q 'Notify message' "$out"; then
        got="notify($(grep -o 'Notify message [0-9]* ([^)]*)' "$out" | head -n 1))"
    else
        got=no-answer
    fi
    echo "client=$client profile=$profile expected=$want got=$got"
    if [[ "$got" != "$want" ]]; then
        echo "expected $want, got $got (ike-scan output in $out)"
        return 1
    fi
    [[ "$got" == accept ]] || return 0
    # The responder must return one of the offered transforms, unchanged.
    read -r tr life < <(returned_transform "$out")
    for t in ${TRANS[$client]}; do [[ "$t" == "$tr" ]] && found=1; done
    if ((found == 0)); then
        echo "returned transform $tr was not offered (${TRANS[$client]})"
        return 1
    fi
    if [[ "$life" != "${LIFETIME[$client]}" ]]; then
        echo "returned lifetime ${life:-none}, offered ${LIFETIME[$client]}"
        return 1
    fi
    echo "accepted transform $tr lifetime $life"
}

interop_topology direct
for profile in $SECURITY; do
    target_up "scan-$profile" "$PSK" "$profile"
    for client in "${CLIENTS[@]}"; do
        out="$INTEROP_OUT/logs/ike-scan-$profile-$client.txt"
        scan "$client" "$out"
        check "ike-scan-$profile-$client" judge "$client" "$profile" "$out"
        sed -n 's/^client=.* got=\(.*\)/  \1/p; s/^accepted transform /chose /p' \
            "$INTEROP_OUT/logs/check-ike-scan-$profile-$client.log" | paste -sd' '
    done
    target_down
done

# Control for the parser's third outcome: an address on the segment where
# nothing listens must read as "no-answer", not as a refusal.
silent() {
    local out="$INTEROP_OUT/logs/ike-scan-control-silent.txt"
    interop_in "$NS_I" ike-scan --retry=1 --timeout=300 --trans=7/128,2,1,14 203.0.113.99 > "$out" 2>&1 || true
    if grep -qE 'Handshake returned|Notify message' "$out"; then
        echo "an answer from an address nothing listens on? ($out)"
        return 1
    fi
    grep -q '0 returned handshake; 0 returned notify' "$out" || { echo "ike-scan did not finish: $out"; return 1; }
}
check ike-scan-control-no-answer silent
interop_end
