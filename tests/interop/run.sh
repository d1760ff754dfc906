#!/bin/bash
# Runs every interop scenario (scenarios/*.sh) against one responder and
# ends with "interop: N passed, N failed"; exits 1 when anything failed.
#
#   tests/interop/run.sh [--target charon|appliance]
#
#   --target charon     (default) strongSwan's charon as the responder: the
#                       baseline that validates the harness itself
#   --target appliance  our daemon: APPLIANCE_BIN (default out/linux-x64/appliance)
#   SECURITY="compatible modern"   profiles for ike-scan-proposals.sh
#   INTEROP_OUT=DIR                where results go (default tests/interop/.results/RUN)
#
# Root is required (network namespaces). Missing Debian packages
# (strongswan-charon, libcharon-extra-plugins, strongswan-swanctl, ike-scan,
# iproute2, nftables) are installed with apt-get.
set -euo pipefail
RUN_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$RUN_DIR/lib.sh"

while (($#)); do
    case "$1" in
        --target) TARGET="$2"; shift 2 ;;
        --target=*) TARGET="${1#--target=}"; shift ;;
        -h | --help) sed -n '2,17p' "$0"; exit 0 ;;
        *) echo "unknown argument: $1 (see --help)" >&2; exit 2 ;;
    esac
done
case "$TARGET" in charon | appliance) ;; *) echo "--target must be charon or appliance" >&2; exit 2 ;; esac
export TARGET

interop_begin run
interop_require_tools
echo "interop: target $TARGET, results in $INTEROP_OUT"

elapsed() { awk -v a="$1" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }'; }
run_start=$(date +%s.%N)
for scenario in "$RUN_DIR"/scenarios/*.sh; do
    name="$(basename "$scenario" .sh)"
    echo "== $name"
    read -r _ fails_before < <(interop_counts)
    t0=$(date +%s.%N)
    rc=0
    bash "$scenario" || rc=$?
    read -r _ fails_after < <(interop_counts)
    # A scenario killed outright records nothing itself: never let that pass.
    if ((rc != 0 && fails_after == fails_before)); then
        fail "$name-exit" "scenario exited $rc without recording a failure"
    fi
    echo "== $name: $(elapsed "$t0") s"
done
echo "interop: total $(elapsed "$run_start") s"
interop_end
